/* cdb: constant-database reader (format in cdb.h).

   The file is mapped read-only when mmap works and read with pread
   otherwise. Every position and length that comes from the file is checked
   against the file size in 64-bit arithmetic before it is used, so a
   truncated or corrupt file gives -1 with errno EPROTO and never an access
   outside the file. Files are replaced by rename, never rewritten in place,
   so the mapping cannot shrink under a reader. */
#include "cdb.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CDB_HEADER 2048

uint32_t cdb_hash(const char *key, size_t len)
{
  uint32_t h = 5381;
  size_t i;
  for (i = 0; i < len; i++)
    h = ((h << 5) + h) ^ (unsigned char)key[i];
  return h;
}

static uint32_t unpack(const unsigned char *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static int bad(void)
{
  errno = EPROTO;
  return -1;
}

int cdb_read(struct cdb *c, char *out, size_t len, uint32_t pos)
{
  if ((uint64_t)pos + (uint64_t)len > (uint64_t)c->size) return bad();
  if (c->map) {
    if (len) memcpy(out, c->map + pos, len);
    return 0;
  }
  while (len) {
    ssize_t r = pread(c->fd, out, len, (off_t)pos);
    if (r == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return bad(); /* the file shrank: not ours to trust */
    out += r;
    len -= (size_t)r;
    pos += (uint32_t)r;
  }
  return 0;
}

int cdb_init(struct cdb *c, int fd)
{
  struct stat st;
  void *m;

  c->fd = fd;
  c->map = NULL;
  c->size = 0;
  c->loop = 0;
  if (fstat(fd, &st) == -1) return -1;
  if (st.st_size < 0) return bad();
  if ((uint64_t)st.st_size > UINT32_MAX) {
    errno = EFBIG;
    return -1;
  }
  if (st.st_size < CDB_HEADER) return bad();
  c->size = (uint32_t)st.st_size;
  m = mmap(NULL, c->size, PROT_READ, MAP_SHARED, fd, 0);
  if (m != MAP_FAILED) c->map = m;
  return 0;
}

void cdb_free(struct cdb *c)
{
  if (c->map) {
    munmap((void *)c->map, c->size);
    c->map = NULL;
  }
}

void cdb_findstart(struct cdb *c)
{
  c->loop = 0;
}

/* 1 if the len bytes at pos equal key, 0 if not, -1 on error */
static int match(struct cdb *c, const char *key, size_t len, uint32_t pos)
{
  char chunk[512];

  if ((uint64_t)pos + (uint64_t)len > (uint64_t)c->size) return bad();
  if (c->map) return memcmp(c->map + pos, key, len) == 0;
  while (len) {
    size_t n = len < sizeof chunk ? len : sizeof chunk;
    if (cdb_read(c, chunk, n, pos) == -1) return -1;
    if (memcmp(chunk, key, n) != 0) return 0;
    key += n;
    len -= n;
    pos += (uint32_t)n;
  }
  return 1;
}

int cdb_findnext(struct cdb *c, const char *key, size_t len)
{
  unsigned char pair[8];
  uint32_t h, pos, klen, dlen;

  if (c->size < CDB_HEADER) return bad();
  if (!c->loop) {
    uint64_t end;
    h = cdb_hash(key, len);
    if (cdb_read(c, (char *)pair, 8, (h << 3) & 2047) == -1) return -1;
    c->hslots = unpack(pair + 4);
    if (!c->hslots) return 0;
    c->hpos = unpack(pair);
    end = (uint64_t)c->hpos + (uint64_t)c->hslots * 8;
    if (c->hpos < CDB_HEADER || end > c->size) return bad();
    c->khash = h;
    c->kpos = c->hpos + ((h >> 8) % c->hslots) * 8;
  }
  while (c->loop < c->hslots) {
    if (cdb_read(c, (char *)pair, 8, c->kpos) == -1) return -1;
    pos = unpack(pair + 4);
    if (!pos) return 0;
    h = unpack(pair);
    c->loop++;
    c->kpos += 8;
    if ((uint64_t)c->kpos == (uint64_t)c->hpos + (uint64_t)c->hslots * 8)
      c->kpos = c->hpos;
    if (h != c->khash) continue;
    if (cdb_read(c, (char *)pair, 8, pos) == -1) return -1;
    klen = unpack(pair);
    dlen = unpack(pair + 4);
    if ((uint64_t)pos + 8 + (uint64_t)klen + (uint64_t)dlen > c->size)
      return bad();
    if ((uint64_t)klen != (uint64_t)len) continue;
    switch (match(c, key, len, pos + 8)) {
    case -1: return -1;
    case 0: continue;
    }
    c->dpos = pos + 8 + klen;
    c->dlen = dlen;
    return 1;
  }
  return 0;
}

int cdb_find(struct cdb *c, const char *key, size_t len)
{
  cdb_findstart(c);
  return cdb_findnext(c, key, len);
}
