/* buf: buffered I/O on a descriptor. Output keeps unwritten bytes after a
   failed write, so a caller that retries (EAGAIN) loses nothing, and every
   call that may write reports the failure. EINTR is retried everywhere here:
   a signal is not an I/O error. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "stralloc.h"
#include "str.h"

ssize_t buf_unixread(int fd, void *x, size_t n)
{
  ssize_t r;

  do r = read(fd, x, n); while (r == -1 && errno == EINTR);
  return r;
}

ssize_t buf_unixwrite(int fd, void *x, size_t n)
{
  const char *s = x;
  size_t done = 0;

  while (done < n) {
    ssize_t w = write(fd, s + done, n - done);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (w == 0) { errno = EIO; return -1; }
    done += (size_t)w;
  }
  return (ssize_t)n;
}

void buf_init(buf *b, buf_op op, int fd, char *space, size_t size)
{
  b->x = space;
  b->p = 0;
  b->n = 0;
  b->size = size;
  b->fd = fd;
  b->op = op;
}

/* writes s[0..n) through b->op, looping over short writes; *done says how
   much went out even on failure */
static int allwrite(buf *b, const char *s, size_t n, size_t *done)
{
  *done = 0;
  while (*done < n) {
    ssize_t w = b->op(b->fd, (void *)(uintptr_t)(s + *done), n - *done);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (w <= 0 || (size_t)w > n - *done) { errno = EIO; return -1; }
    *done += (size_t)w;
  }
  return 0;
}

int buf_flush(buf *b)
{
  size_t done;
  int r;

  if (!b->p) return 0;
  r = allwrite(b, b->x, b->p, &done);
  if (r == -1) {
    int e = errno;
    if (done) memmove(b->x, b->x + done, b->p - done);
    b->p -= done;
    errno = e;
    return -1;
  }
  b->p = 0;
  return 0;
}

int buf_put(buf *b, const char *s, size_t n)
{
  size_t done;

  if (n <= b->size - b->p) {
    if (n) memcpy(b->x + b->p, s, n);
    b->p += n;
    return 0;
  }
  if (buf_flush(b) == -1) return -1;
  if (n >= b->size) return allwrite(b, s, n, &done);
  memcpy(b->x, s, n);
  b->p = n;
  return 0;
}

int buf_puts(buf *b, const char *s)
{
  return buf_put(b, s, str_len(s));
}

int buf_putflush(buf *b, const char *s, size_t n)
{
  if (buf_put(b, s, n) == -1) return -1;
  return buf_flush(b);
}

ssize_t buf_feed(buf *b)
{
  ssize_t r;

  if (b->p < b->n) return (ssize_t)(b->n - b->p);
  b->p = 0;
  b->n = 0;
  do r = b->op(b->fd, b->x, b->size); while (r == -1 && errno == EINTR);
  if (r <= 0) return r;
  if ((size_t)r > b->size) { errno = EIO; return -1; }
  b->n = (size_t)r;
  return r;
}

char *buf_peek(buf *b)
{
  return b->x + b->p;
}

void buf_skip(buf *b, size_t n)
{
  size_t avail = b->n - b->p;

  b->p += n < avail ? n : avail;
}

ssize_t buf_get(buf *b, char *s, size_t n)
{
  ssize_t r;
  size_t avail;

  if (!n) return 0;
  if (b->p == b->n && n >= b->size) {
    /* large read into an empty buffer: straight into the caller's space */
    do r = b->op(b->fd, s, n); while (r == -1 && errno == EINTR);
    if (r > 0 && (size_t)r > n) { errno = EIO; return -1; }
    return r;
  }
  r = buf_feed(b);
  if (r <= 0) return r;
  avail = (size_t)r;
  if (n > avail) n = avail;
  memcpy(s, b->x + b->p, n);
  b->p += n;
  return (ssize_t)n;
}

int buf_getline(buf *b, stralloc *sa, int sep, size_t max, int *match)
{
  for (;;) {
    ssize_t r = buf_feed(b);
    size_t avail, i, take;
    const char *p;

    if (r == -1) return -1;
    if (r == 0) { *match = 0; return 0; }
    avail = (size_t)r;
    p = b->x + b->p;
    i = byte_chr(p, avail, sep);
    take = i < avail ? i + 1 : avail;
    if (max && (sa->len >= max || take > max - sa->len)) {
      /* fill up to the cap, consume that much, and report it */
      size_t room = sa->len < max ? max - sa->len : 0;
      if (room && !stralloc_catb(sa, p, room)) return -1;
      b->p += room;
      errno = E2BIG;
      return -1;
    }
    if (!stralloc_catb(sa, p, take)) return -1;
    b->p += take;
    if (i < avail) { *match = 1; return 0; }
  }
}

int buf_copy(buf *out, buf *in)
{
  for (;;) {
    ssize_t r = buf_feed(in);
    if (r == -1) return -2;
    if (r == 0) return 0;
    if (buf_put(out, buf_peek(in), (size_t)r) == -1) return -3;
    buf_skip(in, (size_t)r);
  }
}
