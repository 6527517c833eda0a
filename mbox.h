/* mbox: appends messages to an mbox file the way Debian's mail readers
   (Dovecot, mutt, mailx) expect, so a delivery interlocks with them:

   - the file is locked with fcntl(2) first, then with a dot-lock
     "<path>.lock" holding our pid (Debian Policy 11.6; Dovecot's and mutt's
     order; liblockfile's content). A lock that cannot be had within the
     timeout fails the append: nothing is ever appended unlocked. A
     dot-lock naming a pid that no longer exists, or not modified for
     MBOX_STALE seconds, is taken to be left by a crashed program and
     removed. Only when the directory does not let us create the dot-lock
     (EACCES, EPERM, EROFS: a spool directory writable by group mail only)
     does the fcntl lock stand alone, as liblockfile's readers then do.
   - the file is opened with O_NOFOLLOW and must be a regular file with one
     link, owned by us or root: a symlink made by anyone but us or root, a
     link to a link, a hard link planted in place of the mbox (to a file
     or to a symlink), a file another user created first are refused, and
     a FIFO is refused without waiting for a reader. Our own or root's
     symlink is followed one level (~/mbox -> /var/mail/joe keeps working).
   - each message is the caller's "From " line, then the message with
     mboxrd quoting (a line matching ^>*From  gets one more '>'), then a
     newline if the last line lacked one, then one empty line. The header
     fields mail readers keep their own state in (Status, X-Status,
     X-Keywords, X-UID, X-IMAP, X-IMAPbase, Content-Length: Dovecot's mbox
     metadata, mutt's read flags) are dropped from the message's header,
     continuation lines included, so a sender cannot mark a message read,
     flagged or give it a UID.
   - the message is on disk (fsync, and the directory when the file was
     created, after the dot-lock is gone) before mbox_commit returns 0; on any failure the file is
     truncated back to its length before the append.
   - after both locks are taken, the path must still name the locked file:
     a holder that renamed another file over it (or removed it) while we
     waited makes mbox_open start again, so a message never goes to a file
     no one will read.
   Functions return 0 or -1 with errno set, and name the failed step in
   m->failed ("open", "lock", "lock (timed out)", "dot-lock", "write",
   "fsync", "fsync directory", "truncate", "not a regular file",
   "more than one link", "owned by another user"); they never exit or print. */
#ifndef MBOX_H
#define MBOX_H
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"
#include "stralloc.h"

#define MBOX_STALE 300  /* seconds after which an unchanged dot-lock is stale */

struct mbox {
  int fd;
  off_t start;          /* length before this append */
  int created;          /* the open created the file */
  int dotlocked;        /* lockname exists and is ours */
  stralloc path;        /* NUL-terminated; a followed link's target */
  stralloc lockname;    /* path ".lock", NUL-terminated */
  const char *failed;   /* the step that failed */
  /* header filter state: */
  int inheader;         /* before the first empty line */
  int hdrstate;         /* 0 line start, 1 in a field name, 2 dropping, 3 passing */
  int dropping;         /* the current field is dropped (for continuations) */
  size_t namelen;
  char namebuf[16];     /* a field name held until its ':' */
  /* quoting state: */
  int linestart;        /* the next byte starts a line */
  int inquote;          /* in the leading '>' run of a line */
  size_t fromlen;       /* bytes of "From " matched after that run */
  int lastlf;           /* the last byte written was LF (or nothing yet) */
  int error;            /* a write failed (errno saved in saved_errno) */
  int saved_errno;
  buf out;
  char space[65536];
};

/* Opens (creating it with mode 0600 if missing) and locks path, waiting at
   most timeout seconds for each of the two locks. Remembers the length. */
int mbox_open(struct mbox *m, const char *path, unsigned int timeout);
/* bytes written as they are (the "From " line) */
int mbox_put_raw(struct mbox *m, const char *s, size_t n);
/* bytes of the message (the header lines first), filtered and quoted; may
   be called with any split */
int mbox_put(struct mbox *m, const char *s, size_t n);
/* ends the message, flushes, fsyncs, unlocks and closes. On failure the
   append is undone (as mbox_abort) and errno tells why. */
int mbox_commit(struct mbox *m);
/* truncates back to the old length, unlocks, closes; keeps errno */
void mbox_abort(struct mbox *m);

/* Filtering and quoting into memory (tests, and maildir2mbox, which
   writes a copy of the mbox): appends s[0..n) to out as mbox_put would
   write it, with the state carried in m. mbox_quote_start: quoting only (as if past the
   header); mbox_filter_start: the header filter too, as mbox_open sets up.
   mbox_quote_end: what the end of the message still owes (a held field
   name, a partial "From "), without the final newlines. */
int mbox_quote(struct mbox *m, const char *s, size_t n, stralloc *out);
int mbox_quote_end(struct mbox *m, stralloc *out);
void mbox_quote_start(struct mbox *m);
void mbox_filter_start(struct mbox *m);

#endif
