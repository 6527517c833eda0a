/* maildir: delivery of one message into a Maildir, and the unique file
   names it uses (the maildir convention as extended by Courier):
     tmp/<sec>.M<usec>P<pid>.<host>
     new/<sec>.M<usec>P<pid>V<dev>I<ino>.<host>,S=<size>
   sec and usec are the time of the attempt (decimal), pid the delivering
   process (decimal), dev and ino the device and inode of the written file
   (lowercase hex, no leading zeros), size the exact bytes in the file and
   host gethostname() with '/', ':' and ',' written as \057, \072, \054.
   Device plus inode cannot repeat while the file exists, so the name in
   new/ is unique even when a pid is reused within one microsecond. */
#ifndef MAILDIR_H
#define MAILDIR_H
#include <stddef.h>
#include <sys/types.h>

struct stralloc;

/* appends host[0..n) escaped for a maildir name. 1 ok, 0 ENOMEM. */
int maildir_cathost(struct stralloc *out, const char *host, size_t n);
/* out = gethostname(), escaped; "localhost" if it fails or is empty */
int maildir_hostname(struct stralloc *out);

struct maildir_stamp {
  unsigned long sec, usec, pid;
};

/* out = "<sec>.M<usec>P<pid>.<host>" (NUL-terminated); host already escaped */
int maildir_tmpname(struct stralloc *out, const struct maildir_stamp *t,
                    const char *host, size_t hostlen);
/* out = "<sec>.M<usec>P<pid>V<dev>I<ino>.<host>,S=<size>" (NUL-terminated) */
int maildir_newname(struct stralloc *out, const struct maildir_stamp *t,
                    unsigned long long dev, unsigned long long ino,
                    const char *host, size_t hostlen, unsigned long long size);

/* The message to deliver: fd is read with pread only (its offset never
   moves, so it must be seekable). head holds bytes [0, headlen) of it,
   already read; when whole is set that is all of it and fd is not read. */
struct maildir_message {
  int fd;
  const char *head;
  size_t headlen;
  int whole;
};

/* What a failed delivery was doing, for the caller's diagnostic:
   "open directory", "create file in tmp/", "write file in tmp/",
   "read message", "fsync file in tmp/", "stat file in tmp/",
   "close file in tmp/",
   "link file into new/", "fsync new/" (the link was undone). */
struct maildir_result {
  const char *failed;
  unsigned long long size;  /* bytes delivered (on success) */
};

/* Delivers lines[0..lineslen) followed by the message into the maildir
   dir: creates tmp/NAME with O_EXCL (mode 0600; on EEXIST a fresh stamp is
   tried, a bounded number of times), writes, fsyncs and closes it, links it
   as new/NAME2 (the commit point), fsyncs new/, then removes tmp/NAME.
   host is the escaped host name. newname, if not NULL, receives NAME2
   (not NUL-terminated; left empty if memory ran out after the delivery).
   0 delivered; -1 with errno and r->failed set, and tmp/NAME removed. */
int maildir_deliver(const char *dir, const char *lines, size_t lineslen,
                    const struct maildir_message *m, const char *host,
                    size_t hostlen, struct stralloc *newname,
                    struct maildir_result *r);

#endif
