/* test_control: control files in a private temporary directory, and the
   buffer parsers behind them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "control.h"
#include "stralloc.h"

static char dir[] = "/tmp/test_control.XXXXXX";

static void put(const char *fn, const char *s, size_t n)
{
  int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  CHECK(fd != -1);
  CHECK(write(fd, s, n) == (ssize_t)n);
  close(fd);
}
#define PUT(fn, lit) put((fn), (lit), sizeof(lit) - 1)

/* compares a list of NUL-terminated entries */
#define CHECK_LIST(sa, lit) CHECK_MEM((sa).s, (sa).len, (lit), sizeof(lit) - 1)

static void test_parseline(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(control_parseline(&sa, "mail.example.com\n", 17) == 1);
  CHECK_MEM(sa.s, sa.len, "mail.example.com", 16);
  CHECK(control_parseline(&sa, "  lead kept \t \r\nsecond\n", 23) == 1);
  CHECK_MEM(sa.s, sa.len, "  lead kept", 11);
  CHECK(control_parseline(&sa, "no newline", 10) == 1);
  CHECK_MEM(sa.s, sa.len, "no newline", 10);
  CHECK(control_parseline(&sa, "", 0) == 1);
  CHECK(sa.len == 0);
  CHECK(control_parseline(&sa, "\nsecond", 7) == 1);
  CHECK(sa.len == 0);
  CHECK(control_parseline(&sa, "inner  space\r\n", 14) == 1);
  CHECK_MEM(sa.s, sa.len, "inner  space", 12);
  CHECK(control_parseline(&sa, "nul\0inside\n", 11) == 1);
  CHECK_MEM(sa.s, sa.len, "nul\0inside", 10);
  stralloc_free(&sa);
}

static void test_parselist(void)
{
  static const char text[] =
    "# comment\n"
    "example.com\n"
    "\n"
    "   \t\n"
    "Example.NET  \r\n"
    " # not a comment: leading space\n"
    "#another\n"
    "last.example";
  stralloc sa = STRALLOC_ZERO;

  CHECK(control_parselist(&sa, text, sizeof text - 1) == 1);
  CHECK_LIST(sa, "example.com\0Example.NET\0 # not a comment: leading space\0last.example\0");
  /* appends */
  CHECK(control_parselist(&sa, "more\n", 5) == 1);
  CHECK_LIST(sa, "example.com\0Example.NET\0 # not a comment: leading space\0last.example\0more\0");
  sa.len = 0;
  CHECK(control_parselist(&sa, "", 0) == 1);
  CHECK(sa.len == 0);
  CHECK(control_parselist(&sa, "\n\n#\n\r\n", 6) == 1);
  CHECK(sa.len == 0);
  CHECK(control_parselist(&sa, "a\r\nb\r\n", 6) == 1);
  CHECK_LIST(sa, "a\0b\0");
  stralloc_free(&sa);
}

static void test_files(void)
{
  stralloc sa = STRALLOC_ZERO;
  stralloc me = STRALLOC_ZERO;
  unsigned long u;
  char big[20000];
  size_t i;

  PUT("control/me", "mx.example.org\r\n");
  PUT("control/empty", "");
  PUT("control/crlfonly", "\r\n");
  PUT("control/list", "#c\n\none.example\nTWO.example \t\n\n#x\nthree");
  PUT("control/int", "604800\n");
  PUT("control/intjunk", "120seconds\nbla");
  PUT("control/intspace", " 42\n");
  PUT("control/intnone", "abc\n");
  PUT("control/intempty", "");
  PUT("control/intbig", "99999999999999999999999999\n");

  CHECK(control_readline(&sa, "control/me") == 1);
  CHECK_MEM(sa.s, sa.len, "mx.example.org", 14);
  CHECK(stralloc_copy(&me, &sa));
  CHECK(control_readline(&sa, "control/empty") == 1);
  CHECK(sa.len == 0);
  CHECK(control_readline(&sa, "control/crlfonly") == 1);
  CHECK(sa.len == 0);
  CHECK(stralloc_copys(&sa, "untouched"));
  CHECK(control_readline(&sa, "control/missing") == 0);
  CHECK_MEM(sa.s, sa.len, "untouched", 9);

  CHECK(control_rldef(&sa, "control/helohost", &me, "helohost") == 1);
  CHECK_MEM(sa.s, sa.len, "mx.example.org", 14);
  CHECK(control_rldef(&sa, "control/helohost", 0, "helohost") == 1);
  CHECK_MEM(sa.s, sa.len, "helohost", 8);
  me.len = 0;
  CHECK(control_rldef(&sa, "control/helohost", &me, "dflt") == 1);
  CHECK_MEM(sa.s, sa.len, "dflt", 4);
  CHECK(control_rldef(&sa, "control/helohost", &me, 0) == 0);
  CHECK(sa.len == 0);
  CHECK(control_rldef(&sa, "control/me", 0, "dflt") == 1);
  CHECK_MEM(sa.s, sa.len, "mx.example.org", 14);
  CHECK(control_rldef(&sa, "control/empty", 0, "dflt") == 1); /* exists: empty */
  CHECK(sa.len == 0);

  u = 7;
  CHECK(control_readint(&u, "control/int") == 1);
  CHECK(u == 604800);
  CHECK(control_readint(&u, "control/intjunk") == 1);
  CHECK(u == 120);
  u = 7;
  CHECK(control_readint(&u, "control/intspace") == 0);
  CHECK(control_readint(&u, "control/intnone") == 0);
  CHECK(control_readint(&u, "control/intempty") == 0);
  CHECK(control_readint(&u, "control/intbig") == 0);
  CHECK(control_readint(&u, "control/missing") == 0);
  CHECK(u == 7);

  sa.len = 0;
  CHECK(control_readlist(&sa, "control/list") == 1);
  CHECK_LIST(sa, "one.example\0TWO.example\0three\0");
  CHECK(control_readlist(&sa, "control/missing") == 0);
  CHECK_LIST(sa, "one.example\0TWO.example\0three\0");
  sa.len = 0;
  CHECK(control_readlist(&sa, "control/empty") == 1);
  CHECK(sa.len == 0);

  /* a file larger than any read chunk */
  for (i = 0; i < sizeof big; ++i) big[i] = (i % 100 == 99) ? '\n' : (char)('a' + i % 26);
  put("control/big", big, sizeof big);
  sa.len = 0;
  CHECK(control_readlist(&sa, "control/big") == 1);
  CHECK(sa.len == sizeof big); /* 200 lines of 99 bytes + NUL each */
  CHECK(control_readline(&sa, "control/big") == 1);
  CHECK(sa.len == 99);

  /* errors other than "missing" */
  errno = 0;
  CHECK(control_readline(&sa, "control") == -1); /* a directory */
  CHECK(errno == EISDIR);
  errno = 0;
  CHECK(control_readlist(&sa, "control/me/sub") == -1);
  CHECK(errno == ENOTDIR);
  CHECK(control_readint(&u, "control") == -1);

  /* a symlinked control file is read; anything but a regular file is an
     error at once, even a FIFO whose writer keeps it open */
  CHECK(symlink("me", "control/melink") == 0);
  CHECK(control_readline(&sa, "control/melink") == 1);
  CHECK_MEM(sa.s, sa.len, "mx.example.org", 14);
  CHECK(mkfifo("control/fifo", 0644) == 0);
  alarm(10); /* a hang ends the test */
  errno = 0;
  CHECK(control_readline(&sa, "control/fifo") == -1);
  CHECK(errno == EINVAL);
  {
    int holder = open("control/fifo", O_RDWR);
    CHECK(holder != -1);
    errno = 0;
    CHECK(control_readint(&u, "control/fifo") == -1);
    CHECK(errno == EINVAL);
    CHECK(symlink("fifo", "control/fifolink") == 0);
    sa.len = 0;
    errno = 0;
    CHECK(control_readlist(&sa, "control/fifolink") == -1);
    CHECK(errno == EINVAL);
    CHECK(sa.len == 0);
    close(holder);
  }
  alarm(0);
  if (geteuid() != 0) {
    PUT("control/secret", "x\n");
    chmod("control/secret", 0);
    errno = 0;
    CHECK(control_readline(&sa, "control/secret") == -1);
    CHECK(errno == EACCES);
    unlink("control/secret");
  }
  stralloc_free(&sa);
  stralloc_free(&me);
}

static void cleanup(void)
{
  const char *names[] = { "me", "empty", "crlfonly", "list", "int", "intjunk",
    "intspace", "intnone", "intempty", "intbig", "big", "secret", "melink", "fifo",
    "fifolink" };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    char fn[64];
    snprintf(fn, sizeof fn, "control/%s", names[i]);
    unlink(fn);
  }
  rmdir("control");
  if (chdir("/") == 0) rmdir(dir);
}

int main(void)
{
  RUN(test_parseline);
  RUN(test_parselist);
  if (!mkdtemp(dir) || chdir(dir) == -1 || mkdir("control", 0755) == -1) {
    printf("test_control: cannot create %s\n", dir);
    return 1;
  }
  RUN(test_files);
  cleanup();
  return check_exit("test_control");
}
