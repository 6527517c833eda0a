/* account: the project's accounts and groups, looked up by name at run time
   (so one build can be packaged, and a test instance can give every role to
   the invoking user), and the one way to drop privileges.

   getpwnam/getgrnam return NULL both for "no such name" and for a failure
   of the lookup; the name is taken to be absent only when errno is left at
   0 or is one of the values POSIX and glibc use for "not found". */
#include "account.h"
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

static int not_found(int e)
{
  return e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM;
}

int account_user(const char *name, uid_t *uid, gid_t *gid)
{
  struct passwd *pw;

  for (;;) {
    errno = 0;
    pw = getpwnam(name);
    if (pw) break;
    if (errno == EINTR) continue;
    if (not_found(errno)) return 0;
    return -1;
  }
  if (uid) *uid = pw->pw_uid;
  if (gid) *gid = pw->pw_gid;
  return 1;
}

int account_group(const char *name, gid_t *gid)
{
  struct group *gr;

  for (;;) {
    errno = 0;
    gr = getgrnam(name);
    if (gr) break;
    if (errno == EINTR) continue;
    if (not_found(errno)) return 0;
    return -1;
  }
  if (gid) *gid = gr->gr_gid;
  return 1;
}

int account_drop(uid_t uid, gid_t gid)
{
  /* already exactly this identity and not root: nothing to change, and an
     unprivileged process could not call setgroups anyway */
  if (uid != 0 && getuid() == uid && geteuid() == uid && getgid() == gid &&
      getegid() == gid)
    return 0;
  if (setgroups(1, &gid) == -1) return -1;
  if (setgid(gid) == -1) return -1;
  if (setuid(uid) == -1) return -1;
  if (getuid() != uid || geteuid() != uid || getgid() != gid ||
      getegid() != gid) {
    errno = EPERM;
    return -1;
  }
  return 0;
}
