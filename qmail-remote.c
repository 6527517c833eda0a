/* qmail-remote: delivers one message to one remote host by SMTP.

   Usage: qmail-remote host sender recipient [recipient ...], the message
   on fd 0 (a seekable file). Started by qmail-rspawn in the home
   directory; changes to it itself and reads control/me, helohost,
   smtproutes, timeoutconnect, timeoutremote and outgoingip. The route is
   smtproutes' relay for host, else the MX hosts of host (mx.h), port 25
   or $QMAILREMOTEPORT. Addresses are tried in order, skipping those the
   timeout table queue/lock/tcpto (tcpto.h) says are dead, until one greets
   with 2xx. The dialogue: EHLO (HELO when EHLO gets 5xx), MAIL with SIZE,
   BODY=8BITMIME and SMTPUTF8 as offered and needed, RCPT for each
   recipient, DATA, the body (smtpbody.h), QUIT. With PIPELINING, MAIL,
   every RCPT and DATA go in one write.

   Output on fd 1: one report per recipient (r accepted, h refused for
   good, s refused for now), in argument order, possibly fewer after an
   early failure, then one report for the message (K the server took it
   for every r recipient, Z try again later, D give up). Each report is a
   letter, a text of LF-ended lines without NUL, and a NUL. Server replies
   appear after "Remote host said: " with every control and 8-bit byte
   made '?' (smtpreply.h).

   Runs as qmailr. Trusts: nothing from DNS or the remote server, the
   message only as bytes.

   Exit code: always 0; the reports carry the result (111 only when fd 1
   cannot be written, which qmail-rspawn reports as a deferral). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "control.h"
#include "env.h"
#include "error.h"
#include "map.h"
#include "mx.h"
#include "quote.h"
#include "sig.h"
#include "smtpbody.h"
#include "smtpio.h"
#include "smtpreply.h"
#include "spawn.h"
#include "str.h"
#include "stralloc.h"
#include "tcpto.h"

#define MESSAGE_CHUNK 65536

static char outspace[4096];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);

static stralloc me = STRALLOC_ZERO;
static stralloc helohost = STRALLOC_ZERO;
static stralloc routes = STRALLOC_ZERO;
static struct map routemap = MAP_ZERO;
static stralloc outgoing = STRALLOC_ZERO;
static unsigned long timeoutconnect = 60;
static const char *bind_failed;      /* the outgoingip entry bind refused */
static unsigned long timeoutremote = 1200;

static const char *host;
static const char *sender;
static char **recips;
static int nrecips;

static unsigned long long msgsize;   /* normalised size, for SIZE */
static int eightbit;
static int needutf8;

static char ipstr[INET6_ADDRSTRLEN];  /* the peer, for texts */
static char portstr[16];              /* " port N" when N is not 25, else "" */
static struct smtpreply reply = SMTPREPLY_ZERO;
static stralloc line = STRALLOC_ZERO;
static stralloc text = STRALLOC_ZERO;
static stralloc cmd = STRALLOC_ZERO;

/* ------------------------------------------------------------- reports */

static void out_fail(void)
{
  _exit(111);
}

static void put(const char *s, size_t n)
{
  if (buf_put(&out, s, n) == -1) out_fail();
}

/* Bytes of a report, letter and NUL included. qmail-rspawn keeps
   SPAWN_REMOTE_KEEP bytes of output and SPAWN_REMOTE_KEEP_RCPT more per
   further recipient: with a recipient report of at most the latter each
   and the message report within the difference, the whole output fits,
   and the message report (whose K is what makes an accepted recipient
   done) is never cut off by long refusals. */
#define REPORT_RCPT_MAX SPAWN_REMOTE_KEEP_RCPT
#define REPORT_MESSAGE_MAX (SPAWN_REMOTE_KEEP - SPAWN_REMOTE_KEEP_RCPT)

static const char cutnote[] = "\n(the rest of this report was dropped)\n";

/* a report: the letter, then text with any NUL made '?' (texts we build
   never hold one; this is the last guard of the framing), then NUL; a
   text longer than max allows is cut, with a note */
static void report_max(char letter, const stralloc *t, size_t max)
{
  size_t i, n = t->len, note = 0;

  if (n + 2 > max) { note = sizeof cutnote - 1; n = max - 2 - note; }
  put(&letter, 1);
  for (i = 0; i < n; i++) put(t->s[i] ? t->s + i : "?", 1);
  if (note) put(cutnote, note);
  put("", 1);
}

static void report(char letter, const stralloc *t)
{
  report_max(letter, t, REPORT_RCPT_MAX);
}

/* the message report; the end of the program */
static void finish(char letter, const stralloc *t) __attribute__((noreturn));
static void finish(char letter, const stralloc *t)
{
  report_max(letter, t, REPORT_MESSAGE_MAX);
  if (buf_flush(&out) == -1) out_fail();
  _exit(0);
}

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
  static stralloc t = STRALLOC_ZERO;
  t.s = (char *)"Out of memory. (#4.3.0)\n";
  t.len = str_len(t.s);
  finish('Z', &t);
}

/* text = the pieces (up to a NULL) */
static void settext(const char *s, ...) __attribute__((sentinel));
static void settext(const char *s, ...)
{
  va_list ap;

  text.len = 0;
  va_start(ap, s);
  for (; s; s = va_arg(ap, const char *))
    if (!stralloc_cats(&text, s)) nomem();
  va_end(ap);
}

static void cats(const char *s)
{
  if (!stralloc_cats(&text, s)) nomem();
}

/* a fixed message report */
static void quit_local(char letter, const char *s) __attribute__((noreturn));
static void quit_local(char letter, const char *s)
{
  settext(s, "\n", (char *)0);
  finish(letter, &text);
}

/* "Remote host said: " and the reply as kept */
static void cat_said(void)
{
  cats("Remote host said: ");
  if (!stralloc_cat(&text, &reply.text)) nomem();
  if (reply.cut) cats("\n(the rest of the reply was dropped)");
  cats("\n");
}

/* ------------------------------------------------------------- the wire */

static int connected;
static int sent_dot;   /* the final dot went out: from now on a lost
                          reply may mean the message was delivered */

static void quit(void)
{
  if (!connected) return;
  smtpio_puts("QUIT\r\n");
  smtpio_flush();
  connected = 0;
}

/* the session ends with a message report: QUIT first where it still makes
   sense */
static void fail_session(char letter) __attribute__((noreturn));
static void fail_session(char letter)
{
  quit();
  finish(letter, &text);
}

/* a lost connection, a timeout or a protocol error while reading the
   reply to `step` */
static void lost(const char *step, int protocol) __attribute__((noreturn));
static void lost(const char *step, int protocol)
{
  int timedout = errno == ETIMEDOUT;

  settext("Connected to ", ipstr, " but ", (char *)0);
  if (protocol) cats("its reply to ");
  else cats(timedout ? "it timed out waiting for the reply to " : "the connection died during ");
  cats(step);
  cats(protocol ? " broke the SMTP reply syntax." : ".");
  if (sent_dot)
    cats(" The message may have been delivered all the same: sending it again"
         " may make a duplicate (possible duplicate).");
  cats(protocol ? " (#4.5.0)\n" : " (#4.4.2)\n");
  if (protocol) cat_said();
  /* after a protocol error the stream is out of step: no QUIT */
  if (!protocol) quit();
  connected = 0;
  finish('Z', &text);
}

static void send_cmd(const stralloc *c, const char *step)
{
  if (smtpio_put(c->s, c->len) == -1) lost(step, 0);
}

/* Before the next command (or the body) goes out, every reply asked for
   has been read: bytes still buffered are replies nobody asked for, and
   the next reply read would answer the wrong command (a 354 read as the
   answer to RCPT, a 250 as the answer to the final dot). Only what has
   already arrived is looked at: no read waits for more. */
static void in_step(const char *step)
{
  if (!smtpio_pending()) return;
  settext("Connected to ", ipstr, " but it sent more than was asked for before ", (char *)0);
  cats(step);
  cats(" (out of step). (#4.5.0)\n");
  connected = 0;
  finish('Z', &text);
}

/* reads one whole reply within timeoutremote; -1 lost (errno), -2
   protocol error, else the code */
static int get_reply(void)
{
  smtpreply_start(&reply);
  smtpio_deadline((unsigned int)timeoutremote);
  for (;;) {
    int toolong, r;
    r = smtpio_getline(&line, SMTPREPLY_TEXT_MAX + 8, &toolong);
    if (r == -1) { smtpio_deadline(0); return -1; }
    /* a line cut off by the end of input is no reply: the connection
       was lost before the reply was complete */
    if (r == 0 || r == 2) { smtpio_deadline(0); errno = ECONNRESET; return -1; }
    r = smtpreply_line(&reply, line.s, line.len);
    if (r == SMTPREPLY_NOMEM) nomem();
    if (r == SMTPREPLY_BAD) { smtpio_deadline(0); return -2; }
    if (r == SMTPREPLY_DONE) break;
  }
  smtpio_deadline(0);
  return (int)reply.code;
}

/* get_reply, with failures ending the session */
static int reply_to(const char *step)
{
  int code = get_reply();
  if (code == -1) lost(step, 0);
  if (code == -2) lost(step, 1);
  return code;
}

/* ------------------------------------------------------------- the message */

static void read_fail(void) __attribute__((noreturn));
static void read_fail(void)
{
  /* a partial body must never be ended with a dot: the connection is cut */
  settext("Unable to read the message. (#4.3.0)\n", (char *)0);
  connected = 0;
  finish('Z', &text);
}

/* size and 8-bit bytes of the message, before the server is contacted */
static void measure(void)
{
  static char chunk[MESSAGE_CHUNK];
  struct smtpbody b;

  smtpbody_start(&b);
  if (lseek(0, 0, SEEK_SET) == -1) read_fail();
  for (;;) {
    ssize_t r = read(0, chunk, sizeof chunk);
    if (r == -1) { if (errno == EINTR) continue; read_fail(); }
    if (r == 0) break;
    smtpbody_measure(&b, chunk, (size_t)r, &msgsize, &eightbit);
  }
  msgsize += smtpbody_measure_end(&b);
}

static void send_body(void)
{
  static char chunk[MESSAGE_CHUNK];
  static stralloc wire = STRALLOC_ZERO;
  struct smtpbody b;

  smtpbody_start(&b);
  if (lseek(0, 0, SEEK_SET) == -1) read_fail();
  for (;;) {
    ssize_t r = read(0, chunk, sizeof chunk);
    if (r == -1) { if (errno == EINTR) continue; read_fail(); }
    if (r == 0) break;
    wire.len = 0;
    if (!smtpbody_feed(&b, &wire, chunk, (size_t)r)) nomem();
    if (smtpio_put(wire.s, wire.len) == -1) lost("the message transfer", 0);
  }
  wire.len = 0;
  if (!smtpbody_end(&b, &wire)) nomem();
  if (smtpio_put(wire.s, wire.len) == -1 || smtpio_flush() == -1)
    lost("the message transfer", 0);
  sent_dot = 1;
}

static int has8bit(const char *s)
{
  for (; *s; s++) if ((unsigned char)*s & 0x80) return 1;
  return 0;
}

/* an address SMTP can carry: no control byte. A CR or LF would end the
   command early and start another one of the address's choosing (the
   queue holds whatever qmail-queue took); RFC 5321 allows none of them,
   quoted or not. */
static int sendable(const char *s)
{
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) return 0;
  }
  return 1;
}

static char *badrecip;   /* badrecip[i]: recipient i is not sendable */
static int nbad;

/* text = why address a cannot go */
static void unsendable(const char *what, const char *a)
{
  settext(what, " <", (char *)0);
  if (!smtpreply_catsafe(&text, a, str_len(a))) nomem();
  cats("> holds a control character, which SMTP cannot carry. (#5.1.3)\n");
}

/* ------------------------------------------------------------- SMTP */

static void smtp(void) __attribute__((noreturn));
static void smtp(void)
{
  struct smtpreply_ehlo ext = { 0, 0, 0, 0, 0 };
  int code, i, accepted = 0, soft = 0, ehlo = 1, pipelining;

  /* EHLO, and HELO only when EHLO is refused for good */
  in_step("EHLO");
  cmd.len = 0;
  if (!stralloc_cats(&cmd, "EHLO ") || !stralloc_cat(&cmd, &helohost)
      || !stralloc_cats(&cmd, "\r\n")) nomem();
  send_cmd(&cmd, "EHLO");
  code = reply_to("EHLO");
  if (code >= 500) {
    ehlo = 0;
    cmd.len = 0;
    if (!stralloc_cats(&cmd, "HELO ") || !stralloc_cat(&cmd, &helohost)
        || !stralloc_cats(&cmd, "\r\n")) nomem();
    in_step("HELO");
    send_cmd(&cmd, "HELO");
    code = reply_to("HELO");
  }
  if (code < 200 || code >= 300) {
    settext("Connected to ", ipstr, " but my name was refused.\n", (char *)0);
    cat_said();
    fail_session('Z');
  }
  if (ehlo) {
    /* a reply cut at its cap may end in part of a line ("SIZE 100" of
       "SIZE 10000000"): only whole lines are read for keywords */
    size_t n = reply.text.len;
    if (reply.cut) n = byte_rchr(reply.text.s, n, '\n');
    smtpreply_ehlo(reply.text.s, n, &ext);
  }

  if (needutf8 && !ext.smtputf8) {
    settext("Connected to ", ipstr, " but the message requires SMTPUTF8 (an address"
            " is not ASCII), which the server does not offer. (#5.6.7)\n", (char *)0);
    fail_session('D');
  }
  if (ext.size && ext.sizemax && msgsize > ext.sizemax) {
    char a[FMT_ULONG], b[FMT_ULONG];
    a[fmt_ulong(a, (unsigned long)msgsize)] = 0;
    b[fmt_ulong(b, (unsigned long)ext.sizemax)] = 0;
    settext("Connected to ", ipstr, " but the message is ", a,
            " bytes and the server takes at most ", b, " (SIZE). (#5.3.4)\n", (char *)0);
    fail_session('D');
  }
  pipelining = ext.pipelining;

  /* MAIL */
  cmd.len = 0;
  if (!stralloc_cats(&cmd, "MAIL FROM:<")
      || !quote_cataddr(&cmd, sender, str_len(sender))
      || !stralloc_cats(&cmd, ">")) nomem();
  if (ext.size) {
    if (!stralloc_cats(&cmd, " SIZE=") || !stralloc_catulong(&cmd, (unsigned long)msgsize)) nomem();
  }
  /* without 8BITMIME 8-bit bytes go as they are, as qmail sends them:
     nearly every server takes them, and a bounce would help no one */
  if (eightbit && ext.eightbitmime && !stralloc_cats(&cmd, " BODY=8BITMIME")) nomem();
  if (needutf8 && !stralloc_cats(&cmd, " SMTPUTF8")) nomem();
  if (!stralloc_cats(&cmd, "\r\n")) nomem();
  in_step("MAIL");
  send_cmd(&cmd, "MAIL");
  if (pipelining) {
    for (i = 0; i < nrecips; i++) {
      if (badrecip[i]) continue;
      cmd.len = 0;
      if (!stralloc_cats(&cmd, "RCPT TO:<")
          || !quote_cataddr(&cmd, recips[i], str_len(recips[i]))
          || !stralloc_cats(&cmd, ">\r\n")) nomem();
      send_cmd(&cmd, "RCPT");
    }
    if (smtpio_puts("DATA\r\n") == -1) lost("DATA", 0);
  }
  code = reply_to("MAIL");
  if (code < 200 || code >= 300) {
    settext("Connected to ", ipstr, " but the sender was refused.\n", (char *)0);
    cat_said();
    fail_session(code >= 500 ? 'D' : 'Z');
  }

  /* RCPT: a report per recipient, in order */
  for (i = 0; i < nrecips; i++) {
    if (badrecip[i]) {
      unsendable("The address", recips[i]);
      report('h', &text);
      continue;
    }
    if (!pipelining) {
      cmd.len = 0;
      if (!stralloc_cats(&cmd, "RCPT TO:<")
          || !quote_cataddr(&cmd, recips[i], str_len(recips[i]))
          || !stralloc_cats(&cmd, ">\r\n")) nomem();
      in_step("RCPT");
      send_cmd(&cmd, "RCPT");
    }
    code = reply_to("RCPT");
    if (code >= 200 && code < 300) {
      text.len = 0;
      report('r', &text);
      accepted++;
      continue;
    }
    settext(ipstr, " refused the recipient <", (char *)0);
    if (!smtpreply_catsafe(&text, recips[i], str_len(recips[i]))) nomem();
    cats(">.\n");
    cat_said();
    if (code >= 500) report('h', &text);
    else { report('s', &text); soft = 1; }
  }

  if (!accepted) {
    /* a pipelined DATA is still to be answered; a server that says 354
       to it gets an empty message it has no recipient for */
    if (pipelining) {
      code = get_reply();
      if (code >= 300 && code < 400) {
        smtpio_puts(".\r\n");
        get_reply();
      }
    }
    settext("Connected to ", ipstr, " but it accepted none of the recipients.", (char *)0);
    cats(soft ? " (#4.0.0)\n" : " (#5.0.0)\n");
    fail_session(soft ? 'Z' : 'D');
  }

  /* DATA */
  if (!pipelining) {
    in_step("DATA");
    if (smtpio_puts("DATA\r\n") == -1) lost("DATA", 0);
  }
  code = reply_to("DATA");
  if (code >= 200 && code < 300) {
    /* the body would be read as commands: the server is out of step */
    char c[FMT_ULONG];
    c[fmt_ulong(c, (unsigned long)code)] = 0;
    settext("Connected to ", ipstr, " but it answered DATA with ", c,
            " instead of 354 (out of step). (#4.5.0)\n", (char *)0);
    cat_said();
    connected = 0;
    finish('Z', &text);
  }
  if (code < 300 || code >= 400) {
    settext("Connected to ", ipstr, " but it refused the DATA command.\n", (char *)0);
    cat_said();
    fail_session(code >= 500 ? 'D' : 'Z');
  }
  in_step("the message");
  send_body();
  code = reply_to("the end of the message");
  if (code < 200 || code >= 300) {
    settext("Connected to ", ipstr, " but it refused the message after the final dot.\n", (char *)0);
    cat_said();
    fail_session(code >= 500 ? 'D' : 'Z');
  }
  settext(ipstr, " accepted the message.\n", (char *)0);
  cat_said();
  quit();
  finish('K', &text);
}

/* ------------------------------------------------------------- connecting */

static int bind_outgoing(int fd, int family)
{
  size_t i = 0;

  while (i < outgoing.len) {
    const char *e = outgoing.s + i;
    size_t n = str_len(e);
    i += n + 1;
    if (family == 6) {
      struct sockaddr_in6 sa;
      memset(&sa, 0, sizeof sa);
      if (inet_pton(AF_INET6, e, &sa.sin6_addr) != 1) continue;
      sa.sin6_family = AF_INET6;
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) { bind_failed = e; return -1; }
      return 0;
    } else {
      struct sockaddr_in sa;
      memset(&sa, 0, sizeof sa);
      if (inet_pton(AF_INET, e, &sa.sin_addr) != 1) continue;
      sa.sin_family = AF_INET;
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) { bind_failed = e; return -1; }
      return 0;
    }
  }
  return 0;
}

/* a connected socket, or -1 with errno (ETIMEDOUT after timeoutconnect) */
static int connect_to(const struct mx_host *h, unsigned int port)
{
  struct sockaddr_storage ss;
  socklen_t len;
  int fd, e;

  memset(&ss, 0, sizeof ss);
  if (h->family == 6) {
    struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons((unsigned short)port);
    memcpy(&sa->sin6_addr, h->ip, 16);
    len = sizeof *sa;
  } else {
    struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    memcpy(&sa->sin_addr, h->ip, 4);
    len = sizeof *sa;
  }
  fd = socket(h->family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) return -1;
  {
    /* every write is a whole command group or the message in large
       pieces: Nagle's algorithm would only hold the last piece back until
       the server's delayed ACK (40 ms per message) */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (bind_outgoing(fd, h->family) == -1) goto fail;
  if (connect(fd, (struct sockaddr *)&ss, len) == 0) return fd;
  if (errno != EINPROGRESS) goto fail;
  {
    struct pollfd p;
    struct timespec start, t;
    long long waitms = (long long)timeoutconnect * 1000;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      long long left;
      int r;
      clock_gettime(CLOCK_MONOTONIC, &t);
      left = waitms - ((long long)(t.tv_sec - start.tv_sec) * 1000
                       + (t.tv_nsec - start.tv_nsec) / 1000000);
      if (left <= 0) { errno = ETIMEDOUT; goto fail; }
      if (left > 2000000000) left = 2000000000;
      p.fd = fd;
      p.events = POLLOUT;
      p.revents = 0;
      r = poll(&p, 1, (int)left);
      if (r == -1) { if (errno == EINTR) continue; goto fail; }
      if (r == 0) { errno = ETIMEDOUT; goto fail; }
      break;
    }
  }
  {
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1) goto fail;
    if (err) { errno = err; goto fail; }
  }
  return fd;
fail:
  e = errno;
  close(fd);
  errno = e;
  return -1;
}

/* the relay of smtproutes for host: 1 routed (relay and *port set; relay
   empty: MX as usual), 0 not routed, -1 a bad entry */
static int route(stralloc *relay, unsigned int *port)
{
  const char *v = 0;
  size_t n = str_len(host), i;

  v = map_get(&routemap, host, n);
  for (i = 0; !v && i < n; i++)
    if (host[i] == '.') v = map_get(&routemap, host + i, n - i);
  if (!v) v = map_get(&routemap, "", 0);
  if (!v) return 0;
  relay->len = 0;
  *port = 25;
  {
    size_t vl = str_len(v), hostend, portstart;
    if (vl && v[0] == '[') {
      size_t close = byte_chr(v, vl, ']');
      if (close == vl) return -1;
      hostend = close + 1;
      if (hostend < vl && v[hostend] != ':') return -1;
      portstart = hostend < vl ? hostend + 1 : vl;
    } else {
      hostend = byte_chr(v, vl, ':');
      portstart = hostend < vl ? hostend + 1 : vl;
    }
    if (!stralloc_copyb(relay, v, hostend)) nomem();
    if (portstart < vl) {
      unsigned long u;
      if (scan_ulong(v + portstart, vl - portstart, &u) != vl - portstart
          || u == 0 || u > 65535) return -1;
      *port = (unsigned int)u;
    }
  }
  return 1;
}

/* relay given as an address: "1.2.3.4", "[1.2.3.4]", "[::1]", "[IPv6:::1]" */
static int relay_address(const stralloc *relay, struct mx_list *l)
{
  char tmp[INET6_ADDRSTRLEN + 8];
  const char *a = tmp;
  struct mx_host h;

  if (relay->len >= sizeof tmp) return 0;
  memcpy(tmp, relay->s, relay->len);
  tmp[relay->len] = 0;
  if (relay->len >= 2 && tmp[0] == '[' && tmp[relay->len - 1] == ']') {
    tmp[relay->len - 1] = 0;
    a = tmp + 1;
    if (case_equalb(a, 5, "ipv6:")) a += 5;
  }
  memset(&h, 0, sizeof h);
  if (inet_pton(AF_INET, a, h.ip) == 1) h.family = 4;
  else if (inet_pton(AF_INET6, a, h.ip) == 1) h.family = 6;
  else if (a != tmp) return -1;
  else return 0;
  l->h = 0; l->len = l->alloc = 0;
  {
    struct mx_host *p = (struct mx_host *)malloc(sizeof h);
    if (!p) nomem();
    *p = h;
    l->h = p;
    l->len = l->alloc = 1;
  }
  return 1;
}

static void lookup_fail(int r, const stralloc *why) __attribute__((noreturn));
static void lookup_fail(int r, const stralloc *why)
{
  static const struct { int r; char letter; const char *what, *code; } t[] = {
    { MX_SOFT, 'Z', "A temporary DNS problem stopped the lookup of ", "4.1.2" },
    { MX_NXDOMAIN, 'D', "The domain does not exist: ", "5.1.2" },
    { MX_NULLMX, 'D', "The domain accepts no mail (null MX): ", "5.1.10" },
    { MX_NOADDR, 'D', "No mail host of the domain has an address: ", "5.4.4" },
    { MX_SELF, 'D', "This host is a best-preference MX of the domain, which is not in"
                    " control/locals or control/virtualdomains: ", "5.4.6" },
    { MX_BAD, 'D', "The domain cannot be looked up: ", "5.1.2" },
  };
  size_t i;

  if (r == MX_NOMEM) nomem();
  for (i = 0; i < sizeof t / sizeof t[0]; i++) if (t[i].r == r) break;
  if (i == sizeof t / sizeof t[0]) { settext("Unexpected resolver result for ", (char *)0); i = 0; r = -1; }
  else settext(t[i].what, (char *)0);
  if (!smtpreply_catsafe(&text, host, str_len(host))) nomem();
  /* why adds only what the sentence does not say (mx.h) */
  if (why->len) {
    cats(" (");
    if (!smtpreply_catsafe(&text, why->s, why->len)) nomem();
    cats(")");
  }
  cats(". (#");
  cats(r == -1 ? "4.1.2" : t[i].code);
  cats(")\n");
  finish(r == -1 ? 'Z' : t[i].letter, &text);
}

static void readcontrols(void)
{
  int r;

  if (control_readline(&me, "control/me") == -1) goto fail;
  r = control_rldef(&helohost, "control/helohost", &me, 0);
  if (r == -1) goto fail;
  if (r == 0 || !helohost.len)
    quit_local('Z', "Neither control/helohost nor control/me names this host. (#4.3.0)");
  if (control_readlist(&routes, "control/smtproutes") == -1) goto fail;
  if (!map_init(&routemap, routes.s, routes.len, 1)) nomem();
  if (control_readint(&timeoutconnect, "control/timeoutconnect") == -1) goto fail;
  if (control_readint(&timeoutremote, "control/timeoutremote") == -1) goto fail;
  if (!timeoutconnect) timeoutconnect = 1;
  if (!timeoutremote) timeoutremote = 1;
  if (timeoutconnect > 86400) timeoutconnect = 86400;
  if (timeoutremote > 86400) timeoutremote = 86400;
  if (control_readlist(&outgoing, "control/outgoingip") == -1) goto fail;
  return;
fail:
  quit_local('Z', "Unable to read control files. (#4.3.0)");
}

int main(int argc, char **argv)
{
  static stralloc relay = STRALLOC_ZERO;
  static stralloc why = STRALLOC_ZERO;
  struct mx_list list = MX_LIST_ZERO;
  unsigned int port = 25;
  int routed, r, i;
  size_t k;
  char last_letter = 'Z';
  const char *envport;

  sig_ignore(SIGPIPE);
  if (argc < 4) quit_local('Z', "qmail-remote was invoked improperly. (#4.3.5)");
  host = argv[1];
  sender = argv[2];
  recips = argv + 3;
  nrecips = argc - 3;
  if (chdir(auto_home) == -1) quit_local('Z', "Unable to switch to the home directory. (#4.3.0)");
  readcontrols();

  measure();
  if (!sendable(sender)) {
    unsendable("The sender", sender);
    finish('D', &text);
  }
  badrecip = (char *)calloc((size_t)nrecips, 1);
  if (!badrecip) nomem();
  needutf8 = has8bit(sender);
  for (i = 0; i < nrecips; i++) {
    if (!sendable(recips[i])) { badrecip[i] = 1; nbad++; continue; }
    if (has8bit(recips[i])) needutf8 = 1;
  }
  if (nbad == nrecips) {
    for (i = 0; i < nrecips; i++) {
      unsendable("The address", recips[i]);
      report('h', &text);
    }
    quit_local('D', "None of the recipients can be sent by SMTP. (#5.1.3)");
  }

  routed = route(&relay, &port);
  if (routed == -1) quit_local('Z', "Unable to parse the control/smtproutes entry for this host. (#4.3.5)");
  if (routed == 1 && relay.len) {
    r = relay_address(&relay, &list);
    if (r == -1) quit_local('Z', "Unable to parse the address of the relay in control/smtproutes. (#4.3.5)");
    if (r == 0) {
      if (!stralloc_0(&relay)) nomem();
      r = mx_relay(relay.s, 0, &list, &why);
      if (r != MX_OK) {
        host = relay.s;
        lookup_fail(r, &why);
      }
    }
  } else {
    port = 25;
    envport = env_get("QMAILREMOTEPORT");
    if (envport && *envport) {
      unsigned long u;
      k = str_len(envport);
      if (scan_ulong(envport, k, &u) != k || !u || u > 65535)
        quit_local('Z', "QMAILREMOTEPORT is not a port number. (#4.3.5)");
      port = (unsigned int)u;
    }
    r = mx_lookup(host, 0, &list, &why);
    if (r != MX_OK) lookup_fail(r, &why);
  }
  if (!list.len) lookup_fail(MX_NOADDR, &why);
  if (port != 25) {
    memcpy(portstr, " port ", 6);
    portstr[6 + fmt_ulong(portstr + 6, port)] = 0;
  }

  for (k = 0; k < list.len; k++) {
    const struct mx_host *h = list.h + k;
    time_t now = time(0);
    int fd, code;

    inet_ntop(h->family == 6 ? AF_INET6 : AF_INET, h->ip, ipstr, sizeof ipstr);
    if (tcpto_dead(TCPTO_FILE, h->family, h->ip, now, (unsigned long)getpid())) {
      settext("Connection to ", ipstr, " skipped: its connects timed out lately"
              " (queue/lock/tcpto). (#4.4.1)\n", (char *)0);
      last_letter = 'Z';
      continue;
    }
    bind_failed = 0;
    fd = connect_to(h, port);
    if (fd == -1 && bind_failed) {
      /* our own address, not the server's: nothing for the timeout table */
      settext("Unable to use the source address ", bind_failed,
              " of control/outgoingip to connect to ", ipstr, portstr, ": ",
              error_str(errno), ". (#4.4.1)\n", (char *)0);
      last_letter = 'Z';
      continue;
    }
    if (fd == -1) {
      int e = errno;
      tcpto_record(TCPTO_FILE, h->family, h->ip, e == ETIMEDOUT, time(0));
      settext("Unable to connect to ", ipstr, portstr, ": ", error_str(e), ". (#4.4.1)\n", (char *)0);
      last_letter = 'Z';
      continue;
    }
    tcpto_record(TCPTO_FILE, h->family, h->ip, 0, time(0));
    smtpio_init(fd, fd, (unsigned int)timeoutremote, 0);
    connected = 1;
    code = get_reply();
    if (code >= 200 && code < 300) smtp();
    /* any other greeting: the next address */
    last_letter = 'Z';
    if (code == -2) {
      settext("Connected to ", ipstr, " but its greeting broke the SMTP reply syntax. (#4.5.0)\n", (char *)0);
      cat_said();
      connected = 0;
    } else if (code == -1) {
      settext("Connected to ", ipstr, errno == ETIMEDOUT ? " but it sent no greeting in time." :
              " but the connection died before the greeting.", " (#4.4.2)\n", (char *)0);
      connected = 0;
    } else {
      settext("Connected to ", ipstr, " but its greeting was a refusal.\n", (char *)0);
      cat_said();
      if (code >= 500) last_letter = 'D';
      quit();
    }
    close(fd);
  }
  /* every address failed: the last one tried decides */
  if (!text.len) settext("No address could be tried. (#4.4.1)\n", (char *)0);
  finish(last_letter, &text);
}
