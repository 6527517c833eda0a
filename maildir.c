/* maildir: delivery into a Maildir (see maildir.h for the names).
   The order of operations is what makes a delivery safe:
     1. the file is created in tmp/ with O_EXCL, never overwriting anything;
     2. its data is fsynced and the close checked (NFS reports errors there)
        before it becomes visible;
     3. link(tmp/NAME, new/NAME2) publishes it in one step: readers see the
        whole message or nothing;
     4. new/ is fsynced, because Linux does not make a link durable until
        its directory is synced; only then is the delivery reported done;
     5. tmp/NAME is removed last. tmp/ is not synced: a tmp file that comes
        back after a crash is only litter, which readers remove after 36 h.
   All paths are relative to a descriptor on the maildir itself, so the
   process never changes directory and tmp/ and new/ are always the ones
   of the same maildir. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include "maildir.h"
#include "str.h"
#include "stralloc.h"

#define COPY_SIZE 131072  /* read/write size for messages larger than the head */
#define NAME_ATTEMPTS 5   /* EEXIST retries, each with a fresh stamp */

int maildir_cathost(stralloc *out, const char *host, size_t n)
{
  size_t i, start = 0;

  for (i = 0; i < n; i++) {
    const char *esc;
    switch (host[i]) {
    case '/': esc = "\\057"; break;
    case ':': esc = "\\072"; break;
    case ',': esc = "\\054"; break; /* keeps ",S=" the only comma field */
    default: continue;
    }
    if (!stralloc_catb(out, host + start, i - start)) return 0;
    if (!stralloc_cats(out, esc)) return 0;
    start = i + 1;
  }
  return stralloc_catb(out, host + start, n - start);
}

int maildir_hostname(stralloc *out)
{
  char name[256]; /* the kernel limits host names to 64 bytes */

  out->len = 0;
  if (gethostname(name, sizeof name) == -1) name[0] = 0;
  name[sizeof name - 1] = 0;
  if (!name[0]) return stralloc_copys(out, "localhost");
  return maildir_cathost(out, name, str_len(name));
}

static int catstamp(stralloc *out, const struct maildir_stamp *t)
{
  return stralloc_catulong(out, t->sec) && stralloc_cats(out, ".M") &&
         stralloc_catulong(out, t->usec) && stralloc_append(out, 'P') &&
         stralloc_catulong(out, t->pid);
}

static int cathex(stralloc *out, unsigned long long u)
{
  char digits[16];
  size_t n = 0;

  do {
    digits[n++] = "0123456789abcdef"[u & 15];
    u >>= 4;
  } while (u);
  if (!stralloc_readyplus(out, n)) return 0;
  while (n) out->s[out->len++] = digits[--n];
  return 1;
}

static int cattmpname(stralloc *out, const struct maildir_stamp *t,
                      const char *host, size_t hostlen)
{
  return catstamp(out, t) && stralloc_append(out, '.') &&
         stralloc_catb(out, host, hostlen) && stralloc_0(out);
}

static int catnewname(stralloc *out, const struct maildir_stamp *t,
                      unsigned long long dev, unsigned long long ino,
                      const char *host, size_t hostlen, unsigned long long size)
{
  return catstamp(out, t) && stralloc_append(out, 'V') && cathex(out, dev) &&
         stralloc_append(out, 'I') && cathex(out, ino) &&
         stralloc_append(out, '.') && stralloc_catb(out, host, hostlen) &&
         stralloc_cats(out, ",S=") && stralloc_catulong(out, (unsigned long)size) &&
         stralloc_0(out);
}

int maildir_tmpname(stralloc *out, const struct maildir_stamp *t,
                    const char *host, size_t hostlen)
{
  out->len = 0;
  return cattmpname(out, t, host, hostlen);
}

int maildir_newname(stralloc *out, const struct maildir_stamp *t,
                    unsigned long long dev, unsigned long long ino,
                    const char *host, size_t hostlen, unsigned long long size)
{
  out->len = 0;
  return catnewname(out, t, dev, ino, host, hostlen, size);
}

static void take_stamp(struct maildir_stamp *t, const struct maildir_stamp *prev)
{
  struct timeval tv;
  int spins = 0;

  for (;;) {
    gettimeofday(&tv, 0);
    t->sec = (unsigned long)tv.tv_sec;
    t->usec = (unsigned long)tv.tv_usec;
    if (!prev || t->sec != prev->sec || t->usec != prev->usec) break;
    if (++spins > 100000) break; /* a stuck clock: the attempt fails EEXIST */
  }
  t->pid = (unsigned long)getpid();
}

/* writes every byte of iov[0..cnt); 0 ok, -1 error */
static int write_all(int fd, struct iovec *iov, int cnt)
{
  while (cnt > 0) {
    ssize_t w;
    size_t done;

    if (iov->iov_len == 0) { iov++; cnt--; continue; }
    w = writev(fd, iov, cnt);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (w == 0) { errno = EIO; return -1; }
    done = (size_t)w;
    while (cnt > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      iov++;
      cnt--;
    }
    if (cnt > 0) {
      iov->iov_base = (char *)iov->iov_base + done;
      iov->iov_len -= done;
    }
  }
  return 0;
}

static int add_size(unsigned long long *size, size_t n)
{
  if (__builtin_add_overflow(*size, (unsigned long long)n, size) ||
      *size > (unsigned long long)(unsigned long)-1) {
    errno = EFBIG;
    return -1;
  }
  return 0;
}

/* writes lines and the message to fd; 0 ok, -1 with errno and r->failed */
static int write_message(int fd, const char *lines, size_t lineslen,
                         const struct maildir_message *m, struct maildir_result *r)
{
  struct iovec iov[2];
  stralloc space = STRALLOC_ZERO;
  unsigned long long size = 0;
  off_t offset;

  iov[0].iov_base = (void *)lines;
  iov[0].iov_len = lineslen;
  iov[1].iov_base = (void *)m->head;
  iov[1].iov_len = m->headlen;
  if (add_size(&size, lineslen) == -1 || add_size(&size, m->headlen) == -1) {
    r->failed = "write file in tmp/";
    return -1;
  }
  if (write_all(fd, iov, 2) == -1) { r->failed = "write file in tmp/"; return -1; }
  if (!m->whole) {
    if (m->headlen > (unsigned long long)((~(unsigned long long)0) >> 1)) {
      errno = EFBIG;
      r->failed = "read message";
      return -1;
    }
    offset = (off_t)m->headlen;
    if (!stralloc_ready(&space, COPY_SIZE)) { r->failed = "read message"; return -1; }
    for (;;) {
      ssize_t got = pread(m->fd, space.s, COPY_SIZE, offset);
      if (got == -1) {
        if (errno == EINTR) continue;
        r->failed = "read message";
        goto fail;
      }
      if (got == 0) break;
      offset += got;
      iov[0].iov_base = space.s;
      iov[0].iov_len = (size_t)got;
      if (add_size(&size, (size_t)got) == -1 || write_all(fd, iov, 1) == -1) {
        r->failed = "write file in tmp/";
        goto fail;
      }
    }
    stralloc_free(&space);
  }
  r->size = size;
  return 0;

fail:
  {
    int e = errno;
    stralloc_free(&space);
    errno = e;
  }
  return -1;
}

int maildir_deliver(const char *dir, const char *lines, size_t lineslen,
                    const struct maildir_message *m, const char *host,
                    size_t hostlen, stralloc *newname, struct maildir_result *r)
{
  stralloc tmppath = STRALLOC_ZERO;
  stralloc newpath = STRALLOC_ZERO;
  struct maildir_stamp stamp, prev;
  struct stat st;
  int dirfd, fd = -1, newdirfd, attempt, e, linked = 0;

  r->failed = 0;
  r->size = 0;
  dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd == -1) { r->failed = "open directory"; return -1; }

  for (attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    take_stamp(&stamp, attempt ? &prev : 0);
    prev = stamp;
    tmppath.len = 0;
    if (!stralloc_cats(&tmppath, "tmp/") ||
        !cattmpname(&tmppath, &stamp, host, hostlen)) goto nomem_create;
    fd = openat(dirfd, tmppath.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd != -1) break;
    if (errno != EEXIST && errno != EINTR) break;
  }
  if (fd == -1) { r->failed = "create file in tmp/"; goto fail_nofile; }

  if (write_message(fd, lines, lineslen, m, r) == -1) goto fail_open;
  if (fsync(fd) == -1) { r->failed = "fsync file in tmp/"; goto fail_open; } /* fsync-point: maildir-file */
  if (fstat(fd, &st) == -1) { r->failed = "stat file in tmp/"; goto fail_open; }
  if (close(fd) == -1) { fd = -1; r->failed = "close file in tmp/"; goto fail_closed; }
  fd = -1;

  if (!stralloc_copys(&newpath, "new/") ||
      !catnewname(&newpath, &stamp, (unsigned long long)st.st_dev,
                  (unsigned long long)st.st_ino, host, hostlen, r->size)) {
    r->failed = "link file into new/";
    goto fail_closed;
  }
  if (linkat(dirfd, tmppath.s, dirfd, newpath.s, 0) == -1) {
    r->failed = "link file into new/";
    goto fail_closed;
  }
  linked = 1;
  newdirfd = openat(dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (newdirfd == -1) { r->failed = "fsync new/"; goto fail_closed; }
  if (fsync(newdirfd) == -1) { /* fsync-point: maildir-new */
    e = errno;
    close(newdirfd);
    errno = e;
    r->failed = "fsync new/";
    goto fail_closed;
  }
  close(newdirfd);
  if (newname && !stralloc_copyb(newname, newpath.s + 4, newpath.len - 5)) newname->len = 0;
  /* delivered; a failure to remove the tmp name leaves harmless litter */
  unlinkat(dirfd, tmppath.s, 0);
  close(dirfd);
  stralloc_free(&tmppath);
  stralloc_free(&newpath);
  return 0;

nomem_create:
  r->failed = "create file in tmp/";
  goto fail_nofile;
fail_open:
  e = errno;
  close(fd);
  errno = e;
fail_closed:
  e = errno;
  /* not durable in new/: take it back so a retry cannot make a duplicate */
  if (linked) unlinkat(dirfd, newpath.s, 0);
  unlinkat(dirfd, tmppath.s, 0);
  errno = e;
fail_nofile:
  e = errno;
  close(dirfd);
  stralloc_free(&tmppath);
  stralloc_free(&newpath);
  errno = e;
  return -1;
}
