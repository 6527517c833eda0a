/* test_readfile: read_all on files and pipes (limits, EINTR, EAGAIN) and
   readfile's refusal of everything but regular files, in a private
   temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"
#include "readfile.h"
#include "stralloc.h"

static char dir[] = "/tmp/test_readfile.XXXXXX";

static void put(const char *fn, const char *s, size_t n)
{
  int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  CHECK(fd != -1);
  CHECK(write(fd, s, n) == (ssize_t)n);
  close(fd);
}

static void test_read_all_files(void)
{
  static char big[100000];
  stralloc sa = STRALLOC_ZERO;
  size_t i;
  int fd;

  for (i = 0; i < sizeof big; ++i) big[i] = (char)(i * 7 + i / 251);
  put("big", big, sizeof big);
  put("small", "hello\0world\n", 12);
  put("empty", "", 0);

  CHECK(stralloc_copys(&sa, "old contents are replaced"));
  fd = open("small", O_RDONLY);
  CHECK(read_all(fd, &sa, 0) == 0);
  CHECK_MEM(sa.s, sa.len, "hello\0world\n", 12);
  close(fd);

  fd = open("empty", O_RDONLY);
  CHECK(read_all(fd, &sa, 0) == 0);
  CHECK(sa.len == 0);
  close(fd);

  fd = open("big", O_RDONLY); /* many reads */
  CHECK(read_all(fd, &sa, 0) == 0);
  CHECK_MEM(sa.s, sa.len, big, sizeof big);
  close(fd);

  /* from the current offset on */
  fd = open("small", O_RDONLY);
  CHECK(lseek(fd, 6, SEEK_SET) == 6);
  CHECK(read_all(fd, &sa, 0) == 0);
  CHECK_MEM(sa.s, sa.len, "world\n", 6);
  close(fd);

  /* limits: exactly the limit is fine, one byte more is EFBIG */
  fd = open("small", O_RDONLY);
  CHECK(read_all(fd, &sa, 12) == 0);
  CHECK(sa.len == 12);
  close(fd);
  fd = open("small", O_RDONLY);
  errno = 0;
  CHECK(read_all(fd, &sa, 11) == -1);
  CHECK(errno == EFBIG);
  CHECK(sa.len <= 12);
  close(fd);
  fd = open("big", O_RDONLY);
  errno = 0;
  CHECK(read_all(fd, &sa, 20000) == -1);
  CHECK(errno == EFBIG);
  CHECK(sa.len == 20001); /* it stops after limit + 1 bytes */
  close(fd);
  fd = open("big", O_RDONLY);
  CHECK(read_all(fd, &sa, SIZE_MAX) == 0); /* limit + 1 overflows: no limit */
  CHECK(sa.len == sizeof big);
  close(fd);
  fd = open("empty", O_RDONLY);
  CHECK(read_all(fd, &sa, 1) == 0);
  CHECK(sa.len == 0);
  close(fd);

  /* a bad descriptor */
  errno = 0;
  CHECK(read_all(-1, &sa, 0) == -1);
  CHECK(errno == EBADF);
  stralloc_free(&sa);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; ++alarms; }

static void test_read_all_pipes(void)
{
  stralloc sa = STRALLOC_ZERO;
  struct sigaction act, old;
  struct itimerval it = { { 0, 0 }, { 0, 50000 } };
  int p[2];

  /* everything the writer wrote, up to end of file */
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "through a pipe", 14) == 14);
  close(p[1]);
  CHECK(read_all(p[0], &sa, 0) == 0);
  CHECK_MEM(sa.s, sa.len, "through a pipe", 14);
  close(p[0]);

  /* non-blocking and nothing there: EAGAIN, not a busy loop */
  CHECK(pipe(p) == 0);
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  CHECK(write(p[1], "ab", 2) == 2);
  errno = 0;
  CHECK(read_all(p[0], &sa, 0) == -1);
  CHECK(errno == EAGAIN);
  CHECK_MEM(sa.s, sa.len, "ab", 2);

  /* a blocking read interrupted by a signal returns EINTR to the caller
     (a handler without SA_RESTART), it is not retried */
  CHECK(fcntl(p[0], F_SETFL, 0) == 0);
  act.sa_handler = on_alarm;
  act.sa_flags = 0;
  sigemptyset(&act.sa_mask);
  CHECK(sigaction(SIGALRM, &act, &old) == 0);
  CHECK(setitimer(ITIMER_REAL, &it, 0) == 0);
  errno = 0;
  CHECK(read_all(p[0], &sa, 0) == -1);
  CHECK(errno == EINTR);
  CHECK(alarms == 1);
  sigaction(SIGALRM, &old, 0);
  close(p[0]);
  close(p[1]);
  stralloc_free(&sa);
}

static void test_readfile(void)
{
  stralloc sa = STRALLOC_ZERO;
  int holder;

  /* no test here may wait: SIGALRM (default action) ends a hung run */
  alarm(10);
  CHECK(readfile("small", &sa, 0) == 1);
  CHECK_MEM(sa.s, sa.len, "hello\0world\n", 12);
  CHECK(readfile("empty", &sa, 0) == 1);
  CHECK(sa.len == 0);
  errno = 0;
  CHECK(readfile("small", &sa, 5) == -1);
  CHECK(errno == EFBIG);

  CHECK(stralloc_copys(&sa, "untouched"));
  errno = 0;
  CHECK(readfile("missing", &sa, 0) == 0);
  CHECK(errno == ENOENT);
  CHECK_MEM(sa.s, sa.len, "untouched", 9);
  errno = 0;
  CHECK(readfile("small/sub", &sa, 0) == -1);
  CHECK(errno == ENOTDIR);
  errno = 0;
  CHECK(readfile(".", &sa, 0) == -1);
  CHECK(errno == EISDIR);

  /* symlinks are followed; the target must be a regular file */
  CHECK(symlink("small", "link") == 0);
  CHECK(readfile("link", &sa, 0) == 1);
  CHECK_MEM(sa.s, sa.len, "hello\0world\n", 12);
  CHECK(symlink("missing", "dangling") == 0);
  CHECK(readfile("dangling", &sa, 0) == 0);

  /* a FIFO without writer, with a writer that never writes, through a
     symlink: refused at once, nothing read */
  CHECK(mkfifo("fifo", 0644) == 0);
  errno = 0;
  CHECK(readfile("fifo", &sa, 0) == -1);
  CHECK(errno == EINVAL);
  holder = open("fifo", O_RDWR);
  CHECK(holder != -1);
  CHECK(write(holder, "x\n", 2) == 2);
  errno = 0;
  CHECK(readfile("fifo", &sa, 0) == -1);
  CHECK(errno == EINVAL);
  CHECK(symlink("fifo", "fifolink") == 0);
  errno = 0;
  CHECK(readfile("fifolink", &sa, 0) == -1);
  CHECK(errno == EINVAL);
  close(holder);
  /* a character device */
  errno = 0;
  CHECK(readfile("/dev/null", &sa, 0) == -1);
  CHECK(errno == EINVAL);

  if (geteuid() != 0) {
    put("secret", "x\n", 2);
    CHECK(chmod("secret", 0) == 0);
    errno = 0;
    CHECK(readfile("secret", &sa, 0) == -1);
    CHECK(errno == EACCES);
  }
  alarm(0);
  stralloc_free(&sa);
}

static void cleanup(void)
{
  const char *names[] = { "big", "small", "empty", "link", "dangling", "fifo",
    "fifolink", "secret" };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; ++i) unlink(names[i]);
  if (chdir("/") == 0) rmdir(dir);
}

int main(void)
{
  if (!mkdtemp(dir) || chdir(dir) == -1) {
    printf("test_readfile: cannot create %s\n", dir);
    return 1;
  }
  RUN(test_read_all_files);
  RUN(test_read_all_pipes);
  RUN(test_readfile);
  cleanup();
  return check_exit("test_readfile");
}
