/* rcpthosts: the relay decision of qmail-smtpd, which recipient domains it
   accepts mail for (control/rcpthosts and control/morercpthosts.cdb). */
#ifndef RCPTHOSTS_H
#define RCPTHOSTS_H
#include <stddef.h>

struct cdb;

/* the rcpthosts decision for a recipient domain: 1 accepted, 0 not, -1 error.
   rcpthosts is the control/rcpthosts list (entries NUL-terminated, as
   control_readlist gives them), mrh the open morercpthosts.cdb or NULL.
   A domain matches an entry equal to it (case-insensitive) or, for an
   entry starting with '.', any domain ending with it; the same for the
   domain's parents in the cdb as qmail does. An address with no '@' is
   always accepted.
   The domain is what follows the last '@'. In the cdb (whose keys are
   lower case) the lowercased domain is looked up, then each of its
   suffixes that starts with '.'. When control/rcpthosts does not exist the
   caller accepts every domain without calling this (qmail's open-relay
   default; morercpthosts.cdb is then not consulted either). A trailing
   fragment of rcpthosts without its NUL is ignored. */
int rcpthosts_match(const char *rcpthosts, size_t len, struct cdb *mrh, const char *addr, size_t addrlen);

#endif
