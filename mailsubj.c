/* mailsubj: sends its input as the body of a message with a subject.

     mailsubj subject recipient ...

   Writes "Subject: subject", "To: recipient, ...", an empty line and fd 0
   into HOME/bin/qmail-inject, which takes the recipients from that To:
   field, adds the rest of the header and queues the message.

   Runs as: whoever runs it.
   Trusts: nothing; a subject or recipient with a line break is refused
   (it would add header fields).
   Exit codes: qmail-inject's (0 queued, 100 permanent, 111 temporary);
   100 usage; 111 qmail-inject could not be run or was killed, or reading
   or writing failed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "command.h"
#include "diag.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
  diag_die(111, "out of memory", (char *)0);
}

static int has_newline(const char *s)
{
  size_t n = str_len(s);
  return byte_chr(s, n, '\n') < n || byte_chr(s, n, '\r') < n;
}

int main(int argc, char **argv)
{
  stralloc head = STRALLOC_ZERO, path = STRALLOC_ZERO;
  char *inject[2];
  int i, wstat;
  const char *what;
  char num[FMT_ULONG];

  diag_prog = "mailsubj";
  if (argc < 3) diag_die(100, "usage: mailsubj subject recipient ...", (char *)0);
  for (i = 1; i < argc; i++)
    if (has_newline(argv[i]))
      diag_die(100, i == 1 ? "the subject" : "a recipient", " contains a line break", (char *)0);
  if (!stralloc_copys(&head, "Subject: ") || !stralloc_cats(&head, argv[1]) ||
      !stralloc_cats(&head, "\nTo: ")) nomem();
  for (i = 2; i < argc; i++)
    if ((i > 2 && !stralloc_cats(&head, ", ")) || !stralloc_cats(&head, argv[i])) nomem();
  if (!stralloc_cats(&head, "\n\n")) nomem();
  if (!stralloc_copys(&path, auto_home) || !stralloc_cats(&path, "/bin/qmail-inject") ||
      !stralloc_0(&path)) nomem();
  inject[0] = path.s;
  inject[1] = 0;

  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  sig_ignore(SIGPIPE);
  if (command_feed(inject, head.s, head.len, &wstat, &what) == -1) {
    if (str_equal(what, "read")) diag_die_sys(111, "unable to read the message", (char *)0);
    diag_die_sys(111, "unable to ", what, " ", path.s, (char *)0);
  }
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  num[fmt_ulong(num, WIFSIGNALED(wstat) ? (unsigned long)WTERMSIG(wstat) : 0UL)] = 0;
  diag_die(111, "qmail-inject was killed by signal ", num, (char *)0);
}
