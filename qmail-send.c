/* qmail-send: the queue manager. It preprocesses committed messages in
   queue/todo (rewriting recipients into local and remote channel files),
   hands each recipient to qmail-lspawn or qmail-rspawn, records results,
   retries temporary failures on qmail's quadratic schedule, and sends
   failure notices (bounces).

   Runs as: qmails, started by qmail-start with fd 0 = activity log,
   fd 1/2 = requests to / reports from qmail-lspawn, fd 3/4 = qmail-rspawn,
   fd 5/6 = qmail-clean.
   Trusts: the spawners' and qmail-clean's protocol framing; queue files
   written by qmailq are parsed defensively (a malformed one is logged and
   skipped, never delivered).
   Exit codes: 0 after TERM once in-flight deliveries have finished;
   111 when it cannot start or loses a spawner or qmail-clean.

   Scaling: every waiting message sits in a time-keyed heap per channel, so
   an event costs O(log n) whatever the queue length; todo/ entries are
   preprocessed in bounded batches between delivery work, so injection
   cannot starve delivery. A batch is made durable with one syncfs(2) of the
   queue file system before qmail-clean removes the todo entries. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "bounce.h"
#include "buf.h"
#include "control.h"
#include "error.h"
#include "fd.h"
#include "idset.h"
#include "lock.h"
#include "map.h"
#include "prioq.h"
#include "queue_client.h"
#include "queue_path.h"
#include "rewrite.h"
#include "schedule.h"
#include "str.h"
#include "stralloc.h"
#include "todo.h"

#define REPORTMAX 10000     /* longest delivery report kept */
#define SLEEP_TODO 1500     /* rescan todo/ this often without a trigger */
#define SLEEP_SYSFAIL 123   /* retry after a system call failed */
#define SLEEP_CLEANUP 76431 /* stale-file sweep period */
#define SLEEP_FOREVER 86400 /* longest poll */
#define OSSIFIED 129600     /* 36 h: older leftovers of failed injections go */
#define TODO_BATCH 128      /* todo entries preprocessed per loop iteration */
#define TODO_GATHER_MS 20   /* wait this long for a small batch to grow */
#define DONE_BATCH 64       /* finished messages handled per loop iteration */
#define OUTQ_MAX 65536      /* request bytes queued per spawner */

static const char *const chan_name[2] = { "local", "remote" };
static const char *const chan_dir[2] = { "local", "remote" };
static const unsigned int chan_skip[2] = { SCHEDULE_SKIP_LOCAL, SCHEDULE_SKIP_REMOTE };

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t flag_exitasap, flag_runasap, flag_reread;

static void on_term(int s) { (void)s; flag_exitasap = 1; }
static void on_alrm(int s) { (void)s; flag_runasap = 1; }
static void on_hup(int s) { (void)s; flag_reread = 1; }

/* ---------------------------------------------------------------- logging */

static char log_space[8192];
static buf logb = BUF_INIT(buf_unixwrite, 0, log_space, sizeof log_space);

/* log lines must survive qmailanalog-style parsers: LF becomes '/', other
   control bytes, non-ASCII, space and '%' become '_' */
static void log_safe(const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; ++i) {
    char c = s[i];
    if (c == '\n') c = '/';
    else if ((unsigned char)c < 33 || (unsigned char)c > 126 || c == '%') c = '_';
    buf_put(&logb, &c, 1);
  }
}

static void log_s(const char *s) { buf_puts(&logb, s); }

static void log_ul(unsigned long u)
{
  char num[FMT_ULONG];
  buf_put(&logb, num, fmt_ulong(num, u));
}

static void log_flush(void) { buf_flush(&logb); }

static void log_warn_sys(const char *what, const char *fn)
{
  int e = errno;
  log_s("warning: ");
  log_s(what);
  log_s(" ");
  log_safe(fn, str_len(fn));
  log_s(": ");
  log_s(error_str(e));
  log_s("\n");
}

/* ---------------------------------------------------------- configuration */

struct config {
  stralloc me, envnoathost, bouncefrom, bouncehost, doublebouncehost, doublebounceto;
  stralloc locals_list, percenthack_list, vd_list;
  struct map locals, percenthack, vd;
  unsigned long concurrency[2];
  unsigned long lifetime;
};

static struct config cfg;
static struct rewrite_config rwcfg;

static void config_free(struct config *c)
{
  stralloc_free(&c->me);
  stralloc_free(&c->envnoathost);
  stralloc_free(&c->bouncefrom);
  stralloc_free(&c->bouncehost);
  stralloc_free(&c->doublebouncehost);
  stralloc_free(&c->doublebounceto);
  stralloc_free(&c->locals_list);
  stralloc_free(&c->percenthack_list);
  stralloc_free(&c->vd_list);
  map_free(&c->locals);
  map_free(&c->percenthack);
  map_free(&c->vd);
}

/* reads every control file qmail-send uses; paths relative to the home.
   0 ok, -1 error with *which naming the file */
static int config_read(struct config *c, const char **which)
{
  struct config z = { 0 };
  int r;
  *c = z;
  c->concurrency[0] = 10;
  c->concurrency[1] = 20;
  c->lifetime = 604800;
#define TRY(fn, call) do { *which = fn; if ((call) == -1) return -1; } while (0)
  TRY("control/me", r = control_readline(&c->me, "control/me"));
  TRY("control/envnoathost", control_rldef(&c->envnoathost, "control/envnoathost", &c->me, "envnoathost"));
  TRY("control/bouncefrom", control_rldef(&c->bouncefrom, "control/bouncefrom", 0, "MAILER-DAEMON"));
  TRY("control/bouncehost", control_rldef(&c->bouncehost, "control/bouncehost", &c->me, "bouncehost"));
  TRY("control/doublebouncehost", control_rldef(&c->doublebouncehost, "control/doublebouncehost", &c->me, "doublebouncehost"));
  TRY("control/doublebounceto", control_rldef(&c->doublebounceto, "control/doublebounceto", 0, "postmaster"));
  TRY("control/concurrencylocal", control_readint(&c->concurrency[0], "control/concurrencylocal"));
  TRY("control/concurrencyremote", control_readint(&c->concurrency[1], "control/concurrencyremote"));
  TRY("control/queuelifetime", control_readint(&c->lifetime, "control/queuelifetime"));
  TRY("control/locals", r = control_readlist(&c->locals_list, "control/locals"));
  if (r == 0) {
    if (!c->me.len) { *which = "control/locals (and control/me are missing)"; errno = ENOENT; return -1; }
    if (!stralloc_copy(&c->locals_list, &c->me) || !stralloc_0(&c->locals_list)) return -1;
  }
  TRY("control/percenthack", control_readlist(&c->percenthack_list, "control/percenthack"));
  TRY("control/virtualdomains", control_readlist(&c->vd_list, "control/virtualdomains"));
  *which = "memory";
  if (!stralloc_0(&c->envnoathost) || !stralloc_0(&c->bouncefrom) || !stralloc_0(&c->bouncehost) ||
      !stralloc_0(&c->doublebouncehost) || !stralloc_0(&c->doublebounceto))
    return -1;
  if (!map_init(&c->locals, c->locals_list.s, c->locals_list.len, 0)) return -1;
  if (!map_init(&c->percenthack, c->percenthack_list.s, c->percenthack_list.len, 0)) return -1;
  if (!map_init(&c->vd, c->vd_list.s, c->vd_list.len, 1)) return -1;
  return 0;
#undef TRY
}

static void config_activate(void)
{
  rwcfg.locals = &cfg.locals;
  rwcfg.percenthack = &cfg.percenthack;
  rwcfg.virtualdomains = &cfg.vd;
  rwcfg.envnoathost = cfg.envnoathost.s;
}

static void config_reread(void)
{
  struct config fresh;
  const char *which;
  if (chdir(auto_home) == -1) { log_warn_sys("unable to switch to", auto_home); return; }
  if (config_read(&fresh, &which) == -1) {
    log_warn_sys("unable to reread", which);
    log_s("warning: keeping the previous configuration\n");
    config_free(&fresh);
  } else {
    config_free(&cfg);
    cfg = fresh;
    config_activate();
  }
  if (chdir("queue") == -1) { log_s("alert: unable to return to the queue directory, exiting\n"); log_flush(); _exit(111); }
}

/* -------------------------------------------------------------- channels */

struct job;

struct delivery {
  int used;
  struct job *job;
  size_t recoff;          /* offset of the T record in the channel file */
  unsigned long number;   /* delivery number in the log */
};

struct job {
  int used;
  int channel;
  unsigned long id;
  int fd;                 /* channel file, open read-write for marking */
  stralloc file;          /* channel file contents */
  size_t pos;             /* next record of the pass */
  int eof;                /* the pass has walked every record */
  unsigned int inflight;
  size_t remaining;       /* T records not yet marked done */
  int dying;              /* past queuelifetime: temporary failures become permanent */
  time_t next;            /* next pass if something is left */
  stralloc sender;        /* NUL-terminated */
};

struct channel {
  int fdout, fdin;
  unsigned int slots;     /* spawner's slot count */
  unsigned int used;
  struct delivery *d;
  stralloc outq;
  size_t outpos;
  stralloc report;        /* report being assembled */
  int report_truncated;
  struct prioq pq;        /* (next attempt, id) */
  struct job *pass;
  struct job *jobs;       /* slots + 1 of them */
  int dead;
};

static struct channel chan[2];
static unsigned long delivery_counter;
static int queuefd = -1;

static unsigned long limit_of(int c)
{
  unsigned long l = cfg.concurrency[c];
  return l < chan[c].slots ? l : chan[c].slots;
}

static void log_status(void)
{
  log_s("status: local ");
  log_ul(chan[0].used); log_s("/"); log_ul(limit_of(0));
  log_s(" remote ");
  log_ul(chan[1].used); log_s("/"); log_ul(limit_of(1));
  if (flag_exitasap) log_s(" exitasap");
  log_s("\n");
}

static stralloc fn1 = STRALLOC_ZERO, fn2 = STRALLOC_ZERO;

static void nomem(void)
{
  log_s("alert: out of memory, sleeping...\n");
  log_flush();
  sleep(10);
}

static int path(stralloc *sa, const char *dir, unsigned long id, int split)
{
  while (!queue_path(sa, dir, id, split ? (int)auto_split : -1)) nomem();
  return 0;
}

/* read a whole file; 0 ok, -1 error */
static int slurp_fd(int fd, stralloc *sa)
{
  sa->len = 0;
  for (;;) {
    ssize_t r;
    if (!stralloc_readyplus(sa, 8192)) return -1;
    r = read(fd, sa->s + sa->len, sa->a - sa->len);
    if (r == -1) { if (errno == EINTR) continue; return -1; }
    if (r == 0) return 0;
    sa->len += (size_t)r;
  }
}

static int bounce_remove(unsigned long id);

/* --------------------------------------------------------- qmail-clean */

struct clean_req { unsigned long id; int todo; int channels; };

static struct {
  struct clean_req *q;
  size_t head, len, a;
  stralloc out;
  size_t outpos;
} clean;

static struct idset todo_busy = IDSET_ZERO;   /* in the todo FIFO or awaiting qmail-clean */
static struct idset bounce_ids = IDSET_ZERO;  /* messages that may have a bounce/ID file */
static struct idset foop_busy = IDSET_ZERO;   /* messages with a foop request outstanding */
static struct prioq pqdone = PRIOQ_ZERO;       /* messages whose channel files may be gone */
static struct prioq pqfail = PRIOQ_ZERO;       /* messages to re-examine after a failure */
static time_t todo_next_scan;
static int todo_scan_wanted = 1;

static void clean_request(unsigned long id, int todo, int channels)
{
  struct clean_req *r;
  if (clean.len == clean.a) {
    size_t n, bytes, i;
    struct clean_req *p;
    while (__builtin_mul_overflow(clean.a ? clean.a : 16, 2, &n) ||
           __builtin_mul_overflow(n, sizeof *p, &bytes) || !(p = malloc(bytes)))
      nomem();
    for (i = 0; i < clean.len; ++i) p[i] = clean.q[(clean.head + i) % clean.a];
    free(clean.q);
    clean.q = p;
    clean.a = n;
    clean.head = 0;
  }
  r = &clean.q[(clean.head + clean.len) % clean.a];
  r->id = id;
  r->todo = todo;
  r->channels = channels;
  if (!todo) while (!idset_add(&foop_busy, id)) nomem();
  clean.len++;
  for (;;) {
    char num[FMT_ULONG];
    size_t n = fmt_ulong(num, id);
    if (stralloc_cats(&clean.out, todo ? "todo/" : "foop/") &&
        stralloc_catb(&clean.out, num, n) && stralloc_0(&clean.out))
      break;
    nomem();
  }
}

static void schedule_now(unsigned long id, int channels, time_t t)
{
  int c;
  if (!channels) { while (!prioq_insert(&pqdone, t, id)) nomem(); return; }
  for (c = 0; c < 2; ++c)
    if (channels & (1 << c)) while (!prioq_insert(&chan[c].pq, t, id)) nomem();
}

static void clean_answer(char a, time_t t)
{
  struct clean_req r;
  if (!clean.len) {
    log_s("warning: qmail-clean sent an unexpected answer\n");
    return;
  }
  r = clean.q[clean.head];
  clean.head = (clean.head + 1) % clean.a;
  clean.len--;
  if (r.todo) {
    idset_del(&todo_busy, r.id);
    if (a == '+') {
      schedule_now(r.id, r.channels, t);
    } else {
      /* todo/ID stays; the next scan preprocesses it again */
      log_s("warning: qmail-clean unable to clean up todo/"); log_ul(r.id); log_s("\n");
      if (todo_next_scan > t + SLEEP_SYSFAIL) todo_next_scan = t + SLEEP_SYSFAIL;
    }
  } else {
    idset_del(&foop_busy, r.id);
    if (a != '+') { log_s("warning: qmail-clean unable to clean up mess/"); log_ul(r.id); log_s("\n"); }
  }
}

/* ----------------------------------------------------------- preprocessing */

static long long monotonic_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct {
  unsigned long *id;
  size_t head, len, a;
  long long since;   /* when the oldest waiting entry was found */
  int expired;       /* a poll timed out while entries waited */
} todo_fifo;

/* Group commit: one file-system flush covers a whole batch, so while
   messages keep arriving a small batch waits up to TODO_GATHER_MS for more.
   Returns the milliseconds left to wait, 0 when the batch should go now. */
static long long todo_gather_wait(void)
{
  long long left;
  if (!todo_fifo.len || todo_fifo.len >= TODO_BATCH || flag_exitasap || todo_fifo.expired) return 0;
  left = todo_fifo.since + TODO_GATHER_MS - monotonic_ms();
  /* a clock that stands still or jumps ends the wait at the next timeout */
  return left > 0 && left <= TODO_GATHER_MS ? left : 0;
}

static void todo_push(unsigned long id)
{
  if (todo_fifo.len == todo_fifo.a) {
    size_t n, bytes, i;
    unsigned long *p;
    while (__builtin_mul_overflow(todo_fifo.a ? todo_fifo.a : 64, 2, &n) ||
           __builtin_mul_overflow(n, sizeof *p, &bytes) || !(p = malloc(bytes)))
      nomem();
    for (i = 0; i < todo_fifo.len; ++i) p[i] = todo_fifo.id[(todo_fifo.head + i) % todo_fifo.a];
    free(todo_fifo.id);
    todo_fifo.id = p;
    todo_fifo.a = n;
    todo_fifo.head = 0;
  }
  todo_fifo.id[(todo_fifo.head + todo_fifo.len) % todo_fifo.a] = id;
  if (!todo_fifo.len) todo_fifo.since = monotonic_ms();
  todo_fifo.len++;
}

static unsigned long todo_pop(void)
{
  unsigned long id = todo_fifo.id[todo_fifo.head];
  todo_fifo.head = (todo_fifo.head + 1) % todo_fifo.a;
  todo_fifo.len--;
  return id;
}

static int parse_id(const char *name, unsigned long *id)
{
  size_t n = str_len(name);
  if (!n || scan_ulong(name, n, id) != n) return 0;
  return 1;
}

static int fdtrigger = -1;

static void trigger_open(void)
{
  if (fdtrigger != -1) return;
  /* read-write, so the FIFO never reports hang-up when injectors close it */
  fdtrigger = open("lock/trigger", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fdtrigger == -1) log_warn_sys("unable to open", "lock/trigger");
}

static void todo_scan(time_t t)
{
  DIR *dir;
  struct dirent *d;
  todo_scan_wanted = 0;
  todo_next_scan = t + SLEEP_TODO;
  trigger_open();
  dir = opendir("todo");
  if (!dir) {
    log_warn_sys("unable to opendir", "todo");
    todo_next_scan = t + SLEEP_SYSFAIL;
    return;
  }
  while ((d = readdir(dir))) {
    unsigned long id;
    if (!parse_id(d->d_name, &id)) continue;
    if (idset_has(&todo_busy, id)) continue;
    while (!idset_add(&todo_busy, id)) nomem();
    todo_push(id);
  }
  closedir(dir);
}

static stralloc todo_buf = STRALLOC_ZERO;
static stralloc chanbuf[2] = { STRALLOC_ZERO, STRALLOC_ZERO };
static stralloc rewritten = STRALLOC_ZERO;

static int write_file_excl(const char *fn, const char *s, size_t n)
{
  int fd = open_excl(fn, 0600);
  if (fd == -1) return -1;
  if (buf_unixwrite(fd, (void *)s, n) == -1) { int e = errno; close(fd); unlink(fn); errno = e; return -1; }
  if (close(fd) == -1) { int e = errno; unlink(fn); errno = e; return -1; }
  return 0;
}

static void remove_preprocessed(unsigned long id)
{
  path(&fn1, "info", id, 1); unlink(fn1.s);
  path(&fn1, "local", id, 1); unlink(fn1.s);
  path(&fn1, "remote", id, 1); unlink(fn1.s);
}

/* writes info and channel files for todo/ID (not yet durable).
   Returns the channel bit mask, or -1 on failure (already logged). */
static int preprocess(unsigned long id)
{
  struct todo t;
  struct stat st;
  size_t pos = 0;
  const char *rcpt;
  size_t rlen;
  int fd, c, channels = 0;
  char num[FMT_ULONG];

  path(&fn1, "todo", id, 0);
  fd = open_read(fn1.s);
  if (fd == -1) {
    if (errno != ENOENT) log_warn_sys("unable to open", fn1.s);
    return -1;
  }
  if (slurp_fd(fd, &todo_buf) == -1) { log_warn_sys("unable to read", fn1.s); close(fd); return -1; }
  close(fd);
  if (todo_parse(todo_buf.s, todo_buf.len, &t) == -1) {
    log_s("warning: malformed envelope in "); log_s(fn1.s); log_s(", leaving it alone\n");
    return -1;
  }
  log_s("new msg "); log_ul(id); log_s("\n");

  chanbuf[0].len = chanbuf[1].len = 0;
  while (todo_next_recipient(todo_buf.s, todo_buf.len, &pos, &rcpt, &rlen)) {
    while ((c = rewrite_recipient(&rwcfg, rcpt, rlen, &rewritten)) == -1) nomem();
    while (!stralloc_append(&chanbuf[c], 'T') || !stralloc_cat(&chanbuf[c], &rewritten) ||
           !stralloc_0(&chanbuf[c]))
      nomem();
    channels |= 1 << c;
  }

  path(&fn1, "mess", id, 1);
  if (stat(fn1.s, &st) == -1) {
    log_warn_sys("unable to stat", fn1.s);
    return -1;
  }

  /* a bounce file left by an earlier message with this ID is not ours */
  if (idset_has(&bounce_ids, id) && bounce_remove(id) == -1) return -1;

  /* info first: if it exists this is a second preprocessing after a crash,
     and every file of the earlier attempt goes first */
  path(&fn1, "info", id, 1);
  while (!stralloc_copys(&fn2, "F") || !stralloc_catb(&fn2, t.sender, t.sender_len) || !stralloc_0(&fn2))
    nomem();
  if (write_file_excl(fn1.s, fn2.s, fn2.len) == -1) {
    if (errno != EEXIST) { log_warn_sys("unable to create", fn1.s); return -1; }
    remove_preprocessed(id);
    path(&fn1, "info", id, 1);
    if (write_file_excl(fn1.s, fn2.s, fn2.len) == -1) { log_warn_sys("unable to create", fn1.s); return -1; }
  }
  for (c = 0; c < 2; ++c) {
    path(&fn1, chan_dir[c], id, 1);
    if (!(channels & (1 << c))) {
      /* no stale file of an earlier attempt may survive for this channel */
      if (unlink(fn1.s) == -1 && errno != ENOENT) {
        log_warn_sys("unable to unlink", fn1.s);
        remove_preprocessed(id);
        return -1;
      }
      continue;
    }
    /* a leftover without info (a queue repaired by hand, or an unusual
       crash order) is replaced: todo/ID is the authority */
    if (write_file_excl(fn1.s, chanbuf[c].s, chanbuf[c].len) == -1 &&
        (errno != EEXIST || unlink(fn1.s) == -1 ||
         write_file_excl(fn1.s, chanbuf[c].s, chanbuf[c].len) == -1)) {
      log_warn_sys("unable to create", fn1.s);
      remove_preprocessed(id);
      return -1;
    }
  }

  log_s("info msg "); log_ul(id);
  log_s(": bytes "); buf_put(&logb, num, fmt_ulong(num, (unsigned long)st.st_size));
  log_s(" from <"); log_safe(t.sender, t.sender_len);
  log_s("> qp "); log_ul(t.pid);
  log_s(" uid "); log_ul(t.uid);
  log_s("\n");
  return channels;
}

static int flush_queue_fs(void)
{
  if (syncfs(queuefd) == 0) return 0;
  if (errno != ENOSYS) return -1;
  sync();
  return 0;
}

static void todo_work(time_t t)
{
  unsigned long ids[TODO_BATCH];
  int chans[TODO_BATCH];
  size_t n = 0, i;
  if (todo_gather_wait()) return;
  while (todo_fifo.len && n < TODO_BATCH) {
    unsigned long id = todo_pop();
    int ch = preprocess(id);
    if (ch == -1) {
      idset_del(&todo_busy, id);
      if (todo_next_scan > t + SLEEP_SYSFAIL) todo_next_scan = t + SLEEP_SYSFAIL;
      continue;
    }
    ids[n] = id;
    chans[n] = ch;
    n++;
  }
  if (!todo_fifo.len) todo_fifo.expired = 0;
  if (!n) return;
  /* the batch's info and channel files must be on disk before any todo
     entry goes: one file-system flush covers them all */
  if (flush_queue_fs() == -1) {
    log_warn_sys("unable to flush", "the queue file system");
    for (i = 0; i < n; ++i) idset_del(&todo_busy, ids[i]);
    if (todo_next_scan > t + SLEEP_SYSFAIL) todo_next_scan = t + SLEEP_SYSFAIL;
    return;
  }
  for (i = 0; i < n; ++i) clean_request(ids[i], 1, chans[i]);
}

/* ------------------------------------------------------------ bounces */

static stralloc bounce_text = STRALLOC_ZERO;
static stralloc bounce_sender = STRALLOC_ZERO;
static stralloc bounce_to = STRALLOC_ZERO;
static stralloc bounce_para = STRALLOC_ZERO;

/* appends a failure paragraph to bounce/ID and makes it durable.
   0 ok, -1 failure (logged) */
static int bounce_record(unsigned long id, const char *rcpt, size_t rlen, const char *text, size_t tlen)
{
  int fd, created = 0;
  bounce_para.len = 0;
  while (!rewrite_unvirtual(&rwcfg, rcpt, rlen, &bounce_to)) nomem();
  while (!bounce_paragraph(&bounce_para, bounce_to.s, bounce_to.len, text, tlen)) {
    bounce_para.len = 0;
    nomem();
  }
  path(&fn2, "bounce", id, 0);
  fd = open(fn2.s, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd == -1 && errno == ENOENT) {
    fd = open(fn2.s, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    created = 1;
  }
  if (fd == -1) { log_warn_sys("unable to append to", fn2.s); return -1; }
  if (buf_unixwrite(fd, bounce_para.s, bounce_para.len) == -1 || fsync(fd) == -1) {
    log_warn_sys("unable to append to", fn2.s);
    close(fd);
    return -1;
  }
  if (close(fd) == -1) { log_warn_sys("unable to append to", fn2.s); return -1; }
  if (created && fsync_dir("bounce") == -1) { log_warn_sys("unable to sync", "bounce"); return -1; }
  while (!idset_add(&bounce_ids, id)) nomem();
  return 0;
}

/* reads info/ID's sender into sa (NUL-terminated); birth from its mtime */
static int read_info(unsigned long id, stralloc *sa, time_t *birth)
{
  struct stat st;
  int fd;
  path(&fn1, "info", id, 1);
  fd = open_read(fn1.s);
  if (fd == -1) return -1;
  if (fstat(fd, &st) == -1 || slurp_fd(fd, sa) == -1) { int e = errno; close(fd); errno = e; return -1; }
  close(fd);
  if (!sa->len || sa->s[0] != 'F' || sa->s[sa->len - 1] != 0) { errno = EPROTO; return -1; }
  /* drop the 'F', keep the NUL */
  {
    size_t n = byte_chr(sa->s, sa->len, 0);
    size_t i;
    for (i = 1; i <= n; ++i) sa->s[i - 1] = sa->s[i];
    sa->len = n;
  }
  if (birth) *birth = st.st_mtime;
  return 0;
}

/* removes bounce/ID once its notice is queued or discarded; a file that
   cannot be removed must not reach a later message with the same ID, so
   that is retried (0 ok, -1 retry) */
static int bounce_remove(unsigned long id)
{
  path(&fn2, "bounce", id, 0);
  if (unlink(fn2.s) == -1 && errno != ENOENT) {
    log_warn_sys("unable to unlink", fn2.s);
    return -1;
  }
  idset_del(&bounce_ids, id);
  return 0;
}

/* 0 when done with bounce/ID (sent, discarded or absent), -1 to retry,
   1 when the message has no info file any more (it was finished before) */
static int bounce_send(unsigned long id, time_t t)
{
  struct queue_client q;
  struct bounce_head h;
  const char *result;
  int fd, dbl = 0;
  char space[8192];
  ssize_t r;

  if (!idset_has(&bounce_ids, id)) return 0;
  path(&fn2, "bounce", id, 0);
  fd = open_read(fn2.s);
  if (fd == -1) {
    if (errno == ENOENT) { idset_del(&bounce_ids, id); return 0; }
    log_warn_sys("unable to open", fn2.s);
    return -1;
  }
  if (slurp_fd(fd, &bounce_para) == -1) { log_warn_sys("unable to read", fn2.s); close(fd); return -1; }
  close(fd);
  if (read_info(id, &bounce_sender, 0) == -1) {
    if (errno == ENOENT) return 1;   /* finished before: nothing to do */
    log_warn_sys("unable to read", fn1.s);
    return -1;
  }

  {
    size_t slen = bounce_sender.len - 1;
    if (slen >= 4 && byte_equal(bounce_sender.s + slen - 4, 4, "-@[]")) {
      slen -= 4;
      bounce_sender.s[slen] = 0;
      bounce_sender.len = slen + 1;
    }
    if (str_equal(bounce_sender.s, "#@[]")) {
      log_s("triple bounce: discarding bounce/"); log_ul(id); log_s("\n");
      return bounce_remove(id);
    }
    if (!slen) {
      dbl = 1;
      if (!*cfg.doublebounceto.s) {
        log_s("double bounce: discarding bounce/"); log_ul(id); log_s("\n");
        return bounce_remove(id);
      }
      while (!stralloc_copys(&bounce_to, cfg.doublebounceto.s) || !stralloc_append(&bounce_to, '@') ||
             !stralloc_cats(&bounce_to, cfg.doublebouncehost.s) || !stralloc_0(&bounce_to))
        nomem();
    } else {
      while (!stralloc_copy(&bounce_to, &bounce_sender)) nomem();
    }
  }

  h.now = t;
  h.bouncefrom = cfg.bouncefrom.s;
  h.bouncehost = cfg.bouncehost.s;
  h.to = bounce_to.s;
  h.sender = bounce_sender.s;
  h.double_bounce = dbl;
  bounce_text.len = 0;
  while (!bounce_compose(&bounce_text, &h, bounce_para.s, bounce_para.len)) { bounce_text.len = 0; nomem(); }

  path(&fn1, "mess", id, 1);
  fd = open_read(fn1.s);
  if (fd == -1) { log_warn_sys("unable to open", fn1.s); return -1; }
  if (queue_open(&q) == -1) {
    log_warn_sys("unable to start", "qmail-queue for a bounce");
    close(fd);
    return -1;
  }
  queue_put(&q, bounce_text.s, bounce_text.len);
  while ((r = read(fd, space, sizeof space)) != 0) {
    if (r == -1) {
      if (errno == EINTR) continue;
      log_warn_sys("unable to read", fn1.s);
      close(fd);
      queue_fail(&q);
      queue_close(&q);
      return -1;
    }
    queue_put(&q, space, (size_t)r);
  }
  close(fd);
  queue_from(&q, dbl ? "#@[]" : "");
  queue_to(&q, bounce_to.s);
  result = queue_close(&q);
  if (*result) {
    log_s("warning: trouble injecting bounce message, will try later: ");
    log_safe(result + 1, str_len(result + 1));
    log_s("\n");
    return -1;
  }
  log_s("bounce msg "); log_ul(id); log_s(" qp "); log_ul(queue_qp(&q)); log_s("\n");
  return bounce_remove(id);
}

/* -------------------------------------------------------- message done */

static void message_done_check(unsigned long id, time_t t)
{
  struct stat st;
  int c;
  for (c = 0; c < 2; ++c) {
    path(&fn1, chan_dir[c], id, 1);
    if (stat(fn1.s, &st) == 0) return;          /* that channel will finish later */
    if (errno != ENOENT) {
      log_warn_sys("unable to stat", fn1.s);
      while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
      return;
    }
  }
  switch (bounce_send(id, t)) {
  case -1:
    while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
    return;
  case 1:
    return;
  }
  path(&fn1, "info", id, 1);
  if (unlink(fn1.s) == -1) {
    /* gone already: this message was finished before; a second foop could
       remove a newer message that has taken over the ID */
    if (errno == ENOENT) return;
    log_warn_sys("unable to unlink", fn1.s);
    while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
    return;
  }
  log_s("end msg "); log_ul(id); log_s("\n");
  if (!idset_has(&foop_busy, id)) clean_request(id, 0, 0);
}

/* ---------------------------------------------------------- deliveries */

static struct job *job_alloc(int c)
{
  unsigned int i;
  for (i = 0; i <= chan[c].slots; ++i)
    if (!chan[c].jobs[i].used) {
      struct job *j = &chan[c].jobs[i];
      j->used = 1;
      j->channel = c;
      j->fd = -1;
      j->pos = 0;
      j->eof = 0;
      j->inflight = 0;
      j->remaining = 0;
      j->dying = 0;
      return j;
    }
  return 0;
}

static void job_close(struct job *j, time_t t)
{
  int c = j->channel;
  if (j->fd != -1) close(j->fd);
  j->fd = -1;
  j->used = 0;
  if (j->remaining) {
    while (!prioq_insert(&chan[c].pq, j->next, j->id)) nomem();
    return;
  }
  path(&fn1, chan_dir[c], j->id, 1);
  if (unlink(fn1.s) == -1 && errno != ENOENT) {
    log_warn_sys("unable to unlink", fn1.s);
    while (!prioq_insert(&chan[c].pq, t + SLEEP_SYSFAIL, j->id)) nomem();
    return;
  }
  message_done_check(j->id, t);
}

/* opens a pass over channel c of message id; 0 ok (chan[c].pass set) */
static int job_start(int c, unsigned long id, time_t t)
{
  struct job *j = job_alloc(c);
  time_t birth;
  size_t pos;
  if (!j) return -1;   /* cannot happen: jobs <= slots + 1 */
  j->id = id;
  path(&fn1, chan_dir[c], id, 1);
  j->fd = open(fn1.s, O_RDWR | O_CLOEXEC);
  if (j->fd == -1) {
    j->used = 0;
    if (errno == ENOENT) { message_done_check(id, t); return 0; }
    log_warn_sys("unable to open", fn1.s);
    while (!prioq_insert(&chan[c].pq, t + SLEEP_SYSFAIL, id)) nomem();
    return 0;
  }
  if (slurp_fd(j->fd, &j->file) == -1) {
    log_warn_sys("unable to read", fn1.s);
    goto retry;
  }
  if (read_info(id, &j->sender, &birth) == -1) {
    path(&fn1, "info", id, 1);
    log_warn_sys("unable to read", fn1.s);
    goto retry;
  }
  j->dying = schedule_dying(birth, t, cfg.lifetime);
  j->next = schedule_next(birth, t, chan_skip[c]);
  for (pos = 0; pos < j->file.len;) {
    size_t n = byte_chr(j->file.s + pos, j->file.len - pos, 0);
    if (j->file.s[pos] == 'T' && pos + n < j->file.len) j->remaining++;
    pos += n + 1;
  }
  chan[c].pass = j;
  return 0;
retry:
  close(j->fd);
  j->fd = -1;
  j->used = 0;
  while (!prioq_insert(&chan[c].pq, t + SLEEP_SYSFAIL, id)) nomem();
  return 0;
}

static stralloc verp = STRALLOC_ZERO;

static void delivery_start(int c, struct job *j, size_t off, const char *rcpt, size_t rlen)
{
  struct channel *ch = &chan[c];
  unsigned int slot;
  char num[FMT_ULONG];
  for (slot = 0; slot < ch->slots; ++slot) if (!ch->d[slot].used) break;
  ch->d[slot].used = 1;
  ch->d[slot].job = j;
  ch->d[slot].recoff = off;
  ch->d[slot].number = ++delivery_counter;
  while (!verp_sender(j->sender.s, j->sender.len - 1, rcpt, rlen, &verp)) nomem();
  for (;;) {
    size_t mark = ch->outq.len;
    char s = (char)slot;
    if (stralloc_append(&ch->outq, s) &&
        stralloc_catulong(&ch->outq, j->id % auto_split) && stralloc_append(&ch->outq, '/') &&
        stralloc_catulong(&ch->outq, j->id) && stralloc_0(&ch->outq) &&
        stralloc_cat(&ch->outq, &verp) &&
        stralloc_catb(&ch->outq, rcpt, rlen) && stralloc_0(&ch->outq))
      break;
    ch->outq.len = mark;
    nomem();
  }
  ch->used++;
  j->inflight++;
  log_s("starting delivery "); buf_put(&logb, num, fmt_ulong(num, ch->d[slot].number));
  log_s(": msg "); log_ul(j->id);
  log_s(" to "); log_s(chan_name[c]); log_s(" ");
  log_safe(rcpt, rlen);
  log_s("\n");
  log_status();
}

static void mark_done(struct job *j, size_t off)
{
  if (pwrite(j->fd, "D", 1, (off_t)off) != 1) {
    path(&fn1, chan_dir[j->channel], j->id, 1);
    log_warn_sys("unable to mark a delivery done in", fn1.s);
    /* the recipient stays T and is delivered again: a duplicate, not a loss */
    return;
  }
  j->remaining--;
}

static const char dying_text[] =
  "This message has been in the queue longer than the queue lifetime; I gave up.\n";

static void report(int c, const char *rec, size_t len, time_t t)
{
  struct channel *ch = &chan[c];
  struct delivery *d;
  struct job *j;
  unsigned int slot;
  char status;
  const char *text, *rcpt;
  size_t tlen, rlen;

  if (len < 1) {
    log_s("warning: empty delivery report from the ");
    log_s(chan_name[c]);
    log_s(" spawner\n");
    return;
  }
  slot = (unsigned char)rec[0];
  if (slot >= ch->slots || !ch->d[slot].used) {
    log_s("warning: internal error: delivery report out of range\n");
    return;
  }
  d = &ch->d[slot];
  j = d->job;
  status = len >= 2 ? rec[1] : 0;   /* no status letter: mangled */
  text = rec + (len >= 2 ? 2 : 1);
  tlen = len >= 2 ? len - 2 : 0;
  rcpt = j->file.s + d->recoff + 1;
  rlen = str_len(rcpt);

  log_s("delivery "); log_ul(d->number); log_s(": ");
  switch (status) {
  case 'K':
    log_s("success: ");
    log_safe(text, tlen);
    log_s("\n");
    mark_done(j, d->recoff);
    break;
  case 'Z':
    if (!j->dying) {
      log_s("deferral: ");
      log_safe(text, tlen);
      log_s("\n");
      break;
    }
    while (!stralloc_copyb(&bounce_text, text, tlen) ||
           (tlen && text[tlen - 1] != '\n' && !stralloc_append(&bounce_text, '\n')) ||
           !stralloc_cats(&bounce_text, dying_text))
      nomem();
    text = bounce_text.s;
    tlen = bounce_text.len;
    /* fall through: it is a permanent failure now */
    /* FALLTHROUGH */
  case 'D':
    log_s("failure: ");
    log_safe(text, tlen);
    log_s("\n");
    if (bounce_record(j->id, rcpt, rlen, text, tlen) == 0) mark_done(j, d->recoff);
    else log_s("alert: unable to record a permanent failure; the recipient stays queued\n");
    break;
  default:
    log_s("report mangled, will defer\n");
  }
  d->used = 0;
  ch->used--;
  j->inflight--;
  log_status();
  if (j->eof && !j->inflight) job_close(j, t);
}

static void channel_work(int c, time_t t)
{
  struct channel *ch = &chan[c];
  while (!flag_exitasap && !ch->dead) {
    struct job *j = ch->pass;
    if (!j) {
      struct prioq_elt e;
      if (ch->used >= limit_of(c)) return;
      if (ch->outq.len - ch->outpos > OUTQ_MAX) return;
      if (!prioq_min(&ch->pq, &e) || e.when > t) return;
      prioq_delmin(&ch->pq);
      job_start(c, e.id, t);
      continue;
    }
    while (j->pos < j->file.len) {
      size_t n, off;
      if (ch->used >= limit_of(c)) return;
      if (ch->outq.len - ch->outpos > OUTQ_MAX) return;
      off = j->pos;
      n = byte_chr(j->file.s + off, j->file.len - off, 0);
      if (off + n == j->file.len) {
        path(&fn1, chan_dir[c], j->id, 1);
        log_s("warning: ignoring a truncated record in "); log_s(fn1.s); log_s("\n");
        j->pos = j->file.len;
        break;
      }
      j->pos = off + n + 1;
      if (j->file.s[off] == 'T') delivery_start(c, j, off, j->file.s + off + 1, n - 1);
    }
    j->eof = 1;
    ch->pass = 0;
    if (!j->inflight) job_close(j, t);
  }
}

/* ------------------------------------------------------------ pipes */

static void outq_flush(int fd, stralloc *q, size_t *pos, const char *who)
{
  while (*pos < q->len) {
    ssize_t w = write(fd, q->s + *pos, q->len - *pos);
    if (w == -1) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      log_s("alert: unable to write to "); log_s(who); log_s(", exiting\n");
      log_flush();
      _exit(111);
    }
    *pos += (size_t)w;
  }
  q->len = 0;
  *pos = 0;
}

static char inspace[65536];

static void reports_read(int c, time_t t)
{
  struct channel *ch = &chan[c];
  ssize_t r = read(ch->fdin, inspace, sizeof inspace);
  ssize_t i;
  if (r == -1) {
    if (errno == EINTR || errno == EAGAIN) return;
    r = 0;
  }
  if (r == 0) {
    log_s("alert: lost connection to the ");
    log_s(chan_name[c]);
    log_s(" spawner, exiting as soon as possible\n");
    ch->dead = 1;
    flag_exitasap = 1;
    return;
  }
  for (i = 0; i < r; ++i) {
    /* the first byte of a report is the slot number, which may be 0 */
    if (inspace[i] == 0 && ch->report.len > 0) {
      report(c, ch->report.s ? ch->report.s : "", ch->report.len, t);
      ch->report.len = 0;
      ch->report_truncated = 0;
      continue;
    }
    if (ch->report.len >= REPORTMAX) { ch->report_truncated = 1; continue; }
    while (!stralloc_append(&ch->report, inspace[i])) nomem();
  }
}

static void clean_read(time_t t)
{
  char answers[512];
  ssize_t r = read(6, answers, sizeof answers), i;
  if (r == -1) {
    if (errno == EINTR || errno == EAGAIN) return;
    r = 0;
  }
  if (r == 0) {
    log_s("alert: lost connection to qmail-clean, exiting\n");
    log_flush();
    _exit(111);
  }
  for (i = 0; i < r; ++i) clean_answer(answers[i], t);
}

/* --------------------------------------------------- start-up and sweep */

static void startup_fail(const char *why);

static void rebuild_one(unsigned long id, time_t t)
{
  struct stat st;
  int c, found = 0;
  path(&fn1, "todo", id, 0);
  if (stat(fn1.s, &st) == 0) return;            /* preprocessing will redo it */
  if (errno != ENOENT) goto fail;
  {
    time_t when[2];
    int have[2];
    /* both stats first: a failure must not leave one channel queued twice */
    for (c = 0; c < 2; ++c) {
      path(&fn1, chan_dir[c], id, 1);
      have[c] = stat(fn1.s, &st) == 0;
      if (!have[c] && errno != ENOENT) goto fail;
      when[c] = have[c] ? st.st_mtime : 0;   /* the saved next-attempt time */
    }
    for (c = 0; c < 2; ++c)
      if (have[c]) {
        while (!prioq_insert(&chan[c].pq, when[c], id)) nomem();
        found = 1;
      }
  }
  if (!found) while (!prioq_insert(&pqdone, t, id)) nomem();
  return;
fail:
  log_warn_sys("unable to stat", fn1.s);
  while (!prioq_insert(&pqfail, t + SLEEP_SYSFAIL, id)) nomem();
}

static void rebuild(time_t t)
{
  unsigned int i;
  DIR *bdir = opendir("bounce");
  if (!bdir) startup_fail("unable to opendir bounce");
  {
    struct dirent *d;
    while ((d = readdir(bdir))) {
      unsigned long id;
      if (parse_id(d->d_name, &id)) while (!idset_add(&bounce_ids, id)) nomem();
    }
    closedir(bdir);
  }
  for (i = 0; i < auto_split; ++i) {
    DIR *dir;
    struct dirent *d;
    while (!stralloc_copys(&fn2, "info/") || !stralloc_catulong(&fn2, i) || !stralloc_0(&fn2)) nomem();
    dir = opendir(fn2.s);
    if (!dir) {
      log_s("alert: unable to opendir "); log_s(fn2.s); log_s(", exiting\n");
      log_flush();
      _exit(111);
    }
    while ((d = readdir(dir))) {
      unsigned long id;
      if (parse_id(d->d_name, &id)) rebuild_one(id, t);
    }
    closedir(dir);
  }
}

/* stale sweep: one mess/ subdirectory per step */
static time_t sweep_next;
static unsigned int sweep_dir;
static int sweep_active;

static void sweep_step(time_t t)
{
  DIR *dir;
  struct dirent *d;
  if (!sweep_active) {
    if (t < sweep_next) return;
    sweep_active = 1;
    sweep_dir = 0;
  }
  while (!stralloc_copys(&fn2, "mess/") || !stralloc_catulong(&fn2, sweep_dir) || !stralloc_0(&fn2)) nomem();
  dir = opendir(fn2.s);
  if (dir) {
    while ((d = readdir(dir))) {
      unsigned long id;
      struct stat st;
      if (!parse_id(d->d_name, &id) || id % auto_split != sweep_dir) continue;
      path(&fn1, "mess", id, 1);
      if (stat(fn1.s, &st) == -1 || st.st_atime >= t - OSSIFIED) continue;
      /* S2/S3 leftover of an injection that never committed */
      path(&fn1, "info", id, 1);
      if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
      path(&fn1, "todo", id, 0);
      if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
      if (!idset_has(&todo_busy, id) && !idset_has(&foop_busy, id)) clean_request(id, 0, 0);
    }
    closedir(dir);
  }
  if (++sweep_dir >= auto_split) {
    sweep_active = 0;
    sweep_next = t + SLEEP_CLEANUP;
  }
}

/* save each waiting message's next attempt in its channel file's mtime */
static void save_schedule(void)
{
  int c;
  for (c = 0; c < 2; ++c) {
    struct prioq_elt e;
    while (prioq_min(&chan[c].pq, &e)) {
      struct timeval tv[2];
      prioq_delmin(&chan[c].pq);
      tv[0].tv_sec = tv[1].tv_sec = e.when;
      tv[0].tv_usec = tv[1].tv_usec = 0;
      path(&fn1, chan_dir[c], e.id, 1);
      utimes(fn1.s, tv);
    }
  }
}

static void startup_fail(const char *why)
{
  log_s("alert: cannot start: ");
  log_s(why);
  log_s("\n");
  log_flush();
  _exit(111);
}

static void channels_init(void)
{
  int c;
  for (c = 0; c < 2; ++c) {
    unsigned char byte;
    ssize_t r;
    struct channel *ch = &chan[c];
    ch->fdout = 1 + 2 * c;
    ch->fdin = 2 + 2 * c;
    do r = read(ch->fdin, &byte, 1); while (r == -1 && errno == EINTR);
    if (r != 1) startup_fail(c ? "hath the remote spawner no slots?" : "hath the local spawner no slots?");
    ch->slots = byte;
    ch->d = calloc(byte ? byte : 1, sizeof *ch->d);
    ch->jobs = calloc((size_t)byte + 1, sizeof *ch->jobs);
    if (!ch->d || !ch->jobs) startup_fail("out of memory");
    if (fd_nonblock(ch->fdout) == -1 || fd_nonblock(ch->fdin) == -1)
      startup_fail("unable to set up the spawner pipes");
  }
  if (fd_nonblock(5) == -1 || fd_nonblock(6) == -1) startup_fail("unable to set up the qmail-clean pipes");
}

/* ------------------------------------------------------------- main loop */

static int busy_now(time_t t)
{
  int c;
  if (flag_exitasap) return 0;
  if (todo_fifo.len && !todo_gather_wait()) return 1;
  for (c = 0; c < 2; ++c) {
    struct prioq_elt e;
    if (chan[c].dead || flag_exitasap) continue;
    if (chan[c].used >= limit_of(c)) continue;
    if (chan[c].pass) return 1;
    if (prioq_min(&chan[c].pq, &e) && e.when <= t) return 1;
  }
  return 0;
}

static time_t next_wake(time_t t)
{
  time_t w = t + SLEEP_FOREVER;
  struct prioq_elt e;
  int c;
  if (flag_exitasap) return w;
  if (todo_next_scan < w) w = todo_next_scan;
  if (!sweep_active && sweep_next < w) w = sweep_next;
  if (sweep_active) w = t;
  if (prioq_min(&pqdone, &e) && e.when < w) w = e.when;
  if (prioq_min(&pqfail, &e) && e.when < w) w = e.when;
  for (c = 0; c < 2; ++c)
    if (chan[c].used < limit_of(c) && prioq_min(&chan[c].pq, &e) && e.when < w) w = e.when;
  return w;
}

static void mainloop(sigset_t *waitmask)
{
  for (;;) {
    struct pollfd p[8];
    int np = 0, ip_trig = -1, ip_in[2] = { -1, -1 }, ip_out[2] = { -1, -1 }, ip_cin = -1, ip_cout = -1;
    int c, i, timeout_ms;
    struct timespec ts;
    time_t t = time(0);
    struct prioq_elt e;

    if (flag_reread) { flag_reread = 0; config_reread(); log_status(); }
    if (flag_runasap) {
      flag_runasap = 0;
      prioq_setall(&chan[0].pq, t);
      prioq_setall(&chan[1].pq, t);
      prioq_setall(&pqfail, t);
      todo_scan_wanted = 1;
    }
    if (flag_exitasap) {
      int busy = 0;
      for (c = 0; c < 2; ++c) if (!chan[c].dead && chan[c].used) busy = 1;
      if (!busy) return;
    }

    if (!flag_exitasap) {
      for (i = 0; i < DONE_BATCH && prioq_min(&pqdone, &e) && e.when <= t; ++i) {
        prioq_delmin(&pqdone);
        message_done_check(e.id, t);
      }
      for (i = 0; i < DONE_BATCH && prioq_min(&pqfail, &e) && e.when <= t; ++i) {
        prioq_delmin(&pqfail);
        rebuild_one(e.id, t);
      }
      for (c = 0; c < 2; ++c) channel_work(c, t);
      sweep_step(t);
      /* requests out before the (slow) preprocessing flush: a finished
         message's foop request should not wait behind a syncfs */
      for (c = 0; c < 2; ++c)
        if (!chan[c].dead) outq_flush(chan[c].fdout, &chan[c].outq, &chan[c].outpos, chan_name[c]);
      outq_flush(5, &clean.out, &clean.outpos, "qmail-clean");
      log_flush();
      /* with a batch's worth already waiting a rescan would only find the
         same entries again: a backlog is read once, not once per trigger */
      if ((todo_scan_wanted || t >= todo_next_scan) && todo_fifo.len < TODO_BATCH) todo_scan(t);
      todo_work(t);
    }
    for (c = 0; c < 2; ++c)
      if (!chan[c].dead) outq_flush(chan[c].fdout, &chan[c].outq, &chan[c].outpos, chan_name[c]);
    outq_flush(5, &clean.out, &clean.outpos, "qmail-clean");
    log_flush();

    if (fdtrigger != -1) { p[np].fd = fdtrigger; p[np].events = POLLIN; ip_trig = np++; }
    for (c = 0; c < 2; ++c) {
      if (chan[c].dead) continue;
      p[np].fd = chan[c].fdin; p[np].events = POLLIN; ip_in[c] = np++;
      if (chan[c].outpos < chan[c].outq.len) { p[np].fd = chan[c].fdout; p[np].events = POLLOUT; ip_out[c] = np++; }
    }
    if (clean.len) { p[np].fd = 6; p[np].events = POLLIN; ip_cin = np++; }
    if (clean.outpos < clean.out.len) { p[np].fd = 5; p[np].events = POLLOUT; ip_cout = np++; }

    if (busy_now(t)) timeout_ms = 0;
    else {
      time_t w = next_wake(t);
      long long gather = todo_gather_wait();
      timeout_ms = w <= t ? 0 : (w - t > SLEEP_FOREVER ? SLEEP_FOREVER : (int)(w - t)) * 1000;
      if (gather && gather < timeout_ms) timeout_ms = (int)gather;
    }
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    i = ppoll(p, (nfds_t)np, &ts, waitmask);
    if (i == 0 && todo_fifo.len) todo_fifo.expired = 1;
    if (i <= 0) continue;
    /* a signal that arrived while descriptors were ready stays pending
       (blocked again on return): let its handler run now */
    {
      sigset_t pending;
      if (sigpending(&pending) == 0 &&
          (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGALRM) == 1 ||
           sigismember(&pending, SIGHUP) == 1)) {
        sigset_t old;
        sigprocmask(SIG_SETMASK, waitmask, &old);
        sigprocmask(SIG_SETMASK, &old, 0);
      }
    }
    t = time(0);

    if (ip_trig != -1 && (p[ip_trig].revents & (POLLIN | POLLHUP | POLLERR))) {
      char drain[256];
      while (read(fdtrigger, drain, sizeof drain) > 0) ;
      todo_scan_wanted = 1;
    }
    for (c = 0; c < 2; ++c) {
      if (ip_in[c] != -1 && (p[ip_in[c]].revents & (POLLIN | POLLHUP | POLLERR))) reports_read(c, t);
      if (ip_out[c] != -1 && (p[ip_out[c]].revents & (POLLOUT | POLLERR | POLLHUP)))
        outq_flush(chan[c].fdout, &chan[c].outq, &chan[c].outpos, chan_name[c]);
    }
    if (ip_cin != -1 && (p[ip_cin].revents & (POLLIN | POLLHUP | POLLERR))) clean_read(t);
    if (ip_cout != -1 && (p[ip_cout].revents & (POLLOUT | POLLERR | POLLHUP)))
      outq_flush(5, &clean.out, &clean.outpos, "qmail-clean");
  }
}

int main(void)
{
  const char *which;
  sigset_t block, waitmask;
  int fdmutex, c;
  time_t t;

  if (chdir(auto_home) == -1) startup_fail("unable to switch to the home directory");
  if (config_read(&cfg, &which) == -1) {
    log_s("alert: cannot start: unable to read ");
    log_s(which);
    log_s("\n");
    log_flush();
    _exit(111);
  }
  config_activate();
  if (chdir("queue") == -1) startup_fail("unable to switch to the queue directory");
  queuefd = open_dir(".");
  if (queuefd == -1) startup_fail("unable to open the queue directory");

  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGALRM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &waitmask);
  sigdelset(&waitmask, SIGTERM);
  sigdelset(&waitmask, SIGALRM);
  sigdelset(&waitmask, SIGHUP);
  {
    struct sigaction sa;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_term; sigaction(SIGTERM, &sa, 0);
    sa.sa_handler = on_alrm; sigaction(SIGALRM, &sa, 0);
    sa.sa_handler = on_hup; sigaction(SIGHUP, &sa, 0);
  }
  umask(077);

  fdmutex = open("lock/sendmutex", O_WRONLY | O_CLOEXEC);
  if (fdmutex == -1) startup_fail("unable to open lock/sendmutex");
  if (lock_exnb(fdmutex) == -1) startup_fail("qmail-send is already running");

  channels_init();
  t = time(0);
  rebuild(t);
  trigger_open();
  todo_next_scan = t;
  sweep_next = t + SLEEP_CLEANUP;
  log_status();
  log_flush();

  mainloop(&waitmask);

  save_schedule();
  for (c = 0; c < 2; ++c) if (chan[c].dead) { log_s("status: exiting\n"); log_flush(); _exit(111); }
  log_s("status: exiting\n");
  log_flush();
  return 0;
}
