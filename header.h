/* header: a streaming splitter of a message header (RFC 5322 section 2.2)
   into fields, the way qmail-inject reads it. Fed arbitrary chunks of the
   message, it yields one whole field at a time; it holds only the current
   field (any length) and never looks at more than one byte past its end.

   Lines end at LF. A CR before that LF is part of the line (and so of the
   value), except that a line holding only CR counts as empty. A line
   starting with SP or TAB continues the previous field; the folding is
   kept in the value. A field line is

     name *(SP / TAB) ":" value

   where name is one or more printable ASCII bytes (33..126) other than
   ':'. The header ends at the first empty line (consumed), or at the first
   line that is not a field line nor a continuation (not consumed: it is the
   first line of the body, and qmail-inject writes an empty line before it),
   or at the end of input. The first line of the message may be an mbox
   separator "From ..." that is not a field line: it is yielded as a field
   with the flag mbox set, so that the caller can drop it (qmail-inject
   calls it MBOX-Line). */
#ifndef HEADER_H
#define HEADER_H
#include <stddef.h>
#include "stralloc.h"

/* results of header_feed and header_finish */
#define HEADER_MORE 0  /* all input used, nothing complete yet */
#define HEADER_FIELD 1 /* a whole field is in field */
#define HEADER_END 2   /* the header has ended; see end and field */
#define HEADER_ERROR (-1) /* out of memory (errno set); the state is kept */

/* how the header ended */
#define HEADER_END_BLANK 1   /* an empty line, consumed */
#define HEADER_END_INVALID 2 /* a line that is not a field: its first bytes
                                 (already consumed) are in field, the caller
                                 must pass them on as the start of the body */
#define HEADER_END_INPUT 3   /* end of input inside the header */

struct header {
  /* the field after HEADER_FIELD: its bytes from the start of the name to
     the end of its last line, without that line's LF */
  stralloc field;
  size_t namelen;    /* field.s[0..namelen): the name, without the spaces
                        before the colon */
  size_t value;      /* field.s[value..len): the value, after the colon
                        (leading spaces and folding kept) */
  int mbox;          /* 1: the field is the mbox "From " line; name "From",
                        value after "From " */
  int end;           /* after HEADER_END: one of HEADER_END_* */
  int state;         /* private */
  int first;         /* private: still on the first line of the message */
};

void header_init(struct header *h);
/* Feeds s[0..n). *used is set to the bytes consumed: HEADER_MORE all n;
   HEADER_FIELD the bytes up to the end of that field (the caller feeds the
   rest again); HEADER_END the bytes up to the end of the header (the rest
   of s is body). The field is valid until the next call. After HEADER_END
   later calls return HEADER_END and consume nothing. */
int header_feed(struct header *h, const char *s, size_t n, size_t *used);
/* at end of input: HEADER_FIELD for a field still held (call again), then
   HEADER_END (end is HEADER_END_INPUT unless the header had already ended,
   or HEADER_END_INVALID when the input ended inside a line that was not a
   field line yet still possible, such as "Subject" without a colon). */
int header_finish(struct header *h);
void header_free(struct header *h);

/* 1 when the field name name[0..len) equals want, ignoring ASCII case */
int header_name_is(const char *name, size_t len, const char *want);

#endif
