/* ring: a growable FIFO of fixed-size elements (a ring buffer that doubles
   when full). qmail-send keeps its todo entries and its outstanding
   qmail-clean requests in these. Functions return 1 on success, 0 on
   ENOMEM/EOVERFLOW (the ring is then unchanged); they never exit. */
#ifndef RING_H
#define RING_H
#include <stddef.h>

struct ring {
  char *p;
  size_t size;        /* bytes per element */
  size_t head, len, a; /* first element, element count, capacity */
};

#define RING_ZERO(size) { 0, (size), 0, 0, 0 }

int ring_push(struct ring *r, const void *elt);
/* copies the oldest element to elt (if elt is not NULL) and removes it;
   0 when the ring is empty */
int ring_pop(struct ring *r, void *elt);
/* the oldest element, or NULL when empty */
void *ring_front(const struct ring *r);
void ring_free(struct ring *r);

#endif
