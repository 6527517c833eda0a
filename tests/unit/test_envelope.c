/* Unit tests for envelope.c: the qmail-queue envelope grammar, the
   1003-byte address limit at its exact boundary, and chunking invariance
   (every way of cutting the input gives the same result). */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "envelope.h"

struct outcome {
  int result;     /* envelope_feed's final result, or envelope_end's */
  size_t used;    /* bytes consumed in total */
  size_t recipients;
};

/* feeds s[0..n) in pieces ending at the offsets in cuts[] (ascending,
   each < n), then the rest; calls envelope_end if input runs out */
static struct outcome run_cuts(const char *s, size_t n, const size_t *cuts, size_t ncuts)
{
  struct envelope e;
  struct outcome o = { ENVELOPE_MORE, 0, 0 };
  size_t start = 0, k;

  envelope_init(&e);
  for (k = 0; k <= ncuts; ++k) {
    size_t end = k < ncuts ? cuts[k] : n;
    size_t used;
    int r = envelope_feed(&e, s + start, end - start, &used);
    o.used += used;
    if (r != ENVELOPE_MORE) {
      size_t again;
      /* sticky: the same answer, nothing consumed */
      CHECK(envelope_feed(&e, "T", 1, &again) == r);
      CHECK(again == 0);
      CHECK(envelope_end(&e) == r);
      o.result = r;
      o.recipients = e.recipients;
      return o;
    }
    CHECK(used == end - start);
    start = end;
  }
  o.result = envelope_end(&e);
  o.recipients = e.recipients;
  return o;
}

static struct outcome run_whole(const char *s, size_t n)
{
  return run_cuts(s, n, 0, 0);
}

static struct outcome run_bytewise(const char *s, size_t n)
{
  size_t *cuts = malloc(n ? n * sizeof *cuts : 1);
  struct outcome o;
  size_t i;

  for (i = 1; i < n; ++i) cuts[i - 1] = i;
  o = run_cuts(s, n, cuts, n ? n - 1 : 0);
  free(cuts);
  return o;
}

static int same(struct outcome a, struct outcome b)
{
  return a.result == b.result && a.used == b.used && a.recipients == b.recipients;
}

/* every one of the 2^(n-1) ways to cut a short input */
static void check_all_chunkings(const char *s, size_t n)
{
  struct outcome whole = run_whole(s, n);
  size_t cuts[32];
  unsigned long mask;
  int bad = 0;

  if (n < 2 || n > 20) return;
  for (mask = 0; mask < (1UL << (n - 1)); ++mask) {
    size_t ncuts = 0, i;
    for (i = 0; i + 1 < n; ++i)
      if (mask & (1UL << i)) cuts[ncuts++] = i + 1;
    if (!same(run_cuts(s, n, cuts, ncuts), whole)) bad = 1;
  }
  CHECK(!bad);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_valid(void)
{
  static const struct { const char *s; size_t n; size_t rcpts; } cases[] = {
    { S("Fa@b\0Tc@d\0\0"), 1 },
    { S("F\0Tpostmaster@x.org\0\0"), 1 },          /* empty sender: bounce */
    { S("F#@[]\0Tpostmaster@x.org\0\0"), 1 },      /* double bounce */
    { S("F#@[]\0\0"), 0 },                          /* no recipients at all */
    { S("F\0\0"), 0 },
    { S("Fs\0Ta\0Tb\0Tc\0T\0\0"), 4 },              /* empty recipient too */
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    struct outcome o = run_whole(cases[i].s, cases[i].n);
    CHECK(o.result == ENVELOPE_DONE);
    CHECK(o.used == cases[i].n);
    CHECK(o.recipients == cases[i].rcpts);
    CHECK(same(run_bytewise(cases[i].s, cases[i].n), o));
    check_all_chunkings(cases[i].s, cases[i].n);
  }
}

static void test_trailing_bytes(void)
{
  /* bytes after the terminating NUL are not part of the envelope */
  struct outcome o = run_whole(S("Fa\0Tb\0\0Fjunk"));
  CHECK(o.result == ENVELOPE_DONE);
  CHECK(o.used == 7);
  CHECK(o.recipients == 1);
  check_all_chunkings(S("Fa\0Tb\0\0Fjunk"));
}

static void test_format_errors(void)
{
  struct outcome o;

  o = run_whole(S("Ta@b\0\0"));          /* missing F */
  CHECK(o.result == ENVELOPE_FORMAT);
  CHECK(o.used == 1);
  o = run_whole(S("\0"));                /* not even an F */
  CHECK(o.result == ENVELOPE_FORMAT);
  o = run_whole(S("fa\0\0"));            /* letters are case-sensitive */
  CHECK(o.result == ENVELOPE_FORMAT);
  o = run_whole(S("Fa\0Xb\0\0"));        /* bad record letter */
  CHECK(o.result == ENVELOPE_FORMAT);
  CHECK(o.used == 4);
  check_all_chunkings(S("Fa\0Xb\0\0"));
  o = run_whole(S("Fa\0Tb\0Fc\0\0"));    /* a second sender */
  CHECK(o.result == ENVELOPE_FORMAT);
  CHECK(o.used == 7);
  CHECK(o.recipients == 1);
}

static void test_truncated(void)
{
  struct outcome o;

  o = run_whole("", 0);                  /* nothing at all */
  CHECK(o.result == ENVELOPE_TRUNCATED);
  o = run_whole(S("F"));
  CHECK(o.result == ENVELOPE_TRUNCATED);
  o = run_whole(S("Fa@b"));              /* EOF inside the sender */
  CHECK(o.result == ENVELOPE_TRUNCATED);
  CHECK(o.used == 4);
  o = run_whole(S("Fa@b\0Tc@"));         /* EOF inside a recipient */
  CHECK(o.result == ENVELOPE_TRUNCATED);
  o = run_whole(S("Fa@b\0Tc@d\0"));      /* EOF before the final NUL */
  CHECK(o.result == ENVELOPE_TRUNCATED);
  CHECK(o.recipients == 1);
  check_all_chunkings(S("Fa@b\0Tc@d\0"));
  o = run_whole(S("Fa@b\0T"));
  CHECK(o.result == ENVELOPE_TRUNCATED);
}

/* F + sender of slen bytes + NUL [+ T + recipient of rlen bytes + NUL] + NUL */
static char *make(size_t slen, size_t rlen, int with_rcpt, size_t *n)
{
  char *s = malloc(slen + rlen + 5);
  size_t i = 0;

  s[i++] = 'F';
  memset(s + i, 's', slen); i += slen;
  s[i++] = 0;
  if (with_rcpt) {
    s[i++] = 'T';
    memset(s + i, 'r', rlen); i += rlen;
    s[i++] = 0;
  }
  s[i++] = 0;
  *n = i;
  return s;
}

static void check_limit(int rcpt)
{
  size_t len, n;

  for (len = 1000; len <= 1006; ++len) {
    char *s = rcpt ? make(5, len, 1, &n) : make(len, 0, 0, &n);
    struct outcome o = run_whole(s, n);
    struct outcome b = run_bytewise(s, n);
    size_t cuts[1];
    int ok = 1, cut;

    if (len <= 1002) {
      /* NUL within 1003 bytes counting itself */
      CHECK(o.result == ENVELOPE_DONE);
      CHECK(o.used == n);
    } else {
      CHECK(o.result == ENVELOPE_TOOLONG);
      /* decided at the 1003rd address byte, before any later byte */
      CHECK(o.used == (rcpt ? 1 + 5 + 1 + 1 : 1) + 1003);
    }
    CHECK(same(o, b));
    /* every single cut */
    for (cut = 1; (size_t)cut < n; ++cut) {
      cuts[0] = (size_t)cut;
      if (!same(run_cuts(s, n, cuts, 1), o)) ok = 0;
    }
    CHECK(ok);
    free(s);
  }
}

static void test_address_limit(void)
{
  size_t n;
  char *s;
  struct outcome o;

  CHECK(ENVELOPE_ADDRMAX == 1003);
  check_limit(0);
  check_limit(1);

  /* an over-long address is found even when the input then ends */
  s = make(2000, 0, 0, &n);
  o = run_whole(s, 1 + 1003);
  CHECK(o.result == ENVELOPE_TOOLONG);
  o = run_whole(s, 1 + 1002);
  CHECK(o.result == ENVELOPE_TRUNCATED);
  free(s);
}

static void test_many_recipients(void)
{
  /* 100000 recipients, fed in odd-sized chunks */
  size_t count = 100000, n = 0, i, start;
  char *s = malloc(count * 12 + 16);
  struct envelope e;
  int r = ENVELOPE_MORE;
  size_t total = 0;

  memcpy(s, "Fme@here\0", 9); n = 9;
  for (i = 0; i < count; ++i) { memcpy(s + n, "Tyou@there\0", 11); n += 11; }
  s[n++] = 0;

  envelope_init(&e);
  for (start = 0; start < n && r == ENVELOPE_MORE; start += 4093) {
    size_t len = n - start < 4093 ? n - start : 4093, used;
    r = envelope_feed(&e, s + start, len, &used);
    total += used;
  }
  CHECK(r == ENVELOPE_DONE);
  CHECK(total == n);
  CHECK(e.recipients == count);
  free(s);
}

int main(void)
{
  RUN(test_valid);
  RUN(test_trailing_bytes);
  RUN(test_format_errors);
  RUN(test_truncated);
  RUN(test_address_limit);
  RUN(test_many_recipients);
  return check_exit("test_envelope");
}
