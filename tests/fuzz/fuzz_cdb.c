/* fuzz_cdb: the cdb reader on arbitrary file images. The input is the file;
   keys taken from the input itself and a few fixed ones are looked up, every
   match is followed with findnext and its data read, through the mapping
   and then through pread. Nothing may read outside the file, and every
   answer must lie inside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cdb.h"

static int image_fd = -1;

static void walk(struct cdb *c, const char *key, size_t len)
{
  char data[64];
  int rounds = 0;

  cdb_findstart(c);
  while (rounds++ < 64 && cdb_findnext(c, key, len) == 1) {
    uint32_t n = cdb_datalen(c);
    if ((uint64_t)cdb_datapos(c) + n > c->size) abort();
    if (n > sizeof data) n = sizeof data;
    if (cdb_read(c, data, n, cdb_datapos(c)) != 0) abort();
  }
}

static void lookups(struct cdb *c, const uint8_t *data, size_t size)
{
  static const char *const fixed[] = { "", "!", "!joe", "a", "key1" };
  size_t i;

  for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) walk(c, fixed[i], strlen(fixed[i]));
  /* keys lying in the record area, as a valid file would have them */
  for (i = 0; i < 8 && 2048 + 8 + i * 13 < size; i++) {
    size_t at = 2048 + 8 + i * 13;
    size_t len = (size - at) < i * 3 ? size - at : i * 3;
    walk(c, (const char *)data + at, len);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct cdb c;

  if (image_fd == -1) {
    image_fd = memfd_create("fuzz_cdb", 0);
    if (image_fd == -1) abort();
  }
  if (ftruncate(image_fd, 0) == -1) abort();
  if (size && pwrite(image_fd, data, size, 0) != (ssize_t)size) abort();

  if (cdb_init(&c, image_fd) == -1) return 0;
  lookups(&c, data, size);
  cdb_free(&c); /* the same again through pread */
  lookups(&c, data, size);
  return 0;
}
