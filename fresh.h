/* fresh: preprocessed messages qmail-send keeps in memory instead of in
   info/N/ID and local/N/ID or remote/N/ID. todo/ID stays until such a
   message is finished or its files are written and made durable, so
   nothing here needs to survive a crash: after one, todo/ID is simply
   preprocessed again. A message delivered at its first attempt thus never
   has an info or channel file at all.

   Each entry holds the sender and one channel's records, in the channel
   file's format ("T" or "D", the recipient, NUL), so writing them out is a
   copy. Memory is bounded: FRESH_MESSAGE_MAX per message (larger envelopes
   go to files as before) and FRESH_TOTAL_MAX in all (beyond it new
   messages go to files). */
#ifndef FRESH_H
#define FRESH_H
#include <stddef.h>
#include <time.h>
#include "stralloc.h"

#define FRESH_MESSAGE_MAX 65536      /* bytes of todo/ID kept in memory */
#define FRESH_TOTAL_MAX (8 << 20)    /* bytes of every entry together */

struct fresh {
  unsigned long id;
  time_t birth;         /* what info/N/ID's mtime would have been */
  int channel;          /* 0 local, 1 remote, -1 no recipients */
  int open;             /* a pass is reading recs */
  int done;             /* its pass found every recipient done */
  stralloc sender;      /* NUL-terminated */
  stralloc recs;        /* the channel file's contents */
  size_t charged;       /* bytes counted against FRESH_TOTAL_MAX */
  struct fresh *next;   /* private: hash chain */
};

/* 1 if one more message of up to FRESH_MESSAGE_MAX may be kept now */
int fresh_room(void);
/* a new entry (zeroed but for id), taking over sender and recs (which are
   left empty); NULL on ENOMEM or when id is present */
struct fresh *fresh_add(unsigned long id, time_t birth, int channel, stralloc *sender, stralloc *recs);
struct fresh *fresh_get(unsigned long id);
/* frees the entry of id (nothing if absent) */
void fresh_del(unsigned long id);
size_t fresh_count(void);
/* the ids of up to n entries into ids; returns how many */
size_t fresh_ids(unsigned long *ids, size_t n);

#endif
