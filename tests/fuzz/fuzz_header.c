/* libFuzzer harness for header.c. The first two input bytes seed the chunk
   sizes; the rest is a message. Checks that
   - feeding it whole, byte by byte and in pseudo-random chunks gives the
     same fields, the same end and the same bytes consumed;
   - every field's name and value lie inside the field, no field holds an
     LF that is not followed by SP or TAB, and consumed counts never exceed
     what was fed;
   - a finished splitter stays finished and consumes nothing more.
   Run: ./fuzz_header -max_len=4096 -max_total_time=60 tests/fuzz/corpus/header */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "header.h"
#include "stralloc.h"

static uint32_t next(uint32_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

static void record(stralloc *t, const void *p, size_t n)
{
  if (!stralloc_catb(t, (const char *)&n, sizeof n) || !stralloc_catb(t, p, n)) abort();
}

/* mode 0 whole, 1 byte by byte, else random chunks */
static void transcript(stralloc *t, const uint8_t *s, size_t n, int mode, uint32_t seed)
{
  struct header h;
  size_t pos = 0, used, i;
  uint32_t x = seed | 1;
  int r;

  t->len = 0;
  header_init(&h);
  for (;;) {
    if (pos < n) {
      size_t len;
      if (mode == 0) len = n - pos;
      else if (mode == 1) len = 1;
      else {
        uint32_t v = next(&x);
        len = (v & 3) == 0 ? (v >> 8) % 2048 : (v >> 8) % 8;
      }
      if (len > n - pos) len = n - pos;
      r = header_feed(&h, (const char *)s + pos, len, &used);
      if (used > len) abort();
      if (r == HEADER_MORE && used != len) abort();
      pos += used;
    } else
      r = header_finish(&h);
    if (r == HEADER_FIELD) {
      if (h.namelen > h.value || h.value > h.field.len) abort();
      if (h.namelen == 0 && !h.mbox) abort();
      for (i = 0; i < h.field.len; ++i)
        if (h.field.s[i] == '\n' && (i + 1 == h.field.len ||
            (h.field.s[i + 1] != ' ' && h.field.s[i + 1] != '\t'))) abort();
      record(t, "F", 1);
      record(t, h.field.s, h.namelen);
      record(t, h.field.s + h.value, h.field.len - h.value);
      record(t, &h.mbox, sizeof h.mbox);
    } else if (r == HEADER_END) {
      size_t again;
      record(t, "E", 1);
      record(t, &h.end, sizeof h.end);
      record(t, &pos, sizeof pos);
      record(t, h.field.s, h.field.len);
      if (h.end == HEADER_END_BLANK && h.field.len) abort();
      if (header_feed(&h, "A: b\n", 5, &again) != HEADER_END || again != 0) abort();
      if (header_finish(&h) != HEADER_END) abort();
      break;
    } else if (r != HEADER_MORE)
      abort();
  }
  header_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc a, b;
  uint32_t seed;

  if (size < 2) return 0;
  seed = (uint32_t)data[0] << 8 | data[1];
  data += 2;
  size -= 2;
  transcript(&a, data, size, 0, seed);
  transcript(&b, data, size, 1, seed);
  if (a.len != b.len || memcmp(a.s, b.s, a.len)) abort();
  transcript(&b, data, size, 2, seed);
  if (a.len != b.len || memcmp(a.s, b.s, a.len)) abort();
  transcript(&b, data, size, 2, seed * 2654435761u);
  if (a.len != b.len || memcmp(a.s, b.s, a.len)) abort();
  return 0;
}
