/* cleanq: qmail-send's side of the qmail-clean protocol. Requests
   ("todo/ID" or "foop/ID", NUL-terminated) are queued in order; qmail-clean
   answers each with one byte in the same order, so the oldest outstanding
   request is the one an answer belongs to. */
#ifndef CLEANQ_H
#define CLEANQ_H
#include "outq.h"
#include "ring.h"

#define CLEAN_TODO 0 /* unlink intd/ID and todo/ID */
#define CLEAN_MESS 1 /* unlink intd/ID and mess/N/ID */

struct clean_req {
  unsigned long id;
  int kind;  /* CLEAN_TODO or CLEAN_MESS */
  int tag;   /* the caller's: what to do with the answer */
};

struct cleanq {
  struct ring pending; /* struct clean_req, oldest first */
  struct outq out;     /* request bytes for qmail-clean's fd 0 */
};

#define CLEANQ_ZERO { RING_ZERO(sizeof(struct clean_req)), OUTQ_ZERO }

/* 1 ok, 0 ENOMEM (nothing queued) */
int cleanq_request(struct cleanq *c, unsigned long id, int kind, int tag);
/* the request answer a belongs to, into *r; returns 1 for '+', 0 for any
   other answer, -1 when no request was outstanding */
int cleanq_answer(struct cleanq *c, char a, struct clean_req *r);
/* requests sent or waiting, not yet answered */
size_t cleanq_outstanding(const struct cleanq *c);

#endif
