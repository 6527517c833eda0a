/* str: byte and string helpers. ASCII only: case folding never depends on
   the locale. */
#include <limits.h>
#include <string.h>
#include "str.h"

size_t str_len(const char *s)
{
  return strlen(s);
}

int str_equal(const char *a, const char *b)
{
  return strcmp(a, b) == 0;
}

int str_start(const char *s, const char *prefix)
{
  while (*prefix) {
    if (*s != *prefix) return 0;
    ++s;
    ++prefix;
  }
  return 1;
}

size_t byte_chr(const char *s, size_t n, int c)
{
  const char *p;

  if (!n) return 0;
  p = memchr(s, (unsigned char)c, n);
  return p ? (size_t)(p - s) : n;
}

size_t byte_rchr(const char *s, size_t n, int c)
{
  size_t i = n;

  while (i > 0)
    if ((unsigned char)s[--i] == (unsigned char)c) return i;
  return n;
}

int byte_equal(const char *a, size_t n, const char *b)
{
  return n == 0 || memcmp(a, b, n) == 0;
}

static unsigned char lower(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

int case_equalb(const char *a, size_t n, const char *b)
{
  size_t i;

  for (i = 0; i < n; ++i)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

void case_lowerb(char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i) s[i] = (char)lower((unsigned char)s[i]);
}

size_t fmt_ulong(char *out, unsigned long u)
{
  size_t len = 1;
  unsigned long q = u;

  while (q > 9) { ++len; q /= 10; }
  if (out) {
    size_t i = len;
    do { out[--i] = (char)('0' + (u % 10)); u /= 10; } while (i > 0);
  }
  return len;
}

size_t scan_ulong(const char *s, size_t n, unsigned long *u)
{
  unsigned long r = 0;
  size_t i = 0;

  while (i < n && s[i] >= '0' && s[i] <= '9') {
    unsigned long d = (unsigned long)(s[i] - '0');
    if (__builtin_mul_overflow(r, 10UL, &r) || __builtin_add_overflow(r, d, &r))
      return 0;
    ++i;
  }
  if (i) *u = r;
  return i;
}
