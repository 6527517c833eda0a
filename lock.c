/* lock: whole-file advisory locks with flock(2). A signal interrupting the
   wait is not a failure: the call is repeated. */
#include <errno.h>
#include <sys/file.h>
#include "lock.h"

static int lock(int fd, int op)
{
  int r;

  do r = flock(fd, op); while (r == -1 && errno == EINTR);
  return r;
}

int lock_ex(int fd)
{
  return lock(fd, LOCK_EX);
}

int lock_exnb(int fd)
{
  return lock(fd, LOCK_EX | LOCK_NB);
}
