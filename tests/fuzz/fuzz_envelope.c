/* libFuzzer harness for envelope.c. The first two input bytes seed the
   chunk sizes; the rest is the envelope. Checks that
   - feeding it whole, byte by byte and in pseudo-random chunks gives the
     same result, bytes consumed and recipient count;
   - that result equals a plain byte-at-a-time reading of the grammar;
   - a finished parser stays finished and consumes nothing more.
   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
            tests/fuzz/fuzz_envelope.c envelope.c -o fuzz_envelope
   Run:   ./fuzz_envelope -max_len=4096 -max_total_time=30 */
#include <stdint.h>
#include <stdlib.h>
#include "envelope.h"

struct outcome {
  int result;
  size_t used;
  size_t recipients;
};

/* the grammar read one byte at a time, the way the specification says it */
static struct outcome reference(const uint8_t *s, size_t n)
{
  struct outcome o = { ENVELOPE_TRUNCATED, n, 0 };
  size_t i = 0;
  int first = 1;

  if (n == 0) return o;
  if (s[i++] != 'F') { o.result = ENVELOPE_FORMAT; o.used = i; return o; }
  for (;;) {
    size_t count = 0;
    for (;;) { /* one address */
      if (i == n) return o;
      if (s[i++] == 0) break;
      if (++count == ENVELOPE_ADDRMAX) { o.result = ENVELOPE_TOOLONG; o.used = i; return o; }
    }
    if (!first) ++o.recipients;
    first = 0;
    if (i == n) return o;
    if (s[i] == 0) { o.result = ENVELOPE_DONE; o.used = i + 1; return o; }
    if (s[i++] != 'T') { o.result = ENVELOPE_FORMAT; o.used = i; return o; }
  }
}

static uint32_t next(uint32_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* chunk sizes from the seed: mode 0 whole, 1 byte by byte, else random */
static struct outcome feed(const uint8_t *s, size_t n, int mode, uint32_t seed)
{
  struct envelope e;
  struct outcome o = { ENVELOPE_MORE, 0, 0 };
  size_t pos = 0;
  uint32_t x = seed | 1;

  envelope_init(&e);
  while (pos < n) {
    size_t len, used;
    int r;

    if (mode == 0) len = n - pos;
    else if (mode == 1) len = 1;
    else {
      uint32_t v = next(&x);
      len = (v & 3) == 0 ? (v >> 8) % 2048 : (v >> 8) % 8; /* 0 is allowed */
    }
    if (len > n - pos) len = n - pos;
    r = envelope_feed(&e, (const char *)s + pos, len, &used);
    if (used > len) abort();
    o.used += used;
    pos += len;
    if (r != ENVELOPE_MORE) {
      size_t again;
      if (r != ENVELOPE_DONE && r >= 0) abort();
      if (envelope_feed(&e, "F\0\0", 3, &again) != r || again != 0) abort();
      if (envelope_end(&e) != r) abort();
      o.result = r;
      o.recipients = e.recipients;
      return o;
    }
    if (used != len) abort();
  }
  o.result = envelope_end(&e);
  if (o.result == ENVELOPE_MORE || o.result == ENVELOPE_DONE) abort();
  o.recipients = e.recipients;
  return o;
}

static void same(struct outcome a, struct outcome b)
{
  if (a.result != b.result || a.used != b.used || a.recipients != b.recipients) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint32_t seed;
  struct outcome ref;

  if (size < 2) return 0;
  seed = (uint32_t)data[0] << 8 | data[1];
  data += 2;
  size -= 2;

  ref = reference(data, size);
  same(feed(data, size, 0, seed), ref);
  same(feed(data, size, 1, seed), ref);
  same(feed(data, size, 2, seed), ref);
  same(feed(data, size, 2, seed * 2654435761u), ref);
  return 0;
}
