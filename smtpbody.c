/* smtpbody: normalised, dot-stuffed DATA bodies (see smtpbody.h) */
#include <errno.h>
#include "smtpbody.h"

void smtpbody_start(struct smtpbody *b)
{
  b->bol = 1;
  b->cr = 0;
}

int smtpbody_feed(struct smtpbody *b, stralloc *out, const char *in, size_t n)
{
  size_t i, start;

  /* at most three bytes out for one in ("." "." or CR LF, plus a pending
     CR LF): one check for the whole chunk */
  if (n > ((size_t)-1 - 2) / 3) { errno = EOVERFLOW; return 0; }
  if (!stralloc_readyplus(out, 3 * n + 2)) return 0;
  for (i = 0; i < n; i++) {
    char c = in[i];
    if (b->cr) {
      b->cr = 0;
      out->s[out->len++] = '\r';
      out->s[out->len++] = '\n';
      b->bol = 1;
      if (c == '\n') continue;
    }
    if (c == '\r') { b->cr = 1; continue; }
    if (c == '\n') {
      out->s[out->len++] = '\r';
      out->s[out->len++] = '\n';
      b->bol = 1;
      continue;
    }
    if (b->bol && c == '.') out->s[out->len++] = '.';
    b->bol = 0;
    /* copy the rest of an ordinary run at once */
    start = i;
    while (i + 1 < n && in[i + 1] != '\r' && in[i + 1] != '\n') i++;
    for (; start <= i; start++) out->s[out->len++] = in[start];
  }
  return 1;
}

int smtpbody_end(struct smtpbody *b, stralloc *out)
{
  if (b->cr) {
    b->cr = 0;
    b->bol = 1;
    if (!stralloc_catb(out, "\r\n", 2)) return 0;
  }
  if (!b->bol && !stralloc_catb(out, "\r\n", 2)) return 0;
  b->bol = 1;
  return stralloc_catb(out, ".\r\n", 3);
}

void smtpbody_measure(struct smtpbody *b, const char *in, size_t n,
                      unsigned long long *bytes, int *eightbit)
{
  size_t i;

  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (b->cr) {
      b->cr = 0;
      b->bol = 1;
      *bytes += 2;
      if (c == '\n') continue;
    }
    if (c == '\r') { b->cr = 1; continue; }
    if (c == '\n') { *bytes += 2; b->bol = 1; continue; }
    if (c & 0x80) *eightbit = 1;
    *bytes += 1;
    b->bol = 0;
  }
}

unsigned long long smtpbody_measure_end(const struct smtpbody *b)
{
  return b->cr || !b->bol ? 2 : 0;
}
