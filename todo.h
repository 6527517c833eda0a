/* todo: reader for a committed envelope (queue/todo/ID as written by
   qmail-queue): NUL-terminated records "u<uid>", "p<pid>", "F<sender>",
   then "T<recipient>" records. The file comes from qmailq; qmail-send still
   treats it as untrusted: a record must end with NUL and the F record must
   come before any T record. Unknown record letters are counted and skipped.
   Records are fed one at a time, so a file of any size is read in bounded
   memory. */
#ifndef TODO_H
#define TODO_H
#include <stddef.h>

struct todo {
  unsigned long uid, pid;       /* 0 when absent */
  int seen_sender;
  size_t recipients;            /* T records so far */
  size_t unknown;               /* records with an unknown letter or a second F */
};

#define TODO_INIT { 0, 0, 0, 0, 0 }

#define TODO_OTHER 0
#define TODO_SENDER 1     /* the sender is rec[1..n) */
#define TODO_RECIPIENT 2  /* a recipient is rec[1..n) */

/* classifies the next record rec[0..n) (its NUL excluded) and updates t.
   -1 (errno EPROTO) for a T record before the F record. */
int todo_record(struct todo *t, const char *rec, size_t n);
/* at end of file: 0 when the envelope was complete (an F record, and the
   last record ended with its NUL), -1 (errno EPROTO) otherwise */
int todo_end(const struct todo *t, int last_record_complete);

#endif
