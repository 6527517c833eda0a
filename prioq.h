/* prioq: binary min-heap of (when, id) pairs, the scheduler's only index of
   waiting work, so finding the next due message costs O(log n) however long
   the queue is. Functions return 1 on success, 0 on ENOMEM. */
#ifndef PRIOQ_H
#define PRIOQ_H
#include <stddef.h>
#include <time.h>

struct prioq_elt {
  time_t when;
  unsigned long id;
};

struct prioq {
  struct prioq_elt *p;
  size_t len, a;
};

#define PRIOQ_ZERO { 0, 0, 0 }

int prioq_insert(struct prioq *q, time_t when, unsigned long id);
int prioq_min(const struct prioq *q, struct prioq_elt *out); /* 1 if non-empty */
void prioq_delmin(struct prioq *q);
/* sets every element's time to when (heap order is kept trivially) */
void prioq_setall(struct prioq *q, time_t when);
void prioq_free(struct prioq *q);

#endif
