/* sendmail: the sendmail(8) command line of cron, mutt, PHP, git
   send-email and the rest, on top of qmail-inject.

     sendmail [-t] [-i] [-f sender] [-F name] [option ...] [--] [recipient ...]
     sendmail -bs | -bp | -bi | -q    (also as mailq and newaliases)

   Delivery mode (the default, -bm): the message on fd 0 goes through
   sendmail_input (CR LF to LF, a leading "From " line dropped, the "."
   line rule unless -i) into HOME/bin/qmail-inject, started in HOME with
   -a and the recipients, or with -t -H (with recipients) or -h (without);
   -f becomes its -f ("" and "<>" the null sender) and QMAILUSER/QMAILHOST,
   -F becomes MAILNAME. qmail-inject's exit code is translated into
   sysexits.h codes, because callers (mutt, cron) know those.
   -bs runs HOME/bin/qmail-smtpd on fd 0 and 1 as a local relay client,
   -bp HOME/bin/qmail-qread, -q asks qmail-send's supervise to send it
   ALRM. See sendmail(8) for every option.

   Runs as: whoever runs it (cron runs it as the crontab's owner).
   Trusts: nothing but the home compiled in; its arguments and input are
   the caller's.
   Exit codes (sysexits.h): 0 queued (or done); 64 usage; 65 qmail-inject
   refused the message or an address (its exit 100); 69 a program is not
   installed; 70 qmail-inject crashed; 71 system error (pipe, fork, memory);
   74 reading the message failed; 75 temporary failure (qmail-inject's exit
   111); 77 not allowed to flush the queue. Never 100 or 111. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "command.h"
#include "diag.h"
#include "env.h"
#include "error.h"
#include "fd.h"
#include "sendmail_args.h"
#include "sendmail_input.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_OSERR 71
#define EX_IOERR 74
#define EX_TEMPFAIL 75
#define EX_NOPERM 77

#define USAGE "usage: sendmail [-t] [-i] [-f sender] [-F name] [option ...] [--] [recipient ...]"

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
  diag_die(EX_OSERR, "out of memory", (char *)0);
}

static int has_newline(const char *s)
{
  size_t n = str_len(s);
  return byte_chr(s, n, '\n') < n || byte_chr(s, n, '\r') < n;
}

static int has_control(const char *s)
{
  for (; *s; ++s)
    if ((unsigned char)*s < 32 || *s == 127) return 1;
  return 0;
}

static void home(void)
{
  if (chdir(auto_home) == -1)
    diag_die_sys(EX_UNAVAILABLE, "unable to switch to ", auto_home, (char *)0);
}

/* exec HOME/bin/NAME with argv; only returns by dying */
static void run(const char *name, char **argv) __attribute__((noreturn));
static void run(const char *name, char **argv)
{
  stralloc path = STRALLOC_ZERO;

  if (!stralloc_copys(&path, auto_home) || !stralloc_cats(&path, "/bin/") ||
      !stralloc_cats(&path, name) || !stralloc_0(&path)) nomem();
  argv[0] = path.s;
  execv(path.s, argv);
  diag_die_sys(errno == ENOENT ? EX_UNAVAILABLE : EX_OSERR, "unable to run ", path.s,
               (char *)0);
}

/* -bs: qmail-smtpd as if a client on 127.0.0.1 had connected, allowed to
   relay as local clients are; the variables only when no tcpserver (or
   tcp-env) set them already */
static void smtp(void) __attribute__((noreturn));
static void smtp(void)
{
  char *argv[2] = { 0, 0 };

  home();
  if (!env_get("PROTO")) {
    if (!env_put("PROTO", "TCP") || !env_put("RELAYCLIENT", "") ||
        !env_put("DATABYTES", "0") ||
        !env_put("TCPLOCALIP", "127.0.0.1") || !env_put("TCPLOCALHOST", "localhost") ||
        !env_put("TCPREMOTEIP", "127.0.0.1") || !env_put("TCPREMOTEHOST", "localhost") ||
        !env_put("TCPREMOTEINFO", "sendmail-bs")) nomem();
  }
  run("qmail-smtpd", argv);
}

/* -bp, mailq */
static void list(void) __attribute__((noreturn));
static void list(void)
{
  char *argv[2] = { 0, 0 };

  home();
  if (access("bin/qmail-qread", X_OK) == -1 && errno == ENOENT)
    diag_die(EX_UNAVAILABLE, "unable to list the queue: ", auto_home,
             "/bin/qmail-qread is not installed", (char *)0);
  run("qmail-qread", argv);
}

/* -q: supervise's control pipe takes "a" for ALRM (svc -a); qmail-send
   then retries every deferred delivery. Without a supervised qmail-send
   there is nothing to wake. */
static int flush(void)
{
  int fd;

  home();
  fd = open_write("service/qmail-send/supervise/control");
  if (fd == -1) {
    if (errno == ENOENT || errno == ENXIO) return 0;
    if (errno == EACCES || errno == EPERM)
      diag_die(EX_NOPERM, "unable to flush the queue: only the account that runs"
               " supervise for qmail-send may (", auto_home,
               "/service/qmail-send/supervise/control)", (char *)0);
    diag_die_sys(EX_OSERR, "unable to open ", auto_home,
                 "/service/qmail-send/supervise/control", (char *)0);
  }
  if (buf_unixwrite(fd, "a", 1) != 1)
    diag_die_sys(EX_OSERR, "unable to write to ", auto_home,
                 "/service/qmail-send/supervise/control", (char *)0);
  close(fd);
  return 0;
}

/* QMAILUSER and QMAILHOST from the -f address, so that a From: made by
   qmail-inject names the same address; a personal name of the invoking
   user does not belong to it */
static void sender_env(const char *sender)
{
  size_t n = str_len(sender), at = byte_rchr(sender, n, '@');
  stralloc user = STRALLOC_ZERO;

  if (!*sender) return;
  if (!stralloc_copyb(&user, sender, at) || !stralloc_0(&user)) nomem();
  if (!env_put("QMAILUSER", user.s)) nomem();
  if (at < n) {
    if (!env_put("QMAILHOST", sender + at + 1)) nomem();
  } else if (!env_unset("QMAILHOST")) nomem();
  if (!env_unset("MAILHOST") || !env_unset("QMAILNAME") || !env_unset("MAILNAME") ||
      !env_unset("NAME")) nomem();
  stralloc_free(&user);
}

static int translate(int wstat)
{
  char num[FMT_ULONG];

  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die(EX_SOFTWARE, "qmail-inject was killed by signal ", num,
             "; the message was not queued", (char *)0);
  }
  if (!WIFEXITED(wstat)) diag_die(EX_SOFTWARE, "qmail-inject crashed", (char *)0);
  switch (WEXITSTATUS(wstat)) {
    case 0: return 0;
    case 100:
      diag_die(EX_DATAERR, "qmail-inject refused the message (exit 100, see its"
               " message above); it was not queued", (char *)0);
    case 111:
      diag_die(EX_TEMPFAIL, "qmail-inject failed temporarily (exit 111, see its"
               " message above); the message was not queued, try again later", (char *)0);
    default:
      num[fmt_ulong(num, (unsigned long)WEXITSTATUS(wstat))] = 0;
      diag_die(EX_SOFTWARE, "qmail-inject exited ", num,
               "; the message was probably not queued", (char *)0);
  }
}

/* a read or write error: qmail-inject must not queue part of a message,
   so it dies before it could see the end of its input */
static void abandon(pid_t pid, int code, const char *what) __attribute__((noreturn));
static void abandon(pid_t pid, int code, const char *what)
{
  int e = errno, wstat;

  kill(pid, SIGKILL);
  command_wait(pid, &wstat);
  errno = e;
  diag_die_sys(code, what, "; the message was not queued", (char *)0);
}

static int deliver(struct sendmail_args *a)
{
  static char space[65536];
  stralloc path = STRALLOC_ZERO, out = STRALLOC_ZERO;
  struct sendmail_input in;
  char **argv, *sender = 0;
  size_t n, i;
  int p[2], wstat, ended = 0;
  pid_t pid;

  for (n = 0; a->recipients[n]; n++)
    if (has_newline(a->recipients[n]))
      diag_die(EX_USAGE, "a recipient contains a line break", (char *)0);
  if (!n && !a->headers)
    diag_die(EX_USAGE, "no recipients: name them as arguments, or give -t to take"
             " them from the message's To:, Cc: and Bcc: fields", (char *)0);
  if (a->sender) {
    sender = sendmail_args_sender((char *)a->sender);
    if (!sender) diag_die(EX_USAGE, "the sender (-f) contains a line break", (char *)0);
    /* else qmail-inject would blame QMAILUSER, which sender_env makes of it */
    if (has_control(sender))
      diag_die(EX_USAGE, "the sender (-f) contains a control character", (char *)0);
    sender_env(sender);
  }
  if (a->fullname) {
    if (has_newline(a->fullname)) diag_die(EX_USAGE, "the name (-F) contains a line break", (char *)0);
    if (!env_unset("QMAILNAME") || !env_put("MAILNAME", a->fullname)) nomem();
  }

  /* qmail-inject -a|-h|-H [-f sender] -- recipient... */
  if (n > ((size_t)-1) / sizeof *argv - 6) nomem();
  argv = malloc((n + 6) * sizeof *argv);
  if (!argv) nomem();
  if (!stralloc_copys(&path, auto_home) || !stralloc_cats(&path, "/bin/qmail-inject") ||
      !stralloc_0(&path)) nomem();
  i = 0;
  argv[i++] = path.s;
  argv[i++] = a->headers ? (n ? "-H" : "-h") : "-a";
  if (sender) {
    argv[i++] = "-f";
    argv[i++] = *sender ? sender : "<>";
  }
  argv[i++] = "--";
  for (n = 0; a->recipients[n]; n++) argv[i++] = a->recipients[n];
  argv[i] = 0;

  home();
  sig_ignore(SIGPIPE);
  if (pipe2(p, O_CLOEXEC) == -1) diag_die_sys(EX_OSERR, "unable to make a pipe", (char *)0);
  if (command_start(&pid, argv, p[0]) == -1)
    diag_die_sys(errno == ENOENT ? EX_UNAVAILABLE : EX_OSERR, "unable to run ", path.s,
                 (char *)0);
  close(p[0]);

  sendmail_input_init(&in, a->ignoredots);
  while (!ended) {
    ssize_t r = buf_unixread(0, space, sizeof space);
    size_t used;
    int e;

    if (r == -1) abandon(pid, EX_IOERR, "unable to read the message");
    out.len = 0;
    if (r == 0) {
      if (sendmail_input_end(&in, &out) == -1) abandon(pid, EX_OSERR, "out of memory");
      ended = 1;
    } else {
      e = sendmail_input_feed(&in, space, (size_t)r, &out, &used);
      if (e == -1) abandon(pid, EX_OSERR, "out of memory");
      if (e == 1) ended = 1;
    }
    if (out.len && buf_unixwrite(p[1], out.s, out.len) == -1) {
      if (errno == EPIPE) break;  /* qmail-inject gave up: its exit code says why */
      abandon(pid, EX_IOERR, "unable to write to qmail-inject");
    }
  }
  close(p[1]);
  if (command_wait(pid, &wstat) == -1)
    diag_die_sys(EX_OSERR, "unable to wait for qmail-inject", (char *)0);
  return translate(wstat);
}

int main(int argc, char **argv)
{
  struct sendmail_args a;

  (void)argc;
  diag_prog = "sendmail";
  if (!sendmail_args_parse(&a, argv))
    diag_die(EX_USAGE, "-", a.letter, ": ", a.error, "; " USAGE, (char *)0);
  switch (a.mode) {
    case SENDMAIL_ALIASES: return 0;   /* no aliases database: alias/.qmail-* */
    case SENDMAIL_NOTHING: return 0;
    case SENDMAIL_FLUSH: return flush();
    case SENDMAIL_LIST: list();
    case SENDMAIL_SMTP: smtp();
    case SENDMAIL_DELIVER: break;
  }
  return deliver(&a);
}
