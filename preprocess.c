/* preprocess: queue/todo/ID into info, local and remote files (see
   preprocess.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "fd.h"
#include "preprocess.h"
#include "queue_path.h"
#include "readfile.h"
#include "str.h"
#include "rewrite.h"

static const char *const channel_dir[2] = { "local", "remote" };

static int name(stralloc *fn, const char *dir, unsigned long id, int split)
{
  return queue_path(fn, dir, id, split ? (int)auto_split : -1);
}

#define INFO_MAX 65536   /* "F" sender NUL: far more than qmail-queue writes */

int preprocess_read_info(unsigned long id, stralloc *sender, time_t *birth, stralloc *fn)
{
  struct stat st;
  size_t n, i;
  int fd, e;
  if (!name(fn, "info", id, 1)) return -1;
  fd = open_read(fn->s);
  if (fd == -1) return -1;
  if (fstat(fd, &st) == -1 || (!S_ISREG(st.st_mode) && (errno = EINVAL)) ||
      read_all(fd, sender, INFO_MAX) == -1) {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  close(fd);
  n = byte_chr(sender->s, sender->len, 0);
  if (sender->len < 2 || sender->s[0] != 'F' || n == sender->len) { errno = EPROTO; return -1; }
  for (i = 1; i <= n; ++i) sender->s[i - 1] = sender->s[i];
  sender->len = n;   /* the sender and its NUL */
  if (birth) *birth = st.st_mtime;
  return 0;
}

void preprocess_remove(unsigned long id, stralloc *fn)
{
  if (name(fn, "info", id, 1)) unlink(fn->s);
  if (name(fn, "local", id, 1)) unlink(fn->s);
  if (name(fn, "remote", id, 1)) unlink(fn->s);
}

/* unlinks info/N/ID, local/N/ID and remote/N/ID; -1 (fn names the file)
   when one exists and cannot go */
static int remove_checked(unsigned long id, stralloc *fn)
{
  int d;
  for (d = 0; d < 3; ++d) {
    if (!name(fn, d ? channel_dir[d - 1] : "info", id, 1)) return -1;
    if (unlink(fn->s) == -1 && errno != ENOENT) return -1;
  }
  return 0;
}

/* creates fn exclusively; a leftover of an earlier attempt is replaced
   (todo/ID is the authority) */
static int create_file(const char *fn)
{
  int fd = open_excl(fn, 0600);
  if (fd == -1 && errno == EEXIST) {
    if (unlink(fn) == -1) return -1;
    fd = open_excl(fn, 0600);
  }
  return fd;
}

struct output {
  int fd;
  buf b;
  char space[4096];
};

static int output_close(struct output *o)
{
  int r = 0;
  if (o->fd == -1) return 0;
  if (buf_flush(&o->b) == -1) r = -1;
  if (close(o->fd) == -1) r = -1;
  o->fd = -1;
  return r;
}

/* keep: recipients go to memory when todo/ID is at most keep->max bytes
   (NULL: always files). PREPROCESS_TOOBIG: the rewritten recipients
   outgrew keep->max; nothing was kept or written */
#define PREPROCESS_TOOBIG (-4)

static int run(const struct rewrite_config *rw, unsigned long id,
               struct preprocess_result *r, stralloc *fn, struct preprocess_memory *keep)
{
  static stralloc rec = STRALLOC_ZERO, rewritten = STRALLOC_ZERO, chanfn = STRALLOC_ZERO;
  static struct output out[2];
  struct todo z = TODO_INIT;
  struct stat st;
  char inspace[4096];
  buf in;
  int fd, c, match = 1, k, result = PREPROCESS_SYS, e;

  r->channels = 0;
  r->t = z;
  r->sender.len = 0;
  out[0].fd = out[1].fd = -1;
  if (!name(fn, "todo", id, 0)) return PREPROCESS_SYS;
  fd = open_read(fn->s);
  if (fd == -1) return PREPROCESS_SYS;
  buf_init(&in, buf_unixread, fd, inspace, sizeof inspace);
  if (keep) {
    keep->kept = 0;
    keep->recs[0].len = keep->recs[1].len = 0;
    if (fstat(fd, &st) == -1) goto fail_read;
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size <= keep->max) keep->kept = 1;
  }

  /* the records before the first recipient: u, p, F */
  for (;;) {
    rec.len = 0;
    if (buf_getline(&in, &rec, 0, 0, &match) == -1) goto fail_read;
    if (!match) {
      if (todo_end(&r->t, !rec.len) == -1) { result = PREPROCESS_MALFORMED; goto fail_read; }
      break;   /* a message without recipients */
    }
    k = todo_record(&r->t, rec.s, rec.len - 1);
    if (k == -1) { result = PREPROCESS_MALFORMED; goto fail_read; }
    if (k == TODO_SENDER) {
      if (!stralloc_copyb(&r->sender, rec.s + 1, rec.len - 2)) goto fail_read;
      break;
    }
  }

  if (!name(fn, "mess", id, 1)) goto fail_read;
  if (stat(fn->s, &st) == -1) {
    if (errno == ENOENT) result = PREPROCESS_NOMESS;
    goto fail_read;
  }
  r->bytes = (unsigned long)st.st_size;

  if (keep && keep->kept) {
    /* no file of an earlier message with this ID may survive: its channel
       file would look like work left for this one */
    if (remove_checked(id, fn) == -1) goto fail_read;
  } else {
    /* info first: if it exists this is a second preprocessing after a
       crash, and every file of the earlier attempt goes */
    int fdinfo;
    if (!name(fn, "info", id, 1)) goto fail_read;
    fdinfo = open_excl(fn->s, 0600);
    if (fdinfo == -1 && errno == EEXIST) {
      preprocess_remove(id, &chanfn);
      fdinfo = open_excl(fn->s, 0600);
    }
    if (fdinfo == -1) goto fail_read;
    rec.len = 0;
    if (!stralloc_append(&rec, 'F') || !stralloc_cat(&rec, &r->sender) || !stralloc_0(&rec) ||
        buf_unixwrite(fdinfo, rec.s, rec.len) == -1) {
      e = errno; close(fdinfo); errno = e;
      goto fail_files;
    }
    if (close(fdinfo) == -1) goto fail_files;
  }

  while (match) {
    rec.len = 0;
    if (buf_getline(&in, &rec, 0, 0, &match) == -1) {
      e = errno;
      name(fn, "todo", id, 0);
      errno = e;
      goto fail_files;
    }
    if (!match) {
      if (rec.len) { result = PREPROCESS_MALFORMED; goto fail_files; }
      break;
    }
    k = todo_record(&r->t, rec.s, rec.len - 1);
    if (k != TODO_RECIPIENT) continue;
    c = rewrite_recipient(rw, rec.s + 1, rec.len - 2, &rewritten);
    if (c == -1) goto fail_files;
    if (keep && keep->kept) {
      stralloc *m = &keep->recs[c];
      if (keep->recs[0].len + keep->recs[1].len + rewritten.len + 2 > keep->max) {
        result = PREPROCESS_TOOBIG;
        goto fail_files;
      }
      if (!stralloc_append(m, 'T') || !stralloc_cat(m, &rewritten) || !stralloc_0(m)) {
        result = PREPROCESS_TOOBIG;   /* memory is short: files then */
        goto fail_files;
      }
      r->channels |= 1 << c;
      continue;
    }
    if (out[c].fd == -1) {
      if (!name(fn, channel_dir[c], id, 1)) goto fail_files;
      out[c].fd = create_file(fn->s);
      if (out[c].fd == -1) goto fail_files;
      buf_init(&out[c].b, buf_unixwrite, out[c].fd, out[c].space, sizeof out[c].space);
      r->channels |= 1 << c;
    }
    if (buf_put(&out[c].b, "T", 1) == -1 || buf_put(&out[c].b, rewritten.s, rewritten.len) == -1 ||
        buf_put(&out[c].b, "", 1) == -1) {
      if (!name(fn, channel_dir[c], id, 1)) errno = ENOMEM;
      goto fail_files;
    }
  }
  close(fd);
  fd = -1;
  if (keep && keep->kept) {
    /* only a message for one channel stays in memory */
    if (r->channels == 3) {
      if (preprocess_write(id, r->sender.s, r->sender.len, keep->recs, 0, fn) == -1) goto fail_files;
      keep->kept = 0;
    }
    goto ok;
  }
  for (c = 0; c < 2; ++c) {
    if (!name(fn, channel_dir[c], id, 1)) goto fail_files;
    if (out[c].fd != -1) {
      if (output_close(&out[c]) == -1) goto fail_files;
    } else if (unlink(fn->s) == -1 && errno != ENOENT) {
      /* no stale file of an earlier attempt may survive for this channel */
      goto fail_files;
    }
  }
ok:
  /* bounded, like every other stored copy of external data */
  if (rec.a > 65536) stralloc_free(&rec);
  if (rewritten.a > 65536) stralloc_free(&rewritten);
  return PREPROCESS_OK;

fail_files:
  e = errno;
  for (c = 0; c < 2; ++c) if (out[c].fd != -1) { close(out[c].fd); out[c].fd = -1; }
  if (keep && keep->kept) {
    keep->kept = 0;
    keep->recs[0].len = keep->recs[1].len = 0;
  } else {
    preprocess_remove(id, &chanfn);
  }
  errno = e;
fail_read:
  e = errno;
  if (fd != -1) close(fd);
  errno = e;
  return result;
}

int preprocess(const struct rewrite_config *rw, unsigned long id,
               struct preprocess_result *r, stralloc *fn)
{
  return run(rw, id, r, fn, 0);
}

int preprocess_keep(const struct rewrite_config *rw, unsigned long id,
                    struct preprocess_result *r, stralloc *fn, struct preprocess_memory *keep)
{
  int rc = run(rw, id, r, fn, keep);
  if (rc == PREPROCESS_TOOBIG) rc = run(rw, id, r, fn, 0);
  return rc;
}

static int write_file(stralloc *fn, const char *dir, unsigned long id, const char *s, size_t n)
{
  int fd, e;
  if (!name(fn, dir, id, 1)) return -1;
  fd = create_file(fn->s);
  if (fd == -1) return -1;
  if (buf_unixwrite(fd, (char *)s, n) == -1) { e = errno; close(fd); errno = e; return -1; }
  return close(fd);
}

int preprocess_write(unsigned long id, const char *sender, size_t slen, const stralloc recs[2],
                     time_t birth, stralloc *fn)
{
  static stralloc info = STRALLOC_ZERO, other = STRALLOC_ZERO;
  int c, e;
  if (!stralloc_copyb(&info, "F", 1) || !stralloc_catb(&info, sender, slen) || !stralloc_0(&info) ||
      write_file(fn, "info", id, info.s, info.len) == -1)
    goto fail;
  if (birth) {
    /* the retry schedule counts from the message's birth */
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = birth;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    if (utimensat(AT_FDCWD, fn->s, ts, 0) == -1) goto fail;
  }
  for (c = 0; c < 2; ++c) {
    if (recs[c].len) {
      if (write_file(fn, channel_dir[c], id, recs[c].s, recs[c].len) == -1) goto fail;
    } else {
      if (!name(fn, channel_dir[c], id, 1)) goto fail;
      if (unlink(fn->s) == -1 && errno != ENOENT) goto fail;
    }
  }
  if (info.a > 65536) stralloc_free(&info);
  return 0;
fail:
  e = errno;
  preprocess_remove(id, &other);
  errno = e;
  return -1;
}
