/* pw2u: users/assign from a password file (see pw2u.h).

   Names are compared exactly (case matters): with -u an account "Joe" is
   not the same as "joe", and users/include or users/exclude must spell it
   as the password file does. */
#include "pw2u.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "assign.h"
#include "cdb.h"
#include "str.h"

/* ---- lines ---- */

/* the next line of s[0..len) from *pos: its start and length without the
   newline; a last line without a newline counts. 0 at the end. */
static int next_line(const char *s, size_t len, size_t *pos, const char **line,
                     size_t *n)
{
  const char *nl;

  if (*pos >= len) return 0;
  *line = s + *pos;
  nl = memchr(*line, '\n', len - *pos);
  *n = nl ? (size_t)(nl - *line) : len - *pos;
  *pos += *n + (nl ? 1 : 0);
  return 1;
}

/* ---- a set of names with a value each, first entry wins ---- */

struct entry {
  const char *key;
  size_t keylen;
  const char *val;   /* mailnames: the names after the user; else unused */
  size_t vallen;
  size_t index;      /* accounts: the account's index */
};

struct set {
  struct entry *e;
  size_t count, alloc;
  size_t *slot;      /* index + 1, 0 empty */
  size_t slots;      /* a power of two, more than twice count */
};

static void set_free(struct set *st)
{
  free(st->e);
  free(st->slot);
  memset(st, 0, sizeof *st);
}

static const struct entry *set_get(const struct set *st, const char *k,
                                   size_t kl)
{
  size_t i;

  if (!st->slots) return NULL;
  i = cdb_hash(k, kl) & (st->slots - 1);
  while (st->slot[i]) {
    const struct entry *e = st->e + st->slot[i] - 1;
    if (e->keylen == kl && !memcmp(e->key, k, kl)) return e;
    i = (i + 1) & (st->slots - 1);
  }
  return NULL;
}

static int set_grow(struct set *st)
{
  size_t slots = st->slots ? st->slots : 16, i, j, bytes;
  size_t *slot;

  while (slots / 2 <= st->count + 1) {
    if (__builtin_mul_overflow(slots, 2, &slots)) { errno = ENOMEM; return -1; }
  }
  if (slots == st->slots) return 0;
  if (__builtin_mul_overflow(slots, sizeof *slot, &bytes)) { errno = ENOMEM; return -1; }
  slot = calloc(1, bytes);
  if (!slot) { errno = ENOMEM; return -1; }
  for (j = 0; j < st->count; j++) {
    i = cdb_hash(st->e[j].key, st->e[j].keylen) & (slots - 1);
    while (slot[i]) i = (i + 1) & (slots - 1);
    slot[i] = j + 1;
  }
  free(st->slot);
  st->slot = slot;
  st->slots = slots;
  return 0;
}

/* adds key unless it is there already; 0 ok, -1 ENOMEM */
static int set_add(struct set *st, const char *k, size_t kl, const char *v,
                   size_t vl, size_t index)
{
  size_t i;

  if (set_get(st, k, kl)) return 0;
  if (st->count == st->alloc) {
    size_t n = st->alloc ? st->alloc : 16, bytes;
    struct entry *e;
    if (__builtin_mul_overflow(n, 2, &n) ||
        __builtin_mul_overflow(n, sizeof *e, &bytes)) {
      errno = ENOMEM;
      return -1;
    }
    e = realloc(st->e, bytes);
    if (!e) { errno = ENOMEM; return -1; }
    st->e = e;
    st->alloc = n;
  }
  if (set_grow(st) == -1) return -1;
  st->e[st->count].key = k;
  st->e[st->count].keylen = kl;
  st->e[st->count].val = v;
  st->e[st->count].vallen = vl;
  st->e[st->count].index = index;
  st->count++;
  i = cdb_hash(k, kl) & (st->slots - 1);
  while (st->slot[i]) i = (i + 1) & (st->slots - 1);
  st->slot[i] = st->count;
  return 0;
}

/* ---- the run ---- */

struct account {
  const char *name;
  size_t namelen;
  const char *home;
  size_t homelen;
  uid_t uid;
  gid_t gid;
};

struct run {
  const struct pw2u_config *cfg;
  struct pw2u_error *err;
  stralloc *out;
  struct set include, exclude, mailnames, names;
  struct account *acct;
  size_t count, alloc;
  stralloc home;
};

static int fail(struct run *r, const char *file, size_t lineno,
                const char *why, const char *detail, size_t detaillen)
{
  r->err->file = file;
  r->err->lineno = lineno;
  r->err->why = why;
  r->err->detail = detail;
  r->err->detaillen = detaillen;
  return 0;
}


/* include and exclude: one name a line, empty lines ignored */
static int read_list(struct run *r, const struct pw2u_file *f,
                     const char *file, struct set *st)
{
  size_t pos = 0, lineno = 0, n;
  const char *line;

  while (next_line(f->s, f->len, &pos, &line, &n)) {
    lineno++;
    if (memchr(line, '\0', n)) return fail(r, file, lineno, "NUL byte in line", 0, 0);
    if (!n) continue;
    if (set_add(st, line, n, 0, 0, 0) == -1) return -1;
  }
  return 1;
}

/* mailnames: user:name1:name2:... */
static int read_mailnames(struct run *r)
{
  const struct pw2u_file *f = &r->cfg->mailnames;
  const char *file = "users/mailnames";
  size_t pos = 0, lineno = 0, n, colon;
  const char *line;

  while (next_line(f->s, f->len, &pos, &line, &n)) {
    lineno++;
    if (memchr(line, '\0', n)) return fail(r, file, lineno, "NUL byte in line", 0, 0);
    if (!n) continue;
    colon = byte_chr(line, n, ':');
    if (colon == n) return fail(r, file, lineno, "no colon after the user name", 0, 0);
    if (!colon) return fail(r, file, lineno, "empty user name", 0, 0);
    if (set_add(&r->mailnames, line, colon, line + colon + 1, n - colon - 1, 0) == -1)
      return -1;
  }
  return 1;
}

/* the fields of a password line: 1 ok, 0 malformed (*why) */
static int parse_passwd(const char *s, size_t n, struct account *a,
                        const char **why)
{
  const char *f[6];
  size_t flen[6], i, start = 0, k = 0;

  if (memchr(s, '\0', n)) { *why = "NUL byte in line"; return 0; }
  for (i = 0; i < n && k < 6; i++) {
    if (s[i] != ':') continue;
    f[k] = s + start;
    flen[k] = i - start;
    k++;
    start = i + 1;
  }
  if (k < 6) { *why = "fewer than 6 colons"; return 0; }
  a->name = f[0];
  a->namelen = flen[0];
  a->home = f[5];
  a->homelen = flen[5];
  if (!a->namelen) { *why = "empty name"; return 0; }
  if (!assign_scan_uid(f[2], flen[2], &a->uid)) { *why = "bad uid"; return 0; }
  if (!assign_scan_gid(f[3], flen[3], &a->gid)) { *why = "bad gid"; return 0; }
  if (!a->homelen) { *why = "empty home directory"; return 0; }
  return 1;
}

static int has_upper(const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i] >= 'A' && s[i] <= 'Z') return 1;
  return 0;
}

/* 1 use it, 0 skip it, -1 error, -2 fatal (r->err set) */
static int check_home(struct run *r, const struct account *a)
{
  int h;

  if (r->cfg->home_policy == PW2U_HOME_NOCHECK) return 1;
  if (!stralloc_copyb(&r->home, a->home, a->homelen) || !stralloc_0(&r->home)) return -1;
  h = r->cfg->home(r->cfg->ctx, r->home.s, a->uid);
  if (h == -1) {
    r->err->detail = a->home;
    r->err->detaillen = a->homelen;
    return -1;
  }
  if (h == PW2U_HOME_OK) return 1;
  if (h == PW2U_HOME_MISSING && r->cfg->home_policy == PW2U_HOME_FATAL) {
    fail(r, 0, 0, "home directory does not exist", a->home, a->homelen);
    return -2;
  }
  return 0;
}

static int cat_id(stralloc *out, unsigned long long u)
{
  return stralloc_catulong(out, (unsigned long)u);
}

/* ":user:uid:gid:home:" */
static int cat_account(stralloc *out, const struct account *a)
{
  return stralloc_append(out, ':') &&
         stralloc_catb(out, a->name, a->namelen) &&
         stralloc_append(out, ':') && cat_id(out, a->uid) &&
         stralloc_append(out, ':') && cat_id(out, a->gid) &&
         stralloc_append(out, ':') &&
         stralloc_catb(out, a->home, a->homelen) &&
         stralloc_append(out, ':');
}

/* the lines of address name[0..n) for a; dash and pre for a subuser (pre
   NULL: an ordinary address) */
static int cat_address(struct run *r, const char *name, size_t n,
                       const struct account *a, const char *pre, size_t prelen)
{
  stralloc *out = r->out;
  const char *dash = r->cfg->dash;

  if (!stralloc_append(out, '=') || !stralloc_catb(out, name, n) ||
      !cat_account(out, a))
    return -1;
  if (pre) {
    if (!stralloc_cats(out, dash) || !stralloc_append(out, ':') ||
        !stralloc_catb(out, pre, prelen) || !stralloc_cats(out, ":\n"))
      return -1;
  } else if (!stralloc_cats(out, "::\n"))
    return -1;
  if (!r->cfg->breakchar) return 0;
  if (!stralloc_append(out, '+') || !stralloc_catb(out, name, n) ||
      !stralloc_append(out, r->cfg->breakchar) || !cat_account(out, a) ||
      !stralloc_cats(out, dash) || !stralloc_append(out, ':'))
    return -1;
  if (pre && (!stralloc_catb(out, pre, prelen) || !stralloc_append(out, '-')))
    return -1;
  if (!stralloc_cats(out, ":\n")) return -1;
  return 0;
}

/* subusers: sub:user:pre: (the last colon may be left out) */
static int do_subusers(struct run *r)
{
  const struct pw2u_file *f = &r->cfg->subusers;
  const char *file = "users/subusers";
  size_t pos = 0, lineno = 0, n;
  const char *line;

  while (next_line(f->s, f->len, &pos, &line, &n)) {
    const char *user, *pre;
    size_t sublen, userlen, prelen, c;
    const struct entry *e;

    lineno++;
    if (memchr(line, '\0', n)) return fail(r, file, lineno, "NUL byte in line", 0, 0);
    if (!n) continue;
    sublen = byte_chr(line, n, ':');
    if (sublen == n) return fail(r, file, lineno, "fewer than 2 colons", 0, 0);
    if (!sublen) return fail(r, file, lineno, "empty subuser name", 0, 0);
    user = line + sublen + 1;
    c = n - sublen - 1;
    userlen = byte_chr(user, c, ':');
    if (userlen == c) return fail(r, file, lineno, "fewer than 2 colons", 0, 0);
    pre = user + userlen + 1;
    c -= userlen + 1;
    prelen = byte_chr(pre, c, ':');
    e = set_get(&r->names, user, userlen);
    if (!e) return fail(r, file, lineno, "no such mail account", user, userlen);
    if (cat_address(r, line, sublen, r->acct + e->index,
                    prelen ? pre : NULL, prelen) == -1)
      return -1;
  }
  return 1;
}

static int do_account(struct run *r, const struct account *a)
{
  const struct entry *m;

  if (a->namelen == str_len(r->cfg->alias) &&
      !memcmp(a->name, r->cfg->alias, a->namelen)) {
    if (!stralloc_append(r->out, '+') || !cat_account(r->out, a) ||
        !stralloc_cats(r->out, "-::\n"))
      return -1;
  }
  m = set_get(&r->mailnames, a->name, a->namelen);
  if (!m) return cat_address(r, a->name, a->namelen, a, NULL, 0);
  {
    const char *s = m->val;
    size_t left = m->vallen;
    while (left) {
      size_t k = byte_chr(s, left, ':');
      if (k && cat_address(r, s, k, a, NULL, 0) == -1) return -1;
      if (k == left) break;
      s += k + 1;
      left -= k + 1;
    }
  }
  return 0;
}

static int run(struct run *r, const char *passwd, size_t len)
{
  const struct pw2u_config *cfg = r->cfg;
  size_t pos = 0, lineno = 0, n, i;
  const char *line;
  int alias = 0, isalias, x;
  const char *aliaswhy = "is not in the password file";

  if (cfg->include.s) {
    x = read_list(r, &cfg->include, "users/include", &r->include);
    if (x != 1) return x;
  }
  if (cfg->exclude.s) {
    x = read_list(r, &cfg->exclude, "users/exclude", &r->exclude);
    if (x != 1) return x;
  }
  if (cfg->mailnames.s) {
    x = read_mailnames(r);
    if (x != 1) return x;
  }

  while (next_line(passwd, len, &pos, &line, &n)) {
    struct account a;
    const char *why = NULL;

    lineno++;
    if (!n) continue;
    if (!parse_passwd(line, n, &a, &why)) {
      if (cfg->warn) cfg->warn(cfg->ctx, lineno, why);
      continue;
    }
    isalias = a.namelen == str_len(cfg->alias) && !memcmp(a.name, cfg->alias, a.namelen);
    if (!a.uid) { if (isalias) aliaswhy = "has uid 0"; continue; }
    if (!cfg->allow_upper && has_upper(a.name, a.namelen)) continue;
    if (cfg->include.s && !set_get(&r->include, a.name, a.namelen)) {
      if (isalias) aliaswhy = "is not listed in users/include";
      continue;
    }
    if (set_get(&r->exclude, a.name, a.namelen)) {
      if (isalias) aliaswhy = "is listed in users/exclude";
      continue;
    }
    x = check_home(r, &a);
    if (x == -1) return -1;
    if (x == -2) return 0;
    if (!x) {
      if (isalias) aliaswhy = "has a home directory that is missing or not its own";
      continue;
    }
    if (set_get(&r->names, a.name, a.namelen)) continue; /* the first wins */
    if (r->count == r->alloc) {
      size_t k = r->alloc ? r->alloc : 64, bytes;
      struct account *p;
      if (__builtin_mul_overflow(k, 2, &k) ||
          __builtin_mul_overflow(k, sizeof *p, &bytes)) {
        errno = ENOMEM;
        return -1;
      }
      p = realloc(r->acct, bytes);
      if (!p) { errno = ENOMEM; return -1; }
      r->acct = p;
      r->alloc = k;
    }
    r->acct[r->count] = a;
    if (set_add(&r->names, a.name, a.namelen, 0, 0, r->count) == -1) return -1;
    r->count++;
    if (isalias) alias = 1;
  }
  if (!alias) {
    static stralloc why; /* the detail must outlive this call */
    int ok = stralloc_copys(&why, cfg->alias) && stralloc_append(&why, ' ') &&
             stralloc_cats(&why, aliaswhy);
    return fail(r, 0, 0, "no usable alias account", ok ? why.s : cfg->alias,
                ok ? why.len : str_len(cfg->alias));
  }

  if (cfg->subusers.s) {
    x = do_subusers(r);
    if (x != 1) return x;
  }
  for (i = 0; i < r->count; i++)
    if (do_account(r, r->acct + i) == -1) return -1;
  if (cfg->append.s && cfg->append.len) {
    if (memchr(cfg->append.s, '\0', cfg->append.len))
      return fail(r, "users/append", 0, "NUL byte in file", 0, 0);
    if (!stralloc_catb(r->out, cfg->append.s, cfg->append.len)) return -1;
    if (cfg->append.s[cfg->append.len - 1] != '\n' && !stralloc_append(r->out, '\n'))
      return -1;
  }
  if (!stralloc_cats(r->out, ".\n")) return -1;
  return 1;
}

int pw2u_run(const struct pw2u_config *cfg, const char *passwd, size_t len,
             stralloc *out, struct pw2u_error *err)
{
  struct run r;
  int x, e;

  memset(&r, 0, sizeof r);
  memset(err, 0, sizeof *err);
  r.cfg = cfg;
  r.err = err;
  r.out = out;
  x = run(&r, passwd, len);
  e = errno;
  set_free(&r.include);
  set_free(&r.exclude);
  set_free(&r.mailnames);
  set_free(&r.names);
  free(r.acct);
  stralloc_free(&r.home);
  errno = e;
  return x;
}
