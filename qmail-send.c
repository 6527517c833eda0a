/* qmail-send: the queue manager. It preprocesses committed messages in
   queue/todo (rewriting recipients into local and remote channel files),
   hands each recipient to qmail-lspawn or qmail-rspawn, records results,
   retries temporary failures on qmail's quadratic schedule, and sends
   failure notices (bounces).

   Runs as: qmails, started by qmail-start with fd 0 = activity log,
   fd 1/2 = requests to / reports from qmail-lspawn, fd 3/4 = qmail-rspawn,
   fd 5/6 = qmail-clean. These are close-on-exec here: a program it runs
   (qmail-queue for a bounce) gets only what its protocol names.
   Trusts: the spawners' and qmail-clean's protocol framing; queue files
   written by qmailq are parsed defensively (a malformed one is logged and
   skipped, never delivered).
   Exit codes: 0 after TERM once in-flight deliveries have finished;
   111 when it cannot start or loses a spawner or qmail-clean.

   The concerns live in modules: channel (the per-channel scheduler),
   preprocess (todo -> info and channel files), commit (background fsync
   before todo entries go), notice (bounces), cleanq (qmail-clean
   requests), sendlog (the activity log). This file is the event loop and
   the life cycle of a message:

     todo/ID seen -> preprocessed (a message for one channel into memory,
          module fresh; any other into info and channel files)
       -> deliveries start at once
       -> every recipient done: bounce queued, info removed (a message in
          memory has none), then todo/ID (if still there) and mess/ID
          removed by qmail-clean
       -> a pass ends with recipients left: a message in memory gets its
          info and channel files; they are fsynced by the commit thread,
          then todo/ID goes.

   A message is thus never flushed twice: one delivered at the first
   attempt costs no fsync here at all (and, when it was kept in memory, no
   info or channel file either), and a crash before its commit only
   makes the next qmail-send preprocess it again from todo/ID (recipients
   already delivered may be delivered again; nothing is lost). */

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
#include "channel.h"
#include "cleanq.h"
#include "commit.h"
#include "control.h"
#include "fd.h"
#include "fresh.h"
#include "idset.h"
#include "lock.h"
#include "map.h"
#include "notice.h"
#include "preprocess.h"
#include "prioq.h"
#include "queue_path.h"
#include "rewrite.h"
#include "ring.h"
#include "sendlog.h"
#include "spawn.h"
#include "str.h"
#include "stralloc.h"

#define SLEEP_TODO 1500     /* rescan todo/ this often without a trigger */
#define SLEEP_SYSFAIL 123   /* retry after a system call failed */
#define SLEEP_CLEANUP 76431 /* stale-file sweep period */
#define SLEEP_FOREVER 86400 /* longest poll */
#define OSSIFIED 129600     /* 36 h: older leftovers of failed injections go */
#define TODO_BATCH 128      /* todo entries preprocessed per loop iteration */
#define DONE_BATCH 64       /* finished messages handled per loop iteration */
#define SWEEP_BATCH 64      /* directory entries examined per loop iteration */
#define COMMIT_BATCH 1024   /* messages per background commit */

/* clean request tags: what the answer means */
#define TAG_COMMITTED 0     /* todo/ID of a durable message */
#define TAG_FINISHED 1      /* todo/ID of a finished message: mess/ID next */
#define TAG_LEFTOVER 2      /* todo/ID without mess/ID */
#define TAG_MESS 3          /* mess/ID of a finished message */

static volatile sig_atomic_t flag_exitasap, flag_runasap, flag_reread;

static void on_term(int s) { (void)s; flag_exitasap = 1; }
static void on_alrm(int s) { (void)s; flag_runasap = 1; }
static void on_hup(int s) { (void)s; flag_reread = 1; }

static void nomem(void)
{
  log_s("alert: out of memory, sleeping...\n");
  log_flush();
  sleep(10);
}

/* ---------------------------------------------------------- configuration */

struct config {
  struct rewrite_control rw;  /* me, envnoathost, locals, percenthack, virtualdomains */
  stralloc bouncefrom, bouncehost, doublebouncehost, doublebounceto;
  unsigned long concurrency[2];
  unsigned long concurrencydomain;  /* 0: no per-domain limit */
  unsigned long concurrencytotal;   /* 0: no limit over both channels */
  unsigned long maxrcptremote;
  unsigned long lifetime;
};

static struct config cfg;
static struct rewrite_config rwcfg;
static struct notice_config ncfg;
static struct channel chan[2];
static struct channel_total total;

static void config_free(struct config *c)
{
  rewrite_control_free(&c->rw);
  stralloc_free(&c->bouncefrom);
  stralloc_free(&c->bouncehost);
  stralloc_free(&c->doublebouncehost);
  stralloc_free(&c->doublebounceto);
}

/* reads every control file qmail-send uses; paths relative to the home.
   0 ok, -1 error with *which naming the file */
static int config_read(struct config *c, const char **which)
{
  struct config z = { 0 };
  *c = z;
  c->concurrency[0] = 10;
  c->concurrency[1] = 20;
  c->maxrcptremote = 100;
  c->lifetime = 604800;
#define TRY(fn, call) do { *which = fn; if ((call) == -1) return -1; } while (0)
  if (rewrite_control_read(&c->rw, which) == -1) return -1;
  TRY("control/bouncefrom", control_rldef(&c->bouncefrom, "control/bouncefrom", 0, "MAILER-DAEMON"));
  TRY("control/bouncehost", control_rldef(&c->bouncehost, "control/bouncehost", &c->rw.me, "bouncehost"));
  TRY("control/doublebouncehost", control_rldef(&c->doublebouncehost, "control/doublebouncehost", &c->rw.me, "doublebouncehost"));
  TRY("control/doublebounceto", control_rldef(&c->doublebounceto, "control/doublebounceto", 0, "postmaster"));
  TRY("control/concurrencylocal", control_readint(&c->concurrency[0], "control/concurrencylocal"));
  TRY("control/concurrencyremote", control_readint(&c->concurrency[1], "control/concurrencyremote"));
  /* a quarter of the remote slots per domain: three domains that hold
     every connection open (dead hosts, tarpits) still leave a quarter
     of the slots to all the others */
  c->concurrencydomain = c->concurrency[1] / 4 ? c->concurrency[1] / 4 : 1;
  c->concurrencytotal = 0;
  TRY("control/concurrencydomain", control_readint(&c->concurrencydomain, "control/concurrencydomain"));
  TRY("control/concurrencytotal", control_readint(&c->concurrencytotal, "control/concurrencytotal"));
  TRY("control/maxrcptremote", control_readint(&c->maxrcptremote, "control/maxrcptremote"));
  TRY("control/queuelifetime", control_readint(&c->lifetime, "control/queuelifetime"));
  *which = "memory";
  if (!stralloc_0(&c->bouncefrom) || !stralloc_0(&c->bouncehost) ||
      !stralloc_0(&c->doublebouncehost) || !stralloc_0(&c->doublebounceto))
    return -1;
  return 0;
#undef TRY
}

static void config_activate(void)
{
  int c;
  /* cfg was copied: point at its own maps, not those of the copy's source */
  rwcfg.locals = &cfg.rw.locals;
  rwcfg.percenthack = &cfg.rw.percenthack;
  rwcfg.virtualdomains = &cfg.rw.vd;
  rwcfg.envnoathost = cfg.rw.envnoathost.s;
  ncfg.rw = &rwcfg;
  ncfg.bouncefrom = cfg.bouncefrom.s;
  ncfg.bouncehost = cfg.bouncehost.s;
  ncfg.doublebounceto = cfg.doublebounceto.s;
  ncfg.doublebouncehost = cfg.doublebouncehost.s;
  notice_configure(&ncfg);
  for (c = 0; c < 2; ++c) {
    chan[c].concurrency = cfg.concurrency[c];
    chan[c].lifetime = cfg.lifetime;
  }
  chan[1].domainlimit = cfg.concurrencydomain;   /* 0: none */
  total.limit = cfg.concurrencytotal ? cfg.concurrencytotal : (unsigned long)-1;
  chan[0].total = chan[1].total = &total;
  /* a higher limit has free slots for messages waiting now */
  channel_domains_wake(&chan[1]);
  /* 0 reads as qmail's one recipient per delivery */
  chan[1].maxrcpt = cfg.maxrcptremote < 1 ? 1
                  : cfg.maxrcptremote > SPAWN_RECIPIENTS_MAX ? SPAWN_RECIPIENTS_MAX : cfg.maxrcptremote;
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

/* ------------------------------------------------------------ message state */

static stralloc fn1 = STRALLOC_ZERO;

static struct cleanq clean = CLEANQ_ZERO;
static struct idset todo_busy = IDSET_ZERO;   /* todo/ID known: queued, preprocessed or being removed */
static struct idset uncommitted = IDSET_ZERO; /* preprocessed, todo/ID still there */
static struct idset committing = IDSET_ZERO;  /* submitted to the commit thread */
static struct idset done_waiting = IDSET_ZERO; /* finished while committing */
static struct idset foop_busy = IDSET_ZERO;   /* mess/ID removal outstanding */
static struct prioq pqcommit = PRIOQ_ZERO;    /* messages to make durable */
static struct prioq pqdone = PRIOQ_ZERO;      /* messages whose channel files may be gone */
static struct prioq pqfail = PRIOQ_ZERO;      /* messages to re-examine after a failure */
static struct prioq pqclean = PRIOQ_ZERO;     /* todo/ID removals to ask for again */
static struct idset clean_then_mess = IDSET_ZERO; /* ...of finished messages: mess/ID next */
static struct ring todo_fifo = RING_ZERO(sizeof(unsigned long));
static time_t todo_next_scan;
static int todo_scan_wanted = 1;
static int queuefd = -1, commitfd = -1;

static void path(stralloc *sa, const char *dir, unsigned long id, int split)
{
  while (!queue_path(sa, dir, id, split ? (int)auto_split : -1)) nomem();
}

static void clean_request(unsigned long id, int kind, int tag)
{
  if (kind == CLEAN_MESS) {
    if (idset_has(&foop_busy, id)) return;
    while (!idset_add(&foop_busy, id)) nomem();
  }
  while (!cleanq_request(&clean, id, kind, tag)) nomem();
}

static void log_status(void)
{
  log_s("status: local ");
  log_ul(chan[0].used); log_s("/"); log_ul(channel_limit(&chan[0]));
  log_s(" remote ");
  log_ul(chan[1].used); log_s("/"); log_ul(channel_limit(&chan[1]));
  if (flag_exitasap) log_s(" exitasap");
  log_s("\n");
}

static void rebuild_one(unsigned long id, time_t t);

/* every channel is done: queue the bounce, remove info, then todo/ID (if
   still there) and mess/ID */
static void message_done_check(unsigned long id, time_t t)
{
  struct stat st;
  struct fresh *f;
  int c;
  if (idset_has(&committing, id)) {
    /* the commit thread may hold this ID's files: an ID freed now could be
       reused by a new message before its result arrives */
    while (!idset_add(&done_waiting, id)) nomem();
    return;
  }
  f = fresh_get(id);
  if (f) {
    if (f->channel >= 0 && !f->done) return;    /* its pass will finish later */
  } else {
    for (c = 0; c < 2; ++c) {
      path(&fn1, chan[c].name, id, 1);
      if (stat(fn1.s, &st) == 0) return;          /* that channel will finish later */
      if (errno != ENOENT) {
        log_warn_sys("unable to stat", fn1.s);
        while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
        return;
      }
    }
  }
  switch (notice_send(id, t, f ? f->sender.s : 0)) {
  case -1:
    while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
    return;
  case 1:
    return;
  }
  if (f) {
    fresh_del(id);   /* it never had an info file */
  } else {
    path(&fn1, "info", id, 1);
    if (unlink(fn1.s) == -1) {
      /* gone already: this message was finished before; a second foop could
         remove a newer message that has taken over the ID */
      if (errno == ENOENT) return;
      log_warn_sys("unable to unlink", fn1.s);
      while (!prioq_insert(&pqdone, t + SLEEP_SYSFAIL, id)) nomem();
      return;
    }
  }
  log_s("end msg "); log_ul(id); log_s("\n");
  /* todo/ID before mess/ID: a todo entry without its message would be
     stuck, a message without todo, info or intd is only swept later */
  if (idset_has(&uncommitted, id)) {
    idset_del(&uncommitted, id);
    clean_request(id, CLEAN_TODO, TAG_FINISHED);
  } else {
    clean_request(id, CLEAN_MESS, TAG_MESS);
  }
}

/* writes the info and channel files of a message kept in memory; its entry
   goes unless a pass is reading it. 0 ok (or nothing kept), -1 failed
   (logged; the message stays in memory and todo/ID stays) */
static int fresh_write_out(unsigned long id)
{
  struct fresh *f = fresh_get(id);
  stralloc recs[2] = { STRALLOC_ZERO, STRALLOC_ZERO };
  if (!f) return 0;
  if (f->channel >= 0) recs[f->channel] = f->recs;
  if (preprocess_write(id, f->sender.s, f->sender.len - 1, recs, f->birth, &fn1) == -1) {
    log_warn_sys("unable to write", fn1.s);
    return -1;
  }
  if (!f->open) fresh_del(id);
  return 0;
}

static void hook_finished(unsigned long id, time_t t) { message_done_check(id, t); }

static void hook_deferred(unsigned long id, time_t t)
{
  /* recipients are left for later: a message kept in memory gets its
     files now (the next attempt reads them) and is committed like any */
  if (fresh_write_out(id) == -1) return;
  if (idset_has(&uncommitted, id) && !idset_has(&committing, id))
    while (!prioq_insert(&pqcommit, t, id)) nomem();
}

static int hook_failed(unsigned long id, const char *rcpt, size_t rlen, const char *text, size_t tlen)
{
  return notice_record(id, rcpt, rlen, text, tlen);
}

static const struct channel_hooks hooks = {
  hook_finished, hook_deferred, hook_failed, log_status, SLEEP_SYSFAIL
};

static void schedule_channels(unsigned long id, int channels, time_t t)
{
  int c;
  if (!channels) { while (!prioq_insert(&pqdone, t, id)) nomem(); return; }
  for (c = 0; c < 2; ++c)
    if (channels & (1 << c)) while (!channel_schedule(&chan[c], id, t)) nomem();
}

static void clean_answer(char a, time_t t)
{
  struct clean_req r;
  int ok = cleanq_answer(&clean, a, &r);
  if (ok == -1) {
    log_s("warning: qmail-clean sent an unexpected answer\n");
    return;
  }
  if (r.kind == CLEAN_MESS) {
    idset_del(&foop_busy, r.id);
    if (!ok) { log_s("warning: qmail-clean unable to clean up mess/"); log_ul(r.id); log_s("\n"); }
    return;
  }
  if (!ok) {
    log_s("warning: qmail-clean unable to clean up todo/"); log_ul(r.id); log_s(", will try again\n");
    /* a finished message still needs todo/ID gone before mess/ID */
    if (r.tag == TAG_FINISHED) while (!idset_add(&clean_then_mess, r.id)) nomem();
    while (!prioq_insert(&pqclean, t + SLEEP_SYSFAIL, r.id)) nomem();
    return;
  }
  idset_del(&todo_busy, r.id);
  if (r.tag == TAG_FINISHED) clean_request(r.id, CLEAN_MESS, TAG_MESS);
}

/* ------------------------------------------------------------ todo */

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
    while (!ring_push(&todo_fifo, &id)) nomem();
  }
  closedir(dir);
}

static void todo_retry_soon(time_t t)
{
  if (todo_next_scan > t + SLEEP_SYSFAIL) todo_next_scan = t + SLEEP_SYSFAIL;
}

static void todo_one(unsigned long id, time_t t)
{
  static struct preprocess_result r = { 0, TODO_INIT, STRALLOC_ZERO, 0 };
  static struct preprocess_memory keep = { FRESH_MESSAGE_MAX, 0, { STRALLOC_ZERO, STRALLOC_ZERO } };
  int rc;

  /* a bounce file left by an earlier message with this ID is not ours */
  if (notice_pending(id) && notice_discard(id) == -1) {
    idset_del(&todo_busy, id);
    todo_retry_soon(t);
    return;
  }
  /* a message for one channel stays in memory while there is room: its
     files are written only if its first pass leaves recipients for later */
  if (fresh_room()) rc = preprocess_keep(&rwcfg, id, &r, &fn1, &keep);
  else { rc = preprocess(&rwcfg, id, &r, &fn1); keep.kept = 0; }
  switch (rc) {
  case PREPROCESS_OK:
    break;
  case PREPROCESS_MALFORMED:
    log_s("warning: malformed envelope in "); log_s(fn1.s); log_s(", leaving it alone\n");
    idset_del(&todo_busy, id);
    todo_retry_soon(t);
    return;
  case PREPROCESS_NOMESS:
    /* todo/ID outlived its message (a removal that was not yet durable
       when the power went): nothing is left to deliver */
    log_s("warning: todo/"); log_ul(id); log_s(" has no message file, removing it\n");
    preprocess_remove(id, &fn1);
    clean_request(id, CLEAN_TODO, TAG_LEFTOVER);
    return;
  default:
    if (errno == ENOENT && str_start(fn1.s, "todo/")) {
      /* removed since the scan (a qmail-clean request of an earlier
         qmail-send finishing late): the message lives on in its info and
         channel files */
      idset_del(&todo_busy, id);
      rebuild_one(id, t);
      return;
    }
    log_warn_sys("unable to preprocess", fn1.s);
    idset_del(&todo_busy, id);
    todo_retry_soon(t);
    return;
  }
  log_s("new msg "); log_ul(id); log_s("\n");
  log_s("info msg "); log_ul(id);
  log_s(": bytes "); log_ul(r.bytes);
  log_s(" from <"); log_safe(r.sender.s, r.sender.len);
  log_s("> qp "); log_ul(r.t.pid);
  log_s(" uid "); log_ul(r.t.uid);
  log_s("\n");
  if (keep.kept) {
    stralloc sender = STRALLOC_ZERO;
    int c = r.channels == 1 ? 0 : r.channels == 2 ? 1 : -1;
    stralloc none = STRALLOC_ZERO;
    if (!stralloc_copy(&sender, &r.sender) || !stralloc_0(&sender) ||
        !fresh_add(id, t, c, &sender, c >= 0 ? &keep.recs[c] : &none)) {
      stralloc_free(&sender);
      /* no memory after all: files, as for a large message */
      if (preprocess_write(id, r.sender.s, r.sender.len, keep.recs, 0, &fn1) == -1) {
        log_warn_sys("unable to preprocess", fn1.s);
        idset_del(&todo_busy, id);
        todo_retry_soon(t);
        return;
      }
    }
    keep.recs[0].len = keep.recs[1].len = 0;
    if (keep.recs[0].a > 65536) stralloc_free(&keep.recs[0]);
    if (keep.recs[1].a > 65536) stralloc_free(&keep.recs[1]);
  }
  if (r.sender.a > 65536) stralloc_free(&r.sender);
  while (!idset_add(&uncommitted, id)) nomem();
  schedule_channels(id, r.channels, t);
}

static void todo_work(time_t t)
{
  unsigned long id;
  int n;
  for (n = 0; n < TODO_BATCH && ring_pop(&todo_fifo, &id); ++n) todo_one(id, t);
}

/* ------------------------------------------------------------ commits */

static void commit_start(time_t t)
{
  static unsigned long *ids;
  static size_t a;
  struct prioq_elt e;
  size_t n = 0;
  if (commitfd == -1 || !commit_idle()) return;
  while (n < COMMIT_BATCH && prioq_min(&pqcommit, &e) && e.when <= t) {
    prioq_delmin(&pqcommit);
    /* finished or already durable meanwhile */
    if (!idset_has(&uncommitted, e.id) || idset_has(&committing, e.id)) continue;
    if (n == a) {
      size_t na = a ? a * 2 : 64;
      unsigned long *p = realloc(ids, na * sizeof *ids);
      if (!p) { while (!prioq_insert(&pqcommit, e.when, e.id)) nomem(); break; }
      ids = p;
      a = na;
    }
    ids[n++] = e.id;
  }
  if (!n) return;
  if (!commit_submit(ids, n)) {
    size_t i;
    for (i = 0; i < n; ++i) while (!prioq_insert(&pqcommit, t + 1, ids[i])) nomem();
    return;
  }
  while (n) while (!idset_add(&committing, ids[--n])) nomem();
}

static void commit_finish(time_t t)
{
  const unsigned long *ids;
  const int *err;
  size_t n = commit_results(&ids, &err), i;
  for (i = 0; i < n; ++i) {
    unsigned long id = ids[i];
    idset_del(&committing, id);
    if (err[i] == 0) {
      if (idset_has(&uncommitted, id)) {
        idset_del(&uncommitted, id);
        clean_request(id, CLEAN_TODO, TAG_COMMITTED);
      }
    } else if (err[i] != ENOENT) {
      errno = err[i];
      path(&fn1, "info", id, 1);
      log_warn_sys("unable to make durable the files of", fn1.s);
      /* at TERM todo/ID just stays: the next start preprocesses it again */
      if (!flag_exitasap) while (!prioq_insert(&pqcommit, t + SLEEP_SYSFAIL, id)) nomem();
    }
    if (idset_has(&done_waiting, id)) {
      idset_del(&done_waiting, id);
      message_done_check(id, t);
    }
  }
}

/* ------------------------------------------------- start-up and recovery */

static void startup_fail(const char *why)
{
  log_s("alert: cannot start: ");
  log_s(why);
  log_s("\n");
  log_flush();
  _exit(111);
}

/* a message found in info/ (start-up) or whose todo/ID vanished */
static void rebuild_one(unsigned long id, time_t t)
{
  struct stat st;
  int c, found = 0;
  time_t when[2];
  int have[2];
  path(&fn1, "todo", id, 0);
  if (stat(fn1.s, &st) == 0) return;            /* preprocessing will redo it */
  if (errno != ENOENT) goto fail;
  path(&fn1, "mess", id, 1);
  if (stat(fn1.s, &st) == -1) {
    if (errno != ENOENT) goto fail;
    /* info without message: the end of a finished message whose removals
       were not all durable */
    log_s("warning: info/"); log_ul(id); log_s(" has no message file, removing it\n");
    notice_discard(id);
    preprocess_remove(id, &fn1);
    return;
  }
  /* both stats first: a failure must not leave one channel queued twice */
  for (c = 0; c < 2; ++c) {
    path(&fn1, chan[c].name, id, 1);
    have[c] = stat(fn1.s, &st) == 0;
    if (!have[c] && errno != ENOENT) goto fail;
    when[c] = have[c] ? st.st_mtime : 0;   /* the saved next-attempt time */
  }
  for (c = 0; c < 2; ++c)
    if (have[c]) {
      while (!channel_schedule(&chan[c], id, when[c])) nomem();
      found = 1;
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
  DIR *dir = opendir("bounce");
  struct dirent *d;
  if (!dir) startup_fail("unable to opendir bounce");
  while ((d = readdir(dir))) {
    unsigned long id;
    struct stat st;
    if (!parse_id(d->d_name, &id)) continue;
    while (!notice_found(id)) nomem();
    /* a notice is queued before its message's info file goes: bounce/ID
       without info/ID or todo/ID is the end of a finished message whose
       removal was cut short */
    path(&fn1, "info", id, 1);
    if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
    path(&fn1, "todo", id, 0);
    if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
    log_s("warning: bounce/"); log_ul(id); log_s(" belongs to no message, removing it\n");
    notice_discard(id);
  }
  closedir(dir);
  for (i = 0; i < auto_split; ++i) {
    stralloc dn = STRALLOC_ZERO;
    while (!stralloc_copys(&dn, "info/") || !stralloc_catulong(&dn, i) || !stralloc_0(&dn)) nomem();
    dir = opendir(dn.s);
    if (!dir) {
      log_s("alert: unable to opendir "); log_s(dn.s); log_s(", exiting\n");
      log_flush();
      _exit(111);
    }
    stralloc_free(&dn);
    while ((d = readdir(dir))) {
      unsigned long id;
      if (parse_id(d->d_name, &id)) rebuild_one(id, t);
    }
    closedir(dir);
  }
}

/* the stale-file sweep: message files of injections that never committed.
   It starts at start-up and then every SLEEP_CLEANUP seconds, and examines
   at most SWEEP_BATCH entries per loop iteration. */
static struct {
  time_t next;
  unsigned int dir;
  DIR *d;
  int active;
} sweep;

static void sweep_step(time_t t)
{
  stralloc dn = STRALLOC_ZERO;
  int n;
  if (!sweep.active) {
    if (t < sweep.next) return;
    sweep.active = 1;
    sweep.dir = 0;
  }
  if (!sweep.d) {
    while (!stralloc_copys(&dn, "mess/") || !stralloc_catulong(&dn, sweep.dir) || !stralloc_0(&dn)) nomem();
    sweep.d = opendir(dn.s);
    stralloc_free(&dn);
  }
  for (n = 0; sweep.d && n < SWEEP_BATCH; ++n) {
    struct dirent *d = readdir(sweep.d);
    unsigned long id;
    struct stat st;
    if (!d) { closedir(sweep.d); sweep.d = 0; break; }
    if (!parse_id(d->d_name, &id) || id % auto_split != sweep.dir) continue;
    path(&fn1, "mess", id, 1);
    if (stat(fn1.s, &st) == -1 || st.st_atime >= t - OSSIFIED) continue;
    path(&fn1, "info", id, 1);
    if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
    path(&fn1, "todo", id, 0);
    if (stat(fn1.s, &st) == 0 || errno != ENOENT) continue;
    if (!idset_has(&todo_busy, id)) clean_request(id, CLEAN_MESS, TAG_MESS);
  }
  if (!sweep.d && ++sweep.dir >= auto_split) {
    sweep.active = 0;
    sweep.next = t + SLEEP_CLEANUP;
  }
}

/* save each waiting message's next attempt in its channel file's mtime */
static void save_schedule(void)
{
  int c;
  time_t t = time(0);
  for (c = 0; c < 2; ++c) {
    struct prioq_elt e;
    /* those waiting for a domain's slot are due at the next start */
    channel_unwait(&chan[c], t);
    while (prioq_min(&chan[c].pq, &e)) {
      struct timeval tv[2];
      prioq_delmin(&chan[c].pq);
      tv[0].tv_sec = tv[1].tv_sec = e.when;
      tv[0].tv_usec = tv[1].tv_usec = 0;
      path(&fn1, chan[c].name, e.id, 1);
      utimes(fn1.s, tv);
    }
  }
}

static void channels_init(void)
{
  int c, fd;
  for (c = 0; c < 2; ++c) {
    char two[SPAWN_SLOT_BYTES];
    size_t got = 0;
    unsigned int slots;
    int fdin = 2 + 2 * c;
    while (got < sizeof two) {
      ssize_t r = read(fdin, two + got, sizeof two - got);
      if (r == -1 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    slots = spawn_slot_get(two);
    if (got != sizeof two || !slots || slots > SPAWN_SLOTS_MAX)
      startup_fail(c ? "hath the remote spawner no slots?" : "hath the local spawner no slots?");
    if (channel_init(&chan[c], c, slots, &hooks) == -1) startup_fail("out of memory");
  }
  for (fd = 1; fd <= 6; ++fd)
    if (fd_nonblock(fd) == -1 || fd_cloexec(fd) == -1) startup_fail("unable to set up the pipes");
}

/* ------------------------------------------------------------- pipes */

static void flush_or_die(struct outq *o, int fd, const char *who)
{
  if (outq_flush(o, fd) == -1) {
    log_s("alert: unable to write to "); log_s(who); log_s(", exiting\n");
    log_flush();
    _exit(111);
  }
}

static void flush_all(void)
{
  int c;
  for (c = 0; c < 2; ++c)
    if (!chan[c].dead) flush_or_die(&chan[c].out, 1 + 2 * c, chan[c].name);
  flush_or_die(&clean.out, 5, "qmail-clean");
  log_flush();
}

static void reports_read(int c, time_t t)
{
  static char space[65536];
  ssize_t r = read(2 + 2 * c, space, sizeof space);
  if (r == -1) {
    if (errno == EINTR || errno == EAGAIN) return;
    r = 0;
  }
  if (r == 0) {
    log_s("alert: lost connection to the ");
    log_s(chan[c].name);
    log_s(" spawner, exiting as soon as possible\n");
    chan[c].dead = 1;
    flag_exitasap = 1;
    return;
  }
  channel_reports(&chan[c], space, (size_t)r, t);
}

static int clean_dead;

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
    if (flag_exitasap) { clean_dead = 1; return; }
    _exit(111);
  }
  for (i = 0; i < r; ++i) clean_answer(answers[i], t);
}

/* ------------------------------------------------------------- main loop */

static int exit_commits_queued;

/* TERM: deliveries in flight finish; then every message not yet durable is
   committed and its todo entry removed, so the next start does not deliver
   again what was delivered */
static int ready_to_exit(time_t t)
{
  struct prioq_elt e;
  int c;
  for (c = 0; c < 2; ++c) if (!chan[c].dead && chan[c].used) return 0;
  if (clean_dead) return 1;
  if (!exit_commits_queued && commitfd != -1) {
    size_t i, n;
    unsigned long *ids;
    exit_commits_queued = 1;
    /* messages kept in memory get their files first (one that cannot
       keeps its todo entry and is preprocessed again at the next start) */
    while ((n = fresh_count()) && !(ids = malloc(n * sizeof *ids))) nomem();
    if (n) {
      n = fresh_ids(ids, n);
      for (i = 0; i < n; ++i) fresh_write_out(ids[i]);
      free(ids);
    }
    for (i = 0; i < uncommitted.size; ++i)
      if (uncommitted.slot[i]) while (!prioq_insert(&pqcommit, t, uncommitted.slot[i] - 1)) nomem();
  }
  /* later entries are retries of failed flushes, which TERM does not wait for */
  if (commitfd != -1 && (!commit_idle() || (prioq_min(&pqcommit, &e) && e.when <= t))) return 0;
  return cleanq_outstanding(&clean) == 0;
}

static int busy_now(time_t t)
{
  struct prioq_elt e;
  int c;
  if (!flag_exitasap && (todo_fifo.len || sweep.active)) return 1;
  if (prioq_min(&pqdone, &e) && e.when <= t) return 1;
  if (prioq_min(&pqfail, &e) && e.when <= t) return 1;
  if (prioq_min(&pqclean, &e) && e.when <= t) return 1;
  if (commitfd != -1 && commit_idle() && prioq_min(&pqcommit, &e) && e.when <= t) return 1;
  if (flag_exitasap) return 0;
  for (c = 0; c < 2; ++c) if (channel_ready(&chan[c], t)) return 1;
  return 0;
}

static time_t next_wake(time_t t)
{
  time_t w = t + SLEEP_FOREVER;
  struct prioq_elt e;
  int c;
  if (todo_next_scan < w) w = todo_next_scan;
  if (!sweep.active && sweep.next < w) w = sweep.next;
  if (prioq_min(&pqdone, &e) && e.when < w) w = e.when;
  if (prioq_min(&pqfail, &e) && e.when < w) w = e.when;
  if (prioq_min(&pqclean, &e) && e.when < w) w = e.when;
  /* while a batch is being flushed the commit descriptor wakes us */
  if (commitfd != -1 && commit_idle() && prioq_min(&pqcommit, &e) && e.when < w) w = e.when;
  if (!flag_exitasap) for (c = 0; c < 2; ++c) w = channel_next(&chan[c], t, w);
  return w;
}

static void work(time_t t)
{
  struct prioq_elt e;
  int c, i;
  for (i = 0; i < DONE_BATCH && prioq_min(&pqdone, &e) && e.when <= t; ++i) {
    prioq_delmin(&pqdone);
    message_done_check(e.id, t);
  }
  for (i = 0; i < DONE_BATCH && prioq_min(&pqfail, &e) && e.when <= t; ++i) {
    prioq_delmin(&pqfail);
    rebuild_one(e.id, t);
  }
  for (i = 0; i < DONE_BATCH && prioq_min(&pqclean, &e) && e.when <= t; ++i) {
    prioq_delmin(&pqclean);
    if (idset_has(&clean_then_mess, e.id)) {
      idset_del(&clean_then_mess, e.id);
      clean_request(e.id, CLEAN_TODO, TAG_FINISHED);
    } else {
      clean_request(e.id, CLEAN_TODO, TAG_COMMITTED);
    }
  }
  if (!flag_exitasap) {
    for (c = 0; c < 2; ++c) channel_work(&chan[c], t);
    sweep_step(t);
    /* with a batch's worth already waiting a rescan would only find the
       same entries again: a backlog is read once, not once per trigger */
    if ((todo_scan_wanted || t >= todo_next_scan) && todo_fifo.len < TODO_BATCH) todo_scan(t);
    todo_work(t);
    /* the new messages' first deliveries go out in this iteration */
    for (c = 0; c < 2; ++c) channel_work(&chan[c], t);
  }
  commit_start(t);
}

static void mainloop(sigset_t *waitmask)
{
  for (;;) {
    struct pollfd p[8];
    int np = 0, ip_trig = -1, ip_in[2] = { -1, -1 }, ip_out[2] = { -1, -1 }, ip_cin = -1, ip_cout = -1;
    int ip_commit = -1, c, i, timeout_ms;
    struct timespec ts;
    time_t t = time(0);

    if (flag_reread) { flag_reread = 0; config_reread(); log_status(); }
    if (flag_runasap) {
      flag_runasap = 0;
      for (c = 0; c < 2; ++c) channel_runasap(&chan[c], t);
      prioq_setall(&pqfail, t);
      prioq_setall(&pqdone, t);
      prioq_setall(&pqclean, t);
      prioq_setall(&pqcommit, t);
      todo_scan_wanted = 1;
    }
    if (flag_exitasap && ready_to_exit(t)) return;

    work(t);
    flush_all();

    if (fdtrigger != -1 && !flag_exitasap) { p[np].fd = fdtrigger; p[np].events = POLLIN; ip_trig = np++; }
    for (c = 0; c < 2; ++c) {
      if (chan[c].dead) continue;
      p[np].fd = 2 + 2 * c; p[np].events = POLLIN; ip_in[c] = np++;
      if (outq_pending(&chan[c].out)) { p[np].fd = 1 + 2 * c; p[np].events = POLLOUT; ip_out[c] = np++; }
    }
    if (cleanq_outstanding(&clean) && !clean_dead) { p[np].fd = 6; p[np].events = POLLIN; ip_cin = np++; }
    if (outq_pending(&clean.out)) { p[np].fd = 5; p[np].events = POLLOUT; ip_cout = np++; }
    if (commitfd != -1) { p[np].fd = commitfd; p[np].events = POLLIN; ip_commit = np++; }

    if (busy_now(t)) timeout_ms = 0;
    else {
      time_t w = next_wake(t);
      timeout_ms = w <= t ? 0 : (w - t > SLEEP_FOREVER ? SLEEP_FOREVER : (int)(w - t)) * 1000;
    }
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    i = ppoll(p, (nfds_t)np, &ts, waitmask);
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
        flush_or_die(&chan[c].out, 1 + 2 * c, chan[c].name);
    }
    if (ip_cin != -1 && (p[ip_cin].revents & (POLLIN | POLLHUP | POLLERR))) clean_read(t);
    if (ip_cout != -1 && (p[ip_cout].revents & (POLLOUT | POLLERR | POLLHUP)))
      flush_or_die(&clean.out, 5, "qmail-clean");
    if (ip_commit != -1 && (p[ip_commit].revents & POLLIN)) commit_finish(t);
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
  config_activate();
  commitfd = commit_init(queuefd);
  if (commitfd == -1) startup_fail("unable to start the commit thread");
  t = time(0);
  rebuild(t);
  trigger_open();
  todo_next_scan = t;
  sweep.next = t;   /* leftovers go at every start, a bit at a time */
  log_status();
  log_flush();

  mainloop(&waitmask);

  save_schedule();
  for (c = 0; c < 2; ++c) if (chan[c].dead) { log_s("status: exiting\n"); log_flush(); _exit(111); }
  log_s("status: exiting\n");
  log_flush();
  return 0;
}
