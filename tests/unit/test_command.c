/* test_command: command_start tells an exec failure (with its errno) from
   a program that ran, whatever the program's exit code; fdin becomes the
   child's fd 0; the child gets SIGPIPE back at its default. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "command.h"
#include "sig.h"

static void test_run(void)
{
  char *yes[] = { "true", 0 };
  char *no[] = { "false", 0 };
  char *missing[] = { "/nonexistent/program", 0 };
  char notexecname[] = "/tmp/test_command.XXXXXX";
  char *notexec[] = { notexecname, 0 };
  int fd;
  char *notinpath[] = { "no-such-program-here-at-all", 0 };
  char *empty[] = { 0 };
  int wstat = -1;

  CHECK(command_run(yes, &wstat) == 0);
  CHECK(WIFEXITED(wstat) && WEXITSTATUS(wstat) == 0);
  CHECK(command_run(no, &wstat) == 0);
  CHECK(WIFEXITED(wstat) && WEXITSTATUS(wstat) == 1);
  errno = 0;
  CHECK(command_run(missing, &wstat) == -1);
  CHECK(errno == ENOENT);
  /* a PATH directory this user cannot search would make it EACCES */
  CHECK(setenv("PATH", "/usr/bin:/bin", 1) == 0);
  errno = 0;
  CHECK(command_run(notinpath, &wstat) == -1);
  CHECK(errno == ENOENT);
  /* mode 0600: no execute bit for anyone, root included */
  fd = mkstemp(notexecname);
  CHECK(fd != -1);
  if (fd != -1) {
    close(fd);
    errno = 0;
    CHECK(command_run(notexec, &wstat) == -1);
    CHECK(errno == EACCES);
    unlink(notexecname);
  }
  errno = 0;
  CHECK(command_run(empty, &wstat) == -1);
  CHECK(errno == EINVAL);
  /* the failed children were reaped: nothing left to wait for */
  CHECK(waitpid(-1, &wstat, WNOHANG) == -1 && errno == ECHILD);
}

static void test_fdin(void)
{
  char *argv[] = { "sh", "-c", "read x && [ \"$x\" = hello ] && kill -PIPE $$", 0 };
  int p[2], wstat;
  pid_t pid;

  sig_ignore(SIGPIPE);
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "hello\n", 6) == 6);
  close(p[1]);
  CHECK(command_start(&pid, argv, p[0]) == 0);
  close(p[0]);
  CHECK(command_wait(pid, &wstat) == 0);
  /* the shell read the line from fdin, and SIGPIPE killed it */
  CHECK(WIFSIGNALED(wstat) && WTERMSIG(wstat) == SIGPIPE);
  sig_default(SIGPIPE);
}

int main(void)
{
  RUN(test_run);
  RUN(test_fdin);
  return check_exit("test_command");
}
