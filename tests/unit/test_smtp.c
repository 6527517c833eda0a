/* test_smtp: the pure parts of qmail-smtpd: MAIL/RCPT argument parsing and
   the canonical address (smtpaddr.c), ESMTP parameters, the badmailfrom
   match, and the DATA state machine (smtpdata.c) at every split of its
   input, including the end-of-data variants of SMTP smuggling. */
#include <stdlib.h>
#include "check.h"
#include "smtpaddr.h"
#include "smtpdata.h"
#include "stralloc.h"

static stralloc a = STRALLOC_ZERO;

static int parse(const char *arg, const char *want, size_t wantparams)
{
  size_t params = 999;
  int r = smtpaddr_parse(arg, strlen(arg), &a, &params);
  if (r != 1) return want == NULL;
  if (!want) return 0;
  return a.len == strlen(want) && !memcmp(a.s, want, a.len) && params == wantparams;
}

static void test_parse(void)
{
  CHECK(parse("FROM:<joe@example.com>", "joe@example.com", 22));
  CHECK(parse("FROM:<>", "", 7));
  CHECK(parse("FROM: <joe@x> SIZE=10", "joe@x", 13));
  CHECK(parse("TO:joe@x", "joe@x", 8));
  CHECK(parse("TO: joe@x SIZE=1", "joe@x", 10));
  CHECK(parse("TO:<@a,@b:joe@x>", "joe@x", 16));
  CHECK(parse("TO:<\"joe@evil\"@x>", "joe@evil@x", 17));
  CHECK(parse("TO:<\"a>b\"@x>", "a>b@x", 12));
  CHECK(parse("TO:<a\\>b@x>", "a>b@x", 11));
  CHECK(parse("TO:<joe@x", NULL, 0));
  CHECK(parse("TO:<\"joe@x>", NULL, 0));
  CHECK(parse("TO joe@x", NULL, 0));
  CHECK(parse("TO:<a\\", NULL, 0));
  {
    size_t p;
    CHECK(smtpaddr_parse("TO:<a\0b>", 8, &a, &p) == 0);
  }
  /* a control byte is no part of any address (RFC 5321 4.1.2: qtextSMTP
     and quoted-pairSMTP are 32-126), quoted, escaped or bare: downstream it
     would be a bare CR in Return-Path or in the next hop's MAIL FROM */
  CHECK(parse("FROM:<a\rRSET\r@x>", NULL, 0));
  CHECK(parse("TO:<\"u\r\"@x>", NULL, 0));
  CHECK(parse("TO:<u\\\r@x>", NULL, 0));
  CHECK(parse("TO:<u\t@x>", NULL, 0));
  CHECK(parse("TO:u\t@x", NULL, 0));
  CHECK(parse("TO:<u\x1b[2J@x>", NULL, 0));
  CHECK(parse("TO:<u\x01@x>", NULL, 0));
  CHECK(parse("TO:<u\x7f@x>", NULL, 0));
  CHECK(parse("TO:<u@x\x0b>", NULL, 0));
  /* after the path they are the parameters' business */
  CHECK(parse("FROM:<u@x>\tSIZE=1", "u@x", 10));
  /* 8-bit bytes are SMTPUTF8's business, not the parser's */
  CHECK(parse("TO:<\xc3\xa9@x>", "\xc3\xa9@x", 9));
}

static int canon(const char *in, const char *want)
{
  stralloc_copys(&a, in);
  if (!smtpaddr_canon(&a)) return want == NULL;
  return want && a.len == strlen(want) && !memcmp(a.s, want, a.len);
}

static void test_canon(void)
{
  CHECK(canon("Joe@Example.COM", "Joe@example.com"));
  CHECK(canon("joe@example.com.", "joe@example.com"));
  CHECK(canon("joe@example.com...", "joe@example.com"));
  CHECK(canon("joe@x@Y.", "joe@x@y"));
  CHECK(canon("joe", "joe"));
  CHECK(canon("", ""));
  CHECK(canon("joe@", NULL));
  CHECK(canon("joe@...", NULL));
}

static void test_params(void)
{
  const char *p = " SIZE=100 BODY=8BITMIME  SMTPUTF8 X=";
  size_t pos = 0, kl, vl;
  const char *k, *v;
  int hv;
  CHECK(smtpaddr_param(p, strlen(p), &pos, &k, &kl, &v, &vl, &hv) == 1);
  CHECK(smtpaddr_is(k, kl, "size") && hv && vl == 3 && !memcmp(v, "100", 3));
  CHECK(smtpaddr_param(p, strlen(p), &pos, &k, &kl, &v, &vl, &hv) == 1);
  CHECK(smtpaddr_is(k, kl, "BODY") && smtpaddr_is(v, vl, "8bitmime"));
  CHECK(smtpaddr_param(p, strlen(p), &pos, &k, &kl, &v, &vl, &hv) == 1);
  CHECK(smtpaddr_is(k, kl, "SMTPUTF8") && !hv);
  CHECK(smtpaddr_param(p, strlen(p), &pos, &k, &kl, &v, &vl, &hv) == 1);
  CHECK(smtpaddr_is(k, kl, "X") && hv && vl == 0);
  CHECK(smtpaddr_param(p, strlen(p), &pos, &k, &kl, &v, &vl, &hv) == 0);
  CHECK(!smtpaddr_is("SIZ", 3, "SIZE") && !smtpaddr_is("SIZES", 5, "SIZE"));
}

static void test_listed(void)
{
  static const char list[] = "spam@evil.com\0@bad.org\0";
  size_t n = sizeof list - 1;
  CHECK(smtpaddr_listed(list, n, "SPAM@evil.com", 13));
  CHECK(smtpaddr_listed(list, n, "anyone@BAD.org", 14));
  CHECK(!smtpaddr_listed(list, n, "ham@evil.com", 12));
  CHECK(!smtpaddr_listed(list, n, "x@notbad.org", 12));
  CHECK(!smtpaddr_listed(list, n, "", 0));
}

static stralloc got = STRALLOC_ZERO;
static int emit(void *ctx, const char *s, size_t n)
{
  (void)ctx;
  return stralloc_catb(&got, s, n) ? 0 : -1;
}

/* feeds in at every split; every split must give the same result, which
   must be want (NULL: refused as bare CR/LF) with rest bytes left over */
static void data(const char *in, size_t n, const char *want, size_t wantlen, size_t rest,
                 unsigned long hops)
{
  size_t split;
  for (split = 0; split <= n; split++) {
    struct smtpdata d;
    size_t used = 0, total = 0;
    int r;
    got.len = 0;
    smtpdata_start(&d);
    r = smtpdata_feed(&d, in, split, &used, emit, 0);
    total = used;
    if (r == SMTPDATA_MORE) {
      r = smtpdata_feed(&d, in + split, n - split, &used, emit, 0);
      total += used;
    }
    if (!want) { CHECK(r == SMTPDATA_BARE); continue; }
    CHECK(r == SMTPDATA_END);
    CHECK(total == n - rest);
    CHECK_MEM(got.s, got.len, want, wantlen);
    CHECK(d.hops == hops);
    CHECK(d.bytes == wantlen);
  }
}

#define DATA(in, want, rest, hops) data(in, sizeof in - 1, want, sizeof want - 1, rest, hops)
#define BARE(in) data(in, sizeof in - 1, NULL, 0, 0, 0)

static void test_data(void)
{
  DATA("Subject: x\r\n\r\nhello\r\n.\r\n", "Subject: x\n\nhello\n", 0, 0);
  DATA("a\r\n.\r\nMAIL FROM:<x>\r\n", "a\n", 15, 0);
  DATA(".\r\n", "", 0, 0);
  DATA("..\r\n.x\r\n...\r\n.\r\n", ".\nx\n..\n", 0, 0);
  DATA("nul \0 and \xff\r\n.\r\n", "nul \0 and \xff\n", 0, 0);
  DATA("Received: a\r\nreceived: b\r\nDelivered-To: c\r\nX: d\r\n\r\nReceived: body\r\n.\r\n",
       "Received: a\nreceived: b\nDelivered-To: c\nX: d\n\nReceived: body\n", 0, 3);
  DATA(".Received: a\r\n\r\n.\r\n", "Received: a\n\n", 0, 1);
  DATA("Delivered: a\r\nDELIVERED-TO: b\r\nDeliver: c\r\n\r\n.\r\n",
       "Delivered: a\nDELIVERED-TO: b\nDeliver: c\n\n", 0, 2);
  /* the smuggling matrix: never an end of data but CR LF . CR LF */
  BARE("a\n.\nb\r\n.\r\n");
  BARE("a\r\n.\nb\r\n.\r\n");
  BARE("a\n.\r\nb\r\n.\r\n");
  BARE("a\r.\rb\r\n.\r\n");
  BARE("a\r\n.\r\r\nb\r\n.\r\n");
  BARE("a\rb\r\n.\r\n");
  BARE("a\nb\r\n.\r\n");
  BARE("a\r\n\n.\r\n");
  /* not an end: more is needed */
  {
    static const char in[] = "a\r\n\0.\r\nb\r\n.\r";
    struct smtpdata d;
    size_t used;
    got.len = 0;
    smtpdata_start(&d);
    CHECK(smtpdata_feed(&d, in, sizeof in - 1, &used, emit, 0) == SMTPDATA_MORE);
    CHECK(used == sizeof in - 1);
    CHECK_MEM(got.s, got.len, "a\n\0.\nb\n", 7);
    CHECK(smtpdata_feed(&d, "\n", 1, &used, emit, 0) == SMTPDATA_END);
  }
}

int main(void)
{
  RUN(test_parse);
  RUN(test_canon);
  RUN(test_params);
  RUN(test_listed);
  RUN(test_data);
  return check_exit("test_smtp");
}
