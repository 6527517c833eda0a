/* slow_fsync_shim.c: an LD_PRELOAD library for tests that need qmail-send's
   flushes to take time or to fail. fsync(2) and fdatasync(2) of a file
   under queue/info/ sleep SLOW_FSYNC_SECONDS (default 0) and then, when
   SLOW_FSYNC_ERRNO is set to a number, fail with that errno; other calls
   are passed through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int slowed(int fd)
{
  char link[64], target[4096];
  ssize_t n;
  const char *s;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = 0;
  if (!strstr(target, "/queue/info/")) return 0;
  s = getenv("SLOW_FSYNC_SECONDS");
  if (s && atoi(s) > 0) sleep((unsigned)atoi(s));
  s = getenv("SLOW_FSYNC_ERRNO");
  if (s && atoi(s) > 0) { errno = atoi(s); return 1; }
  return 0;
}

int fsync(int fd)
{
  int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  if (slowed(fd)) return -1;
  return real(fd);
}

int fdatasync(int fd)
{
  int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  if (slowed(fd)) return -1;
  return real(fd);
}
