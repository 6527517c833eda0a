/* test_maildir: maildir names and real deliveries into a temporary
   directory, checking the exact bytes delivered, the name in new/ against
   the file's device, inode and size, and that tmp/ is left empty. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "maildir.h"
#include "stralloc.h"

static char base[] = "/tmp/test_maildir.XXXXXX";

#define CHECK_SA(x, lit) CHECK_MEM((x).s, (x).len, (lit), sizeof(lit) - 1)

static void test_names(void)
{
  stralloc sa = STRALLOC_ZERO;
  struct maildir_stamp t = { 1234567890UL, 5UL, 42UL };

  CHECK(maildir_cathost(&sa, "a/b:c,d", 7));
  CHECK_SA(sa, "a\\057b\\072c\\054d");
  sa.len = 0;
  CHECK(maildir_cathost(&sa, "mail.example.com", 16));
  CHECK_SA(sa, "mail.example.com");
  sa.len = 0;
  CHECK(maildir_cathost(&sa, "//", 2));
  CHECK_SA(sa, "\\057\\057");

  CHECK(maildir_tmpname(&sa, &t, "host", 4));
  CHECK_SA(sa, "1234567890.M5P42.host\0");
  CHECK(maildir_newname(&sa, &t, 0xfe00ULL, 0xa72501ULL, "host", 4, 92));
  CHECK_SA(sa, "1234567890.M5P42Vfe00Ia72501.host,S=92\0");
  CHECK(maildir_newname(&sa, &t, 0, 0xffffffffffffffffULL, "h\\057", 5, 0));
  CHECK_SA(sa, "1234567890.M5P42V0Iffffffffffffffff.h\\057,S=0\0");

  CHECK(maildir_hostname(&sa));
  CHECK(sa.len > 0);
  CHECK(memchr(sa.s, '/', sa.len) == 0 && memchr(sa.s, ':', sa.len) == 0);
  stralloc_free(&sa);
}

static void path(stralloc *sa, const char *a, const char *b)
{
  sa->len = 0;
  if (!stralloc_cats(sa, base) || !stralloc_cats(sa, a) || (b && !stralloc_cats(sa, b)) ||
      !stralloc_0(sa)) abort();
}

static int count_entries(const char *dir, stralloc *last)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  if (!d) return -1;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    n++;
    if (last && !stralloc_copys(last, e->d_name)) abort();
  }
  closedir(d);
  return n;
}

static void make_maildir(const char *name, int withtmp, int withnew)
{
  stralloc p = STRALLOC_ZERO;

  path(&p, name, 0); CHECK(mkdir(p.s, 0700) == 0);
  if (withtmp) { path(&p, name, "/tmp"); CHECK(mkdir(p.s, 0700) == 0); }
  if (withnew) { path(&p, name, "/new"); CHECK(mkdir(p.s, 0700) == 0); }
  path(&p, name, "/cur"); CHECK(mkdir(p.s, 0700) == 0);
  stralloc_free(&p);
}

/* a message file of n bytes with a recognisable pattern; returns its fd */
static int make_message(size_t n, stralloc *content)
{
  stralloc p = STRALLOC_ZERO;
  size_t i;
  int fd;

  content->len = 0;
  if (!stralloc_ready(content, n + 1)) abort();
  for (i = 0; i < n; i++) content->s[i] = (i % 61 == 60) ? '\n' : (char)('A' + i % 26);
  content->len = n;
  path(&p, "/message", 0);
  fd = open(p.s, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(fd != -1);
  CHECK(write(fd, content->s, n) == (ssize_t)n);
  stralloc_free(&p);
  return fd;
}

/* delivers an n-byte message of which headlen bytes are handed over as
   already read, then checks everything on disk */
static void deliver_and_check(const char *name, size_t n, size_t headlen)
{
  static const char lines[] = "Return-Path: <a@b.org>\nDelivered-To: joe@example.com\n";
  stralloc content = STRALLOC_ZERO, newname = STRALLOC_ZERO, p = STRALLOC_ZERO;
  stralloc got = STRALLOC_ZERO, expect = STRALLOC_ZERO, host = STRALLOC_ZERO;
  struct maildir_message m;
  struct maildir_result r;
  struct stat st;
  int fd, mfd;
  ssize_t k;

  make_maildir(name, 1, 1);
  mfd = make_message(n, &content);
  m.fd = mfd;
  m.head = content.s;
  m.headlen = headlen;
  m.whole = headlen == n;
  CHECK(maildir_hostname(&host));
  path(&p, name, 0);
  CHECK(maildir_deliver(p.s, lines, sizeof lines - 1, &m, host.s, host.len, &newname, &r) == 0);
  CHECK(r.size == sizeof lines - 1 + n);
  CHECK(lseek(mfd, 0, SEEK_CUR) == (off_t)n); /* pread only: offset untouched */
  close(mfd);

  /* exactly one file in new/, none in tmp/ */
  path(&p, name, "/new");
  {
    stralloc listed = STRALLOC_ZERO;
    CHECK(count_entries(p.s, &listed) == 1);
    CHECK_MEM(listed.s, listed.len, newname.s, newname.len);
    stralloc_free(&listed);
  }
  path(&p, name, "/tmp");
  CHECK(count_entries(p.s, 0) == 0);

  /* exact bytes */
  if (!stralloc_copys(&expect, lines) || !stralloc_catb(&expect, content.s, n)) abort();
  path(&p, name, "/new/");
  p.len--;
  if (!stralloc_catb(&p, newname.s, newname.len) || !stralloc_0(&p)) abort();
  fd = open(p.s, O_RDONLY);
  CHECK(fd != -1);
  CHECK(fstat(fd, &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  if (!stralloc_ready(&got, (size_t)st.st_size + 1)) abort();
  k = read(fd, got.s, (size_t)st.st_size + 1);
  got.len = k > 0 ? (size_t)k : 0;
  close(fd);
  CHECK_MEM(got.s, got.len, expect.s, expect.len);

  /* the name: <sec>.M<usec>P<pid>V<dev>I<ino>.<host>,S=<size> */
  {
    char want[200];
    const char *dot;
    int wl;
    if (!stralloc_0(&newname)) abort();
    dot = strchr(newname.s, '.');
    CHECK(dot && strncmp(dot, ".M", 2) == 0);
    wl = snprintf(want, sizeof want, "P%luV%llxI%llx.%.*s,S=%llu", (unsigned long)getpid(),
                  (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                  (int)host.len, host.s, (unsigned long long)st.st_size);
    CHECK(newname.len - 1 > (size_t)wl &&
          strcmp(newname.s + newname.len - 1 - (size_t)wl, want) == 0);
    CHECK((unsigned long long)st.st_size == sizeof lines - 1 + n);
  }
  stralloc_free(&content); stralloc_free(&newname); stralloc_free(&p);
  stralloc_free(&got); stralloc_free(&expect); stralloc_free(&host);
}

static void test_deliver(void)
{
  deliver_and_check("/small", 100, 100);      /* whole message already read */
  deliver_and_check("/partial", 1000, 10);    /* rest read with pread */
  deliver_and_check("/empty", 0, 0);
  deliver_and_check("/large", 700000, 65536); /* several copy rounds */
}

static void test_failures(void)
{
  stralloc p = STRALLOC_ZERO;
  struct maildir_message m = { -1, "x\n", 2, 1 };
  struct maildir_result r;

  /* no tmp/: nothing written anywhere */
  make_maildir("/notmp", 0, 1);
  path(&p, "/notmp", 0);
  errno = 0;
  CHECK(maildir_deliver(p.s, "", 0, &m, "h", 1, 0, &r) == -1);
  CHECK(errno == ENOENT);
  CHECK(r.failed && strcmp(r.failed, "create file in tmp/") == 0);
  path(&p, "/notmp", "/new");
  CHECK(count_entries(p.s, 0) == 0);

  /* no new/: the link fails and the tmp file is removed again */
  make_maildir("/nonew", 1, 0);
  path(&p, "/nonew", 0);
  CHECK(maildir_deliver(p.s, "", 0, &m, "h", 1, 0, &r) == -1);
  CHECK(errno == ENOENT);
  CHECK(r.failed && strcmp(r.failed, "link file into new/") == 0);
  path(&p, "/nonew", "/tmp");
  CHECK(count_entries(p.s, 0) == 0);

  /* no maildir at all */
  path(&p, "/missing", 0);
  CHECK(maildir_deliver(p.s, "", 0, &m, "h", 1, 0, &r) == -1);
  CHECK(r.failed && strcmp(r.failed, "open directory") == 0);

  /* unreadable message: the partial tmp file is removed */
  {
    struct maildir_message bad = { -1, "x\n", 2, 0 };
    make_maildir("/badread", 1, 1);
    path(&p, "/badread", 0);
    CHECK(maildir_deliver(p.s, "", 0, &bad, "h", 1, 0, &r) == -1);
    CHECK(errno == EBADF);
    CHECK(r.failed && strcmp(r.failed, "read message") == 0);
    path(&p, "/badread", "/tmp");
    CHECK(count_entries(p.s, 0) == 0);
    path(&p, "/badread", "/new");
    CHECK(count_entries(p.s, 0) == 0);
  }
  stralloc_free(&p);
}

static void cleanup(void)
{
  char cmd[100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stdout, "  could not remove %s\n", base);
}

int main(void)
{
  if (!mkdtemp(base)) { perror("mkdtemp"); return 1; }
  RUN(test_names);
  RUN(test_deliver);
  RUN(test_failures);
  cleanup();
  return check_exit("test_maildir");
}
