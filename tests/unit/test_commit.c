/* test_commit: the commit module's background flush. fsync is replaced
   here (the executable's definition wins over libc's) to record which
   files and directories a batch flushes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "queuedir.h"
#include "../../commit.h"

static char synced[64][256];
static size_t nsynced;

int fsync(int fd)
{
  char link[64], target[256];
  ssize_t n;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, target, sizeof target - 1);
  if (n > 0 && nsynced < 64) {
    target[n] = 0;
    strcpy(synced[nsynced++], target);
  }
  return (int)syscall(SYS_fsync, fd);
}

static int was_synced(const char *suffix)
{
  size_t i, l = strlen(suffix);
  for (i = 0; i < nsynced; ++i) {
    size_t n = strlen(synced[i]);
    if (n >= l && !strcmp(synced[i] + n - l, suffix)) return 1;
  }
  return 0;
}

static size_t batch(int fd, const unsigned long *ids, size_t n, const int **err)
{
  const unsigned long *got;
  struct pollfd p;
  size_t r;
  nsynced = 0;
  CHECK(commit_idle());
  CHECK(commit_submit(ids, n) == 1);
  p.fd = fd;
  p.events = POLLIN;
  CHECK(poll(&p, 1, 10000) == 1);
  r = commit_results(&got, err);
  CHECK(r == n && !memcmp(got, ids, n * sizeof *ids));
  CHECK(commit_idle());
  return r;
}

static void test_batch(void)
{
  static const unsigned long ids[2] = { 7, 8 };
  const int *err;
  char fn[64];
  int fd = open(".", O_RDONLY | O_DIRECTORY);
  int nfd = commit_init(fd);
  CHECK(nfd != -1);
  snprintf(fn, sizeof fn, "info/%lu/7", 7 % auto_split);
  put_file(fn, "Fa@b\0", 5);
  snprintf(fn, sizeof fn, "local/%lu/7", 7 % auto_split);
  put_file(fn, "Tc@d\0", 5);
  /* 8 has no info file: finished meanwhile */
  CHECK(batch(nfd, ids, 2, &err) == 2);
  CHECK(err[0] == 0 && err[1] == ENOENT);
  snprintf(fn, sizeof fn, "/info/%lu/7", 7 % auto_split);
  CHECK(was_synced(fn));
  snprintf(fn, sizeof fn, "/local/%lu/7", 7 % auto_split);
  CHECK(was_synced(fn));
  snprintf(fn, sizeof fn, "/info/%lu", 7 % auto_split);
  CHECK(was_synced(fn));
  snprintf(fn, sizeof fn, "/remote/%lu", 7 % auto_split);
  CHECK(was_synced(fn));
  /* a bounce/ID of an earlier message with this ID was removed before
     the message was preprocessed; unless that removal is durable before
     todo/ID goes, a power cut brings it back, and the old message's
     failures would be sent to this message's sender */
  CHECK(was_synced("/bounce"));
}

int main(void)
{
  queuedir_make();
  RUN(test_batch);
  queuedir_remove();
  return check_exit("test_commit");
}
