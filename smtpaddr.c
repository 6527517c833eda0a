/* smtpaddr: MAIL/RCPT arguments and the canonical address (see smtpaddr.h) */
#include <string.h>
#include "smtpaddr.h"
#include "str.h"
#include "stralloc.h"

static char lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int smtpaddr_is(const char *s, size_t n, const char *w)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (!w[i] || lower(s[i]) != lower(w[i])) return 0;
  return !w[n];
}

int smtpaddr_parse(const char *arg, size_t len, stralloc *addr, size_t *params)
{
  const char *lt = memchr(arg, '<', len);
  size_t i;
  char terminator;
  int quoted = 0;

  addr->len = 0;
  if (memchr(arg, 0, len)) return 0;
  if (lt) {
    i = (size_t)(lt - arg) + 1;
    terminator = '>';
  } else {
    const char *colon = memchr(arg, ':', len);
    if (!colon) return 0;
    i = (size_t)(colon - arg) + 1;
    while (i < len && arg[i] == ' ') i++;
    terminator = ' ';
  }
  /* a source route: "@a,@b:" then the mailbox */
  if (i < len && arg[i] == '@') {
    size_t j = i;
    while (j < len && arg[j] != ':' && arg[j] != terminator) j++;
    if (j < len && arg[j] == ':') i = j + 1;
  }
  for (; i < len; i++) {
    char c = arg[i];
    if (!quoted && c == terminator) break;
    if (c == '"') { quoted = !quoted; continue; }
    if (c == '\\') {
      if (++i == len) return 0;
      c = arg[i];
    }
    /* no control byte, quoted or not (RFC 5321 4.1.2: 32-126 and 8-bit):
       a CR would come out in Return-Path and in the next hop's commands */
    if ((unsigned char)c < 32 || c == 127) return 0;
    if (!stralloc_append(addr, c)) return -1;
  }
  if (quoted) return 0;
  if (i == len) {
    if (terminator == '>') return 0;  /* '<' without '>' */
    *params = len;
    return 1;
  }
  i++; /* past the terminator */
  *params = i;
  return 1;
}

int smtpaddr_canon(stralloc *addr)
{
  size_t at, i;

  if (!addr->len) return 1;
  at = byte_rchr(addr->s, addr->len, '@');
  if (at == addr->len) return 1;
  while (addr->len > at + 1 && addr->s[addr->len - 1] == '.') addr->len--;
  if (addr->len == at + 1) return 0;
  for (i = at + 1; i < addr->len; i++) addr->s[i] = lower(addr->s[i]);
  return 1;
}

int smtpaddr_param(const char *params, size_t len, size_t *pos,
                   const char **key, size_t *keylen,
                   const char **val, size_t *vallen, int *hasval)
{
  size_t i = *pos, start, eq;

  while (i < len && (params[i] == ' ' || params[i] == '\t')) i++;
  if (i >= len) { *pos = len; return 0; }
  start = i;
  while (i < len && params[i] != ' ' && params[i] != '\t') i++;
  *pos = i;
  eq = start;
  while (eq < i && params[eq] != '=') eq++;
  *key = params + start;
  *keylen = eq - start;
  *hasval = eq < i;
  *val = eq < i ? params + eq + 1 : params + i;
  *vallen = eq < i ? i - eq - 1 : 0;
  return 1;
}

static int equal_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
  size_t i;
  if (alen != blen) return 0;
  for (i = 0; i < alen; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

int smtpaddr_listed(const char *list, size_t listlen, const char *addr, size_t len)
{
  size_t pos = 0, at = byte_rchr(addr, len, '@');

  while (pos < listlen) {
    const char *e = list + pos;
    size_t n = byte_chr(e, listlen - pos, 0);
    if (equal_nocase(e, n, addr, len)) return 1;
    if (n && e[0] == '@' && at < len && equal_nocase(e, n, addr + at, len - at)) return 1;
    pos += n + 1;
  }
  return 0;
}
