/* rcptmake: choosing the records of users/rcpt.cdb (see rcptmake.h).
   Memory is linear in the routes plus the names of one home; each lookup
   of a route costs one hash probe per prefix that ends in a byte some
   wildcard key of that tier ends in. */
#include "rcptmake.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cdb.h"
#include "dotqmail.h"
#include "rcptcheck.h"
#include "str.h"

#define NONE ((size_t)-1)

struct rcptmake_route {
  int tier;
  int wildcard;
  size_t key, keylen;   /* offsets into space: normalised key */
  size_t home;          /* NUL-terminated, or NONE */
  size_t dash, dashlen;
  size_t ext, extlen;   /* safeext of ext (or pre) */
};

static const char *at(const struct rcptmake *m, size_t off)
{
  return m->space.s + off;
}

static uint32_t route_hash(int tier, int wildcard, const char *key, size_t len)
{
  uint32_t h = cdb_hash(key, len);
  return h * 7u + (uint32_t)(tier * 2 + wildcard);
}

static size_t find(const struct rcptmake *m, int tier, int wildcard,
                   const char *key, size_t len)
{
  size_t i;

  if (!m->nslots) return NONE;
  i = route_hash(tier, wildcard, key, len) & (m->nslots - 1);
  while (m->slots[i]) {
    const struct rcptmake_route *r = &m->routes[m->slots[i] - 1];
    if (r->tier == tier && r->wildcard == wildcard && r->keylen == len &&
        memcmp(at(m, r->key), key, len) == 0)
      return m->slots[i] - 1;
    i = (i + 1) & (m->nslots - 1);
  }
  return NONE;
}

static void insert(size_t *slots, size_t nslots, const struct rcptmake *m, size_t i)
{
  const struct rcptmake_route *r = &m->routes[i];
  size_t j = route_hash(r->tier, r->wildcard, at(m, r->key), r->keylen) & (nslots - 1);
  while (slots[j]) j = (j + 1) & (nslots - 1);
  slots[j] = i + 1;
}

/* makes room for m->count routes at most half full, then hashes route
   m->count - 1, the one just added */
static int rehash(struct rcptmake *m)
{
  size_t n = m->nslots ? m->nslots : 64;
  size_t *slots, i;

  while (n / 2 <= m->count)
    if (__builtin_mul_overflow(n, 2, &n)) { errno = ENOMEM; return 0; }
  if (n != m->nslots) {
    slots = calloc(n, sizeof *slots);
    if (!slots) return 0;
    for (i = 0; i + 1 < m->count; i++) insert(slots, n, m, i);
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
  }
  insert(m->slots, m->nslots, m, m->count - 1);
  return 1;
}

static int cat_norm(stralloc *sa, const char *s, size_t n)
{
  size_t start = sa->len;
  if (!stralloc_catb(sa, s, n)) return 0;
  for (; start < sa->len; start++) {
    char c = sa->s[start];
    if (c >= 'A' && c <= 'Z') sa->s[start] = (char)(c - 'A' + 'a');
    else if (c == '.') sa->s[start] = ':';
  }
  return 1;
}

int rcptmake_route(struct rcptmake *m, int tier, int wildcard,
                   const char *key, size_t keylen, const char *home,
                   const char *dash, size_t dashlen,
                   const char *ext, size_t extlen)
{
  struct rcptmake_route r;

  if (tier < 0 || tier >= RCPTMAKE_TIERS) { errno = EINVAL; return -1; }
  wildcard = wildcard ? 1 : 0;
  if (!rcptcheck_key(&m->key, key, keylen)) return -1;
  if (find(m, tier, wildcard, m->key.s, m->key.len) != NONE) return 0;

  if (m->count == m->alloc) {
    size_t n;
    struct rcptmake_route *p;
    if (__builtin_mul_overflow(m->alloc ? m->alloc : 32, 2, &n) ||
        __builtin_mul_overflow(n, sizeof *p, &(size_t){0})) {
      errno = ENOMEM;
      return -1;
    }
    p = realloc(m->routes, n * sizeof *p);
    if (!p) return -1;
    m->routes = p;
    m->alloc = n;
  }
  r.tier = tier;
  r.wildcard = wildcard;
  r.key = m->space.len;
  r.keylen = m->key.len;
  if (!stralloc_cat(&m->space, &m->key)) return -1;
  r.home = NONE;
  r.dash = r.ext = m->space.len;
  r.dashlen = r.extlen = 0;
  if (home && tier != RCPTMAKE_EXPLICIT) {
    r.home = m->space.len;
    if (!stralloc_cats(&m->space, home) || !stralloc_0(&m->space)) return -1;
    r.dash = m->space.len;
    r.dashlen = dashlen;
    if (!stralloc_catb(&m->space, dash, dashlen)) return -1;
    r.ext = m->space.len;
    r.extlen = extlen;
    if (!cat_norm(&m->space, ext, extlen)) return -1;
  }
  m->routes[m->count++] = r;
  if (!rehash(m)) { m->count--; return -1; }
  if (wildcard && r.keylen)
    m->wild[tier][(unsigned char)at(m, r.key)[r.keylen - 1]] = 1;
  return 1;
}

int rcptmake_catchall(const struct rcptmake *m, int tier)
{
  return find(m, tier, 1, "", 0) != NONE;
}

/* the best wildcard route of tier for local parts starting with key */
static size_t best_wild(const struct rcptmake *m, int tier, const char *key, size_t len)
{
  size_t i, r;

  for (i = len; i >= 1; i--) {
    if (!m->wild[tier][(unsigned char)key[i - 1]]) continue;
    r = find(m, tier, 1, key, i);
    if (r != NONE) return r;
  }
  return find(m, tier, 1, key, 0);
}

/* the route qmail-lspawn would pick for exactly the local part key */
static size_t owner_exact(const struct rcptmake *m, const char *key, size_t len)
{
  int t;
  size_t r;

  for (t = 0; t < RCPTMAKE_TIERS; t++) {
    r = find(m, t, 0, key, len);
    if (r != NONE) return r;
    r = best_wild(m, t, key, len);
    if (r != NONE) return r;
  }
  return NONE;
}

/* the route picked for the local parts starting with key that no exact
   route and no longer prefix claims */
static size_t owner_prefix(const struct rcptmake *m, const char *key, size_t len)
{
  int t;
  size_t r;

  for (t = 0; t < RCPTMAKE_TIERS; t++) {
    r = best_wild(m, t, key, len);
    if (r != NONE) return r;
  }
  return NONE;
}

/* writes kind + m->key if route ri owns it */
static int put(struct rcptmake *m, size_t ri, char kind, int deliverable,
               rcptmake_emit emit, void *ctx)
{
  const char *k = m->key.s ? m->key.s : "";
  size_t owner = kind == RCPTCHECK_EXACT ? owner_exact(m, k, m->key.len)
                                         : owner_prefix(m, k, m->key.len);
  if (owner != ri) return 0;
  if (!stralloc_copyb(&m->probe, &kind, 1) || !stralloc_catb(&m->probe, k, m->key.len))
    return -1;
  if (emit(ctx, m->probe.s, m->probe.len, deliverable) == -1) return -1;
  if (kind == RCPTCHECK_PREFIX && m->key.len)
    m->outwild[(unsigned char)k[m->key.len - 1]] = 1;
  m->records++;
  return 0;
}

static int put_route_key(struct rcptmake *m, size_t ri, int deliverable,
                         rcptmake_emit emit, void *ctx)
{
  const struct rcptmake_route *r = &m->routes[ri];
  if (!stralloc_copyb(&m->key, at(m, r->key), r->keylen)) return -1;
  return put(m, ri, r->wildcard ? RCPTCHECK_PREFIX : RCPTCHECK_EXACT,
             deliverable, emit, ctx);
}

int rcptmake_emit_explicit(struct rcptmake *m, rcptmake_emit emit, void *ctx)
{
  size_t i;

  for (i = 0; i < m->count; i++)
    if (m->routes[i].tier == RCPTMAKE_EXPLICIT)
      if (put_route_key(m, i, 1, emit, ctx) == -1) return -1;
  return 0;
}

/* ---- homes ---- */

static const struct rcptmake *sort_m;

static int by_home(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  int c = strcmp(at(sort_m, sort_m->routes[x].home), at(sort_m, sort_m->routes[y].home));
  if (c) return c;
  return x < y ? -1 : x > y;
}

int rcptmake_plan(struct rcptmake *m)
{
  size_t i, n = 0;

  free(m->order);
  free(m->homes);
  m->order = m->homes = 0;
  m->ordered = m->nhomes = 0;
  for (i = 0; i < m->count; i++)
    if (m->routes[i].home != NONE) n++;
  if (!n) return 1;
  m->order = calloc(n, sizeof *m->order);
  m->homes = calloc(n, sizeof *m->homes);
  if (!m->order || !m->homes) return 0;
  for (i = 0; i < m->count; i++)
    if (m->routes[i].home != NONE) m->order[m->ordered++] = i;
  sort_m = m;
  qsort(m->order, n, sizeof *m->order, by_home);
  sort_m = 0;
  for (i = 0; i < n; i++)
    if (i == 0 || strcmp(at(m, m->routes[m->order[i]].home),
                         at(m, m->routes[m->order[i - 1]].home)) != 0)
      m->homes[m->nhomes++] = i;
  return 1;
}

size_t rcptmake_homes(const struct rcptmake *m)
{
  return m->nhomes;
}

const char *rcptmake_home(const struct rcptmake *m, size_t i)
{
  if (i >= m->nhomes) return 0;
  return at(m, m->routes[m->order[m->homes[i]]].home);
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* is m->probe (NUL-terminated) one of the names? */
static int have(const struct rcptmake *m)
{
  const char *p = m->probe.s;
  if (!m->nnames) return 0;
  return bsearch(&p, m->names, m->nnames, sizeof *m->names, by_name) != 0;
}

static int clean_ext(const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '.' || s[i] == '/') return 0;
  return 1;
}

/* ".qmail" dash s[0..n) suffix, NUL-terminated, in m->probe */
static int probe_name(struct rcptmake *m, const struct rcptmake_route *r,
                      const char *s, size_t n, const char *suffix)
{
  return stralloc_copys(&m->probe, ".qmail") &&
         stralloc_catb(&m->probe, at(m, r->dash), r->dashlen) &&
         stralloc_catb(&m->probe, s, n) && stralloc_cats(&m->probe, suffix) &&
         stralloc_0(&m->probe);
}

static int exact_route(struct rcptmake *m, size_t ri, int readable,
                       rcptmake_emit emit, void *ctx)
{
  const struct rcptmake_route *r = &m->routes[ri];
  int deliverable = !readable || r->dashlen == 0;

  if (!deliverable) {
    struct dotqmail_search s;
    stralloc dash = STRALLOC_ZERO, name = STRALLOC_ZERO, ext = STRALLOC_ZERO;
    size_t pos;
    int got;
    if (!stralloc_copyb(&dash, at(m, r->dash), r->dashlen) || !stralloc_0(&dash) ||
        !stralloc_copyb(&ext, at(m, r->ext), r->extlen) || !stralloc_0(&ext)) {
      stralloc_free(&dash);
      stralloc_free(&ext);
      return -1;
    }
    dotqmail_search_start(&s, dash.s, ext.s, r->extlen);
    while ((got = dotqmail_search_next(&s, &name, &pos)) == 1) {
      const char *p = name.s;
      if (m->nnames && bsearch(&p, m->names, m->nnames, sizeof *m->names, by_name)) {
        deliverable = 1;
        break;
      }
    }
    stralloc_free(&dash);
    stralloc_free(&name);
    stralloc_free(&ext);
    if (got == -1) return -1;
  }
  return put_route_key(m, ri, deliverable, emit, ctx);
}

static int wildcard_route(struct rcptmake *m, size_t ri, int readable,
                          rcptmake_emit emit, void *ctx)
{
  const struct rcptmake_route *r = &m->routes[ri];
  const char *x = at(m, r->ext);
  size_t xlen = r->extlen, qlen, i;
  int base = !readable || r->dashlen == 0;

  /* a default file for a prefix of pre covers every extension */
  for (i = xlen + 1; !base && i-- > 0;) {
    if (i > 0 && x[i - 1] != '-') continue;
    if (!probe_name(m, r, x, i, "default")) return -1;
    base = have(m);
  }
  if (put_route_key(m, ri, base, emit, ctx) == -1) return -1;
  if (base) return 0;

  qlen = 6 + r->dashlen;
  for (i = 0; i < m->nnames; i++) {
    const char *name = m->names[i];
    size_t nlen = str_len(name), slen;
    const char *s;

    r = &m->routes[ri]; /* put may not move it, but keep it obviously fresh */
    x = at(m, r->ext);
    if (nlen < qlen || memcmp(name, ".qmail", 6) != 0 ||
        memcmp(name + 6, at(m, r->dash), r->dashlen) != 0)
      continue;
    s = name + qlen;
    slen = nlen - qlen;
    if (!clean_ext(s, slen)) continue;
    if (slen < xlen || memcmp(s, x, xlen) != 0) continue;
    /* .qmail dash s: the address key + s[xlen..] */
    if (!stralloc_copyb(&m->key, at(m, r->key), r->keylen) ||
        !stralloc_catb(&m->key, s + xlen, slen - xlen))
      return -1;
    if (put(m, ri, RCPTCHECK_EXACT, 1, emit, ctx) == -1) return -1;
    /* .qmail dash Y "default": every address key + Y[xlen..] ... */
    if (slen >= 7 && memcmp(s + slen - 7, "default", 7) == 0) {
      size_t ylen = slen - 7;
      if (ylen <= xlen) continue; /* covered by the base record */
      if (s[ylen - 1] != '-') continue;
      m->key.len = r->keylen + (ylen - xlen);
      if (put(m, ri, RCPTCHECK_PREFIX, 1, emit, ctx) == -1) return -1;
    }
  }
  return 0;
}

/* a name qmail-local could open as a .qmail file: no '/' (it never tries
   such a name; a directory entry cannot hold one anyway) */
static int usable(const char *name, size_t n)
{
  return str_start(name, ".qmail") && byte_chr(name, n, '/') == n;
}

int rcptmake_emit_home(struct rcptmake *m, size_t h, const char *names, size_t len,
                       int readable, rcptmake_emit emit, void *ctx)
{
  size_t i, end, pos, n = 0;

  if (h >= m->nhomes) { errno = EINVAL; return -1; }
  m->nnames = 0;
  if (readable) {
    /* whole NUL-terminated names only; a fragment without NUL is ignored */
    for (pos = 0; pos < len; pos += end + 1) {
      end = byte_chr(names + pos, len - pos, '\0');
      if (end == len - pos) break;
      if (usable(names + pos, end)) n++;
    }
    if (n > m->anames) {
      const char **p;
      if (__builtin_mul_overflow(n, sizeof *p, &(size_t){0})) { errno = ENOMEM; return -1; }
      p = realloc(m->names, n * sizeof *p);
      if (!p) return -1;
      m->names = p;
      m->anames = n;
    }
    for (pos = 0; m->nnames < n; pos += end + 1) {
      end = byte_chr(names + pos, len - pos, '\0');
      if (usable(names + pos, end)) m->names[m->nnames++] = names + pos;
    }
    if (m->nnames) qsort(m->names, m->nnames, sizeof *m->names, by_name);
  }

  end = h + 1 < m->nhomes ? m->homes[h + 1] : m->ordered;
  for (i = m->homes[h]; i < end; i++) {
    size_t ri = m->order[i];
    int r = m->routes[ri].wildcard ? wildcard_route(m, ri, readable, emit, ctx)
                                   : exact_route(m, ri, readable, emit, ctx);
    if (r == -1) { m->nnames = 0; return -1; }
  }
  m->nnames = 0;
  return 0;
}

int rcptmake_wildchars(const struct rcptmake *m, stralloc *out)
{
  int c;

  out->len = 0;
  for (c = 0; c < 256; c++)
    if (m->outwild[c]) {
      char b = (char)c;
      if (!stralloc_catb(out, &b, 1)) return 0;
    }
  return 1;
}

void rcptmake_free(struct rcptmake *m)
{
  struct rcptmake z = RCPTMAKE_ZERO;
  stralloc_free(&m->space);
  stralloc_free(&m->probe);
  stralloc_free(&m->key);
  free(m->routes);
  free(m->slots);
  free(m->order);
  free(m->homes);
  free(m->names);
  *m = z;
}
