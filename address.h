/* address: RFC 5322 address lists (section 3.4) as qmail-inject reads them
   from To, Cc, From and the other address fields, and qmail-inject's
   rewriting of each address (default host, plus domain, default domain).
   Pure functions over byte buffers.

   Accepted: comments (nested, with quoted pairs), quoted strings, domain
   literals, folding white space anywhere between tokens; mailboxes as
   addr-spec or [display-name] <addr-spec>, with an obsolete source route
   "<@a,@b:user@host>" (dropped); groups "name: a, b;" (also empty, and a
   missing final ";" at the end of the input); empty list elements
   ("a,,b"); an addr-spec without "@domain" (qmail-inject appends the default
   host); and addresses following one another without a comma, as qmail
   inserts the comma. Bytes 128..255 count as atom text (UTF-8 names).
   Refused: unterminated quotes, comments and literals, a stray ")" "]" ">"
   or backslash, control bytes outside quotes and comments, an "@" without a
   domain, dots at the ends of a domain or local part made of atoms. */
#ifndef ADDRESS_H
#define ADDRESS_H
#include <stddef.h>
#include "stralloc.h"

#define ADDRESS_MAILBOX 1   /* one address */
#define ADDRESS_GROUP 2     /* the start of a group: span covers "name:" */
#define ADDRESS_GROUP_END 3 /* the end of a group: span covers ";" (empty,
                               at the end of input, when it was missing) */

struct address_entry {
  int kind;
  /* input[start..end): the entry as written, with its display name, angle
     brackets and comments (those after it up to the next separator) */
  size_t start, end;
  /* input[specstart..specend): the addr-spec alone (inside the brackets,
     without the source route), for replacing it with the rewritten one */
  size_t specstart, specend;
  /* text[local..local+locallen): the local part, unquoted;
     text[domain..domain+domainlen): the domain (a literal keeps its
     brackets), when hasdomain */
  size_t local, locallen, domain, domainlen;
  int hasdomain;   /* an "@domain" was written */
  int angle;       /* written inside "<...>" ("<>" gives locallen 0) */
  int route;       /* a source route was dropped */
  size_t routestart; /* when route: input offset of the route's first
                        token, so input[routestart..specend) is what to
                        replace to drop it */
  int nocomma;     /* followed the previous address without a comma */
};

struct address_list {
  struct address_entry *entry;
  size_t count;
  size_t allocated;   /* private */
  stralloc text;      /* the unquoted local parts and domains */
};

#define ADDRESS_LIST_ZERO { 0, 0, 0, STRALLOC_ZERO }

/* Parses s[0..n) (a field value; folding allowed) into l, replacing what l
   held. 1 ok; 0 a syntax error, *errpos its offset in s; -1 out of memory
   or a size overflow (errno set). */
int address_parse(struct address_list *l, const char *s, size_t n, size_t *errpos);
void address_list_free(struct address_list *l);

/* the host names of qmail-inject's rewriting, NUL-terminated; a NULL or
   empty one is not appended */
struct address_hosts {
  const char *defaulthost;
  const char *defaultdomain;
  const char *plusdomain;
};

/* qmail-inject's rewriting of one address (local part unquoted): replaces
   out with "local@domain" unquoted, the envelope form. The empty address
   stays empty. Without a domain, defaulthost is used. A domain ending in
   "+" loses it and gets "." plusdomain. A domain without a dot that is not
   a literal, not "localhost" and not defaultdomain itself gets "."
   defaultdomain. 1 ok, 0 out of memory (errno set). */
int address_rewrite(stralloc *out, const char *local, size_t locallen, int hasdomain,
                    const char *domain, size_t domainlen, const struct address_hosts *hosts);

#endif
