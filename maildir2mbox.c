/* maildir2mbox: moves every message of the Maildir $MAILDIR (new/ and
   cur/) to the end of the mbox $MAIL, for mail readers that only know
   mbox.

   With $MAIL locked as every mbox writer here locks it (mbox.h: fcntl,
   then the dot-lock MAIL.lock), it writes a copy of $MAIL followed by the
   messages, oldest (modification time) first, into the new file $MAILTMP,
   which must be on the same file system; fsyncs it and the dot-lock
   (whose name the next step makes durable: a crash then leaves a lock
   naming a dead pid, stale at once, not an empty one that blocks $MAIL
   for MBOX_STALE seconds); renames it over $MAIL and fsyncs the
   directory; only then removes the messages from the Maildir and fsyncs
   new/ and cur/; unlocks, and fsyncs the directory again so that the
   dot-lock's removal lasts. A crash before the rename leaves $MAIL as it
   was; a crash after it at worst appends a message again on the next
   run: a message is never lost.

   Each message is written as an mbox message (mbox.h: the quoting is that
   module's): "From SENDER DATE" where SENDER is taken from a first line
   "Return-Path: <SENDER>" (else, or when empty, MAILER-DAEMON; bytes that
   are not printable become '-') and DATE is the file's modification time
   in UTC; then the message as mbox.c writes one (the header fields
   readers keep state in dropped, mboxrd quoting: ^>*From  gets one more
   '>'), a newline if its last line lacked one, and one empty line. A
   symbolic link MAIL that mbox.c follows (our own or root's, one level)
   stays: the file it names is the one locked and replaced.

   The new $MAIL has the old one's permission bits and group when the
   group can be kept (else the group bits are cleared), and is owned by
   whoever runs this.

   Runs as: the owner of the Maildir and the mbox.
   Trusts: nothing in the messages; file names of the Maildir only as names
   (entries starting with '.' and anything not a regular file are left).
   Exit codes: 0 done (or nothing to do), durably; 100 MAILDIR, MAIL or
   MAILTMP unset or empty, or MAILTMP naming the mbox or its lock; 111 any
   other failure. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename only */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "diag.h"
#include "dotqmail.h"
#include "env.h"
#include "fd.h"
#include "mbox.h"
#include "str.h"
#include "stralloc.h"

#define LOCK_WAIT 30      /* seconds to wait for each of the two locks */
#define LOCK_TRIES 5      /* times to lock again when MAIL was replaced meanwhile */

struct entry {
  time_t mtime;
  size_t name;            /* offset of "new/NAME" or "cur/NAME" in names */
};

static const char *maildir, *mail, *mailtmp;
static const char *target; /* the file locked: MAIL, or where our own symlink MAIL points */
static stralloc names = STRALLOC_ZERO;
static struct entry *entries;
static size_t nentries, aentries;
static int fdmaildir = -1;
static int tmpmade;       /* MAILTMP is ours, to remove on failure */
static struct mbox lock;  /* MAIL, held locked (nothing is appended through it) */
static struct mbox quote; /* the quoting state alone */

static void cleanup(void)
{
  if (tmpmade) unlink(mailtmp);
  tmpmade = 0;
  mbox_abort(&lock);
}

static void die_nomem(void) __attribute__((noreturn));
static void die_nomem(void)
{
  cleanup();
  diag_die(111, "out of memory", (char *)0);
}

static void die_sys4(const char *verb, const char *a, const char *b, const char *c)
  __attribute__((noreturn));
static void die_sys4(const char *verb, const char *a, const char *b, const char *c)
{
  int e = errno;
  cleanup();
  errno = e;
  diag_die_sys(111, "unable to ", verb, " ", a, b ? b : "", c ? c : "", (char *)0);
}

static void die_sys(const char *verb, const char *a, const char *b) __attribute__((noreturn));
static void die_sys(const char *verb, const char *a, const char *b)
{
  die_sys4(verb, a, b, 0);
}

static void need(const char **v, const char *name)
{
  *v = env_get(name);
  if (!*v || !**v)
    diag_die(100, name, " is not set: maildir2mbox reads MAILDIR (the Maildir),"
             " MAIL (the mbox) and MAILTMP (a temporary file beside it)", (char *)0);
}

static int by_time(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;

  if (x->mtime != y->mtime) return x->mtime < y->mtime ? -1 : 1;
  return strcmp(names.s + x->name, names.s + y->name);
}

/* the messages of new/ and cur/, sorted, into entries and names */
static void scan(void)
{
  static const char *const sub[] = { "new", "cur" };
  int i;

  names.len = 0;
  nentries = 0;
  for (i = 0; i < 2; ++i) {
    struct dirent *d;
    DIR *dir;
    int fd = openat(fdmaildir, sub[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd == -1) die_sys("open", maildir, i ? "/cur" : "/new");
    dir = fdopendir(fd);
    if (!dir) { close(fd); die_sys("open", maildir, i ? "/cur" : "/new"); }
    for (;;) {
      struct stat st;
      errno = 0;
      d = readdir(dir);
      if (!d) break;
      if (d->d_name[0] == '.') continue;
      if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
        if (errno == ENOENT) continue; /* a reader moved it meanwhile */
        die_sys("stat a message in", maildir, i ? "/cur" : "/new");
      }
      if (!S_ISREG(st.st_mode)) continue;
      if (nentries == aentries) {
        size_t na, bytes;
        struct entry *p;
        if (__builtin_mul_overflow(aentries + 16, (size_t)2, &na) ||
            __builtin_mul_overflow(na, sizeof *entries, &bytes))
          die_nomem();
        p = realloc(entries, bytes);
        if (!p) die_nomem();
        entries = p;
        aentries = na;
      }
      entries[nentries].mtime = st.st_mtime;
      entries[nentries].name = names.len;
      if (!stralloc_cats(&names, sub[i]) || !stralloc_append(&names, '/') ||
          !stralloc_cats(&names, d->d_name) || !stralloc_0(&names))
        die_nomem();
      ++nentries;
    }
    if (errno) die_sys("read", maildir, i ? "/cur" : "/new");
    closedir(dir);
  }
  if (nentries > 1) qsort(entries, nentries, sizeof *entries, by_time);
}

/* path without its last component ("." when it has none) */
static void parent_of(stralloc *out, const char *path)
{
  size_t len = str_len(path), slash;

  while (len > 1 && path[len - 1] == '/') --len;
  slash = byte_rchr(path, len, '/');
  if (slash == len) {
    if (!stralloc_copys(out, ".")) die_nomem();
  } else if (!stralloc_copyb(out, path, slash ? slash : 1)) {
    die_nomem();
  }
  if (!stralloc_0(out)) die_nomem();
}

static void lock_mail(struct stat *st)
{
  int tries;

  for (tries = 0; tries < LOCK_TRIES; ++tries) {
    struct stat now;
    if (mbox_open(&lock, mail, LOCK_WAIT) == -1) {
      int e = errno;
      if (e == ETIMEDOUT)
        diag_die(111, "unable to lock ", mail, ": another program has held it locked"
                 " too long; try again later", (char *)0);
      errno = e;
      diag_die_sys(111, "unable to ", lock.failed, " ", mail, (char *)0);
    }
    /* an earlier holder may have renamed a new file over the one whose
       lock we waited for: only a lock on what MAIL names now counts */
    target = lock.path.s;
    if (fstat(lock.fd, st) == -1) die_sys("stat", target, 0);
    if (lstat(target, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
      return;
    mbox_abort(&lock);
  }
  diag_die(111, "unable to lock ", mail, ": it is replaced again and again", (char *)0);
}

static void put(buf *out, const char *s, size_t n)
{
  if (buf_put(out, s, n) == -1) die_sys("write", mailtmp, 0);
}

static char lastput; /* the last byte of the message written so far */

/* s[0..n) as mbox.c writes a message (header filter and quoting); with s
   NULL, what the end of the message still owes */
static void put_quoted(buf *out, stralloc *q, const char *s, size_t n)
{
  q->len = 0;
  if ((s ? mbox_quote(&quote, s, n, q) : mbox_quote_end(&quote, q)) == -1) die_nomem();
  put(out, q->s, q->len);
  if (q->len) lastput = q->s[q->len - 1];
}

/* the sender of "Return-Path: <SENDER>" in line[0..n), made one word;
   empty when there is none */
static void sender_of(stralloc *out, const char *line, size_t n)
{
  size_t lt, gt, i;

  out->len = 0;
  if (n < 12 || !case_equalb(line, 12, "return-path:")) goto done;
  lt = byte_chr(line, n, '<');
  gt = byte_rchr(line, n, '>');
  if (lt == n || gt == n || gt < lt) goto done;
  if (!stralloc_copyb(out, line + lt + 1, gt - lt - 1)) die_nomem();
  for (i = 0; i < out->len; ++i) {
    unsigned char c = (unsigned char)out->s[i];
    if (c <= ' ' || c == 0x7f) out->s[i] = '-';
  }
done:
  if (!stralloc_0(out)) die_nomem();
}

static void append_message(buf *out, const char *name, stralloc *q,
                           stralloc *sender, stralloc *from)
{
  char space[65536];
  struct stat st;
  buf in;
  ssize_t r;
  int first = 1;
  int fd = openat(fdmaildir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

  if (fd == -1) die_sys4("open", maildir, "/", name);
  if (fstat(fd, &st) == -1) die_sys4("stat", maildir, "/", name);
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    die_sys4("read", maildir, "/", name);
  }
  buf_init(&in, buf_unixread, fd, space, sizeof space);
  mbox_filter_start(&quote);
  lastput = '\n'; /* the From line's */
  while ((r = buf_feed(&in)) > 0) {
    char *s = buf_peek(&in);
    if (first) {
      /* the first line, when it fits in one read, may name the sender */
      sender_of(sender, s, byte_chr(s, (size_t)r, '\n'));
      if (!dotqmail_ufline(from, sender->s, st.st_mtime)) die_nomem();
      put(out, from->s, from->len);
      first = 0;
    }
    put_quoted(out, q, s, (size_t)r);
    buf_skip(&in, (size_t)r);
  }
  if (r == -1) die_sys4("read", maildir, "/", name);
  if (first) {
    if (!dotqmail_ufline(from, "", st.st_mtime)) die_nomem();
    put(out, from->s, from->len);
  }
  /* what the filter and the quoting still hold, a newline if the last
     line lacked one, then the empty separator line */
  put_quoted(out, q, 0, 0);
  if (lastput != '\n') put(out, "\n", 1);
  put(out, "\n", 1);
  close(fd);
}

int main(int argc, char **argv)
{
  static char outspace[65536], copyspace[65536];
  stralloc q = STRALLOC_ZERO, sender = STRALLOC_ZERO, from = STRALLOC_ZERO;
  stralloc dir = STRALLOC_ZERO;
  struct stat stmail, st;
  off_t off;
  buf out;
  size_t i;
  int fdread, fdtmp, failed = 0;
  mode_t mode;

  diag_prog = "maildir2mbox";
  (void)argv;
  if (argc > 1) diag_die(100, "usage: maildir2mbox (it reads MAILDIR, MAIL and MAILTMP)", (char *)0);
  lock.fd = -1;
  need(&maildir, "MAILDIR");
  need(&mail, "MAIL");
  need(&mailtmp, "MAILTMP");
  if (str_equal(mail, mailtmp))
    diag_die(100, "MAILTMP must not be MAIL", (char *)0);
  if (!stralloc_cats(&dir, mail) || !stralloc_cats(&dir, ".lock") || !stralloc_0(&dir)) die_nomem();
  if (str_equal(mailtmp, dir.s))
    diag_die(100, "MAILTMP must not be the lock of MAIL", (char *)0);

  fdmaildir = open_dir(maildir);
  if (fdmaildir == -1) die_sys("open", maildir, 0);
  /* nothing to move: MAIL is not even locked (or created) */
  scan();
  if (!nentries) return 0;

  lock_mail(&stmail);
  scan(); /* again: another run may have moved them while we waited */
  if (!nentries) { cleanup(); return 0; }

  if (str_equal(mailtmp, lock.lockname.s)) {
    cleanup();
    diag_die(100, "MAILTMP must not be the lock of MAIL", (char *)0);
  }
  fdread = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fdread == -1) die_sys("open", target, 0);
  if (fstat(fdread, &st) == -1) die_sys("stat", target, 0);
  if (st.st_dev != stmail.st_dev || st.st_ino != stmail.st_ino) {
    errno = EAGAIN;
    die_sys("read", target, ": replaced while locked");
  }
  if (lstat(mailtmp, &st) == 0 && st.st_dev == stmail.st_dev && st.st_ino == stmail.st_ino) {
    cleanup();
    diag_die(100, "MAILTMP must not name the same file as MAIL", (char *)0);
  }
  if (unlink(mailtmp) == -1 && errno != ENOENT) die_sys("remove", mailtmp, 0);
  fdtmp = open_excl(mailtmp, 0600);
  if (fdtmp == -1) die_sys("create", mailtmp, 0);
  tmpmade = 1;
  /* MAIL's permissions; its group only where we may give it, else no
     group access: the file must not open up to our own primary group */
  mode = stmail.st_mode & 0777;
  if (fstat(fdtmp, &st) == -1) die_sys("stat", mailtmp, 0);
  if (st.st_gid != stmail.st_gid && fchown(fdtmp, (uid_t)-1, stmail.st_gid) == -1)
    mode &= ~(mode_t)070;
  if (fchmod(fdtmp, mode) == -1) die_sys("chmod", mailtmp, 0);

  buf_init(&out, buf_unixwrite, fdtmp, outspace, sizeof outspace);
  for (off = 0; off < lock.start;) {
    size_t want = sizeof copyspace;
    ssize_t r;
    if ((off_t)want > lock.start - off) want = (size_t)(lock.start - off);
    r = pread(fdread, copyspace, want, off);
    if (r == -1 && errno == EINTR) continue;
    if (r == -1) die_sys("read", target, 0);
    if (r == 0) { errno = EIO; die_sys("read", target, ": it shrank while locked"); }
    put(&out, copyspace, (size_t)r);
    off += r;
  }
  close(fdread);
  for (i = 0; i < nentries; ++i)
    append_message(&out, names.s + entries[i].name, &q, &sender, &from);
  if (buf_flush(&out) == -1) die_sys("write", mailtmp, 0);
  if (fsync(fdtmp) == -1) die_sys("fsync", mailtmp, 0);
  if (close(fdtmp) == -1) die_sys("close", mailtmp, 0);
  /* the directory fsync below makes the dot-lock's name durable too: its
     pid must be, so that after a crash the next locker finds it stale at
     once instead of waiting MBOX_STALE seconds for an empty lock */
  if (lock.dotlocked) {
    int fd = open(lock.lockname.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd == -1) die_sys("open", lock.lockname.s, 0);
    if (fsync(fd) == -1) { close(fd); die_sys("fsync", lock.lockname.s, 0); }
    close(fd);
  }
  if (rename(mailtmp, target) == -1)
    die_sys("rename", mailtmp, " over MAIL (MAILTMP must be on the file system of MAIL)");
  tmpmade = 0;
  parent_of(&dir, target);
  if (fsync_dir(dir.s) == -1) die_sys("fsync", dir.s, 0);

  /* the messages are in MAIL for good: now they may go */
  for (i = 0; i < nentries; ++i) {
    const char *name = names.s + entries[i].name;
    if (unlinkat(fdmaildir, name, 0) == -1 && errno != ENOENT) {
      diag_warn_sys("unable to remove ", maildir, "/", name,
                    " (it is in MAIL now: remove it by hand, or it is appended again)",
                    (char *)0);
      failed = 1;
    }
  }
  for (i = 0; i < 2; ++i) {
    int fd = openat(fdmaildir, i ? "cur" : "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 || fsync(fd) == -1) {
      diag_warn_sys("unable to fsync ", maildir, i ? "/cur" : "/new", (char *)0);
      failed = 1;
    }
    if (fd != -1) close(fd);
  }
  /* the lock is on the file that was renamed away: releasing it changes
     nothing in it (nothing was appended through it); the directory again,
     so that the dot-lock's removal is durable too */
  mbox_abort(&lock);
  if (fsync_dir(dir.s) == -1) {
    diag_warn_sys("unable to fsync ", dir.s, (char *)0);
    failed = 1;
  }
  return failed ? 111 : 0;
}
