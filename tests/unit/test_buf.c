/* test_buf: buffered output and input over pipes, files and fake
   descriptors; write errors must surface from put and flush. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "buf.h"
#include "check.h"
#include "stralloc.h"

/* a fake descriptor: writes at most 3 bytes per call into sink, reads hand
   out src in pieces of at most 5 bytes; fails once `fail_after` calls */
static char sink[100000];
static size_t sinklen;
static const char *src;
static size_t srclen, srcpos;
static int calls, fail_after = -1, fail_errno = EIO, interrupt_every;

static ssize_t fake_write(int fd, void *x, size_t n)
{
  (void)fd;
  ++calls;
  if (fail_after >= 0 && calls > fail_after) { errno = fail_errno; return -1; }
  if (interrupt_every && calls % interrupt_every == 0) { errno = EINTR; return -1; }
  if (n > 3) n = 3;
  if (n > sizeof sink - sinklen) n = sizeof sink - sinklen;
  memcpy(sink + sinklen, x, n);
  sinklen += n;
  return (ssize_t)n;
}

static ssize_t fake_read(int fd, void *x, size_t n)
{
  (void)fd;
  ++calls;
  if (fail_after >= 0 && calls > fail_after) { errno = fail_errno; return -1; }
  if (interrupt_every && calls % interrupt_every == 0) { errno = EINTR; return -1; }
  if (n > 5) n = 5;
  if (n > srclen - srcpos) n = srclen - srcpos;
  memcpy(x, src + srcpos, n);
  srcpos += n;
  return (ssize_t)n;
}

static void reset(const char *s, size_t n)
{
  sinklen = 0;
  src = s;
  srclen = n;
  srcpos = 0;
  calls = 0;
  fail_after = -1;
  fail_errno = EIO;
  interrupt_every = 0;
}

static void test_put_short_writes(void)
{
  char space[8];
  buf b;
  int i, r;

  reset("", 0);
  interrupt_every = 4;
  buf_init(&b, fake_write, 1, space, sizeof space);
  CHECK(buf_puts(&b, "abc") == 0);
  CHECK(sinklen == 0);          /* still buffered */
  CHECK(buf_puts(&b, "defgh") == 0);
  CHECK(sinklen == 0);          /* exactly full */
  CHECK(buf_puts(&b, "i") == 0);
  CHECK_MEM(sink, sinklen, "abcdefgh", 8);
  CHECK(buf_put(&b, "0123456789ABCDEF", 16) == 0); /* large: flushed + direct */
  CHECK_MEM(sink, sinklen, "abcdefghi0123456789ABCDEF", 25);
  CHECK(buf_putflush(&b, "xyz", 3) == 0);
  CHECK_MEM(sink, sinklen, "abcdefghi0123456789ABCDEFxyz", 28);
  CHECK(b.p == 0);
  CHECK(buf_flush(&b) == 0);
  for (i = 0, r = 0; i < 1000 && r == 0; ++i) r = buf_put(&b, "0123456789", 10);
  CHECK(r == 0);
  CHECK(buf_flush(&b) == 0);
  CHECK(sinklen == 28 + 10000);
  CHECK_MEM(sink + sinklen - 10, 10, "0123456789", 10);
}

static void test_put_errors(void)
{
  char space[8];
  buf b;

  reset("", 0);
  fail_after = 2;
  fail_errno = ENOSPC;
  buf_init(&b, fake_write, 1, space, sizeof space);
  CHECK(buf_puts(&b, "abcdefgh") == 0);
  errno = 0;
  CHECK(buf_puts(&b, "ij") == -1); /* flush: 3 + 3 bytes out, then ENOSPC */
  CHECK(errno == ENOSPC);
  CHECK(sinklen == 6);
  CHECK(b.p == 2);                  /* the unwritten rest is kept */
  CHECK_MEM(b.x, b.p, "gh", 2);
  errno = 0;
  CHECK(buf_flush(&b) == -1);
  CHECK(errno == ENOSPC);
  fail_after = -1;
  CHECK(buf_flush(&b) == 0);
  CHECK_MEM(sink, sinklen, "abcdefgh", 8);

  /* a direct write of a large chunk fails too */
  reset("", 0);
  fail_after = 0;
  fail_errno = EPIPE;
  errno = 0;
  CHECK(buf_put(&b, "0123456789ABCDEF", 16) == -1);
  CHECK(errno == EPIPE);
}

static void test_dev_full(void)
{
  char space[16];
  buf b;
  int fd = open("/dev/full", O_WRONLY);

  if (fd == -1) { printf("  (no /dev/full, skipped)\n"); return; }
  buf_init(&b, buf_unixwrite, fd, space, sizeof space);
  CHECK(buf_puts(&b, "hello") == 0);
  errno = 0;
  CHECK(buf_flush(&b) == -1);
  CHECK(errno == ENOSPC);
  errno = 0;
  CHECK(buf_putflush(&b, "x", 1) == -1);
  CHECK(errno == ENOSPC);
  errno = 0;
  CHECK(buf_unixwrite(fd, "abc", 3) == -1);
  CHECK(errno == ENOSPC);
  close(fd);
}

static void test_closed_pipe(void)
{
  char space[16];
  buf b;
  int pi[2];
  int i, r = 0;

  signal(SIGPIPE, SIG_IGN);
  CHECK(pipe(pi) == 0);
  close(pi[0]);
  buf_init(&b, buf_unixwrite, pi[1], space, sizeof space);
  errno = 0;
  for (i = 0; i < 10 && r == 0; ++i) r = buf_puts(&b, "0123456789");
  CHECK(r == -1);
  CHECK(errno == EPIPE);
  close(pi[1]);
}

static void test_pipe_roundtrip(void)
{
  char out[64], in[7];
  char got[100];
  buf bo, bi;
  int pi[2];
  ssize_t r;
  size_t n = 0;

  CHECK(pipe(pi) == 0);
  buf_init(&bo, buf_unixwrite, pi[1], out, sizeof out);
  CHECK(buf_puts(&bo, "line one\nline two\nlast") == 0);
  CHECK(buf_flush(&bo) == 0);
  close(pi[1]);
  buf_init(&bi, buf_unixread, pi[0], in, sizeof in);
  for (;;) {
    r = buf_get(&bi, got + n, sizeof got - n);
    if (r <= 0) break;
    n += (size_t)r;
  }
  CHECK(r == 0);
  CHECK_MEM(got, n, "line one\nline two\nlast", 22);
  close(pi[0]);
}

static void test_getline(void)
{
  static const char text[] = "alpha\nbeta\r\n\nno newline";
  char space[4];
  stralloc sa = STRALLOC_ZERO;
  buf b;
  int match = -1;

  reset(text, sizeof text - 1);
  interrupt_every = 3;
  buf_init(&b, fake_read, 0, space, sizeof space);
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == 0);
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "alpha\n", 6);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == 0);
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "beta\r\n", 6);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == 0);
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "\n", 1);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == 0);
  CHECK(match == 0);
  CHECK_MEM(sa.s, sa.len, "no newline", 10);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == 0);
  CHECK(match == 0);
  CHECK(sa.len == 0);

  /* NUL as separator */
  reset("a\0bc\0", 5);
  buf_init(&b, fake_read, 0, space, sizeof space);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, 0, 0, &match) == 0);
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "a\0", 2);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, 0, 0, &match) == 0);
  CHECK_MEM(sa.s, sa.len, "bc\0", 3);
  stralloc_free(&sa);
}

static void test_getline_cap(void)
{
  static const char text[] = "short\n0123456789abc\nok\n";
  char space[4];
  stralloc sa = STRALLOC_ZERO;
  buf b;
  int match = -1;

  reset(text, sizeof text - 1);
  buf_init(&b, fake_read, 0, space, sizeof space);
  CHECK(buf_getline(&b, &sa, '\n', 6, &match) == 0); /* exactly max */
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "short\n", 6);
  sa.len = 0;
  errno = 0;
  CHECK(buf_getline(&b, &sa, '\n', 8, &match) == -1);
  CHECK(errno == E2BIG);
  CHECK_MEM(sa.s, sa.len, "01234567", 8);
  /* discard the rest of the long line */
  do { sa.len = 0; } while (buf_getline(&b, &sa, '\n', 8, &match) == -1 && errno == E2BIG);
  CHECK(match == 1);
  CHECK_MEM(sa.s, sa.len, "89abc\n", 6);
  sa.len = 0;
  CHECK(buf_getline(&b, &sa, '\n', 8, &match) == 0);
  CHECK_MEM(sa.s, sa.len, "ok\n", 3);
  stralloc_free(&sa);

  /* read error */
  reset(text, sizeof text - 1);
  fail_after = 1;
  fail_errno = ECONNRESET;
  buf_init(&b, fake_read, 0, space, sizeof space);
  errno = 0;
  CHECK(buf_getline(&b, &sa, '\n', 0, &match) == -1);
  CHECK(errno == ECONNRESET);
  stralloc_free(&sa);
}

static void test_feed_peek_skip(void)
{
  char space[16];
  buf b;

  reset("abcdefgh", 8);
  buf_init(&b, fake_read, 0, space, sizeof space);
  CHECK(buf_feed(&b) == 5);
  CHECK_MEM(buf_peek(&b), 5, "abcde", 5);
  buf_skip(&b, 2);
  CHECK(buf_feed(&b) == 3);
  CHECK_MEM(buf_peek(&b), 3, "cde", 3);
  buf_skip(&b, 100); /* clamped */
  CHECK(buf_feed(&b) == 3);
  CHECK_MEM(buf_peek(&b), 3, "fgh", 3);
  buf_skip(&b, 3);
  CHECK(buf_feed(&b) == 0);
}

static void test_copy(void)
{
  static const char text[] = "The quick brown fox jumps over the lazy dog.\n";
  char inspace[8], outspace[6], big[128];
  buf in, out;

  reset(text, sizeof text - 1);
  buf_init(&in, fake_read, 0, inspace, sizeof inspace);
  buf_init(&out, fake_write, 1, outspace, sizeof outspace);
  CHECK(buf_copy(&out, &in) == 0);
  CHECK(buf_flush(&out) == 0);
  CHECK_MEM(sink, sinklen, text, sizeof text - 1);

  reset(text, sizeof text - 1);
  fail_after = 4;
  fail_errno = EIO;
  buf_init(&in, fake_read, 0, inspace, sizeof inspace);
  buf_init(&out, buf_unixwrite, -1, big, sizeof big);
  errno = 0;
  CHECK(buf_copy(&out, &in) == -2);
  CHECK(errno == EIO);

  {
    int fd = open("/dev/full", O_WRONLY);
    if (fd != -1) {
      reset(text, sizeof text - 1);
      buf_init(&in, fake_read, 0, inspace, sizeof inspace);
      buf_init(&out, buf_unixwrite, fd, outspace, sizeof outspace);
      errno = 0;
      CHECK(buf_copy(&out, &in) == -3);
      CHECK(errno == ENOSPC);
      close(fd);
    }
  }
  /* bad descriptor */
  buf_init(&out, buf_unixwrite, -1, outspace, sizeof outspace);
  errno = 0;
  CHECK(buf_putflush(&out, "x", 1) == -1);
  CHECK(errno == EBADF);
}

int main(void)
{
  RUN(test_put_short_writes);
  RUN(test_put_errors);
  RUN(test_dev_full);
  RUN(test_closed_pipe);
  RUN(test_pipe_roundtrip);
  RUN(test_getline);
  RUN(test_getline_cap);
  RUN(test_feed_peek_skip);
  RUN(test_copy);
  return check_exit("test_buf");
}
