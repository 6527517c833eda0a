/* msgid: see msgid.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#include "msgid.h"
#include "stralloc.h"

int msgid_format(stralloc *sa, const struct timespec *ts, unsigned long pid,
                 uint64_t random, const char *idhost)
{
  static const char hex[] = "0123456789abcdef";
  char digits[16];
  size_t oldlen = sa->len;
  int i;

  for (i = 15; i >= 0; --i) {
    digits[i] = hex[random & 15];
    random >>= 4;
  }
  if (!stralloc_append(sa, '<') ||
      !stralloc_catulong(sa, (unsigned long)ts->tv_sec) || !stralloc_append(sa, '.') ||
      !stralloc_catulong0(sa, (unsigned long)ts->tv_nsec, 9) || !stralloc_append(sa, '.') ||
      !stralloc_catulong(sa, pid) || !stralloc_append(sa, '.') ||
      !stralloc_catb(sa, digits, sizeof digits) || !stralloc_append(sa, '@') ||
      !stralloc_cats(sa, idhost) || !stralloc_append(sa, '>')) {
    sa->len = oldlen;
    return 0;
  }
  return 1;
}

static int read_urandom(unsigned char *p, size_t n)
{
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

  if (fd == -1) return 0;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r == -1 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r == 0 ? EIO : errno;
      close(fd);
      errno = e;
      return 0;
    }
    p += r;
    n -= (size_t)r;
  }
  close(fd);
  return 1;
}

int msgid_random(uint64_t *r)
{
  unsigned char b[8];
  size_t got = 0;
  int i;

  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) {
      if (errno != ENOSYS && errno != EPERM) return 0;
      if (!read_urandom(b + got, sizeof b - got)) return 0;
      break;
    }
    got += (size_t)n;
  }
  *r = 0;
  for (i = 0; i < 8; ++i) *r = (*r << 8) | b[i];
  return 1;
}

int msgid_cat(stralloc *sa, const char *idhost)
{
  struct timespec ts;
  uint64_t r;

  if (clock_gettime(CLOCK_REALTIME, &ts) == -1) return 0;
  if (!msgid_random(&r)) return 0;
  return msgid_format(sa, &ts, (unsigned long)getpid(), r, idhost);
}
