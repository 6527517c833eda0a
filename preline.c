/* preline: runs a program with the message of fd 0 on its fd 0, preceded
   by the lines qmail-local puts before a message in an mbox: $UFLINE (the
   From_ line), $RPLINE (Return-Path) and $DTLINE (Delivered-To), for
   programs from .qmail lines that expect them (procmail, mail filters).

     preline [-frdFRD] program [argument ...]

   -f, -r, -d leave out UFLINE, RPLINE, DTLINE; -F, -R, -D put them back;
   the last letter about a line wins. The program is run from the argument
   vector (searched in $PATH), never through a shell.

   The message is copied through a pipe in fixed-size pieces, never held
   in memory. A program that exits before reading all of it ends the copy
   (the write fails with EPIPE, not SIGPIPE); its exit status decides.

   Runs as: whoever runs it, normally a recipient's account under
   qmail-local.
   Trusts: nothing in the message or the environment: both are copied as
   bytes.
   Exit codes: the program's own; 111 when it was killed by a signal, when
   the message could not be read (the program is then sent SIGTERM before
   its input ends, so that it never takes a cut message for a whole one),
   or when it could not be run for a temporary reason; 100 for usage, a
   missing variable, or a program that cannot be run for a permanent
   reason (no such file, not executable). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "command.h"
#include "diag.h"
#include "env.h"
#include "error.h"
#include "sig.h"
#include "str.h"

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
  diag_die(100, "usage: preline [-frdFRD] program [argument ...]", (char *)0);
}

static const char *need(const char *name)
{
  const char *v = env_get(name);

  if (!v)
    diag_die_report(100, "preline found no ", name, " in its environment:"
                    " it is meant to run from a .qmail file, where qmail-local"
                    " sets it. (#5.3.0)", (char *)0);
  return v;
}

static const char *status_code(int e)
{
  return error_temporary(e) ? ". (#4.3.0)" : ". (#5.3.0)";
}

int main(int argc, char **argv)
{
  int wantuf = 1, wantrp = 1, wantdt = 1;
  const char *ufline = 0, *rpline = 0, *dtline = 0;
  char inspace[8192], outspace[8192], num[FMT_ULONG];
  buf in, out;
  int p[2], wstat, stopped = 0;
  pid_t pid;
  int i;

  diag_prog = "preline";
  (void)argc;
  for (i = 1; argv[i] && argv[i][0] == '-'; ++i) {
    const char *o = argv[i] + 1;
    if (str_equal(argv[i], "--")) { ++i; break; }
    if (!*o) usage();
    for (; *o; ++o) {
      switch (*o) {
        case 'f': wantuf = 0; break;
        case 'F': wantuf = 1; break;
        case 'r': wantrp = 0; break;
        case 'R': wantrp = 1; break;
        case 'd': wantdt = 0; break;
        case 'D': wantdt = 1; break;
        default: usage();
      }
    }
  }
  if (!argv[i]) usage();
  if (wantuf) ufline = need("UFLINE");
  if (wantrp) rpline = need("RPLINE");
  if (wantdt) dtline = need("DTLINE");

  if (pipe2(p, O_CLOEXEC) == -1)
    diag_die_report(111, "preline was unable to make a pipe: ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  /* a program that stops reading must show up as EPIPE, not kill us */
  sig_ignore(SIGPIPE);
  if (command_start(&pid, argv + i, p[0]) == -1) {
    int e = errno;
    diag_die_report(error_temporary(e) ? 111 : 100, "preline was unable to run ",
                    argv[i], ": ", error_str(e), status_code(e), (char *)0);
  }
  close(p[0]);

  buf_init(&out, buf_unixwrite, p[1], outspace, sizeof outspace);
  buf_init(&in, buf_unixread, 0, inspace, sizeof inspace);
  if ((ufline && buf_puts(&out, ufline) == -1) ||
      (rpline && buf_puts(&out, rpline) == -1) ||
      (dtline && buf_puts(&out, dtline) == -1))
    stopped = 1;
  if (!stopped) {
    switch (buf_copy(&out, &in)) {
      case 0:
        if (buf_flush(&out) == -1) stopped = 1;
        break;
      case -2: {
        int e = errno;
        /* before its input ends: a program must not see a cut message end
           as if it were whole */
        kill(pid, SIGTERM);
        close(p[1]);
        command_wait(pid, &wstat);
        diag_die_report(111, "preline was unable to read the message: ",
                        error_str(e), ". (#4.3.0)", (char *)0);
      }
      default:
        stopped = 1;
        break;
    }
  }
  /* stopped: the program no longer reads (EPIPE); what it did with what
     it read is its own business, told by its exit status */
  close(p[1]);
  if (command_wait(pid, &wstat) == -1)
    diag_die_report(111, "preline was unable to wait for ", argv[i], ": ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die_report(111, "preline: ", argv[i], " was killed by signal ", num,
                    ". (#4.3.0)", (char *)0);
  }
  if (!WIFEXITED(wstat)) diag_die_report(111, "preline: ", argv[i], " crashed. (#4.3.0)", (char *)0);
  return WEXITSTATUS(wstat);
}
