/* smtpreply: SMTP replies as a client reads them, one line at a time, kept
   apart from the network so tests and a fuzz harness drive it on buffers.

   A line is valid when it starts with three digits (first 2-5, second
   0-5) followed by a space, a hyphen or the end of the line; a hyphen
   means more lines follow. Every line of a reply must carry the code of
   the first. Anything else ("abc", "2", an empty line, "250ok", "999",
   "2500", "-250", "250-a" then "550 b") is a protocol error, never a
   success. One CR before the line's end is dropped.

   The text kept for reports is the reply's lines joined by LF, each byte
   below 0x20 (NUL included) or above 0x7e replaced by '?', capped at
   SMTPREPLY_TEXT_MAX bytes and SMTPREPLY_LINES_MAX lines; later lines are
   still checked and counted, then dropped. */
#ifndef SMTPREPLY_H
#define SMTPREPLY_H
#include <stddef.h>
#include "stralloc.h"

#define SMTPREPLY_TEXT_MAX 5000
#define SMTPREPLY_LINES_MAX 100

#define SMTPREPLY_MORE 0   /* a continuation line: feed the next */
#define SMTPREPLY_DONE 1   /* the last line: code and text are final */
#define SMTPREPLY_BAD 2    /* protocol error: text holds what came so far */
#define SMTPREPLY_NOMEM 3

struct smtpreply {
  unsigned int code;     /* 0 until the first valid line */
  unsigned long lines;   /* lines fed */
  int cut;               /* text was capped */
  stralloc text;
};
#define SMTPREPLY_ZERO { 0, 0, 0, STRALLOC_ZERO }

void smtpreply_start(struct smtpreply *r);
/* one line s[0..n), without its LF */
int smtpreply_line(struct smtpreply *r, const char *s, size_t n);
/* the code of one line: 1 valid (*last 1 unless a hyphen follows), 0 not */
int smtpreply_code(const char *s, size_t n, unsigned int *code, int *last);
/* appends s[0..n) with every byte outside 0x20-0x7e replaced by '?' */
int smtpreply_catsafe(stralloc *out, const char *s, size_t n);

/* what an EHLO reply offers (its kept text) */
struct smtpreply_ehlo {
  int size;                  /* SIZE seen */
  unsigned long long sizemax;  /* its number; 0: none given or no limit */
  int eightbitmime, pipelining, smtputf8;
};
void smtpreply_ehlo(const char *text, size_t len, struct smtpreply_ehlo *e);

#endif
