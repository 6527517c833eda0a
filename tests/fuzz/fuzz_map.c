/* fuzz_map: builds plain and colon maps from arbitrary bytes (as a control
   list after control_parselist, and as raw NUL-separated input), then looks
   up every entry and some derived keys, checking the answers against a
   linear scan of the same entries (first duplicate wins, ASCII case-folded
   comparison). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"
#include "map.h"
#include "str.h"
#include "stralloc.h"

/* the value a linear scan finds for key, or NULL */
static const char *scan(const char *list, size_t len, int colon, const char *key, size_t klen)
{
  size_t pos = 0;

  while (pos < len) {
    size_t n = byte_chr(list + pos, len - pos, 0);
    const char *s = list + pos;
    if (pos + n >= len) break;
    pos += n + 1;
    if (colon) {
      size_t c = byte_chr(s, n, ':');
      if (c == n) continue;
      if (c == klen && case_equalb(s, klen, key)) return s + c + 1;
    } else {
      if (!n) continue;
      if (n == klen && case_equalb(s, klen, key)) return s + n;
    }
  }
  return 0;
}

static void check(const char *list, size_t len, int colon)
{
  struct map m = MAP_ZERO;
  size_t pos = 0;

  if (!map_init(&m, list, len, colon)) return; /* out of memory: fine */
  while (pos < len) {
    size_t n = byte_chr(list + pos, len - pos, 0);
    const char *s = list + pos;
    size_t klen = colon ? byte_chr(s, n, ':') : n;
    size_t k;
    for (k = 0; k <= klen && k <= 3; ++k) {
      /* the key itself and some prefixes of it */
      size_t l = klen - k;
      if (map_get(&m, s, l) != scan(list, len, colon, s, l)) abort();
    }
    if (pos + n >= len) break;
    pos += n + 1;
  }
  if (map_get(&m, "", 0) != scan(list, len, colon, "", 0)) abort();
  map_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  stralloc list = STRALLOC_ZERO;
  char *copy;

  if (control_parselist(&list, (const char *)data, size) == 1) {
    check(list.s, list.len, 0);
    check(list.s, list.len, 1);
  }
  stralloc_free(&list);

  /* raw bytes, so that the unterminated tail and empty entries are hit; a
     heap copy of exactly size bytes lets ASan catch any read past the end */
  copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  check(copy, size, 0);
  check(copy, size, 1);
  free(copy);
  return 0;
}
