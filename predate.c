/* predate: runs a program with a Date: field in the local time zone
   before its input, for programs (sendmail, qmail-inject) that would
   otherwise date a message in UTC.

     predate program [argument ...]

   Writes "Date: D Mon YYYY HH:MM:SS +hhmm" (TZ decides the zone) and a
   newline, then fd 0, into a pipe that is the program's fd 0. The program
   is found in $PATH and never run through a shell.

   Runs as: whoever runs it.
   Trusts: nothing; the input is passed on unread.
   Exit codes: the program's; 100 usage; 111 the program could not be run
   or was killed, or reading or writing failed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buf.h"
#include "command.h"
#include "date.h"
#include "diag.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

int main(int argc, char **argv)
{
  static char space[65536];
  stralloc date = STRALLOC_ZERO;
  int p[2], wstat, gone = 0;
  pid_t pid;
  char num[FMT_ULONG];

  (void)argc;
  diag_prog = "predate";
  if (!argv[1]) diag_die(100, "usage: predate program [argument ...]", (char *)0);
  tzset();
  if (!stralloc_copys(&date, "Date: ") || !date_cat822_local(&date, time(0)) ||
      !stralloc_append(&date, '\n'))
    diag_die_sys(111, "unable to format the date", (char *)0);

  sig_ignore(SIGPIPE);
  if (pipe2(p, O_CLOEXEC) == -1) diag_die_sys(111, "unable to make a pipe", (char *)0);
  if (command_start(&pid, argv + 1, p[0]) == -1)
    diag_die_sys(111, "unable to run ", argv[1], (char *)0);
  close(p[0]);
  if (buf_unixwrite(p[1], date.s, date.len) == -1) gone = 1;
  while (!gone) {
    ssize_t r = buf_unixread(0, space, sizeof space);
    if (r == -1) {
      int e = errno;
      kill(pid, SIGKILL);
      command_wait(pid, &wstat);
      errno = e;
      diag_die_sys(111, "unable to read the input", (char *)0);
    }
    if (r == 0) break;
    if (buf_unixwrite(p[1], space, (size_t)r) == -1) gone = 1;
  }
  /* a program that stopped reading early: its exit code says why */
  close(p[1]);
  if (command_wait(pid, &wstat) == -1) diag_die_sys(111, "unable to wait for ", argv[1], (char *)0);
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  num[fmt_ulong(num, WIFSIGNALED(wstat) ? (unsigned long)WTERMSIG(wstat) : 0UL)] = 0;
  diag_die(111, argv[1], " was killed by signal ", num, (char *)0);
}
