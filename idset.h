/* idset: a set of unsigned long message IDs (open addressing with
   backward-shift deletion), O(1) expected per operation. */
#ifndef IDSET_H
#define IDSET_H
#include <stddef.h>

struct idset {
  unsigned long *slot; /* 0 = empty; IDs are stored as id + 1 */
  size_t count, size;  /* size is a power of two or 0 */
};

#define IDSET_ZERO { 0, 0, 0 }

int idset_add(struct idset *s, unsigned long id);   /* 1 ok (or present), 0 ENOMEM */
int idset_has(const struct idset *s, unsigned long id);
void idset_del(struct idset *s, unsigned long id);
void idset_free(struct idset *s);

#endif
