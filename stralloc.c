/* stralloc: growable byte strings. Growth is geometric (n + n/8 + 30) so a
   long run of appends costs amortised linear time; every size computation is
   checked, and no request above PTRDIFF_MAX reaches the allocator. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stralloc.h"
#include "str.h"

int stralloc_ready(stralloc *sa, size_t n)
{
  size_t want;
  char *p;

  if (n <= sa->a && sa->s) return 1;
  if (n > (size_t)PTRDIFF_MAX) { errno = EOVERFLOW; return 0; }
  /* n + n/8 + 30, falling back to exactly n if the slack does not fit */
  if (__builtin_add_overflow(n, n / 8, &want) ||
      __builtin_add_overflow(want, (size_t)30, &want) ||
      want > (size_t)PTRDIFF_MAX)
    want = n;
  if (want == 0) want = 1;
  p = realloc(sa->s, want);
  if (!p && want > n) { want = n ? n : 1; p = realloc(sa->s, want); }
  if (!p) { errno = ENOMEM; return 0; }
  sa->s = p;
  sa->a = want;
  return 1;
}

int stralloc_readyplus(stralloc *sa, size_t n)
{
  size_t total;

  if (__builtin_add_overflow(sa->len, n, &total)) { errno = EOVERFLOW; return 0; }
  return stralloc_ready(sa, total);
}

/* s may point into sa's own storage (stralloc_cat(sa, sa)); survive the
   realloc by remembering the offset */
static int inside(const stralloc *sa, const char *s, size_t *off)
{
  uintptr_t b, x;

  if (!sa->s || !s) return 0;
  b = (uintptr_t)sa->s;
  x = (uintptr_t)s;
  if (x < b || x >= b + sa->a) return 0;
  *off = (size_t)(x - b);
  return 1;
}

int stralloc_copyb(stralloc *sa, const char *s, size_t n)
{
  size_t off;
  int in = inside(sa, s, &off);

  if (!stralloc_ready(sa, n)) return 0;
  if (in) s = sa->s + off;
  if (n) memmove(sa->s, s, n);
  sa->len = n;
  return 1;
}

int stralloc_copys(stralloc *sa, const char *s)
{
  return stralloc_copyb(sa, s, str_len(s));
}

int stralloc_copy(stralloc *sa, const stralloc *from)
{
  if (sa == from) return stralloc_ready(sa, sa->len);
  return stralloc_copyb(sa, from->s, from->len);
}

int stralloc_catb(stralloc *sa, const char *s, size_t n)
{
  size_t off;
  int in = inside(sa, s, &off);

  if (!stralloc_readyplus(sa, n)) return 0;
  if (in) s = sa->s + off;
  if (n) memmove(sa->s + sa->len, s, n);
  sa->len += n;
  return 1;
}

int stralloc_cats(stralloc *sa, const char *s)
{
  return stralloc_catb(sa, s, str_len(s));
}

int stralloc_cat(stralloc *sa, const stralloc *from)
{
  return stralloc_catb(sa, from->s, from->len);
}

int stralloc_append(stralloc *sa, char c)
{
  if (!stralloc_readyplus(sa, 1)) return 0;
  sa->s[sa->len++] = c;
  return 1;
}

int stralloc_0(stralloc *sa)
{
  return stralloc_append(sa, 0);
}

int stralloc_catulong(stralloc *sa, unsigned long u)
{
  return stralloc_catulong0(sa, u, 0);
}

int stralloc_catulong0(stralloc *sa, unsigned long u, unsigned int width)
{
  size_t digits = fmt_ulong(0, u);
  size_t total = digits < width ? width : digits;
  size_t i;

  if (!stralloc_readyplus(sa, total)) return 0;
  for (i = digits; i < total; ++i) sa->s[sa->len++] = '0';
  fmt_ulong(sa->s + sa->len, u);
  sa->len += digits;
  return 1;
}

void stralloc_free(stralloc *sa)
{
  free(sa->s);
  sa->s = 0;
  sa->len = 0;
  sa->a = 0;
}
