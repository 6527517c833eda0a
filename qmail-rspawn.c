/* qmail-rspawn: runs remote deliveries for qmail-send.

   Usage: qmail-rspawn (normally started by qmail-start). Speaks the
   spawner protocol of spawn.h on fds 0 and 1. At start-up it zeroes the
   qmail-remote timeout table queue/lock/tcpto if that file exists. For
   each request (up to SPAWN_RECIPIENTS_MAX recipients of one domain) a
   child, in the home directory, runs
     $QMAILREMOTE (or qmail-remote) host sender recipient...
   through execvp (so $PATH is searched; a name with a slash is relative to
   the home directory), host being what follows the last '@' of the first
   recipient, with the message on fd 0. qmail-remote's r/h/s/K/Z/D reports
   become one K/Z/D result per recipient (spawn_remote_report). If the
   program cannot be run at all, the delivery is deferred (Z), never
   bounced: a missing or broken qmail-remote is an installation problem.

   Runs as qmailr. Trusts: qmail-send's requests only after validation,
   message files only when owned by qmailq, nothing in qmail-remote's
   output beyond its framing.

   Exit codes: 0 after fd 0 reached end of file and every delivery was
   reported; 111 cannot start, or cannot talk to qmail-send. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "account.h"
#include "auto.h"
#include "diag.h"
#include "env.h"
#include "spawn.h"
#include "str.h"
#include "tcpto.h"

/* forgets every remembered connection timeout, as a restart should */
static void clear_tcpto(void)
{
  if (tcpto_clear(TCPTO_FILE) == -1 && errno != ENOENT)
    diag_warn_sys("unable to clear " TCPTO_FILE, (char *)0);
}

/* the delivery child: never returns */
static void deliver(int fdmess, int fdout, const char *sender,
                    const char *recipients, unsigned int nrcpt)
{
  const char *prog = env_get("QMAILREMOTE");
  size_t len = str_len(recipients);
  size_t at = byte_rchr(recipients, len, '@');
  char **args;
  unsigned int k;

  if (spawn_child_fds(fdmess, fdout) == -1) _exit(111);
  if (!prog || !*prog) prog = "qmail-remote";
  /* nrcpt is at most SPAWN_RECIPIENTS_MAX: no overflow */
  args = malloc((nrcpt + 4) * sizeof *args);
  if (!args) diag_die(111, "out of memory", (char *)0);
  args[0] = (char *)"qmail-remote";
  args[1] = (char *)(at < len ? recipients + at + 1 : "");
  args[2] = (char *)sender;
  for (k = 0; k < nrcpt; ++k) {
    args[3 + k] = (char *)recipients;
    recipients += str_len(recipients) + 1;
  }
  args[3 + nrcpt] = 0;
  execvp(prog, args);
  diag_die_sys(111, "unable to run ", prog, (char *)0);
}

static const struct spawn_ops ops = {
  SPAWN_REMOTE_KEEP,
  SPAWN_REMOTE_KEEP_RCPT,
  SPAWN_RECIPIENTS_MAX,
  deliver,
  spawn_remote_report
};

int main(void)
{
  const char *what = "";
  uid_t uid_qmailq;
  unsigned int slots;
  int r;

  diag_prog = "qmail-rspawn";
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  r = account_user(auto_user_qmailq, &uid_qmailq, 0);
  if (r != 1) {
    if (r == 0) diag_die(111, "unable to find account ", auto_user_qmailq, (char *)0);
    diag_die_sys(111, "unable to look up account ", auto_user_qmailq, (char *)0);
  }
  clear_tcpto();

  slots = auto_spawn > SPAWN_SLOTS_MAX ? SPAWN_SLOTS_MAX : auto_spawn;
  if (!slots) slots = 1;
  if (spawn_run(&ops, slots, uid_qmailq, &what) == -1)
    diag_die_sys(111, "unable to ", what, (char *)0);
  return 0;
}
