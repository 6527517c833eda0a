/* qmail-qread: lists the messages in the queue.

   Usage: qmail-qread (arguments are ignored: sendmail -bp and mailq run
   it). For each message, in the order of their IDs, prints
     D Mon YYYY HH:MM:SS GMT  #ID  SIZE  <SENDER> [ bouncing]
   and a line per recipient; the format and the states a message is shown
   in are in qmail-qread(8) and queue_list.h.

   Runs as: root or qmails (info/, local/, remote/ and bounce/ are
   readable by qmails only); anyone else gets a fatal error naming the
   directory it may not read. Trusts: nothing in the queue files beyond
   their framing; bytes outside printable ASCII are shown as "_".

   Exit codes: 0 listed; 111 the queue could not be read (the listing may
   then be partial) or the output could not be written. */
#include <errno.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "queue_list.h"
#include "stralloc.h"

static char outspace[4096];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);

static void die_read(const char *fn)
{
  if (errno == EACCES || errno == EPERM)
    diag_die(111, "unable to read queue/", fn,
             ": permission denied (qmail-qread must run as root or as the qmails account)",
             (char *)0);
  if (errno == ENOMEM) diag_die(111, "out of memory", (char *)0);
  diag_die_sys(111, "unable to read queue/", fn, (char *)0);
}

int main(void)
{
  struct queue_ids ids = QUEUE_IDS_ZERO;
  stralloc fn = STRALLOC_ZERO, text = STRALLOC_ZERO;
  size_t i;
  int status = 0;

  diag_prog = "qmail-qread";
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (chdir("queue") == -1) {
    if (errno == EACCES)
      diag_die(111, "unable to switch to ", auto_home, "/queue: permission denied "
               "(qmail-qread must run as root or as the qmails account)", (char *)0);
    diag_die_sys(111, "unable to switch to ", auto_home, "/queue", (char *)0);
  }
  if (queue_list_ids(&ids, auto_split, &fn) == -1) die_read(fn.s);
  for (i = 0; i < ids.len; ++i) {
    text.len = 0;
    switch (queue_list_message(&text, ids.id[i], auto_split, &fn)) {
    case 1:
      if (buf_put(&out, text.s, text.len) == -1) diag_die_sys(111, "unable to write output", (char *)0);
      break;
    case 0:
      break;   /* gone meanwhile */
    default:
      if (errno == EACCES || errno == EPERM || errno == ENOMEM) die_read(fn.s);
      diag_warn_sys("unable to read queue/", fn.s, (char *)0);
      status = 111;
    }
  }
  if (buf_flush(&out) == -1) diag_die_sys(111, "unable to write output", (char *)0);
  return status;
}
