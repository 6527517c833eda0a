/* queue_list: what qmail-qread and qmail-qstat show of the queue. Paths
   are relative to the queue directory (the current directory).

   The queue is live while it is read: a message whose files disappear
   meanwhile (it was finished, or its todo/ID was committed) is either
   listed as it was a moment ago or not at all, never reported as an error.

   A message is listed from info/N/ID and its channel files local/N/ID and
   remote/N/ID once qmail-send has written them. Until then, that is while
   it is not yet preprocessed, or while qmail-send holds it in memory
   during its first delivery attempt (fresh.h), only mess/N/ID and todo/ID
   exist, and it is listed from its envelope in todo/ID: recipients as
   given to qmail-queue, before rewriting, channel not yet decided. */
#ifndef QUEUE_LIST_H
#define QUEUE_LIST_H
#include <stddef.h>
#include <time.h>
#include "stralloc.h"

struct queue_ids {
  unsigned long *id;
  size_t len, a;
};

#define QUEUE_IDS_ZERO { 0, 0, 0 }

/* the IDs named in todo/ and info/0 .. info/split-1, ascending, each once
   (other names are ignored). 0 ok, -1 error (errno; fn names the
   directory) */
int queue_list_ids(struct queue_ids *q, unsigned int split, stralloc *fn);
void queue_ids_free(struct queue_ids *q);

/* appends the listing of message id to out:
     D Mon YYYY HH:MM:SS GMT  #ID  SIZE  <SENDER> [ bouncing]
   then one line per recipient: "\tlocal\tADDR" or "\tremote\tADDR", with
   "  done" instead of the leading tab for a recipient done with; or
   "\ttodo\tADDR" for a message listed from todo/ID. The time is that of
   info/N/ID (the message's birth) or of todo/ID; SIZE that of mess/N/ID.
   Bytes outside 32..126 in SENDER and ADDR are shown as "_".
   1 listed, 0 the message is not (or no longer) in the queue (out
   unchanged), -1 error (errno; fn names the file; out unchanged) */
int queue_list_message(stralloc *out, unsigned long id, unsigned int split, stralloc *fn);

/* appends "D Mon YYYY HH:MM:SS GMT" (UTC) for t; 1 ok, 0 ENOMEM */
int queue_list_date(stralloc *out, time_t t);

/* counts the names of messages in mess/0 .. mess/split-1 and in todo/.
   0 ok, -1 error (errno; fn names the directory) */
int queue_count(unsigned long *mess, unsigned long *todo, unsigned int split, stralloc *fn);

#endif
