/* fuzz_mbox: the mboxrd quoting of mbox.c on arbitrary bytes. The first
   byte chooses where the input is split in two; the output must not depend
   on the split, must equal a line-by-line model, and unquoting it (one '>'
   off every line matching ^>+From ) must give the input back. Aborts when
   an invariant breaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
  static stralloc a, b, c;
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
  return 0;
}
