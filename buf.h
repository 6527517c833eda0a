/* buf: buffered I/O on a file descriptor. Output errors are reported by every
   call that may write (put, flush), so a caller can see a failed write before
   it tells anyone the data is safe. Functions return 0 on success and -1 on
   failure with errno set; they never exit. */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>
#include <sys/types.h>

struct stralloc;

typedef ssize_t (*buf_op)(int fd, void *x, size_t n);

typedef struct buf {
  char *x;      /* caller-provided space */
  size_t p;     /* output: bytes pending; input: read position */
  size_t n;     /* input: end of valid data (unused for output) */
  size_t size;  /* size of x */
  int fd;
  buf_op op;    /* read-like or write-like function */
} buf;

#define BUF_INIT(op, fd, space, size) { (space), 0, 0, (size), (fd), (op) }

/* read(2)/write(2) retried on EINTR; write writes everything or fails */
ssize_t buf_unixread(int fd, void *x, size_t n);
ssize_t buf_unixwrite(int fd, void *x, size_t n);

void buf_init(buf *b, buf_op op, int fd, char *space, size_t size);

/* output */
int buf_put(buf *b, const char *s, size_t n);
int buf_puts(buf *b, const char *s);
int buf_flush(buf *b);
int buf_putflush(buf *b, const char *s, size_t n);

/* input */
ssize_t buf_feed(buf *b);           /* refill if empty: bytes available, 0 at EOF, -1 error */
char *buf_peek(buf *b);             /* the available bytes (buf_feed first) */
void buf_skip(buf *b, size_t n);    /* consume n available bytes */
ssize_t buf_get(buf *b, char *s, size_t n); /* up to n bytes: count, 0 at EOF, -1 error */
/* appends bytes to sa up to and including sep. *match is 1 if sep was seen,
   0 at EOF. Fails with E2BIG once sa would exceed max bytes (max 0: no cap);
   sa then holds exactly max bytes and those are consumed, so a caller can
   go on discarding the rest of the line. */
int buf_getline(buf *b, struct stralloc *sa, int sep, size_t max, int *match);
/* copies in to out until EOF: 0 ok, -2 read error, -3 write error (errno set).
   Does not flush out. */
int buf_copy(buf *out, buf *in);

#endif
