/* mx: where mail for a domain goes (the resolver's interface to
   qmail-remote). Implemented on top of dns.h. */
#ifndef MX_H
#define MX_H
#include <stddef.h>
#include "stralloc.h"

struct mx_host {
  unsigned int pref;       /* MX preference; 0 for literals, relays, implicit MX */
  int family;              /* 4 or 6 */
  unsigned char ip[16];    /* 4 bytes used for IPv4 */
};
struct mx_list { struct mx_host *h; size_t len, alloc; };
#define MX_LIST_ZERO { 0, 0, 0 }

/* flags: address families wanted (0: both) */
#define MX_V4 1
#define MX_V6 2

/* outcomes */
#define MX_OK      0  /* list has at least one address, best first */
#define MX_SOFT    1  /* temporary DNS trouble (timeout, SERVFAIL, truncation TCP could not fix): Z, #4.4.3 */
#define MX_NXDOMAIN 2 /* the domain does not exist: D, #5.1.2 */
#define MX_NULLMX  3  /* RFC 7505 null MX: D, #5.1.10 */
#define MX_NOADDR  4  /* the domain exists but no host of it has an address: D, #5.4.4 */
#define MX_SELF    5  /* an address of a best MX is one of this host's own and no better MX is left: D, #5.4.6 */
#define MX_BAD     6  /* an unusable name: too long, bad bytes, CNAME loop/chain deeper than 16, ...: D, #5.1.2 */
#define MX_NOMEM   7  /* out of memory: Z, #4.3.0 */

/* domain: NUL-terminated, as after the last '@' of a recipient. Handles
   "[1.2.3.4]", "[IPv6:...]" and bare dotted quads as literals; MX records
   (preference order, random tie-breaking), null MX, implicit MX (A/AAAA of the
   domain when it has no MX records), CNAMEs, and the rule that an MX list
   containing one of our own addresses keeps only the MXs strictly better than
   our best one. flags: MX_V4 | MX_V6 (address families wanted; both by
   default). why gets a one-line human-readable explanation on failure
   (no trailing newline, no code). */
int mx_lookup(const char *domain, int flags, struct mx_list *out, stralloc *why);
/* smtproutes relay: A/AAAA (or literal) of host only, no own-address check. */
int mx_relay(const char *host, int flags, struct mx_list *out, stralloc *why);
void mx_list_free(struct mx_list *l);
/* 1 if ip (family 4/6) is an address of this host (getifaddrs, plus 0.0.0.0 and ::) */
int mx_ipme(int family, const unsigned char *ip);

#endif
