#include "check.h"
#include "../../schedule.h"
#include "../../prioq.h"
#include "../../idset.h"

static void test_isqrt(void)
{
  unsigned long n;
  CHECK(schedule_isqrt(0) == 0);
  CHECK(schedule_isqrt(1) == 1);
  CHECK(schedule_isqrt(3) == 1);
  CHECK(schedule_isqrt(4) == 2);
  CHECK(schedule_isqrt(99) == 9);
  CHECK(schedule_isqrt(100) == 10);
  CHECK(schedule_isqrt(604800) == 777);
  for (n = 0; n < 200000; n += 7) {
    unsigned long r = schedule_isqrt(n);
    CHECK(r * r <= n && (r + 1) * (r + 1) > n);
  }
}

static void test_next(void)
{
  /* on-schedule attempts happen at age c^2 k^2 (reference table) */
  CHECK(schedule_next(1000, 1000, 10) == 1000 + 100);
  CHECK(schedule_next(1000, 1100, 10) == 1000 + 400);
  CHECK(schedule_next(1000, 1400, 10) == 1000 + 900);
  CHECK(schedule_next(0, 0, 20) == 400);
  CHECK(schedule_next(0, 400, 20) == 1600);
  CHECK(schedule_next(0, 1600, 20) == 3600);
  /* late attempt: floor(sqrt(150)) = 12 -> (12+10)^2 */
  CHECK(schedule_next(0, 150, 10) == 484);
  /* clock behind birth: age counts as 0 */
  CHECK(schedule_next(5000, 4000, 10) == 5100);
  CHECK(!schedule_dying(0, 604800, 604800));
  CHECK(schedule_dying(0, 604801, 604800));
  CHECK(!schedule_dying(100, 50, 0));
}

static void test_prioq(void)
{
  struct prioq q = PRIOQ_ZERO;
  struct prioq_elt e;
  unsigned long i, last = 0;
  CHECK(!prioq_min(&q, &e));
  for (i = 0; i < 1000; ++i) CHECK(prioq_insert(&q, (time_t)((i * 7919) % 1000), i));
  for (i = 0; i < 1000; ++i) {
    CHECK(prioq_min(&q, &e));
    CHECK((unsigned long)e.when >= last);
    last = (unsigned long)e.when;
    prioq_delmin(&q);
  }
  CHECK(!prioq_min(&q, &e));
  prioq_insert(&q, 50, 3);
  prioq_insert(&q, 10, 9);
  prioq_insert(&q, 30, 1);
  prioq_setall(&q, 5);
  CHECK(prioq_min(&q, &e) && e.when == 5 && e.id == 1);
  prioq_delmin(&q);
  CHECK(prioq_min(&q, &e) && e.id == 3);
  prioq_free(&q);
}

static void test_idset(void)
{
  struct idset s = IDSET_ZERO;
  unsigned long i;
  for (i = 0; i < 5000; ++i) CHECK(idset_add(&s, i * 23));
  CHECK(s.count == 5000);
  CHECK(idset_has(&s, 23 * 4999));
  CHECK(!idset_has(&s, 24));
  for (i = 0; i < 5000; i += 2) idset_del(&s, i * 23);
  for (i = 0; i < 5000; ++i) CHECK(idset_has(&s, i * 23) == (i % 2 == 1));
  CHECK(s.count == 2500);
  idset_del(&s, 12345678);
  CHECK(s.count == 2500);
  idset_free(&s);
}

int main(void)
{
  RUN(test_isqrt);
  RUN(test_next);
  RUN(test_prioq);
  RUN(test_idset);
  return check_exit("test_schedule");
}
