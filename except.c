/* except: turns a program's success into a bounce, for .qmail lines such
   as "|except grep -q Unwanted" followed by the usual delivery.

     except program [argument ...]

   Runs the program (from the argument vector, searched in $PATH, never
   through a shell) with our descriptors, the message on fd 0 among them.
   Its output, on our fd 1 and fd 2, is the text of the bounce.

   Runs as: whoever runs it, normally a recipient's account under
   qmail-local.
   Trusts: nothing: it only passes on the program's exit status.
   Exit codes: 100 the program exited 0 (bounce), or usage, or a program
   that cannot be run for a permanent reason; 111 the program exited 111
   or was killed, or could not be run for a temporary reason; 0 the
   program exited with anything else (go on with the .qmail file). */
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

  diag_prog = "except";
  (void)argc;
  if (!argv[1]) diag_die(100, "usage: except program [argument ...]", (char *)0);
  if (command_run(argv + 1, &wstat) == -1) {
    int e = errno;
    diag_die_report(error_temporary(e) ? 111 : 100, "except was unable to run ",
                    argv[1], ": ", error_str(e),
                    error_temporary(e) ? ". (#4.3.0)" : ". (#5.3.0)", (char *)0);
  }
  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die_report(111, "except: ", argv[1], " was killed by signal ", num,
                    ". (#4.3.0)", (char *)0);
  }
  if (!WIFEXITED(wstat))
    diag_die_report(111, "except: ", argv[1], " crashed. (#4.3.0)", (char *)0);
  switch (WEXITSTATUS(wstat)) {
    case 0: return 100;
    case 111:
      diag_die_report(111, "except: ", argv[1], " failed temporarily. (#4.3.0)",
                      (char *)0);
    default: return 0;
  }
}
