/* rewrite: how qmail-send classifies and rewrites an envelope recipient
   during preprocessing (reference §4.5), and the inverse used in bounces.
   Pure functions over byte strings, shared by qmail-send and its tests. */
#ifndef REWRITE_H
#define REWRITE_H
#include <stddef.h>

struct stralloc;
struct map;

struct rewrite_config {
  const struct map *locals;         /* list map */
  const struct map *percenthack;    /* list map */
  const struct map *virtualdomains; /* colon map */
  const char *envnoathost;          /* NUL-terminated */
};

#define CHANNEL_LOCAL 0
#define CHANNEL_REMOTE 1

/* rewrites addr[0..len) into out (not NUL-terminated); returns
   CHANNEL_LOCAL or CHANNEL_REMOTE, or -1 on ENOMEM */
int rewrite_recipient(const struct rewrite_config *cfg, const char *addr, size_t len,
                      struct stralloc *out);
/* bounce text form of a queued recipient: strips "P-" when the domain maps
   to virtual prefix P and the local part starts with it. 1 ok, 0 ENOMEM */
int rewrite_unvirtual(const struct rewrite_config *cfg, const char *addr, size_t len,
                      struct stralloc *out);

/* VERP: when sender ends in "-@[]" it is a template prefix@host-@[]; out is
   prefix + box "=" rhost "@" host for recipient box@rhost. Otherwise out is
   the sender unchanged. out is NUL-terminated. 1 ok, 0 ENOMEM */
int verp_sender(const char *sender, size_t slen, const char *recipient, size_t rlen,
                struct stralloc *out);

/* The control files of the classification, read from the current
   directory (the home): control/me, control/envnoathost (default: me),
   control/locals (default: me), control/percenthack,
   control/virtualdomains. qmail-send and qmail-smtpd read them with this
   one function, so the relay decision and the routing agree.
   After rewrite_control_read returns 0, cfg is ready to use; me is the
   contents of control/me (possibly empty, not NUL-terminated). */
#include "map.h"
#include "stralloc.h"
struct rewrite_control {
  struct rewrite_config cfg;
  stralloc me, envnoathost, locals_list, percenthack_list, vd_list;
  struct map locals, percenthack, vd;
};
/* 0 ok; -1 with errno and *which naming the file (or "memory") */
int rewrite_control_read(struct rewrite_control *c, const char **which);
void rewrite_control_free(struct rewrite_control *c);

#endif
