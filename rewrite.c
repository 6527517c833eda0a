/* rewrite.c: recipient classification for qmail-send preprocessing. The
   address is split at its LAST '@' everywhere, as routing and relay checks
   do, so no two parts of the system disagree about the domain. */
#include "rewrite.h"
#include "map.h"
#include "control.h"
#include <errno.h>
#include "str.h"
#include "stralloc.h"

static size_t last_at(const char *s, size_t len)
{
  return byte_rchr(s, len, '@');
}

/* the virtual-domain prefix for addr (user@domain), or NULL (also for an
   empty value, which means "not virtual") */
static const char *virtual_prefix(const struct map *vd, const char *addr, size_t len)
{
  size_t at = last_at(addr, len);
  const char *domain, *v;
  size_t dlen, i;
  if (!vd || at == len) return 0;
  domain = addr + at + 1;
  dlen = len - at - 1;
  v = map_get(vd, addr, len);
  if (!v) v = map_get(vd, domain, dlen);
  for (i = 0; !v && i < dlen; ++i)
    if (domain[i] == '.') v = map_get(vd, domain + i, dlen - i);
  if (!v) v = map_get(vd, "", 0);
  if (!v || !*v) return 0;
  return v;
}

int rewrite_recipient(const struct rewrite_config *cfg, const char *addr, size_t len,
                      stralloc *out)
{
  size_t at;
  const char *prefix;
  if (!stralloc_copyb(out, addr, len)) return -1;
  at = last_at(out->s ? out->s : "", out->len);
  if (at == out->len) {
    if (!stralloc_append(out, '@')) return -1;
    if (!stralloc_cats(out, cfg->envnoathost)) return -1;
    at = last_at(out->s, out->len);
  }
  /* percenthack: user%host@domain -> user@host while domain is listed */
  while (cfg->percenthack) {
    size_t pct = byte_rchr(out->s, at, '%');
    if (pct == at) break;
    if (!map_get(cfg->percenthack, out->s + at + 1, out->len - at - 1)) break;
    out->s[pct] = '@';
    out->len = at;
    at = pct;
  }
  if (cfg->locals && map_get(cfg->locals, out->s + at + 1, out->len - at - 1))
    return CHANNEL_LOCAL;
  prefix = virtual_prefix(cfg->virtualdomains, out->s, out->len);
  if (prefix) {
    stralloc tmp = STRALLOC_ZERO;
    if (!stralloc_copys(&tmp, prefix) || !stralloc_append(&tmp, '-') ||
        !stralloc_cat(&tmp, out) || !stralloc_copy(out, &tmp)) {
      stralloc_free(&tmp);
      return -1;
    }
    stralloc_free(&tmp);
    return CHANNEL_LOCAL;
  }
  return CHANNEL_REMOTE;
}

int rewrite_unvirtual(const struct rewrite_config *cfg, const char *addr, size_t len,
                      stralloc *out)
{
  const char *prefix = virtual_prefix(cfg->virtualdomains, addr, len);
  if (prefix) {
    size_t plen = str_len(prefix);
    size_t at = last_at(addr, len);
    if (plen < at && byte_equal(addr, plen, prefix) && addr[plen] == '-')
      return stralloc_copyb(out, addr + plen + 1, len - plen - 1);
  }
  return stralloc_copyb(out, addr, len);
}

int verp_sender(const char *sender, size_t slen, const char *recipient, size_t rlen,
                stralloc *out)
{
  size_t at, rat;
  if (slen < 4 || !byte_equal(sender + slen - 4, 4, "-@[]")) {
    return stralloc_copyb(out, sender, slen) && stralloc_0(out);
  }
  slen -= 4;
  at = last_at(sender, slen);
  rat = last_at(recipient, rlen);
  if (!stralloc_copyb(out, sender, at)) return 0;
  if (!stralloc_catb(out, recipient, rat)) return 0;
  if (rat < rlen) {
    if (!stralloc_append(out, '=')) return 0;
    if (!stralloc_catb(out, recipient + rat + 1, rlen - rat - 1)) return 0;
  }
  if (!stralloc_catb(out, sender + at, slen - at)) return 0;
  return stralloc_0(out);
}

void rewrite_control_free(struct rewrite_control *c)
{
  stralloc_free(&c->me);
  stralloc_free(&c->envnoathost);
  stralloc_free(&c->locals_list);
  stralloc_free(&c->percenthack_list);
  stralloc_free(&c->vd_list);
  map_free(&c->locals);
  map_free(&c->percenthack);
  map_free(&c->vd);
}

int rewrite_control_read(struct rewrite_control *c, const char **which)
{
  struct rewrite_control z = { { 0, 0, 0, 0 }, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO,
                               STRALLOC_ZERO, STRALLOC_ZERO, MAP_ZERO, MAP_ZERO, MAP_ZERO };
  int r;

  *c = z;
#define TRY(fn, call) do { *which = fn; if ((call) == -1) return -1; } while (0)
  TRY("control/me", control_readline(&c->me, "control/me"));
  TRY("control/envnoathost", control_rldef(&c->envnoathost, "control/envnoathost", &c->me, "envnoathost"));
  TRY("control/locals", r = control_readlist(&c->locals_list, "control/locals"));
  if (r == 0) {
    if (!c->me.len) { *which = "control/locals (and control/me are missing)"; errno = ENOENT; return -1; }
    if (!stralloc_copy(&c->locals_list, &c->me) || !stralloc_0(&c->locals_list)) return -1;
  }
  TRY("control/percenthack", control_readlist(&c->percenthack_list, "control/percenthack"));
  TRY("control/virtualdomains", control_readlist(&c->vd_list, "control/virtualdomains"));
#undef TRY
  *which = "memory";
  if (!stralloc_0(&c->envnoathost)) return -1;
  if (!map_init(&c->locals, c->locals_list.s, c->locals_list.len, 0)) return -1;
  if (!map_init(&c->percenthack, c->percenthack_list.s, c->percenthack_list.len, 0)) return -1;
  if (!map_init(&c->vd, c->vd_list.s, c->vd_list.len, 1)) return -1;
  c->cfg.locals = &c->locals;
  c->cfg.percenthack = &c->percenthack;
  c->cfg.virtualdomains = &c->vd;
  c->cfg.envnoathost = c->envnoathost.s;
  return 0;
}
