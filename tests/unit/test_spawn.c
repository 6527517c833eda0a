/* Unit tests for spawn.c: the request parser and its checks, the report
   framing, qmail-lspawn's exit-code mapping, qmail-rspawn's conversion
   of qmail-remote's reports, and the descriptors of a delivery child. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "fd.h"
#include "spawn.h"
#include "stralloc.h"

static struct spawn_request req = SPAWN_REQUEST_ZERO;

/* feeds s[0..len) in chunks of `step` bytes; returns the number of
   complete requests, leaving the last one in req */
static int feed(const char *s, size_t len, size_t step, size_t *rest)
{
  size_t pos = 0;
  int n = 0;

  spawn_request_reset(&req);
  while (pos < len) {
    size_t chunk = len - pos < step ? len - pos : step;
    size_t used = 0;
    if (spawn_request_feed(&req, s + pos, chunk, &used)) {
      ++n;
      pos += used;
      if (pos < len) spawn_request_reset(&req);
      continue;
    }
    CHECK(used == chunk);
    pos += used;
  }
  if (rest) *rest = len - pos;
  return n;
}

#define REQ(s) s, sizeof(s) - 1

static void test_parse(void)
{
  static const char one[] = "\000\0053/12345\0bob@example.org\0alice@example.net\0";
  size_t step;

  for (step = 1; step <= sizeof one; ++step) {
    CHECK(feed(one, sizeof one, step, 0) == 1);
    CHECK(req.slot == 5);
    CHECK_STR(req.messpath.s, "3/12345");
    CHECK(req.messpath.len == 8);
    CHECK_STR(req.sender.s, "bob@example.org");
    CHECK(req.nrcpt == 1);
    CHECK_MEM(req.recipients.s, req.recipients.len, "alice@example.net", 18);
    CHECK(!req.nomem && !req.toolong);
    CHECK(spawn_request_check(&req, 120, 0, 1) == 0);
  }

  /* two requests in one buffer: the first stops exactly at its end; a
     slot above 255 */
  {
    static const char two[] = "\000\0011/2\0\0a@b\0\0\001\0022/3\0s\0c@d\0e@D\0";
    size_t used = 0;
    spawn_request_reset(&req);
    CHECK(spawn_request_feed(&req, two, sizeof two, &used) == 1);
    CHECK(used == 12);
    CHECK(req.slot == 1);
    CHECK_STR(req.sender.s, "");
    CHECK_STR(req.recipients.s, "a@b");
    spawn_request_reset(&req);
    CHECK(spawn_request_feed(&req, two + used, sizeof two - used, &used) == 1);
    CHECK(req.slot == 258);
    CHECK_STR(req.messpath.s, "2/3");
    CHECK(req.nrcpt == 2);
    CHECK_MEM(req.recipients.s, req.recipients.len, "c@d\0e@D", 8);
    CHECK(spawn_request_check(&req, 300, 0, 2) == 0);
    /* one recipient per request here */
    CHECK(spawn_request_check(&req, 300, 0, 1)[0] == 'Z');
  }

  /* an incomplete request is not complete */
  {
    size_t used = 0;
    spawn_request_reset(&req);
    CHECK(spawn_request_feed(&req, REQ("\000\0011/2\0a@b\0c@d\0"), &used) == 0);
    CHECK(used == 14);
    CHECK(req.state == 4);
  }
}

static void test_toolong(void)
{
  static char big[SPAWN_ADDRESS_MAX + 64];
  size_t len, rest;
  char path[SPAWN_MESSPATH_MAX + 8];
  unsigned int i;

  /* messpath of 101 bytes: consumed, not stored, answered D 5.3.5 */
  memset(path, '1', sizeof path);
  path[1] = '/';
  len = 0;
  big[len++] = 0;
  big[len++] = 3;
  memcpy(big + len, path, SPAWN_MESSPATH_MAX + 1); len += SPAWN_MESSPATH_MAX + 1;
  big[len++] = 0;
  memcpy(big + len, "s\0r@h\0", 7); len += 7;
  CHECK(feed(big, len, 7, &rest) == 1 && rest == 0);
  CHECK(req.toolong == 1);
  CHECK(spawn_request_check(&req, 120, 0, 1) != 0);
  CHECK(spawn_request_check(&req, 120, 0, 1)[0] == 'D');
  CHECK(strstr(spawn_request_check(&req, 120, 0, 1), "#5.3.5") != 0);

  /* exactly 100 bytes is fine */
  len = 0;
  big[len++] = 0;
  big[len++] = 3;
  memcpy(big + len, path, SPAWN_MESSPATH_MAX); len += SPAWN_MESSPATH_MAX;
  big[len++] = 0;
  memcpy(big + len, "s\0r@h\0", 7); len += 7;
  CHECK(feed(big, len, 1000, 0) == 1);
  CHECK(req.toolong == 0);
  CHECK(spawn_request_check(&req, 120, 0, 1) == 0);

  /* an overlong recipient: framing stays in sync with what follows */
  len = 0;
  big[len++] = 0;
  big[len++] = 9;
  memcpy(big + len, "1/2\0\0", 5); len += 5;
  memset(big + len, 'a', SPAWN_ADDRESS_MAX + 1); len += SPAWN_ADDRESS_MAX + 1;
  big[len++] = 0;
  big[len++] = 0;
  memcpy(big + len, "\000\0111/2\0s\0x@y\0", 13); len += 13;
  CHECK(feed(big, len, 4096, &rest) == 2 && rest == 0);
  CHECK(req.slot == 9);
  CHECK_STR(req.recipients.s, "x@y");
  {
    size_t used;
    spawn_request_reset(&req);
    CHECK(spawn_request_feed(&req, big, len, &used) == 1);
    CHECK(req.toolong == 4);
    CHECK(req.nrcpt == 1 && req.recipients.len == 0);
    CHECK(spawn_request_check(&req, 120, 0, 1)[0] == 'D');
    CHECK(strstr(spawn_request_check(&req, 120, 0, 1), "#5.1.3") != 0);
  }

  /* more recipients than a request may have: counted, answered Z */
  spawn_request_reset(&req);
  {
    size_t used;
    CHECK(spawn_request_feed(&req, REQ("\000\0011/2\0s\0"), &used) == 0);
    for (i = 0; i < SPAWN_RECIPIENTS_MAX + 5; ++i)
      CHECK(spawn_request_feed(&req, REQ("r@h\0"), &used) == 0 && used == 4);
    CHECK(spawn_request_feed(&req, "", 1, &used) == 1);
    CHECK(req.nrcpt == SPAWN_RECIPIENTS_MAX + 5);
    CHECK(req.toolong == 8);
    CHECK(req.recipients.len == 4 * SPAWN_RECIPIENTS_MAX);
    CHECK(spawn_request_check(&req, 120, 0, SPAWN_RECIPIENTS_MAX)[0] == 'Z');
  }
}

static void test_messpath(void)
{
  CHECK(spawn_messpath_ok(REQ("0/1")));
  CHECK(spawn_messpath_ok(REQ("22/123456789")));
  CHECK(!spawn_messpath_ok(REQ("")));
  CHECK(!spawn_messpath_ok(REQ("/1")));
  CHECK(!spawn_messpath_ok(REQ("1/")));
  CHECK(!spawn_messpath_ok(REQ("12")));
  CHECK(!spawn_messpath_ok(REQ("1//2")));
  CHECK(!spawn_messpath_ok(REQ("1/2/3")));
  CHECK(!spawn_messpath_ok(REQ("../1")));
  CHECK(!spawn_messpath_ok(REQ("1/a")));
  CHECK(!spawn_messpath_ok(REQ("-1/2")));
  CHECK(!spawn_messpath_ok(REQ("1/2 ")));
}

static void test_check(void)
{
  const char *r;

  CHECK(feed(REQ("\000\0051/2\0s@x\0r@y\0\0"), 100, 0) == 1);
  CHECK(spawn_request_check(&req, 120, 0, 1) == 0);
  r = spawn_request_check(&req, 5, 0, 1); /* slot 5 of 5 */
  CHECK(r && r[0] == 'Z' && strstr(r, "#4.3.5"));
  r = spawn_request_check(&req, 120, 1, 1); /* busy */
  CHECK(r && r[0] == 'Z' && strstr(r, "#4.3.5"));

  CHECK(feed(REQ("\000\0051/2\0s@x\0nohost\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 1);
  CHECK(r && r[0] == 'D' && strstr(r, "#5.1.3"));

  CHECK(feed(REQ("\000\0051/2\0s@x\0@\0\0"), 100, 0) == 1);
  CHECK(spawn_request_check(&req, 120, 0, 1) == 0); /* trash address: fine */

  CHECK(feed(REQ("\000\005mess/1/2\0s@x\0r@y\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 1);
  CHECK(r && r[0] == 'D' && strstr(r, "#5.3.5"));

  CHECK(feed(REQ("\000\005\0s@x\0r@y\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 1);
  CHECK(r && r[0] == 'D' && strstr(r, "#5.3.5"));

  /* no recipients */
  CHECK(feed(REQ("\000\0051/2\0s@x\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 1);
  CHECK(r && r[0] == 'D' && strstr(r, "#5.3.5"));

  /* several: one domain, without regard to case */
  CHECK(feed(REQ("\000\0051/2\0s@x\0a@Y.example\0b@y.EXAMPLE\0\0"), 100, 0) == 1);
  CHECK(spawn_request_check(&req, 120, 0, 2) == 0);
  CHECK(feed(REQ("\000\0051/2\0s@x\0a@y.example\0b@z.example\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 2);
  CHECK(r && r[0] == 'Z' && strstr(r, "#4.3.5"));
  CHECK(feed(REQ("\000\0051/2\0s@x\0a@y.example\0b\0\0"), 100, 0) == 1);
  r = spawn_request_check(&req, 120, 0, 2);
  CHECK(r && r[0] == 'D' && strstr(r, "#5.1.3"));

  CHECK(feed(REQ("\000\0051/2\0s@x\0r@y\0\0"), 100, 0) == 1);
  req.nomem = 1;
  r = spawn_request_check(&req, 120, 0, 1);
  CHECK(r && r[0] == 'Z' && strstr(r, "#4.3.0"));
}

static void test_report_cat(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(spawn_report_cat(&sa, 7, 1, REQ("Kdid 1\n")));
  CHECK_MEM(sa.s, sa.len, "\000\007Kdid 1\n", 10);
  sa.len = 0;
  CHECK(spawn_report_cat(&sa, 0, 1, REQ("Dab\0cd")));
  CHECK_MEM(sa.s, sa.len, "\0\0Dab", 6);
  sa.len = 0;
  CHECK(spawn_report_cat(&sa, 999, 1, "", 0));
  CHECK_MEM(sa.s, sa.len, "\003\347Z", 4);
  sa.len = 0;
  /* exactly n items: missing ones are Z, extra ones dropped */
  CHECK(spawn_report_cat(&sa, 1, 3, REQ("Ka\0\0")));
  CHECK_MEM(sa.s, sa.len, "\0\001Ka\0Z\0Z", 9);
  sa.len = 0;
  CHECK(spawn_report_cat(&sa, 1, 1, REQ("Ka\0Kb\0")));
  CHECK_MEM(sa.s, sa.len, "\0\001Ka", 5);
  stralloc_free(&sa);
}

/* items: want[0..len) */
static void expectn(const stralloc *sa, const char *want, size_t len)
{
  CHECK_MEM(sa->s, sa->len, want, len);
  if (sa->len != len || memcmp(sa->s, want, len))
    printf("    got [%.*s]\n", (int)sa->len, sa->s);
}
#define EXPECT(sa, w) expectn(sa, w, sizeof(w))   /* with the last NUL */

static void expect(const stralloc *sa, const char *want)
{
  CHECK_MEM(sa->s, sa->len, want, strlen(want));
  if (sa->len != strlen(want) || memcmp(sa->s, want, sa->len))
    printf("    got [%.*s]\n", (int)sa->len, sa->s);
}

static void test_local(void)
{
  stralloc sa = STRALLOC_ZERO;
  static char big[SPAWN_LOCAL_REPORTMAX + 1];
  static const int temp[] = { 111, 71, 74, 75, 117, 119, 118, 116, 113, 112, 115, 120, 121 };
  static const int perm[] = { 100, 1, 2, 64, 99, 101, 110, 122, 126, 127, 255 };
  size_t i;

  CHECK(spawn_local_report(&sa, 0, 0, REQ("did 0+0+1/\n"), 0));
  expect(&sa, "Kdid 0+0+1/\n");
  CHECK(spawn_local_report(&sa, 0, 0, "", 0, 0));
  expect(&sa, "K");
  CHECK(spawn_local_report(&sa, 1, 0, REQ("partial"), 0));
  expect(&sa, "Zqmail-local crashed.\npartial");
  CHECK(spawn_local_report(&sa, 0, 111, REQ("Unable to open: x. (#4.2.1)\n"), 0));
  expect(&sa, "ZUnable to open: x. (#4.2.1)\n");
  CHECK(spawn_local_report(&sa, 0, 100, REQ("Sorry, no mailbox here by that name. (#5.1.1)\n"), 0));
  expect(&sa, "DSorry, no mailbox here by that name. (#5.1.1)\n");
  CHECK(spawn_local_report(&sa, 0, 117, "", 0, 0));
  expect(&sa, "ZUnable to read users/cdb. (#4.3.0)\n");
  CHECK(spawn_local_report(&sa, 0, 113, "", 0, 0));
  expect(&sa, "ZRefusing to deliver as root. (#4.3.0)\n");
  CHECK(spawn_local_report(&sa, 0, 126, "", 0, 0));
  expect(&sa, "DUnable to run qmail-local. (#5.3.5)\n");
  CHECK(spawn_local_report(&sa, 0, 120, REQ("why\n"), 0));
  expect(&sa, "ZUnable to run qmail-local. (#4.3.0)\nwhy\n");
  CHECK(spawn_local_report(&sa, 0, 121, "", 0, 0));
  expect(&sa, "ZUnable to run qmail-getpw. (#4.3.0)\n");
  CHECK(spawn_local_report(&sa, 0, 116, "", 0, 0));
  expect(&sa, "ZUnable to find the alias account. (#4.3.0)\n");

  for (i = 0; i < sizeof temp / sizeof temp[0]; ++i) {
    CHECK(spawn_local_report(&sa, 0, temp[i], "", 0, 0));
    CHECK(sa.len && sa.s[0] == 'Z');
  }
  for (i = 0; i < sizeof perm / sizeof perm[0]; ++i) {
    CHECK(spawn_local_report(&sa, 0, perm[i], "", 0, 0));
    CHECK(sa.len && sa.s[0] == 'D');
  }

  /* the text stops at the first NUL; nothing after it counts as lost */
  CHECK(spawn_local_report(&sa, 0, 0, REQ("did 1\0garbage"), 1));
  expect(&sa, "Kdid 1");

  /* 3000 bytes pass whole; 3001 are cut with a note */
  memset(big, 'x', sizeof big);
  CHECK(spawn_local_report(&sa, 0, 0, big, SPAWN_LOCAL_REPORTMAX, 0));
  CHECK(sa.len == 1 + SPAWN_LOCAL_REPORTMAX);
  CHECK(spawn_local_report(&sa, 0, 111, big, sizeof big, 0));
  CHECK(sa.s[0] == 'Z');
  CHECK(sa.len > 1 + SPAWN_LOCAL_REPORTMAX);
  CHECK(sa.s[1 + SPAWN_LOCAL_REPORTMAX] == '\n');
  CHECK(memmem(sa.s, sa.len, "report too long", 15) != 0);
  CHECK(memchr(sa.s, 0, sa.len) == 0);
  /* dropped bytes without a NUL also mean a cut */
  CHECK(spawn_local_report(&sa, 0, 0, big, 10, 1));
  CHECK(sa.len > 11 && memmem(sa.s, sa.len, "report too long", 15) != 0);
  stralloc_free(&sa);
}

static void test_remote(void)
{
  stralloc sa = STRALLOC_ZERO;

  /* accepted, then the message went through */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0"), 0));
  EXPECT(&sa, "K1.2.3.4 accepted message.\nRemote host said: 250 ok\n");
  /* accepted, then a temporary failure at DATA */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0Zdata refused\n\0"), 0));
  EXPECT(&sa, "Zdata refused\n");
  /* recipient refused permanently: D, both texts */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("h550 no such user\n\0Dgiving up\n\0"), 0));
  EXPECT(&sa, "D550 no such user\ngiving up\n");
  /* recipient refused temporarily: Z even though the message report is D */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("s451 later\n\0Dno recipients\n\0"), 0));
  EXPECT(&sa, "Z451 later\nno recipients\n");
  /* recipient refused, yet the message report says K: the K text is left out */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("h550 no\n\0Kodd\n\0"), 0));
  EXPECT(&sa, "D550 no\n");
  /* recipient refused temporarily, message Z: both texts */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("s451 later\n\0Zno recipients\n\0"), 0));
  EXPECT(&sa, "Z451 later\nno recipients\n");
  /* early failure: only a message report */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("ZConnected to 1.2.3.4 but greeting failed.\n\0"), 0));
  EXPECT(&sa, "ZConnected to 1.2.3.4 but greeting failed.\n");
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("DSorry, I couldn't find any host named x. (#5.1.2)\n\0"), 0));
  EXPECT(&sa, "DSorry, I couldn't find any host named x. (#5.1.2)\n");
  /* no K/Z/D at all: D */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0"), 0));
  EXPECT(&sa, "D");
  /* garbage only */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("hello"), 0));
  EXPECT(&sa, "Dello");
  /* a final report without its NUL still counts */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0Kok"), 1));
  EXPECT(&sa, "Kok");
  /* extra reports cannot add records */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0Kok\0Dfake\0Kmore\0"), 0));
  EXPECT(&sa, "Kok");

  /* several recipients, in argv order */
  CHECK(spawn_remote_report(&sa, 4, 0, 0, REQ("r\0h550 no\n\0s451 later\n\0r\0Kqueued as 1\n\0"), 0));
  EXPECT(&sa, "Kqueued as 1\n\0D550 no\n\0Z451 later\n\0Kqueued as 1\n");
  /* all refused: the message report follows the refusals */
  CHECK(spawn_remote_report(&sa, 2, 0, 0, REQ("h550 a\n\0s451 b\n\0Dno recipients\n\0"), 0));
  EXPECT(&sa, "D550 a\nno recipients\n\0Z451 b\nno recipients\n");
  /* an early failure: recipients without a report get the message's */
  CHECK(spawn_remote_report(&sa, 3, 0, 0, REQ("r\0ZConnection lost.\n\0"), 0));
  EXPECT(&sa, "ZConnection lost.\n\0ZConnection lost.\n\0ZConnection lost.\n");
  CHECK(spawn_remote_report(&sa, 2, 0, 0, REQ("DNo host.\n\0"), 0));
  EXPECT(&sa, "DNo host.\n\0DNo host.\n");
  /* output cut before the message report: never K, never D */
  CHECK(spawn_remote_report(&sa, 3, 0, 0, REQ("r\0h550 x\n\0"), 1));
  CHECK(sa.len > 4 && sa.s[0] == 'Z');
  CHECK(memmem(sa.s, sa.len, "\0D550 x\n\0Z", 10) != 0);
  /* too many reports: only n items */
  CHECK(spawn_remote_report(&sa, 1, 0, 0, REQ("r\0r\0r\0Kok\0"), 0));
  EXPECT(&sa, "Kok");

  CHECK(spawn_remote_report(&sa, 2, 0, 0, "", 0, 0));
  CHECK(sa.len && sa.s[0] == 'Z' && memchr(sa.s, 0, sa.len) != 0);
  CHECK(spawn_remote_report(&sa, 2, 1, 0, REQ("Kok\0"), 0));
  EXPECT(&sa, "Zqmail-remote crashed. (#4.3.0)\n\0Zqmail-remote crashed. (#4.3.0)\n");
  CHECK(spawn_remote_report(&sa, 1, 0, 111, REQ("qmail-rspawn: fatal: unable to run qmail-remote: No such file or directory\n"), 0));
  CHECK(sa.len && sa.s[0] == 'Z');
  CHECK(memmem(sa.s, sa.len, "No such file", 12) != 0);
  CHECK(spawn_remote_report(&sa, 1, 0, 100, REQ("Kok\0"), 0));
  CHECK(sa.len && sa.s[0] == 'D');
  stralloc_free(&sa);
}

/* in a child: the message on 0, the report pipe on 1 and 2, and nothing
   else, not even inheritable strays below or above the originals */
static void test_child_fds(void)
{
  int p[2];
  int status = -1;
  pid_t pid;
  char c[4];
  size_t n = 0;
  ssize_t r;

  CHECK(pipe2(p, O_CLOEXEC) == 0);
  pid = fork();
  if (pid == 0) {
    struct stat want, got;
    int mess = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd;
    if (mess == -1 || fstat(mess, &want) == -1) _exit(2);
    if (fd_move(30, mess) == -1 || fd_copy(31, p[1]) == -1) _exit(3);
    /* strays: a copy of the report pipe's read end, inheritable, on 3 and
       above the originals */
    if (fd_copy(3, p[0]) == -1 || fd_copy(40, p[0]) == -1) _exit(4);
    close(p[0]);
    close(p[1]);
    if (spawn_child_fds(30, 31) == -1) _exit(5);
    if (fstat(0, &got) == -1 || got.st_ino != want.st_ino || got.st_dev != want.st_dev)
      _exit(6);
    for (fd = 3; fd < 4096; ++fd)
      if (fcntl(fd, F_GETFD) != -1) _exit(7);
    if (write(1, "a", 1) != 1 || write(2, "b", 1) != 1) _exit(8);
    _exit(0);
  }
  close(p[1]);
  CHECK(pid > 0);
  /* to end of file: the child held no other copy of the write end */
  while (n < sizeof c && (r = read(p[0], c + n, sizeof c - n)) > 0) n += (size_t)r;
  CHECK(n == 2 && c[0] == 'a' && c[1] == 'b');
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(p[0]);
}

int main(void)
{
  RUN(test_parse);
  RUN(test_toolong);
  RUN(test_messpath);
  RUN(test_check);
  RUN(test_report_cat);
  RUN(test_local);
  RUN(test_remote);
  RUN(test_child_fds);
  spawn_request_free(&req);
  return check_exit("test_spawn");
}
