/* command: fork and exec with the exec's own errno passed back to the
   parent through a close-on-exec pipe: the pipe reaches end of file when
   the exec succeeds, and carries the errno when it fails. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "command.h"
#include "fd.h"
#include "sig.h"

static void child(int fdreport, char *const argv[], int fdin) __attribute__((noreturn));
static void child(int fdreport, char *const argv[], int fdin)
{
  int e;
  ssize_t w;

  sig_default(SIGPIPE);
  if (fdin != -1 && fd_copy(0, fdin) == -1) goto fail;
  execvp(argv[0], argv);
fail:
  e = errno;
  do w = write(fdreport, &e, sizeof e); while (w == -1 && errno == EINTR);
  _exit(127);
}

int command_wait(pid_t pid, int *wstat)
{
  pid_t r;

  do r = waitpid(pid, wstat, 0); while (r == -1 && errno == EINTR);
  return r == pid ? 0 : -1;
}

int command_start(pid_t *pid, char *const argv[], int fdin)
{
  int p[2], e, wstat;
  size_t got = 0;
  pid_t child_pid;

  if (!argv[0]) { errno = EINVAL; return -1; }
  if (pipe2(p, O_CLOEXEC) == -1) return -1;
  /* (with fd 0 closed) the child's end must not be the fd 0 it places */
  if (p[0] == 0 || p[1] == 0) {
    int q0 = fcntl(p[0], F_DUPFD_CLOEXEC, 3), q1 = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
    e = errno;
    close(p[0]);
    close(p[1]);
    if (q0 == -1 || q1 == -1) {
      if (q0 != -1) close(q0);
      if (q1 != -1) close(q1);
      errno = e;
      return -1;
    }
    p[0] = q0;
    p[1] = q1;
  }
  child_pid = fork();
  if (child_pid == -1) {
    e = errno;
    close(p[0]);
    close(p[1]);
    errno = e;
    return -1;
  }
  if (child_pid == 0) child(p[1], argv, fdin);
  close(p[1]);
  while (got < sizeof e) {
    ssize_t r = read(p[0], (char *)&e + got, sizeof e - got);
    if (r == -1 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(p[0]);
  if (got == 0) { *pid = child_pid; return 0; }
  command_wait(child_pid, &wstat);
  errno = got == sizeof e ? e : EIO;
  return -1;
}

int command_run(char *const argv[], int *wstat)
{
  pid_t pid;

  if (command_start(&pid, argv, -1) == -1) return -1;
  return command_wait(pid, wstat);
}

int command_feed(char *const argv[], const char *head, size_t len, int *wstat,
                 const char **what)
{
  static char space[65536];
  int p[2], gone = 0, e;
  pid_t pid;

  *what = "run";
  if (pipe2(p, O_CLOEXEC) == -1) return -1;
  if (command_start(&pid, argv, p[0]) == -1) {
    e = errno;
    close(p[0]);
    close(p[1]);
    errno = e;
    return -1;
  }
  close(p[0]);
  if (buf_unixwrite(p[1], (void *)head, len) == -1) gone = 1;
  while (!gone) {
    ssize_t r = buf_unixread(0, space, sizeof space);
    if (r == -1) {
      e = errno;
      close(p[1]);
      kill(pid, SIGKILL);
      command_wait(pid, wstat);
      *what = "read";
      errno = e;
      return -1;
    }
    if (r == 0) break;
    if (buf_unixwrite(p[1], space, (size_t)r) == -1) gone = 1;
  }
  close(p[1]);
  *what = "wait for";
  return command_wait(pid, wstat);
}
