/* quote: RFC 5321 section 4.1.2 local-part quoting. A local part that is a
   Dot-string (atoms of atext joined by single dots) is written as is; any
   other local part becomes a Quoted-string in which '"' and '\' are
   escaped with a backslash. */
#include "quote.h"
#include "str.h"
#include "stralloc.h"

int quote_atext(unsigned char c)
{
  if (c >= 0x80) return 1; /* UTF-8 (SMTPUTF8) */
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= 'A' && c <= 'Z') return 1;
  if (c >= '0' && c <= '9') return 1;
  switch (c) {
  case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
  case '+': case '-': case '/': case '=': case '?': case '^': case '_':
  case '`': case '{': case '|': case '}': case '~':
    return 1;
  default:
    return 0;
  }
}

int quote_needed(const char *s, size_t n)
{
  size_t i;

  if (n == 0) return 1;
  if (s[0] == '.' || s[n - 1] == '.') return 1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (s[i + 1] == '.') return 1; /* i + 1 < n: s[n - 1] is not '.' */
      continue;
    }
    if (!quote_atext(c)) return 1;
  }
  return 0;
}

int quote_catlocal(stralloc *out, const char *s, size_t n)
{
  size_t i, start;

  if (!quote_needed(s, n)) return stralloc_catb(out, s, n);
  if (!stralloc_append(out, '"')) return 0;
  start = 0;
  for (i = 0; i < n; i++) {
    if (s[i] != '"' && s[i] != '\\') continue;
    if (!stralloc_catb(out, s + start, i - start)) return 0;
    if (!stralloc_append(out, '\\')) return 0;
    start = i; /* the special byte itself goes out with the next run */
  }
  if (!stralloc_catb(out, s + start, n - start)) return 0;
  return stralloc_append(out, '"');
}

int quote_cataddr(stralloc *out, const char *a, size_t n)
{
  size_t at;

  if (n == 0) return 1;
  at = byte_rchr(a, n, '@');
  if (!quote_catlocal(out, a, at)) return 0;
  if (at == n) return 1;
  return stralloc_catb(out, a + at, n - at);
}
