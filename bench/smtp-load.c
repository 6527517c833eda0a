/* bench/smtp-load.c: an SMTP load generator. One process, one poll loop,
   SESSIONS connections open at once; each connection sends up to
   MSGS_PER_CONNECTION messages (one transaction each: MAIL, RCPT, DATA, the
   message, then QUIT) until MESSAGES messages have been sent in all; a
   session whose connection ends opens the next while messages remain.
   Benchmark tool only: it measures what a server accepts, it never passes
   or fails a server on time.

   smtp-load [-s SESSIONS] [-m MESSAGES] [-S SIZE | -F FILE] [-k PER_CONN]
             [-H HOST] [-p PORT] [-f FROM] [-t TO] [-e HELO_NAME] [-P]
             [-T TIMEOUT_S] [-q]
     -s  connections open at once (default 10)
     -m  messages in all (default 1000)
     -S  message size in bytes as sent, CRLF line ends, before dot-stuffing
         (default 4096): a few header lines, then lines of 72 characters of
         which every eighth starts with a dot
     -F  send the message in FILE instead (LF or CRLF line ends; a last line
         without one gets CRLF)
     -k  messages per connection (default 1)
     -H, -p  the server (default 127.0.0.1 port 25)
     -f, -t  envelope sender and recipient (default bench@example.com,
         postmaster@localhost)
     -e  the EHLO name (default smtp-load.invalid); HELO when EHLO is refused
     -P  pipeline MAIL, RCPT and DATA (RFC 2920) when the server offers it
     -T  seconds allowed for each reply and for each write (default 60)
     -q  print nothing

   The client follows RFC 5321: it reads multi-line replies whole, checks
   every code, dot-stuffs and ends the data with CRLF.CRLF. A refused
   MAIL or RCPT is followed by RSET; a refused message is counted, not
   retried. A protocol error, a timeout or a lost connection fails the
   messages the connection still had to send.

   Prints two lines:
     smtp-load: A accepted, R refused (T temporary, P permanent), F failed, C connections, W ms: X msg/s accepted
     smtp-load: latency ms median M, p90 N, p99 O, max Q; smtp-load CPU U ms user, Y ms sys
   Latency of a message: from the start of its transaction (MAIL written;
   for the first message of a connection, from the start of connect(), so
   the greeting and EHLO count) until the reply to its end of data.
   The first refused reply and the first error are also printed on stderr.
   Exit 0 every message accepted, 1 some refused or failed, 100 usage,
   111 system error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REPLY_LINE_MAX 65536

enum state {
  IDLE,      /* no connection */
  CONNECTING,
  GREETING,  /* waiting for 220 */
  EHLO,      /* waiting for the EHLO reply */
  HELO,
  MAIL,
  RCPT,
  DATA,      /* waiting for 354 */
  BODY,      /* writing the message */
  DOT,       /* waiting for the reply to the end of data */
  RSET,
  QUIT
};

struct session {
  enum state state;
  int fd;
  int pipelining;       /* the server offers PIPELINING and -P */
  int failed_step;      /* pipelined: MAIL or RCPT was refused */
  long left;            /* messages this connection still has to send */
  double started;       /* the transaction's start, ms */
  double deadline;
  char *out;            /* commands not yet written */
  size_t out_len, out_pos, out_cap;
  size_t body_pos;      /* how much of the message is written */
  char *in;             /* reply text not yet parsed */
  size_t in_len, in_cap;
  int multi_code;       /* code of the reply lines read so far, 0 none */
  int ehlo_pipelining;  /* those lines of an EHLO reply offered PIPELINING */
};

static const char *host = "127.0.0.1", *port = "25";
static const char *from = "bench@example.com", *to = "postmaster@localhost";
static const char *helo_name = "smtp-load.invalid";
static long sessions = 10, messages = 1000, per_conn = 1;
static long size = 4096;
static int want_pipelining = 0, quiet = 0;
static double timeout_ms = 60000;
static struct addrinfo *server;

static char *body;        /* the message as sent: CRLF, dot-stuffed, CRLF.CRLF */
static size_t body_len;

static long reserved;     /* messages given to connections so far */
static long accepted, refused_temp, refused_perm, failed, connections;
static double *latency;
static long latencies;
static int told_refusal, told_error;

static void die(const char *what)
{
  fprintf(stderr, "smtp-load: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

static void usage(void)
{
  fputs("usage: smtp-load [-s SESSIONS] [-m MESSAGES] [-S SIZE | -F FILE] [-k PER_CONN]\n"
        "                 [-H HOST] [-p PORT] [-f FROM] [-t TO] [-e HELO_NAME] [-P] [-T TIMEOUT_S] [-q]\n",
        stderr);
  exit(100);
}

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void *grow(void *p, size_t *cap, size_t need)
{
  size_t c = *cap ? *cap : 256;
  while (c < need) {
    if (c > ((size_t)-1) / 2) { errno = ENOMEM; die("grow"); }
    c *= 2;
  }
  if (c == *cap) return p;
  p = realloc(p, c);
  if (!p) die("realloc");
  *cap = c;
  return p;
}

/* appends LEN bytes to the message being built */
static size_t body_cap;
static void body_put(const char *s, size_t len)
{
  body = grow(body, &body_cap, body_len + len + 1);
  memcpy(body + body_len, s, len);
  body_len += len;
}

/* one line of the message (without its line end): stuffed, CRLF added */
static void body_line(const char *s, size_t len)
{
  if (len > 0 && s[0] == '.') body_put(".", 1);
  body_put(s, len);
  body_put("\r\n", 2);
}

static void build_from_file(const char *file)
{
  FILE *f = fopen(file, "rb");
  char *line = 0;
  size_t cap = 0;
  ssize_t n;
  if (!f) die(file);
  while ((n = getline(&line, &cap, f)) > 0) {
    size_t len = (size_t)n;
    if (line[len - 1] == '\n') --len;
    if (len > 0 && line[len - 1] == '\r') --len;
    body_line(line, len);
  }
  if (ferror(f)) die(file);
  fclose(f);
  free(line);
}

/* SIZE bytes with CRLF line ends, before stuffing */
static void build_sized(long want)
{
  char line[128];
  long have = 0, i = 0;
  int n;
  const char *head[3];
  int h;
  char head_from[600], head_to[600];
  snprintf(head_from, sizeof head_from, "From: <%s>", from);
  snprintf(head_to, sizeof head_to, "To: <%s>", to);
  head[0] = head_from;
  head[1] = head_to;
  head[2] = "Subject: smtp-load benchmark message";
  for (h = 0; h < 3; ++h) {
    body_line(head[h], strlen(head[h]));
    have += (long)strlen(head[h]) + 2;
  }
  body_line("", 0);
  have += 2;
  while (have < want) {
    long room = want - have - 2;   /* characters that fit before CRLF */
    n = snprintf(line, sizeof line, "%sline %06ld of the smtp-load message, padded to seventy-two characters..",
                 i % 8 == 7 ? "." : "", i);
    if (n > 72) n = 72;
    if (room < 0) room = 0;
    if (n > room) n = (int)room;
    body_line(line, (size_t)n);
    have += n + 2;
    ++i;
  }
}

static void out_put(struct session *s, const char *a, const char *b)
{
  size_t la = strlen(a), lb = b ? strlen(b) : 0;
  s->out = grow(s->out, &s->out_cap, s->out_len + la + lb + 2);
  memcpy(s->out + s->out_len, a, la);
  if (lb) memcpy(s->out + s->out_len + la, b, lb);
  memcpy(s->out + s->out_len + la + lb, "\r\n", 2);
  s->out_len += la + lb + 2;
}

static char mail_cmd[1100], rcpt_cmd[1100];

static void close_session(struct session *s)
{
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->state = IDLE;
  s->out_len = s->out_pos = 0;
  s->in_len = 0;
  s->multi_code = 0;
}

/* a protocol error, a timeout or a lost connection: the connection's
   remaining messages fail */
static void session_error(struct session *s, const char *what, const char *detail)
{
  if (!told_error) {
    fprintf(stderr, "smtp-load: error: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    told_error = 1;
  }
  failed += s->left;
  s->left = 0;
  close_session(s);
}

static void start_connect(struct session *s)
{
  long n = per_conn;
  if (n > messages - reserved) n = messages - reserved;
  if (n <= 0) return;
  reserved += n;
  s->left = n;
  s->started = now_ms();
  s->deadline = s->started + timeout_ms;
  s->pipelining = 0;
  s->fd = socket(server->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd == -1) die("socket");
  {
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ++connections;
  if (connect(s->fd, server->ai_addr, server->ai_addrlen) == 0) s->state = GREETING;
  else if (errno == EINPROGRESS) s->state = CONNECTING;
  else session_error(s, "connect", strerror(errno));
}

static void start_transaction(struct session *s, int first)
{
  if (!first) s->started = now_ms();
  s->failed_step = 0;
  out_put(s, mail_cmd, 0);
  if (s->pipelining) {
    out_put(s, rcpt_cmd, 0);
    out_put(s, "DATA", 0);
  }
  s->state = MAIL;
}

static void next_or_quit(struct session *s)
{
  if (s->left > 0) start_transaction(s, 0);
  else {
    out_put(s, "QUIT", 0);
    s->state = QUIT;
  }
}

static void refusal(struct session *s, int code, const char *step, const char *text)
{
  if (code >= 500) ++refused_perm;
  else ++refused_temp;
  --s->left;
  if (!told_refusal) {
    fprintf(stderr, "smtp-load: refused at %s: %s\n", step, text);
    told_refusal = 1;
  }
}

/* the final line of a reply has arrived: CODE, and the last line's TEXT;
   EHLO_PIPELINING says an EHLO reply offered PIPELINING */
static void on_reply(struct session *s, int code, const char *text, int ehlo_pipelining)
{
  switch (s->state) {
  case GREETING:
    if (code != 220) { session_error(s, "greeting", text); return; }
    out_put(s, "EHLO ", helo_name);
    s->state = EHLO;
    return;
  case EHLO:
  case HELO:
    if (code / 100 != 2) {
      if (s->state == EHLO && code / 100 == 5) {
        out_put(s, "HELO ", helo_name);
        s->state = HELO;
        return;
      }
      session_error(s, s->state == EHLO ? "EHLO" : "HELO", text);
      return;
    }
    s->pipelining = s->state == EHLO && want_pipelining && ehlo_pipelining;
    start_transaction(s, 1);
    return;
  case MAIL:
    if (code / 100 != 2) {
      refusal(s, code, "MAIL", text);
      if (s->pipelining) { s->failed_step = 1; s->state = RCPT; return; }
      out_put(s, "RSET", 0);
      s->state = RSET;
      return;
    }
    if (!s->pipelining) out_put(s, rcpt_cmd, 0);
    s->state = RCPT;
    return;
  case RCPT:
    if (code / 100 != 2) {
      if (!s->failed_step) refusal(s, code, "RCPT", text);
      if (s->pipelining) { s->failed_step = 1; s->state = DATA; return; }
      out_put(s, "RSET", 0);
      s->state = RSET;
      return;
    }
    if (!s->pipelining) out_put(s, "DATA", 0);
    s->state = DATA;
    return;
  case DATA:
    if (s->failed_step) {
      /* pipelined after a refusal: DATA must be refused too */
      if (code == 354) { session_error(s, "DATA accepted without a recipient", text); return; }
      out_put(s, "RSET", 0);
      s->state = RSET;
      return;
    }
    if (code != 354) {
      refusal(s, code, "DATA", text);
      out_put(s, "RSET", 0);
      s->state = RSET;
      return;
    }
    s->body_pos = 0;
    s->state = BODY;
    return;
  case DOT:
    if (code / 100 != 2) refusal(s, code, "end of data", text);
    else {
      ++accepted;
      --s->left;
      latency[latencies++] = now_ms() - s->started;
    }
    next_or_quit(s);
    return;
  case RSET:
    if (code / 100 != 2) { session_error(s, "RSET", text); return; }
    next_or_quit(s);
    return;
  case QUIT:
    close_session(s);
    return;
  default:
    session_error(s, "a reply nobody asked for", text);
    return;
  }
}

/* parses the complete lines in the input buffer; returns 0 when the session
   was closed */
static int parse_replies(struct session *s)
{
  size_t start = 0;
  while (s->fd >= 0) {
    char *line = s->in + start, *nl = memchr(line, '\n', s->in_len - start);
    size_t len;
    int code;
    if (!nl) break;
    len = (size_t)(nl - line);
    if (len > 0 && line[len - 1] == '\r') --len;
    start += (size_t)(nl - line) + 1;
    line[len] = 0;
    if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9' || (len > 3 && line[3] != ' ' && line[3] != '-')) {
      session_error(s, "malformed reply", line);
      return 0;
    }
    code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (s->multi_code && code != s->multi_code) {
      session_error(s, "reply lines with different codes", line);
      return 0;
    }
    if (!s->multi_code) s->ehlo_pipelining = 0;
    if (s->state == EHLO && len >= 14 && !strncasecmp(line + 4, "PIPELINING", 10) &&
        (len == 14 || line[14] == ' '))
      s->ehlo_pipelining = 1;
    if (len > 3 && line[3] == '-') { s->multi_code = code; continue; }
    s->multi_code = 0;
    if (s->state == BODY || s->state == CONNECTING || s->state == IDLE) {
      session_error(s, "a reply while the message was being sent", line);
      return 0;
    }
    on_reply(s, code, line, s->ehlo_pipelining);
    s->deadline = now_ms() + timeout_ms;
  }
  if (s->fd < 0) return 0;
  memmove(s->in, s->in + start, s->in_len - start);
  s->in_len -= start;
  if (s->in_len >= REPLY_LINE_MAX) { session_error(s, "reply line too long", 0); return 0; }
  return 1;
}

static void on_readable(struct session *s)
{
  for (;;) {
    ssize_t r;
    s->in = grow(s->in, &s->in_cap, s->in_len + 4097);
    r = read(s->fd, s->in + s->in_len, s->in_cap - s->in_len - 1);
    if (r == -1) {
      if (errno == EAGAIN) return;
      if (errno == EINTR) continue;
      session_error(s, "read", strerror(errno));
      return;
    }
    if (r == 0) {
      if (s->state == QUIT) { close_session(s); return; }
      session_error(s, "the server closed the connection", 0);
      return;
    }
    s->in_len += (size_t)r;
    if (!parse_replies(s)) return;
    if ((size_t)r < s->in_cap - s->in_len) return;
  }
}

static void on_writable(struct session *s)
{
  if (s->state == CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
    if (err) { session_error(s, "connect", strerror(err)); return; }
    s->state = GREETING;
    s->deadline = now_ms() + timeout_ms;
    return;
  }
  while (s->out_pos < s->out_len) {
    ssize_t w = write(s->fd, s->out + s->out_pos, s->out_len - s->out_pos);
    if (w == -1) {
      if (errno == EAGAIN) return;
      if (errno == EINTR) continue;
      session_error(s, "write", strerror(errno));
      return;
    }
    s->out_pos += (size_t)w;
    s->deadline = now_ms() + timeout_ms;
  }
  s->out_pos = s->out_len = 0;
  while (s->state == BODY && s->body_pos < body_len) {
    ssize_t w = write(s->fd, body + s->body_pos, body_len - s->body_pos);
    if (w == -1) {
      if (errno == EAGAIN) return;
      if (errno == EINTR) continue;
      session_error(s, "write", strerror(errno));
      return;
    }
    s->body_pos += (size_t)w;
    s->deadline = now_ms() + timeout_ms;
  }
  if (s->state == BODY) s->state = DOT;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double p)
{
  long i;
  if (!latencies) return 0;
  i = (long)(p * (double)(latencies - 1) + 0.5);
  return latency[i];
}

static long number(const char *s, long min)
{
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < min) usage();
  return v;
}

int main(int argc, char **argv)
{
  struct session *ss;
  struct pollfd *pfd;
  const char *file = 0;
  struct addrinfo hints;
  double t0, t1;
  struct rusage ru;
  long i;
  int opt, r;

  while ((opt = getopt(argc, argv, "s:m:S:F:k:H:p:f:t:e:PT:q")) != -1) {
    switch (opt) {
    case 's': sessions = number(optarg, 1); break;
    case 'm': messages = number(optarg, 0); break;
    case 'S': size = number(optarg, 0); break;
    case 'F': file = optarg; break;
    case 'k': per_conn = number(optarg, 1); break;
    case 'H': host = optarg; break;
    case 'p': port = optarg; break;
    case 'f': from = optarg; break;
    case 't': to = optarg; break;
    case 'e': helo_name = optarg; break;
    case 'P': want_pipelining = 1; break;
    case 'T': timeout_ms = (double)number(optarg, 1) * 1000; break;
    case 'q': quiet = 1; break;
    default: usage();
    }
  }
  if (optind != argc) usage();
  if (strlen(from) > 1000 || strlen(to) > 1000 || strlen(helo_name) > 1000) usage();
  snprintf(mail_cmd, sizeof mail_cmd, "MAIL FROM:<%s>", from);
  snprintf(rcpt_cmd, sizeof rcpt_cmd, "RCPT TO:<%s>", to);
  if (file) build_from_file(file);
  else build_sized(size);
  body_put(".\r\n", 3);

  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if ((r = getaddrinfo(host, port, &hints, &server)) != 0) {
    fprintf(stderr, "smtp-load: fatal: %s port %s: %s\n", host, port, gai_strerror(r));
    return 111;
  }
  signal(SIGPIPE, SIG_IGN);
  ss = calloc((size_t)sessions, sizeof *ss);
  pfd = calloc((size_t)sessions, sizeof *pfd);
  latency = calloc((size_t)messages + 1, sizeof *latency);
  if (!ss || !pfd || !latency) die("calloc");

  t0 = now_ms();
  for (i = 0; i < sessions; ++i) {
    ss[i].fd = -1;
    start_connect(&ss[i]);
  }
  for (;;) {
    double now = now_ms(), next = now + timeout_ms;
    int active = 0;
    for (i = 0; i < sessions; ++i) {
      struct session *s = &ss[i];
      if (s->fd < 0 && reserved < messages) start_connect(s);
      pfd[i].fd = s->fd;
      pfd[i].events = 0;
      pfd[i].revents = 0;
      if (s->fd < 0) continue;
      ++active;
      if (s->state == CONNECTING || s->out_pos < s->out_len || s->state == BODY) pfd[i].events |= POLLOUT;
      else pfd[i].events |= POLLIN;
      if (s->deadline < next) next = s->deadline;
    }
    if (!active) break;
    r = poll(pfd, (nfds_t)sessions, next > now ? (int)(next - now) + 1 : 0);
    if (r == -1) {
      if (errno == EINTR) continue;
      die("poll");
    }
    now = now_ms();
    for (i = 0; i < sessions; ++i) {
      struct session *s = &ss[i];
      if (s->fd < 0 || pfd[i].fd != s->fd) continue;
      if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
        if (s->state == CONNECTING) on_writable(s);
        else on_readable(s);
      } else if (pfd[i].revents & POLLOUT) on_writable(s);
      else if (now > s->deadline) session_error(s, "timeout", 0);
    }
  }
  t1 = now_ms();
  getrusage(RUSAGE_SELF, &ru);
  qsort(latency, (size_t)latencies, sizeof *latency, cmp_double);
  if (!quiet) {
    printf("smtp-load: %ld accepted, %ld refused (%ld temporary, %ld permanent), %ld failed, %ld connections, %.1f ms: %.1f msg/s accepted\n",
           accepted, refused_temp + refused_perm, refused_temp, refused_perm, failed, connections,
           t1 - t0, accepted * 1000.0 / (t1 - t0));
    printf("smtp-load: latency ms median %.2f, p90 %.2f, p99 %.2f, max %.2f; smtp-load CPU %.0f ms user, %.0f ms sys\n",
           pct(0.5), pct(0.9), pct(0.99), latencies ? latency[latencies - 1] : 0.0,
           ru.ru_utime.tv_sec * 1000.0 + ru.ru_utime.tv_usec / 1000.0,
           ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0);
    fflush(stdout);
  }
  return accepted == messages ? 0 : 1;
}
