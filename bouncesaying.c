/* bouncesaying: bounces the message with a text of the owner's choosing,
   always or when a program says so, for .qmail lines such as
   "|bouncesaying 'This address is no longer in use.'" or
   "|bouncesaying 'No attachments, please.' grep -q ^Content-Disposition:".

     bouncesaying text [program [argument ...]]

   Runs the program (from the argument vector, searched in $PATH, never
   through a shell) with our descriptors, the message on fd 0 among them.

   Runs as: whoever runs it, normally a recipient's account under
   qmail-local.
   Trusts: nothing: the text comes from the .qmail file, and is written as
   it is, followed by a newline, on fd 2.
   Exit codes: 100 (text written) without a program or when it exited 0,
   and for usage or a program that cannot be run for a permanent reason;
   111 the program exited 111 or was killed, or could not be run for a
   temporary reason; 0 the program exited with anything else (go on with
   the .qmail file). */
#include <errno.h>
#include <sys/wait.h>
#include "command.h"
#include "diag.h"
#include "error.h"
#include "str.h"

int main(int argc, char **argv)
{
  char num[FMT_ULONG];
  int wstat;

  diag_prog = "bouncesaying";
  (void)argc;
  if (!argv[1])
    diag_die(100, "usage: bouncesaying text [program [argument ...]]", (char *)0);
  if (!argv[2]) diag_die_report(100, argv[1], (char *)0);
  if (command_run(argv + 2, &wstat) == -1) {
    int e = errno;
    diag_die_report(error_temporary(e) ? 111 : 100, "bouncesaying was unable to run ",
                    argv[2], ": ", error_str(e),
                    error_temporary(e) ? ". (#4.3.0)" : ". (#5.3.0)", (char *)0);
  }
  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die_report(111, "bouncesaying: ", argv[2], " was killed by signal ", num,
                    ". (#4.3.0)", (char *)0);
  }
  if (!WIFEXITED(wstat))
    diag_die_report(111, "bouncesaying: ", argv[2], " crashed. (#4.3.0)", (char *)0);
  switch (WEXITSTATUS(wstat)) {
    case 0: diag_die_report(100, argv[1], (char *)0);
    case 111:
      diag_die_report(111, "bouncesaying: ", argv[2],
                      " failed temporarily. (#4.3.0)", (char *)0);
    default: return 0;
  }
}
