/* cleanq: requests to qmail-clean and their answers (see cleanq.h). */
#include "cleanq.h"
#include "str.h"

int cleanq_request(struct cleanq *c, unsigned long id, int kind, int tag)
{
  struct clean_req r;
  size_t mark = c->out.q.len;
  char num[FMT_ULONG];
  if (!stralloc_cats(&c->out.q, kind == CLEAN_TODO ? "todo/" : "foop/") ||
      !stralloc_catb(&c->out.q, num, fmt_ulong(num, id)) || !stralloc_0(&c->out.q))
    goto fail;
  r.id = id;
  r.kind = kind;
  r.tag = tag;
  if (!ring_push(&c->pending, &r)) goto fail;
  return 1;
fail:
  c->out.q.len = mark;
  return 0;
}

int cleanq_answer(struct cleanq *c, char a, struct clean_req *r)
{
  if (!ring_pop(&c->pending, r)) return -1;
  return a == '+';
}

size_t cleanq_outstanding(const struct cleanq *c)
{
  return c->pending.len;
}
