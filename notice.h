/* notice: qmail-send's failure notices (bounces). A permanent failure is
   appended to queue/bounce/ID as one paragraph and made durable before the
   recipient is marked done; when the whole message is done the notice is
   queued through qmail-queue, streamed from bounce/ID and mess/N/ID (memory
   does not grow with the number of failed recipients or the message size),
   and bounce/ID is removed. A notice that was queued is never queued again,
   even when removing bounce/ID fails for a while. */
#ifndef NOTICE_H
#define NOTICE_H
#include <stddef.h>
#include <time.h>

struct rewrite_config;

struct notice_config {
  const struct rewrite_config *rw;
  const char *bouncefrom, *bouncehost;
  const char *doublebounceto, *doublebouncehost;
};

/* the configuration in use (the caller keeps it alive) */
void notice_configure(const struct notice_config *c);
/* start-up: bounce/ID exists */
int notice_found(unsigned long id);
/* 1 if bounce/ID may exist */
int notice_pending(unsigned long id);
/* records a permanent failure of rcpt; 0 ok (durable), -1 failed (logged) */
int notice_record(unsigned long id, const char *rcpt, size_t rlen, const char *text, size_t tlen);
/* removes bounce/ID left by an earlier message with this ID; 0 ok, -1 retry */
int notice_discard(unsigned long id);
/* when the message is done: queues the notice if there is one. sender
   (NUL-terminated) is the message's, or NULL to read it from info/N/ID.
   0 done (queued, discarded or none), -1 retry later, 1 info/N/ID is gone
   (the message was finished before) */
int notice_send(unsigned long id, time_t t, const char *sender);

#endif
