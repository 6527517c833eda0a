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
  stralloc date = STRALLOC_ZERO;
  int wstat;
  const char *what;
  char num[FMT_ULONG];

  (void)argc;
  diag_prog = "predate";
  if (!argv[1]) diag_die(100, "usage: predate program [argument ...]", (char *)0);
  tzset();
  if (!stralloc_copys(&date, "Date: ") || !date_cat822_local(&date, time(0)) ||
      !stralloc_append(&date, '\n'))
    diag_die_sys(111, "unable to format the date", (char *)0);

  sig_ignore(SIGPIPE);
  if (command_feed(argv + 1, date.s, date.len, &wstat, &what) == -1) {
    if (str_equal(what, "read")) diag_die_sys(111, "unable to read the input", (char *)0);
    diag_die_sys(111, "unable to ", what, " ", argv[1], (char *)0);
  }
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  num[fmt_ulong(num, WIFSIGNALED(wstat) ? (unsigned long)WTERMSIG(wstat) : 0UL)] = 0;
  diag_die(111, argv[1], " was killed by signal ", num, (char *)0);
}
