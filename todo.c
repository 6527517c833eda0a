/* todo.c: envelope record parser for qmail-send. */
#include <errno.h>
#include "str.h"
#include "todo.h"

int todo_parse(const char *buf, size_t len, struct todo *t)
{
  size_t pos = 0;
  int seen_f = 0;
  t->uid = t->pid = 0;
  t->sender = 0;
  t->sender_len = 0;
  t->recipients = 0;
  t->unknown = 0;
  while (pos < len) {
    size_t n = byte_chr(buf + pos, len - pos, 0);
    const char *rec = buf + pos;
    if (n == len - pos) { errno = EPROTO; return -1; }
    switch (rec[0]) {
    case 'u': if (n > 1) scan_ulong(rec + 1, n - 1, &t->uid); break;
    case 'p': if (n > 1) scan_ulong(rec + 1, n - 1, &t->pid); break;
    case 'F':
      if (seen_f) { t->unknown++; break; }
      seen_f = 1;
      t->sender = rec + 1;
      t->sender_len = n - 1;
      break;
    case 'T':
      if (!seen_f) { errno = EPROTO; return -1; }
      t->recipients++;
      break;
    default:
      t->unknown++;
    }
    pos += n + 1;
  }
  if (!seen_f) { errno = EPROTO; return -1; }
  return 0;
}

int todo_next_recipient(const char *buf, size_t len, size_t *pos, const char **rcpt, size_t *rlen)
{
  while (*pos < len) {
    size_t n = byte_chr(buf + *pos, len - *pos, 0);
    const char *rec = buf + *pos;
    if (n == len - *pos) return 0;
    *pos += n + 1;
    if (n > 0 && rec[0] == 'T') {
      *rcpt = rec + 1;
      *rlen = n - 1;
      return 1;
    }
  }
  return 0;
}
