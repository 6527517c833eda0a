/* qmail-tcpok: forgets every connect timeout qmail-remote remembers.

   Usage: qmail-tcpok. In the home directory, clears queue/lock/tcpto (the
   format is in qmail-tcpto(8)) under its lock, so that the next
   deliveries try every address again; for after a network outage.
   qmail-rspawn does the same at start-up.

   Runs as root or qmailr (the owner of the file). Trusts: nothing.

   Exit codes: 0 cleared, 111 the file is missing or cannot be written. */
#include <errno.h>
#include <unistd.h>
#include "auto.h"
#include "diag.h"
#include "tcpto.h"

int main(void)
{
  diag_prog = "qmail-tcpok";
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (tcpto_clear(TCPTO_FILE) == -1) {
    if (errno == EACCES || errno == EPERM)
      diag_die(111, "unable to clear ", auto_home, "/" TCPTO_FILE
               ": permission denied (qmail-tcpok must run as root or as qmailr)", (char *)0);
    diag_die_sys(111, "unable to clear ", auto_home, "/" TCPTO_FILE, (char *)0);
  }
  return 0;
}
