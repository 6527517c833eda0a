/* readfile: whole files into memory, for control files, .qmail files,
   users/assign and queue files. Only regular files are opened by name:
   a FIFO planted where a control file should be would otherwise block the
   reader (qmail-send on HUP) for as long as its writer keeps it open. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "readfile.h"
#include "stralloc.h"

#define READ_CHUNK 8192

int read_all(int fd, stralloc *sa, size_t limit)
{
  size_t cap; /* bytes that may be held: limit + 1 tells "too big" */

  if (!limit || __builtin_add_overflow(limit, (size_t)1, &cap)) cap = (size_t)-1;
  sa->len = 0;
  for (;;) {
    size_t room;
    ssize_t r;

    if (!stralloc_readyplus(sa, READ_CHUNK)) return -1;
    room = sa->a - sa->len;
    if (room > cap - sa->len) room = cap - sa->len;
    r = read(fd, sa->s + sa->len, room);
    if (r == -1) return -1; /* EINTR included: see readfile.h */
    if (r == 0) return 0;
    sa->len += (size_t)r;
    if (limit && sa->len > limit) { errno = EFBIG; return -1; }
  }
}

int readfile(const char *fn, stralloc *sa, size_t limit)
{
  struct stat st;
  int fd, e;

  /* not retried on EINTR either: with O_NONBLOCK nothing waits here */
  fd = open(fn, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd == -1) return errno == ENOENT ? 0 : -1;
  if (fstat(fd, &st) == -1) goto fail;
  if (!S_ISREG(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    goto fail;
  }
  if (read_all(fd, sa, limit) == -1) goto fail;
  close(fd);
  return 1;
fail:
  e = errno;
  close(fd);
  errno = e;
  return -1;
}
