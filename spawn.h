/* spawn: the engine shared by qmail-lspawn and qmail-rspawn, and the pure
   pieces of the qmail-send <-> spawner protocol.

   Protocol (fd 0 requests from qmail-send, fd 1 reports to it). The
   protocol is internal to this package; qmail's one-byte slot and single
   recipient are widened:
     handshake = slot count, 2 bytes big-endian (conf-spawn, 1..SPAWN_SLOTS_MAX)
     request   = slot messpath NUL sender NUL rcpt NUL [rcpt NUL ...] NUL
     report    = slot item [item ...]     one item per rcpt, in request order
     item      = status text NUL          status: K ok, Z defer, D bounce
     slot      = 2 bytes big-endian, below the slot count
   The recipient list ends at the first empty field. qmail-lspawn takes one
   recipient per request; qmail-rspawn up to SPAWN_RECIPIENTS_MAX (all with
   the same domain, compared without case), which go to one qmail-remote.
   A request without recipients is answered with one item. Texts never
   hold a NUL, so the reader knows where each report ends from the number
   of recipients it asked for.

   A report for a delivery is written once its child has been reaped, with
   the output its pipe holds then: a process the child left behind holding
   the pipe open (a daemon started by a .qmail program) does not hold the
   report. A request that fails validation is answered at once, with the
   same item for each of its recipients.

   Everything except spawn_run and spawn_child_fds works on byte buffers and
   can be unit-tested and fuzzed; nothing here exits or prints. */
#ifndef SPAWN_H
#define SPAWN_H
#include <stddef.h>
#include <sys/types.h>
#include "stralloc.h"

#define SPAWN_SLOTS_MAX 1000     /* each delivery holds a pipe in the spawner */
#define SPAWN_SLOT_BYTES 2       /* a slot number or the slot count on the wire */
#define SPAWN_RECIPIENTS_MAX 1000   /* recipients in one request */
#define SPAWN_RECIPIENTS_BYTES 262144 /* their bytes with NULs: qmail-remote's argv */
#define SPAWN_MESSPATH_MAX 100   /* bytes of "split/id", not counting NUL */
#define SPAWN_ADDRESS_MAX 16384  /* bytes of a sender or recipient */
#define SPAWN_LOCAL_REPORTMAX 3000 /* qmail-lspawn cuts output there */
#define SPAWN_REMOTE_KEEP 10000  /* bytes of qmail-remote output kept... */
#define SPAWN_REMOTE_KEEP_RCPT 1000 /* ...and this many more per further recipient */

/* Exit codes of qmail-lspawn's delivery child (and of qmail-getpw), each
   turned into a report by spawn_local_report. */
#define QLX_USAGE 112    /* internal error in qmail-lspawn */
#define QLX_ROOT 113     /* the address belongs to uid 0: refused */
#define QLX_NFS 115      /* NFS trouble (qmail-getpw) */
#define QLX_NOALIAS 116  /* no alias account (qmail-getpw) */
#define QLX_CDB 117      /* users/cdb unreadable or corrupt */
#define QLX_SYS 118      /* temporary system failure */
#define QLX_NOMEM 119    /* out of memory */
#define QLX_EXECSOFT 120 /* qmail-local could not be run: temporary */
#define QLX_EXECPW 121   /* qmail-getpw could not be run */
#define QLX_EXECHARD 126 /* qmail-local could not be run: permanent */

/* the two bytes of a slot number (or of the handshake) */
void spawn_slot_put(char *two, unsigned int slot);
unsigned int spawn_slot_get(const char *two);

/* Incremental request parser. Each field is stored with its terminating
   NUL (so .s is a C string once the request is complete); recipients are
   stored one after another, each with its NUL. A field longer than its
   limit is consumed but not stored, and marked in toolong; nrcpt counts
   every recipient field, stored or not. */
struct spawn_request {
  int state;            /* 0, 1 slot, 2 messpath, 3 sender, 4 recipients, 5 done */
  unsigned int slot;
  unsigned int nrcpt;   /* recipient fields seen */
  int nomem;            /* an allocation failed: the request is answered Z */
  int toolong;          /* bit 1 messpath, 2 sender, 4 a recipient, 8 too many recipients */
  size_t fieldstart;    /* where the recipient being read starts in recipients */
  size_t fieldlen;      /* its bytes so far, stored or not */
  stralloc messpath, sender, recipients;
};
#define SPAWN_REQUEST_ZERO { 0, 0, 0, 0, 0, 0, 0, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO }

/* starts a new request, keeping the allocated space */
void spawn_request_reset(struct spawn_request *r);
void spawn_request_free(struct spawn_request *r);
/* consumes bytes of s[0..len) until a request is complete. *used is the
   number consumed. Returns 1 when r holds a complete request (call
   spawn_request_reset before feeding more), 0 when all of s was consumed
   and more is needed. Never fails: memory trouble sets r->nomem. */
int spawn_request_feed(struct spawn_request *r, const char *s, size_t len,
                       size_t *used);
/* 1 if s[0..len) is digits "/" digits and at most SPAWN_MESSPATH_MAX bytes */
int spawn_messpath_ok(const char *s, size_t len);
/* checks a complete request that does not need the file system: NULL when
   it may go on, else the item (status letter and text) to answer each
   recipient with. slots is the slot count, busy whether r->slot is in
   use, maxrcpt the recipients one request may have (they must then share
   their domain). */
const char *spawn_request_check(const struct spawn_request *r,
                                unsigned int slots, int busy,
                                unsigned int maxrcpt);

/* Appends one report to out: the slot, then exactly n items taken from
   items[0..len) (each "status text", ended by a NUL or by the end of the
   data). A missing or empty item becomes "Z". 1 ok, 0 ENOMEM. */
int spawn_report_cat(stralloc *out, unsigned int slot, unsigned int n,
                     const char *items, size_t len);

/* qmail-lspawn's report for its child: crashed (killed by a signal) or exit
   code; s[0..len) the output kept, more = 1 if output beyond it was dropped.
   Sets out to status letter + text. 1 ok, 0 ENOMEM. */
int spawn_local_report(stralloc *out, int crashed, int code,
                       const char *s, size_t len, int more);
/* qmail-rspawn's conversion of qmail-remote's r/h/s/K/Z/D reports for n
   recipients into n items "status text NUL" in out, in argv order. The
   message report is the first report starting with K, Z or D (none: D);
   the recipient reports are those before it starting with r, h or s, the
   first for the first recipient and so on. A recipient's status is the
   message's for r, D for h, Z for s; its text is its own report's, then
   the message report's when that is no better (K > Z > D). A recipient
   without a report of its own (an early failure) gets the message
   report's status and text, or Z when output was cut (more) before any
   message report. A crash, exit 111, or no output: Z for all; another
   exit code: D for all. 1 ok, 0 ENOMEM. */
int spawn_remote_report(stralloc *out, unsigned int n, int crashed, int code,
                        const char *s, size_t len, int more);

/* What a spawner supplies to the engine. */
struct spawn_ops {
  size_t outmax; /* bytes of each child's output kept for report()... */
  size_t outmax_rcpt; /* ...and this many more per further recipient */
  unsigned int maxrcpt; /* recipients one request may have */
  /* Runs in the forked child with SIGCHLD and SIGPIPE at their defaults;
     fdmess is the open message, fdout the write end of the report pipe
     (both above 2). It should call spawn_child_fds first. It must not
     return; if it does, the child exits 111. */
  void (*child)(int fdmess, int fdout, const char *sender,
                const char *recipients, unsigned int nrcpt);
  /* sets out to nrcpt items "status text NUL" */
  int (*report)(stralloc *out, unsigned int nrcpt, int crashed, int code,
                const char *s, size_t len, int more);
};

/* In a delivery child: fd 0 = fdmess, fds 1 and 2 = fdout, and every
   other descriptor closed (the originals, the pipe to qmail-send, those of
   other deliveries). 0 ok, -1 error (errno). */
int spawn_child_fds(int fdmess, int fdout);

/* The spawner's main loop, with the current directory the home directory
   (messages are opened as queue/mess/MESSPATH and must be regular files
   owned by queue_uid). Raises the soft limit on open files towards the
   hard one when slots need more, and announces fewer slots when even
   the hard limit is too low. Writes the handshake, serves requests until fd 0
   reaches end of file and every child has been reported, and returns 0.
   Returns -1 with errno set on a fatal error (cannot write to qmail-send,
   cannot read fd 0, out of memory for a report, ...); *what then names
   the step that failed, e.g. "write to qmail-send". */
int spawn_run(const struct spawn_ops *ops, unsigned int slots, uid_t queue_uid,
              const char **what);

#endif
