/* dns: the stub resolver; see dns.h for the contract. Nothing here trusts
   the network: every answer is checked against the question we sent and
   every length against the packet before a byte is read. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dns.h"
#include "env.h"
#include "error.h"
#include "readfile.h"
#include "str.h"

#define SERVERS_MAX 3
#define TIMEOUT_DEFAULT 5
#define TIMEOUT_MAX 30
#define ATTEMPTS_DEFAULT 2
#define ATTEMPTS_MAX 5
#define UDP_MAX 65536 /* any datagram fits */
#define RESOLV_CONF_MAX 65536

void dns_records_free(struct dns_records *r)
{
  stralloc_free(&r->data);
  stralloc_free(&r->name);
  r->count = 0;
  r->skipped = 0;
}

/* ---- randomness ---- */

static unsigned long fallback_state;

static void random_fill(unsigned char *b, size_t n)
{
  ssize_t got = getrandom(b, n, GRND_NONBLOCK);
  int fd;
  size_t i;

  if (got == (ssize_t)n) return;
  fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd != -1) {
    got = read(fd, b, n);
    close(fd);
    if (got == (ssize_t)n) return;
  }
  /* no kernel randomness at all: time and pid through a mixer */
  for (i = 0; i < n; i++) {
    struct timespec ts;
    unsigned long z;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    fallback_state += 0x9e3779b97f4a7c15UL ^ (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    z = fallback_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    b[i] = (unsigned char)(z ^ (z >> 31));
  }
}

unsigned long dns_random(unsigned long n)
{
  unsigned long x;

  random_fill((unsigned char *)&x, sizeof x);
  return n ? x % n : 0;
}

/* ---- names ---- */

static int host_byte(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
    c == '-' || c == '_';
}

int dns_name_valid(const char *name, size_t n)
{
  size_t i, label = 0;

  if (n && name[n - 1] == '.') n--;
  if (n == 0 || n > 253) return 0;
  for (i = 0; i < n; i++) {
    if (name[i] == '.') {
      if (label == 0) return 0;
      label = 0;
    } else if (!host_byte((unsigned char)name[i]) || ++label > 63) return 0;
  }
  return label > 0;
}

int dns_query_make(stralloc *q, unsigned int id, const char *name, unsigned int type)
{
  size_t n = str_len(name), i, start;

  if (!dns_name_valid(name, n)) return DNS_BAD;
  if (name[n - 1] == '.') n--;
  if (!stralloc_ready(q, 12 + n + 2 + 4)) return DNS_NOMEM;
  q->s[0] = (char)(id >> 8);
  q->s[1] = (char)id;
  q->s[2] = 0x01; /* RD */
  q->s[3] = 0;
  q->s[4] = 0; q->s[5] = 1;
  memset(q->s + 6, 0, 6);
  q->len = 12;
  start = 0;
  for (i = 0; i <= n; i++) {
    if (i == n || name[i] == '.') {
      q->s[q->len++] = (char)(i - start);
      memcpy(q->s + q->len, name + start, i - start);
      q->len += i - start;
      start = i + 1;
    }
  }
  q->s[q->len++] = 0;
  q->s[q->len++] = (char)(type >> 8);
  q->s[q->len++] = (char)type;
  q->s[q->len++] = 0;
  q->s[q->len++] = 1; /* IN */
  return DNS_OK;
}

/* Reads the name at pos of p[0..len). Returns the position after it in the
   record (not after a compression target), or 0 if it is malformed: past
   the end, a label type other than 00 or 11, or a pointer that does not
   point strictly before every part of the name read so far (so pointers
   can neither loop nor revisit a byte). out (ready for 256 bytes) gets the
   name as lower-case dotted text without the final dot; *valid is 0 if it
   is not a hostname (a byte other than letters, digits, '-', '_', or more
   than 255 bytes in wire form), and out is then unusable. */
static size_t name_get(const unsigned char *p, size_t len, size_t pos, stralloc *out, int *valid)
{
  size_t end = 0, limit = pos, wire = 1;

  out->len = 0;
  *valid = 1;
  for (;;) {
    unsigned int c;

    if (pos >= len) return 0;
    c = p[pos];
    if ((c & 0xc0) == 0xc0) {
      size_t target;

      if (pos + 1 >= len) return 0;
      target = ((size_t)(c & 0x3f) << 8) | p[pos + 1];
      if (!end) end = pos + 2;
      if (target >= limit) return 0;
      pos = limit = target;
      continue;
    }
    if (c & 0xc0) return 0;
    if (c == 0) {
      if (!end) end = pos + 1;
      return end;
    }
    if (c > len - pos - 1) return 0;
    wire += 1 + c;
    if (wire > DNS_NAME_MAX) *valid = 0;
    if (*valid) {
      size_t i;

      if (out->len) out->s[out->len++] = '.';
      for (i = 1; i <= c; i++) {
        unsigned char b = p[pos + i];

        if (!host_byte(b)) { *valid = 0; break; }
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        out->s[out->len++] = (char)b;
      }
    }
    pos += 1 + c;
  }
}

static unsigned int get16(const unsigned char *p)
{
  return ((unsigned int)p[0] << 8) | p[1];
}

static int text_equal(const stralloc *a, const char *b, size_t blen)
{
  return a->len == blen && (blen == 0 || memcmp(a->s, b, blen) == 0);
}

/* ---- answers ---- */

struct walk {
  const unsigned char *p;
  size_t len;
  unsigned int type;
  stralloc owner, target;
  stralloc cnames; /* [flag valid][owner NUL][target NUL]... */
};

/* Walks the an answer records from pos. collect == 0: checks every record
   and notes the CNAMEs in w->cnames. collect == 1: appends the records of
   w->type owned by name[0..nlen) to r. DNS_OK, DNS_NOMEM, or -1 malformed. */
static int walk_answers(struct walk *w, size_t pos, unsigned int an, int collect,
  const char *name, size_t nlen, struct dns_records *r)
{
  const unsigned char *p = w->p;
  size_t len = w->len;

  while (an--) {
    size_t rdpos, rdend, after;
    unsigned int type, class, rdlen;
    int ovalid, tvalid;

    pos = name_get(p, len, pos, &w->owner, &ovalid);
    if (!pos || len - pos < 10) return -1;
    type = get16(p + pos);
    class = get16(p + pos + 2);
    rdlen = get16(p + pos + 8);
    rdpos = pos + 10;
    if (rdlen > len - rdpos) return -1;
    rdend = rdpos + rdlen;
    pos = rdend;
    if (class != 1) continue;
    if (type == DNS_T_CNAME) {
      after = name_get(p, len, rdpos, &w->target, &tvalid);
      if (!after || after > rdend) return -1;
      if (collect || !ovalid) continue;
      if (!stralloc_append(&w->cnames, (char)tvalid) ||
          !stralloc_catb(&w->cnames, w->owner.s, w->owner.len) || !stralloc_0(&w->cnames) ||
          !stralloc_catb(&w->cnames, w->target.s, tvalid ? w->target.len : 0) ||
          !stralloc_0(&w->cnames))
        return DNS_NOMEM;
      continue;
    }
    if (type != w->type) continue;
    if (type == DNS_T_A && rdlen != 4) return -1;
    if (type == DNS_T_AAAA && rdlen != 16) return -1;
    if (type == DNS_T_MX) {
      if (rdlen < 3) return -1;
      after = name_get(p, len, rdpos + 2, &w->target, &tvalid);
      if (!after || after > rdend) return -1;
    }
    if (!collect || !ovalid || !text_equal(&w->owner, name, nlen)) continue;
    if (type == DNS_T_MX) {
      if (!tvalid) { r->skipped++; continue; }
      if (!stralloc_catb(&r->data, (const char *)p + rdpos, 2) ||
          !stralloc_catb(&r->data, w->target.s, w->target.len) || !stralloc_0(&r->data))
        return DNS_NOMEM;
    } else if (!stralloc_catb(&r->data, (const char *)p + rdpos, rdlen))
      return DNS_NOMEM;
    r->count++;
  }
  return DNS_OK;
}

/* the CNAME of name in w->cnames: 1 found (*target, *valid set), 0 none */
static int cname_find(const struct walk *w, const char *name, size_t nlen,
  const char **target, int *valid)
{
  size_t i = 0;

  while (i < w->cnames.len) {
    int v = w->cnames.s[i];
    const char *o = w->cnames.s + i + 1;
    size_t olen = str_len(o);
    const char *t = o + olen + 1;

    if (olen == nlen && memcmp(o, name, nlen) == 0) {
      *target = t;
      *valid = v;
      return 1;
    }
    i += 1 + olen + 1 + str_len(t) + 1;
  }
  return 0;
}

static int parse(struct walk *w, const unsigned char *q, size_t qlen,
  struct dns_records *r, unsigned int *links)
{
  const unsigned char *p = w->p;
  size_t len = w->len, pos, qpos;
  unsigned int an, rcode, hops = 0;
  int valid, qvalid, rc;
  const char *cur;
  size_t curlen;

  r->data.len = 0;
  r->name.len = 0;
  r->count = 0;
  r->skipped = 0;
  *links = 0;
  if (len < 12 || qlen < 17) return -1;
  if (p[0] != q[0] || p[1] != q[1]) return -1;
  if (!(p[2] & 0x80) || (p[2] & 0x78) != (q[2] & 0x78)) return -1;
  if (get16(p + 4) != 1) return -1;
  if (!stralloc_ready(&w->owner, 256) || !stralloc_ready(&w->target, 256) ||
      !stralloc_ready(&r->name, 256))
    return DNS_NOMEM;
  /* our own question, for the name as text */
  qpos = name_get(q, qlen, 12, &r->name, &qvalid);
  if (!qpos || !qvalid || qlen - qpos < 4) return -1;
  pos = name_get(p, len, 12, &w->owner, &valid);
  if (!pos || !valid || len - pos < 4) return -1;
  if (!text_equal(&w->owner, r->name.s, r->name.len)) return -1;
  if (memcmp(p + pos, q + qpos, 4) != 0) return -1;
  w->type = get16(q + qpos);
  pos += 4;
  /* from here on the packet answers our question */
  if (p[2] & 0x02) return DNS_TRUNC;
  rcode = p[3] & 0x0f;
  if (rcode == 3) return DNS_NXDOMAIN;
  if (rcode != 0) return DNS_SOFT;
  an = get16(p + 6);
  w->cnames.len = 0;
  rc = walk_answers(w, pos, an, 0, 0, 0, r);
  if (rc == -1) return DNS_SOFT;
  if (rc != DNS_OK) return rc;
  cur = r->name.s;
  curlen = r->name.len;
  for (;;) {
    const char *target;
    int tvalid;

    if (!cname_find(w, cur, curlen, &target, &tvalid)) break;
    if (!tvalid || !*target) return DNS_BAD; /* not a hostname, or the root */
    if (++hops > DNS_CNAME_MAX) { *links = hops; return DNS_BAD; }
    cur = target;
    curlen = str_len(target);
  }
  *links = hops;
  rc = walk_answers(w, pos, an, 1, cur, curlen, r);
  if (rc != DNS_OK) return rc;
  if (cur != r->name.s && !stralloc_copyb(&r->name, cur, curlen)) return DNS_NOMEM;
  if (!stralloc_0(&r->name)) return DNS_NOMEM;
  r->name.len--;
  return r->count || r->skipped ? DNS_OK : DNS_NODATA;
}

int dns_parse(const unsigned char *pkt, size_t len, const unsigned char *q, size_t qlen,
  struct dns_records *r, unsigned int *links)
{
  static struct walk w; /* its strings are kept for the next answer */
  int rc;

  w.p = pkt;
  w.len = len;
  rc = parse(&w, q, qlen, r, links);
  if (rc != DNS_OK && rc != DNS_NODATA) {
    r->data.len = 0;
    r->count = 0;
    r->skipped = 0;
  }
  return rc;
}

/* ---- configuration ---- */

/* what a server did with the last query asked of it, for dns_soft_why */
#define SAID_NOTHING 0   /* not asked */
#define SAID_TIMEOUT 1   /* no answer in time */
#define SAID_ERROR 2     /* the socket failed: err */
#define SAID_RCODE 3     /* an error code: rcode */
#define SAID_BAD 4       /* answers to our question that do not parse, or
                            only packets that answer something else */
#define SAID_TCP 5       /* truncated over UDP, and TCP did not help */

struct said {
  int what;
  int err;
  unsigned int rcode;
};

struct server {
  struct sockaddr_storage sa;
  socklen_t len;
  struct said said;
};

static struct server servers[SERVERS_MAX];
static unsigned int nservers;
static unsigned int timeout_seconds = TIMEOUT_DEFAULT;
static unsigned int attempts = ATTEMPTS_DEFAULT;
static int configured;

/* the last query that ended DNS_SOFT */
static stralloc soft_name;
static struct said soft_said[SERVERS_MAX];
static int soft_seen;

/* adds address text a[0..n) with port (0: 53); 1 ok, 0 not an address */
static int server_add(const char *a, size_t n, unsigned long port)
{
  char text[INET6_ADDRSTRLEN];
  struct server *s;

  if (nservers >= SERVERS_MAX) return 1;
  if (n == 0 || n >= sizeof text) return 0;
  memcpy(text, a, n);
  text[n] = 0;
  if (!port) port = 53;
  if (port > 65535) return 0;
  s = &servers[nservers];
  memset(s, 0, sizeof *s);
  if (byte_chr(text, n, ':') == n) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&s->sa;

    if (inet_pton(AF_INET, text, &sin->sin_addr) != 1) return 0;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)port);
    s->len = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->sa;

    if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1) return 0;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)port);
    s->len = sizeof *sin6;
  }
  nservers++;
  return 1;
}

/* one entry of QMAILDNS: IP, IP:PORT (IPv4) or [IPv6]:PORT, [IPv6], IPv6 */
static void env_server(const char *t, size_t n)
{
  unsigned long port = 0;
  size_t colon = byte_rchr(t, n, ':');

  if (n && t[0] == '[') {
    size_t close = byte_chr(t, n, ']');

    if (close == n) return;
    if (close + 1 < n) {
      if (t[close + 1] != ':' || scan_ulong(t + close + 2, n - close - 2, &port) != n - close - 2 ||
          !port)
        return;
    }
    server_add(t + 1, close - 1, port);
  } else if (colon < n && byte_chr(t, n, ':') == colon) {
    if (scan_ulong(t + colon + 1, n - colon - 1, &port) != n - colon - 1 || !port) return;
    server_add(t, colon, port);
  } else
    server_add(t, n, 0);
}

static unsigned int option_value(const char *s, size_t n, unsigned int max)
{
  unsigned long u;

  if (!scan_ulong(s, n, &u) || u == 0) return 0;
  return u > max ? max : (unsigned int)u;
}

static int space(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* the options of /etc/resolv.conf, and its servers if want_servers */
static void resolv_conf(int want_servers)
{
  stralloc f = STRALLOC_ZERO;
  size_t i = 0;

  if (readfile("/etc/resolv.conf", &f, RESOLV_CONF_MAX) != 1) { stralloc_free(&f); return; }
  while (i < f.len) {
    size_t eol = i + byte_chr(f.s + i, f.len - i, '\n');
    size_t w = i;
    int kind = 0; /* 1 nameserver, 2 options */

    while (w < eol) {
      size_t e = w;

      while (w < eol && space(f.s[w])) w++;
      e = w;
      while (e < eol && !space(f.s[e])) e++;
      if (e == w) break;
      if (!kind) {
        if (e - w == 10 && byte_equal(f.s + w, 10, "nameserver")) kind = 1;
        else if (e - w == 7 && byte_equal(f.s + w, 7, "options")) kind = 2;
        else break;
      } else if (kind == 1) {
        /* a scoped link-local address (fe80::1%eth0) is left out */
        if (want_servers && byte_chr(f.s + w, e - w, '%') == e - w) server_add(f.s + w, e - w, 0);
        break;
      } else {
        unsigned int v;

        if (e - w > 8 && byte_equal(f.s + w, 8, "timeout:")) {
          if ((v = option_value(f.s + w + 8, e - w - 8, TIMEOUT_MAX))) timeout_seconds = v;
        } else if (e - w > 9 && byte_equal(f.s + w, 9, "attempts:")) {
          if ((v = option_value(f.s + w + 9, e - w - 9, ATTEMPTS_MAX))) attempts = v;
        }
      }
      w = e;
    }
    i = eol + 1;
  }
  stralloc_free(&f);
}

static void configure(void)
{
  const char *e = env_get("QMAILDNS");

  if (configured) return;
  configured = 1;
  if (e) {
    size_t n = str_len(e), i = 0;

    while (i < n) {
      size_t j = i;

      while (j < n && e[j] != ' ' && e[j] != ',' && e[j] != '\t') j++;
      if (j > i) env_server(e + i, j - i);
      i = j + 1;
    }
  }
  /* a QMAILDNS without one usable entry counts as unset */
  resolv_conf(nservers == 0);
  if (!nservers) server_add("127.0.0.1", 9, 0);
  e = env_get("QMAILDNSTIMEOUT");
  if (e) {
    unsigned int v = option_value(e, str_len(e), TIMEOUT_MAX);

    if (v) timeout_seconds = v;
  }
}

/* ---- transport ---- */

static long long now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 ready, 0 deadline passed, -1 error */
static int wait_for(int fd, short events, long long deadline)
{
  for (;;) {
    struct pollfd pf;
    long long left = deadline - now_ms();
    int r;

    if (left <= 0) return 0;
    if (left > INT_MAX) left = INT_MAX;
    pf.fd = fd;
    pf.events = events;
    pf.revents = 0;
    r = poll(&pf, 1, (int)left);
    if (r == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r) return 1;
  }
}

static stralloc query;
static stralloc answer;

static int udp_ask(struct server *s, const char *name, unsigned int type,
  struct dns_records *r, unsigned int *links)
{
  struct sockaddr_storage local;
  long long deadline;
  int fd, rc, bad = 0;

  rc = dns_query_make(&query, (unsigned int)dns_random(65536), name, type);
  if (rc != DNS_OK) return rc;
  if (!stralloc_ready(&answer, UDP_MAX)) return DNS_NOMEM;
  fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd == -1) {
    s->said.what = SAID_ERROR;
    s->said.err = errno;
    return errno == ENOMEM || errno == ENOBUFS ? DNS_NOMEM : DNS_SOFT;
  }
  /* a fresh socket on port 0: the kernel picks a random source port */
  memset(&local, 0, sizeof local);
  local.ss_family = s->sa.ss_family;
  if (bind(fd, (struct sockaddr *)&local, s->len) == -1 ||
      connect(fd, (const struct sockaddr *)&s->sa, s->len) == -1 ||
      send(fd, query.s, query.len, 0) != (ssize_t)query.len) {
    s->said.what = SAID_ERROR;
    s->said.err = errno;
    close(fd);
    return DNS_SOFT;
  }
  s->said.what = SAID_TIMEOUT;
  deadline = now_ms() + (long long)timeout_seconds * 1000;
  for (;;) {
    ssize_t n;

    if (wait_for(fd, POLLIN, deadline) != 1) break;
    n = recv(fd, answer.s, UDP_MAX, 0);
    if (n == -1) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      /* ECONNREFUSED: nobody listens there */
      s->said.what = SAID_ERROR;
      s->said.err = errno;
      close(fd);
      return DNS_SOFT;
    }
    rc = dns_parse((unsigned char *)answer.s, (size_t)n, (unsigned char *)query.s, query.len, r, links);
    if (rc == -1) { bad = 1; continue; } /* not an answer to this query: wait on */
    close(fd);
    if (rc == DNS_SOFT) {
      s->said.rcode = (unsigned char)answer.s[3] & 0x0f;
      s->said.what = s->said.rcode ? SAID_RCODE : SAID_BAD;
    }
    return rc;
  }
  if (bad) s->said.what = SAID_BAD;
  close(fd);
  return DNS_SOFT;
}

/* reads or writes exactly n bytes before deadline; 1 ok, 0 not */
static int tcp_io(int fd, int writing, char *b, size_t n, long long deadline)
{
  while (n) {
    ssize_t k;

    if (wait_for(fd, writing ? POLLOUT : POLLIN, deadline) != 1) return 0;
    k = writing ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
    if (k == -1) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return 0;
    }
    if (k == 0) return 0;
    b += k;
    n -= (size_t)k;
  }
  return 1;
}

static int tcp_ask(struct server *s, const char *name, unsigned int type,
  struct dns_records *r, unsigned int *links)
{
  long long deadline = now_ms() + (long long)timeout_seconds * 1000;
  unsigned char lenbytes[2];
  size_t alen;
  int fd, rc, err;
  socklen_t errlen = sizeof err;

  rc = dns_query_make(&query, (unsigned int)dns_random(65536), name, type);
  if (rc != DNS_OK) return rc;
  if (!stralloc_ready(&answer, 65536)) return DNS_NOMEM;
  fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd == -1) return errno == ENOMEM || errno == ENOBUFS ? DNS_NOMEM : DNS_SOFT;
  if (connect(fd, (const struct sockaddr *)&s->sa, s->len) == -1) {
    if (errno != EINPROGRESS || wait_for(fd, POLLOUT, deadline) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 || err) {
      close(fd);
      return DNS_SOFT;
    }
  }
  lenbytes[0] = (unsigned char)(query.len >> 8);
  lenbytes[1] = (unsigned char)query.len;
  if (!tcp_io(fd, 1, (char *)lenbytes, 2, deadline) || !tcp_io(fd, 1, query.s, query.len, deadline) ||
      !tcp_io(fd, 0, (char *)lenbytes, 2, deadline)) {
    close(fd);
    return DNS_SOFT;
  }
  alen = get16(lenbytes);
  if (!tcp_io(fd, 0, answer.s, alen, deadline)) {
    close(fd);
    return DNS_SOFT;
  }
  close(fd);
  rc = dns_parse((unsigned char *)answer.s, alen, (unsigned char *)query.s, query.len, r, links);
  if (rc == -1 || rc == DNS_TRUNC) return DNS_SOFT;
  if (rc == DNS_SOFT && (answer.s[3] & 0x0f)) {
    s->said.what = SAID_RCODE;
    s->said.rcode = (unsigned char)answer.s[3] & 0x0f;
  }
  return rc;
}

/* one name, no CNAME chasing beyond the answer: every server, attempts times */
static int ask(const char *name, unsigned int type, struct dns_records *r, unsigned int *links)
{
  unsigned int a, i;

  configure();
  for (i = 0; i < nservers; i++) servers[i].said.what = SAID_NOTHING;
  for (a = 0; a < attempts; a++)
    for (i = 0; i < nservers; i++) {
      int rc = udp_ask(&servers[i], name, type, r, links);

      if (rc == DNS_TRUNC) {
        servers[i].said.what = SAID_TCP;
        rc = tcp_ask(&servers[i], name, type, r, links);
      }
      if (rc != DNS_SOFT) return rc;
    }
  for (i = 0; i < nservers; i++) soft_said[i] = servers[i].said;
  soft_seen = stralloc_copys(&soft_name, name) && stralloc_0(&soft_name);
  return DNS_SOFT;
}

int dns_resolve(const char *name, unsigned int type, struct dns_records *r)
{
  stralloc cur = STRALLOC_ZERO;
  unsigned int total = 0;
  int rc;

  r->data.len = 0;
  r->name.len = 0;
  r->count = 0;
  r->skipped = 0;
  if (!dns_name_valid(name, str_len(name))) return DNS_BAD;
  if (!stralloc_copys(&cur, name) || !stralloc_0(&cur)) return DNS_NOMEM;
  for (;;) {
    unsigned int links = 0;

    rc = ask(cur.s, type, r, &links);
    total += links;
    if (total > DNS_CNAME_MAX) { rc = DNS_BAD; break; }
    if (rc != DNS_NODATA || links == 0) break;
    /* the answer's CNAME chain ended without records: ask its end */
    if (!stralloc_copyb(&cur, r->name.s, r->name.len) || !stralloc_0(&cur)) { rc = DNS_NOMEM; break; }
  }
  stralloc_free(&cur);
  if (rc != DNS_OK && rc != DNS_NODATA) {
    r->data.len = 0;
    r->count = 0;
    r->skipped = 0;
  }
  return rc;
}

/* "10.0.0.53 port 53" */
static int cat_server(stralloc *out, const struct server *s)
{
  char text[INET6_ADDRSTRLEN];
  const void *ip;
  unsigned int port;

  if (s->sa.ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&s->sa;
    ip = &sin6->sin6_addr;
    port = ntohs(sin6->sin6_port);
  } else {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&s->sa;
    ip = &sin->sin_addr;
    port = ntohs(sin->sin_port);
  }
  if (!inet_ntop(s->sa.ss_family, ip, text, sizeof text)) return stralloc_cats(out, "?");
  return stralloc_cats(out, text) && stralloc_cats(out, " port ") && stralloc_catulong(out, port);
}

static const char *rcode_name(unsigned int rcode)
{
  switch (rcode) {
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return 0;
  }
}

int dns_soft_why(stralloc *out)
{
  unsigned int i;
  int first = 1;

  if (!soft_seen) return 1;
  for (i = 0; i < nservers; i++) {
    const struct said *d = &soft_said[i];
    const char *rn;
    int ok = 1;

    if (d->what == SAID_NOTHING) continue;
    if (!first && !stralloc_cats(out, "; ")) return 0;
    first = 0;
    switch (d->what) {
      case SAID_TIMEOUT:
        ok = stralloc_cats(out, "no answer from ") && cat_server(out, &servers[i]);
        break;
      case SAID_ERROR:
        ok = stralloc_cats(out, "no answer from ") && cat_server(out, &servers[i]) &&
          stralloc_cats(out, " (") && stralloc_cats(out, error_str(d->err)) && stralloc_cats(out, ")");
        break;
      case SAID_RCODE:
        rn = rcode_name(d->rcode);
        ok = cat_server(out, &servers[i]) && stralloc_cats(out, " answered ") &&
          (rn ? stralloc_cats(out, rn)
              : stralloc_cats(out, "with error code ") && stralloc_catulong(out, d->rcode));
        break;
      case SAID_BAD:
        ok = stralloc_cats(out, "no usable answer from ") && cat_server(out, &servers[i]);
        break;
      default:
        ok = stralloc_cats(out, "a truncated answer from ") && cat_server(out, &servers[i]) &&
          stralloc_cats(out, " and no answer over TCP");
        break;
    }
    if (!ok) return 0;
  }
  return 1;
}

const char *dns_soft_name(void)
{
  return soft_seen && soft_name.len ? soft_name.s : 0;
}
