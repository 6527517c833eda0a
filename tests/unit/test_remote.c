/* unit tests of qmail-remote's modules: smtpreply (reply lines), smtpbody
   (line ends and dot-stuffing), tcpto (the timeout table), smtpio's line
   reader at the end of input */
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "smtpio.h"
#include "smtpbody.h"
#include "smtpreply.h"
#include "tcpto.h"

/* feeds lines separated by '\n' in s; returns the last result */
static int feed(struct smtpreply *r, const char *s, size_t n)
{
  size_t i = 0;
  int res = SMTPREPLY_MORE;

  smtpreply_start(r);
  do {
    size_t e = i;
    while (e < n && s[e] != '\n') e++;
    res = smtpreply_line(r, s + i, e - i);
    if (res != SMTPREPLY_MORE) return res;
    i = e + 1;
  } while (i < n);
  return res;
}
#define FEED(r, lit) feed((r), (lit), sizeof(lit) - 1)

static void test_reply_codes(void)
{
  struct smtpreply r = SMTPREPLY_ZERO;

  CHECK(FEED(&r, "250 ok") == SMTPREPLY_DONE && r.code == 250);
  CHECK(FEED(&r, "250-a\r\n250-b\r\n250 c\r") == SMTPREPLY_DONE && r.code == 250);
  CHECK_MEM(r.text.s, r.text.len, "250-a\n250-b\n250 c", 17);
  CHECK(FEED(&r, "354") == SMTPREPLY_DONE && r.code == 354);
  CHECK(FEED(&r, "250-a\n550 b") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "abc ok") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "2") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "\r") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "250ok") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "999 x") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "2500 x") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "-250") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "160 x") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "260 x") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "250-x\n2\n250 ok") == SMTPREPLY_BAD);
  CHECK(FEED(&r, "250-\n250 ok") == SMTPREPLY_DONE);
  CHECK(FEED(&r, "250-a\n\n250 ok") == SMTPREPLY_BAD);
  stralloc_free(&r.text);
}

static void test_reply_text(void)
{
  struct smtpreply r = SMTPREPLY_ZERO;
  static const char hostile[] = "550 a\0b\033[1m\xff%s%n\tT";
  stralloc big = STRALLOC_ZERO;
  size_t i;

  smtpreply_start(&r);
  CHECK(smtpreply_line(&r, hostile, sizeof hostile - 1) == SMTPREPLY_DONE);
  CHECK_MEM(r.text.s, r.text.len, "550 a?b?[1m?%s%n?T", 18);
  /* a 100 KB line: 5000 bytes kept */
  smtpreply_start(&r);
  CHECK(stralloc_copys(&big, "250 "));
  for (i = 0; i < 100000; i++) if (!stralloc_append(&big, 'x')) break;
  CHECK(big.len == 100004);
  CHECK(smtpreply_line(&r, big.s, big.len) == SMTPREPLY_DONE);
  CHECK(r.text.len == SMTPREPLY_TEXT_MAX && r.cut);
  /* 100000 lines: 100 kept, all checked */
  smtpreply_start(&r);
  {
    size_t more = 0;
    for (i = 0; i < 100000; i++) more += smtpreply_line(&r, "250-abc", 7) == SMTPREPLY_MORE;
    CHECK(more == 100000);
  }
  CHECK(smtpreply_line(&r, "250 end", 7) == SMTPREPLY_DONE);
  CHECK(r.lines == 100001 && r.cut && r.text.len <= SMTPREPLY_TEXT_MAX);
  CHECK(r.text.len == 100 * 8 - 1);
  stralloc_free(&big);
  stralloc_free(&r.text);
}

static void test_ehlo(void)
{
  struct smtpreply_ehlo e;
  static const char t1[] = "250-mx.example SIZE 1\n250-SIZE 1000\n250-8bitmime\n250-PIPELINING\n250 SMTPUTF8";
  static const char t2[] = "250-mx\n250-SIZE\n250 XPIPELINING";

  smtpreply_ehlo(t1, sizeof t1 - 1, &e);
  CHECK(e.size && e.sizemax == 1000 && e.eightbitmime && e.pipelining && e.smtputf8);
  smtpreply_ehlo(t2, sizeof t2 - 1, &e);
  CHECK(e.size && e.sizemax == 0 && !e.eightbitmime && !e.pipelining && !e.smtputf8);
  smtpreply_ehlo("250 PIPELINING", 14, &e);
  CHECK(!e.pipelining);
}

/* the body fed in every split into two chunks must give the same bytes */
static void body_case(const char *in, size_t n, const char *want, size_t wn)
{
  size_t cut;

  for (cut = 0; cut <= n; cut++) {
    struct smtpbody b;
    stralloc o = STRALLOC_ZERO;
    unsigned long long bytes = 0;
    int eight = 0;
    smtpbody_start(&b);
    CHECK(smtpbody_feed(&b, &o, in, cut));
    CHECK(smtpbody_feed(&b, &o, in + cut, n - cut));
    CHECK(smtpbody_end(&b, &o));
    CHECK_MEM(o.s, o.len, want, wn);
    smtpbody_start(&b);
    smtpbody_measure(&b, in, cut, &bytes, &eight);
    smtpbody_measure(&b, in + cut, n - cut, &bytes, &eight);
    bytes += smtpbody_measure_end(&b);
    {
      /* the size is the wire form without stuffing and without ".\r\n" */
      size_t dots = 0, i;
      for (i = 0; i + 1 < o.len; i++)
        if ((i == 0 || (o.s[i - 1] == '\n')) && o.s[i] == '.' && i + 3 < o.len) dots++;
      CHECK(bytes + dots + 3 == o.len);
    }
    stralloc_free(&o);
  }
}
#define BODY(in, want) body_case((in), sizeof(in) - 1, (want), sizeof(want) - 1)

static void test_body(void)
{
  BODY("", ".\r\n");
  BODY("a\n", "a\r\n.\r\n");
  BODY("a", "a\r\n.\r\n");
  BODY("a\r\nb\r\n", "a\r\nb\r\n.\r\n");
  BODY(".\n", "..\r\n.\r\n");
  BODY("x\n.\nmore\n", "x\r\n..\r\nmore\r\n.\r\n");
  BODY("x\r.\r\nmore\n", "x\r\n..\r\nmore\r\n.\r\n");
  BODY("x\n.\rmore\n", "x\r\n..\r\nmore\r\n.\r\n");
  BODY("x\r\n.\r\nmore\n", "x\r\n..\r\nmore\r\n.\r\n");
  BODY("a\rb\r", "a\r\nb\r\n.\r\n");
  BODY("a\r\r\nb", "a\r\n\r\nb\r\n.\r\n");
  BODY("..x\n", "...x\r\n.\r\n");
  BODY("\r", "\r\n.\r\n");
  BODY("a.\n.", "a.\r\n..\r\n.\r\n");
}

static void test_body_8bit(void)
{
  struct smtpbody b;
  unsigned long long bytes = 0;
  int eight = 0;

  smtpbody_start(&b);
  smtpbody_measure(&b, "abc\n", 4, &bytes, &eight);
  CHECK(!eight && bytes == 5);
  smtpbody_measure(&b, "\xc3\xa9", 2, &bytes, &eight);
  CHECK(eight && bytes == 7);
}

static void test_tcpto(void)
{
  unsigned char t[TCPTO_SIZE];
  unsigned char a4[16] = { 192, 0, 2, 1 }, b4[16] = { 192, 0, 2, 2 };
  unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
  struct tcpto_entry e;
  int i;

  memset(t, 0, sizeof t);
  CHECK(!tcpto_skip(t, 4, a4, 100000, 0));
  CHECK(tcpto_update(t, 4, a4, 1, 100000) == 1);
  tcpto_decode(t, &e);
  CHECK(e.family == 4 && e.count == 1 && e.last == 100000 && !memcmp(e.ip, a4, 4));
  CHECK(t[0] == 4 && t[1] == 1 && t[13] == 0x01 && t[14] == 0x86 && t[15] == 0xa0 && t[16] == 192);
  CHECK(!tcpto_skip(t, 4, a4, 100001, 0));          /* count 1: still tried */
  CHECK(tcpto_update(t, 4, a4, 1, 100060) == 0);    /* within 120 s: counts once */
  CHECK(tcpto_update(t, 4, a4, 1, 100200) == 1);
  CHECK(tcpto_skip(t, 4, a4, 100201, 0));
  CHECK(tcpto_skip(t, 4, a4, 100200 + 3839, 0));
  CHECK(!tcpto_skip(t, 4, a4, 100200 + 3840, 0));   /* pid 0: 60 * 64 s */
  CHECK(tcpto_skip(t, 4, a4, 100200 + 3840, 31));   /* pid & 31 == 31: 91 * 64 s */
  CHECK(!tcpto_skip(t, 4, a4, 100200 + 5824, 31));
  CHECK(!tcpto_skip(t, 4, b4, 100201, 0));
  CHECK(!tcpto_skip(t, 6, a4, 100201, 0));          /* the family is part of the key */
  CHECK(tcpto_update(t, 6, a6, 1, 100000) == 1);
  tcpto_decode(t + TCPTO_RECORD, &e);
  CHECK(e.family == 6 && !memcmp(e.ip, a6, 16));
  CHECK(tcpto_update(t, 4, a4, 0, 100300) == 1);    /* success clears */
  CHECK(!tcpto_skip(t, 4, a4, 100301, 0));
  CHECK(tcpto_update(t, 4, b4, 0, 100300) == 0);    /* not there: nothing written */
  /* counts stop at 10 */
  for (i = 0; i < 20; i++) tcpto_update(t, 6, a6, 1, 200000 + i * 200);
  tcpto_decode(t + TCPTO_RECORD, &e);
  CHECK(e.count == TCPTO_COUNT_MAX);
  /* a full table: the record with the smallest last + 1024 * count goes */
  memset(t, 0, sizeof t);
  for (i = 0; i < TCPTO_RECORDS; i++) {
    unsigned char ip[16] = { 10, 0, 0, (unsigned char)i };
    tcpto_update(t, 4, ip, 1, 1000000 + (i == 7 ? -5000 : i));
  }
  CHECK(tcpto_update(t, 4, a4, 1, 2000000) == 1);
  tcpto_decode(t + 7 * TCPTO_RECORD, &e);
  CHECK(e.family == 4 && !memcmp(e.ip, a4, 4));
  /* garbage records read as free */
  memset(t, 'x', sizeof t);
  CHECK(!tcpto_skip(t, 4, a4, 1, 0));
  tcpto_decode(t, &e);
  CHECK(e.family == 0);
}

/* a line the end of input cuts before its LF is told apart (2) from a
   whole line (1), so that qmail-remote never takes "250 ok" and a close
   as a reply */
static void test_getline_end(void)
{
  stralloc l = STRALLOC_ZERO;
  int p[2], toolong;

  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "250-a\r\n250 ok", 13) == 13);
  close(p[1]);
  smtpio_init(p[0], p[0], 5, 0);
  CHECK(smtpio_getline(&l, 100, &toolong) == 1);
  CHECK_MEM(l.s, l.len, "250-a\r", 6);
  CHECK(smtpio_getline(&l, 100, &toolong) == 2);
  CHECK_MEM(l.s, l.len, "250 ok", 6);
  CHECK(smtpio_getline(&l, 100, &toolong) == 0);
  close(p[0]);
  stralloc_free(&l);
}

int main(void)
{
  RUN(test_reply_codes);
  RUN(test_reply_text);
  RUN(test_ehlo);
  RUN(test_body);
  RUN(test_body_8bit);
  RUN(test_tcpto);
  RUN(test_getline_end);
  return check_exit("test_remote");
}
