/* sendmail_input: the message a sendmail caller writes on stdin, made into
   what qmail-inject reads. Byte by byte, so any line length streams:
   - a first line beginning "From " (an mbox separator) is dropped;
   - CR LF becomes LF (a CR elsewhere stays);
   - unless ignoredots (-i, -oi): a line holding only "." ends the input,
     and a line beginning ".." loses its first dot, as sendmail 8 does
     (callers that write without -i double leading dots for it). */
#ifndef SENDMAIL_INPUT_H
#define SENDMAIL_INPUT_H
#include <stddef.h>

struct stralloc;

struct sendmail_input {
  int ignoredots;
  int state;
  size_t fromlen;       /* bytes of "From " matched at the start */
};

void sendmail_input_init(struct sendmail_input *in, int ignoredots);
/* appends the output for the n bytes at s to out. Returns 1 when the input
   has ended (a "." line; the bytes after it are to be left unread), 0 to
   go on, -1 out of memory (errno). *used: the bytes of s consumed. */
int sendmail_input_feed(struct sendmail_input *in, const char *s, size_t n,
                        struct stralloc *out, size_t *used);
/* at end of file: appends what is still held back. 1 ok, -1 ENOMEM. */
int sendmail_input_end(struct sendmail_input *in, struct stralloc *out);

#endif
