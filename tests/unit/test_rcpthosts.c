/* test_rcpthosts: the relay decision over control/rcpthosts entries and
   morercpthosts.cdb: exact entries without case, ".suffix" entries match
   subdomains but not the domain itself, the last '@' splits, no '@' is
   always accepted, the cdb's keys are tried for the domain and every
   ".suffix" of it, a corrupt cdb is an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cdb.h"
#include "cdb_make.h"
#include "check.h"
#include "rcpthosts.h"

static const char list[] = "Example.COM\0.sub.example.org\0[127.0.0.1]\0partial-no-nul";

static int rh(const char *addr, struct cdb *c)
{
  return rcpthosts_match(list, sizeof list - 1, c, addr, strlen(addr));
}

static void test_list(void)
{
  CHECK(rh("joe@example.com", 0) == 1);
  CHECK(rh("joe@EXAMPLE.com", 0) == 1);
  CHECK(rh("joe@x.example.com", 0) == 0);       /* no '.' entry for it */
  CHECK(rh("joe@example.com.", 0) == 0);
  CHECK(rh("joe@a.sub.example.org", 0) == 1);
  CHECK(rh("joe@A.B.Sub.Example.ORG", 0) == 1);
  CHECK(rh("joe@sub.example.org", 0) == 0);     /* not the domain itself */
  CHECK(rh("joe@xsub.example.org", 0) == 0);
  CHECK(rh("joe@[127.0.0.1]", 0) == 1);
  CHECK(rh("joe", 0) == 1);                     /* no '@' */
  CHECK(rh("", 0) == 1);
  CHECK(rh("joe@", 0) == 0);
  CHECK(rh("joe@other.net", 0) == 0);
  CHECK(rh("joe@other.net@example.com", 0) == 1); /* the last '@' */
  CHECK(rh("joe@example.com@other.net", 0) == 0);
  CHECK(rh("joe@partial-no-nul", 0) == 0);      /* a fragment is no entry */
  CHECK(rcpthosts_match(0, 0, 0, "a@b", 3) == 0);
  CHECK(rcpthosts_match("", 0, 0, "a@b", 3) == 0);
  CHECK(rcpthosts_match("b\0", 2, 0, "a@b\0c", 5) == 0); /* NUL is a byte */
}

static void test_cdb(void)
{
  static const char *const keys[] = { "more.example", ".wild.example", 0 };
  char name[] = "/tmp/test_rcpthosts.XXXXXX";
  struct cdb_make m;
  struct cdb c;
  int fd = mkstemp(name), i;

  if (fd == -1) { perror("mkstemp"); exit(2); }
  unlink(name);
  if (cdb_make_start(&m, fd) == -1) exit(2);
  for (i = 0; keys[i]; i++)
    if (cdb_make_add(&m, keys[i], strlen(keys[i]), "", 0) == -1) exit(2);
  if (cdb_make_finish(&m) == -1 || cdb_init(&c, fd) == -1) exit(2);

  CHECK(rh("a@more.example", &c) == 1);
  CHECK(rh("a@MORE.Example", &c) == 1);         /* lowercased for the keys */
  CHECK(rh("a@x.more.example", &c) == 0);
  CHECK(rh("a@x.wild.example", &c) == 1);
  CHECK(rh("a@y.x.WILD.example", &c) == 1);
  CHECK(rh("a@wild.example", &c) == 0);
  CHECK(rh("a@example.com", &c) == 1);          /* the list still counts */
  CHECK(rh("a@nowhere", &c) == 0);
  CHECK(rh("a@", &c) == 0);
  CHECK(rcpthosts_match(0, 0, &c, "a@more.example", 14) == 1);
  cdb_free(&c);

  /* a file that is not a cdb: an error, not an answer */
  if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1) exit(2);
  {
    char junk[2048];
    memset(junk, 0xff, sizeof junk); /* every table outside the file */
    if (write(fd, junk, sizeof junk) != (ssize_t)sizeof junk) exit(2);
  }
  if (cdb_init(&c, fd) == -1) exit(2);
  errno = 0;
  CHECK(rh("a@nowhere", &c) == -1);
  cdb_free(&c);
  close(fd);
}

int main(void)
{
  RUN(test_list);
  RUN(test_cdb);
  return check_exit("test_rcpthosts");
}
