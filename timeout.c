/* timeout: one read or write that waits at most `seconds` for the
   descriptor to become ready (poll on a monotonic deadline, so a clock
   jump neither shortens nor extends it), then fails with ETIMEDOUT.
   Signals do not cut the wait short: EINTR is retried within the deadline.
   A write to a socket never blocks past readiness (MSG_DONTWAIT, so it may
   be short); a write to a pipe larger than its free space can still block,
   as write(2) does. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "timeout.h"

static long long now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 ready, 0 timed out (errno ETIMEDOUT), -1 error */
static int wait_ready(int fd, short events, long long deadline)
{
  for (;;) {
    struct pollfd p;
    long long left = deadline - now_ms();
    int r;

    if (left <= 0) { errno = ETIMEDOUT; return 0; }
    if (left > INT_MAX) left = INT_MAX;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    r = poll(&p, 1, (int)left);
    if (r == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r > 0) return 1; /* readable, writable, or an error the call reports */
  }
}

ssize_t timeout_read(unsigned int seconds, int fd, void *x, size_t n)
{
  long long deadline = now_ms() + (long long)seconds * 1000;

  for (;;) {
    ssize_t r;
    int w = wait_ready(fd, POLLIN, deadline);
    if (w <= 0) return -1;
    r = read(fd, x, n);
    if (r == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    return r;
  }
}

ssize_t timeout_write(unsigned int seconds, int fd, const void *x, size_t n)
{
  long long deadline = now_ms() + (long long)seconds * 1000;

  if (!n) return 0;
  for (;;) {
    ssize_t r;
    int w = wait_ready(fd, POLLOUT, deadline);
    if (w <= 0) return -1;
    /* on a socket, never block past the deadline in a write larger than
       the free space poll reported: send what fits now */
    r = send(fd, x, n, MSG_DONTWAIT);
    if (r == -1 && errno == ENOTSOCK) r = write(fd, x, n);
    if (r == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    return r;
  }
}
