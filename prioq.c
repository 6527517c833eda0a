/* prioq.c: binary min-heap on (when, id); ties broken by id so the order is
   deterministic. */
#include <errno.h>
#include <stdlib.h>
#include "prioq.h"

static int before(const struct prioq_elt *a, const struct prioq_elt *b)
{
  if (a->when != b->when) return a->when < b->when;
  return a->id < b->id;
}

int prioq_insert(struct prioq *q, time_t when, unsigned long id)
{
  size_t i;
  if (q->len == q->a) {
    size_t n = q->a ? q->a : 32;
    size_t bytes;
    struct prioq_elt *p;
    if (__builtin_add_overflow(q->a, n, &n) || __builtin_mul_overflow(n, sizeof *p, &bytes)) {
      errno = ENOMEM;
      return 0;
    }
    p = realloc(q->p, bytes);
    if (!p) { errno = ENOMEM; return 0; }
    q->p = p;
    q->a = n;
  }
  i = q->len++;
  q->p[i].when = when;
  q->p[i].id = id;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    struct prioq_elt t;
    if (!before(&q->p[i], &q->p[parent])) break;
    t = q->p[i]; q->p[i] = q->p[parent]; q->p[parent] = t;
    i = parent;
  }
  return 1;
}

int prioq_min(const struct prioq *q, struct prioq_elt *out)
{
  if (!q->len) return 0;
  *out = q->p[0];
  return 1;
}

void prioq_delmin(struct prioq *q)
{
  size_t i = 0;
  if (!q->len) return;
  q->p[0] = q->p[--q->len];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    struct prioq_elt t;
    if (l < q->len && before(&q->p[l], &q->p[m])) m = l;
    if (r < q->len && before(&q->p[r], &q->p[m])) m = r;
    if (m == i) break;
    t = q->p[i]; q->p[i] = q->p[m]; q->p[m] = t;
    i = m;
  }
}

static int cmp_id(const void *a, const void *b)
{
  unsigned long x = ((const struct prioq_elt *)a)->id, y = ((const struct prioq_elt *)b)->id;
  return x < y ? -1 : x > y;
}

void prioq_setall(struct prioq *q, time_t when)
{
  size_t i;
  for (i = 0; i < q->len; ++i) q->p[i].when = when;
  /* equal times: order by id, which a sorted array satisfies as a heap */
  qsort(q->p, q->len, sizeof *q->p, cmp_id);
}

void prioq_free(struct prioq *q)
{
  free(q->p);
  q->p = 0;
  q->len = q->a = 0;
}
