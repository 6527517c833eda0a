/* schedule: qmail's quadratic retry schedule (reference §4.6). A pass over
   a message's channel that starts at `now` schedules the next one at
     birth + (floor(sqrt(now - birth)) + c)^2
   with c = 10 for local and 20 for remote; now < birth counts as age 0. */
#ifndef SCHEDULE_H
#define SCHEDULE_H
#include <time.h>

#define SCHEDULE_SKIP_LOCAL 10
#define SCHEDULE_SKIP_REMOTE 20

unsigned long schedule_isqrt(unsigned long n); /* floor(sqrt(n)) */
time_t schedule_next(time_t birth, time_t now, unsigned int c);
/* 1 if a pass starting at now is past the queue lifetime */
int schedule_dying(time_t birth, time_t now, unsigned long lifetime);

#endif
