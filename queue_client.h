/* queue_client: hands a message to qmail-queue ($QMAILQUEUE if set, else
   HOME/bin/qmail-queue) through the qmail-queue protocol: message on the
   child's fd 0, envelope on fd 1, optional error text on fd 6; fd 2 is
   /dev/null unless the caller names a descriptor for the queue program's
   diagnostics, and the child has no other descriptor.
   queue_open sets SIGPIPE to ignored in the caller (a queue program that
   dies early must give EPIPE, not kill the caller). A message ends with
   exactly one of queue_close and queue_fail. */
#ifndef QUEUE_CLIENT_H
#define QUEUE_CLIENT_H
#include <sys/types.h>
#include "buf.h"

struct queue_client {
  pid_t pid;
  int flagerror;      /* a write failed: the message will be aborted */
  int fdmess, fdenv, fderr;
  buf out;
  char space[4096];
};

/* starts qmail-queue with /dev/null on its fd 2; 0 ok, -1 error (errno) */
int queue_open(struct queue_client *q);
/* the same with the caller's descriptor fdstderr (any number, e.g. 2 or a
   log) as the queue program's fd 2; -1 means /dev/null */
int queue_open_stderr(struct queue_client *q, int fdstderr);
void queue_put(struct queue_client *q, const char *s, size_t n);
void queue_puts(struct queue_client *q, const char *s);
/* the rest of fd (from its offset) up to end of file; stops early when a
   write has failed (the message is lost anyway). 0 ok, -1 a read error
   (errno; the caller then calls queue_fail). */
int queue_put_fd(struct queue_client *q, int fd);
/* after the whole message: the envelope */
void queue_from(struct queue_client *q, const char *sender);
void queue_to(struct queue_client *q, const char *recipient);
/* finishes the envelope, waits. Returns "" when queued, else a text whose
   first byte is 'D' (permanent) or 'Z' (temporary), per the reference's
   exit-code table. */
const char *queue_close(struct queue_client *q);
/* abort: close without the final envelope NUL (qmail-queue exits 54) */
void queue_fail(struct queue_client *q);
unsigned long queue_qp(const struct queue_client *q); /* qmail-queue's pid */
/* the result queue_close returns, from the queue program's wait status, the
   caller's error flag and the text it wrote on fd 6 (text[0..len), with room
   for len+1 bytes; cut in place at 255 bytes or the first NUL, CR or LF).
   Exposed for tests. */
const char *queue_status(int wstat, int flagerror, char *text, size_t len);

#endif
