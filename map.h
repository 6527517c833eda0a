/* map: case-insensitive exact-match lookup over control-file lists. Built
   from NUL-terminated entries (control_readlist output). With colon set, each
   entry is split at its FIRST ':' into key and value and entries without ':'
   are ignored; otherwise the value is "" and empty entries are ignored. For
   duplicate keys the first wins. A trailing fragment of list without its NUL
   is ignored. */
#ifndef MAP_H
#define MAP_H
#include <stddef.h>

struct map {
  struct map_entry *entries; /* private */
  size_t *table;             /* private: hash slots, index+1, 0 = empty */
  size_t count, slots;
};

#define MAP_ZERO { 0, 0, 0, 0 }

/* 1 ok, 0 ENOMEM. Keeps pointers into list: list must outlive the map. */
int map_init(struct map *m, const char *list, size_t len, int colon);
void map_free(struct map *m);
/* value (NUL-terminated) for key[0..len), or NULL */
const char *map_get(const struct map *m, const char *key, size_t len);

#endif
