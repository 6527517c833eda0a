/* cdb: reader for the public constant-database format (D. J. Bernstein's
   cdb): little-endian uint32 fields, a 2048-byte header of 256 (position,
   slots) pairs, records klen dlen key data, then 256 linear-probe hash
   tables. Every offset read from the file is bounds-checked: a corrupt file
   yields -1 with errno EPROTO, never an out-of-bounds read. */
#ifndef CDB_H
#define CDB_H
#include <stddef.h>
#include <stdint.h>

struct cdb {
  int fd;
  const char *map;   /* mmap of the file, or NULL */
  uint32_t size;
  uint32_t loop, khash, kpos, hpos, hslots, dpos, dlen; /* search state */
};

uint32_t cdb_hash(const char *key, size_t len);
int cdb_init(struct cdb *c, int fd);   /* 0 ok, -1 error (file > 4 GiB: EFBIG) */
void cdb_free(struct cdb *c);          /* unmaps; does not close fd */
void cdb_findstart(struct cdb *c);
/* 1 found (cdb_datapos/len valid), 0 not found, -1 error. findnext continues
   to the next record with the same key. */
int cdb_findnext(struct cdb *c, const char *key, size_t len);
int cdb_find(struct cdb *c, const char *key, size_t len);
#define cdb_datapos(c) ((c)->dpos)
#define cdb_datalen(c) ((c)->dlen)
/* copies len bytes at pos; 0 ok, -1 error (EPROTO when out of bounds) */
int cdb_read(struct cdb *c, char *out, size_t len, uint32_t pos);

#endif
