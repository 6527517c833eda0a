/* mx: MX resolution for qmail-remote; see mx.h for the contract. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "dns.h"
#include "mx.h"
#include "str.h"

#define WHY_NAME_MAX 300

void mx_list_free(struct mx_list *l)
{
  free(l->h);
  l->h = 0;
  l->len = 0;
  l->alloc = 0;
}

/* 1 ok, 0 out of memory */
static int list_add(struct mx_list *l, unsigned int pref, int family, const unsigned char *ip)
{
  struct mx_host *h;

  if (l->len == l->alloc) {
    size_t n, bytes;

    if (__builtin_mul_overflow(l->alloc, (size_t)2, &n)) return 0;
    if (n < 8) n = 8;
    if (__builtin_mul_overflow(n, sizeof *h, &bytes)) return 0;
    h = realloc(l->h, bytes);
    if (!h) return 0;
    l->h = h;
    l->alloc = n;
  }
  h = &l->h[l->len++];
  memset(h, 0, sizeof *h);
  h->pref = pref;
  h->family = family;
  memcpy(h->ip, ip, family == 4 ? 4 : 16);
  return 1;
}

/* ---- own addresses ---- */

static stralloc me; /* [family][16 bytes]... */
static int me_known;

static void me_load(void)
{
  struct ifaddrs *ifa, *i;
  char rec[17];

  if (me_known) return;
  me.len = 0;
  memset(rec, 0, sizeof rec);
  rec[0] = 4;
  if (!stralloc_catb(&me, rec, 17)) return;
  rec[0] = 6;
  if (!stralloc_catb(&me, rec, 17)) return;
  if (getifaddrs(&ifa) == -1) return;
  for (i = ifa; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    memset(rec, 0, sizeof rec);
    if (i->ifa_addr->sa_family == AF_INET) {
      rec[0] = 4;
      memcpy(rec + 1, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      rec[0] = 6;
      memcpy(rec + 1, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
    } else
      continue;
    if (!stralloc_catb(&me, rec, 17)) { freeifaddrs(ifa); return; }
  }
  freeifaddrs(ifa);
  me_known = 1;
}

int mx_ipme(int family, const unsigned char *ip)
{
  static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
  size_t i;

  if (family == 6 && memcmp(ip, mapped, 12) == 0) {
    family = 4;
    ip += 12;
  }
  if (family != 4 && family != 6) return 0;
  me_load();
  for (i = 0; i + 17 <= me.len; i += 17)
    if (me.s[i] == family && memcmp(me.s + i + 1, ip, family == 4 ? 4 : 16) == 0) return 1;
  return 0;
}

/* ---- names ---- */

int mx_name_usable(const char *name)
{
  size_t n = str_len(name), i;

  if (!dns_name_valid(name, n)) return 0;
  if (name[n - 1] == '.') n--;
  for (i = 0; i < n; i++)
    if (name[i] != '.' && (name[i] < '0' || name[i] > '9')) break;
  if (i == n) return 0; /* an address written as a name */
  if (n >= 9 && case_equalb(name + n - 9, 9, "localhost") && (n == 9 || name[n - 10] == '.'))
    return 0;
  return 1;
}

/* why = pieces, with name sanitised */
static void explain(stralloc *why, const char *a, const char *name, const char *b)
{
  size_t i, n = name ? str_len(name) : 0;

  if (!why) return;
  if (!stralloc_copys(why, a)) return;
  if (!name) return;
  for (i = 0; i < n && i < WHY_NAME_MAX; i++) {
    unsigned char c = (unsigned char)name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
      c == '-' || c == '_' || c == '.' || c == ':' || c == '[' || c == ']';

    if (!stralloc_append(why, ok ? (char)c : '?')) return;
  }
  if (i < n && !stralloc_cats(why, "...")) return;
  stralloc_cats(why, b);
}

/* ---- literals ---- */

/* 1 domain is a literal (result in *rc), 0 it is a name */
static int literal(const char *d, int flags, struct mx_list *out, stralloc *why, int *rc)
{
  size_t n = str_len(d), i;
  stralloc t = STRALLOC_ZERO;
  unsigned char ip[16];
  int family = 4, ok;

  if (n && d[0] == '[') {
    if (d[n - 1] != ']' || n < 3) {
      *rc = MX_BAD;
      explain(why, "not a valid address literal", 0, 0);
      return 1;
    }
    d++;
    n -= 2;
    if (n > 5 && case_equalb(d, 5, "ipv6:")) {
      family = 6;
      d += 5;
      n -= 5;
    }
  } else {
    for (i = 0; i < n; i++)
      if (d[i] != '.' && (d[i] < '0' || d[i] > '9')) return 0;
  }
  if (!stralloc_copyb(&t, d, n) || !stralloc_0(&t)) { *rc = MX_NOMEM; return 1; }
  ok = inet_pton(family == 6 ? AF_INET6 : AF_INET, t.s, ip) == 1;
  stralloc_free(&t);
  if (!ok) {
    *rc = MX_BAD;
    explain(why, "not a valid address literal", 0, 0);
    return 1;
  }
  if (!(flags & (family == 6 ? MX_V6 : MX_V4))) {
    *rc = MX_NOADDR;
    explain(why, "an address literal of a family not in use", 0, 0);
    return 1;
  }
  *rc = list_add(out, 0, family, ip) ? MX_OK : MX_NOMEM;
  return 1;
}

/* ---- addresses of one host ---- */

/* Appends the addresses of name (AAAA first, then A) with pref to out, up
   to MX_ADDRS_MAX. DNS_OK some were found, DNS_NODATA none, DNS_NXDOMAIN,
   DNS_SOFT, DNS_BAD, DNS_NOMEM. */
static int host_addresses(const char *name, unsigned int pref, int flags, struct mx_list *out)
{
  static struct dns_records r;
  int families[2] = { 6, 4 };
  int result = DNS_NODATA, found = 0, k;

  for (k = 0; k < 2; k++) {
    int family = families[k];
    size_t i, size = family == 6 ? 16 : 4;
    int rc;

    if (!(flags & (family == 6 ? MX_V6 : MX_V4))) continue;
    rc = dns_resolve(name, family == 6 ? DNS_T_AAAA : DNS_T_A, &r);
    if (rc == DNS_NOMEM) return DNS_NOMEM;
    if (rc == DNS_NXDOMAIN || rc == DNS_BAD) return found ? DNS_OK : rc;
    if (rc == DNS_SOFT) result = DNS_SOFT;
    if (rc != DNS_OK) continue;
    for (i = 0; i < r.count && out->len < MX_ADDRS_MAX; i++) {
      if (!list_add(out, pref, family, (unsigned char *)r.data.s + i * size)) return DNS_NOMEM;
      found = 1;
    }
  }
  return found ? DNS_OK : result;
}

/* ---- MX ordering ---- */

struct entry {
  unsigned int pref;
  unsigned long key;
  size_t offset;
};

static int entry_cmp(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;

  if (x->pref != y->pref) return x->pref < y->pref ? -1 : 1;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

size_t mx_order(const char *data, size_t len, size_t count, size_t *order, size_t max)
{
  struct entry *e;
  size_t bytes, i, pos = 0, n = 0;

  if (!count) return 0;
  if (__builtin_mul_overflow(count, sizeof *e, &bytes)) return (size_t)-1;
  e = malloc(bytes);
  if (!e) return (size_t)-1;
  for (i = 0; i < count && pos + 3 <= len; i++) {
    const unsigned char *p = (const unsigned char *)data + pos;
    size_t nlen = str_len(data + pos + 2);

    e[n].pref = ((unsigned int)p[0] << 8) | p[1];
    e[n].key = dns_random((unsigned long)-1);
    e[n].offset = pos;
    n++;
    pos += 2 + nlen + 1;
  }
  qsort(e, n, sizeof *e, entry_cmp);
  if (n > max) n = max;
  for (i = 0; i < n; i++) order[i] = e[i].offset;
  free(e);
  return n;
}

/* ---- the own-MX rule ---- */

static int drop_self(struct mx_list *out)
{
  size_t i, j;
  unsigned int best = 0;
  int found = 0;

  for (i = 0; i < out->len; i++)
    if (mx_ipme(out->h[i].family, out->h[i].ip) && (!found || out->h[i].pref < best)) {
      best = out->h[i].pref;
      found = 1;
    }
  if (!found) return MX_OK;
  for (i = j = 0; i < out->len; i++)
    if (out->h[i].pref < best) out->h[j++] = out->h[i];
  out->len = j;
  return j ? MX_OK : MX_SELF;
}

/* why = what the DNS servers did with the last query that failed for
   now, and the name asked when it is not the domain (an MX host, the end
   of a CNAME chain) */
static void explain_soft(stralloc *why, const char *domain)
{
  const char *name = dns_soft_name();

  if (!why) return;
  why->len = 0;
  if (name && !(str_len(name) == str_len(domain) && case_equalb(name, str_len(name), domain)))
    explain(why, "looking up ", name, ": ");
  if (!dns_soft_why(why)) why->len = 0;
  /* nothing was asked: only "looking up NAME: " */
  if (why->len >= 2 && why->s[why->len - 2] == ':') why->len -= 2;
}

static int finish(int dnsrc, const char *domain, struct mx_list *out, stralloc *why, int self)
{
  if (why) why->len = 0;
  switch (dnsrc) {
    case DNS_OK:
      if (self && drop_self(out) == MX_SELF) return MX_SELF;
      return MX_OK;
    case DNS_NOMEM:
      if (why) stralloc_copys(why, "out of memory");
      return MX_NOMEM;
    case DNS_SOFT:
      explain_soft(why, domain);
      return MX_SOFT;
    case DNS_NXDOMAIN:
      return MX_NXDOMAIN;
    case DNS_BAD:
      explain(why, "a CNAME chain that is too long, loops or leads to a name that is not a host name", 0, 0);
      return MX_BAD;
    default:
      return MX_NOADDR;
  }
}

static int start(const char *domain, int *flags, struct mx_list *out, stralloc *why, int *rc)
{
  out->len = 0;
  if (!(*flags & (MX_V4 | MX_V6))) *flags |= MX_V4 | MX_V6;
  if (literal(domain, *flags, out, why, rc)) return 1;
  if (!dns_name_valid(domain, str_len(domain))) {
    *rc = MX_BAD;
    explain(why, "not a valid host name", 0, 0);
    return 1;
  }
  return 0;
}

int mx_relay(const char *host, int flags, struct mx_list *out, stralloc *why)
{
  int rc;

  if (start(host, &flags, out, why, &rc)) return rc;
  return finish(host_addresses(host, 0, flags, out), host, out, why, 0);
}

int mx_lookup(const char *domain, int flags, struct mx_list *out, stralloc *why)
{
  static struct dns_records r;
  size_t order[MX_HOSTS_MAX], n, i;
  int rc, soft = 0, nomem = 0;

  if (start(domain, &flags, out, why, &rc)) {
    if (rc != MX_OK || drop_self(out) == MX_OK) return rc;
    explain(why, "the address literal is an address of this host", 0, 0);
    return MX_SELF;
  }
  rc = dns_resolve(domain, DNS_T_MX, &r);
  if (rc == DNS_NODATA) /* implicit MX */
    return finish(host_addresses(domain, 0, flags, out), domain, out, why, 1);
  if (rc != DNS_OK) return finish(rc, domain, out, why, 1);
  if (r.count == 1 && r.data.len == 3 && r.data.s[0] == 0 && r.data.s[1] == 0) {
    if (why) why->len = 0;
    return MX_NULLMX;
  }
  n = mx_order(r.data.s, r.data.len, r.count, order, MX_HOSTS_MAX);
  if (n == (size_t)-1) return finish(DNS_NOMEM, domain, out, why, 1);
  for (i = 0; i < n && out->len < MX_ADDRS_MAX && soft < MX_SOFT_HOSTS_MAX; i++) {
    const unsigned char *p = (const unsigned char *)r.data.s + order[i];
    const char *target = r.data.s + order[i] + 2;

    if (!mx_name_usable(target)) continue;
    switch (host_addresses(target, ((unsigned int)p[0] << 8) | p[1], flags, out)) {
      case DNS_SOFT: soft++; break;
      case DNS_NOMEM: nomem = 1; break;
    }
    if (nomem) break;
  }
  if (nomem) rc = DNS_NOMEM;
  else if (out->len) rc = DNS_OK;
  else if (soft) rc = DNS_SOFT;
  else rc = DNS_NODATA;
  return finish(rc, domain, out, why, 1);
}
