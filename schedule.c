/* schedule.c: retry arithmetic, in integers (no libm, no rounding doubt). */
#include "schedule.h"

unsigned long schedule_isqrt(unsigned long n)
{
  unsigned long lo = 0, hi = n < 4294967295UL ? n : 4294967295UL;
  while (lo < hi) {
    unsigned long mid = lo + (hi - lo + 1) / 2;
    if (mid <= n / mid) lo = mid; else hi = mid - 1;
  }
  return lo;
}

time_t schedule_next(time_t birth, time_t now, unsigned int c)
{
  unsigned long age = now > birth ? (unsigned long)(now - birth) : 0;
  unsigned long r = schedule_isqrt(age) + c;
  return birth + (time_t)(r * r);
}

int schedule_dying(time_t birth, time_t now, unsigned long lifetime)
{
  if (now <= birth) return 0;
  return (unsigned long)(now - birth) > lifetime;
}
