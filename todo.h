/* todo: parser for a committed envelope (queue/todo/ID as written by
   qmail-queue): NUL-terminated records "u<uid>", "p<pid>", "F<sender>",
   then "T<recipient>" records. The file comes from qmailq; qmail-send still
   treats it as untrusted: a record must end with NUL and the F record must
   come before any T record. Unknown record letters are counted and skipped. */
#ifndef TODO_H
#define TODO_H
#include <stddef.h>

struct todo {
  unsigned long uid, pid;       /* 0 when absent */
  const char *sender;           /* points into the buffer; NUL-terminated */
  size_t sender_len;
  size_t recipients;            /* number of T records */
  size_t unknown;               /* records with an unknown letter */
};

/* 0 ok; -1 malformed (errno EPROTO): no F record, a T before F, or a final
   record without its NUL. */
int todo_parse(const char *buf, size_t len, struct todo *t);
/* iterate T records: *pos starts at 0; returns 1 and sets rcpt/rlen for the
   next recipient, 0 at the end. Only valid after todo_parse succeeded. */
int todo_next_recipient(const char *buf, size_t len, size_t *pos, const char **rcpt, size_t *rlen);

#endif
