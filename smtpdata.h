/* smtpdata: the DATA phase of an SMTP session as a byte-driven state
   machine, kept apart from the network so tests and a fuzz harness drive
   it on buffers.

   Strict line discipline (RFC 5321 2.3.8, and the defence against SMTP
   smuggling): every line ends in CR LF; only CR LF "." CR LF ends the
   data. A bare LF or a CR not followed by LF anywhere is an error: the
   caller refuses the message and closes the connection, so bytes after a
   fake end can never become a second message. A line starting with "."
   loses that dot. The message is emitted with LF line ends, exactly as
   sent otherwise (NUL and 8-bit bytes included).

   While in the header (up to the first empty line), lines starting with
   "received" or "delivered" (any case; Delivered-To among them) are
   counted as hops, as qmail counts them. */
#ifndef SMTPDATA_H
#define SMTPDATA_H
#include <stddef.h>

#define SMTPDATA_MORE 0     /* feed more input */
#define SMTPDATA_END 1      /* the end of the data was consumed */
#define SMTPDATA_BARE 2     /* a bare LF or bare CR: refuse and close */

typedef int (*smtpdata_emit)(void *ctx, const char *s, size_t n);

struct smtpdata {
  int state;
  int inheader;
  unsigned long hops;
  unsigned long long bytes;   /* bytes emitted */
  size_t hdrlen;              /* bytes of the current header line so far, up to 9 */
  char hdr[9];
};

void smtpdata_start(struct smtpdata *d);
/* consumes s[0..n) up to and including the end of data, emitting message
   bytes through emit (which returns 0, or -1 to stop: then -1 is returned).
   *used is the number of bytes consumed. Returns SMTPDATA_MORE,
   SMTPDATA_END, SMTPDATA_BARE or -1. */
int smtpdata_feed(struct smtpdata *d, const char *s, size_t n, size_t *used,
                  smtpdata_emit emit, void *ctx);

#endif
