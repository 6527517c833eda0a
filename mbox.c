/* mbox: locked, quoted, undoable appends to an mbox file (see mbox.h) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbox.h"
#include "str.h"

static const char from_[] = "From ";

typedef int (*emit_fn)(struct mbox *m, void *ctx, const char *s, size_t n);

static int emit_buf(struct mbox *m, void *ctx, const char *s, size_t n)
{
  (void)ctx;
  if (!n || m->error) return m->error ? -1 : 0;
  if (buf_put(&m->out, s, n) == -1) {
    m->error = 1;
    m->saved_errno = errno;
    return -1;
  }
  return 0;
}

static int emit_stralloc(struct mbox *m, void *ctx, const char *s, size_t n)
{
  (void)m;
  return stralloc_catb((stralloc *)ctx, s, n) ? 0 : -1;
}

/* the quoting state machine; bytes in the middle of a line go out in runs */
static int quote_feed(struct mbox *m, const char *s, size_t n, emit_fn emit, void *ctx)
{
  size_t i = 0;

  while (i < n) {
    char c = s[i];
    if (m->fromlen) {
      if (c == from_[m->fromlen]) {
        i++;
        if (++m->fromlen == sizeof from_ - 1) {
          if (emit(m, ctx, ">From ", 6) == -1) return -1;
          m->fromlen = 0;
          m->lastlf = 0;
        }
        continue;
      }
      /* not "From ": give back what was held and go on mid-line */
      if (emit(m, ctx, from_, m->fromlen) == -1) return -1;
      m->fromlen = 0;
      m->lastlf = 0;
    } else if (m->linestart || m->inquote) {
      if (c == '>') {
        m->linestart = 0;
        m->inquote = 1;
        if (emit(m, ctx, s + i, 1) == -1) return -1;
        m->lastlf = 0;
        i++;
        continue;
      }
      m->linestart = 0;
      m->inquote = 0;
      if (c == 'F') {
        m->fromlen = 1;
        i++;
        continue;
      }
    }
    /* mid-line: everything up to and including the next LF */
    {
      const char *lf = memchr(s + i, '\n', n - i);
      size_t run = lf ? (size_t)(lf - (s + i)) + 1 : n - i;
      if (emit(m, ctx, s + i, run) == -1) return -1;
      i += run;
      m->lastlf = lf != 0;
      m->linestart = lf != 0;
    }
  }
  return 0;
}

/* Header fields mbox readers keep their own state in (Dovecot's mbox
   metadata, mutt's and mailx's Status): a sender must not set a message's
   flags or its UID by writing them, so they are dropped from the header
   (Dovecot asks this of every delivery agent). */
static const char *const reader_fields[] = {
  "status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase", "content-length"
};

static int reader_field(const char *name, size_t n)
{
  size_t i, j;

  for (i = 0; i < sizeof reader_fields / sizeof reader_fields[0]; i++) {
    const char *f = reader_fields[i];
    for (j = 0; j < n && f[j]; j++) {
      char c = name[j];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != f[j]) break;
    }
    if (j == n && !f[j]) return 1;
  }
  return 0;
}

/* the header filter, in front of the quoting: while in the header, a line
   that starts a field is held until its ':' or a blank (at most sizeof
   namebuf bytes: a longer name is no reader field), then dropped with its
   continuation lines or passed on. The header ends at the first empty line
   (LF or CR LF, as readers see it). */
static int header_feed(struct mbox *m, const char *s, size_t n, emit_fn emit, void *ctx)
{
  size_t i = 0;

  while (i < n) {
    char c;
    if (!m->inheader) return quote_feed(m, s + i, n - i, emit, ctx);
    c = s[i];
    if (m->hdrstate == 0) {                  /* at the start of a line */
      if (c == '\n') {
        m->inheader = 0;
        continue;
      }
      if (c == ' ' || c == '\t') { m->hdrstate = m->dropping ? 2 : 3; continue; }
      m->dropping = 0;
      m->namelen = 0;
      m->hdrstate = 1;
    }
    if (m->hdrstate == 1) {                  /* the field name so far */
      if (c == ':' || c == ' ' || c == '\t') {
        /* a reader's field, even with blanks before its colon (obsolete
           syntax readers accept) or as a malformed line without one */
        m->dropping = reader_field(m->namebuf, m->namelen);
        if (!m->dropping && quote_feed(m, m->namebuf, m->namelen, emit, ctx) == -1) return -1;
        m->hdrstate = m->dropping ? 2 : 3;
        continue; /* the ':' goes with the rest of the line */
      }
      if (c == '\n' && m->namelen == 1 && m->namebuf[0] == '\r') {
        /* CR LF: an empty line to readers too, so the header ends */
        if (quote_feed(m, m->namebuf, 1, emit, ctx) == -1) return -1;
        m->inheader = 0;
        continue;
      }
      if (c != '\n' && m->namelen < sizeof m->namebuf) {
        m->namebuf[m->namelen++] = c;
        i++;
        continue;
      }
      /* no field name here: pass on what was held */
      if (quote_feed(m, m->namebuf, m->namelen, emit, ctx) == -1) return -1;
      m->hdrstate = 3;
    }
    {                                        /* the rest of the line */
      const char *lf = memchr(s + i, '\n', n - i);
      size_t run = lf ? (size_t)(lf - (s + i)) + 1 : n - i;
      if (m->hdrstate == 3 && quote_feed(m, s + i, run, emit, ctx) == -1) return -1;
      i += run;
      if (lf) m->hdrstate = 0;
    }
  }
  return 0;
}

/* what a message that ends inside a held field name still owes */
static int header_end(struct mbox *m, emit_fn emit, void *ctx)
{
  if (m->inheader && m->hdrstate == 1 && m->namelen) {
    m->hdrstate = 3;
    return quote_feed(m, m->namebuf, m->namelen, emit, ctx);
  }
  return 0;
}

void mbox_quote_start(struct mbox *m)
{
  m->inheader = 0;
  m->hdrstate = 0;
  m->dropping = 0;
  m->namelen = 0;
  m->linestart = 1;
  m->inquote = 0;
  m->fromlen = 0;
  m->lastlf = 1;
  m->error = 0;
}

int mbox_quote(struct mbox *m, const char *s, size_t n, stralloc *out)
{
  return header_feed(m, s, n, emit_stralloc, out);
}

int mbox_quote_end(struct mbox *m, stralloc *out)
{
  if (header_end(m, emit_stralloc, out) == -1) return -1;
  if (m->fromlen && !stralloc_catb(out, from_, m->fromlen)) return -1;
  m->fromlen = 0;
  return 0;
}

void mbox_filter_start(struct mbox *m)
{
  mbox_quote_start(m);
  m->inheader = 1;
}

/* waiting for a lock: 1 ms, doubling up to 64 ms, each with up to half
   of it again at random so that waiters do not wake together. A holder
   that appends one message takes a few milliseconds, so a waiter gets the
   lock soon after it is free, without a blocking F_SETLKW (which would need
   a signal to end it at the deadline). */
static void sleep_backoff(unsigned int *ms)
{
  struct timespec ts;
  unsigned int wait = *ms;
  unsigned long mix;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  mix = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() * 2654435761UL);
  wait += (unsigned int)(mix % (wait / 2 + 1));
  ts.tv_sec = wait / 1000;
  ts.tv_nsec = (long)(wait % 1000) * 1000000L;
  nanosleep(&ts, (struct timespec *)0);
  if (*ms < 64) *ms *= 2;
}

static time_t now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

/* fcntl write lock on the whole file, polled until timeout */
static int lock_fcntl(struct mbox *m, unsigned int timeout)
{
  time_t deadline = now() + (time_t)timeout;
  unsigned int backoff = 1;
  struct flock fl;

  for (;;) {
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    if (fcntl(m->fd, F_SETLK, &fl) == 0) return 0;
    if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
      m->failed = "lock";
      return -1;
    }
    if (now() >= deadline) {
      m->failed = "lock (timed out)";
      errno = ETIMEDOUT;
      return -1;
    }
    sleep_backoff(&backoff);
  }
}

/* is the dot-lock left by a program that is gone? Its content, as
   liblockfile writes it, is the pid of its holder: a pid that no longer
   exists on this host makes it stale at once. An empty or foreign lock (mutt
   writes none, another host's pid cannot be checked) is stale when it has
   not been modified for MBOX_STALE seconds. The lock removed is the one
   examined (same inode), so a fresh lock made meanwhile is left alone. */
static void remove_stale_dot(const char *lockname)
{
  char text[32];
  struct stat st, again;
  ssize_t r;
  int fd, stale = 0;
  unsigned long pid = 0;
  size_t i;

  fd = open(lockname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return;
  if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) { close(fd); return; }
  r = read(fd, text, sizeof text - 1);
  close(fd);
  if (r > 0) {
    for (i = 0; i < (size_t)r && text[i] >= '0' && text[i] <= '9' && pid < 100000000; i++)
      pid = pid * 10 + (unsigned long)(text[i] - '0');
    if (i > 0 && (i == (size_t)r || text[i] == '\n') && pid > 1 && pid < 100000000 &&
        kill((pid_t)pid, 0) == -1 && errno == ESRCH)
      stale = 1;
  }
  if (time((time_t *)0) - st.st_mtime > MBOX_STALE) stale = 1;
  if (!stale) return;
  if (lstat(lockname, &again) == 0 && again.st_ino == st.st_ino && again.st_dev == st.st_dev)
    unlink(lockname);
}

/* "<path>.lock" created with O_EXCL and holding our pid; a stale lock is
   removed and the creation tried again */
static int lock_dot(struct mbox *m, unsigned int timeout)
{
  time_t deadline = now() + (time_t)timeout;
  unsigned int backoff = 1;
  char pid[FMT_ULONG + 1];
  size_t pidlen = fmt_ulong(pid, (unsigned long)getpid());

  pid[pidlen++] = '\n';
  if (!stralloc_copyb(&m->lockname, m->path.s, m->path.len - 1) ||
      !stralloc_cats(&m->lockname, ".lock") || !stralloc_0(&m->lockname)) {
    m->failed = "dot-lock";
    return -1;
  }
  for (;;) {
    int fd = open(m->lockname.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd != -1) {
      ssize_t w = write(fd, pid, pidlen);
      (void)w; /* an empty lock still locks; only its staleness is slower to see */
      close(fd);
      m->dotlocked = 1;
      return 0;
    }
    if (errno == EACCES || errno == EPERM || errno == EROFS || errno == ENAMETOOLONG)
      return 0; /* the directory is not ours to lock in: fcntl alone */
    if (errno != EEXIST && errno != EINTR) {
      m->failed = "dot-lock";
      return -1;
    }
    remove_stale_dot(m->lockname.s);
    {
      struct stat st;
      if (lstat(m->lockname.s, &st) == -1 && errno == ENOENT) continue;
    }
    if (now() >= deadline) {
      m->failed = "dot-lock (timed out)";
      errno = ETIMEDOUT;
      return -1;
    }
    sleep_backoff(&backoff);
  }
}

static void unlock_all(struct mbox *m)
{
  if (m->dotlocked) {
    unlink(m->lockname.s);
    m->dotlocked = 0;
  }
  if (m->fd != -1) {
    close(m->fd); /* releases the fcntl lock */
    m->fd = -1;
  }
}

/* path is a symbolic link (open said ELOOP). One made by the recipient
   (our uid) or by root is followed, one level only: path becomes its
   target, which must not be a link itself. A link anyone else made is
   refused with ELOOP, and so is a link with a second hard link: where
   others can write (a spool, /tmp), a link to root's or the recipient's
   link is a link someone else planted. */
static int follow_own_link(struct mbox *m)
{
  struct stat st;
  stralloc target = STRALLOC_ZERO;
  ssize_t r;

  if (lstat(m->path.s, &st) == -1) return -1;
  if (!S_ISLNK(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) || st.st_nlink != 1) {
    errno = ELOOP;
    return -1;
  }
  if (!stralloc_ready(&target, 4096)) return -1;
  r = readlink(m->path.s, target.s, 4096);
  if (r <= 0 || r >= 4096) {
    if (r >= 0) errno = ENAMETOOLONG;
    stralloc_free(&target);
    return -1;
  }
  target.len = (size_t)r;
  if (target.s[0] != '/') {
    const char *slash = strrchr(m->path.s, '/');
    stralloc full = STRALLOC_ZERO;
    if (slash && (!stralloc_copyb(&full, m->path.s, (size_t)(slash - m->path.s) + 1) ||
                  !stralloc_cat(&full, &target))) {
      stralloc_free(&target);
      return -1;
    }
    if (slash) {
      stralloc_free(&target);
      target = full;
    }
  }
  if (!stralloc_0(&target)) { stralloc_free(&target); return -1; }
  stralloc_free(&m->path);
  m->path = target;
  return 0;
}

int mbox_open(struct mbox *m, const char *path, unsigned int timeout)
{
  struct stat st, named;
  int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  int e, tries = 0;

again:
  m->fd = -1;
  m->created = 0;
  m->dotlocked = 0;
  m->failed = "open";
  if (!stralloc_copys(&m->path, path) || !stralloc_0(&m->path)) return -1;
  m->fd = open(m->path.s, flags);
  if (m->fd == -1 && errno == ELOOP) {
    if (follow_own_link(m) == -1) return -1;
    m->fd = open(m->path.s, flags);
  }
  if (m->fd == -1 && errno == ENOENT) {
    m->fd = open(m->path.s, flags | O_CREAT | O_EXCL, 0600);
    if (m->fd != -1) m->created = 1;
    else if (errno == EEXIST) m->fd = open(m->path.s, flags);
  }
  if (m->fd == -1) return -1;
  if (fstat(m->fd, &st) == -1) goto fail;
  if (!S_ISREG(st.st_mode)) {
    m->failed = "not a regular file";
    errno = EINVAL;
    goto fail;
  }
  if (st.st_nlink != 1) {
    m->failed = "more than one link";
    errno = EMLINK;
    goto fail;
  }
  /* a file another user made first (in a spool anyone may create files
     in) would let that user read what is appended */
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    m->failed = "owned by another user";
    errno = EPERM;
    goto fail;
  }
  if (fcntl(m->fd, F_SETFL, O_WRONLY | O_APPEND) == -1) goto fail; /* blocking again */
  if (lock_fcntl(m, timeout) == -1) goto fail;
  if (lock_dot(m, timeout) == -1) goto fail;
  /* while we waited, the holder may have replaced the file (a rename over
     it, as maildir2mbox and some readers do) or removed it: what we locked
     must still be what the path names, or the message would go to a file
     no one reads */
  if (fstat(m->fd, &st) == -1) { m->failed = "open"; goto fail; }
  if (lstat(m->path.s, &named) == -1 || named.st_dev != st.st_dev ||
      named.st_ino != st.st_ino || st.st_nlink != 1) {
    unlock_all(m);
    if (++tries < 10) goto again;
    m->failed = "open (the file keeps being replaced)";
    errno = EAGAIN;
    return -1;
  }
  /* the length once both locks are ours: a writer before us is done */
  m->start = st.st_size;
  buf_init(&m->out, buf_unixwrite, m->fd, m->space, sizeof m->space);
  mbox_filter_start(m);
  return 0;

fail:
  e = errno;
  unlock_all(m);
  errno = e;
  return -1;
}

int mbox_put_raw(struct mbox *m, const char *s, size_t n)
{
  if (emit_buf(m, (void *)0, s, n) == -1) {
    m->failed = "write";
    errno = m->saved_errno;
    return -1;
  }
  if (n) m->lastlf = s[n - 1] == '\n';
  return 0;
}

int mbox_put(struct mbox *m, const char *s, size_t n)
{
  if (header_feed(m, s, n, emit_buf, (void *)0) == -1) {
    m->failed = "write";
    errno = m->saved_errno;
    return -1;
  }
  return 0;
}

/* fsync the directory that holds the new file, so its entry survives */
static int sync_directory(const char *path)
{
  const char *slash = strrchr(path, '/');
  stralloc dir = STRALLOC_ZERO;
  int fd, r, e;

  if (!slash) { if (!stralloc_copys(&dir, ".")) return -1; }
  else if (slash == path) { if (!stralloc_copys(&dir, "/")) return -1; }
  else if (!stralloc_copyb(&dir, path, (size_t)(slash - path))) return -1;
  if (!stralloc_0(&dir)) { stralloc_free(&dir); return -1; }
  fd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  stralloc_free(&dir);
  if (fd == -1) return -1;
  r = fsync(fd); /* fsync-point: mbox-dir */
  e = errno;
  close(fd);
  errno = e;
  return r;
}

int mbox_commit(struct mbox *m)
{
  if (header_end(m, emit_buf, (void *)0) == -1) goto write_failed;
  if (m->fromlen) {
    if (emit_buf(m, (void *)0, from_, m->fromlen) == -1) goto write_failed;
    m->fromlen = 0;
    m->lastlf = 0;
  }
  if (!m->lastlf && emit_buf(m, (void *)0, "\n", 1) == -1) goto write_failed;
  if (emit_buf(m, (void *)0, "\n", 1) == -1) goto write_failed;
  if (buf_flush(&m->out) == -1) { m->saved_errno = errno; goto write_failed; }
  if (fsync(m->fd) == -1) { m->failed = "fsync"; goto fail; } /* fsync-point: mbox-file */
  /* the dot-lock goes before the directory is flushed, so a crash cannot
     leave a durable dot-lock behind a durable new mbox; the fcntl lock
     still holds */
  if (m->dotlocked) {
    unlink(m->lockname.s);
    m->dotlocked = 0;
  }
  if (m->created && sync_directory(m->path.s) == -1) { m->failed = "fsync directory"; goto fail; }
  unlock_all(m);
  return 0;

write_failed:
  m->failed = "write";
  errno = m->saved_errno;
fail:
  mbox_abort(m);
  return -1;
}

void mbox_abort(struct mbox *m)
{
  int e = errno;

  if (m->fd != -1) {
    if (ftruncate(m->fd, m->start) == -1 || fsync(m->fd) == -1) {
      /* nothing better to do: the lock still goes, the error stands */
    }
  }
  unlock_all(m);
  errno = e;
}
