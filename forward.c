/* forward: sends the message of fd 0 on to other addresses, for .qmail
   lines such as "|forward $LOCAL@example.net" or a program that decides
   where mail goes.

     forward address ...

   The message queued is $DTLINE followed by fd 0 from its current offset
   to its end, copied in fixed-size pieces (never held in memory); the
   envelope sender is $NEWSENDER (set by qmail-local: the original sender,
   or the owner address of a mailing list) and the recipients are the
   arguments, as they are. It goes through qmail-queue, or $QMAILQUEUE
   when that is set (queue_client.h); the queue program's fd 2 is ours.

   Runs as: whoever runs it, normally a recipient's account under
   qmail-local.
   Trusts: nothing in the message or the environment: both are copied as
   bytes; qmail-queue checks the envelope.
   Output: "forward: qp N" on fd 2 (N is qmail-queue's pid, which names
   the message in qmail-send's log) when queued, else a sentence for the
   delivery report.
   Exit codes: 0 queued; 100 usage, NEWSENDER or DTLINE missing, or a
   permanent refusal by the queue program; 111 temporary (the queue
   program failed or could not be run, the message could not be read). */
#include <errno.h>
#include <unistd.h>
#include "diag.h"
#include "env.h"
#include "error.h"
#include "queue_client.h"
#include "str.h"

static struct queue_client qq;

static const char *need(const char *name)
{
  const char *v = env_get(name);

  if (!v)
    diag_die_report(100, "forward found no ", name, " in its environment:"
                    " it is meant to run from a .qmail file, where qmail-local"
                    " sets it. (#5.3.0)", (char *)0);
  return v;
}

int main(int argc, char **argv)
{
  const char *sender, *dtline, *result;
  char num[FMT_ULONG];
  int i;

  diag_prog = "forward";
  (void)argc;
  if (!argv[1]) diag_die(100, "usage: forward address ...", (char *)0);
  sender = need("NEWSENDER");
  dtline = need("DTLINE");

  if (queue_open_stderr(&qq, 2) == -1)
    diag_die_report(111, "forward was unable to start the queue program: ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  queue_puts(&qq, dtline);
  if (queue_put_fd(&qq, 0) == -1) {
    int e = errno;
    queue_fail(&qq);
    diag_die_report(111, "forward was unable to read the message: ",
                    error_str(e), ". (#4.3.0)", (char *)0);
  }
  queue_from(&qq, sender);
  for (i = 1; argv[i]; ++i) queue_to(&qq, argv[i]);
  result = queue_close(&qq);
  if (*result)
    diag_die_report(*result == 'D' ? 100 : 111,
                    "forward was unable to queue the message: ", result + 1,
                    (char *)0);
  num[fmt_ulong(num, queue_qp(&qq))] = 0;
  diag_die_report(0, "forward: qp ", num, (char *)0);
}
