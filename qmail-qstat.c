/* qmail-qstat: counts the messages in the queue.

   Usage: qmail-qstat. Prints
     messages in queue: N
     messages in queue but not yet preprocessed: M
   N counts the message files in queue/mess, M the entries of queue/todo
   (messages not yet preprocessed, or on their first delivery attempt
   with their recipients held in qmail-send's memory).

   Runs as: root, qmailq or a member of the qmail group (queue/, mess/
   and todo/ are mode 0750, group qmail); anyone else gets a fatal error
   naming the directory it may not read. Trusts: nothing; only names are
   counted.

   Exit codes: 0 printed; 111 the queue could not be read or the output
   not written. */
#include <errno.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "queue_list.h"
#include "str.h"
#include "stralloc.h"

static char outspace[256];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);

static void put(const char *s)
{
  if (buf_puts(&out, s) == -1) diag_die_sys(111, "unable to write output", (char *)0);
}

static void putnum(unsigned long u)
{
  char s[FMT_ULONG];
  s[fmt_ulong(s, u)] = 0;
  put(s);
}

#define HINT ": permission denied (qmail-qstat must run as root, as qmailq or in the qmail group)"

int main(void)
{
  stralloc fn = STRALLOC_ZERO;
  unsigned long mess, todo;

  diag_prog = "qmail-qstat";
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (chdir("queue") == -1) {
    if (errno == EACCES) diag_die(111, "unable to switch to ", auto_home, "/queue" HINT, (char *)0);
    diag_die_sys(111, "unable to switch to ", auto_home, "/queue", (char *)0);
  }
  if (queue_count(&mess, &todo, auto_split, &fn) == -1) {
    if (errno == EACCES || errno == EPERM) diag_die(111, "unable to read queue/", fn.s, HINT, (char *)0);
    diag_die_sys(111, "unable to read queue/", fn.s, (char *)0);
  }
  put("messages in queue: ");
  putnum(mess);
  put("\nmessages in queue but not yet preprocessed: ");
  putnum(todo);
  put("\n");
  if (buf_flush(&out) == -1) diag_die_sys(111, "unable to write output", (char *)0);
  return 0;
}
