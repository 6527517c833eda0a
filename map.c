/* map: case-insensitive exact-match lookup over a NUL-separated list.
   Open addressing with linear probing; the table is at least twice the
   entry count and a power of two, so probes stay short and always end at an
   empty slot. The hash is FNV-1a over ASCII-lowercased bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "map.h"
#include "str.h"

struct map_entry {
  const char *key;
  size_t keylen;
  const char *value;
  size_t hash;
};

static size_t hash(const char *s, size_t n)
{
  uint64_t h = 14695981039346656037ULL;
  size_t i;

  for (i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + ('a' - 'A'));
    h ^= c;
    h *= 1099511628211ULL;
  }
  return (size_t)(h ^ (h >> 32));
}

/* index of the entry for key, or of the empty slot where it would go */
static size_t probe(const struct map *m, const char *key, size_t len, size_t h, int *found)
{
  size_t mask = m->slots - 1;
  size_t i = h & mask;

  for (;;) {
    size_t t = m->table[i];
    if (!t) { *found = 0; return i; }
    {
      const struct map_entry *e = &m->entries[t - 1];
      if (e->hash == h && e->keylen == len && case_equalb(e->key, len, key)) {
        *found = 1;
        return i;
      }
    }
    i = (i + 1) & mask;
  }
}

int map_init(struct map *m, const char *list, size_t len, int colon)
{
  size_t count = 0, slots = 1, pos, bytes;

  m->entries = 0;
  m->table = 0;
  m->count = 0;
  m->slots = 0;

  /* upper bound on entries: NUL-terminated strings in list (a trailing
     fragment without NUL is ignored: its value would not be terminated) */
  for (pos = 0; pos < len; ++pos)
    if (!list[pos]) ++count;
  while (slots < 2 * count || slots < 8) {
    if (slots > SIZE_MAX / 4) { errno = ENOMEM; return 0; }
    slots *= 2;
  }
  if (__builtin_mul_overflow(count ? count : 1, sizeof(struct map_entry), &bytes)) {
    errno = ENOMEM;
    return 0;
  }
  m->entries = malloc(bytes);
  if (!m->entries) { errno = ENOMEM; return 0; }
  if (!(m->table = calloc(slots, sizeof(size_t)))) {
    free(m->entries);
    m->entries = 0;
    errno = ENOMEM;
    return 0;
  }
  m->slots = slots;

  pos = 0;
  while (pos < len) {
    size_t n = byte_chr(list + pos, len - pos, 0);
    const char *s = list + pos;
    const char *value;
    size_t keylen, h, slot;
    int found;

    if (pos + n >= len) break; /* unterminated tail */
    pos += n + 1;
    if (colon) {
      keylen = byte_chr(s, n, ':');
      if (keylen == n) continue;
      value = s + keylen + 1;
    } else {
      if (!n) continue;
      keylen = n;
      value = s + n; /* the terminating NUL: "" */
    }
    h = hash(s, keylen);
    slot = probe(m, s, keylen, h, &found);
    if (found) continue; /* first one wins */
    m->entries[m->count].key = s;
    m->entries[m->count].keylen = keylen;
    m->entries[m->count].value = value;
    m->entries[m->count].hash = h;
    m->count++;
    m->table[slot] = m->count;
  }
  return 1;
}

void map_free(struct map *m)
{
  free(m->entries);
  free(m->table);
  m->entries = 0;
  m->table = 0;
  m->count = 0;
  m->slots = 0;
}

const char *map_get(const struct map *m, const char *key, size_t len)
{
  size_t slot;
  int found;

  if (!m->slots) return 0;
  slot = probe(m, key, len, hash(key, len), &found);
  if (!found) return 0;
  return m->entries[m->table[slot] - 1].value;
}
