/* spawn: the engine shared by qmail-lspawn and qmail-rspawn, and the pure
   pieces of the qmail-send <-> spawner protocol.

   Protocol (fd 0 requests from qmail-send, fd 1 reports to it):
     handshake = one byte, the slot count (conf-spawn, at most 255)
     request   = slot messpath NUL sender NUL recipient NUL
     report    = slot status text NUL       status: K ok, Z defer, D bounce
   A report for a delivery is written once its child has been reaped, with
   the output its pipe holds then: a process the child left behind holding
   the pipe open (a daemon started by a .qmail program) does not hold the
   report. A request that fails validation is answered at once.

   Everything except spawn_run and spawn_child_fds works on byte buffers and
   can be unit-tested and fuzzed; nothing here exits or prints. */
#ifndef SPAWN_H
#define SPAWN_H
#include <stddef.h>
#include <sys/types.h>
#include "stralloc.h"

#define SPAWN_SLOTS_MAX 255      /* the slot number travels as one byte */
#define SPAWN_MESSPATH_MAX 100   /* bytes of "split/id", not counting NUL */
#define SPAWN_ADDRESS_MAX 16384  /* bytes of a sender or recipient */
#define SPAWN_LOCAL_REPORTMAX 3000 /* qmail-lspawn cuts output there */
#define SPAWN_REMOTE_KEEP 10000  /* bytes of qmail-remote output kept */

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

/* Incremental request parser. Each field is stored with its terminating
   NUL (so .s is a C string once the request is complete); a field longer
   than its limit is consumed but not stored, and marked in toolong. */
struct spawn_request {
  int state;            /* 0 slot, 1 messpath, 2 sender, 3 recipient, 4 done */
  unsigned char slot;
  int nomem;            /* an allocation failed: the request is answered Z */
  int toolong;          /* bit 1 messpath, 2 sender, 4 recipient */
  stralloc messpath, sender, recipient;
};
#define SPAWN_REQUEST_ZERO { 0, 0, 0, 0, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO }

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
   it may go on, else the report (status letter and text) to answer with.
   slots is the slot count, busy whether r->slot is in use. */
const char *spawn_request_check(const struct spawn_request *r,
                                unsigned int slots, int busy);

/* Appends one report "slot status text NUL" to out. report is the status
   letter followed by the text; anything from its first NUL on is dropped.
   An empty report becomes Z. 1 ok, 0 ENOMEM. */
int spawn_report_cat(stralloc *out, unsigned char slot, const char *report,
                     size_t len);

/* qmail-lspawn's report for its child: crashed (killed by a signal) or exit
   code; s[0..len) the output kept, more = 1 if output beyond it was dropped.
   Sets out to status letter + text. 1 ok, 0 ENOMEM. */
int spawn_local_report(stralloc *out, int crashed, int code,
                       const char *s, size_t len, int more);
/* qmail-rspawn's conversion of qmail-remote's r/h/s/K/Z/D reports into one
   status letter + text, in out. 1 ok, 0 ENOMEM. */
int spawn_remote_report(stralloc *out, int crashed, int code,
                        const char *s, size_t len, int more);

/* What a spawner supplies to the engine. */
struct spawn_ops {
  size_t outmax; /* bytes of each child's output kept for report() */
  /* Runs in the forked child with SIGCHLD and SIGPIPE at their defaults;
     fdmess is the open message, fdout the write end of the report pipe
     (both above 2). It should call spawn_child_fds first. It must not
     return; if it does, the child exits 111. */
  void (*child)(int fdmess, int fdout, const char *sender,
                const char *recipient);
  int (*report)(stralloc *out, int crashed, int code, const char *s,
                size_t len, int more);
};

/* In a delivery child: fd 0 = fdmess, fds 1 and 2 = fdout, and every
   other descriptor closed (the originals, the pipe to qmail-send, those of
   other deliveries). 0 ok, -1 error (errno). */
int spawn_child_fds(int fdmess, int fdout);

/* The spawner's main loop, with the current directory the home directory
   (messages are opened as queue/mess/MESSPATH and must be regular files
   owned by queue_uid). Writes the handshake, serves requests until fd 0
   reaches end of file and every child has been reported, and returns 0.
   Returns -1 with errno set on a fatal error (cannot write to qmail-send,
   cannot read fd 0, out of memory for a report, ...); *what then names
   the step that failed, e.g. "write to qmail-send". */
int spawn_run(const struct spawn_ops *ops, unsigned int slots, uid_t queue_uid,
              const char **what);

#endif
