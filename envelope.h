/* envelope: incremental parser for the envelope a qmail-queue caller writes
   on the queue program's descriptor 1:

     envelope = "F" sender NUL *( "T" recipient NUL ) NUL

   The parser is a pure state machine fed arbitrary byte chunks; it never
   stores input, so a limit violation is found without holding more than the
   caller's current chunk, and every chunking of the same bytes yields the
   same result. No syntax checks are made on the addresses themselves. */
#ifndef ENVELOPE_H
#define ENVELOPE_H
#include <stddef.h>

/* an address's terminating NUL must appear within this many bytes,
   counting the NUL (so at most 1002 address bytes) */
#define ENVELOPE_ADDRMAX 1003

/* results of envelope_feed and envelope_end */
#define ENVELOPE_MORE 0       /* valid so far, more input needed */
#define ENVELOPE_DONE 1       /* the terminating empty record was seen */
#define ENVELOPE_TOOLONG (-1) /* an address is longer than ENVELOPE_ADDRMAX */
#define ENVELOPE_FORMAT (-2)  /* no leading F, or a record not starting with T */
#define ENVELOPE_TRUNCATED (-3) /* input ended before the terminating NUL */

struct envelope {
  int state;          /* private */
  size_t addrlen;     /* private: bytes of the current address so far */
  size_t recipients;  /* T records completed (saturates, never wraps) */
};

void envelope_init(struct envelope *e);
/* Feeds s[0..n). *used is set to the bytes consumed:
   ENVELOPE_MORE: all n bytes;
   ENVELOPE_DONE: the bytes up to and including the terminating NUL (the
     rest of s is not part of the envelope);
   an error: the bytes up to and including the one that revealed it.
   Once DONE or an error has been returned, later calls return the same
   value and consume nothing. */
int envelope_feed(struct envelope *e, const char *s, size_t n, size_t *used);
/* at end of input: ENVELOPE_DONE, the error already found, or
   ENVELOPE_TRUNCATED */
int envelope_end(const struct envelope *e);

#endif
