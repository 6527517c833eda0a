/* destination: remote destination domains of qmail-send (see destination.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "destination.h"

static struct destination **table;
static size_t size, count;

static unsigned char lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static size_t home(const char *s, size_t len, size_t n)
{
  unsigned long long h = 14695981039346656037ULL;   /* FNV-1a */
  size_t i;
  for (i = 0; i < len; ++i) h = (h ^ lower((unsigned char)s[i])) * 1099511628211ULL;
  return (size_t)h & (n - 1);
}

static int same(const struct destination *d, const char *s, size_t len)
{
  size_t i;
  if (d->len != len) return 0;
  for (i = 0; i < len; ++i) if (d->domain[i] != (char)lower((unsigned char)s[i])) return 0;
  return 1;
}

static int grow(void)
{
  size_t n = size ? size * 2 : 64, i;
  struct destination **t;
  if (n < size || n > ((size_t)-1) / sizeof *t) { errno = ENOMEM; return 0; }
  t = calloc(n, sizeof *t);
  if (!t) return 0;
  for (i = 0; i < size; ++i)
    while (table[i]) {
      struct destination *d = table[i];
      size_t j = home(d->domain, d->len, n);
      table[i] = d->next;
      d->next = t[j];
      t[j] = d;
    }
  free(table);
  table = t;
  size = n;
  return 1;
}

struct destination *destination_get(const char *domain, size_t len)
{
  struct destination *d;
  struct ring z = RING_ZERO(sizeof(unsigned long));
  size_t i, j;
  if (size)
    for (d = table[home(domain, len, size)]; d; d = d->next)
      if (same(d, domain, len)) return d;
  if (count >= size / 2 && !grow()) return 0;
  d = calloc(1, sizeof *d);
  if (!d) return 0;
  d->domain = malloc(len ? len : 1);
  if (!d->domain) { free(d); return 0; }
  for (i = 0; i < len; ++i) d->domain[i] = (char)lower((unsigned char)domain[i]);
  d->len = len;
  d->waiters = z;
  j = home(domain, len, size);
  d->next = table[j];
  table[j] = d;
  count++;
  return d;
}

void destination_release(struct destination *d)
{
  struct destination **p;
  if (!d || d->inflight || d->pending || d->refs || d->waiters.len) return;
  for (p = &table[home(d->domain, d->len, size)]; *p; p = &(*p)->next)
    if (*p == d) {
      *p = d->next;
      count--;
      ring_free(&d->waiters);
      free(d->domain);
      free(d);
      return;
    }
}

size_t destination_count(void) { return count; }

size_t destination_all(struct destination **out, size_t n)
{
  size_t i, k = 0;
  struct destination *d;
  for (i = 0; i < size && k < n; ++i)
    for (d = table[i]; d && k < n; d = d->next) out[k++] = d;
  return k;
}
