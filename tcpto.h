/* tcpto: the table of addresses whose connects timed out lately
   (queue/lock/tcpto), so that qmail-remote does not wait on a dead host
   for every message. The format is described in qmail-tcpto(8): 32
   records of 32 bytes, IPv4 and IPv6. Every access holds an exclusive
   flock on the file. A missing file means an empty table that is never
   written. Functions return -1 with errno on failure; they never exit or
   print. */
#ifndef TCPTO_H
#define TCPTO_H
#include <stddef.h>
#include <time.h>

#define TCPTO_FILE "queue/lock/tcpto"
#define TCPTO_RECORD 32
#define TCPTO_RECORDS 32
#define TCPTO_SIZE (TCPTO_RECORD * TCPTO_RECORDS)  /* 1024, as hier.sh makes it */
#define TCPTO_COUNT_MAX 10

struct tcpto_entry {
  int family;               /* 4 or 6; 0 for a free record */
  unsigned int count;       /* timeouts in a row */
  unsigned long long last;  /* time of the last one (seconds since the epoch) */
  unsigned char ip[16];     /* 4 bytes used for IPv4 */
};

/* one record of the table; anything but family 4 or 6 reads as free */
void tcpto_decode(const unsigned char *rec, struct tcpto_entry *e);
void tcpto_encode(unsigned char *rec, const struct tcpto_entry *e);

/* on a table in memory (TCPTO_SIZE bytes): 1 when the address is to be
   skipped now, by a process with this pid (the jitter) */
int tcpto_skip(const unsigned char *table, int family, const unsigned char *ip,
               time_t now, unsigned long pid);
/* after a connect: timedout 1 when it timed out, 0 for a success or any
   other failure. Returns 1 when the table changed. */
int tcpto_update(unsigned char *table, int family, const unsigned char *ip,
                 int timedout, time_t now);

/* the file fn: read whole (a short file reads as free records after its
   end): 1 read, 0 no such file (table all free) */
int tcpto_read(const char *fn, unsigned char *table);
/* tcpto_skip on the file; 0 on any error */
int tcpto_dead(const char *fn, int family, const unsigned char *ip, time_t now, unsigned long pid);
/* tcpto_update on the file, written back when it changed; 0 ok (also when
   the file does not exist), -1 error */
int tcpto_record(const char *fn, int family, const unsigned char *ip, int timedout, time_t now);
/* every record free; the file must exist (ENOENT otherwise): 0 ok, -1 */
int tcpto_clear(const char *fn);

#endif
