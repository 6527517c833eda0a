/* datemail: sendmail with a Date: field in the local time zone.

     datemail [sendmail argument ...]

   Runs HOME/bin/predate HOME/bin/sendmail with the same arguments, so the
   message gets a local Date: unless it has one (qmail-inject dates a
   message without one in UTC).

   Runs as: whoever runs it.
   Trusts: nothing.
   Exit codes: sendmail's (sysexits.h codes); 111 predate could not be
   run, or sendmail was killed. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "auto.h"
#include "diag.h"
#include "stralloc.h"

int main(int argc, char **argv)
{
  stralloc predate = STRALLOC_ZERO, sendmail = STRALLOC_ZERO;
  char **args;
  int i;

  diag_prog = "datemail";
  if (argc < 1 || (size_t)argc > ((size_t)-1) / sizeof *args - 2)
    diag_die(100, "usage: datemail [sendmail argument ...]", (char *)0);
  if (!stralloc_copys(&predate, auto_home) || !stralloc_cats(&predate, "/bin/predate") ||
      !stralloc_0(&predate) ||
      !stralloc_copys(&sendmail, auto_home) || !stralloc_cats(&sendmail, "/bin/sendmail") ||
      !stralloc_0(&sendmail))
    diag_die(111, "out of memory", (char *)0);
  args = malloc(((size_t)argc + 2) * sizeof *args);
  if (!args) diag_die(111, "out of memory", (char *)0);
  args[0] = predate.s;
  args[1] = sendmail.s;
  for (i = 1; i < argc; i++) args[i + 1] = argv[i];
  args[argc + 1] = 0;
  execv(predate.s, args);
  diag_die_sys(111, "unable to run ", predate.s, (char *)0);
}
