/* tcpto: the connect-timeout table (see tcpto.h and qmail-tcpto.8) */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lock.h"
#include "tcpto.h"

/* record layout: 0 family, 1 count, 2-7 zero, 8-15 last (big-endian),
   16-31 address */
void tcpto_decode(const unsigned char *rec, struct tcpto_entry *e)
{
  int i;

  memset(e, 0, sizeof *e);
  if (rec[0] != 4 && rec[0] != 6) return;
  e->family = rec[0];
  e->count = rec[1];
  for (i = 0; i < 8; i++) e->last = (e->last << 8) | rec[8 + i];
  memcpy(e->ip, rec + 16, e->family == 4 ? 4 : 16);
}

void tcpto_encode(unsigned char *rec, const struct tcpto_entry *e)
{
  unsigned long long t = e->last;
  int i;

  memset(rec, 0, TCPTO_RECORD);
  if (e->family != 4 && e->family != 6) return;
  rec[0] = (unsigned char)e->family;
  rec[1] = (unsigned char)(e->count > TCPTO_COUNT_MAX ? TCPTO_COUNT_MAX : e->count);
  for (i = 7; i >= 0; i--) { rec[8 + i] = (unsigned char)(t & 0xff); t >>= 8; }
  memcpy(rec + 16, e->ip, e->family == 4 ? 4 : 16);
}

static int same(const struct tcpto_entry *e, int family, const unsigned char *ip)
{
  return e->family == family && !memcmp(e->ip, ip, family == 4 ? 4 : 16);
}

static int find(const unsigned char *table, int family, const unsigned char *ip,
                struct tcpto_entry *e)
{
  int i;

  for (i = 0; i < TCPTO_RECORDS; i++) {
    tcpto_decode(table + i * TCPTO_RECORD, e);
    if (same(e, family, ip)) return i;
  }
  return -1;
}

int tcpto_skip(const unsigned char *table, int family, const unsigned char *ip,
               time_t now, unsigned long pid)
{
  struct tcpto_entry e;
  unsigned long long wait = (60 + (pid & 31)) * 64ULL;

  if (find(table, family, ip, &e) == -1) return 0;
  if (e.count < 2) return 0;
  /* a clock that went back: the entry is not younger than now */
  if ((unsigned long long)now < e.last) return 0;
  return (unsigned long long)now - e.last < wait;
}

int tcpto_update(unsigned char *table, int family, const unsigned char *ip,
                 int timedout, time_t now)
{
  struct tcpto_entry e;
  unsigned long long t = now < 0 ? 0 : (unsigned long long)now;
  int i = find(table, family, ip, &e);

  if (!timedout) {
    if (i == -1 || !e.count) return 0;
    e.count = 0;
    tcpto_encode(table + i * TCPTO_RECORD, &e);
    return 1;
  }
  if (i != -1) {
    /* several messages waiting on one dead host count as one timeout */
    if (e.count && t >= e.last && t - e.last < 120) return 0;
    if (e.count < TCPTO_COUNT_MAX) e.count++;
    e.last = t;
    tcpto_encode(table + i * TCPTO_RECORD, &e);
    return 1;
  }
  {
    /* a free record, else the one least worth keeping */
    int best = -1, j;
    unsigned long long bestval = 0;
    for (j = 0; j < TCPTO_RECORDS; j++) {
      struct tcpto_entry o;
      unsigned long long v;
      tcpto_decode(table + j * TCPTO_RECORD, &o);
      if (!o.family || !o.count) { best = j; break; }
      v = o.last + o.count * 1024ULL;
      if (best == -1 || v < bestval) { best = j; bestval = v; }
    }
    memset(&e, 0, sizeof e);
    e.family = family;
    memcpy(e.ip, ip, family == 4 ? 4 : 16);
    e.count = 1;
    e.last = t;
    tcpto_encode(table + best * TCPTO_RECORD, &e);
  }
  return 1;
}

static int readwhole(int fd, unsigned char *table)
{
  size_t got = 0;

  memset(table, 0, TCPTO_SIZE);
  while (got < TCPTO_SIZE) {
    ssize_t r = pread(fd, table + got, TCPTO_SIZE - got, (off_t)got);
    if (r == -1) { if (errno == EINTR) continue; return -1; }
    if (r == 0) break;
    got += (size_t)r;
  }
  return 0;
}

static int writewhole(int fd, const unsigned char *table)
{
  size_t done = 0;

  while (done < TCPTO_SIZE) {
    ssize_t w = pwrite(fd, table + done, TCPTO_SIZE - done, (off_t)done);
    if (w == -1) { if (errno == EINTR) continue; return -1; }
    done += (size_t)w;
  }
  return 0;
}

/* opened and locked; -1 with errno ENOENT when it does not exist */
static int openlocked(const char *fn, int flags)
{
  /* non-blocking: a FIFO put there cannot hang the open */
  int fd = open(fn, flags | O_CLOEXEC | O_NONBLOCK);
  struct stat st;

  if (fd == -1) return -1;
  if (fstat(fd, &st) == -1) { int e = errno; close(fd); errno = e; return -1; }
  if (!S_ISREG(st.st_mode)) { close(fd); errno = EINVAL; return -1; }
  if (lock_ex(fd) == -1) { int e = errno; close(fd); errno = e; return -1; }
  return fd;
}

int tcpto_read(const char *fn, unsigned char *table)
{
  int fd = openlocked(fn, O_RDONLY);
  int r;

  if (fd == -1) {
    if (errno == ENOENT) { memset(table, 0, TCPTO_SIZE); return 0; }
    return -1;
  }
  r = readwhole(fd, table);
  close(fd);
  return r == -1 ? -1 : 1;
}

int tcpto_dead(const char *fn, int family, const unsigned char *ip, time_t now, unsigned long pid)
{
  unsigned char table[TCPTO_SIZE];

  if (tcpto_read(fn, table) != 1) return 0;
  return tcpto_skip(table, family, ip, now, pid);
}

int tcpto_record(const char *fn, int family, const unsigned char *ip, int timedout, time_t now)
{
  unsigned char table[TCPTO_SIZE];
  int fd = openlocked(fn, O_RDWR);
  int r = 0;

  if (fd == -1) return errno == ENOENT ? 0 : -1;
  if (readwhole(fd, table) == -1) r = -1;
  else if (tcpto_update(table, family, ip, timedout, now) && writewhole(fd, table) == -1) r = -1;
  {
    int e = errno;
    close(fd);
    errno = e;
  }
  return r;
}

int tcpto_clear(const char *fn)
{
  unsigned char table[TCPTO_SIZE];
  int fd = openlocked(fn, O_WRONLY);
  int r = 0;

  if (fd == -1) return -1;
  memset(table, 0, sizeof table);
  if (writewhole(fd, table) == -1) r = -1;
  else if (ftruncate(fd, TCPTO_SIZE) == -1) r = -1;
  {
    int e = errno;
    close(fd);
    errno = e;
  }
  return r;
}
