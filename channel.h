/* channel: qmail-send's delivery scheduler for one channel (local or
   remote). Waiting messages sit in a heap keyed by their next attempt.
   A due message gets a pass: its channel file (local/N/ID or remote/N/ID,
   "T" records for recipients to do, "D" for done) is read record by record
   and each T record becomes a delivery request to the spawner. Up to
   CHANNEL_PASSES passes are open at once and take turns, so a message with
   100,000 recipients shares the spawner with every other due message;
   memory does not grow with the recipient count (the file is streamed, and
   only deliveries in flight keep their recipient).

   Remote recipients of one message with the same domain (the text after
   the last '@', without regard to case) go to the spawner together, up
   to maxrcpt (control/maxrcptremote) in one delivery, which qmail-rspawn
   runs as one qmail-remote. Batches are made as the file streams by: a
   pass keeps at most CHANNEL_BATCH_OPEN batches open, each holding its
   spawner slot; a record for a domain without an open batch opens one
   (sending the oldest open batch first when the table is full); a batch
   goes out when it is full, when its pass reaches the end of the file,
   and at the end of every channel_work (so the spawner never waits for a
   batch still being assembled). Memory is thus bounded by the slots and
   CHANNEL_BATCH_OPEN, never by the file: a message with 100,000
   recipients at 1,000 domains streams as before; recipients of a domain
   that are far apart in the file may go in more than one transaction. A
   VERP sender differs per recipient and is never batched; the local
   channel takes one recipient per delivery (qmail-local takes one).

   Remote deliveries are also limited per destination domain (domainlimit,
   control/concurrencydomain), counted in a table of domains
   (destination.h): a batch being assembled and a delivery in flight each
   hold one of its domain's slots. A pass that meets a T record whose
   domain is at its limit skips it: the record stays T, and is neither a
   failure nor a deferral. A pass that skipped something ends by waiting
   on the first domain it skipped (not on the retry schedule): the message
   is queued on that domain and made due again when one of the domain's
   deliveries ends (one message per freed slot, reserved for it: a pass
   that did not wait for it does not take it; a woken message whose
   pass then starts nothing there hands the slot on to the next). No event
   scans the queue. A temporary failure in the same pass is then retried
   with the skipped recipients, earlier than its schedule.

   A total limit over both channels (struct channel_total, control/
   concurrencytotal) is checked wherever a channel decides it may start a
   delivery.

   A message qmail-send keeps in memory (fresh.h) is read and marked in
   its entry instead; the deferred hook may then write it out.

   Results come back as spawner reports: success marks the record done in
   place (T becomes D), a permanent failure is handed to the caller's
   failed hook first, a temporary failure leaves the record for the next
   pass. When a pass has walked the file and its deliveries are back, the
   file is removed if everything is done (finished hook), else the message
   waits for its next attempt (deferred hook).

   Nothing here forks, polls or exits: the caller moves the bytes between
   the spawner pipe and channel_reports/out, so unit tests drive it. */
#ifndef CHANNEL_H
#define CHANNEL_H
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "buf.h"
#include "destination.h"
#include "outq.h"
#include "prioq.h"
#include "ring.h"
#include "stralloc.h"

#define CHANNEL_PASSES 8       /* messages read from at once, in turn */
#define CHANNEL_OUTQ_MAX 65536 /* request bytes queued for the spawner */
#define CHANNEL_REPORTMAX 10000 /* longest report text kept */
#define CHANNEL_BATCH_OPEN 8   /* batches a pass assembles at once */

struct channel_hooks {
  /* the channel file is gone: every recipient of it is done */
  void (*finished)(unsigned long id, time_t t);
  /* a pass ended with recipients left for a later attempt */
  void (*deferred)(unsigned long id, time_t t);
  /* a permanent failure of rcpt with text; 0 when it is recorded (the
     recipient is then marked done), -1 to keep the recipient queued */
  int (*failed)(unsigned long id, const char *rcpt, size_t rlen, const char *text, size_t tlen);
  /* after a delivery started or ended (the log's status line) */
  void (*status)(void);
  /* a job could not read info/N/ID or the channel file: retry after a pause */
  int retry_seconds;
};

struct job;

/* deliveries in flight in every channel pointing at it */
struct channel_total {
  unsigned long limit;
  unsigned long used;
};

struct delivery {
  int used;
  int open;               /* being assembled by its pass, not yet sent */
  struct job *job;
  struct destination *dest; /* its domain's entry (remote), or NULL */
  unsigned int n;         /* recipients */
  unsigned int got;       /* items of the report handled */
  off_t *recoff;          /* offsets of their T records in the channel file */
  size_t recoff_a;
  size_t dstart, dlen;    /* the first recipient's domain in rcpts */
  size_t rpos;            /* the recipient whose item comes next, in rcpts */
  unsigned long number;   /* delivery number of the first recipient in the log */
  stralloc rcpts;         /* each with its NUL */
};

struct fresh;

struct job {
  int used, pass;         /* pass: still reading records */
  unsigned long id;
  struct fresh *mem;      /* a message kept in memory (fresh.h), or NULL */
  int fd;                 /* channel file, read-write for marking */
  buf in;
  char *space;
  stralloc rec;
  off_t pos;              /* offset of the next record */
  unsigned int inflight;
  size_t seen, done;      /* T records found by this pass / marked done */
  int dying;              /* past queuelifetime: temporary failures become permanent */
  int verp;               /* the sender differs per recipient: no batches */
  unsigned int nopen;     /* batches being assembled */
  struct delivery *open[CHANNEL_BATCH_OPEN];
  size_t skipped;         /* T records skipped: their domain was at its limit */
  size_t soft;            /* temporary failures (and mangled reports) in this pass */
  struct destination *wait; /* the first domain skipped (held by refs) */
  struct destination *woken; /* the domain whose freed slot woke this pass */
  time_t next;            /* next pass if something is left */
  stralloc sender;        /* NUL-terminated */
};

struct channel {
  int number;             /* 0 local, 1 remote */
  const char *name;       /* "local", "remote": log text and directory */
  unsigned int skip;      /* retry schedule constant */
  unsigned int slots;     /* the spawner's slot count */
  unsigned int used;      /* deliveries in flight */
  unsigned int passes;    /* open passes */
  unsigned long concurrency; /* control/concurrency*; the limit is min(this, slots) */
  unsigned long maxrcpt;  /* recipients per delivery (1 = qmail's one) */
  int bydomain;           /* deliveries are counted per domain (remote) */
  unsigned long domainlimit; /* deliveries per domain at once */
  struct channel_total *total; /* shared with the other channel, or NULL */
  struct ring woken;      /* (id, destination) woken for a freed slot */
  unsigned int nopen;     /* batches being assembled, all passes */
  unsigned long lifetime; /* control/queuelifetime */
  struct delivery *d;     /* slots of them */
  struct job *jobs;       /* slots + CHANNEL_PASSES of them */
  unsigned int njobs, cursor;
  struct outq out;        /* requests for the spawner */
  stralloc report;        /* report item being assembled */
  int rstate;             /* 0, 1 slot bytes, 2 items */
  unsigned int rslot;
  struct delivery *rd;    /* the delivery reported on, or NULL (out of range) */
  struct prioq pq;        /* (next attempt, id) */
  int dead;
  const struct channel_hooks *hooks;
};

/* number 0 or 1; slots as the spawner announced. 0 ok, -1 ENOMEM */
int channel_init(struct channel *ch, int number, unsigned int slots, const struct channel_hooks *h);
unsigned long channel_limit(const struct channel *ch);
/* queue message id for an attempt at when; 1 ok, 0 ENOMEM */
int channel_schedule(struct channel *ch, unsigned long id, time_t when);
/* starts passes and deliveries until the limit, the output queue or the
   due work runs out */
void channel_work(struct channel *ch, time_t t);
/* 1 if channel_work would do something now */
int channel_ready(const struct channel *ch, time_t t);
/* the earliest due time of a waiting message when a delivery slot is free
   and the output queue has room,
   else never (t + wait) */
time_t channel_next(const struct channel *ch, time_t t, time_t never);
/* bytes read from the spawner */
void channel_reports(struct channel *ch, const char *s, size_t n, time_t t);
/* every waiting message due now (SIGALRM) */
void channel_runasap(struct channel *ch, time_t t);
/* after domainlimit changed: wakes as many waiting messages of each
   domain as it has free slots now */
void channel_domains_wake(struct channel *ch);
/* every message waiting on a domain or woken goes to the heap at t
   (before the heap is saved at exit) */
void channel_unwait(struct channel *ch, time_t t);

#endif
