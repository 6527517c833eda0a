/* test_mbox: mbox.c. The mboxrd quoting against a line-by-line model at
   every split of the input; appends to real files: the exact bytes, the
   undo of a failed append, the dot-lock, the refusal of symlinks, hard
   links and FIFOs, and both locks timing out while another process holds
   them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "mbox.h"
#include "stralloc.h"

static struct mbox m;
static char dir[] = "/tmp/test_mbox.XXXXXX";
static char path[256], lockpath[256];

/* the model: one more '>' before every line matching ^>*From  */
static void model(const char *s, size_t n, stralloc *out)
{
  size_t i = 0;
  out->len = 0;
  while (i < n) {
    size_t j = i, k;
    while (j < n && s[j] != '\n') j++;
    k = i;
    while (k < j && s[k] == '>') k++;
    if (j - k >= 5 && memcmp(s + k, "From ", 5) == 0) stralloc_append(out, '>');
    stralloc_catb(out, s + i, (j < n ? j + 1 : j) - i);
    i = j < n ? j + 1 : j;
  }
}

static void quote_whole(const char *s, size_t n, size_t split, stralloc *out)
{
  out->len = 0;
  mbox_quote_start(&m);
  mbox_quote(&m, s, split, out);
  mbox_quote(&m, s + split, n - split, out);
  if (m.fromlen) { stralloc_catb(out, "From ", m.fromlen); m.fromlen = 0; }
}

static void test_quote(void)
{
  static const char *const cases[] = {
    "From me\n", ">From me\n", ">>>From me\nFrom\n", "Fro", "From", "From ",
    "x From y\nFrom z", "\nFrom \n>From\n>>From x", "F\nFr\nFro\nFrom\nFrom \n",
    ">\n>>\n>F\n>Fr\n>From x\n", "Frog\nFROM x\nfrom x\n", "", "\n\n\n",
    "a\nFrom b\n>From c\n>>From d\nFromage\n>>>>>>>>>>From e",
  };
  stralloc got = STRALLOC_ZERO, want = STRALLOC_ZERO;
  size_t c, split;

  for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t n = strlen(cases[c]);
    model(cases[c], n, &want);
    for (split = 0; split <= n; split++) {
      quote_whole(cases[c], n, split, &got);
      CHECK_MEM(got.s, got.len, want.s, want.len);
    }
  }
  /* byte by byte through a long mixed input */
  {
    stralloc in = STRALLOC_ZERO;
    size_t i;
    for (i = 0; i < 200; i++)
      stralloc_cats(&in, i % 3 == 0 ? ">>From x\n" : i % 3 == 1 ? "From y\nbody " : "Fr\n");
    model(in.s, in.len, &want);
    got.len = 0;
    mbox_quote_start(&m);
    for (i = 0; i < in.len; i++) mbox_quote(&m, in.s + i, 1, &got);
    CHECK_MEM(got.s, got.len, want.s, want.len);
    stralloc_free(&in);
  }
  stralloc_free(&got);
  stralloc_free(&want);
}

static void test_filter(void)
{
  static const char in[] =
    "Return-Path: <a@b>\nStatus: RO\nX-Status: F\n  continued\nSubject: s\n"
    "x-uid: 7\nCONTENT-LENGTH: 3\nX-Keywords: $label1\nX-IMAP: 1 2\nX-IMAPbase: 1 2\n"
    "X-Statuses: kept\nStatus : RO\nX-Status\t\t: F\nX-UID  77\nFrom x\n\tfolded\n"
    "Statusbar: kept\n\r\n"
    "Status: RO\nFrom the body\n";
  static const char want[] =
    "Return-Path: <a@b>\nSubject: s\n"
    "X-Statuses: kept\n>From x\n\tfolded\n"
    "Statusbar: kept\n\r\n"
    "Status: RO\n>From the body\n";
  stralloc got = STRALLOC_ZERO;
  size_t split, n = sizeof in - 1;

  for (split = 0; split <= n; split++) {
    got.len = 0;
    mbox_filter_start(&m);
    CHECK(mbox_quote(&m, in, split, &got) == 0);
    CHECK(mbox_quote(&m, in + split, n - split, &got) == 0);
    CHECK(mbox_quote_end(&m, &got) == 0);
    CHECK_MEM(got.s, got.len, want, sizeof want - 1);
  }
  /* a message that ends inside a field name keeps it */
  got.len = 0;
  mbox_filter_start(&m);
  CHECK(mbox_quote(&m, "Subject: x\nStat", 16, &got) == 0);
  CHECK(mbox_quote_end(&m, &got) == 0);
  CHECK_MEM(got.s, got.len, "Subject: x\nStat", 16);
  stralloc_free(&got);
}

static void slurp(const char *fn, stralloc *sa)
{
  char b[4096];
  int fd = open(fn, O_RDONLY);
  ssize_t r;
  sa->len = 0;
  if (fd == -1) return;
  while ((r = read(fd, b, sizeof b)) > 0) stralloc_catb(sa, b, (size_t)r);
  close(fd);
}

static void append(const char *from, const char *msg)
{
  CHECK(mbox_open(&m, path, 2) == 0);
  CHECK(access(lockpath, F_OK) == 0); /* dot-locked while appending */
  CHECK(mbox_put_raw(&m, from, strlen(from)) == 0);
  CHECK(mbox_put(&m, msg, strlen(msg)) == 0);
  CHECK(mbox_commit(&m) == 0);
  CHECK(access(lockpath, F_OK) == -1);
}

static void test_append(void)
{
  stralloc got = STRALLOC_ZERO;
  struct stat st;

  append("From a@b Thu Jan  1 00:00:00 1970\n", "Subject: x\n\nFrom here\nlast");
  append("From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n", "Subject: y\n\n>From there\n");
  slurp(path, &got);
#define TWO "From a@b Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From here\nlast\n\n" \
            "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: y\n\n>>From there\n\n"
  CHECK_MEM(got.s, got.len, TWO, sizeof TWO - 1);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

  /* an abandoned append leaves the file as it was */
  CHECK(mbox_open(&m, path, 2) == 0);
  CHECK(mbox_put(&m, "partial\n", 8) == 0);
  CHECK(buf_flush(&m.out) == 0);
  errno = EIO;
  mbox_abort(&m);
  CHECK(errno == EIO);
  CHECK(stat(path, &st) == 0 && st.st_size == (off_t)got.len);
  CHECK(access(lockpath, F_OK) == -1);
  stralloc_free(&got);
}

static void test_refusals(void)
{
  char other[300], fifo[300], link2[300];

  /* a symbolic link the recipient made is followed, one level */
  snprintf(other, sizeof other, "%s/victim", dir);
  close(open(other, O_WRONLY | O_CREAT, 0600));
  unlink(path);
  CHECK(symlink("victim", path) == 0);
  CHECK(mbox_open(&m, path, 1) == 0);
  CHECK(strcmp(m.path.s, other) == 0);
  CHECK(mbox_put(&m, "x\n", 2) == 0 && mbox_commit(&m) == 0);
  {
    struct stat st;
    CHECK(stat(other, &st) == 0 && st.st_size == 3);
  }
  /* a link to a link is not */
  snprintf(link2, sizeof link2, "%s/link2", dir);
  CHECK(symlink("victim", link2) == 0);
  unlink(path);
  CHECK(symlink("link2", path) == 0);
  CHECK(mbox_open(&m, path, 1) == -1 && errno == ELOOP);
  unlink(link2);
  /* one planted by another user is refused (needs root to make) */
  if (geteuid() == 0) {
    unlink(path);
    CHECK(symlink(other, path) == 0);
    CHECK(lchown(path, 65534, 65534) == 0);
    CHECK(mbox_open(&m, path, 1) == -1 && errno == ELOOP);
  }
  unlink(path);
  /* a hard link */
  CHECK(link(other, path) == 0);
  CHECK(mbox_open(&m, path, 1) == -1 && errno == EMLINK);
  CHECK(strcmp(m.failed, "more than one link") == 0);
  unlink(path);
  /* a FIFO, without and with a reader: refused at once, never waited on */
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  CHECK(mkfifo(fifo, 0600) == 0);
  CHECK(mbox_open(&m, fifo, 1) == -1);
  {
    int r = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(mbox_open(&m, fifo, 1) == -1 && strcmp(m.failed, "not a regular file") == 0);
    close(r);
  }
  /* a directory */
  snprintf(link2, sizeof link2, "%s/adir", dir);
  mkdir(link2, 0700);
  CHECK(mbox_open(&m, link2, 1) == -1);
}

static void test_locks(void)
{
  int p[2];
  pid_t pid;
  char c;
  struct stat st;
  struct timespec old[2];

  /* another process holds the fcntl lock: the open times out */
  CHECK(pipe(p) == 0);
  pid = fork();
  if (pid == 0) {
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    if (fcntl(fd, F_SETLK, &fl) == -1) _exit(1);
    if (write(p[1], "x", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  close(p[1]);
  CHECK(read(p[0], &c, 1) == 1);
  close(p[0]);
  CHECK(mbox_open(&m, path, 1) == -1 && errno == ETIMEDOUT);
  CHECK(strcmp(m.failed, "lock (timed out)") == 0);
  CHECK(access(lockpath, F_OK) == -1);
  kill(pid, SIGKILL);
  waitpid(pid, (int *)0, 0);

  /* a dot-lock naming a process that is gone is stale at once; one
     naming a live process is not */
  {
    pid_t dead = fork();
    char text[32];
    int fd;
    if (dead == 0) _exit(0);
    waitpid(dead, (int *)0, 0);
    fd = open(lockpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(text, sizeof text, "%d\n", (int)dead);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    CHECK(mbox_open(&m, path, 1) == 0);
    mbox_abort(&m);
    CHECK(access(lockpath, F_OK) == -1);
    fd = open(lockpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(text, sizeof text, "%d\n", (int)getpid());
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    CHECK(mbox_open(&m, path, 1) == -1 && errno == ETIMEDOUT);
    unlink(lockpath);
  }
  /* our own dot-lock holds our pid while we append */
  {
    char text[32], want[32];
    int fd;
    ssize_t r;
    CHECK(mbox_open(&m, path, 1) == 0);
    fd = open(lockpath, O_RDONLY);
    r = read(fd, text, sizeof text - 1);
    close(fd);
    snprintf(want, sizeof want, "%d\n", (int)getpid());
    CHECK(r == (ssize_t)strlen(want) && memcmp(text, want, (size_t)r) == 0);
    mbox_abort(&m);
  }
  /* the holder replaces the file while we wait for the lock: the message
     goes to the file the path names afterwards, not the unlinked one */
  {
    stralloc got = STRALLOC_ZERO;
    CHECK(pipe(p) == 0);
    pid = fork();
    if (pid == 0) {
      char tmp[300];
      struct timespec ts = { 0, 300000000 };
      int fd = open(path, O_WRONLY | O_CREAT, 0600);
      struct flock fl;
      memset(&fl, 0, sizeof fl);
      fl.l_type = F_WRLCK;
      if (fcntl(fd, F_SETLK, &fl) == -1) _exit(1);
      if (write(p[1], "x", 1) != 1) _exit(1);
      nanosleep(&ts, (struct timespec *)0);
      snprintf(tmp, sizeof tmp, "%s.new", path);
      fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (write(fd, "new\n", 4) != 4) _exit(1);
      close(fd);
      if (rename(tmp, path) == -1) _exit(1);
      _exit(0);
    }
    close(p[1]);
    CHECK(read(p[0], &c, 1) == 1);
    close(p[0]);
    CHECK(mbox_open(&m, path, 5) == 0);
    CHECK(mbox_put(&m, "m\n", 2) == 0 && mbox_commit(&m) == 0);
    waitpid(pid, (int *)0, 0);
    slurp(path, &got);
    CHECK_MEM(got.s, got.len, "new\nm\n\n", 7);
    stralloc_free(&got);
    unlink(path);
  }
  /* a fresh empty dot-lock: times out, and the lock is left alone */
  close(open(lockpath, O_WRONLY | O_CREAT, 0644));
  CHECK(mbox_open(&m, path, 1) == -1 && errno == ETIMEDOUT);
  CHECK(access(lockpath, F_OK) == 0);
  /* a stale one is removed */
  old[0].tv_sec = old[1].tv_sec = time((time_t *)0) - MBOX_STALE - 60;
  old[0].tv_nsec = old[1].tv_nsec = 0;
  CHECK(utimensat(AT_FDCWD, lockpath, old, 0) == 0);
  CHECK(mbox_open(&m, path, 1) == 0);
  CHECK(stat(lockpath, &st) == 0 && st.st_mtime > old[0].tv_sec); /* ours now */
  mbox_abort(&m);
  CHECK(access(lockpath, F_OK) == -1);
}

int main(void)
{
  if (!mkdtemp(dir)) return 111;
  snprintf(path, sizeof path, "%s/mbox", dir);
  snprintf(lockpath, sizeof lockpath, "%s/mbox.lock", dir);
  RUN(test_quote);
  RUN(test_filter);
  RUN(test_append);
  RUN(test_refusals);
  RUN(test_locks);
  {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) { /* left behind in /tmp */ }
  }
  return check_exit("test_mbox");
}
