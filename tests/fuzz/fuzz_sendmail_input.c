/* libFuzzer harness for sendmail_input.c. The first input byte picks -i
   (bit 0) and seeds the chunk sizes; the rest is what a caller writes on
   sendmail's stdin. Checks that
   - feeding it whole, byte by byte and in pseudo-random chunks gives the
     same output, the same end and the same bytes consumed;
   - used never exceeds what was fed, and a feed that does not end the
     input consumes everything;
   - with -i (no "." rule) the output is at most as long as the input, and
     without a CR in the input it is the input itself, but for a first
     "From " line.
   Run: ./fuzz_sendmail_input -max_len=4096 -max_total_time=60 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sendmail_input.h"
#include "stralloc.h"

static uint32_t next(uint32_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* mode 0 whole, 1 byte by byte, else random chunks; returns bytes consumed */
static size_t run(stralloc *out, const uint8_t *s, size_t n, int ignoredots, int mode,
                  uint32_t seed, int *ended)
{
  struct sendmail_input in;
  size_t pos = 0;

  out->len = 0;
  *ended = 0;
  sendmail_input_init(&in, ignoredots);
  while (pos < n) {
    size_t k = mode == 0 ? n - pos : mode == 1 ? 1 : 1 + next(&seed) % 64, used = 0;
    int r;
    if (k > n - pos) k = n - pos;
    r = sendmail_input_feed(&in, (const char *)s + pos, k, out, &used);
    if (r == -1) abort();
    if (used > k) abort();
    pos += used;
    if (r == 1) { *ended = 1; return pos; }
    if (used != k) abort();
  }
  if (sendmail_input_end(&in, out) != 1) abort();
  return pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc a = STRALLOC_ZERO, b = STRALLOC_ZERO, c = STRALLOC_ZERO;
  int ignoredots, ea, eb, ec;
  uint32_t seed;
  size_t ua, ub, uc;

  if (size < 1) return 0;
  ignoredots = data[0] & 1;
  seed = 0x9e3779b9u ^ data[0];
  ++data;
  --size;
  ua = run(&a, data, size, ignoredots, 0, seed, &ea);
  ub = run(&b, data, size, ignoredots, 1, seed, &eb);
  uc = run(&c, data, size, ignoredots, 2, seed, &ec);
  if (ua != ub || ua != uc || ea != eb || ea != ec) abort();
  if (a.len != b.len || a.len != c.len) abort();
  if (a.len && (memcmp(a.s, b.s, a.len) || memcmp(a.s, c.s, a.len))) abort();
  if (ignoredots && a.len > size) abort();
  if (ignoredots && !memchr(data, '\r', size) && !(size >= 5 && !memcmp(data, "From ", 5)) &&
      (a.len != size || (size && memcmp(a.s, data, size))))
    abort();
  return 0;
}
