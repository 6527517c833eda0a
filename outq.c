/* outq: pending bytes for a non-blocking pipe (see outq.h). */
#include <errno.h>
#include <unistd.h>
#include "outq.h"

size_t outq_pending(const struct outq *o)
{
  return o->q.len - o->pos;
}

int outq_flush(struct outq *o, int fd)
{
  while (o->pos < o->q.len) {
    ssize_t w = write(fd, o->q.s + o->pos, o->q.len - o->pos);
    if (w == -1) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return -1;
    }
    o->pos += (size_t)w;
  }
  o->q.len = 0;
  o->pos = 0;
  return 0;
}
