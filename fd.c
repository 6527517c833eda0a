/* fd: descriptor plumbing and open(2) with fixed flags. Everything opened
   here is close-on-exec, so no descriptor leaks into a child by accident;
   fd_copy/fd_move make the target inheritable on purpose. */
#include <errno.h>
#include <fcntl.h>
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
