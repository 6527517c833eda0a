/* qmail-smtpd: receives mail over SMTP, one connection per process, and
   hands each message to qmail-queue.

     tcpserver ... qmail-smtpd

   The connection is on descriptors 0 (read) and 1 (write); the working
   directory is the home (control/ and users/ below it). The ESMTP
   extensions SIZE, PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES and SMTPUTF8
   are offered, and every reply but the greeting and HELO/EHLO carries an
   enhanced status code. A recipient is accepted only when its domain is in
   control/rcpthosts or control/morercpthosts.cdb and, once rewritten as
   qmail-send will (percent hack, virtual domains), the result is local or
   still in those lists, unless $RELAYCLIENT is set; a recipient in a local
   or virtual domain that users/rcpt.cdb (qmail-newrcpt) does not know is
   refused with 550 5.1.1. The data must use CR LF line ends; a bare CR or
   LF refuses the message and ends the session, so no client can smuggle a
   second message behind a fake end of data. "250 ok" is said only after
   qmail-queue exited 0.

   Runs as: qmaild (tcpserver -u), never root.
   Trusts: its control files and environment (from tcpserver and its rules
   cdb: RELAYCLIENT, DATABYTES, TCPREMOTEIP...). Nothing the client sends.
   Exit codes: 0 after QUIT or when the client went away; 1 when the
   session ended on an error it reported (a 421 or a 451). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "cdb.h"
#include "control.h"
#include "date.h"
#include "env.h"
#include "error.h"
#include "queue_client.h"
#include "rcptcheck.h"
#include "rcpthosts.h"
#include "rewrite.h"
#include "sig.h"
#include "smtpaddr.h"
#include "smtpdata.h"
#include "smtpio.h"
#include "str.h"
#include "stralloc.h"

#define COMMAND_MAX 1000            /* a command line with its CR LF (RFC 5321 4.5.3.1.4) */
#define PATH_LIMIT 256           /* a path with its angle brackets (RFC 5321 4.5.3.1.3) */
#define HOPS_MAX 100             /* Received and Delivered lines before "looping" */
#define SPACE_RESERVE (1 << 20)  /* free bytes the queue keeps beyond a message's SIZE */

static struct {
  struct rewrite_control rw;
  stralloc greeting, localiphost, rcpthosts, badmailfrom, badrcptto;
  unsigned long databytes, timeout, session, maxrcpt, maxerrors;
  int mrhfd, rcptfd;
  struct cdb mrh, rcptdb;
  const char *relayclient;
  const char *remoteip, *remotehost, *remoteinfo, *local, *localip;
} cfg;

static struct {
  stralloc helo;
  int ehlo;
  int mail;                 /* MAIL was accepted */
  int badfrom;
  int utf8;                 /* MAIL had SMTPUTF8 */
  stralloc from;            /* NUL-terminated */
  stralloc rcpts;           /* NUL-terminated each */
  unsigned long nrcpt;
  unsigned long errors;     /* refused commands and recipients */
} s;

static stralloc line, addr, rewritten;

/* ------------------------------------------------------------- replies */

static void die_io(void) __attribute__((noreturn));
static void die_io(void)
{
  _exit(0); /* the client is gone or stalled: nothing to say to it */
}

static void out(const char *t)
{
  if (smtpio_puts(t) == -1) die_io();
}

static void out2(const char *a, const char *b)
{
  out(a);
  out(b);
}

/* ---------------------------------------------------------------- log */

/* One line on descriptor 2 (tcpserver's log) per decision worth knowing:
   "qmail-smtpd: pid P: WHAT", written with one write so lines from
   concurrent sessions never mix. Client data in it is cut to 200 bytes,
   and bytes outside printable ASCII become '?'. */
static stralloc logline;

static void log_cat_safe(const char *t, size_t n)
{
  size_t i;
  if (n > 200) n = 200;
  for (i = 0; i < n; i++) {
    char c = t[i];
    if ((unsigned char)c < 32 || (unsigned char)c > 126) c = '?';
    if (!stralloc_append(&logline, c)) return;
  }
}

static void log_start(void)
{
  char num[FMT_ULONG];
  logline.len = 0;
  num[fmt_ulong(num, (unsigned long)getpid())] = 0;
  if (!stralloc_copys(&logline, "qmail-smtpd: pid ") || !stralloc_cats(&logline, num) ||
      !stralloc_cats(&logline, ": ")) logline.len = 0;
}

static void log_end(void)
{
  ssize_t w;
  if (!stralloc_append(&logline, '\n')) return;
  w = write(2, logline.s, logline.len);
  (void)w;
}

/* "REPLY (for ADDR)" : the reply without its CR LF, and an address */
static void log_reply(const char *reply, const char *what, const char *a, size_t n)
{
  size_t len = str_len(reply);
  log_start();
  if (len >= 2 && reply[len - 2] == '\r') len -= 2;
  log_cat_safe(reply, len);
  if (what) {
    if (!stralloc_cats(&logline, " (")) return;
    if (!stralloc_cats(&logline, what)) return;
    if (!stralloc_cats(&logline, " <")) return;
    log_cat_safe(a, n);
    if (!stralloc_cats(&logline, ">)")) return;
  }
  log_end();
}

/* says the last words and ends the session */
static void quit_with(const char *reply) __attribute__((noreturn));
static void quit_with(const char *reply)
{
  log_reply(reply, 0, 0, 0);
  out(reply);
  smtpio_flush();
  /* a client still sending would get a reset instead of our last line if
     its data arrived after we closed: stop writing, then read what comes
     for a moment */
  shutdown(1, SHUT_WR);
  smtpio_init(0, 1, 2, 5);
  {
    size_t n, total = 0;
    while (total < 1048576 && smtpio_peek(&n)) {
      smtpio_skip(n);
      total += n;
    }
  }
  _exit(1);
}

static void die_control(void) { quit_with("421 4.3.0 unable to read controls, closing connection\r\n"); }
static void die_nomem(void) { quit_with("421 4.3.0 out of memory, closing connection\r\n"); }
static void die_timeout(void) { quit_with("451 4.4.2 timeout, closing connection\r\n"); }

/* a refused command or recipient: too many end the session */
static const char *log_what;  /* "MAIL" or "RCPT" while one is handled */

/* a refusal that does not count as the client's error */
static void refuse(const char *reply)
{
  if (log_what) log_reply(reply, log_what, addr.s, addr.len);
  else log_reply(reply, 0, 0, 0);
  out(reply);
}

static void error_counted(const char *reply)
{
  if (log_what) log_reply(reply, log_what, addr.s, addr.len);
  else log_reply(reply, 0, 0, 0);
  out(reply);
  if (cfg.maxerrors && ++s.errors >= cfg.maxerrors)
    quit_with("421 4.7.0 too many errors, closing connection\r\n");
}

/* --------------------------------------------------------------- setup */

static unsigned long env_ulong(const char *name, unsigned long def)
{
  const char *v = env_get(name);
  unsigned long u = 0;
  size_t i;

  if (!v || !*v) return def;
  for (i = 0; v[i] >= '0' && v[i] <= '9'; i++) {
    if (u > (~0UL - 9) / 10) return ~0UL;
    u = u * 10 + (unsigned long)(v[i] - '0');
  }
  return i ? u : def;
}

static const char *env_or(const char *name, const char *def)
{
  const char *v = env_get(name);
  return v && *v ? v : def;
}

static int open_cdb(const char *fn, struct cdb *c)
{
  int fd = open(fn, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT) return -1;
    die_control();
  }
  if (cdb_init(c, fd) == -1) die_control();
  return fd;
}

static void setup(void)
{
  const char *which;

  if (rewrite_control_read(&cfg.rw, &which) == -1) die_control();
  if (!cfg.rw.me.len) die_control();
  if (control_rldef(&cfg.greeting, "control/smtpgreeting", &cfg.rw.me, 0) == -1) die_control();
  if (control_readline(&cfg.localiphost, "control/localiphost") == -1) die_control();
  if (control_readlist(&cfg.rcpthosts, "control/rcpthosts") == -1) die_control();
  if (control_readlist(&cfg.badmailfrom, "control/badmailfrom") == -1) die_control();
  if (control_readlist(&cfg.badrcptto, "control/badrcptto") == -1) die_control();
  cfg.databytes = 0;
  if (control_readint(&cfg.databytes, "control/databytes") == -1) die_control();
  cfg.databytes = env_ulong("DATABYTES", cfg.databytes);
  cfg.timeout = 1200;
  if (control_readint(&cfg.timeout, "control/timeoutsmtpd") == -1) die_control();
  cfg.session = 3600;
  if (control_readint(&cfg.session, "control/timeoutsmtpdsession") == -1) die_control();
  cfg.maxrcpt = 100;
  if (control_readint(&cfg.maxrcpt, "control/maxrecipients") == -1) die_control();
  cfg.maxerrors = 20;
  if (control_readint(&cfg.maxerrors, "control/maxsmtperrors") == -1) die_control();
  cfg.mrhfd = open_cdb("control/morercpthosts.cdb", &cfg.mrh);
  cfg.rcptfd = open_cdb("users/rcpt.cdb", &cfg.rcptdb);
  if (!stralloc_0(&cfg.greeting)) die_nomem();
  cfg.relayclient = env_get("RELAYCLIENT");
  /* an IPv6 tcpserver may name them TCP6*: those first when PROTO says so */
  if (str_equal(env_or("PROTO", ""), "TCP6")) {
    cfg.remoteip = env_or("TCP6REMOTEIP", env_or("TCPREMOTEIP", "unknown"));
    cfg.remotehost = env_or("TCP6REMOTEHOST", env_or("TCPREMOTEHOST", "unknown"));
    cfg.remoteinfo = env_get("TCP6REMOTEINFO") ? env_get("TCP6REMOTEINFO") : env_get("TCPREMOTEINFO");
    cfg.localip = env_or("TCP6LOCALIP", env_or("TCPLOCALIP", 0));
    cfg.local = env_or("TCP6LOCALHOST", env_or("TCPLOCALHOST", cfg.localip ? cfg.localip : "unknown"));
  } else {
    cfg.remoteip = env_or("TCPREMOTEIP", "unknown");
    cfg.remotehost = env_or("TCPREMOTEHOST", "unknown");
    cfg.remoteinfo = env_get("TCPREMOTEINFO");
    cfg.localip = env_or("TCPLOCALIP", 0);
    cfg.local = env_or("TCPLOCALHOST", cfg.localip ? cfg.localip : "unknown");
  }
}

/* ------------------------------------------------------------ session */

static void transaction_reset(void)
{
  s.mail = 0;
  s.badfrom = 0;
  s.utf8 = 0;
  s.from.len = 0;
  s.rcpts.len = 0;
  s.nrcpt = 0;
}

static void greet(void)
{
  out2("220 ", cfg.greeting.s);
  out(" ESMTP\r\n");
}

static void set_helo(const char *arg, size_t len)
{
  if (!stralloc_copyb(&s.helo, arg, len) || !stralloc_0(&s.helo)) die_nomem();
  s.helo.len--;
}

/* HELO and EHLO need a name (RFC 5321 4.1.1.1) */
static int helo_missing(size_t len)
{
  if (len) return 0;
  error_counted("501 5.5.4 syntax: HELO hostname (or EHLO hostname)\r\n");
  return 1;
}

static void smtp_helo(const char *arg, size_t len)
{
  if (helo_missing(len)) return;
  set_helo(arg, len);
  s.ehlo = 0;
  transaction_reset();
  out2("250 ", cfg.greeting.s);
  out("\r\n");
}

static void smtp_ehlo(const char *arg, size_t len)
{
  char num[FMT_ULONG];

  if (helo_missing(len)) return;
  set_helo(arg, len);
  s.ehlo = 1;
  transaction_reset();
  out2("250-", cfg.greeting.s);
  out("\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n");
  if (cfg.databytes) {
    num[fmt_ulong(num, cfg.databytes)] = 0;
    out2("250 SIZE ", num);
    out("\r\n");
  } else
    out("250 SIZE\r\n");
}

/* the argument after "FROM:" or "TO:" (case-insensitive): 1 and addr set,
   0 after a reply */
static int parse_path(const char *arg, size_t len, const char *word, size_t *params,
                      const char *enhanced_bad)
{
  size_t wl = str_len(word);
  int r;

  if (len < wl || !smtpaddr_is(arg, wl, word)) {
    error_counted("501 5.5.4 syntax error (expected ");
    out2(word, ")\r\n");
    return 0;
  }
  r = smtpaddr_parse(arg, len, &addr, params);
  if (r == -1) die_nomem();
  if (r == 0) {
    error_counted("501 5.5.4 syntax error in the address\r\n");
    return 0;
  }
  if (addr.len + 2 > PATH_LIMIT) {
    out2("501 ", enhanced_bad);
    error_counted(" address too long\r\n");
    return 0;
  }
  if (!smtpaddr_canon(&addr)) {
    out2("501 ", enhanced_bad);
    error_counted(" the domain of the address is empty\r\n");
    return 0;
  }
  return 1;
}

static int has_8bit(const char *t, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if ((unsigned char)t[i] >= 0x80) return 1;
  return 0;
}

/* free bytes in the queue's file system, or (unsigned long long)-1 */
static unsigned long long queue_space(void)
{
  struct statvfs v;
  if (statvfs("queue", &v) == -1) return (unsigned long long)-1;
  return (unsigned long long)v.f_bavail * (unsigned long long)v.f_frsize;
}

static void smtp_mail(const char *arg, size_t len)
{
  size_t params, pos;
  const char *key, *val;
  size_t keylen, vallen;
  int hasval;
  unsigned long long size = 0;

  if (s.mail) { error_counted("503 5.5.1 nested MAIL command\r\n"); return; }
  if (!parse_path(arg, len, "FROM:", &params, "5.1.7")) return;
  transaction_reset();
  pos = params;
  while (smtpaddr_param(arg, len, &pos, &key, &keylen, &val, &vallen, &hasval)) {
    if (smtpaddr_is(key, keylen, "SIZE") && hasval) {
      size_t i;
      /* up to 20 digits (RFC 1870); a value past 64 bits stays at the top;
         given twice, the last one counts */
      size = 0;
      for (i = 0; i < vallen && val[i] >= '0' && val[i] <= '9'; i++)
        size = size > (~0ULL - 9) / 10 ? ~0ULL : size * 10 + (unsigned long long)(val[i] - '0');
      if (i != vallen || !vallen || vallen > 20) { error_counted("501 5.5.4 bad SIZE parameter\r\n"); return; }
    } else if (smtpaddr_is(key, keylen, "BODY") && hasval &&
               (smtpaddr_is(val, vallen, "8BITMIME") || smtpaddr_is(val, vallen, "7BIT"))) {
      /* both are passed through unchanged */
    } else if (smtpaddr_is(key, keylen, "SMTPUTF8") && !hasval && s.ehlo) {
      s.utf8 = 1;
    } else if (smtpaddr_is(key, keylen, "AUTH") && hasval) {
      /* RFC 4954 allows it without AUTH; it is ignored */
    } else {
      error_counted("555 5.5.4 unsupported MAIL parameter\r\n");
      return;
    }
  }
  if (size && cfg.databytes && size > cfg.databytes) {
    error_counted("552 5.3.4 sorry, that message size exceeds my databytes limit\r\n");
    return;
  }
  if (size) {
    unsigned long long space = queue_space();
    if (space != (unsigned long long)-1 &&
        (size > space || space - size < SPACE_RESERVE)) {
      refuse("452 4.3.1 insufficient system storage, try again later\r\n");
      return;
    }
  }
  if (has_8bit(addr.s, addr.len) && !s.utf8) {
    error_counted("553 5.6.7 a non-ASCII address needs the SMTPUTF8 parameter\r\n");
    return;
  }
  s.badfrom = smtpaddr_listed(cfg.badmailfrom.s, cfg.badmailfrom.len, addr.s, addr.len);
  if (!stralloc_copy(&s.from, &addr) || !stralloc_0(&s.from)) die_nomem();
  s.mail = 1;
  out("250 2.1.0 ok\r\n");
}

/* the [ip] literal of the address the client connected to, replaced by
   control/localiphost, as qmail does */
static void local_literal(void)
{
  size_t at = byte_rchr(addr.s, addr.len, '@');
  const char *ip = cfg.localip;
  stralloc lit = STRALLOC_ZERO;
  int match;

  if (!cfg.localiphost.len || !ip || at == addr.len) return;
  if (!stralloc_copys(&lit, "[") || !stralloc_cats(&lit, ip) || !stralloc_cats(&lit, "]")) die_nomem();
  match = addr.len - at - 1 == lit.len && case_equalb(addr.s + at + 1, lit.len, lit.s);
  if (!match) {
    if (!stralloc_copys(&lit, "[ipv6:") || !stralloc_cats(&lit, ip) || !stralloc_cats(&lit, "]")) die_nomem();
    match = addr.len - at - 1 == lit.len && case_equalb(addr.s + at + 1, lit.len, lit.s);
  }
  stralloc_free(&lit);
  if (match) {
    addr.len = at + 1;
    if (!stralloc_cat(&addr, &cfg.localiphost)) die_nomem();
  }
}

/* rcpthosts for an address: 1 accepted, 0 not */
static int in_rcpthosts(const char *a, size_t n)
{
  int r = rcpthosts_match(cfg.rcpthosts.s, cfg.rcpthosts.len,
                          cfg.mrhfd == -1 ? (struct cdb *)0 : &cfg.mrh, a, n);
  if (r == -1) die_control();
  return r;
}

static void smtp_rcpt(const char *arg, size_t len)
{
  size_t params, pos;
  const char *key, *val;
  size_t keylen, vallen;
  int hasval, channel;

  if (!s.mail) { error_counted("503 5.5.1 MAIL first\r\n"); return; }
  if (!parse_path(arg, len, "TO:", &params, "5.1.3")) return;
  pos = params;
  if (smtpaddr_param(arg, len, &pos, &key, &keylen, &val, &vallen, &hasval)) {
    error_counted("555 5.5.4 unsupported RCPT parameter\r\n");
    return;
  }
  if (!addr.len) { error_counted("553 5.1.3 a recipient address cannot be empty\r\n"); return; }
  if (s.nrcpt >= cfg.maxrcpt) { refuse("452 4.5.3 too many recipients\r\n"); return; }
  if (has_8bit(addr.s, addr.len) && !s.utf8) {
    error_counted("553 5.6.7 a non-ASCII address needs the SMTPUTF8 parameter\r\n");
    return;
  }
  if (s.badfrom) {
    error_counted("553 5.7.1 sorry, your envelope sender is in my badmailfrom list\r\n");
    return;
  }
  local_literal();
  if (smtpaddr_listed(cfg.badrcptto.s, cfg.badrcptto.len, addr.s, addr.len)) {
    error_counted("553 5.7.1 sorry, that address is in my badrcptto list\r\n");
    return;
  }
  if (cfg.relayclient) {
    if (!stralloc_cats(&addr, cfg.relayclient)) die_nomem();
  } else {
    /* the domain must be ours, and so must what qmail-send will make of
       the address: a percent hack or virtual domain that leads elsewhere
       is relaying too */
    if (!in_rcpthosts(addr.s, addr.len)) {
      error_counted("553 5.7.1 sorry, that domain isn't in my list of allowed rcpthosts\r\n");
      return;
    }
  }
  channel = rewrite_recipient(&cfg.rw.cfg, addr.s, addr.len, &rewritten);
  if (channel == -1) die_nomem();
  if (!cfg.relayclient && channel == CHANNEL_REMOTE &&
      !in_rcpthosts(rewritten.s, rewritten.len)) {
    error_counted("553 5.7.1 sorry, that domain isn't in my list of allowed rcpthosts\r\n");
    return;
  }
  if (channel == CHANNEL_LOCAL && cfg.rcptfd != -1) {
    size_t at = byte_rchr(rewritten.s, rewritten.len, '@');
    /* postmaster is always taken (RFC 5321 4.5.1) */
    int known = (at == 10 && case_equalb(rewritten.s, 10, "postmaster")) ? 1 :
                rcptcheck_lookup(&cfg.rcptdb, rewritten.s, at);
    if (known == -1) { refuse("451 4.3.0 unable to read the recipient database\r\n"); return; }
    if (!known) {
      /* a database older than its sources may not know a new address yet:
         the client tries again later rather than bouncing the mail */
      int stale = rcptcheck_stale(&cfg.rcptdb);
      if (stale == -1) { refuse("451 4.3.0 unable to check the recipient database\r\n"); return; }
      if (stale) {
        error_counted("450 4.1.1 unknown address, and my recipient database is out of date; try again later\r\n");
        return;
      }
      error_counted("550 5.1.1 sorry, no mailbox here by that name\r\n");
      return;
    }
  }
  if (!stralloc_cat(&s.rcpts, &addr) || !stralloc_0(&s.rcpts)) die_nomem();
  s.nrcpt++;
  out("250 2.1.5 ok\r\n");
}

/* ---------------------------------------------------------------- DATA */

struct sink {
  struct queue_client *q;
  int toobig;
};

/* once the message is over databytes it is only read to its end: the
   queue never sees the rest */
static int sink_put(void *ctx, const char *t, size_t n)
{
  struct sink *k = ctx;
  if (!k->toobig) queue_put(k->q, t, n);
  return 0;
}

/* "a-zA-Z0-9.@%+/=:-[]" kept, anything else '?', as qmail writes it; at
   most 255 bytes of each, so the line stays within RFC 5322's 998 */
static void safe_cat(stralloc *sa, const char *t)
{
  size_t n = 0;
  for (; *t && n < 255; t++, n++) {
    char c = *t;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '@' || c == '%' || c == '+' || c == '/' || c == '=' ||
          c == ':' || c == '-' || c == '[' || c == ']'))
      c = '?';
    if (!stralloc_append(sa, c)) die_nomem();
  }
}

static void received_line(stralloc *r)
{
  r->len = 0;
  if (!stralloc_cats(r, "Received: from ")) die_nomem();
  safe_cat(r, cfg.remotehost);
  if (s.helo.len && !(s.helo.len == str_len(cfg.remotehost) &&
                      case_equalb(s.helo.s, s.helo.len, cfg.remotehost))) {
    if (!stralloc_cats(r, " (HELO ")) die_nomem();
    safe_cat(r, s.helo.s);
    if (!stralloc_cats(r, ")")) die_nomem();
  }
  if (!stralloc_cats(r, " (")) die_nomem();
  if (cfg.remoteinfo) {
    safe_cat(r, cfg.remoteinfo);
    if (!stralloc_cats(r, "@")) die_nomem();
  }
  safe_cat(r, cfg.remoteip);
  if (!stralloc_cats(r, ")\n  by ")) die_nomem();
  safe_cat(r, cfg.local);
  if (!stralloc_cats(r, s.utf8 ? (s.ehlo ? " with UTF8ESMTP; " : " with UTF8SMTP; ")
                               : (s.ehlo ? " with ESMTP; " : " with SMTP; "))) die_nomem();
  if (!date_cat822(r, time((time_t *)0)) || !stralloc_cats(r, "\n")) die_nomem();
}

/* "(#x.y.z)" in qmail-queue's text, or def */
static void enhanced_of(const char *text, const char *def, char code[8])
{
  const char *p;
  size_t i;

  for (p = text; *p; p++) {
    if (p[0] != '(' || p[1] != '#') continue;
    for (i = 0; i < 7 && p[2 + i] && p[2 + i] != ')'; i++) code[i] = p[2 + i];
    if (p[2 + i] == ')' && i >= 5) { code[i] = 0; return; }
  }
  for (i = 0; def[i]; i++) code[i] = def[i];
  code[i] = 0;
}

static void smtp_data(const char *arg, size_t len)
{
  static struct queue_client q;
  static stralloc rline;
  struct smtpdata d;
  struct sink k;
  const char *result;
  char num[FMT_ULONG], code[8];
  int r;

  (void)arg;
  if (len) { error_counted("501 5.5.4 DATA takes no argument\r\n"); return; }
  if (!s.mail) { error_counted("503 5.5.1 MAIL first\r\n"); return; }
  if (!s.nrcpt) { error_counted("503 5.5.1 RCPT first\r\n"); return; }
  if (queue_open(&q) == -1) {
    refuse("451 4.3.0 unable to start qmail-queue, try again later\r\n");
    return;
  }
  out("354 go ahead, end with <CR><LF>.<CR><LF>\r\n");
  received_line(&rline);
  queue_put(&q, rline.s, rline.len);
  k.q = &q;
  k.toobig = 0;
  smtpdata_start(&d);
  for (;;) {
    size_t n, used;
    const char *in = smtpio_peek(&n);
    if (!in) {
      int e = errno;
      queue_fail(&q);
      if (e == ETIMEDOUT) die_timeout();
      log_reply("the client went away during DATA; nothing was queued", 0, 0, 0);
      die_io();
    }
    r = smtpdata_feed(&d, in, n, &used, sink_put, &k);
    smtpio_skip(used);
    if (cfg.databytes && d.bytes > cfg.databytes) k.toobig = 1;
    if (r == SMTPDATA_END) break;
    if (r == SMTPDATA_BARE) {
      queue_fail(&q);
      quit_with("554 5.6.0 bare CR or LF in the message (RFC 5321 2.3.8); refused, closing connection\r\n");
    }
  }
  if (d.hops >= HOPS_MAX) {
    queue_fail(&q);
    transaction_reset();
    refuse("554 5.4.6 too many hops, this message is looping\r\n");
    return;
  }
  if (k.toobig) {
    queue_fail(&q);
    transaction_reset();
    refuse("552 5.3.4 sorry, that message size exceeds my databytes limit\r\n");
    return;
  }
  queue_from(&q, s.from.s);
  {
    size_t pos = 0;
    while (pos < s.rcpts.len) {
      queue_to(&q, s.rcpts.s + pos);
      pos += str_len(s.rcpts.s + pos) + 1;
    }
  }
  result = queue_close(&q);
  if (!*result) {
    log_start();
    if (stralloc_cats(&logline, "accepted message qp ")) {
      char n2[FMT_ULONG];
      n2[fmt_ulong(n2, queue_qp(&q))] = 0;
      stralloc_cats(&logline, n2);
      stralloc_cats(&logline, " bytes ");
      n2[fmt_ulong(n2, (unsigned long)d.bytes)] = 0;
      stralloc_cats(&logline, n2);
      stralloc_cats(&logline, " from <");
      log_cat_safe(s.from.s, s.from.len - 1);
      stralloc_cats(&logline, "> recipients ");
      n2[fmt_ulong(n2, s.nrcpt)] = 0;
      stralloc_cats(&logline, n2);
      log_end();
    }
    transaction_reset();
    out("250 2.0.0 ok ");
    num[fmt_ulong(num, (unsigned long)time((time_t *)0))] = 0;
    out2(num, " qp ");
    num[fmt_ulong(num, queue_qp(&q))] = 0;
    out2(num, "\r\n");
    return;
  }
  transaction_reset();
  log_start();
  if (stralloc_cats(&logline, "qmail-queue refused the message: ")) {
    log_cat_safe(result + 1, str_len(result + 1));
    log_end();
  }
  if (*result == 'D') {
    enhanced_of(result + 1, "5.3.0", code);
    out2("554 ", code);
  } else {
    enhanced_of(result + 1, "4.3.0", code);
    out2("451 ", code);
  }
  out2(" ", result + 1);
  out("\r\n");
}

/* ---------------------------------------------------------- main loop */

static void dispatch(const char *t, size_t n)
{
  size_t v = 0, a;

  while (v < n && t[v] != ' ') v++;
  a = v;
  while (a < n && t[a] == ' ') a++;
#define IS(w) smtpaddr_is(t, v, w)
  addr.len = 0;
  if (IS("HELO")) smtp_helo(t + a, n - a);
  else if (IS("EHLO")) smtp_ehlo(t + a, n - a);
  else if (IS("MAIL")) { log_what = "MAIL"; smtp_mail(t + a, n - a); log_what = 0; }
  else if (IS("RCPT")) { log_what = "RCPT"; smtp_rcpt(t + a, n - a); log_what = 0; }
  else if (IS("DATA")) smtp_data(t + a, n - a);
  else if (IS("RSET")) { transaction_reset(); out("250 2.0.0 flushed\r\n"); }
  else if (IS("NOOP")) out("250 2.0.0 ok\r\n");
  else if (IS("VRFY")) out("252 2.5.2 cannot VRFY a user, but will take the message and try\r\n");
  else if (IS("HELP")) out("214 2.0.0 see RFC 5321\r\n");
  else if (IS("QUIT")) {
    out2("221 2.0.0 ", cfg.greeting.s);
    out("\r\n");
    smtpio_flush();
    _exit(0);
  } else error_counted("502 5.5.1 unimplemented\r\n");
#undef IS
}

int main(void)
{
  sig_ignore(SIGPIPE);
  {
    /* replies are written whole, just before a read: Nagle's algorithm
       would hold one back until the client's delayed ACK. Not a socket
       (sendmail -bs, tests): nothing to do. */
    int one = 1;
    (void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  smtpio_init(0, 1, 1200, 0);
  setup();
  smtpio_init(0, 1, (unsigned int)(cfg.timeout > 86400 ? 86400 : cfg.timeout),
              (unsigned int)(cfg.session > 604800 ? 604800 : cfg.session));
  greet();
  for (;;) {
    int toolong, r;
    r = smtpio_getline(&line, COMMAND_MAX, &toolong);
    /* 2, a last command without LF, is still answered */
    if (r == 0) die_io();
    if (r == -1) {
      if (errno == ETIMEDOUT) die_timeout();
      if (errno == ENOMEM) die_nomem();
      die_io();
    }
    if (line.len && line.s[line.len - 1] == '\r') line.len--;
    if (toolong || line.len > COMMAND_MAX - 2) {
      error_counted("500 5.5.2 line too long\r\n");
      continue;
    }
    if (byte_chr(line.s, line.len, 0) != line.len) {
      error_counted("500 5.5.2 NUL in command\r\n");
      continue;
    }
    dispatch(line.s, line.len);
  }
}
