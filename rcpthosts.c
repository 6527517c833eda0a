/* rcpthosts: see rcpthosts.h. One pass over the list per address, so
   memory and time do not depend on anything but the inputs' lengths; a
   long list belongs in morercpthosts.cdb. */
#include "rcpthosts.h"
#include <errno.h>
#include "cdb.h"
#include "str.h"
#include "stralloc.h"

static int list_match(const char *list, size_t len, const char *domain, size_t dlen)
{
  size_t pos = 0;

  while (pos < len) {
    const char *e = list + pos;
    size_t n = byte_chr(e, len - pos, '\0');
    if (n == len - pos) break; /* no NUL: not an entry */
    pos += n + 1;
    if (n == 0) continue; /* control lists have none; never a match */
    if (n == dlen && case_equalb(e, n, domain)) return 1;
    if (n > 0 && e[0] == '.' && n <= dlen && case_equalb(e, n, domain + dlen - n)) return 1;
  }
  return 0;
}

static int cdb_match(struct cdb *mrh, const char *domain, size_t dlen)
{
  stralloc low = STRALLOC_ZERO;
  size_t i;
  int r = 0;

  if (!stralloc_copyb(&low, domain, dlen)) return -1;
  if (dlen) case_lowerb(low.s, dlen);
  for (i = 0; i < dlen; i++) {
    if (i > 0 && low.s[i] != '.') continue;
    r = cdb_find(mrh, low.s + i, dlen - i);
    if (r != 0) break;
  }
  {
    int e = errno;
    stralloc_free(&low);
    errno = e;
  }
  return r;
}

int rcpthosts_match(const char *rcpthosts, size_t len, struct cdb *mrh, const char *addr, size_t addrlen)
{
  size_t at = byte_rchr(addr, addrlen, '@');
  const char *domain;
  size_t dlen;

  if (at == addrlen) return 1;
  domain = addr + at + 1;
  dlen = addrlen - at - 1;
  if (rcpthosts && list_match(rcpthosts, len, domain, dlen)) return 1;
  if (mrh) return cdb_match(mrh, domain, dlen);
  return 0;
}
