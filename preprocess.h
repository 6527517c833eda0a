/* preprocess: turns a committed envelope, queue/todo/ID, into the files
   qmail-send delivers from: info/N/ID ("F" sender NUL), local/N/ID and
   remote/N/ID (one "T" recipient NUL record per recipient, rewritten as
   rewrite.h says). Paths are relative to the queue directory (the current
   directory). The envelope is streamed: memory does not grow with the
   number of recipients.

   preprocess_keep may keep the records in memory instead (see fresh.h);
   preprocess_write writes such records out later.

   Nothing here is flushed to disk. The caller keeps todo/ID until it has
   made these files durable (or until the message is finished), so a crash
   before that only makes qmail-send preprocess the message again. */
#ifndef PREPROCESS_H
#define PREPROCESS_H
#include <time.h>
#include "stralloc.h"
#include "todo.h"

struct rewrite_config;

struct preprocess_result {
  int channels;         /* bit 1 << CHANNEL_LOCAL, 1 << CHANNEL_REMOTE */
  struct todo t;        /* uid, pid, counts */
  stralloc sender;      /* not NUL-terminated */
  unsigned long bytes;  /* size of mess/N/ID */
};

#define PREPROCESS_OK 0
#define PREPROCESS_SYS (-1)       /* errno set; fn names the file */
#define PREPROCESS_MALFORMED (-2) /* the envelope is malformed */
#define PREPROCESS_NOMESS (-3)    /* mess/N/ID is gone: todo/ID is the
                                     leftover of a finished message */

/* a second preprocessing of the same ID replaces every file of the first;
   on failure none of info/local/remote is left behind */
int preprocess(const struct rewrite_config *rw, unsigned long id,
               struct preprocess_result *r, stralloc *fn);
/* recipients kept in memory instead of files (see fresh.h) */
struct preprocess_memory {
  size_t max;           /* todo/ID and the rewritten records at most this long */
  int kept;             /* set: the result is in recs, no file was written */
  stralloc recs[2];     /* per channel, in the channel file's format */
};

/* as preprocess, but a message within keep->max bytes for one channel
   keeps its records in keep->recs and gets no file (info, local and remote
   files left by an earlier message with this ID are removed); a larger one,
   or one for both channels, gets its files as preprocess writes them */
int preprocess_keep(const struct rewrite_config *rw, unsigned long id,
                    struct preprocess_result *r, stralloc *fn, struct preprocess_memory *keep);
/* writes info/N/ID ("F" sender NUL; mtime birth unless 0) and the channel
   file of each non-empty recs[c], removing the others. 0 ok, -1 error
   (errno, fn names the file; none of the files is left) */
int preprocess_write(unsigned long id, const char *sender, size_t slen, const stralloc recs[2],
                     time_t birth, stralloc *fn);
/* reads info/N/ID: the sender, NUL-terminated, into sender, and the
   message's birth (the file's mtime) into *birth if not NULL. 0 ok, -1
   error (errno; EPROTO for a malformed file), fn names the file */
int preprocess_read_info(unsigned long id, stralloc *sender, time_t *birth, stralloc *fn);
/* unlinks info/N/ID, local/N/ID and remote/N/ID (missing files are fine) */
void preprocess_remove(unsigned long id, stralloc *fn);

#endif
