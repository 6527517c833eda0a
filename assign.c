/* assign: users/assign parsing, its compilation into users/cdb, and the
   users/cdb lookup of qmail-lspawn (formats in assign.h).

   The parser is stricter than qmail's in what it accepts before the sixth
   colon: a line must start with '=' or '+', a simple line needs a non-empty
   local part, user and homedir must not be empty and uid and gid must be
   decimal numbers that fit, so that a mistake is reported by qmail-newu
   with its line number instead of surfacing later as a failed delivery. */
#include "assign.h"
#include <errno.h>
#include <string.h>
#include "cdb.h"
#include "cdb_make.h"
#include "str.h"

int assign_scan_uid(const char *s, size_t n, uid_t *uid)
{
  unsigned long long u = 0;
  size_t i;

  /* decimal digits only, the value fits uid_t and is not (uid_t)-1, which
     the set*id calls read as "leave unchanged" */
  if (!n) return 0;
  for (i = 0; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return 0;
    if (u > ((unsigned long long)(uid_t)-1 - d) / 10) return 0;
    u = u * 10 + d;
  }
  if (u == (unsigned long long)(uid_t)-1) return 0;
  *uid = (uid_t)u;
  return 1;
}

int assign_scan_gid(const char *s, size_t n, gid_t *gid)
{
  uid_t u;

  /* gid_t and uid_t are the same width on every system this builds on */
  if (sizeof(gid_t) != sizeof(uid_t) || !assign_scan_uid(s, n, &u)) return 0;
  *gid = (gid_t)u;
  return 1;
}

/* parses one line s[0..n) (no '\n'); NULL if fine, else the reason */
static const char *parse_line(const char *s, size_t n, struct assign_line *a)
{
  const char *field[7];
  size_t flen[7];
  size_t i, start, k;

  if (memchr(s, '\0', n)) return "NUL byte in line";
  if (!n) return "empty line";
  if (s[0] == '=') a->wildcard = 0;
  else if (s[0] == '+') a->wildcard = 1;
  else if (s[0] == '.') return "the end line must be a single \".\"";
  else return "line does not start with = or +";

  /* the key, then six fields, each ended by ':' */
  start = 1;
  k = 0;
  for (i = 1; i < n && k < 7; i++) {
    if (s[i] != ':') continue;
    field[k] = s + start;
    flen[k] = i - start;
    k++;
    start = i + 1;
  }
  if (k < 7) return "fewer than 7 colons";

  a->key = field[0];
  a->keylen = flen[0];
  a->user = field[1];
  a->userlen = flen[1];
  a->homedir = field[4];
  a->homedirlen = flen[4];
  a->dash = field[5];
  a->dashlen = flen[5];
  a->ext = field[6];
  a->extlen = flen[6];
  if (!a->wildcard && !a->keylen) return "empty local part";
  if (!a->userlen) return "empty user";
  if (!assign_scan_uid(field[2], flen[2], &a->uid)) return "bad uid";
  if (!assign_scan_gid(field[3], flen[3], &a->gid)) return "bad gid";
  if (!a->homedirlen) return "empty home directory";
  return NULL;
}

int assign_parse(const char *s, size_t len, assign_callback cb, void *ctx,
                 size_t *lineno, const char **why)
{
  struct assign_line a;
  size_t pos = 0, line = 0, dummyline;
  const char *dummywhy;

  if (!lineno) lineno = &dummyline;
  if (!why) why = &dummywhy;
  *why = NULL;
  for (;;) {
    const char *nl, *reason;
    size_t n;

    line++;
    *lineno = line;
    if (pos == len) {
      *why = "missing final line \".\"";
      return 0;
    }
    nl = memchr(s + pos, '\n', len - pos);
    n = nl ? (size_t)(nl - (s + pos)) : len - pos;
    if (n == 1 && s[pos] == '.') return 1;
    if (!nl) {
      *why = "last line does not end with a newline";
      return 0;
    }
    memset(&a, 0, sizeof a);
    reason = parse_line(s + pos, n, &a);
    if (reason) {
      *why = reason;
      return 0;
    }
    a.lineno = line;
    if (cb && cb(ctx, &a) == -1) {
      *why = NULL;
      return -1;
    }
    pos += n + 1;
  }
}

/* ---- compiling into users/cdb ---- */

struct make_state {
  struct cdb_make *m;
  stralloc key;
  stralloc data;
  stralloc wildchars;
  unsigned char seen[256];
};

static int make_line(void *ctx, const struct assign_line *a)
{
  struct make_state *st = ctx;

  if (!stralloc_copyb(&st->key, "!", 1)) return -1;
  if (!stralloc_catb(&st->key, a->key, a->keylen)) return -1;
  if (!a->wildcard && !stralloc_0(&st->key)) return -1;
  case_lowerb(st->key.s, st->key.len);
  if (a->wildcard && a->keylen) {
    unsigned char last = (unsigned char)st->key.s[st->key.len - 1];
    if (!st->seen[last]) {
      st->seen[last] = 1;
      if (!stralloc_append(&st->wildchars, (char)last)) return -1;
    }
  }
  /* the six fields are contiguous in the line: user through ext */
  if (!stralloc_copyb(&st->data, a->user, (size_t)(a->ext + a->extlen - a->user)))
    return -1;
  {
    size_t i, colons = 0;
    for (i = 0; i < st->data.len; i++)
      if (st->data.s[i] == ':') {
        st->data.s[i] = 0;
        colons++;
      }
    if (colons != 5) {
      errno = EINVAL; /* cannot happen: fields hold no colon */
      return -1;
    }
  }
  return cdb_make_add(st->m, st->key.s, st->key.len, st->data.s, st->data.len);
}

int assign_make(struct cdb_make *m, const char *s, size_t len,
                size_t *lineno, const char **why)
{
  struct make_state st;
  int r, e;

  memset(&st, 0, sizeof st);
  st.m = m;
  r = assign_parse(s, len, make_line, &st, lineno, why);
  if (r == 1 &&
      cdb_make_add(m, "", 0, st.wildchars.s ? st.wildchars.s : "", st.wildchars.len) == -1)
    r = -1;
  e = errno;
  stralloc_free(&st.key);
  stralloc_free(&st.data);
  stralloc_free(&st.wildchars);
  errno = e;
  return r;
}

/* ---- entries and lookup ---- */

void assign_entry_free(struct assign_entry *e)
{
  stralloc_free(&e->storage);
  e->user = e->homedir = e->dash = e->ext = NULL;
  e->extlen = 0;
}

static int malformed(void)
{
  errno = EPROTO;
  return 0;
}

/* e->storage holds "user\0uid\0gid\0homedir\0dash\0ext" with no NUL after
   ext; checks it and sets the fields. 1 ok, 0 malformed (EPROTO). */
static int entry_fields(struct assign_entry *e)
{
  const char *f[6];
  size_t flen[6];
  size_t i, k = 0, start = 0;
  const char *s = e->storage.s;
  size_t n = e->storage.len;

  for (i = 0; i <= n; i++) {
    if (i < n && s[i] != '\0') continue;
    if (k == 6) return malformed();
    f[k] = s + start;
    flen[k] = i - start;
    k++;
    start = i + 1;
  }
  if (k != 6) return malformed();
  if (!flen[0] || !flen[3]) return malformed();
  if (!assign_scan_uid(f[1], flen[1], &e->uid)) return malformed();
  if (!assign_scan_gid(f[2], flen[2], &e->gid)) return malformed();
  return 1;
}

/* appends the terminating NUL and points the fields into storage */
static int entry_finish(struct assign_entry *e)
{
  const char *s;
  size_t n;

  n = e->storage.len;
  if (!stralloc_0(&e->storage)) return -1;
  s = e->storage.s;
  e->user = s;
  s += str_len(s) + 1;
  s += str_len(s) + 1; /* uid */
  s += str_len(s) + 1; /* gid */
  e->homedir = s;
  s += str_len(s) + 1;
  e->dash = s;
  s += str_len(s) + 1;
  e->ext = s;
  e->extlen = n - (size_t)(s - e->storage.s);
  return 1;
}

static void entry_clear(struct assign_entry *e)
{
  e->user = e->homedir = e->dash = e->ext = NULL;
  e->extlen = 0;
  e->uid = 0;
  e->gid = 0;
}

int assign_entry_parse(struct assign_entry *e, const char *s, size_t len)
{
  entry_clear(e);
  if (len && s[len - 1] == '\0') len--;
  if (!stralloc_copyb(&e->storage, s, len)) return -1;
  if (!entry_fields(e)) return 0;
  return entry_finish(e);
}

/* reads the record found last into e and appends rest to ext */
static int found(struct cdb *c, struct assign_entry *e, const char *rest,
                 size_t restlen)
{
  size_t dlen = cdb_datalen(c);
  size_t need;

  if (__builtin_add_overflow(dlen, restlen, &need) ||
      __builtin_add_overflow(need, 1, &need)) {
    errno = ENOMEM;
    return -1;
  }
  if (!stralloc_ready(&e->storage, need)) return -1;
  if (cdb_read(c, e->storage.s, dlen, cdb_datapos(c)) == -1) return -1;
  e->storage.len = dlen;
  if (!entry_fields(e)) return -1; /* errno EPROTO */
  if (!stralloc_catb(&e->storage, rest, restlen)) return -1;
  if (entry_finish(e) == -1) return -1;
  return 1;
}

int assign_wildchars(struct cdb *c, unsigned char wild[256])
{
  int r;

  /* read in pieces: the record's length comes from the file */
  memset(wild, 0, 256);
  r = cdb_find(c, "", 0);
  if (r <= 0) return r;
  {
    uint32_t pos = cdb_datapos(c), left = cdb_datalen(c);
    while (left) {
      char chunk[256];
      uint32_t n = left < sizeof chunk ? left : (uint32_t)sizeof chunk;
      uint32_t j;
      if (cdb_read(c, chunk, n, pos) == -1) return -1;
      for (j = 0; j < n; j++) wild[(unsigned char)chunk[j]] = 1;
      pos += n;
      left -= n;
    }
  }
  return 1;
}

int assign_lookup(struct cdb *c, const char *local, size_t len,
                  struct assign_entry *out)
{
  unsigned char wild[256];
  stralloc key = STRALLOC_ZERO;
  size_t i;
  int r;

  entry_clear(out);
  if (memchr(local, '\0', len)) {
    errno = EINVAL;
    return -1;
  }

  if (assign_wildchars(c, wild) == -1) return -1;

  if (!stralloc_copyb(&key, "!", 1) || !stralloc_catb(&key, local, len) ||
      !stralloc_0(&key))
    goto fail;
  case_lowerb(key.s, key.len);

  /* 1. exact */
  r = cdb_find(c, key.s, key.len);
  if (r == -1) goto fail;
  if (r == 1) {
    r = found(c, out, "", 0);
    goto done;
  }
  /* 2. prefixes local[0..i), longest first; key.s[i] is the last byte */
  for (i = len; i >= 1; i--) {
    if (!wild[(unsigned char)key.s[i]]) continue;
    r = cdb_find(c, key.s, i + 1);
    if (r == -1) goto fail;
    if (r == 1) {
      r = found(c, out, local + i, len - i);
      goto done;
    }
  }
  /* 3. the catch-all */
  r = cdb_find(c, key.s, 1);
  if (r == -1) goto fail;
  if (r == 1) r = found(c, out, local, len);

done:
  {
    int e = errno;
    stralloc_free(&key);
    errno = e;
  }
  return r;

fail:
  {
    int e = errno;
    stralloc_free(&key);
    errno = e;
  }
  return -1;
}
