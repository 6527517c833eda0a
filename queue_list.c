/* queue_list: listing and counting the queue (see queue_list.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fd.h"
#include "queue_list.h"
#include "queue_path.h"
#include "readfile.h"
#include "str.h"

static int parse_id(const char *name, unsigned long *id)
{
  size_t n = str_len(name);
  return n && scan_ulong(name, n, id) == n;
}

static int ids_add(struct queue_ids *q, unsigned long id)
{
  if (q->len == q->a) {
    size_t a = q->a ? q->a : 64;
    unsigned long *p;
    if (__builtin_mul_overflow(a, 2, &a) || a > ((size_t)-1) / sizeof *p) { errno = ENOMEM; return 0; }
    p = realloc(q->id, a * sizeof *p);
    if (!p) return 0;
    q->id = p;
    q->a = a;
  }
  q->id[q->len++] = id;
  return 1;
}

void queue_ids_free(struct queue_ids *q)
{
  free(q->id);
  q->id = 0;
  q->len = q->a = 0;
}

/* calls found(x, id) for each ID named in directory fn; 0 ok, -1 error */
static int scan_dir(const char *fn, int (*found)(void *, unsigned long), void *x)
{
  DIR *dir = opendir(fn);
  struct dirent *d;
  int e;
  if (!dir) return -1;
  for (;;) {
    unsigned long id;
    errno = 0;
    d = readdir(dir);
    if (!d) break;
    if (parse_id(d->d_name, &id) && !found(x, id)) { e = errno; closedir(dir); errno = e; return -1; }
  }
  e = errno;
  closedir(dir);
  errno = e;
  return e ? -1 : 0;
}

static int found_id(void *x, unsigned long id) { return ids_add(x, id); }

static int compare_ids(const void *a, const void *b)
{
  unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
  return x < y ? -1 : x > y;
}

static int subdir(stralloc *fn, const char *dir, unsigned int i)
{
  return stralloc_copys(fn, dir) && stralloc_append(fn, '/') &&
         stralloc_catulong(fn, i) && stralloc_0(fn);
}

int queue_list_ids(struct queue_ids *q, unsigned int split, stralloc *fn)
{
  unsigned int i;
  size_t j, k;
  q->len = 0;
  /* info/ before todo/: a message committed meanwhile (todo/ID gone,
     info/N/ID made before) is then seen in one of them */
  for (i = 0; i < split; ++i) {
    if (!subdir(fn, "info", i)) return -1;
    if (scan_dir(fn->s, found_id, q) == -1) return -1;
  }
  if (!stralloc_copys(fn, "todo") || !stralloc_0(fn)) return -1;
  if (scan_dir(fn->s, found_id, q) == -1) return -1;
  if (!q->len) return 0;
  qsort(q->id, q->len, sizeof *q->id, compare_ids);
  for (j = 1, k = 1; j < q->len; ++j)
    if (q->id[j] != q->id[k - 1]) q->id[k++] = q->id[j];
  q->len = k;
  return 0;
}

static int found_count(void *x, unsigned long id)
{
  (void)id;
  ++*(unsigned long *)x;
  return 1;
}

int queue_count(unsigned long *mess, unsigned long *todo, unsigned int split, stralloc *fn)
{
  unsigned int i;
  *mess = *todo = 0;
  for (i = 0; i < split; ++i) {
    if (!subdir(fn, "mess", i)) return -1;
    if (scan_dir(fn->s, found_count, mess) == -1) return -1;
  }
  if (!stralloc_copys(fn, "todo") || !stralloc_0(fn)) return -1;
  return scan_dir(fn->s, found_count, todo);
}

static const char month[12][4] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

int queue_list_date(stralloc *out, time_t t)
{
  struct tm tm;
  if (!gmtime_r(&t, &tm)) { errno = EOVERFLOW; return 0; }
  return stralloc_catulong(out, (unsigned long)tm.tm_mday) && stralloc_append(out, ' ') &&
         stralloc_cats(out, month[tm.tm_mon % 12]) && stralloc_append(out, ' ') &&
         stralloc_catulong(out, (unsigned long)tm.tm_year + 1900) && stralloc_append(out, ' ') &&
         stralloc_catulong0(out, (unsigned long)tm.tm_hour, 2) && stralloc_append(out, ':') &&
         stralloc_catulong0(out, (unsigned long)tm.tm_min, 2) && stralloc_append(out, ':') &&
         stralloc_catulong0(out, (unsigned long)tm.tm_sec, 2) && stralloc_cats(out, " GMT");
}

/* s[0..n) with every byte outside 32..126 as "_" */
static int cat_safe(stralloc *out, const char *s, size_t n)
{
  size_t i;
  if (!stralloc_readyplus(out, n)) return 0;
  for (i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)s[i];
    out->s[out->len++] = c >= 32 && c <= 126 ? (char)c : '_';
  }
  return 1;
}

/* reads fn whole into sa: 1 read (*st its status), 0 it does not exist,
   -1 error. qmail-qread runs as root over files the queue's accounts
   write: a symbolic link is not followed (ELOOP) and anything but a
   regular file (a FIFO would block the read) is refused (EINVAL). */
static int read_file(const char *fn, stralloc *sa, struct stat *st)
{
  int fd = open(fn, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), e;
  if (fd == -1) return errno == ENOENT ? 0 : -1;
  if (fstat(fd, st) == -1 || (!S_ISREG(st->st_mode) && (errno = EINVAL)) || read_all(fd, sa, 0) == -1) {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  close(fd);
  return 1;
}

static int header(stralloc *out, time_t t, unsigned long id, unsigned long long size,
                  const char *sender, size_t slen, int bouncing)
{
  return queue_list_date(out, t) && stralloc_cats(out, "  #") && stralloc_catulong(out, id) &&
         stralloc_cats(out, "  ") && stralloc_catulong(out, (unsigned long)size) &&
         stralloc_cats(out, "  <") && cat_safe(out, sender, slen) && stralloc_cats(out, "> ") &&
         (!bouncing || stralloc_cats(out, " bouncing")) && stralloc_append(out, '\n');
}

/* one line per complete record of a channel file (a record cut short is
   one being written now) */
static int channel_lines(stralloc *out, const stralloc *recs, const char *channel)
{
  size_t i = 0, n;
  while (i < recs->len) {
    n = byte_chr(recs->s + i, recs->len - i, 0);
    if (i + n == recs->len) break;
    if (n && (recs->s[i] == 'T' || recs->s[i] == 'D')) {
      if (!stralloc_cats(out, recs->s[i] == 'D' ? "  done\t" : "\t") ||
          !stralloc_cats(out, channel) || !stralloc_append(out, '\t') ||
          !cat_safe(out, recs->s + i + 1, n - 1) || !stralloc_append(out, '\n'))
        return 0;
    }
    i += n + 1;
  }
  return 1;
}

/* the envelope todo/ID: its F record into header, its T records as lines */
static int todo_lines(stralloc *out, const stralloc *env, time_t t, unsigned long id,
                      unsigned long long size, int bouncing)
{
  size_t i = 0, n;
  int seen_sender = 0;
  while (i < env->len) {
    n = byte_chr(env->s + i, env->len - i, 0);
    if (i + n == env->len) break;
    if (n && env->s[i] == 'F' && !seen_sender) {
      if (!header(out, t, id, size, env->s + i + 1, n - 1, bouncing)) return 0;
      seen_sender = 1;
    } else if (n && env->s[i] == 'T' && seen_sender) {
      if (!stralloc_cats(out, "\ttodo\t") || !cat_safe(out, env->s + i + 1, n - 1) ||
          !stralloc_append(out, '\n'))
        return 0;
    }
    i += n + 1;
  }
  /* no F record: qmail-send leaves such an envelope alone; show it anyway */
  return seen_sender || header(out, t, id, size, "", 0, bouncing);
}

/* 1 when fn exists (a link counts, not followed), 0 not, -1 error */
static int exists(const char *fn)
{
  struct stat st;
  if (lstat(fn, &st) == 0) return 1;
  return errno == ENOENT ? 0 : -1;
}

int queue_list_message(stralloc *out, unsigned long id, unsigned int split, stralloc *fn)
{
  static stralloc info = STRALLOC_ZERO, chan[2] = { STRALLOC_ZERO, STRALLOC_ZERO };
  static const char *const chan_name[2] = { "local", "remote" };
  size_t len = out->len;
  struct stat st, infost;
  unsigned long long size;
  int have[2], c, r, bouncing;

  if (!queue_path(fn, "mess", id, (int)split)) return -1;
  if (lstat(fn->s, &st) == -1) return errno == ENOENT ? 0 : -1;
  size = (unsigned long long)st.st_size;
  if (!queue_path(fn, "bounce", id, -1)) return -1;
  if ((bouncing = exists(fn->s)) == -1) return -1;

  if (!queue_path(fn, "info", id, (int)split)) return -1;
  r = read_file(fn->s, &info, &infost);
  if (r == -1) return -1;
  if (r == 1) {
    size_t n = byte_chr(info.s, info.len, 0);
    for (c = 0; c < 2; ++c) {
      if (!queue_path(fn, chan_name[c], id, (int)split)) return -1;
      have[c] = read_file(fn->s, &chan[c], &st);
      if (have[c] == -1) return -1;
    }
    if (!have[0] && !have[1]) {
      /* info/N/ID written, its channel files not yet: being preprocessed
         (todo/ID is still there), else finished and about to go */
      if (!queue_path(fn, "todo", id, -1)) return -1;
      if ((r = exists(fn->s)) == -1) return -1;
    }
    if (have[0] || have[1] || !r) {
      /* "F" sender NUL; a file cut short is one being written now */
      if (n == info.len || !n || info.s[0] != 'F') return 0;
      if (!header(out, infost.st_mtime, id, size, info.s + 1, n - 1, bouncing)) goto nomem;
      for (c = 0; c < 2; ++c)
        if (have[c] && !channel_lines(out, &chan[c], chan_name[c])) goto nomem;
      return 1;
    }
  }

  if (!queue_path(fn, "todo", id, -1)) return -1;
  r = read_file(fn->s, &info, &st);
  if (r != 1) return r;
  if (!todo_lines(out, &info, st.st_mtime, id, size, bouncing)) goto nomem;
  return 1;
nomem:
  out->len = len;
  return -1;
}
