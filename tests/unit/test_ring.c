/* test_ring: the FIFO, across growth and wrap-around; the qmail-clean
   request queue built on it. */
#include "check.h"
#include "../../cleanq.h"
#include "../../ring.h"

static void test_fifo(void)
{
  struct ring r = RING_ZERO(sizeof(unsigned long));
  unsigned long v, next_in = 0, next_out = 0;
  int i, round;
  CHECK(ring_pop(&r, &v) == 0);
  CHECK(ring_front(&r) == 0);
  /* interleave so that head wraps before every growth */
  for (round = 0; round < 50; ++round) {
    for (i = 0; i < round + 3; ++i) { CHECK(ring_push(&r, &next_in) == 1); next_in++; }
    for (i = 0; i < round + 1; ++i) {
      CHECK(*(unsigned long *)ring_front(&r) == next_out);
      CHECK(ring_pop(&r, &v) == 1);
      CHECK(v == next_out);
      next_out++;
    }
  }
  while (ring_pop(&r, &v)) { CHECK(v == next_out); next_out++; }
  CHECK(next_out == next_in);
  CHECK(r.len == 0);
  ring_free(&r);
}

static void test_cleanq(void)
{
  struct cleanq c = CLEANQ_ZERO;
  struct clean_req r;
  CHECK(cleanq_answer(&c, '+', &r) == -1);
  CHECK(cleanq_request(&c, 12, CLEAN_TODO, 7) == 1);
  CHECK(cleanq_request(&c, 345, CLEAN_MESS, 8) == 1);
  CHECK_MEM(c.out.q.s, c.out.q.len, "todo/12\0foop/345", 17);
  CHECK(cleanq_outstanding(&c) == 2);
  CHECK(cleanq_answer(&c, '+', &r) == 1);
  CHECK(r.id == 12 && r.kind == CLEAN_TODO && r.tag == 7);
  CHECK(cleanq_answer(&c, '!', &r) == 0);
  CHECK(r.id == 345 && r.kind == CLEAN_MESS && r.tag == 8);
  CHECK(cleanq_outstanding(&c) == 0);
}

int main(void)
{
  RUN(test_fifo);
  RUN(test_cleanq);
  return check_exit("test_ring");
}
