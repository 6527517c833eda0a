/* smtpreply: SMTP reply lines for a client (see smtpreply.h) */
#include "smtpreply.h"
#include "smtpaddr.h"
#include "str.h"

void smtpreply_start(struct smtpreply *r)
{
  r->code = 0;
  r->lines = 0;
  r->cut = 0;
  r->text.len = 0;
}

int smtpreply_code(const char *s, size_t n, unsigned int *code, int *last)
{
  if (n < 3) return 0;
  if (s[0] < '2' || s[0] > '5') return 0;
  if (s[1] < '0' || s[1] > '5') return 0;
  if (s[2] < '0' || s[2] > '9') return 0;
  if (n > 3 && s[3] != ' ' && s[3] != '-') return 0;
  *code = (unsigned int)(s[0] - '0') * 100 + (unsigned int)(s[1] - '0') * 10
          + (unsigned int)(s[2] - '0');
  *last = n == 3 || s[3] == ' ';
  return 1;
}

int smtpreply_catsafe(stralloc *out, const char *s, size_t n)
{
  size_t i;

  if (!stralloc_readyplus(out, n)) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out->s[out->len++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
  }
  return 1;
}

/* keeps the line in the text, within the caps */
static int keep(struct smtpreply *r, const char *s, size_t n)
{
  size_t room;

  if (r->cut) return 1;
  if (r->lines > SMTPREPLY_LINES_MAX) { r->cut = 1; return 1; }
  if (r->text.len && r->text.len < SMTPREPLY_TEXT_MAX && !stralloc_append(&r->text, '\n')) return 0;
  room = SMTPREPLY_TEXT_MAX > r->text.len ? SMTPREPLY_TEXT_MAX - r->text.len : 0;
  if (n > room) { n = room; r->cut = 1; }
  return smtpreply_catsafe(&r->text, s, n);
}

int smtpreply_line(struct smtpreply *r, const char *s, size_t n)
{
  unsigned int code;
  int last;

  if (n && s[n - 1] == '\r') n--;
  r->lines++;
  if (!keep(r, s, n)) return SMTPREPLY_NOMEM;
  if (!smtpreply_code(s, n, &code, &last)) return SMTPREPLY_BAD;
  if (r->lines == 1) r->code = code;
  else if (code != r->code) return SMTPREPLY_BAD;
  return last ? SMTPREPLY_DONE : SMTPREPLY_MORE;
}

/* the keyword (and its first parameter) of one EHLO line after the code */
static void ehlo_line(const char *s, size_t n, struct smtpreply_ehlo *e)
{
  size_t k = 0, p;

  while (k < n && s[k] != ' ') k++;
  if (smtpaddr_is(s, k, "8BITMIME")) e->eightbitmime = 1;
  else if (smtpaddr_is(s, k, "PIPELINING")) e->pipelining = 1;
  else if (smtpaddr_is(s, k, "SMTPUTF8")) e->smtputf8 = 1;
  else if (smtpaddr_is(s, k, "SIZE")) {
    unsigned long u = 0;
    e->size = 1;
    e->sizemax = 0;
    p = k;
    while (p < n && s[p] == ' ') p++;
    /* no number, a number too large, or 0: no stated limit */
    if (scan_ulong(s + p, n - p, &u)) e->sizemax = u;
  }
}

void smtpreply_ehlo(const char *text, size_t len, struct smtpreply_ehlo *e)
{
  size_t i = 0, first = 1;

  e->size = e->eightbitmime = e->pipelining = e->smtputf8 = 0;
  e->sizemax = 0;
  while (i < len) {
    size_t end = i + byte_chr(text + i, len - i, '\n');
    /* the first line is the greeting of the server, not a keyword */
    if (!first && end - i > 4) ehlo_line(text + i + 4, end - i - 4, e);
    first = 0;
    i = end + 1;
  }
}
