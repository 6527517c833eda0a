/* qmail-inject: prepares a message of fd 0 for delivery and queues it.

     qmail-inject [-aAhHnN] [-f sender] [--] [address ...]

   Reads the header, completes and rewrites it (inject.h: Date,
   Message-ID, From added when missing; Bcc, Resent-Bcc, Return-Path,
   Content-Length removed; addresses given the default host and domain),
   chooses the envelope (-f, $QMAILINJECT, the arguments and the header)
   and queues the message through qmail-queue ($QMAILQUEUE when set), or
   with -n writes "Return-Path: <sender>" and the message on fd 1. CR LF
   becomes LF throughout; the body is copied as it comes, never held.
   $QMAILMFTFILE is read in the caller's directory, then it changes to the
   home and reads control/me, defaulthost, defaultdomain, plusdomain and
   idhost.

   Runs as: whoever runs it (sendmail, MUAs, cron, scripts).
   Trusts: nothing in the message, the arguments or the environment: the
   header is parsed as untrusted bytes, a personal name from the
   environment is quoted, and qmail-queue checks the envelope again.
   Limits: the header (the part held in memory) may be 64 MB
   (HEADER_MAX); a longer one is refused. No limit on a line or the body.
   Exit codes: 0 queued (or written, -n); 100 usage, a header too long, an
   unparsable sender field, -f address or argument, no recipients, or a
   permanent refusal by the queue program; 111 temporary: out of memory, a
   read or write error, control files unreadable, the queue program
   failing or not starting. */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "control.h"
#include "date.h"
#include "diag.h"
#include "env.h"
#include "error.h"
#include "header.h"
#include "inject.h"
#include "msgid.h"
#include "queue_client.h"
#include "quote.h"
#include "str.h"
#include "stralloc.h"

/* the header is held in memory (the fields added come before it, and the
   recipients must all be known before anything is queued) */
#define HEADER_MAX (64UL * 1024 * 1024)
#define CHUNK 65536

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
  diag_die(100, "usage: qmail-inject [-aAhHnN] [-f sender] [--] [address ...]", (char *)0);
}

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
  diag_die(111, "out of memory", (char *)0);
}

static const char *first_env(const char *a, const char *b, const char *c, const char *d)
{
  const char *v;

  if (a && (v = env_get(a))) return v;
  if (b && (v = env_get(b))) return v;
  if (c && (v = env_get(c))) return v;
  if (d && (v = env_get(d))) return v;
  return 0;
}

/* a control's value (NUL-terminated) into sa: $envname, else the file,
   else me */
static const char *setting(stralloc *sa, const char *envname, const char *fn, const stralloc *me)
{
  const char *v = env_get(envname);

  if (v) {
    if (!stralloc_copys(sa, v) || !stralloc_0(sa)) nomem();
    return sa->s;
  }
  if (control_rldef(sa, fn, me, "") == -1)
    diag_die_sys(111, "unable to read ", fn, (char *)0);
  if (!stralloc_0(sa)) nomem();
  return sa->s;
}

static ssize_t safe_read(int fd, char *s, size_t n)
{
  ssize_t r;
  do r = read(fd, s, n); while (r == -1 && errno == EINTR);
  return r;
}

static struct queue_client qq;
static int flagqueue = 1;
static char outspace[CHUNK];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);

static void put(const char *s, size_t n)
{
  if (flagqueue) queue_put(&qq, s, n);
  else if (buf_put(&out, s, n) == -1)
    diag_die_sys(111, "unable to write the message", (char *)0);
}

static void die_read(void) __attribute__((noreturn));
static void die_read(void)
{
  int e = errno;
  if (flagqueue) queue_fail(&qq);
  errno = e;
  diag_die_sys(111, "unable to read the message", (char *)0);
}

int main(int argc, char **argv)
{
  static struct inject_config c;
  static struct inject x;
  static struct header h;
  static stralloc me, defaulthost, defaultdomain, plusdomain, idhost, mft;
  static stralloc date, msgid, verp, newheader, sender, rcpt, line;
  static char in[CHUNK], filtered[CHUNK + 1];
  const char *mftfile;
  size_t headerbytes = 0, n = 0, pos = 0, i;
  int cr = 0, eof = 0, r = HEADER_MORE, ai;
  struct timespec now;

  diag_prog = "qmail-inject";
  c.mode = INJECT_EITHER;

  /* getopt "aAhHnNf:": grouped letters, the value of f in the same word
     or the next, "--" ends the options, so does the first non-option */
  for (ai = 1; ai < argc; ++ai) {
    const char *a = argv[ai];
    if (a[0] != '-' || !a[1]) break;
    if (str_equal(a, "--")) { ++ai; break; }
    for (++a; *a; ++a) {
      int valued = 0;
      switch (*a) {
      case 'a': c.mode = INJECT_ARGS; break;
      case 'A': c.mode = INJECT_EITHER; break;
      case 'h': c.mode = INJECT_HEADER; break;
      case 'H': c.mode = INJECT_BOTH; break;
      case 'n': flagqueue = 0; break;
      case 'N': flagqueue = 1; break;
      case 'f':
        if (a[1]) c.sender = a + 1;
        else if (ai + 1 < argc) c.sender = argv[++ai];
        else usage();
        valued = 1; /* the rest of the word was the value */
        break;
      default:
        usage();
      }
      if (valued) break;
    }
  }
  c.args = argv + ai;
  c.nargs = (size_t)(argc - ai);

  c.user = first_env("QMAILUSER", "MAILUSER", "USER", "LOGNAME");
  if (!c.user) c.user = "anonymous";
  c.host = first_env("QMAILHOST", "MAILHOST", 0, 0);
  c.name = first_env("QMAILNAME", "MAILNAME", "NAME", 0);
  c.suser = env_get("QMAILSUSER");
  c.shost = env_get("QMAILSHOST");
  c.letters = env_get("QMAILINJECT");

  /* the list file is named relative to the caller's directory */
  mftfile = env_get("QMAILMFTFILE");
  if (mftfile && *mftfile) {
    if (control_readlist(&mft, mftfile) == -1)
      diag_die_sys(111, "unable to read ", mftfile, (char *)0);
    c.mft = mft.s;
    c.mftlen = mft.len;
  }

  if (chdir(auto_home) == -1)
    diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (control_readline(&me, "control/me") == -1)
    diag_die_sys(111, "unable to read control/me", (char *)0);
  c.hosts.defaulthost = setting(&defaulthost, "QMAILDEFAULTHOST", "control/defaulthost", &me);
  c.hosts.defaultdomain = setting(&defaultdomain, "QMAILDEFAULTDOMAIN", "control/defaultdomain", &me);
  c.hosts.plusdomain = setting(&plusdomain, "QMAILPLUSDOMAIN", "control/plusdomain", &me);
  setting(&idhost, "QMAILIDHOST", "control/idhost", &me);
  {
    const char *v[4];
    int k;
    v[0] = c.hosts.defaulthost; v[1] = c.hosts.defaultdomain;
    v[2] = c.hosts.plusdomain; v[3] = idhost.s;
    for (k = 0; k < 4; ++k)
      for (i = 0; v[k][i]; ++i)
        if ((unsigned char)v[k][i] <= 32 || v[k][i] == 127)
          diag_die(111, "a space or control character in a host name of the controls"
                   " or of QMAILDEFAULTHOST, QMAILDEFAULTDOMAIN, QMAILPLUSDOMAIN, QMAILIDHOST",
                   (char *)0);
  }
  if (!*c.hosts.defaulthost)
    diag_die(111, "unable to find a default host: control/me and control/defaulthost are missing",
             (char *)0);

  if (clock_gettime(CLOCK_REALTIME, &now) == -1)
    diag_die_sys(111, "unable to read the clock", (char *)0);
  if (!date_cat822(&date, now.tv_sec) || !stralloc_0(&date)) nomem();
  if (!msgid_cat(&msgid, *idhost.s ? idhost.s : c.hosts.defaulthost))
    diag_die_sys(111, "unable to make a Message-ID", (char *)0);
  if (!stralloc_0(&msgid)) nomem();
  if (!stralloc_catulong(&verp, (unsigned long)now.tv_sec) || !stralloc_append(&verp, '.') ||
      !stralloc_catulong(&verp, (unsigned long)getpid()) || !stralloc_0(&verp))
    nomem();
  c.date = date.s;
  c.msgid = msgid.s;
  c.verp = verp.s;

  /* the header */
  inject_init(&x, &c);
  header_init(&h);
  for (;;) {
    size_t used;
    if (pos == n && !eof) {
      ssize_t got = safe_read(0, in, sizeof in);
      if (got == -1) die_read();
      n = inject_crlf(filtered, in, (size_t)got, &cr);
      if (got == 0) eof = 1;
      pos = 0;
    }
    if (pos < n) {
      r = header_feed(&h, filtered + pos, n - pos, &used);
      pos += used;
      headerbytes += used;
      if (headerbytes > HEADER_MAX)
        diag_die(100, "the header is longer than 64 MB: not queued", (char *)0);
    } else if (eof)
      r = header_finish(&h);
    else
      continue;
    if (r == HEADER_ERROR) nomem();
    if (r == HEADER_FIELD) {
      int k = inject_field(&x, h.field.s, h.field.len, h.namelen, h.value, h.mbox);
      if (k == -1) nomem();
      if (k == 0) diag_die(100, x.error.s, (char *)0);
    }
    if (r == HEADER_END) break;
  }
  r = inject_finish(&x, &newheader, &sender, &rcpt);
  if (r == -1) nomem();
  if (r == 0) diag_die(100, x.error.s, (char *)0);
  if (!stralloc_0(&sender)) nomem();
  --sender.len;

  if (flagqueue) {
    if (queue_open_stderr(&qq, 2) == -1)
      diag_die_sys(111, "unable to run the queue program", (char *)0);
  } else {
    line.len = 0;
    if (!stralloc_cats(&line, "Return-Path: <") ||
        !quote_cataddr(&line, sender.s, sender.len) || !stralloc_cats(&line, ">\n"))
      nomem();
    put(line.s, line.len);
  }
  put(newheader.s, newheader.len);
  put("\n", 1);
  if (h.end == HEADER_END_INVALID) put(h.field.s, h.field.len);
  /* the body */
  for (;;) {
    if (pos < n) put(filtered + pos, n - pos);
    pos = n = 0;
    if (eof) break;
    {
      ssize_t got = safe_read(0, in, sizeof in);
      if (got == -1) die_read();
      n = inject_crlf(filtered, in, (size_t)got, &cr);
      if (got == 0) eof = 1;
    }
  }

  if (!flagqueue) {
    if (buf_flush(&out) == -1) diag_die_sys(111, "unable to write the message", (char *)0);
    return 0;
  }
  queue_from(&qq, sender.s);
  for (i = 0; i < rcpt.len; i += str_len(rcpt.s + i) + 1) queue_to(&qq, rcpt.s + i);
  {
    const char *result = queue_close(&qq);
    if (*result) diag_die(*result == 'D' ? 100 : 111, "unable to queue the message: ", result + 1, (char *)0);
  }
  return 0;
}
