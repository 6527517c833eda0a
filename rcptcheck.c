/* rcptcheck: reading users/rcpt.cdb (see rcptcheck.h). Every length read
   from the file is bounds-checked by cdb_read; the local part is handled
   at any length. */
#include "rcptcheck.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "assign.h"
#include "cdb.h"
#include "str.h"
#include "stralloc.h"

int rcptcheck_key(stralloc *out, const char *local, size_t len)
{
  size_t i;

  if (!stralloc_copyb(out, local, len)) return 0;
  for (i = 0; i < len; i++) {
    char c = out->s[i];
    if (c >= 'A' && c <= 'Z') out->s[i] = (char)(c - 'A' + 'a');
    else if (c == '.') out->s[i] = ':';
  }
  return 1;
}

/* the verdict of the record found last: 1 or 0, -1 EPROTO/read error */
static int verdict(struct cdb *c)
{
  char v;

  if (cdb_datalen(c) != 1) {
    errno = EPROTO;
    return -1;
  }
  if (cdb_read(c, &v, 1, cdb_datapos(c)) == -1) return -1;
  if (v == '1') return 1;
  if (v == '0') return 0;
  errno = EPROTO;
  return -1;
}

static int lookup(struct cdb *c, stralloc *key, const char *local, size_t len)
{
  unsigned char wild[256];
  size_t i;
  int r;

  /* key = "=" normalised local; the "+" prefix keys reuse its bytes */
  if (!stralloc_copyb(key, "=", 1) || !stralloc_readyplus(key, len)) return -1;
  {
    stralloc norm = STRALLOC_ZERO;
    if (!rcptcheck_key(&norm, local, len)) return -1;
    r = stralloc_catb(key, norm.s ? norm.s : "", norm.len);
    stralloc_free(&norm);
    if (!r) return -1;
  }

  r = cdb_find(c, key->s, key->len);
  if (r == -1) return -1;
  if (r == 1) return verdict(c);

  if (assign_wildchars(c, wild) == -1) return -1;

  key->s[0] = RCPTCHECK_PREFIX;
  /* prefixes key[1..1+i), longest first; key->s[i] is the last byte */
  for (i = len; i >= 1; i--) {
    if (!wild[(unsigned char)key->s[i]]) continue;
    r = cdb_find(c, key->s, i + 1);
    if (r == -1) return -1;
    if (r == 1) return verdict(c);
  }
  r = cdb_find(c, key->s, 1);
  if (r == -1) return -1;
  if (r == 1) return verdict(c);
  return 0;
}

int rcptcheck_lookup(struct cdb *c, const char *local, size_t len)
{
  stralloc key = STRALLOC_ZERO;
  int r = lookup(c, &key, local, len);
  int e = errno;

  stralloc_free(&key);
  errno = e;
  return r;
}

int rcptcheck_stamp(stralloc *out, const char *path)
{
  struct stat st;

  if (!stralloc_cats(out, path) || !stralloc_0(out)) return 0;
  if (stat(path, &st) == -1) {
    if (errno != ENOENT && errno != ENOTDIR) return 0;
    return stralloc_cats(out, "-") && stralloc_0(out);
  }
  return stralloc_catulong(out, (unsigned long)st.st_mtim.tv_sec) &&
         stralloc_append(out, ':') &&
         stralloc_catulong(out, (unsigned long)st.st_mtim.tv_nsec) &&
         stralloc_append(out, ':') &&
         stralloc_catulong(out, (unsigned long)st.st_ino) &&
         stralloc_append(out, ':') &&
         stralloc_catulong(out, (unsigned long)st.st_size) &&
         stralloc_0(out);
}

int rcptcheck_stale(struct cdb *c)
{
  stralloc rec = STRALLOC_ZERO, now = STRALLOC_ZERO;
  size_t pos = 0;
  int r, result = 0;

  r = cdb_find(c, RCPTCHECK_SOURCES, 1);
  if (r != 1) return r;
  if (!stralloc_ready(&rec, cdb_datalen(c))) return -1;
  if (cdb_read(c, rec.s, cdb_datalen(c), cdb_datapos(c)) == -1) goto fail;
  rec.len = cdb_datalen(c);

  while (pos < rec.len) {
    const char *path = rec.s + pos;
    size_t plen = byte_chr(path, rec.len - pos, '\0');
    const char *stamp;
    size_t slen;

    if (plen == rec.len - pos) goto proto;
    stamp = path + plen + 1;
    slen = byte_chr(stamp, rec.len - pos - plen - 1, '\0');
    if (slen == rec.len - pos - plen - 1) goto proto;
    pos += plen + 1 + slen + 1;
    now.len = 0;
    if (!rcptcheck_stamp(&now, path)) goto fail;
    /* now is path NUL stamp NUL */
    if (now.len != plen + 1 + slen + 1 ||
        memcmp(now.s + plen + 1, stamp, slen) != 0) {
      result = 1;
      break;
    }
  }
  stralloc_free(&rec);
  stralloc_free(&now);
  return result;

proto:
  errno = EPROTO;
fail:
  {
    int e = errno;
    stralloc_free(&rec);
    stralloc_free(&now);
    errno = e;
  }
  return -1;
}
