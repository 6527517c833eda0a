/* bounce: the text of qmail-send's failure notices, in the qmail-send
   bounce message format (QSBMF): the body starts with "Hi. This is the",
   one paragraph per failed recipient whose first line is "<address>:", a
   break paragraph starting with '-', then the original message. */
#ifndef BOUNCE_H
#define BOUNCE_H
#include <stddef.h>
#include <time.h>

struct stralloc;

/* appends one recipient paragraph: "<rcpt>:" LF, the report text with
   empty lines turned into "/", a final LF if missing, and a blank line.
   LF inside the address becomes '_'. 1 ok, 0 ENOMEM */
int bounce_paragraph(struct stralloc *out, const char *rcpt, size_t rlen,
                     const char *text, size_t tlen);

struct bounce_head {
  time_t now;
  const char *bouncefrom, *bouncehost; /* From: local part and domain */
  const char *to;                      /* recipient of the notice */
  const char *sender;                  /* the failed message's sender (for Return-Path) */
  int double_bounce;                   /* the failed message was itself a bounce */
};

/* what comes before the recipient paragraphs: header and explanation.
   The To: address is quoted as in a Return-Path line and any CR or LF in it
   becomes '_', so no envelope address can add a header line.
   1 ok, 0 ENOMEM */
int bounce_head_text(struct stralloc *out, const struct bounce_head *h);
/* what comes after the paragraphs: the break paragraph and the
   Return-Path line of the failed message (quoted as qmail-local's RPLINE),
   then the failed message itself follows. 1 ok, 0 ENOMEM */
int bounce_tail_text(struct stralloc *out, const struct bounce_head *h);

#endif
