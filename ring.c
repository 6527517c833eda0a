/* ring: growable FIFO of fixed-size elements (see ring.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ring.h"

int ring_push(struct ring *r, const void *elt)
{
  if (r->len == r->a) {
    size_t n, bytes, first;
    char *p;
    if (__builtin_mul_overflow(r->a ? r->a : 16, 2, &n) ||
        __builtin_mul_overflow(n, r->size, &bytes)) {
      errno = EOVERFLOW;
      return 0;
    }
    p = malloc(bytes);
    if (!p) return 0;
    /* unroll: the elements from head to the end, then those before head */
    first = r->a - r->head < r->len ? r->a - r->head : r->len;
    if (r->len) {
      memcpy(p, r->p + r->head * r->size, first * r->size);
      memcpy(p + first * r->size, r->p, (r->len - first) * r->size);
    }
    free(r->p);
    r->p = p;
    r->a = n;
    r->head = 0;
  }
  memcpy(r->p + ((r->head + r->len) % r->a) * r->size, elt, r->size);
  r->len++;
  return 1;
}

void *ring_front(const struct ring *r)
{
  return r->len ? r->p + r->head * r->size : 0;
}

int ring_pop(struct ring *r, void *elt)
{
  if (!r->len) return 0;
  if (elt) memcpy(elt, r->p + r->head * r->size, r->size);
  r->head = (r->head + 1) % r->a;
  r->len--;
  return 1;
}

void ring_free(struct ring *r)
{
  free(r->p);
  r->p = 0;
  r->head = r->len = r->a = 0;
}
