/* smtpio: buffered SMTP network I/O with deadlines (see smtpio.h) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "smtpio.h"
#include "stralloc.h"

#define INSIZE 16384
#define OUTSIZE 4096

static struct {
  int rfd, wfd;
  unsigned int timeout;
  time_t session_end;       /* 0: none */
  char in[INSIZE];
  size_t inpos, inlen;
  char out[OUTSIZE];
  size_t outlen;
} io;

static time_t now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

/* milliseconds poll may wait: the per-operation timeout, cut to what is
   left of the session; -1 with ETIMEDOUT when nothing is left */
static int wait_ms(void)
{
  time_t left = (time_t)io.timeout;

  if (io.session_end) {
    time_t t = now();
    if (t >= io.session_end) { errno = ETIMEDOUT; return -1; }
    if (io.session_end - t < left) left = io.session_end - t;
  }
  if (left > 2000000) left = 2000000;
  return (int)left * 1000;
}

static int wait_for(int fd, short events)
{
  struct pollfd p;
  int ms = wait_ms(), r;

  if (ms < 0) return -1;
  p.fd = fd;
  p.events = events;
  p.revents = 0;
  do r = poll(&p, 1, ms); while (r == -1 && errno == EINTR);
  if (r == -1) return -1;
  if (r == 0) { errno = ETIMEDOUT; return -1; }
  return 0;
}

void smtpio_init(int rfd, int wfd, unsigned int timeout, unsigned int session)
{
  io.rfd = rfd;
  io.wfd = wfd;
  io.timeout = timeout ? timeout : 1;
  io.session_end = session ? now() + (time_t)session : 0;
  io.inpos = io.inlen = io.outlen = 0;
  /* non-blocking, so a write of a full buffer to a client that does not
     read waits in poll, under the deadline, not in write */
  fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
  if (wfd != rfd) fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
}

void smtpio_switch(int rfd, int wfd, int discard)
{
  io.rfd = rfd;
  io.wfd = wfd;
  if (discard) io.inpos = io.inlen = 0;
  fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
  if (wfd != rfd) fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
}

void smtpio_deadline(unsigned int seconds)
{
  io.session_end = seconds ? now() + (time_t)seconds : 0;
}

int smtpio_flush(void)
{
  size_t done = 0;

  while (done < io.outlen) {
    ssize_t w = write(io.wfd, io.out + done, io.outlen - done);
    if (w == -1) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (wait_for(io.wfd, POLLOUT) == -1) return -1;
        continue;
      }
      return -1;
    }
    done += (size_t)w;
  }
  io.outlen = 0;
  return 0;
}

int smtpio_put(const char *s, size_t n)
{
  while (n) {
    size_t room = OUTSIZE - io.outlen, k = n < room ? n : room;
    memcpy(io.out + io.outlen, s, k);
    io.outlen += k;
    s += k;
    n -= k;
    if (io.outlen == OUTSIZE && smtpio_flush() == -1) return -1;
  }
  return 0;
}

int smtpio_puts(const char *s)
{
  return smtpio_put(s, strlen(s));
}

/* more input into the buffer: flushes pending output first, since the
   client may be waiting for it. 1 got bytes, 0 end of input, -1 error */
static int fill(void)
{
  if (io.inpos == io.inlen) io.inpos = io.inlen = 0;
  if (io.inpos > 0 && io.inlen == INSIZE) {
    memmove(io.in, io.in + io.inpos, io.inlen - io.inpos);
    io.inlen -= io.inpos;
    io.inpos = 0;
  }
  if (smtpio_flush() == -1) return -1;
  for (;;) {
    ssize_t r = read(io.rfd, io.in + io.inlen, INSIZE - io.inlen);
    if (r > 0) { io.inlen += (size_t)r; return 1; }
    if (r == 0) return 0;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (wait_for(io.rfd, POLLIN) == -1) return -1;
  }
}

int smtpio_getline(stralloc *line, size_t max, int *toolong)
{
  int any = 0;

  line->len = 0;
  *toolong = 0;
  for (;;) {
    const char *p = io.in + io.inpos;
    size_t avail = io.inlen - io.inpos;
    const char *lf = memchr(p, '\n', avail);
    size_t take = lf ? (size_t)(lf - p) : avail;
    size_t keep = take;
    if (avail) any = 1;
    if (line->len + keep > max) {
      keep = line->len < max ? max - line->len : 0;
      *toolong = 1;
    }
    if (keep && !stralloc_catb(line, p, keep)) return -1;
    io.inpos += lf ? take + 1 : take;
    if (lf) return 1;
    {
      int r = fill();
      if (r == -1) return -1;
      if (r == 0) {
        if (!any) return 0;
        return 2; /* a last line without LF */
      }
    }
  }
}

const char *smtpio_peek(size_t *n)
{
  if (io.inpos == io.inlen) {
    int r = fill();
    if (r <= 0) {
      if (r == 0) errno = 0;
      *n = 0;
      return 0;
    }
  }
  *n = io.inlen - io.inpos;
  return io.in + io.inpos;
}

void smtpio_skip(size_t n)
{
  io.inpos += n;
}

size_t smtpio_pending(void)
{
  return io.inlen - io.inpos;
}
