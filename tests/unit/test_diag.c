/* test_diag: the message grammar and exit codes, from a child process
   whose fd 2 is a pipe. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "diag.h"
#include "error.h"

/* runs fn in a child with stderr captured into out; returns the status */
static int capture(void (*fn)(void), char *out, size_t size, size_t *len)
{
  int p[2], status = -1;
  pid_t pid;
  ssize_t r;

  *len = 0;
  if (pipe(p) == -1) return -1;
  pid = fork();
  if (pid == 0) {
    close(p[0]);
    dup2(p[1], 2);
    fn();
    _exit(0);
  }
  close(p[1]);
  while (*len < size && (r = read(p[0], out + *len, size - *len)) > 0) *len += (size_t)r;
  close(p[0]);
  waitpid(pid, &status, 0);
  return status;
}

static void warn_plain(void)
{
  diag_prog = "qmail-test";
  diag_warn("unable to read ", "control/me", (char *)0);
  diag_warn("no pieces after this one", (char *)0);
}

static void warn_sys(void)
{
  diag_prog = "qmail-test";
  errno = ENOENT;
  diag_warn_sys("unable to open ", "x", (char *)0);
  /* errno survives a warning */
  if (errno != ENOENT) _exit(5);
}

static void die_plain(void)
{
  diag_prog = "qmail-send";
  diag_die(111, "unable to start: ", "already running", (char *)0);
}

static void die_sys(void)
{
  diag_prog = "qmail-queue";
  errno = ENOSPC;
  diag_die_sys(53, "unable to write ", "mess/1/2", (char *)0);
}

static void die_report(void)
{
  diag_prog = "qmail-local";
  diag_die_report(100, "Sorry, no mailbox here by that name. (#5.1.1)", (char *)0);
}

static void die_report_pieces(void)
{
  diag_prog = "qmail-local";
  diag_die_report(111, "Unable to open ", ".qmail-x", ": ", "reason", ". (#4.3.0)", (char *)0);
}

static void test_messages(void)
{
  char out[1024], want[512];
  size_t len;
  int st;

  st = capture(warn_plain, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK_MEM(out, len, "qmail-test: warning: unable to read control/me\n"
            "qmail-test: warning: no pieces after this one\n",
            sizeof "qmail-test: warning: unable to read control/me\n"
            "qmail-test: warning: no pieces after this one\n" - 1);

  st = capture(warn_sys, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  snprintf(want, sizeof want, "qmail-test: warning: unable to open x: %s\n", error_str(ENOENT));
  CHECK_MEM(out, len, want, strlen(want));

  st = capture(die_plain, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 111);
  CHECK_MEM(out, len, "qmail-send: fatal: unable to start: already running\n",
            sizeof "qmail-send: fatal: unable to start: already running\n" - 1);

  st = capture(die_sys, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 53);
  snprintf(want, sizeof want, "qmail-queue: fatal: unable to write mess/1/2: %s\n", error_str(ENOSPC));
  CHECK_MEM(out, len, want, strlen(want));

  /* a report: no program name, no "fatal:" */
  st = capture(die_report, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100);
  CHECK_MEM(out, len, "Sorry, no mailbox here by that name. (#5.1.1)\n",
            sizeof "Sorry, no mailbox here by that name. (#5.1.1)\n" - 1);
  st = capture(die_report_pieces, out, sizeof out, &len);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 111);
  CHECK_MEM(out, len, "Unable to open .qmail-x: reason. (#4.3.0)\n",
            sizeof "Unable to open .qmail-x: reason. (#4.3.0)\n" - 1);
}

int main(void)
{
  RUN(test_messages);
  return check_exit("test_diag");
}
