/* idset.c: hash set of message IDs. */
#include <errno.h>
#include <stdlib.h>
#include "idset.h"

static size_t home(unsigned long key, size_t size)
{
  unsigned long long h = (unsigned long long)key * 0x9E3779B97F4A7C15ULL;
  return (size_t)(h >> 17) & (size - 1);
}

static int grow(struct idset *s)
{
  size_t n = s->size ? s->size * 2 : 64, i;
  unsigned long *old = s->slot;
  size_t oldsize = s->size;
  if (n < s->size || n > ((size_t)-1) / sizeof *old) { errno = ENOMEM; return 0; }
  s->slot = calloc(n, sizeof *old);
  if (!s->slot) { s->slot = old; errno = ENOMEM; return 0; }
  s->size = n;
  s->count = 0;
  for (i = 0; i < oldsize; ++i)
    if (old[i]) {
      size_t j = home(old[i], n);
      while (s->slot[j]) j = (j + 1) & (n - 1);
      s->slot[j] = old[i];
      s->count++;
    }
  free(old);
  return 1;
}

int idset_has(const struct idset *s, unsigned long id)
{
  unsigned long key = id + 1;
  size_t j;
  if (!s->size || !key) return 0;
  for (j = home(key, s->size); s->slot[j]; j = (j + 1) & (s->size - 1))
    if (s->slot[j] == key) return 1;
  return 0;
}

int idset_add(struct idset *s, unsigned long id)
{
  unsigned long key = id + 1;
  size_t j;
  if (!key) { errno = EINVAL; return 0; }
  if (idset_has(s, id)) return 1;
  if ((s->count + 1) * 2 > s->size && !grow(s)) return 0;
  for (j = home(key, s->size); s->slot[j]; j = (j + 1) & (s->size - 1)) ;
  s->slot[j] = key;
  s->count++;
  return 1;
}

void idset_del(struct idset *s, unsigned long id)
{
  unsigned long key = id + 1;
  size_t j, k, mask;
  if (!s->size || !key) return;
  mask = s->size - 1;
  for (j = home(key, s->size); s->slot[j] != key; j = (j + 1) & mask)
    if (!s->slot[j]) return;
  s->slot[j] = 0;
  s->count--;
  /* shift back later members of the cluster that may now be unreachable */
  for (k = (j + 1) & mask; s->slot[k]; k = (k + 1) & mask) {
    size_t h = home(s->slot[k], s->size);
    /* move slot k to j if j lies cyclically in [h, k) */
    if (((k - h) & mask) >= ((k - j) & mask)) {
      s->slot[j] = s->slot[k];
      s->slot[k] = 0;
      j = k;
    }
  }
}

void idset_free(struct idset *s)
{
  free(s->slot);
  s->slot = 0;
  s->count = s->size = 0;
}
