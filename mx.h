/* mx: where mail for a domain goes, for qmail-remote: the addresses to try,
   best first. Built on dns.h (server selection, timeouts, QMAILDNS).

   Order: MX records by preference, ties in random order; each host's
   addresses stay together, its IPv6 (AAAA) addresses before its IPv4 (A)
   ones, each family in the order of the answer. At most MX_HOSTS_MAX MX
   records (the best ones) are used and at most MX_ADDRS_MAX addresses
   kept.

   An MX target that is not a usable host name is skipped: bytes other than
   letters, digits, '-', '_' and '.', a name longer than 255 bytes, a name
   that looks like an IP address (digits and dots only), "localhost" or a
   name under "localhost.". A target whose CNAME chain is too long or loops,
   or that has no A/AAAA, is skipped too. If no target gave an address:
   MX_SOFT if one of them had a temporary DNS error, else MX_NOADDR. A
   target with a temporary error is skipped when others have addresses
   (the message goes to a worse MX rather than waiting for a better one).
   After MX_SOFT_HOSTS_MAX hosts with temporary errors no further host is
   asked. A lookup therefore takes at most about (2 + 2 x MX_SOFT_HOSTS_MAX)
   x servers x attempts x timeout when the DNS does not answer at all, and
   mostly one query's worth, since the MX query itself fails first.

   A CNAME chain longer than 16 links, or a loop, for the domain itself is
   MX_BAD (permanent: such a chain is a broken zone, not a passing fault).

   Functions return an MX_* outcome and never exit or print. */
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

/* outcomes */
#define MX_OK      0  /* list has at least one address, best first */
#define MX_SOFT    1  /* temporary DNS trouble (timeout, SERVFAIL, truncation TCP could not fix): Z, #4.1.2 (as qmail) */
#define MX_NXDOMAIN 2 /* the domain does not exist: D, #5.1.2 */
#define MX_NULLMX  3  /* RFC 7505 null MX: D, #5.1.10 */
#define MX_NOADDR  4  /* the domain exists but no host of it has an address: D, #5.4.4 */
#define MX_SELF    5  /* an address of a best MX is one of this host's own and no better MX is left: D, #5.4.6 */
#define MX_BAD     6  /* an unusable name: too long, bad bytes, CNAME loop/chain deeper than 16, ...: D, #5.1.2 */
#define MX_NOMEM   7  /* out of memory: Z, #4.3.0 */

#define MX_V4 1
#define MX_V6 2

#define MX_HOSTS_MAX 64
#define MX_ADDRS_MAX 256
/* after this many MX hosts with temporary DNS errors no more are asked, so
   that a dead DNS costs a few timeouts, not 64 */
#define MX_SOFT_HOSTS_MAX 3

/* domain: NUL-terminated, as after the last '@' of a recipient. Handles
   "[1.2.3.4]", "[IPv6:...]" and bare dotted quads as literals; MX records
   (preference order, random tie-breaking), null MX, implicit MX (A/AAAA of
   the domain when it has no MX records), CNAMEs, and the rule that an MX
   list containing one of our own addresses keeps only the MXs strictly
   better than our best one (literals and implicit MX too: pref 0).
   flags: MX_V4 | MX_V6 (address families wanted; 0 means both). why gets,
   on failure, what the outcome and the domain do not say already, as a
   phrase without newline, code or final period (empty when there is
   nothing to add): for MX_SOFT the DNS servers asked and what each did
   ("no answer from 10.0.0.53 port 53", dns_soft_why), after "looking up
   NAME: " when the query that failed was for another name than the
   domain; for MX_BAD and literals the reason. A name in it has every byte
   outside the hostname set as '?'. */
int mx_lookup(const char *domain, int flags, struct mx_list *out, stralloc *why);
/* smtproutes relay: A/AAAA (or literal) of host only, no own-address check. */
int mx_relay(const char *host, int flags, struct mx_list *out, stralloc *why);
void mx_list_free(struct mx_list *l);
/* 1 if ip (family 4/6) is an address of this host (getifaddrs, plus 0.0.0.0
   and ::; an IPv4-mapped IPv6 address counts as its IPv4 address) */
int mx_ipme(int family, const unsigned char *ip);

/* The MX records in data[0..len) (as dns_resolve gives them, count of
   them) sorted by preference with random tie-breaking, at most max kept,
   as offsets into data in order[]; returns how many. For the fuzz harness
   and mx_lookup. */
size_t mx_order(const char *data, size_t len, size_t count, size_t *order, size_t max);
/* 1 if name may be used as a mail host (see above) */
int mx_name_usable(const char *name);

#endif
