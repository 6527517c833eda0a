/* condredirect: sends the message elsewhere when a program says so, for
   .qmail lines such as "|condredirect boss@example.net grep -q Urgent".

     condredirect address program [argument ...]

   Runs the program (from the argument vector, searched in $PATH, never
   through a shell) with the message on its fd 0. When it exits 0, the
   message is queued for address, as forward(1) does: $DTLINE followed by
   the message from the offset fd 0 had at the start (it must therefore be
   seekable, as qmail-local's is), envelope sender $SENDER; then exit 99,
   which tells qmail-local to skip the rest of the .qmail file.

   Runs as: whoever runs it, normally a recipient's account under
   qmail-local.
   Trusts: nothing in the message or the environment.
   Output: "condredirect: forwarded qp N" on fd 2 when forwarded, else a
   sentence for the delivery report (the program's own output comes
   first).
   Exit codes: 99 forwarded; 0 the program exited with anything but 0 or
   111 (deliver as usual); 111 the program exited 111 or was killed, or a
   temporary failure (fd 0 not seekable, queue program); 100 usage,
   SENDER or DTLINE missing, a program that cannot be run for a permanent
   reason, or a permanent refusal by the queue program. */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>
#include "command.h"
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
    diag_die_report(100, "condredirect found no ", name, " in its environment:"
                    " it is meant to run from a .qmail file, where qmail-local"
                    " sets it. (#5.3.0)", (char *)0);
  return v;
}

static void forward(const char *address, const char *sender, const char *dtline,
                    off_t start) __attribute__((noreturn));
static void forward(const char *address, const char *sender, const char *dtline,
                    off_t start)
{
  const char *result;
  char num[FMT_ULONG];

  if (lseek(0, start, SEEK_SET) == -1)
    diag_die_report(111, "condredirect was unable to rewind the message: ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  if (queue_open_stderr(&qq, 2) == -1)
    diag_die_report(111, "condredirect was unable to start the queue program: ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  queue_puts(&qq, dtline);
  if (queue_put_fd(&qq, 0) == -1) {
    int e = errno;
    queue_fail(&qq);
    diag_die_report(111, "condredirect was unable to read the message: ",
                    error_str(e), ". (#4.3.0)", (char *)0);
  }
  queue_from(&qq, sender);
  queue_to(&qq, address);
  result = queue_close(&qq);
  if (*result)
    diag_die_report(*result == 'D' ? 100 : 111,
                    "condredirect was unable to queue the message: ", result + 1,
                    (char *)0);
  num[fmt_ulong(num, queue_qp(&qq))] = 0;
  diag_die_report(99, "condredirect: forwarded qp ", num, (char *)0);
}

int main(int argc, char **argv)
{
  const char *sender, *dtline;
  char num[FMT_ULONG];
  off_t start;
  int wstat;

  diag_prog = "condredirect";
  (void)argc;
  if (!argv[1] || !argv[2])
    diag_die(100, "usage: condredirect address program [argument ...]", (char *)0);
  sender = need("SENDER");
  dtline = need("DTLINE");
  /* before the program runs and reads it: the message must be readable
     again afterwards */
  start = lseek(0, 0, SEEK_CUR);
  if (start == -1)
    diag_die_report(111, "condredirect needs the message on a seekable"
                    " descriptor: ", error_str(errno), ". (#4.3.0)", (char *)0);

  if (command_run(argv + 2, &wstat) == -1) {
    int e = errno;
    diag_die_report(error_temporary(e) ? 111 : 100, "condredirect was unable to run ",
                    argv[2], ": ", error_str(e),
                    error_temporary(e) ? ". (#4.3.0)" : ". (#5.3.0)", (char *)0);
  }
  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die_report(111, "condredirect: ", argv[2], " was killed by signal ", num,
                    ". (#4.3.0)", (char *)0);
  }
  if (!WIFEXITED(wstat))
    diag_die_report(111, "condredirect: ", argv[2], " crashed. (#4.3.0)", (char *)0);
  switch (WEXITSTATUS(wstat)) {
    case 0: forward(argv[1], sender, dtline, start);
    case 111:
      diag_die_report(111, "condredirect: ", argv[2],
                      " failed temporarily. (#4.3.0)", (char *)0);
    default: return 0;
  }
}
