/* smtpio: the network side of an SMTP session, server or client: one
   buffered reader and one buffered writer with a deadline on every read
   and write and on the whole session (or, for a client, on each reply).
   Output is flushed only when a read would have to wait, so a pipelining
   peer gets its commands or replies in one go. The descriptors can be
   switched mid-session (to a TLS helper's pipes), dropping whatever input
   was buffered when told to: bytes a peer sent before the switch must
   not be read as if they came after it.
   One session per process: the state is a single static object. Functions
   return -1 with errno set on failure (ETIMEDOUT for a deadline); they never
   exit or print. */
#ifndef SMTPIO_H
#define SMTPIO_H
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct stralloc;

/* rfd, wfd: the connection (tcpserver gives 0 and 1); timeout: seconds a
   single read or write may wait; session: seconds the whole session may
   last (0: no limit) */
void smtpio_init(int rfd, int wfd, unsigned int timeout, unsigned int session);
/* new descriptors from now on; with discard, buffered input is dropped */
void smtpio_switch(int rfd, int wfd, int discard);
/* replaces the session limit by one `seconds` from now (0: none). A client
   sets one around each reply it reads, so a server that trickles a byte at
   a time, never idle long enough for the per-read timeout, still cannot
   hold it longer than that. */
void smtpio_deadline(unsigned int seconds);

int smtpio_put(const char *s, size_t n);
int smtpio_puts(const char *s);
int smtpio_flush(void);

/* one line, without its LF (a CR before the LF is kept: the caller decides
   what it means). At most max bytes are kept; a longer line is consumed to
   its end and *toolong set. 1 a line, 2 the bytes before end of input when
   they have no LF (a line cut off: a client must not take it as a reply),
   0 end of input before any byte, -1 error or timeout. Output is flushed
   first when the input has no complete line. */
int smtpio_getline(struct stralloc *line, size_t max, int *toolong);

/* raw input for DATA: the buffered bytes (reading, after a flush, when
   there are none): *n bytes at the returned pointer, which stay valid until
   smtpio_skip. NULL with *n 0 and errno 0 at end of input; NULL with
   errno set on error or timeout. */
const char *smtpio_peek(size_t *n);
void smtpio_skip(size_t n);

/* bytes buffered and not yet read (for PIPELINING checks and tests) */
size_t smtpio_pending(void);

#endif
