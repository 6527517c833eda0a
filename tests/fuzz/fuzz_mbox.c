/* fuzz_mbox: the mboxrd quoting and the header filter of mbox.c on
   arbitrary bytes. The first byte chooses where the input is split in two;
   the output must not depend on the split and must equal a line-by-line
   model; unquoting the quoted-only output (one '>' off every line matching
   ^>+From ) must give the input back. Aborts when an invariant breaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mbox.h"
#include "stralloc.h"

static struct mbox m;

static void check(int ok)
{
  if (!ok) abort();
}

static void quote(const uint8_t *s, size_t n, size_t split, stralloc *out)
{
  out->len = 0;
  mbox_quote_start(&m);
  check(mbox_quote(&m, (const char *)s, split, out) == 0);
  check(mbox_quote(&m, (const char *)s + split, n - split, out) == 0);
  if (m.fromlen) check(stralloc_catb(out, "From ", m.fromlen));
}

static const char *const fields[] = {
  "status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase", "content-length"
};

/* the header filter, line by line: in the header (before the first empty
   line) a field named by fields[] goes, with its continuation lines */
static void model_filter(const uint8_t *s, size_t n, stralloc *out)
{
  size_t i = 0, f;
  int inheader = 1, dropping = 0;
  out->len = 0;
  while (i < n) {
    size_t j = i, k, end;
    int keep = 1;
    while (j < n && s[j] != '\n') j++;
    end = j < n ? j + 1 : j;
    if (inheader) {
      if (j == i && j < n) inheader = 0;
      else if (s[i] == ' ' || s[i] == '\t') keep = !dropping;
      else {
        for (k = i; k < j && s[k] != ':' && s[k] != ' ' && s[k] != '\t'; k++) ;
        dropping = 0;
        if (k < j && s[k] == ':')
          for (f = 0; f < sizeof fields / sizeof fields[0]; f++)
            if (strlen(fields[f]) == k - i && strncasecmp(fields[f], (const char *)s + i, k - i) == 0)
              dropping = 1;
        keep = !dropping;
      }
    }
    if (keep) check(stralloc_catb(out, (const char *)s + i, end - i));
    i = end;
  }
}

static void filter(const uint8_t *s, size_t n, size_t split, stralloc *out)
{
  out->len = 0;
  mbox_filter_start(&m);
  check(mbox_quote(&m, (const char *)s, split, out) == 0);
  check(mbox_quote(&m, (const char *)s + split, n - split, out) == 0);
  check(mbox_quote_end(&m, out) == 0);
}

static void model(const uint8_t *s, size_t n, stralloc *out)
{
  size_t i = 0;
  out->len = 0;
  while (i < n) {
    size_t j = i, k;
    while (j < n && s[j] != '\n') j++;
    for (k = i; k < j && s[k] == '>'; k++) ;
    if (j - k >= 5 && memcmp(s + k, "From ", 5) == 0) check(stralloc_append(out, '>'));
    check(stralloc_catb(out, (const char *)s + i, (j < n ? j + 1 : j) - i));
    i = j < n ? j + 1 : j;
  }
}

static void unquote(const char *s, size_t n, stralloc *out)
{
  size_t i = 0;
  out->len = 0;
  while (i < n) {
    size_t j = i, k;
    while (j < n && s[j] != '\n') j++;
    for (k = i; k < j && s[k] == '>'; k++) ;
    if (k > i && j - k >= 5 && memcmp(s + k, "From ", 5) == 0) i++;
    check(stralloc_catb(out, s + i, (j < n ? j + 1 : j) - i));
    i = j < n ? j + 1 : j;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc a, b, c, d;
  size_t split;

  if (size < 1) return 0;
  split = data[0];
  data++;
  size--;
  if (split > size) split = size;
  quote(data, size, split, &a);
  quote(data, size, 0, &b);
  check(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
  model(data, size, &c);
  check(a.len == c.len && memcmp(a.s, c.s, a.len) == 0);
  unquote(a.s, a.len, &c);
  check(c.len == size && (size == 0 || memcmp(c.s, data, size) == 0));
  /* with the header filter in front */
  filter(data, size, split, &a);
  filter(data, size, size, &b);
  check(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
  model_filter(data, size, &d);
  model((const uint8_t *)d.s, d.len, &c);
  check(a.len == c.len && memcmp(a.s, c.s, a.len) == 0);
  return 0;
}
