/* commit: background fsync of preprocessed messages (see commit.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "auto.h"
#include "commit.h"
#include "queue_path.h"
#include "stralloc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int state;              /* 0 idle, 1 submitted, 2 done */
static unsigned long *batch;
static int *errs;
static size_t batch_len, batch_a;
static int qfd = -1, notify[2] = { -1, -1 };
static unsigned char *dir_seen; /* per split directory: 1 if in this batch */

static const char *const dirs[3] = { "info", "local", "remote" };

/* fsync of dir/N/ID; a missing channel file is fine (ENOENT only matters
   for info, whose absence means the message is finished) */
static int sync_file(stralloc *fn, const char *dir, unsigned long id)
{
  int fd, r;
  if (!queue_path(fn, dir, id, (int)auto_split)) return ENOMEM;
  fd = openat(qfd, fn->s, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd == -1) return errno;
  r = fsync(fd) == -1 ? errno : 0;   /* fsync-point: preprocess */
  close(fd);
  return r;
}

static int sync_dir(stralloc *fn, const char *dir, unsigned long split)
{
  int fd, r;
  if (!stralloc_copys(fn, dir) || !stralloc_append(fn, '/') || !stralloc_catulong(fn, split) ||
      !stralloc_0(fn))
    return ENOMEM;
  fd = openat(qfd, fn->s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return errno;
  r = fsync(fd) == -1 ? errno : 0;   /* fsync-point: preprocess-dir */
  close(fd);
  return r;
}

static void run_batch(void)
{
  stralloc fn = STRALLOC_ZERO;
  size_t i;
  unsigned long s;
  int d, any = 0;
  memset(dir_seen, 0, auto_split);
  for (i = 0; i < batch_len; ++i) {
    int e = sync_file(&fn, "info", batch[i]);
    for (d = 1; d < 3 && !e; ++d) {
      e = sync_file(&fn, dirs[d], batch[i]);
      if (e == ENOENT) e = 0;
    }
    errs[i] = e;
    if (!e) { dir_seen[batch[i] % auto_split] = 1; any = 1; }
  }
  /* a bounce/ID an earlier message with the same ID left was removed
     (without a flush) before this one was preprocessed: that removal must
     be durable before todo/ID goes, or a power cut brings the old failures
     back as this message's notice */
  if (any) {
    int fd = openat(qfd, "bounce", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = fd == -1 ? errno : (fsync(fd) == -1 ? errno : 0);   /* fsync-point: commit-bounce-dir */
    if (fd != -1) close(fd);
    if (e) for (i = 0; i < batch_len; ++i) if (!errs[i]) errs[i] = e;
  }
  /* the names: one fsync per directory covers every message in it */
  for (s = 0; s < auto_split; ++s) {
    int e = 0;
    if (!dir_seen[s]) continue;
    for (d = 0; d < 3 && !e; ++d) e = sync_dir(&fn, dirs[d], s);
    if (e)
      for (i = 0; i < batch_len; ++i)
        if (!errs[i] && batch[i] % auto_split == s) errs[i] = e;
  }
  stralloc_free(&fn);
}

static void *worker(void *unused)
{
  (void)unused;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (state != 1) pthread_cond_wait(&wake, &lock);
    pthread_mutex_unlock(&lock);
    run_batch();
    pthread_mutex_lock(&lock);
    state = 2;
    while (write(notify[1], "", 1) == -1 && errno == EINTR) ;
  }
  return 0;
}

int commit_init(int queuefd)
{
  pthread_t t;
  pthread_attr_t attr;
  sigset_t all, old;
  int r;
  qfd = queuefd;
  dir_seen = malloc(auto_split ? auto_split : 1);
  if (!dir_seen) return -1;
  if (pipe2(notify, O_CLOEXEC | O_NONBLOCK) == -1) return -1;
  /* signals belong to the event loop's thread */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  r = pthread_create(&t, &attr, worker, 0);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, 0);
  if (r) { errno = r; return -1; }
  return notify[0];
}

int commit_idle(void)
{
  int idle;
  pthread_mutex_lock(&lock);
  idle = state == 0;
  pthread_mutex_unlock(&lock);
  return idle;
}

int commit_submit(const unsigned long *ids, size_t n)
{
  int ok = 0;
  pthread_mutex_lock(&lock);
  if (state != 0) goto done;
  if (n > batch_a) {
    size_t b1, b2;
    unsigned long *nb;
    int *ne;
    if (__builtin_mul_overflow(n, sizeof *nb, &b1) || __builtin_mul_overflow(n, sizeof *ne, &b2)) {
      errno = ENOMEM;
      goto done;
    }
    nb = realloc(batch, b1);
    if (!nb) goto done;
    batch = nb;
    ne = realloc(errs, b2);
    if (!ne) goto done;
    errs = ne;
    batch_a = n;
  }
  memcpy(batch, ids, n * sizeof *ids);
  batch_len = n;
  state = 1;
  pthread_cond_signal(&wake);
  ok = 1;
done:
  pthread_mutex_unlock(&lock);
  return ok;
}

size_t commit_results(const unsigned long **ids, const int **err)
{
  char drain[16];
  size_t n = 0;
  while (read(notify[0], drain, sizeof drain) > 0) ;
  pthread_mutex_lock(&lock);
  if (state == 2) {
    *ids = batch;
    *err = errs;
    n = batch_len;
    state = 0;   /* the caller reads the arrays before it submits again */
  }
  pthread_mutex_unlock(&lock);
  return n;
}
