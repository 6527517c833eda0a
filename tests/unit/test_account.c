/* test_account: account and group lookups by name, and account_drop both
   as root (a real drop, checked to stick, in a child process) and as an
   unprivileged user (dropping to oneself needs no calls and succeeds;
   anything else fails). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "account.h"
#include "check.h"

static void test_lookup(void)
{
  uid_t uid = 12345;
  gid_t gid = 12345;
  struct passwd *pw;

  CHECK(account_user("root", &uid, &gid) == 1);
  CHECK(uid == 0);
  CHECK(gid == 0);
  uid = 12345;
  CHECK(account_user("no-such-account-here", &uid, &gid) == 0);
  CHECK(uid == 12345); /* untouched */
  CHECK(account_user("", &uid, &gid) == 0);
  CHECK(account_user("root", NULL, NULL) == 1);

  gid = 12345;
  CHECK(account_group("root", &gid) == 1);
  CHECK(gid == 0);
  CHECK(account_group("no-such-group-here", &gid) == 0);

  /* agrees with the password database for the invoking user */
  pw = getpwuid(getuid());
  if (pw) {
    CHECK(account_user(pw->pw_name, &uid, &gid) == 1);
    CHECK(uid == pw->pw_uid);
    CHECK(gid == pw->pw_gid);
  }
}

/* runs fn in a child; its exit status is the number of failed checks */
static int in_child(int (*fn)(void))
{
  int status;
  pid_t pid = fork();
  if (pid == -1) { perror("fork"); exit(2); }
  if (pid == 0) _exit(fn());
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define UNPRIV 65534

static int drop_as_root(void)
{
  int bad = 0;
  gid_t groups[4];

  if (account_drop(UNPRIV, UNPRIV) != 0) bad++;
  if (getuid() != UNPRIV || geteuid() != UNPRIV) bad++;
  if (getgid() != UNPRIV || getegid() != UNPRIV) bad++;
  if (getgroups(4, groups) != 1 || groups[0] != UNPRIV) bad++;
  /* no way back */
  if (setuid(0) == 0) bad++;
  if (seteuid(0) == 0) bad++;
  /* now every role is this user: dropping to it again is a no-op */
  if (account_drop(UNPRIV, UNPRIV) != 0) bad++;
  /* but not to anyone else */
  errno = 0;
  if (account_drop(UNPRIV - 1, UNPRIV) != -1 || errno != EPERM) bad++;
  if (account_drop(0, 0) != -1) bad++;
  return bad;
}

static int drop_to_root_as_root(void)
{
  /* uid 0 never takes the no-op path: the calls are made and succeed */
  int bad = 0;
  if (account_drop(0, 0) != 0) bad++;
  if (getuid() != 0 || getgid() != 0) bad++;
  return bad;
}

static int drop_as_user(void)
{
  int bad = 0;
  uid_t me = getuid();
  gid_t g = getgid();
  if (account_drop(me, g) != 0) bad++;
  if (getuid() != me || getgid() != g) bad++;
  if (account_drop(me, g + 1) != -1) bad++;
  if (account_drop(me + 1, g) != -1) bad++;
  return bad;
}

static void test_drop(void)
{
  if (getuid() == 0) {
    CHECK(in_child(drop_as_root) == 0);
    CHECK(in_child(drop_to_root_as_root) == 0);
  } else {
    CHECK(in_child(drop_as_user) == 0);
  }
}

int main(void)
{
  RUN(test_lookup);
  RUN(test_drop);
  return check_exit("test_account");
}
