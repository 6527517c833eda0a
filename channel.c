/* channel: per-channel delivery scheduling for qmail-send (see channel.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auto.h"
#include "channel.h"
#include "fd.h"
#include "fresh.h"
#include "preprocess.h"
#include "queue_path.h"
#include "rewrite.h"
#include "schedule.h"
#include "sendlog.h"
#include "spawn.h"
#include "str.h"

#define JOB_SPACE 4096

/* a message made due again by a freed slot of dest */
struct woken {
  unsigned long id;
  struct destination *dest;
};

static unsigned long delivery_counter;
static stralloc fn = STRALLOC_ZERO;

static const char dying_text[] =
  "This message has been in the queue longer than the queue lifetime; I gave up.\n";

static void nomem(void)
{
  log_s("alert: out of memory, sleeping...\n");
  log_flush();
  sleep(10);
}

static void name(const char *dir, unsigned long id)
{
  while (!queue_path(&fn, dir, id, (int)auto_split)) nomem();
}

int channel_init(struct channel *ch, int number, unsigned int slots, const struct channel_hooks *h)
{
  struct channel z = { 0 };
  *ch = z;
  ch->number = number;
  ch->name = number ? "remote" : "local";
  ch->skip = number ? SCHEDULE_SKIP_REMOTE : SCHEDULE_SKIP_LOCAL;
  ch->slots = slots;
  ch->concurrency = slots;
  ch->maxrcpt = 1;
  ch->lifetime = 604800;
  ch->hooks = h;
  ch->bydomain = number == 1;
  ch->domainlimit = slots;
  {
    struct ring z = RING_ZERO(sizeof(struct woken));
    ch->woken = z;
  }
  ch->njobs = slots + CHANNEL_PASSES;
  ch->d = calloc(slots ? slots : 1, sizeof *ch->d);
  ch->jobs = calloc(ch->njobs, sizeof *ch->jobs);
  if (!ch->d || !ch->jobs) return -1;
  return 0;
}

unsigned long channel_limit(const struct channel *ch)
{
  return ch->concurrency < ch->slots ? ch->concurrency : ch->slots;
}

int channel_schedule(struct channel *ch, unsigned long id, time_t when)
{
  return prioq_insert(&ch->pq, when, id);
}

static void schedule(struct channel *ch, unsigned long id, time_t when)
{
  while (!prioq_insert(&ch->pq, when, id)) nomem();
}

void channel_runasap(struct channel *ch, time_t t)
{
  prioq_setall(&ch->pq, t);
}

static struct job *job_alloc(struct channel *ch)
{
  unsigned int i;
  for (i = 0; i < ch->njobs; ++i)
    if (!ch->jobs[i].used) {
      struct job *j = &ch->jobs[i];
      if (!j->space && !(j->space = malloc(JOB_SPACE))) return 0;
      j->used = 1;
      j->pass = 0;
      j->fd = -1;
      j->mem = 0;
      j->pos = 0;
      j->inflight = 0;
      j->seen = j->done = 0;
      j->dying = 0;
      j->verp = 0;
      j->nopen = 0;
      j->skipped = 0;
      j->soft = 0;
      j->wait = j->woken = 0;
      return j;
    }
  return 0;
}

/* ------------------------------------------------ per-domain slots */

static unsigned long domain_limit(const struct channel *ch)
{
  return ch->domainlimit ? ch->domainlimit : (unsigned long)-1;
}

static int dest_room(const struct channel *ch, const struct destination *d)
{
  return d->inflight + d->pending < domain_limit(ch);
}

static void woken_push(struct channel *ch, unsigned long id, struct destination *d)
{
  struct woken w;
  w.id = id;
  w.dest = d;
  d->pending++;
  while (!ring_push(&ch->woken, &w)) nomem();
}

/* one waiting message of d per free slot becomes due */
static void dest_wake(struct channel *ch, struct destination *d)
{
  unsigned long id;
  while (d->waiters.len && dest_room(ch, d) && ring_pop(&d->waiters, &id)) woken_push(ch, id, d);
}

/* the pass woken for a slot of d is over (or never started): if it did not
   take the slot, the next waiting message gets it */
static void dest_unpend(struct channel *ch, struct destination *d)
{
  d->pending--;
  dest_wake(ch, d);
  destination_release(d);
}

/* message id, which skipped d, waits for a slot of d */
static void dest_wait(struct channel *ch, struct destination *d, unsigned long id)
{
  d->refs--;
  if (dest_room(ch, d)) { woken_push(ch, id, d); return; }   /* freed meanwhile */
  while (!ring_push(&d->waiters, &id)) nomem();
}

/* the slot of rcpt's domain for a new delivery of j: 1 with *dest set (NULL
   when not counted), 0 when the domain is at its limit (the record is
   skipped and j will wait on the first domain it skipped) */
static int dest_take(struct channel *ch, struct job *j, const char *rcpt, size_t rlen, struct destination **dest)
{
  size_t at = byte_rchr(rcpt, rlen, '@');
  struct destination *d;
  *dest = 0;
  if (!ch->bydomain || at == rlen) return 1;
  while (!(d = destination_get(rcpt + at + 1, rlen - at - 1))) nomem();
  if (j->woken == d && d->inflight < domain_limit(ch)) {
    /* the slot freed for j: taken now, no longer to hand on */
    d->pending--;
    j->woken = 0;
    *dest = d;
    return 1;
  }
  /* slots freed for woken messages are theirs: a pass that did not wait
     must not overtake them */
  if (d->inflight >= domain_limit(ch) || !dest_room(ch, d)) {
    j->skipped++;
    if (!j->wait) { j->wait = d; d->refs++; }
    return 0;
  }
  *dest = d;
  return 1;
}

void channel_domains_wake(struct channel *ch)
{
  struct destination **all;
  size_t n = destination_count(), i;
  if (!ch->bydomain || !n) return;
  while (!(all = malloc(n * sizeof *all))) nomem();   /* n * sizeof: entries exist, so it fits */
  n = destination_all(all, n);
  for (i = 0; i < n; ++i) dest_wake(ch, all[i]);
  free(all);
}

void channel_unwait(struct channel *ch, time_t t)
{
  struct destination **all;
  struct woken w;
  size_t n, i;
  unsigned long id;
  while (ring_pop(&ch->woken, &w)) {
    schedule(ch, w.id, t);
    w.dest->pending--;
    destination_release(w.dest);
  }
  n = destination_count();
  if (!ch->bydomain || !n) return;
  while (!(all = malloc(n * sizeof *all))) nomem();
  n = destination_all(all, n);
  for (i = 0; i < n; ++i) {
    while (ring_pop(&all[i]->waiters, &id)) schedule(ch, id, t);
    destination_release(all[i]);
  }
  free(all);
}

/* ------------------------------------------------------------ jobs */

/* 1 if a record of the message kept in memory is marked done */
static int fresh_marked(const struct fresh *m)
{
  size_t i = 0;
  while (i < m->recs.len) {
    if (m->recs.s[i] == 'D') return 1;
    i += str_len(m->recs.s + i) + 1;
  }
  return 0;
}

static void job_close(struct channel *ch, struct job *j, time_t t)
{
  unsigned long id = j->id;
  struct fresh *m = j->mem;
  struct destination *woken = j->woken, *wait = j->wait;
  j->woken = j->wait = 0;
  /* the slot it was woken for: taken now, or handed on */
  if (woken) dest_unpend(ch, woken);
  if (wait && j->seen <= j->done) { wait->refs--; destination_release(wait); wait = 0; }
  if (j->fd != -1) close(j->fd);
  j->fd = -1;
  j->mem = 0;
  j->used = 0;
  /* long records of an earlier pass need not stay allocated */
  if (j->rec.a > JOB_SPACE) stralloc_free(&j->rec);
  if (m) m->open = 0;
  if (j->seen > j->done) {
    /* skipped for a full domain: no failure, so no retry schedule */
    if (wait) dest_wait(ch, wait, id);
    else schedule(ch, id, j->next);
    /* A message kept in memory that only waits for a domain's slot, with
       nothing delivered, bounced or deferred yet, stays in memory: after a
       crash todo/ID is preprocessed again and nothing is repeated. Writing
       its files (and syncing them) for every such wait is what made one
       busy domain slow. */
    if (m && wait && !j->soft && !fresh_marked(m)) return;
    ch->hooks->deferred(id, t);
    return;
  }
  if (m) {
    m->done = 1;
    ch->hooks->finished(id, t);
    return;
  }
  name(ch->name, id);
  if (unlink(fn.s) == -1 && errno != ENOENT) {
    log_warn_sys("unable to unlink", fn.s);
    schedule(ch, id, t + ch->hooks->retry_seconds);
    return;
  }
  ch->hooks->finished(id, t);
}

/* a VERP template (ends in "-@[]") gives every recipient its own sender */
static int is_verp(const stralloc *sender)
{
  size_t n = sender->len ? sender->len - 1 : 0;   /* without its NUL */
  return n >= 4 && byte_equal(sender->s + n - 4, 4, "-@[]");
}

/* opens a pass over the channel file of message id; NULL if it did not */
static struct job *job_open(struct channel *ch, unsigned long id, time_t t)
{
  struct job *j = job_alloc(ch);
  time_t birth;
  struct fresh *m;
  if (!j) { nomem(); schedule(ch, id, t); return 0; }
  j->id = id;
  m = fresh_get(id);
  if (m && m->channel == ch->number && m->open) { j->used = 0; return 0; }   /* its pass is open */
  if (m && m->channel == ch->number) {
    while (!stralloc_copy(&j->sender, &m->sender)) nomem();
    j->mem = m;
    m->open = 1;
    j->dying = schedule_dying(m->birth, t, ch->lifetime);
    j->next = schedule_next(m->birth, t, ch->skip);
    j->verp = is_verp(&j->sender);
    j->pass = 1;
    ch->passes++;
    return j;
  }
  name(ch->name, id);
  j->fd = open(fn.s, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (j->fd == -1) {
    j->used = 0;
    if (errno == ENOENT) { ch->hooks->finished(id, t); return 0; }
    log_warn_sys("unable to open", fn.s);
    schedule(ch, id, t + ch->hooks->retry_seconds);
    return 0;
  }
  {
    /* only a regular file: a FIFO planted here must not hang the loop */
    struct stat st;
    int bad = fstat(j->fd, &st) == -1;
    if (bad || !S_ISREG(st.st_mode)) {
      if (!bad) errno = EINVAL;
      log_warn_sys(bad ? "unable to stat" : "unable to use (not a regular file)", fn.s);
      close(j->fd);
      j->fd = -1;
      j->used = 0;
      schedule(ch, id, t + ch->hooks->retry_seconds);
      return 0;
    }
  }
  if (preprocess_read_info(id, &j->sender, &birth, &fn) == -1) {
    log_warn_sys("unable to read", fn.s);
    close(j->fd);
    j->fd = -1;
    j->used = 0;
    schedule(ch, id, t + ch->hooks->retry_seconds);
    return 0;
  }
  buf_init(&j->in, buf_unixread, j->fd, j->space, JOB_SPACE);
  j->dying = schedule_dying(birth, t, ch->lifetime);
  j->next = schedule_next(birth, t, ch->skip);
  j->verp = is_verp(&j->sender);
  j->pass = 1;
  ch->passes++;
  return j;
}

/* a pass over message id; woken: the domain whose freed slot made it due */
static void job_start(struct channel *ch, unsigned long id, time_t t, struct destination *woken)
{
  struct job *j = job_open(ch, id, t);
  if (j) j->woken = woken;
  else if (woken) dest_unpend(ch, woken);
}

/* the domain of rcpt: after its last '@'; 0 if it has none */
static int domain_of(const char *rcpt, size_t rlen, size_t *start)
{
  size_t at = byte_rchr(rcpt, rlen, '@');
  if (at == rlen) return 0;
  *start = at + 1;
  return 1;
}

/* a delivery slot for j; the caller made sure one is free */
static struct delivery *delivery_open(struct channel *ch, struct job *j, struct destination *dest)
{
  unsigned int slot;
  struct delivery *d;
  for (slot = 0; slot < ch->slots; ++slot) if (!ch->d[slot].used) break;
  d = &ch->d[slot];
  d->used = 1;
  d->open = 1;
  d->job = j;
  d->n = d->got = 0;
  d->rcpts.len = 0;
  d->rpos = 0;
  d->dest = dest;
  if (dest) dest->inflight++;
  if (ch->total) ch->total->used++;
  ch->used++;
  j->inflight++;
  return d;
}

static void delivery_add(struct delivery *d, off_t off, const char *rcpt, size_t rlen)
{
  size_t start;
  if (d->n == d->recoff_a) {
    size_t na = d->recoff_a ? d->recoff_a * 2 : 4;
    off_t *p;
    while (!(p = realloc(d->recoff, na * sizeof *p))) nomem();   /* na <= 2 * SPAWN_RECIPIENTS_MAX */
    d->recoff = p;
    d->recoff_a = na;
  }
  if (!d->n) {
    if (!domain_of(rcpt, rlen, &start)) start = rlen;
    d->dstart = start;
    d->dlen = rlen - start;
  }
  d->recoff[d->n++] = off;
  while (!stralloc_catb(&d->rcpts, rcpt, rlen) || !stralloc_0(&d->rcpts)) nomem();
}

/* the request for d goes to the spawner, and its recipients to the log */
static void delivery_send(struct channel *ch, struct delivery *d)
{
  static stralloc verp = STRALLOC_ZERO;
  struct job *j = d->job;
  unsigned int slot = (unsigned int)(d - ch->d), k;
  size_t pos;
  const char *first = d->rcpts.s;
  size_t flen = str_len(first);
  while (!verp_sender(j->sender.s, j->sender.len - 1, first, flen, &verp)) nomem();
  for (;;) {
    size_t mark = ch->out.q.len;
    char two[SPAWN_SLOT_BYTES];
    spawn_slot_put(two, slot);
    if (stralloc_catb(&ch->out.q, two, sizeof two) &&
        stralloc_catulong(&ch->out.q, j->id % auto_split) && stralloc_append(&ch->out.q, '/') &&
        stralloc_catulong(&ch->out.q, j->id) && stralloc_0(&ch->out.q) &&
        stralloc_cat(&ch->out.q, &verp) &&   /* with its NUL */
        stralloc_cat(&ch->out.q, &d->rcpts) && stralloc_0(&ch->out.q))
      break;
    ch->out.q.len = mark;
    nomem();
  }
  d->open = 0;
  d->number = delivery_counter + 1;
  delivery_counter += d->n;
  for (k = 0, pos = 0; k < d->n; ++k) {
    size_t n = str_len(d->rcpts.s + pos);
    log_s("starting delivery "); log_ul(d->number + k);
    log_s(": msg "); log_ul(j->id);
    log_s(" to "); log_s(ch->name); log_s(" ");
    log_safe(d->rcpts.s + pos, n);
    log_s("\n");
    pos += n + 1;
  }
  ch->hooks->status();
}

/* sends the open batch i of j */
static void batch_send(struct channel *ch, struct job *j, unsigned int i)
{
  struct delivery *d = j->open[i];
  j->open[i] = j->open[--j->nopen];
  ch->nopen--;
  delivery_send(ch, d);
}

static void batches_send(struct channel *ch, struct job *j)
{
  while (j->nopen) batch_send(ch, j, 0);
}

/* a T record of j's pass: a delivery of its own, or into a batch */
static void delivery_start(struct channel *ch, struct job *j, off_t off, const char *rcpt, size_t rlen)
{
  struct delivery *d;
  struct destination *dest;
  size_t start;
  unsigned int i;
  if (ch->maxrcpt <= 1 || j->verp || !domain_of(rcpt, rlen, &start)) {
    if (!dest_take(ch, j, rcpt, rlen, &dest)) return;
    d = delivery_open(ch, j, dest);
    delivery_add(d, off, rcpt, rlen);
    delivery_send(ch, d);
    return;
  }
  for (i = 0; i < j->nopen; ++i) {
    d = j->open[i];
    if (d->dlen != rlen - start || !case_equalb(d->rcpts.s + d->dstart, d->dlen, rcpt + start)) continue;
    if (d->rcpts.len + rlen + 1 <= SPAWN_RECIPIENTS_BYTES / 2) {
      delivery_add(d, off, rcpt, rlen);
      if (d->n >= ch->maxrcpt || d->n >= SPAWN_RECIPIENTS_MAX) batch_send(ch, j, i);
      return;
    }
    batch_send(ch, j, i);   /* full by bytes: a new one follows */
    break;
  }
  if (!dest_take(ch, j, rcpt, rlen, &dest)) return;
  if (j->nopen == CHANNEL_BATCH_OPEN) batch_send(ch, j, 0);
  d = delivery_open(ch, j, dest);
  delivery_add(d, off, rcpt, rlen);
  j->open[j->nopen++] = d;
  ch->nopen++;
}

static void channel_work_passes(struct channel *ch, time_t t);

static void pass_end(struct channel *ch, struct job *j, time_t t)
{
  batches_send(ch, j);
  j->pass = 0;
  ch->passes--;
  if (!j->inflight) job_close(ch, j, t);
}

/* reads one record of j's pass; starts its delivery if it is to do */
static void pass_step(struct channel *ch, struct job *j, time_t t)
{
  int match;
  off_t off = j->pos;
  if (j->mem) {
    const stralloc *recs = &j->mem->recs;
    size_t p = (size_t)off, n;
    if (p >= recs->len) { pass_end(ch, j, t); return; }
    n = byte_chr(recs->s + p, recs->len - p, 0);
    if (p + n == recs->len) { pass_end(ch, j, t); return; }   /* never: each record ends in NUL */
    j->pos += (off_t)n + 1;
    if (recs->s[p] != 'T') return;
    j->seen++;
    delivery_start(ch, j, off, recs->s + p + 1, n - 1);
    return;
  }
  j->rec.len = 0;
  if (buf_getline(&j->in, &j->rec, 0, 0, &match) == -1) {
    name(ch->name, j->id);
    log_warn_sys("unable to read", fn.s);
    /* what was not read stays T and is tried at the next attempt */
    j->seen++;
    pass_end(ch, j, t);
    return;
  }
  if (!match) {
    if (j->rec.len) {
      name(ch->name, j->id);
      log_s("warning: ignoring a truncated record in "); log_s(fn.s); log_s("\n");
    }
    pass_end(ch, j, t);
    return;
  }
  j->pos += (off_t)j->rec.len;
  if (j->rec.s[0] != 'T') return;
  j->seen++;
  delivery_start(ch, j, off, j->rec.s + 1, j->rec.len - 2);
}

/* the next open pass, taking turns */
static struct job *pass_next(struct channel *ch)
{
  unsigned int k;
  for (k = 0; k < ch->njobs; ++k) {
    unsigned int i = (ch->cursor + k) % ch->njobs;
    if (ch->jobs[i].used && ch->jobs[i].pass) {
      ch->cursor = i + 1;
      return &ch->jobs[i];
    }
  }
  return 0;
}

int channel_ready(const struct channel *ch, time_t t)
{
  struct prioq_elt e;
  if (ch->dead || ch->used >= channel_limit(ch)) return 0;
  if (ch->total && ch->total->used >= ch->total->limit) return 0;
  if (outq_pending(&ch->out) > CHANNEL_OUTQ_MAX) return 0;
  if (ch->passes || ch->woken.len) return 1;
  return prioq_min(&ch->pq, &e) && e.when <= t;
}

/* no batch waits beyond a channel_work: its slot must come back */
static void batches_send_all(struct channel *ch)
{
  unsigned int i;
  for (i = 0; ch->nopen && i < ch->njobs; ++i)
    if (ch->jobs[i].used) batches_send(ch, &ch->jobs[i]);
}

void channel_work(struct channel *ch, time_t t)
{
  channel_work_passes(ch, t);
  batches_send_all(ch);
}

static void channel_work_passes(struct channel *ch, time_t t)
{
  while (channel_ready(ch, t)) {
    struct prioq_elt e;
    struct woken w;
    struct job *j;
    /* a freed slot of a domain first: it is reserved for the woken message */
    if (ch->passes < CHANNEL_PASSES && ring_pop(&ch->woken, &w)) {
      job_start(ch, w.id, t, w.dest);
      continue;
    }
    if (ch->passes < CHANNEL_PASSES && prioq_min(&ch->pq, &e) && e.when <= t) {
      prioq_delmin(&ch->pq);
      job_start(ch, e.id, t, 0);
      continue;
    }
    j = pass_next(ch);
    if (!j) return;
    pass_step(ch, j, t);
  }
}

time_t channel_next(const struct channel *ch, time_t t, time_t never)
{
  struct prioq_elt e;
  if (ch->dead || ch->used >= channel_limit(ch)) return never;
  if (ch->total && ch->total->used >= ch->total->limit) return never;
  /* a full output queue waits for the spawner's pipe, not for a time */
  if (outq_pending(&ch->out) > CHANNEL_OUTQ_MAX) return never;
  if (ch->woken.len && t < never) return t;
  if (prioq_min(&ch->pq, &e) && e.when < never) return e.when;
  return never;
}

static void mark_done(struct channel *ch, struct job *j, off_t off)
{
  if (j->mem) {
    j->mem->recs.s[off] = 'D';
    j->done++;
    return;
  }
  if (pwrite(j->fd, "D", 1, off) != 1) {
    name(ch->name, j->id);
    log_warn_sys("unable to mark a delivery done in", fn.s);
    /* the recipient stays T and is delivered again: a duplicate, not a loss */
    return;
  }
  j->done++;
}

/* the end of a delivery: every item of its report is in */
static void delivery_end(struct channel *ch, struct delivery *d, time_t t)
{
  struct job *j = d->job;
  if (d->rcpts.a > 4096) stralloc_free(&d->rcpts);
  if (d->recoff_a > 64) { free(d->recoff); d->recoff = 0; d->recoff_a = 0; }
  d->used = 0;
  ch->used--;
  if (ch->total) ch->total->used--;
  if (d->dest) {
    struct destination *dest = d->dest;
    d->dest = 0;
    dest->inflight--;
    dest_wake(ch, dest);
    destination_release(dest);
  }
  j->inflight--;
  ch->hooks->status();
  if (!j->pass && !j->inflight) job_close(ch, j, t);
}

/* one item of d's report: the result for its next recipient */
static void item(struct channel *ch, struct delivery *d, const char *rec, size_t len)
{
  static stralloc dying = STRALLOC_ZERO;
  struct job *j = d->job;
  const char *rcpt = d->rcpts.s + d->rpos;
  size_t rlen = str_len(rcpt);
  off_t off = d->recoff[d->got];
  char status = len ? rec[0] : 0;   /* no status letter: mangled */
  const char *text = rec + (len ? 1 : 0);
  size_t tlen = len ? len - 1 : 0;

  log_s("delivery "); log_ul(d->number + d->got); log_s(": ");
  d->got++;
  d->rpos += rlen + 1;
  switch (status) {
  case 'K':
    log_s("success: ");
    log_safe(text, tlen);
    log_s("\n");
    mark_done(ch, j, off);
    break;
  case 'Z':
    if (!j->dying) {
      j->soft++;
      log_s("deferral: ");
      log_safe(text, tlen);
      log_s("\n");
      break;
    }
    while (!stralloc_copyb(&dying, text, tlen) ||
           (tlen && text[tlen - 1] != '\n' && !stralloc_append(&dying, '\n')) ||
           !stralloc_cats(&dying, dying_text))
      nomem();
    text = dying.s;
    tlen = dying.len;
    /* it is a permanent failure now */
    /* FALLTHROUGH */
  case 'D':
    log_s("failure: ");
    log_safe(text, tlen);
    log_s("\n");
    if (ch->hooks->failed(j->id, rcpt, rlen, text, tlen) == 0) mark_done(ch, j, off);
    else log_s("alert: unable to record a permanent failure; the recipient stays queued\n");
    break;
  default:
    j->soft++;
    log_s("report mangled, will defer\n");
  }
}

void channel_reports(struct channel *ch, const char *s, size_t n, time_t t)
{
  size_t i;
  for (i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)s[i];
    if (ch->rstate == 0) { ch->rslot = c; ch->rstate = 1; continue; }
    if (ch->rstate == 1) {
      ch->rslot = (ch->rslot << 8) | c;
      ch->rstate = 2;
      ch->report.len = 0;
      ch->rd = ch->rslot < ch->slots ? &ch->d[ch->rslot] : 0;
      if (!ch->rd || !ch->rd->used || ch->rd->open) {
        /* its item count is unknown: one is skipped */
        log_s("warning: internal error: delivery report out of range\n");
        ch->rd = 0;
      }
      continue;
    }
    if (c) {
      if (ch->report.len >= CHANNEL_REPORTMAX) continue;   /* the rest is cut */
      while (!stralloc_append(&ch->report, (char)c)) nomem();
      continue;
    }
    if (ch->rd) item(ch, ch->rd, ch->report.s, ch->report.len);
    ch->report.len = 0;
    if (!ch->rd || ch->rd->got == ch->rd->n) {
      if (ch->rd) delivery_end(ch, ch->rd, t);
      ch->rstate = 0;
    }
  }
}
