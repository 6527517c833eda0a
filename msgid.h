/* msgid: Message-ID values that no other process, host or later run can
   produce, whatever the pid, clock resolution or pid reuse:

     <SECONDS.NANOSECONDS.PID.RANDOM@IDHOST>

   SECONDS and NANOSECONDS are the CLOCK_REALTIME time, PID the process id
   (all decimal), RANDOM 16 lowercase hex digits: 64 bits from getrandom(2),
   or /dev/urandom where that system call is missing. The random part alone
   makes two values equal with probability 2^-64 per pair; time and pid only
   make a collision need the same nanosecond and pid as well. */
#ifndef MSGID_H
#define MSGID_H
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct stralloc;

/* appends "<...@idhost>" built from the given parts (pure; for tests).
   1 ok, 0 ENOMEM/EOVERFLOW. */
int msgid_format(struct stralloc *sa, const struct timespec *ts, unsigned long pid,
                 uint64_t random, const char *idhost);
/* 64 random bits: 1 ok, 0 no randomness to be had (errno set) */
int msgid_random(uint64_t *r);
/* appends a fresh Message-ID value for idhost: 1 ok, 0 (errno set) */
int msgid_cat(struct stralloc *sa, const char *idhost);

#endif
