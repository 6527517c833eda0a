/* fresh: in-memory preprocessed messages of qmail-send (see fresh.h). */
#include <errno.h>
#include <stdlib.h>
#include "fresh.h"

static struct fresh **table;
static size_t size, count, total;

static size_t home(unsigned long id, size_t n)
{
  unsigned long long h = (unsigned long long)id * 0x9E3779B97F4A7C15ULL;
  return (size_t)(h >> 17) & (n - 1);
}

static int grow(void)
{
  size_t n = size ? size * 2 : 256, i;
  struct fresh **t;
  if (n < size || n > ((size_t)-1) / sizeof *t) { errno = ENOMEM; return 0; }
  t = calloc(n, sizeof *t);
  if (!t) return 0;
  for (i = 0; i < size; ++i)
    while (table[i]) {
      struct fresh *f = table[i];
      size_t j = home(f->id, n);
      table[i] = f->next;
      f->next = t[j];
      t[j] = f;
    }
  free(table);
  table = t;
  size = n;
  return 1;
}

int fresh_room(void)
{
  /* a kept message holds at most about twice its records (stralloc
     growth) and its sender, itself under FRESH_MESSAGE_MAX */
  return total <= FRESH_TOTAL_MAX - 3 * FRESH_MESSAGE_MAX;
}

struct fresh *fresh_get(unsigned long id)
{
  struct fresh *f;
  if (!size) return 0;
  for (f = table[home(id, size)]; f; f = f->next)
    if (f->id == id) return f;
  return 0;
}

struct fresh *fresh_add(unsigned long id, time_t birth, int channel, stralloc *sender, stralloc *recs)
{
  struct fresh *f;
  size_t j;
  stralloc z = STRALLOC_ZERO;
  if (fresh_get(id)) { errno = EEXIST; return 0; }
  if (count >= size / 2 && !grow()) return 0;
  f = calloc(1, sizeof *f);
  if (!f) return 0;
  f->id = id;
  f->birth = birth;
  f->channel = channel;
  f->sender = *sender;
  f->recs = *recs;
  *sender = z;
  *recs = z;
  f->charged = sizeof *f + f->sender.a + f->recs.a;
  total += f->charged;
  j = home(id, size);
  f->next = table[j];
  table[j] = f;
  count++;
  return f;
}

void fresh_del(unsigned long id)
{
  struct fresh **p, *f;
  if (!size) return;
  for (p = &table[home(id, size)]; (f = *p); p = &f->next)
    if (f->id == id) {
      *p = f->next;
      total -= f->charged;
      count--;
      stralloc_free(&f->sender);
      stralloc_free(&f->recs);
      free(f);
      return;
    }
}

size_t fresh_count(void) { return count; }

size_t fresh_ids(unsigned long *ids, size_t n)
{
  size_t i, k = 0;
  struct fresh *f;
  for (i = 0; i < size && k < n; ++i)
    for (f = table[i]; f && k < n; f = f->next) ids[k++] = f->id;
  return k;
}
