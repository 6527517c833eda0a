/* fuzz_dotqmail: the .qmail line parser, the extension-to-file-name logic,
   the Delivered-To loop scan and Return-Path quoting on arbitrary bytes.
   Build: clang -fsanitize=fuzzer,address,undefined -I. with the library
   sources. Aborts when an invariant breaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dotqmail.h"
#include "quote.h"
#include "stralloc.h"

static void check(int ok)
{
  if (!ok) abort();
}

static void parse(const char *s, size_t n)
{
  struct dotqmail_parse p;
  struct dotqmail_line l;
  unsigned long lines = 0;

  dotqmail_parse_start(&p, s, n);
  while (dotqmail_parse_next(&p, &l)) {
    lines++;
    check(l.number == lines);
    check(l.text >= s && l.text + l.len <= s + n);
    check(memchr(l.text, '\n', l.len) == 0);
    if (l.type == DOTQMAIL_MAILDIR) check(l.len > 0 && l.text[l.len - 1] == '/');
    if (l.len) check(l.text[l.len - 1] != ' ' && l.text[l.len - 1] != '\t');
  }
  check(lines <= n);
}

static void search(const char *s, size_t n)
{
  stralloc safe = STRALLOC_ZERO, name = STRALLOC_ZERO;
  struct dotqmail_search ds;
  size_t pos, count = 0;
  int r;

  check(dotqmail_safeext(&safe, s, n));
  check(safe.len == n);
  check(n == 0 || memchr(safe.s, '.', n) == 0);
  dotqmail_search_start(&ds, "-", safe.s ? safe.s : "", safe.len);
  while ((r = dotqmail_search_next(&ds, &name, &pos)) == 1) {
    count++;
    check(count <= n + 2);
    check(name.len >= 8 && name.s[name.len - 1] == 0);
    check(memchr(name.s, '/', name.len) == 0);
    check(pos == (size_t)-1 || pos <= n);
  }
  check(r == 0);
  stralloc_free(&safe);
  stralloc_free(&name);
}

static void loopscan(const char *s, size_t n)
{
  static const char dt[] = "Delivered-To: joe@example.com\n";
  struct dotqmail_loopscan a, b;
  size_t i;
  int ra, rb = -1;

  dotqmail_loopscan_start(&a, dt, sizeof dt - 1);
  ra = dotqmail_loopscan_feed(&a, s, n);
  if (ra < 0) ra = dotqmail_loopscan_end(&a);
  dotqmail_loopscan_start(&b, dt, sizeof dt - 1);
  for (i = 0; i < n && rb < 0; i++) rb = dotqmail_loopscan_feed(&b, s + i, 1);
  if (rb < 0) rb = dotqmail_loopscan_end(&b);
  check(ra == 0 || ra == 1);
  check(ra == rb);
}

static void lines(const char *s, size_t n)
{
  stralloc z = STRALLOC_ZERO, out = STRALLOC_ZERO;

  check(stralloc_copyb(&z, s, n) && stralloc_0(&z));
  check(quote_cataddr(&out, s, n));
  if (n && !memchr(s, '@', n) && !quote_needed(s, n)) check(out.len == n && !memcmp(out.s, s, n));
  check(dotqmail_rpline(&out, z.s));
  check(memchr(out.s, '\n', out.len) == out.s + out.len - 1);
  check(dotqmail_dtline(&out, z.s, z.s));
  check(memchr(out.s, '\n', out.len) == out.s + out.len - 1);
  {
    unsigned long long t = 0;
    size_t i;
    for (i = 0; i < n && i < 8; i++) t = t << 8 | (unsigned char)s[i];
    check(dotqmail_ufline(&out, z.s, (time_t)t));
    check(out.len >= 30);
  }
  check(memchr(out.s, '\n', out.len) == out.s + out.len - 1);
  stralloc_free(&z);
  stralloc_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;

  parse(s, size);
  search(s, size);
  loopscan(s, size);
  lines(s, size);
  return 0;
}
