/* test_channel: the per-channel scheduler driven without processes: a
   scratch queue directory, requests read from the channel's output queue,
   reports fed back by hand. */
#include "check.h"
#include "queuedir.h"
#include "../../channel.h"
#include "../../spawn.h"
#include "../../str.h"

static unsigned long finished[64], deferred[64], failed_id[64];
static size_t nfinished, ndeferred, nfailed;
static int fail_result;
static char failed_text[256];

static void on_finished(unsigned long id, time_t t) { (void)t; finished[nfinished++ % 64] = id; }
static void on_deferred(unsigned long id, time_t t) { (void)t; deferred[ndeferred++ % 64] = id; }
static int on_failed(unsigned long id, const char *rcpt, size_t rlen, const char *text, size_t tlen)
{
  (void)rcpt; (void)rlen;
  failed_id[nfailed++ % 64] = id;
  if (tlen >= sizeof failed_text) tlen = sizeof failed_text - 1;
  memcpy(failed_text, text, tlen);
  failed_text[tlen] = 0;
  return fail_result;
}
static void on_status(void) {}

static const struct channel_hooks hooks = { on_finished, on_deferred, on_failed, on_status, 123 };

static void message(unsigned long id, const char *sender, const char *records, size_t n)
{
  char info[256];
  size_t sl = strlen(sender);
  info[0] = 'F';
  memcpy(info + 1, sender, sl + 1);
  put_file(qpath("info", id), info, sl + 2);
  put_file(qpath("local", id), records, n);
}

/* the requests in the output queue: "slot id rcpt[,rcpt...]" per request,
   joined by ';', and the queue emptied */
static void requests(struct channel *ch, char *out, size_t size)
{
  size_t pos = 0, o = 0;
  out[0] = 0;
  while (pos < ch->out.q.len) {
    const char *r = ch->out.q.s + pos;
    unsigned int slot = spawn_slot_get(r);
    const char *name = r + 2, *sender = name + strlen(name) + 1, *rcpt = sender + strlen(sender) + 1;
    const char *slash = strchr(name, '/');
    o += (size_t)snprintf(out + o, size - o, "%s%u %s ", o ? ";" : "", slot, slash ? slash + 1 : name);
    int first = 1;
    while (*rcpt) {
      o += (size_t)snprintf(out + o, size - o, "%s%s", first ? "" : ",", rcpt);
      first = 0;
      rcpt += strlen(rcpt) + 1;
    }
    pos = (size_t)(rcpt + 1 - ch->out.q.s);
  }
  ch->out.q.len = 0;
  ch->out.pos = 0;
}

/* a report for slot: its items separated by '|' */
static void reply(struct channel *ch, unsigned int slot, const char *status, time_t t)
{
  char r[512];
  size_t n = strlen(status), i;
  spawn_slot_put(r, slot);
  memcpy(r + 2, status, n);
  for (i = 0; i < n; ++i) if (r[2 + i] == '|') r[2 + i] = 0;
  r[n + 2] = 0;
  channel_reports(ch, r, n + 3, t);
}

static void test_success_and_failure(void)
{
  struct channel ch;
  char got[1024], *p;
  size_t n;
  static const char recs[] = "Ta@x\0Db@x\0Tc@x\0";
  message(11, "s@y", recs, sizeof recs - 1);
  CHECK(channel_init(&ch, 0, 4, &hooks) == 0);
  ch.concurrency = 10;
  CHECK(channel_schedule(&ch, 11, 1000) == 1);
  channel_work(&ch, 999);           /* not yet due */
  CHECK(ch.out.q.len == 0);
  CHECK(channel_next(&ch, 999, 99999) == 1000);
  CHECK(channel_ready(&ch, 1000) == 1);
  channel_work(&ch, 1000);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 11 a@x;1 11 c@x");
  CHECK(ch.used == 2);
  reply(&ch, 0, "Kdelivered", 1001);
  CHECK(nfinished == 0);
  fail_result = 0;
  reply(&ch, 1, "DSorry. (#5.1.1)", 1001);
  CHECK(nfailed == 1 && failed_id[0] == 11);
  CHECK_STR(failed_text, "Sorry. (#5.1.1)");
  /* all done: the file is gone and the caller told */
  CHECK(nfinished == 1 && finished[0] == 11);
  CHECK(access(qpath("local", 11), F_OK) == -1);
  CHECK(ch.used == 0);

  /* a temporary failure: the record stays T, the message waits */
  message(12, "s@y", "Ta@x\0Tb@x\0", 10);
  channel_schedule(&ch, 12, 1000);
  channel_work(&ch, 1000);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 12 a@x;1 12 b@x");
  reply(&ch, 1, "Ktaken", 1001);
  reply(&ch, 0, "Ztry later", 1001);
  CHECK(ndeferred == 1 && deferred[0] == 12);
  p = get_file(qpath("local", 12), &n);
  CHECK(p && n == 10 && !memcmp(p, "Ta@x\0Db@x\0", 10));
  free(p);
  /* the next attempt follows the schedule; only a@x is tried again */
  CHECK(channel_next(&ch, 1001, 1 << 30) > 1001);
  channel_runasap(&ch, 1002);
  channel_work(&ch, 1002);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 12 a@x");
  /* a failure that cannot be recorded keeps the recipient */
  fail_result = -1;
  reply(&ch, 0, "Dno", 1003);
  CHECK(ndeferred == 2);
  p = get_file(qpath("local", 12), &n);
  CHECK(p && n == 10 && p[0] == 'T');
  free(p);
}

/* past the queue lifetime a temporary failure is permanent */
static void test_dying(void)
{
  struct channel ch;
  char got[256];
  message(13, "s@y", "Ta@x\0", 5);
  CHECK(channel_init(&ch, 0, 2, &hooks) == 0);
  ch.lifetime = 0;
  channel_schedule(&ch, 13, 0);
  channel_work(&ch, time(0) + 10);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 13 a@x");
  fail_result = 0;
  nfailed = 0;
  reply(&ch, 0, "Zbusy", time(0) + 10);
  CHECK(nfailed == 1);
  CHECK(strstr(failed_text, "busy\nThis message has been in the queue longer") == failed_text);
}

/* a message with many recipients does not hold back a newer one: passes
   take turns */
static void test_turns(void)
{
  struct channel ch;
  stralloc big = STRALLOC_ZERO;
  char got[256];
  unsigned long i;
  int seen_small = 0, k;
  for (i = 0; i < 1000; ++i) {
    stralloc_cats(&big, "Tu");
    stralloc_catulong(&big, i);
    stralloc_catb(&big, "@x", 3);
  }
  message(20, "s@y", big.s, big.len);
  message(21, "s@y", "Tsmall@x\0", 9);
  CHECK(channel_init(&ch, 0, 1, &hooks) == 0);
  channel_schedule(&ch, 20, 0);
  channel_work(&ch, 5);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 20 u0@x");
  channel_schedule(&ch, 21, 5);
  for (k = 0; k < 3 && !seen_small; ++k) {
    reply(&ch, 0, "Kok", 6);
    channel_work(&ch, 6);
    requests(&ch, got, sizeof got);
    if (!strcmp(got, "0 21 small@x")) seen_small = 1;
  }
  CHECK(seen_small);
  /* at most CHANNEL_PASSES passes open however many messages are due */
  for (i = 100; i < 120; ++i) { message(i, "s", "Tq@x\0", 5); channel_schedule(&ch, i, 0); }
  reply(&ch, 0, "Kok", 7);
  channel_work(&ch, 7);
  CHECK(ch.passes <= CHANNEL_PASSES);
  stralloc_free(&big);
}

/* the output queue bounds how much is asked of a slow spawner */
static void test_backpressure(void)
{
  struct channel ch;
  message(30, "s@y", "Ta@x\0", 5);
  CHECK(channel_init(&ch, 0, 4, &hooks) == 0);
  stralloc_ready(&ch.out.q, CHANNEL_OUTQ_MAX + 2);
  memset(ch.out.q.s, 'x', CHANNEL_OUTQ_MAX + 1);
  ch.out.q.len = CHANNEL_OUTQ_MAX + 1;
  channel_schedule(&ch, 30, 0);
  CHECK(channel_ready(&ch, 10) == 0);
  /* nothing to do until the spawner reads: the caller must not wake at
     once (it polls for the pipe to become writable) */
  CHECK(channel_next(&ch, 10, 99999) == 99999);
  channel_work(&ch, 10);
  CHECK(ch.out.q.len == CHANNEL_OUTQ_MAX + 1);
  ch.out.q.len = 0;
  CHECK(channel_ready(&ch, 10) == 1);
}

/* a vanished channel file means the channel is done; a truncated record
   is ignored */
static void test_odd_files(void)
{
  struct channel ch;
  char got[256];
  CHECK(channel_init(&ch, 0, 2, &hooks) == 0);
  nfinished = 0;
  channel_schedule(&ch, 40, 0);
  channel_work(&ch, 1);
  CHECK(nfinished == 1 && finished[0] == 40);
  message(41, "s", "Ta@x\0Tb@", 8);
  channel_schedule(&ch, 41, 0);
  channel_work(&ch, 1);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 41 a@x");
  reply(&ch, 0, "Kok", 2);
  CHECK(nfinished == 2 && finished[1] == 41);
}

/* a FIFO in place of a channel file (only qmails could plant one) must
   not hang the scheduler: the message waits for a later attempt */
static void test_fifo(void)
{
  struct channel ch;
  struct prioq_elt e;
  message(50, "s", "", 0);
  unlink(qpath("local", 50));
  CHECK(mkfifo(qpath("local", 50), 0600) == 0);
  CHECK(channel_init(&ch, 0, 2, &hooks) == 0);
  channel_schedule(&ch, 50, 0);
  channel_work(&ch, 10);   /* would block reading the FIFO */
  CHECK(ch.passes == 0 && ch.used == 0);
  CHECK(prioq_min(&ch.pq, &e) && e.id == 50 && e.when == 10 + 123);
}

/* remote recipients of one domain go together, up to maxrcpt; each gets
   its own result */
static void test_batches(void)
{
  struct channel ch;
  char got[1024], *p;
  size_t n;
  static const char recs[] = "Ta@x\0Tb@X\0Tc@y\0Dz@x\0Td@x\0Te@x\0Tf@x\0Tg\0";
  message(60, "s@y", recs, sizeof recs - 1);
  rename(qpath("local", 60), qpath("remote", 60));
  CHECK(channel_init(&ch, 1, 10, &hooks) == 0);
  ch.maxrcpt = 3;
  nfinished = ndeferred = nfailed = 0;
  channel_schedule(&ch, 60, 0);
  channel_work(&ch, 1);
  requests(&ch, got, sizeof got);
  /* a full batch at once; the rest at the end of the file, the record
     without a domain on its own */
  CHECK_STR(got, "0 60 a@x,b@X,d@x;3 60 g;1 60 c@y;2 60 e@x,f@x");
  CHECK(ch.used == 4);
  fail_result = 0;
  reply(&ch, 0, "Kok|Dno|Zlater", 2);
  CHECK(nfailed == 1 && !strcmp(failed_text, "no"));
  CHECK(ch.used == 3);
  reply(&ch, 1, "Kok", 2);
  reply(&ch, 3, "Dbad", 2);
  reply(&ch, 2, "Kok|Kok", 2);
  CHECK(ch.used == 0);
  CHECK(ndeferred == 1 && deferred[0] == 60);
  p = get_file(qpath("remote", 60), &n);
  CHECK(p && n == sizeof recs - 1 && !memcmp(p, "Da@x\0Db@X\0Dc@y\0Dz@x\0Td@x\0De@x\0Df@x\0Dg\0", n));
  free(p);

  /* maxrcpt 1: one each; a VERP sender is never batched */
  message(61, "s@y", "Ta@x\0Tb@x\0", 10);
  rename(qpath("local", 61), qpath("remote", 61));
  ch.maxrcpt = 1;
  channel_schedule(&ch, 61, 0);
  channel_work(&ch, 3);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 61 a@x;1 61 b@x");
  reply(&ch, 0, "Kok", 4);
  reply(&ch, 1, "Kok", 4);
  message(62, "s@y-@[]", "Ta@x\0Tb@x\0", 10);
  rename(qpath("local", 62), qpath("remote", 62));
  ch.maxrcpt = 100;
  channel_schedule(&ch, 62, 0);
  channel_work(&ch, 5);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 62 a@x;1 62 b@x");
  reply(&ch, 0, "Kok", 6);
  reply(&ch, 1, "Kok", 6);
  CHECK(ch.used == 0 && destination_count() == 0);
}

/* a domain at its limit: its records are skipped, not deferred; the
   message waits for a slot of that domain instead of the retry schedule */
static void test_domain_limit(void)
{
  struct channel ch;
  struct channel_total total = { 2, 0 };
  struct prioq_elt e;
  char got[1024];
  message(70, "s@y", "Ta@x\0Tb@X\0Tc@y\0", 15);
  rename(qpath("local", 70), qpath("remote", 70));
  message(71, "s@y", "Td@x\0", 5);
  rename(qpath("local", 71), qpath("remote", 71));
  CHECK(channel_init(&ch, 1, 10, &hooks) == 0);
  ch.maxrcpt = 1;
  ch.domainlimit = 1;
  nfinished = ndeferred = nfailed = 0;
  channel_schedule(&ch, 70, 0);
  channel_schedule(&ch, 71, 0);
  channel_work(&ch, 1);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 70 a@x;1 70 c@y");
  CHECK(ch.used == 2 && destination_count() == 2);
  CHECK(!prioq_min(&ch.pq, &e));   /* 71 waits on x, not on a time */
  reply(&ch, 1, "Kok", 2);
  channel_work(&ch, 2);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "");
  /* x's slot frees: the first waiting message (71) gets it; 70, which
     skipped b@X, waits behind it */
  reply(&ch, 0, "Kok", 3);
  channel_work(&ch, 3);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 71 d@x");
  CHECK(!prioq_min(&ch.pq, &e));
  reply(&ch, 0, "Kok", 4);
  CHECK(nfinished == 1 && finished[0] == 71);
  channel_work(&ch, 4);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 70 b@X");
  reply(&ch, 0, "Kok", 5);
  CHECK(nfinished == 2 && finished[1] == 70);
  CHECK(nfailed == 0 && ch.used == 0 && destination_count() == 0);

  /* a total over both channels */
  message(72, "s@y", "Ta@p\0Tb@q\0Tc@r\0", 15);
  rename(qpath("local", 72), qpath("remote", 72));
  ch.total = &total;
  channel_schedule(&ch, 72, 0);
  channel_work(&ch, 6);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 72 a@p;1 72 b@q");
  CHECK(total.used == 2 && !channel_ready(&ch, 6));
  reply(&ch, 0, "Kok", 7);
  CHECK(total.used == 1 && channel_ready(&ch, 7));
  channel_work(&ch, 7);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 72 c@r");
  reply(&ch, 0, "Kok", 8);
  reply(&ch, 1, "Kok", 8);
  channel_work(&ch, 9);   /* the end of the file */
  CHECK(total.used == 0 && nfinished == 3 && destination_count() == 0);
}

/* a slot freed for a waiting message is its own: a message that did not
   wait (a new one, or one whose pass is open) does not take it, so waiting
   messages of a busy domain are not overtaken for ever */
static void test_domain_reserved(void)
{
  struct channel ch;
  char got[1024];
  message(80, "s@y", "Ta@x\0", 5);
  rename(qpath("local", 80), qpath("remote", 80));
  message(81, "s@y", "Tb@x\0", 5);
  rename(qpath("local", 81), qpath("remote", 81));
  message(82, "s@y", "Tc@x\0", 5);
  rename(qpath("local", 82), qpath("remote", 82));
  CHECK(channel_init(&ch, 1, 10, &hooks) == 0);
  ch.maxrcpt = 1;
  ch.domainlimit = 1;
  nfinished = ndeferred = nfailed = 0;
  channel_schedule(&ch, 80, 0);
  channel_schedule(&ch, 81, 0);
  channel_work(&ch, 1);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 80 a@x");
  /* 81 waits on x; 80 ends and 81 is woken, but 82 (new) is due too */
  channel_schedule(&ch, 82, 0);
  reply(&ch, 0, "Kok", 2);
  channel_work(&ch, 2);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 81 b@x");
  reply(&ch, 0, "Kok", 3);
  channel_work(&ch, 3);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 82 c@x");
  reply(&ch, 0, "Kok", 4);
  channel_work(&ch, 4);
  CHECK(nfinished == 3 && ch.used == 0 && ch.passes == 0 && destination_count() == 0);

  /* the same with 83's pass open (paused by the channel's limit) when
     x's slot frees for 84 */
  message(83, "s@y", "Tr@z\0Td@x\0", 10);
  rename(qpath("local", 83), qpath("remote", 83));
  message(84, "s@y", "Dold@x\0Te@x\0", 13);
  rename(qpath("local", 84), qpath("remote", 84));
  message(85, "s@y", "Tf@x\0", 5);
  rename(qpath("local", 85), qpath("remote", 85));
  ch.concurrency = 2;
  channel_schedule(&ch, 85, 0);
  channel_schedule(&ch, 84, 0);
  channel_work(&ch, 5);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 85 f@x");
  channel_schedule(&ch, 83, 0);
  channel_work(&ch, 6);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "1 83 r@z");
  CHECK(ch.passes == 1);
  reply(&ch, 0, "Kok", 7);
  channel_work(&ch, 7);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 84 e@x");
  reply(&ch, 0, "Kok", 8);
  reply(&ch, 1, "Kok", 8);
  channel_work(&ch, 8);
  requests(&ch, got, sizeof got);
  CHECK_STR(got, "0 83 d@x");
  reply(&ch, 0, "Kok", 9);
  channel_work(&ch, 9);
  CHECK(nfinished == 6 && ch.used == 0 && ch.passes == 0 && destination_count() == 0);
}

int main(void)
{
  queuedir_make();
  RUN(test_success_and_failure);
  RUN(test_dying);
  RUN(test_turns);
  RUN(test_backpressure);
  RUN(test_odd_files);
  RUN(test_fifo);
  RUN(test_batches);
  RUN(test_domain_limit);
  RUN(test_domain_reserved);
  queuedir_remove();
  return check_exit("test_channel");
}
