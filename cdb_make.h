/* cdb_make: writer for the cdb format (see cdb.h). The caller opens the
   output (normally NAME.tmp), calls start, add..., finish, then fsyncs and
   renames it into place. 0 ok, -1 error with errno (EFBIG past 4 GiB). */
#ifndef CDB_MAKE_H
#define CDB_MAKE_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct cdb_make {
  buf b;
  char space[8192];
  uint32_t pos;
  struct cdb_make_rec *recs; /* private: (hash, position) of every record */
  size_t count, alloc;
};

int cdb_make_start(struct cdb_make *m, int fd);
int cdb_make_add(struct cdb_make *m, const char *key, size_t klen, const char *data, size_t dlen);
int cdb_make_finish(struct cdb_make *m); /* writes tables + header, flushes; frees memory */
/* frees the memory of a build that is abandoned (after a failed add); safe
   to call after finish or twice */
void cdb_make_free(struct cdb_make *m);

#endif
