/* smtpaddr: the argument of MAIL FROM: and RCPT TO:, parsed the way
   qmail-smtpd reads it, and the canonical form every later decision uses.
   Pure functions over byte strings (unit tests and a fuzz harness drive
   them).

   Parsing: the path is what follows the first '<' up to its '>' (outside
   double quotes); without a '<', what follows the first ':' (spaces
   skipped) up to a space. A source route "@a,@b:" before the mailbox is
   dropped. Double quotes are removed and a backslash takes the next byte
   literally (the content is kept). What follows the path is the ESMTP
   parameters, as words separated by spaces.

   Canonical form: the domain (after the LAST '@', as the routing and the
   relay decision both split) in ASCII lower case, without trailing dots. */
#ifndef SMTPADDR_H
#define SMTPADDR_H
#include <stddef.h>

struct stralloc;

/* arg[0..len): the command's argument, after the verb. On 1, addr holds
   the address (not NUL-terminated, may be empty: the null sender) and
   *params the offset in arg where the parameters start (== len when there
   are none). 0 syntax error (no colon, no closing '>', an unterminated
   quote, a NUL or any other control byte in the address), -1 ENOMEM. */
int smtpaddr_parse(const char *arg, size_t len, struct stralloc *addr, size_t *params);

/* the canonical form, in place: 1 ok, 0 the domain is empty after an '@'
   (or is only dots) */
int smtpaddr_canon(struct stralloc *addr);

/* the next parameter of params[0..len) from *pos on: key and keylen the
   name (before '='), val and vallen the value (after '=', possibly empty)
   and hasval whether there was an '='. 1 a parameter, 0 none left. */
int smtpaddr_param(const char *params, size_t len, size_t *pos,
                   const char **key, size_t *keylen,
                   const char **val, size_t *vallen, int *hasval);

/* 1 when s[0..n) equals the ASCII word w ignoring case */
int smtpaddr_is(const char *s, size_t n, const char *w);

/* does addr match a badmailfrom/badrcptto list (entries NUL-terminated):
   an entry equal to the address, or an entry "@domain" equal to its
   domain, ignoring ASCII case? */
int smtpaddr_listed(const char *list, size_t listlen, const char *addr, size_t len);

#endif
