/* dns: a stub resolver of our own, for qmail-remote. libc only: no res_*
   functions, no getaddrinfo for DNS data.

   Servers: the environment variable QMAILDNS, a list (space or comma
   separated) of IP, IP:PORT or [IPv6]:PORT, else the nameserver lines of
   /etc/resolv.conf (IPv4 and IPv6, the first 3), else 127.0.0.1. The
   timeout per try is `options timeout:N` of resolv.conf (default 5 s,
   at most 30), overridden by QMAILDNSTIMEOUT (seconds, 1..30); every
   server is tried `options attempts:N` times (default 2, at most 5).

   A query goes over UDP from a fresh socket bound to port 0 (so the kernel
   picks a random source port) with a random 16-bit id (getrandom, else
   /dev/urandom); an answer whose id or question does not match is ignored
   and the wait goes on until the deadline. A truncated answer (TC) is
   asked again over TCP from the same server. SERVFAIL, REFUSED, other
   errors and garbage move on to the next server; if none gives an answer
   the result is DNS_SOFT.

   Answers are parsed defensively (dns_parse, callable on a byte buffer):
   the id, the question, QR and the opcode must match; compression pointers
   must point strictly before every earlier part of the same name, so they
   cannot loop and a name costs at most one pass over the packet; a label
   is at most 63 bytes and a name at most 255 in wire form; every rdlength
   lies inside the packet and a record's data inside its rdlength; only
   class IN counts. A name that is not a hostname (bytes other than
   letters, digits, '-', '_'; empty labels; longer than 255) is never
   queried and never returned: a record naming one is skipped.

   CNAMEs are followed, in the answer and by asking again, for at most
   DNS_CNAME_MAX links; a longer chain, or a loop, is DNS_BAD.

   Functions return a DNS_* result and never exit or print. */
#ifndef DNS_H
#define DNS_H
#include <stddef.h>
#include "stralloc.h"

#define DNS_T_A 1
#define DNS_T_CNAME 5
#define DNS_T_MX 15
#define DNS_T_AAAA 28

#define DNS_OK 0       /* at least one record */
#define DNS_NODATA 1   /* the name exists, no record of that type */
#define DNS_NXDOMAIN 2 /* the name does not exist */
#define DNS_SOFT 3     /* timeout, SERVFAIL, REFUSED, garbage, truncation TCP did not fix */
#define DNS_BAD 4      /* an unusable name, or a CNAME chain too long or looping */
#define DNS_NOMEM 5    /* out of memory */
#define DNS_TRUNC 6    /* dns_parse only: the answer was truncated (TC) */

#define DNS_CNAME_MAX 16
#define DNS_NAME_MAX 255 /* wire form */

/* The records of one name and type. data holds them back to back:
   A: 4 bytes each; AAAA: 16 bytes each; MX: 2 bytes of preference (network
   order), then the target as lower-case text without the final dot and a
   NUL (the null MX "." has the empty target; a target that is not a
   hostname is left out and counted in skipped). name is the canonical name
   (after CNAMEs), lower case, NUL-terminated. */
struct dns_records {
  stralloc data;
  size_t count;
  size_t skipped;
  stralloc name;
};
#define DNS_RECORDS_ZERO { STRALLOC_ZERO, 0, 0, STRALLOC_ZERO }

void dns_records_free(struct dns_records *r);

/* 1 if name (n bytes, one final dot allowed) is a hostname we may query:
   labels of 1..63 letters, digits, '-' or '_', at most 253 bytes of text. */
int dns_name_valid(const char *name, size_t n);

/* Writes the question packet (header with the id and RD, one question of
   type, class IN) for name into q. DNS_OK, DNS_BAD, DNS_NOMEM. */
int dns_query_make(stralloc *q, unsigned int id, const char *name, unsigned int type);

/* Parses answer pkt[0..len) to query q[0..qlen) (as dns_query_make made).
   DNS_OK with the records of the type for the end of the CNAME chain in the
   answer (r->name); DNS_NODATA, also with r->name: when it differs from the
   name asked, the chain ended without records and that name must be asked
   (dns_resolve does); *links gets the CNAME links followed. DNS_NXDOMAIN,
   DNS_TRUNC, DNS_SOFT (an error rcode), DNS_BAD (a CNAME chain longer than
   DNS_CNAME_MAX or looping, or a CNAME to a name that is not a hostname),
   DNS_NOMEM, and -1 for an answer that does not answer q (wrong id or
   question, not a response) or is malformed. */
int dns_parse(const unsigned char *pkt, size_t len, const unsigned char *q, size_t qlen,
  struct dns_records *r, unsigned int *links);

/* The records of name and type, following CNAMEs (r->name is the end of
   the chain). DNS_OK, DNS_NODATA, DNS_NXDOMAIN, DNS_SOFT, DNS_BAD,
   DNS_NOMEM. */
int dns_resolve(const char *name, unsigned int type, struct dns_records *r);

/* What the servers did with the last query that ended DNS_SOFT (one
   ask of one name, every server, every attempt), appended to out: per
   server asked, its last outcome, joined by "; ": "no answer from
   10.0.0.53 port 53", "no answer from ::1 port 53 (connection refused)",
   "10.0.0.53 port 53 answered SERVFAIL", "no usable answer from ...",
   "a truncated answer from ... and no answer over TCP". Nothing when no
   query ended DNS_SOFT. 0 out of memory, else 1. */
int dns_soft_why(stralloc *out);
/* the name of that query (NUL-terminated), or NULL */
const char *dns_soft_name(void);

/* A random number below n (n > 0), from getrandom or /dev/urandom. */
unsigned long dns_random(unsigned long n);

#endif
