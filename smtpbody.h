/* smtpbody: a queued message as the body of SMTP DATA, streamed through a
   small state machine (tests drive it on buffers).

   Line endings are made uniform first: LF becomes CR LF, an existing CR LF
   stays as it is, and a CR not followed by LF becomes CR LF as well. Only
   then is every line that starts with "." given a second ".". So whatever
   a queued message holds (a "\r.\r\n", "\n.\n", "\n.\r" ...), the server
   sees no CR LF "." CR LF before the end we send. A message that does not
   end with a line end gets a CR LF; the end is "." CR LF. */
#ifndef SMTPBODY_H
#define SMTPBODY_H
#include <stddef.h>
#include "stralloc.h"

struct smtpbody {
  int bol;   /* at the beginning of a line */
  int cr;    /* a CR is pending: CR LF whatever follows */
};

void smtpbody_start(struct smtpbody *b);
/* appends the wire form of in[0..n) to out: 1 ok, 0 ENOMEM */
int smtpbody_feed(struct smtpbody *b, stralloc *out, const char *in, size_t n);
/* appends the end of the data: 1 ok, 0 ENOMEM */
int smtpbody_end(struct smtpbody *b, stralloc *out);

/* the size of the normalised message (RFC 1870: CR LF line ends, no
   dot-stuffing) and whether it holds a byte above 0x7f, counted over
   successive calls from a zeroed state; *bytes and *eightbit accumulate */
void smtpbody_measure(struct smtpbody *b, const char *in, size_t n,
                      unsigned long long *bytes, int *eightbit);
/* the bytes smtpbody_end adds to the measured size (a final CR LF) */
unsigned long long smtpbody_measure_end(const struct smtpbody *b);

#endif
