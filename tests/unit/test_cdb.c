/* test_cdb: the cdb writer and reader. Round trips with thousands of keys,
   duplicate and empty keys and data, known hash values, a file image built
   by hand from the format description, and truncated or corrupted files,
   which must give errors and never a crash or a wrong answer that points
   outside the file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cdb.h"
#include "cdb_make.h"
#include "check.h"

#define NKEYS 5000

static int temp_file(void)
{
  char name[] = "/tmp/test_cdb.XXXXXX";
  int fd = mkstemp(name);
  if (fd == -1) { perror("mkstemp"); exit(2); }
  unlink(name);
  return fd;
}

/* the hash from its definition, in 64-bit arithmetic reduced by hand */
static uint32_t slow_hash(const char *s, size_t n)
{
  uint64_t h = 5381;
  size_t i;
  for (i = 0; i < n; i++) h = ((h * 33) % 4294967296ULL) ^ (unsigned char)s[i];
  return (uint32_t)h;
}

static void test_hash(void)
{
  static const char *const samples[] = { "a", "ab", "!joe", "users/cdb",
    "a somewhat longer key that wraps the 32-bit hash several times over" };
  size_t i;

  CHECK(cdb_hash("", 0) == 5381);
  CHECK(cdb_hash("a", 1) == 177604);        /* 5381*33 = 177573; ^ 97 */
  CHECK(cdb_hash("ab", 2) == 5860902);      /* 177604*33 = 5860932; ^ 98 */
  CHECK(cdb_hash("\xff", 1) == 177498);     /* bytes are unsigned: ^ 255 */
  CHECK(cdb_hash("\0", 1) == 177573);
  for (i = 0; i < sizeof samples / sizeof samples[0]; i++)
    CHECK(cdb_hash(samples[i], strlen(samples[i])) == slow_hash(samples[i], strlen(samples[i])));
}

static void make_key(char *out, size_t size, int i) { snprintf(out, size, "key%d", i); }
static void make_data(char *out, size_t size, int i) { snprintf(out, size, "data for %d: %x", i, i * 7919); }

/* writes the test database into fd */
static void build(int fd)
{
  struct cdb_make m;
  char k[32], d[64];
  int i, ok = 1;

  CHECK(cdb_make_start(&m, fd) == 0);
  for (i = 0; i < NKEYS; i++) {
    make_key(k, sizeof k, i);
    make_data(d, sizeof d, i);
    if (cdb_make_add(&m, k, strlen(k), d, strlen(d)) != 0) ok = 0;
    if (i == NKEYS / 2) { /* duplicates in the middle of the stream */
      if (cdb_make_add(&m, "dup", 3, "first", 5) != 0) ok = 0;
      if (cdb_make_add(&m, "", 0, "", 0) != 0) ok = 0;
      if (cdb_make_add(&m, "dup", 3, "second", 6) != 0) ok = 0;
    }
  }
  if (cdb_make_add(&m, "dup", 3, "third", 5) != 0) ok = 0;
  if (cdb_make_add(&m, "", 0, "empty key, data", 15) != 0) ok = 0;
  if (cdb_make_add(&m, "nodata", 6, "", 0) != 0) ok = 0;
  if (cdb_make_add(&m, "bin\0key", 7, "bin\0data\xff", 9) != 0) ok = 0;
  CHECK(ok);
  CHECK(cdb_make_finish(&m) == 0);
}

static int found_is(struct cdb *c, const char *want, size_t wlen)
{
  char buf[128];
  if (cdb_datalen(c) != wlen || wlen > sizeof buf) return 0;
  if (cdb_read(c, buf, wlen, cdb_datapos(c)) != 0) return 0;
  return memcmp(buf, want, wlen) == 0;
}

static void check_contents(struct cdb *c)
{
  char k[32], d[64];
  int i, bad = 0;

  for (i = 0; i < NKEYS; i++) {
    make_key(k, sizeof k, i);
    make_data(d, sizeof d, i);
    if (cdb_find(c, k, strlen(k)) != 1 || !found_is(c, d, strlen(d))) bad++;
  }
  CHECK(bad == 0);

  /* duplicates come back in the order they were added */
  CHECK(cdb_find(c, "dup", 3) == 1);
  CHECK(found_is(c, "first", 5));
  CHECK(cdb_findnext(c, "dup", 3) == 1);
  CHECK(found_is(c, "second", 6));
  CHECK(cdb_findnext(c, "dup", 3) == 1);
  CHECK(found_is(c, "third", 5));
  CHECK(cdb_findnext(c, "dup", 3) == 0);

  CHECK(cdb_find(c, "", 0) == 1);
  CHECK(cdb_datalen(c) == 0);
  CHECK(cdb_findnext(c, "", 0) == 1);
  CHECK(found_is(c, "empty key, data", 15));
  CHECK(cdb_findnext(c, "", 0) == 0);

  CHECK(cdb_find(c, "nodata", 6) == 1);
  CHECK(cdb_datalen(c) == 0);
  CHECK(cdb_find(c, "bin\0key", 7) == 1);
  CHECK(found_is(c, "bin\0data\xff", 9));
  CHECK(cdb_find(c, "bin", 3) == 0);

  CHECK(cdb_find(c, "key", 3) == 0);
  CHECK(cdb_find(c, "key5000", 7) == 0);
  CHECK(cdb_find(c, "KEY1", 4) == 0);
  CHECK(cdb_find(c, "key1\0", 5) == 0);

  /* reads past the end are refused */
  errno = 0;
  CHECK(cdb_read(c, k, 8, c->size - 4) == -1 && errno == EPROTO);
  CHECK(cdb_read(c, k, 4, c->size - 4) == 0);
}

static void test_round_trip(void)
{
  struct cdb c;
  int fd = temp_file();

  build(fd);
  CHECK(cdb_init(&c, fd) == 0);
  CHECK(c.map != NULL);
  check_contents(&c);
  /* the same through pread: without the mapping */
  cdb_free(&c);
  CHECK(c.map == NULL);
  check_contents(&c);
  cdb_free(&c);
  close(fd);
}

static void put32(unsigned char *p, uint32_t u)
{
  p[0] = u & 255; p[1] = (u >> 8) & 255; p[2] = (u >> 16) & 255; p[3] = u >> 24;
}

/* a database of one record "one" -> "1", laid out by hand: header, record at
   2048, table for bucket hash("one") & 255 with 2 slots at 2048+12 */
static void test_hand_made(void)
{
  unsigned char img[2048 + 12 + 16];
  uint32_t h = slow_hash("one", 3);
  uint32_t table = 2048 + 12;
  int fd = temp_file();
  struct cdb c;
  unsigned b;

  memset(img, 0, sizeof img);
  /* an empty table sits where the tables written so far end: slots 0 */
  for (b = 0; b < 256; b++) put32(img + 8 * b, b <= (h & 255) ? table : table + 16);
  put32(img + 8 * (h & 255), table);
  put32(img + 8 * (h & 255) + 4, 2);
  put32(img + 2048, 3);
  put32(img + 2052, 1);
  memcpy(img + 2056, "one1", 4);
  put32(img + table + 8 * ((h >> 8) % 2), h);
  put32(img + table + 8 * ((h >> 8) % 2) + 4, 2048);
  CHECK(write(fd, img, sizeof img) == (ssize_t)sizeof img);

  CHECK(cdb_init(&c, fd) == 0);
  CHECK(cdb_find(&c, "one", 3) == 1);
  CHECK(found_is(&c, "1", 1));
  CHECK(cdb_find(&c, "two", 3) == 0);
  cdb_free(&c);

  /* the writer produces exactly this image */
  {
    int fd2 = temp_file();
    struct cdb_make m;
    unsigned char again[sizeof img + 1];
    CHECK(cdb_make_start(&m, fd2) == 0);
    CHECK(cdb_make_add(&m, "one", 3, "1", 1) == 0);
    CHECK(cdb_make_finish(&m) == 0);
    CHECK(pread(fd2, again, sizeof again, 0) == (ssize_t)sizeof img);
    CHECK(memcmp(again, img, sizeof img) == 0);
    close(fd2);
  }

  /* record key length pointing past the end */
  put32(img + 2048, 0x7fffffff);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  CHECK(cdb_init(&c, fd) == 0);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO);
  cdb_free(&c);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO); /* pread path */

  /* record position past the end */
  put32(img + 2048, 3);
  put32(img + table + 8 * ((h >> 8) % 2) + 4, 0xfffffff0);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  CHECK(cdb_init(&c, fd) == 0);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO);
  cdb_free(&c);

  /* table that would run past the end, and one with a huge slot count */
  put32(img + table + 8 * ((h >> 8) % 2) + 4, 2048);
  put32(img + 8 * (h & 255) + 4, 3);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  CHECK(cdb_init(&c, fd) == 0);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO);
  put32(img + 8 * (h & 255) + 4, 0xffffffff);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO);
  cdb_free(&c);

  /* table inside the header */
  put32(img + 8 * (h & 255), 8);
  put32(img + 8 * (h & 255) + 4, 2);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  CHECK(cdb_init(&c, fd) == 0);
  errno = 0;
  CHECK(cdb_find(&c, "one", 3) == -1 && errno == EPROTO);
  cdb_free(&c);

  /* a full table with no empty slot and no match ends after one pass */
  put32(img + 8 * (h & 255), table);
  put32(img + 8 * (h & 255) + 4, 2);
  put32(img + table, h ^ 1);
  put32(img + table + 4, 2048);
  put32(img + table + 8, h ^ 1);
  put32(img + table + 12, 2048);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  CHECK(cdb_init(&c, fd) == 0);
  CHECK(cdb_find(&c, "one", 3) == 0);
  cdb_free(&c);
  close(fd);
}

static void test_truncated(void)
{
  int fd = temp_file(), t = temp_file();
  struct cdb c;
  off_t size, cut;
  char *img;
  int wrong = 0;

  build(fd);
  size = lseek(fd, 0, SEEK_END);
  img = malloc((size_t)size);

  CHECK(img != NULL);
  CHECK(pread(fd, img, (size_t)size, 0) == size);
  for (cut = 0; cut < size; cut += (cut < 4096 ? 97 : 4099)) {
    char k[32];
    int i, r;
    CHECK(ftruncate(t, 0) == 0);
    CHECK(pwrite(t, img, (size_t)cut, 0) == cut);
    errno = 0;
    r = cdb_init(&c, t);
    if (cut < 2048) {
      if (!(r == -1 && errno == EPROTO)) wrong++;
      continue;
    }
    if (r != 0) { wrong++; continue; }
    for (i = 0; i < NKEYS; i += 37) {
      make_key(k, sizeof k, i);
      r = cdb_find(&c, k, strlen(k));
      if (r == 1 && (uint64_t)cdb_datapos(&c) + cdb_datalen(&c) > (uint64_t)cut) wrong++;
      if (r == -1 && errno != EPROTO) wrong++;
    }
    cdb_free(&c);
  }
  CHECK(wrong == 0);

  /* flipped bytes anywhere: errors or answers, all inside the file */
  srand(1);
  {
    int round;
    for (round = 0; round < 300; round++) {
      char k[32];
      int i, r, flips = 1 + rand() % 8;
      CHECK(pwrite(t, img, (size_t)size, 0) == size);
      CHECK(ftruncate(t, size) == 0);
      for (i = 0; i < flips; i++) {
        off_t at = rand() % size;
        unsigned char byte = (unsigned char)rand();
        CHECK(pwrite(t, &byte, 1, at) == 1);
      }
      CHECK(cdb_init(&c, t) == 0);
      for (i = 0; i < NKEYS; i += 101) {
        make_key(k, sizeof k, i);
        cdb_findstart(&c);
        while ((r = cdb_findnext(&c, k, strlen(k))) == 1)
          if ((uint64_t)cdb_datapos(&c) + cdb_datalen(&c) > (uint64_t)size) wrong++;
      }
      cdb_free(&c);
    }
  }
  CHECK(wrong == 0);
  free(img);
  close(fd);
  close(t);
}

static void test_limits(void)
{
  struct cdb_make m;
  int fd = temp_file();
  char x = 'x';

  CHECK(cdb_make_start(&m, fd) == 0);
  errno = 0;
  CHECK(cdb_make_add(&m, &x, (size_t)UINT32_MAX + 1, &x, 1) == -1 && errno == EFBIG);
  errno = 0;
  CHECK(cdb_make_add(&m, &x, 1, &x, (size_t)UINT32_MAX + 1) == -1 && errno == EFBIG);
  /* a file position past 4 GiB - 1, records and tables counted */
  m.pos = UINT32_MAX - 25;
  errno = 0;
  CHECK(cdb_make_add(&m, &x, 1, &x, 1) == -1 && errno == EFBIG);
  m.pos = UINT32_MAX - 26;
  CHECK(cdb_make_add(&m, &x, 1, &x, 1) == 0); /* 10 bytes + 16 of table: just fits */
  CHECK(m.pos == UINT32_MAX - 16);
  cdb_make_free(&m);
  cdb_make_free(&m);
  close(fd);

  /* an empty database is valid and finds nothing */
  {
    struct cdb c;
    fd = temp_file();
    CHECK(cdb_make_start(&m, fd) == 0);
    CHECK(cdb_make_finish(&m) == 0);
    CHECK(lseek(fd, 0, SEEK_END) == 2048);
    CHECK(cdb_init(&c, fd) == 0);
    CHECK(cdb_find(&c, "", 0) == 0);
    CHECK(cdb_find(&c, "a", 1) == 0);
    cdb_free(&c);
    close(fd);
  }
}

int main(void)
{
  RUN(test_hash);
  RUN(test_round_trip);
  RUN(test_hand_made);
  RUN(test_truncated);
  RUN(test_limits);
  return check_exit("test_cdb");
}
