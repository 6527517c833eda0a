/* outq: bytes waiting to be written to a non-blocking pipe (requests from
   qmail-send to a spawner or to qmail-clean). */
#ifndef OUTQ_H
#define OUTQ_H
#include <stddef.h>
#include "stralloc.h"

struct outq {
  stralloc q;
  size_t pos; /* q.s[pos..q.len) is not yet written */
};

#define OUTQ_ZERO { STRALLOC_ZERO, 0 }

/* bytes not yet written */
size_t outq_pending(const struct outq *o);
/* writes as much as fd takes now: 0 (everything written, or the pipe is
   full), -1 on a write error other than EAGAIN/EINTR (errno set) */
int outq_flush(struct outq *o, int fd);

#endif
