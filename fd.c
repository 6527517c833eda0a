/* fd: descriptor plumbing and open(2) with fixed flags. Everything opened
   here is close-on-exec, so no descriptor leaks into a child by accident;
   fd_copy/fd_move make the target inheritable on purpose. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fd.h"

static int clearflag(int fd, int flag)
{
  int f = fcntl(fd, F_GETFL);

  if (f == -1) return -1;
  if (!(f & flag)) return 0;
  return fcntl(fd, F_SETFL, f & ~flag) == -1 ? -1 : 0;
}

int fd_copy(int to, int from)
{
  if (to == from) {
    int f = fcntl(to, F_GETFD);
    if (f == -1) return -1;
    return fcntl(to, F_SETFD, f & ~FD_CLOEXEC) == -1 ? -1 : 0;
  }
  while (dup2(from, to) == -1) {
    if (errno != EINTR && errno != EBUSY) return -1;
  }
  return 0;
}

int fd_move(int to, int from)
{
  if (fd_copy(to, from) == -1) return -1;
  if (to != from) close(from);
  return 0;
}

int fd_cloexec(int fd)
{
  int f = fcntl(fd, F_GETFD);

  if (f == -1) return -1;
  return fcntl(fd, F_SETFD, f | FD_CLOEXEC) == -1 ? -1 : 0;
}

/* the number after "/proc/self/fd/", or -1 for "." and ".." */
static int fd_number(const char *name)
{
  int n = 0;

  if (!*name) return -1;
  for (; *name; ++name) {
    if (*name < '0' || *name > '9') return -1;
    if (n > (INT_MAX - (*name - '0')) / 10) return -1;
    n = n * 10 + (*name - '0');
  }
  return n;
}

int fd_close_from_slow(int lowfd)
{
  DIR *d;

  if (lowfd < 0) { errno = EBADF; return -1; }
  d = opendir("/proc/self/fd");
  if (d) {
    /* closing while reading is safe for this directory (the kernel lists
       the table as it is now); the directory's own descriptor stays */
    int self = dirfd(d);
    struct dirent *e;
    for (;;) {
      int fd;
      errno = 0;
      e = readdir(d);
      if (!e) break;
      fd = fd_number(e->d_name);
      if (fd >= lowfd && fd != self) close(fd);
    }
    if (errno) { int err = errno; closedir(d); errno = err; return -1; }
    closedir(d);
    return 0;
  }
  /* no /proc: every number below the descriptor limit (Linux allows at
     most 1 << 20 descriptors per process unless fs.nr_open is raised) */
  {
    long max = sysconf(_SC_OPEN_MAX);
    long fd;
    if (max <= 0 || max > 1L << 20) max = 1L << 20;
    for (fd = lowfd; fd < max; ++fd) close((int)fd);
  }
  return 0;
}

int fd_close_from(int lowfd)
{
  if (lowfd < 0) { errno = EBADF; return -1; }
#ifdef SYS_close_range
  /* Linux 5.9 and later; older kernels say ENOSYS, seccomp filters EPERM */
  if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0U) == 0) return 0;
#endif
  return fd_close_from_slow(lowfd);
}

int fd_nonblock(int fd)
{
  int f = fcntl(fd, F_GETFL);

  if (f == -1) return -1;
  return fcntl(fd, F_SETFL, f | O_NONBLOCK) == -1 ? -1 : 0;
}

int fd_block(int fd)
{
  return clearflag(fd, O_NONBLOCK);
}

static int openfd(const char *fn, int flags, mode_t mode)
{
  int fd;

  do fd = open(fn, flags | O_CLOEXEC, mode); while (fd == -1 && errno == EINTR);
  return fd;
}

int open_read(const char *fn)
{
  /* O_NONBLOCK keeps open from hanging on a FIFO without writer; reads
     afterwards block as usual */
  int fd = openfd(fn, O_RDONLY | O_NONBLOCK, 0);

  if (fd == -1) return -1;
  if (clearflag(fd, O_NONBLOCK) == -1) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int open_write(const char *fn)
{
  /* O_NONBLOCK: a FIFO without a reader fails with ENXIO instead of
     hanging (the queue trigger relies on that); left set */
  return openfd(fn, O_WRONLY | O_NONBLOCK, 0);
}

int open_trunc(const char *fn, mode_t mode)
{
  return openfd(fn, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int open_excl(const char *fn, mode_t mode)
{
  return openfd(fn, O_WRONLY | O_CREAT | O_EXCL, mode);
}

int open_dir(const char *fn)
{
  return openfd(fn, O_RDONLY | O_DIRECTORY, 0);
}

int fsync_dir(const char *dir)
{
  int fd = open_dir(dir);
  int e = 0;

  if (fd == -1) return -1;
  if (fsync(fd) == -1) e = errno;
  if (close(fd) == -1 && !e && errno != EINTR) e = errno;
  if (e) { errno = e; return -1; }
  return 0;
}
