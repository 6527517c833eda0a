/* rcpt_oracle.h: an independent model of what qmail-lspawn, qmail-getpw and
   qmail-local decide for a local part, written the slow and obvious way
   (scan every route, then run qmail-local's .qmail search), and a builder
   that compiles the same routes with rcptmake into a cdb image so that
   tests can compare rcptcheck_lookup with the model on many local parts.
   Shared by tests/unit/test_rcptcheck.c and tests/fuzz/fuzz_rcptcheck.c. */
#ifndef RCPT_ORACLE_H
#define RCPT_ORACLE_H
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cdb.h"
#include "cdb_make.h"
#include "dotqmail.h"
#include "rcptcheck.h"
#include "rcptmake.h"
#include "stralloc.h"

#define ORACLE_ROUTES 64
#define ORACLE_HOMES 8
#define ORACLE_STR 64
#define ORACLE_NAMES 4096

struct oracle_route {
  int tier, wildcard, home; /* home -1: explicit */
  char key[ORACLE_STR], dash[ORACLE_STR], ext[ORACLE_STR];
};

struct oracle {
  struct oracle_route r[ORACLE_ROUTES];
  int n;
  char names[ORACLE_HOMES][ORACLE_NAMES]; /* NUL-terminated names */
  size_t namelen[ORACLE_HOMES];
  int unreadable[ORACLE_HOMES];
};

static void oracle_norm(char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++) {
    if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
    else if (s[i] == '.') s[i] = ':';
  }
}

static int oracle_route(struct oracle *o, int tier, int wildcard, const char *key,
                        int home, const char *dash, const char *ext)
{
  struct oracle_route *r;
  if (o->n == ORACLE_ROUTES || strlen(key) >= ORACLE_STR || strlen(dash) >= ORACLE_STR ||
      strlen(ext) >= ORACLE_STR)
    return 0;
  r = &o->r[o->n++];
  r->tier = tier;
  r->wildcard = wildcard;
  r->home = tier == RCPTMAKE_EXPLICIT ? -1 : home;
  strcpy(r->key, key);
  strcpy(r->dash, dash);
  strcpy(r->ext, ext);
  return 1;
}

static int oracle_name(struct oracle *o, int home, const char *name)
{
  size_t n = strlen(name) + 1;
  if (o->namelen[home] + n > ORACLE_NAMES) return 0;
  memcpy(o->names[home] + o->namelen[home], name, n);
  o->namelen[home] += n;
  return 1;
}

static int oracle_has(const struct oracle *o, int home, const char *name)
{
  size_t pos = 0;
  while (pos < o->namelen[home]) {
    const char *s = o->names[home] + pos;
    if (strcmp(s, name) == 0) return 1;
    pos += strlen(s) + 1;
  }
  return 0;
}

/* 1 deliverable, 0 not, for local[0..len) */
static int oracle_answer(const struct oracle *o, const char *local, size_t len)
{
  char norm[256], k[ORACLE_STR];
  const struct oracle_route *best = 0;
  size_t bestlen = 0;
  int t, i;

  if (len >= sizeof norm) return -1;
  memcpy(norm, local, len);
  oracle_norm(norm, len);
  for (t = 0; t < RCPTMAKE_TIERS && !best; t++) {
    for (i = 0; i < o->n && !best; i++) {
      const struct oracle_route *r = &o->r[i];
      size_t kl = strlen(r->key);
      if (r->tier != t || r->wildcard) continue;
      memcpy(k, r->key, kl);
      oracle_norm(k, kl);
      if (kl == len && memcmp(k, norm, len) == 0) best = r;
    }
    if (best) break;
    for (i = 0; i < o->n; i++) {
      const struct oracle_route *r = &o->r[i];
      size_t kl = strlen(r->key);
      if (r->tier != t || !r->wildcard || kl > len) continue;
      memcpy(k, r->key, kl);
      oracle_norm(k, kl);
      if (memcmp(k, norm, kl) != 0) continue;
      if (!best || kl > bestlen) { /* the longest; the first of equal ones */
        best = r;
        bestlen = kl;
      }
    }
  }
  if (!best) return 0;
  if (best->home < 0) return 1;
  if (o->unreadable[best->home] || !*best->dash) return 1;
  {
    char ext[ORACLE_STR + 256];
    size_t el = strlen(best->ext);
    struct dotqmail_search s;
    stralloc name = STRALLOC_ZERO;
    size_t pos;
    int found = 0;
    memcpy(ext, best->ext, el);
    if (best->wildcard) {
      memcpy(ext + el, local + bestlen, len - bestlen);
      el += len - bestlen;
    }
    ext[el] = 0;
    oracle_norm(ext, el);
    dotqmail_search_start(&s, best->dash, ext, el);
    while (dotqmail_search_next(&s, &name, &pos) == 1)
      if (oracle_has(o, best->home, name.s)) { found = 1; break; }
    stralloc_free(&name);
    return found;
  }
}

static int oracle_emit(void *ctx, const char *key, size_t klen, int deliverable)
{
  return cdb_make_add(ctx, key, klen, deliverable ? "1" : "0", 1);
}

/* compiles o with rcptmake into the file fd (truncated first) and opens
   it as c. 1 ok, 0 failure. */
static int oracle_build(const struct oracle *o, int fd, struct cdb *c)
{
  struct rcptmake m = RCPTMAKE_ZERO;
  struct cdb_make cm;
  stralloc wild = STRALLOC_ZERO;
  char home[8];
  size_t i;
  int ok = 0;

  if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1) return 0;
  for (i = 0; i < (size_t)o->n; i++) {
    const struct oracle_route *r = &o->r[i];
    home[0] = '/';
    home[1] = (char)('0' + (r->home < 0 ? 0 : r->home));
    home[2] = 0;
    if (rcptmake_route(&m, r->tier, r->wildcard, r->key, strlen(r->key),
                       r->home < 0 ? 0 : home, r->dash, strlen(r->dash), r->ext,
                       strlen(r->ext)) == -1)
      goto done;
  }
  if (!rcptmake_plan(&m)) goto done;
  if (cdb_make_start(&cm, fd) == -1) goto done;
  if (rcptmake_emit_explicit(&m, oracle_emit, &cm) == -1) goto fail;
  for (i = 0; i < rcptmake_homes(&m); i++) {
    int h = rcptmake_home(&m, i)[1] - '0';
    if (rcptmake_emit_home(&m, i, o->names[h], o->namelen[h], !o->unreadable[h],
                           oracle_emit, &cm) == -1)
      goto fail;
  }
  if (!rcptmake_wildchars(&m, &wild)) goto fail;
  if (cdb_make_add(&cm, "", 0, wild.s ? wild.s : "", wild.len) == -1) goto fail;
  if (cdb_make_finish(&cm) == -1) goto done;
  if (cdb_init(c, fd) == -1) goto done;
  ok = 1;
  goto done;
fail:
  cdb_make_free(&cm);
done:
  stralloc_free(&wild);
  rcptmake_free(&m);
  return ok;
}

#endif
