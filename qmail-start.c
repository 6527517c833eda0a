/* qmail-start: wires up and starts the mail system's daemons.

   Usage: qmail-start [defaultdelivery [logger args...]]

   Closes every descriptor above 2 (what the caller, svscan or a shell, had
   open must reach none of the daemons or the programs they run), goes to
   "/", sets umask 077 and the group qmail (only), puts copies of fd 0 on
   fds 2..6 so every pipe created later lies above them, and, when
   a logger is named, starts it as qmaill/nofiles reading a pipe that
   becomes fd 1 (the log). Then it starts, connected by six pipes,
     qmail-lspawn defaultdelivery   as root, group qmail
     qmail-rspawn                   as qmailr, group qmail plus qmailr's
                                    supplementary groups
     qmail-clean                    as qmailq, group qmail
   and becomes qmail-send as qmails/qmail, with fd 0 the log, 1 and 2 the
   pipes to and from qmail-lspawn, 3 and 4 those of qmail-rspawn, 5 and 6
   those of qmail-clean. Each daemon reads fd 0 and writes fd 1; its fd 2
   is the log too, so a daemon's fatal diagnostic reaches the administrator
   next to qmail-send's lines; it has no other descriptor. The logger has
   fd 0 (the log pipe) and fds 1 and 2 (both qmail-start's own fd 1), and
   nothing else; qmail-send has exactly fds 0..6. Every pipe is
   close-on-exec in every process except on the numbers above, so no
   daemon holds an end meant for another. Programs are found through
   $PATH; the default defaultdelivery is ./Mailbox. The environment is
   passed on unchanged.

   Runs as root (in an instance where every role is the invoking user, as
   that user). Trusts its arguments and the account database.

   Exit codes: 111 on any failure, silently (a child that cannot exec its
   program exits 111 too); on success it is qmail-send. */
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>
#include "account.h"
#include "auto.h"
#include "fd.h"

struct ids {
  uid_t qmaill, qmailq, qmailr, qmails;
  gid_t qmail, nofiles;
};

static void fail(void) __attribute__((noreturn));
static void fail(void)
{
  _exit(111);
}

static uid_t user(const char *name)
{
  uid_t uid;

  if (account_user(name, &uid, 0) != 1) fail();
  return uid;
}

static gid_t group(const char *name)
{
  gid_t gid;

  if (account_group(name, &gid) != 1) fail();
  return gid;
}

/* group qmail and nothing else; unprivileged, only what can be had */
static void set_group(gid_t gid)
{
  if (geteuid() == 0) {
    if (setgroups(1, &gid) == -1 || setgid(gid) == -1) fail();
    return;
  }
  if ((getgid() != gid || getegid() != gid) && setgid(gid) == -1) fail();
}

/* qmailr keeps its supplementary groups (for example to read a key) */
static int drop_with_groups(const char *name, uid_t uid, gid_t gid)
{
  if (geteuid() != 0 || uid == 0) return account_drop(uid, gid);
  if (initgroups(name, gid) == -1) return -1;
  if (setgid(gid) == -1 || setuid(uid) == -1) return -1;
  if (getuid() != uid || geteuid() != uid) return -1;
  return 0;
}

/* in a child: fd 0 from in, fd 1 to out, fd 2 the log, nothing else */
static void daemon_fds(int in, int out)
{
  if (fd_copy(2, 1) == -1) fail();
  if (fd_copy(0, in) == -1) fail();
  if (fd_copy(1, out) == -1) fail();
  if (fd_close_from(3) == -1) fail();
}

static void start_logger(char **argv, const struct ids *id)
{
  int pi[2];
  pid_t pid;

  if (pipe2(pi, O_CLOEXEC) == -1) fail();
  pid = fork();
  if (pid == -1) fail();
  if (pid == 0) {
    if (fd_copy(0, pi[0]) == -1) fail();
    if (fd_copy(2, 1) == -1) fail();
    if (fd_close_from(3) == -1) fail();
    if (account_drop(id->qmaill, id->nofiles) == -1) fail();
    execvp(argv[0], argv);
    fail();
  }
  if (fd_copy(1, pi[1]) == -1) fail();
  close(pi[0]);
  close(pi[1]);
}

int main(int argc, char **argv)
{
  const char *defaultdelivery = "./Mailbox";
  struct ids id;
  int pi[6][2];
  int fd, i;
  pid_t pid;

  /* before anything is opened: whatever is above 2 now is inherited */
  if (fd_close_from(3) == -1) fail();
  if (chdir("/") == -1) fail();
  umask(077);

  id.qmail = group(auto_group_qmail);
  id.nofiles = group(auto_group_nofiles);
  id.qmaill = user(auto_user_qmaill);
  id.qmailq = user(auto_user_qmailq);
  id.qmailr = user(auto_user_qmailr);
  id.qmails = user(auto_user_qmails);
  set_group(id.qmail);

  for (fd = 2; fd <= 6; ++fd)
    if (fd_copy(fd, 0) == -1) fail();

  if (argc > 1 && argv[1]) defaultdelivery = argv[1];
  if (argc > 2 && argv[2]) start_logger(argv + 2, &id);

  /* pipes 0/1: lspawn in/out, 2/3: rspawn, 4/5: clean. All above fd 6
     and close-on-exec: each process keeps only the ends it was given. */
  for (i = 0; i < 6; ++i)
    if (pipe2(pi[i], O_CLOEXEC) == -1) fail();

  pid = fork();
  if (pid == -1) fail();
  if (pid == 0) {
    char *args[3];
    args[0] = (char *)"qmail-lspawn";
    args[1] = (char *)defaultdelivery;
    args[2] = 0;
    daemon_fds(pi[0][0], pi[1][1]);
    execvp(args[0], args);
    fail();
  }

  pid = fork();
  if (pid == -1) fail();
  if (pid == 0) {
    char *args[2];
    args[0] = (char *)"qmail-rspawn";
    args[1] = 0;
    daemon_fds(pi[2][0], pi[3][1]);
    if (drop_with_groups(auto_user_qmailr, id.qmailr, id.qmail) == -1) fail();
    execvp(args[0], args);
    fail();
  }

  pid = fork();
  if (pid == -1) fail();
  if (pid == 0) {
    char *args[2];
    args[0] = (char *)"qmail-clean";
    args[1] = 0;
    daemon_fds(pi[4][0], pi[5][1]);
    if (account_drop(id.qmailq, id.qmail) == -1) fail();
    execvp(args[0], args);
    fail();
  }

  {
    char *args[2];
    args[0] = (char *)"qmail-send";
    args[1] = 0;
    if (fd_copy(0, 1) == -1) fail();
    if (fd_copy(1, pi[0][1]) == -1) fail();
    if (fd_copy(2, pi[1][0]) == -1) fail();
    if (fd_copy(3, pi[2][1]) == -1) fail();
    if (fd_copy(4, pi[3][0]) == -1) fail();
    if (fd_copy(5, pi[4][1]) == -1) fail();
    if (fd_copy(6, pi[5][0]) == -1) fail();
    if (account_drop(id.qmails, id.qmail) == -1) fail();
    execvp(args[0], args);
  }
  fail();
}
