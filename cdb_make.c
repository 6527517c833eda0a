/* cdb_make: constant-database writer (format in cdb.h).

   Records go out through the buf as they are added, after a 2048-byte
   placeholder for the header; the (hash, position) of every record is kept
   in memory. cdb_make_finish sorts them into the 256 tables (each twice as
   many slots as records, linear probing in insertion order, so a lookup
   finds the first record added under a key first), appends the tables,
   flushes, and only then writes the real header at offset 0 with pwrite: a
   file whose header is still zero is an empty database, never a half one.
   Every file position must fit in 32 bits; past that, EFBIG. */
#include "cdb_make.h"
#include "cdb.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cdb_make_rec {
  uint32_t hash;
  uint32_t pos;
};

#define CDB_HEADER 2048

static void pack(char *p, uint32_t u)
{
  p[0] = (char)(u & 255);
  p[1] = (char)((u >> 8) & 255);
  p[2] = (char)((u >> 16) & 255);
  p[3] = (char)((u >> 24) & 255);
}

void cdb_make_free(struct cdb_make *m)
{
  free(m->recs);
  m->recs = NULL;
  m->count = 0;
  m->alloc = 0;
}

int cdb_make_start(struct cdb_make *m, int fd)
{
  char zero[256];
  int i;

  m->recs = NULL;
  m->count = 0;
  m->alloc = 0;
  m->pos = CDB_HEADER;
  buf_init(&m->b, buf_unixwrite, fd, m->space, sizeof m->space);
  if (lseek(fd, 0, SEEK_SET) == -1) return -1;
  memset(zero, 0, sizeof zero);
  for (i = 0; i < CDB_HEADER / (int)sizeof zero; i++)
    if (buf_put(&m->b, zero, sizeof zero) == -1) return -1;
  return 0;
}

/* the size the file would have with one more record of n bytes: records,
   plus 2 slots of 8 bytes per record in the tables */
static int fits(const struct cdb_make *m, uint64_t n)
{
  uint64_t total = (uint64_t)m->pos + n + 16 * ((uint64_t)m->count + 1);
  return total <= UINT32_MAX;
}

int cdb_make_add(struct cdb_make *m, const char *key, size_t klen,
                 const char *data, size_t dlen)
{
  char head[8];
  uint64_t n;

  if ((uint64_t)klen > UINT32_MAX || (uint64_t)dlen > UINT32_MAX) {
    errno = EFBIG;
    return -1;
  }
  n = 8 + (uint64_t)klen + (uint64_t)dlen;
  if (!fits(m, n)) {
    errno = EFBIG;
    return -1;
  }
  if (m->count == m->alloc) {
    size_t a = m->alloc ? m->alloc : 64;
    size_t bytes;
    struct cdb_make_rec *r;
    if (m->alloc && __builtin_mul_overflow(a, 2, &a)) {
      errno = ENOMEM;
      return -1;
    }
    if (__builtin_mul_overflow(a, sizeof *r, &bytes)) {
      errno = ENOMEM;
      return -1;
    }
    r = realloc(m->recs, bytes);
    if (!r) {
      errno = ENOMEM;
      return -1;
    }
    m->recs = r;
    m->alloc = a;
  }
  pack(head, (uint32_t)klen);
  pack(head + 4, (uint32_t)dlen);
  if (buf_put(&m->b, head, 8) == -1) return -1;
  if (buf_put(&m->b, key, klen) == -1) return -1;
  if (buf_put(&m->b, data, dlen) == -1) return -1;
  m->recs[m->count].hash = cdb_hash(key, klen);
  m->recs[m->count].pos = m->pos;
  m->count++;
  m->pos += (uint32_t)n;
  return 0;
}

static int write_all_at(int fd, const char *s, size_t n, off_t at)
{
  while (n) {
    ssize_t w = pwrite(fd, s, n, at);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    s += w;
    n -= (size_t)w;
    at += w;
  }
  return 0;
}

static int finish(struct cdb_make *m)
{
  char header[CDB_HEADER];
  size_t start[257];
  size_t i, b, maxn = 0;
  struct cdb_make_rec *sorted, *table;
  size_t bytes;

  /* counting sort by table number, stable: insertion order is kept */
  memset(start, 0, sizeof start);
  for (i = 0; i < m->count; i++) start[(m->recs[i].hash & 255) + 1]++;
  for (b = 0; b < 256; b++) {
    if (start[b + 1] > maxn) maxn = start[b + 1];
    start[b + 1] += start[b];
  }
  /* count <= UINT32_MAX / 16, checked by fits(), so none of these overflow */
  bytes = (m->count ? m->count : 1) * sizeof *sorted;
  sorted = malloc(bytes);
  if (!sorted) {
    errno = ENOMEM;
    return -1;
  }
  table = malloc((maxn ? 2 * maxn : 1) * sizeof *table);
  if (!table) {
    free(sorted);
    errno = ENOMEM;
    return -1;
  }
  {
    size_t next[256];
    memcpy(next, start, sizeof next);
    for (i = 0; i < m->count; i++) sorted[next[m->recs[i].hash & 255]++] = m->recs[i];
  }

  for (b = 0; b < 256; b++) {
    size_t n = start[b + 1] - start[b];
    size_t slots = 2 * n;
    pack(header + 8 * b, m->pos);
    pack(header + 8 * b + 4, (uint32_t)slots);
    if (!n) continue;
    memset(table, 0, slots * sizeof *table);
    for (i = start[b]; i < start[b + 1]; i++) {
      size_t s = (sorted[i].hash >> 8) % slots;
      while (table[s].pos) s = (s + 1 == slots) ? 0 : s + 1;
      table[s] = sorted[i];
    }
    for (i = 0; i < slots; i++) {
      char pair[8];
      pack(pair, table[i].hash);
      pack(pair + 4, table[i].pos);
      if (buf_put(&m->b, pair, 8) == -1) goto fail;
    }
    m->pos += (uint32_t)(slots * 8);
  }
  free(sorted);
  free(table);
  if (buf_flush(&m->b) == -1) return -1;
  return write_all_at(m->b.fd, header, sizeof header, 0);

fail:
  free(sorted);
  free(table);
  return -1;
}

int cdb_make_finish(struct cdb_make *m)
{
  int r = finish(m);
  int e = errno;
  cdb_make_free(m);
  errno = e;
  return r;
}
