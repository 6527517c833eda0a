/* todo.c: envelope record reader for qmail-send (see todo.h). */
#include <errno.h>
#include "str.h"
#include "todo.h"

int todo_record(struct todo *t, const char *rec, size_t n)
{
  if (!n) { t->unknown++; return TODO_OTHER; }
  switch (rec[0]) {
  case 'u': if (n > 1) scan_ulong(rec + 1, n - 1, &t->uid); return TODO_OTHER;
  case 'p': if (n > 1) scan_ulong(rec + 1, n - 1, &t->pid); return TODO_OTHER;
  case 'F':
    if (t->seen_sender) { t->unknown++; return TODO_OTHER; }
    t->seen_sender = 1;
    return TODO_SENDER;
  case 'T':
    if (!t->seen_sender) { errno = EPROTO; return -1; }
    t->recipients++;
    return TODO_RECIPIENT;
  default:
    t->unknown++;
    return TODO_OTHER;
  }
}

int todo_end(const struct todo *t, int last_record_complete)
{
  if (!t->seen_sender || !last_record_complete) { errno = EPROTO; return -1; }
  return 0;
}
