/* Unit tests for queue_client.c: the mapping from the queue program's exit
   status (and fd-6 text) to the caller's "" / "D..." / "Z..." result, with
   real wait statuses from real children; and, when the compiled-in home
   exists, the whole pipe protocol against a stand-in queue program set
   through $QMAILQUEUE, and the exact descriptors the queue program gets
   (this binary, run again as the queue program, lists them). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "auto.h"
#include "fd.h"
#include "queue_client.h"

/* the wait status of a child that exits with code, or dies of signal
   (when code < 0) */
static int status_of(int code)
{
  int wstat = 0;
  pid_t pid = fork();

  if (pid == 0) {
    if (code < 0) { signal(-code, SIG_DFL); raise(-code); }
    _exit(code < 0 ? 0 : code);
  }
  waitpid(pid, &wstat, 0);
  return wstat;
}

static const char *map(int code, int flagerror)
{
  char none[1];
  return queue_status(status_of(code), flagerror, none, 0);
}

static void test_exit_codes(void)
{
  static const struct { int code; char cls; const char *status; } table[] = {
    { 11, 'D', "(#5.1.3)" }, { 115, 'D', "(#5.1.3)" },
    { 31, 'D', "(#5.3.0)" },
    { 51, 'Z', "(#4.3.0)" }, { 52, 'Z', "(#4.3.0)" }, { 53, 'Z', "(#4.3.0)" },
    { 54, 'Z', "(#4.3.0)" }, { 55, 'Z', "(#4.3.0)" }, { 56, 'Z', "(#4.3.0)" },
    { 61, 'Z', "(#4.3.0)" }, { 62, 'Z', "(#4.3.0)" }, { 63, 'Z', "(#4.3.0)" },
    { 64, 'Z', "(#4.3.0)" }, { 65, 'Z', "(#4.3.0)" }, { 66, 'Z', "(#4.3.0)" },
    { 71, 'Z', "(#4.3.0)" },
    { 72, 'Z', "(#4.4.1)" }, { 73, 'Z', "(#4.4.1)" },
    { 74, 'Z', "(#4.4.2)" },
    { 81, 'Z', "(#4.3.0)" }, { 91, 'Z', "(#4.3.0)" },
    { 120, 'Z', "(#4.3.0)" },
    { 12, 'D', "(#5.3.0)" }, { 40, 'D', "(#5.3.0)" },  /* other 11..40 */
    { 1, 'Z', "(#4.3.0)" }, { 10, 'Z', "(#4.3.0)" }, { 41, 'Z', "(#4.3.0)" },
    { 82, 'Z', "(#4.3.0)" },   /* 82 without text: temporary */
    { 99, 'Z', "(#4.3.0)" }, { 100, 'Z', "(#4.3.0)" }, { 111, 'Z', "(#4.3.0)" },
  };
  size_t i;

  for (i = 0; i < sizeof table / sizeof table[0]; ++i) {
    const char *r = map(table[i].code, 0);
    size_t rl = strlen(r), sl = strlen(table[i].status);
    CHECK(r[0] == table[i].cls);
    CHECK(rl > sl + 1 && strcmp(r + rl - sl, table[i].status) == 0);
    if (r[0] != table[i].cls) printf("  exit %d gave %s\n", table[i].code, r);
  }
  /* distinct situations get distinct texts */
  CHECK(strcmp(map(53, 0), map(54, 0)) != 0);
  CHECK(strcmp(map(72, 0), map(73, 0)) != 0);
  CHECK(strcmp(map(61, 0), map(62, 0)) != 0);
  CHECK(strcmp(map(62, 0), map(66, 0)) == 0);
  CHECK(strcmp(map(11, 0), map(115, 0)) == 0);
}

static void test_success_and_flag(void)
{
  CHECK_STR(map(0, 0), "");
  /* exit 0 but a write of ours failed: not queued as we meant it */
  CHECK(map(0, 1)[0] == 'Z');
  CHECK_STR(map(0, 1), map(54, 0));
  /* the flag changes nothing for a failure */
  CHECK_STR(map(11, 1), map(11, 0));
}

static void test_crash(void)
{
  const char *r = map(-SIGKILL, 0);
  CHECK(r[0] == 'Z');
  CHECK(strstr(r, "(#4.3.0)") != 0);
  CHECK(map(-SIGSEGV, 0)[0] == 'Z');
}

static void test_fd6_text(void)
{
  char text[300];
  int s82 = status_of(82);

  strcpy(text, "Dyou are not welcome here (#5.7.1)");
  CHECK_STR(queue_status(s82, 0, text, strlen(text)), "Dyou are not welcome here (#5.7.1)");
  strcpy(text, "Ztry again later\n");
  CHECK_STR(queue_status(s82, 0, text, strlen(text)), "Ztry again later");
  /* written with its C string NUL */
  memcpy(text, "Zbusy\0garbage", 13);
  CHECK_STR(queue_status(s82, 0, text, 13), "Zbusy");
  /* a CR/LF inside must never reach an SMTP reply as a second line */
  strcpy(text, "Dfirst\r\n250 ok");
  CHECK_STR(queue_status(s82, 0, text, strlen(text)), "Dfirst");
  /* too short, or not D/Z: the generic temporary text */
  strcpy(text, "Dx");
  CHECK_STR(queue_status(s82, 0, text, 2), map(99, 0));
  strcpy(text, "Xno class letter");
  CHECK_STR(queue_status(s82, 0, text, strlen(text)), map(99, 0));
  /* at most 255 bytes */
  memset(text, 'a', sizeof text);
  text[0] = 'D';
  CHECK(strlen(queue_status(s82, 0, text, 290)) == 255);
  /* text without exit 82 is ignored */
  strcpy(text, "Dignored");
  CHECK(queue_status(status_of(53), 0, text, 8)[0] == 'Z');
  CHECK_STR(queue_status(status_of(0), 0, text, 8), "");
}

/* --- the protocol against a stand-in queue program ---------------------- */

static char dir[] = "/tmp/test_queue_client.XXXXXX";

static void write_script(const char *name, const char *body)
{
  char path[256];
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "w");
  fputs("#!/bin/sh\n", f);
  fputs(body, f);
  fclose(f);
  chmod(path, 0755);
}

static char *slurp(const char *name, size_t *n)
{
  char path[256];
  static char data[1 << 20];
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "r");
  if (!f) { *n = 0; data[0] = 0; return data; }
  *n = fread(data, 1, sizeof data - 1, f);
  data[*n] = 0;
  fclose(f);
  return data;
}

static void use_program(const char *name)
{
  char path[256];

  snprintf(path, sizeof path, "%s/%s", dir, name);
  setenv("QMAILQUEUE", path, 1);
}

static void test_protocol(void)
{
  struct queue_client q;
  char body[512];
  const char *r;
  size_t n;
  char *data;

  /* record fd 0, fd 1 and the working directory; answer on fd 6 */
  snprintf(body, sizeof body,
           "cat > %s/mess\ncat <&1 > %s/env\npwd > %s/cwd\n"
           "printf 'Dnot today, thanks\\n' >&6\nexit 82\n", dir, dir, dir);
  write_script("fake82", body);
  use_program("fake82");
  CHECK(queue_open(&q) == 0);
  CHECK(queue_qp(&q) == (unsigned long)q.pid);
  queue_puts(&q, "Subject: hi\n\n");
  queue_put(&q, "body\0with NUL\n", 14);
  queue_from(&q, "me@here");
  queue_to(&q, "you@there");
  queue_to(&q, "");
  r = queue_close(&q);
  CHECK_STR(r, "Dnot today, thanks");
  data = slurp("mess", &n);
  CHECK_MEM(data, n, "Subject: hi\n\nbody\0with NUL\n", 27);
  data = slurp("env", &n);
  CHECK_MEM(data, n, "Fme@here\0Tyou@there\0T\0\0", 23);
  data = slurp("cwd", &n);
  CHECK(n == strlen(auto_home) + 1 && memcmp(data, auto_home, n - 1) == 0);

  /* exit 0: queued */
  write_script("fake0", "cat > /dev/null\ncat <&1 > /dev/null\nexit 0\n");
  use_program("fake0");
  CHECK(queue_open(&q) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "");
  queue_to(&q, "a@b");
  r = queue_close(&q);
  if (*r) printf("  exit 0 stand-in gave: %s\n", r);
  CHECK_STR(r, "");

  /* queue_fail: the envelope ends without its final NUL */
  snprintf(body, sizeof body,
           "cat > /dev/null\ncat <&1 > %s/env2\nexit 54\n", dir);
  write_script("fake54", body);
  use_program("fake54");
  CHECK(queue_open(&q) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  queue_fail(&q);
  data = slurp("env2", &n);
  /* the buffered records were dropped, the final NUL never sent */
  CHECK(n == 0);
  (void)data;

  /* the queue program dies at once: a large message must not kill us with
     SIGPIPE, and its exit code decides the result */
  write_script("fake31", "exec 0<&- 1>&-\nexit 31\n");
  use_program("fake31");
  CHECK(queue_open(&q) == 0);
  {
    static char big[1 << 20];
    memset(big, 'x', sizeof big);
    queue_put(&q, big, sizeof big);
  }
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK(r[0] == 'D');
  CHECK(strstr(r, "(#5.3.0)") != 0);

  /* exec failure: the child's own 120 */
  use_program("does-not-exist");
  CHECK(queue_open(&q) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK(r[0] == 'Z');
  CHECK_STR(r, map(120, 0));

  /* an empty $QMAILQUEUE means bin/qmail-queue */
  setenv("QMAILQUEUE", "", 1);
  CHECK(queue_open(&q) == 0);
  queue_fail(&q);
  unsetenv("QMAILQUEUE");
}

/* As the queue program (TEST_QUEUE_CLIENT_FDS names a file): writes one
   line "N target" per open descriptor to that file, reads fds 0 and 1 to
   their end, exits 0. */
static int list_fds(const char *out)
{
  char line[4200];
  char all[16384];
  size_t len = 0;
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  FILE *f;
  char c;

  if (!d) return 1;
  while ((e = readdir(d)) != 0) {
    char path[300], target[4096];
    ssize_t n;
    int fd;
    if (e->d_name[0] == '.') continue;
    fd = atoi(e->d_name);
    if (fd == dirfd(d)) continue;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n < 0) n = 0;
    target[n] = 0;
    /* pipes by kind only: their inode numbers differ from run to run */
    if (strncmp(target, "pipe:", 5) == 0) strcpy(target, "pipe");
    snprintf(line, sizeof line, "%d %s\n", fd, target);
    if (len + strlen(line) < sizeof all) { memcpy(all + len, line, strlen(line)); len += strlen(line); }
  }
  closedir(d);
  while (read(0, &c, 1) > 0) ;
  while (read(1, &c, 1) > 0) ;
  f = fopen(out, "w");
  if (!f) return 1;
  fwrite(all, 1, len, f);
  return fclose(f) == 0 ? 0 : 1;
}

/* sorted lines of the listing, so the order of /proc does not matter */
static int cmp_line(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted(char *data)
{
  static char result[16384];
  char *lines[64];
  size_t n = 0, i;
  char *p = data, *nl;

  result[0] = 0;
  while (n < 64 && (nl = strchr(p, '\n')) != 0) {
    *nl = 0;
    lines[n++] = p;
    p = nl + 1;
  }
  qsort(lines, n, sizeof *lines, cmp_line);
  for (i = 0; i < n; ++i) {
    strncat(result, lines[i], sizeof result - strlen(result) - 2);
    strcat(result, ";");
  }
  return result;
}

/* the queue program gets fds 0, 1, 6 and 2 (/dev/null or the chosen
   descriptor), and nothing else: not the caller's inheritable fds 3-5 or
   above 6, nor any close-on-exec one */
static void test_descriptors(void)
{
  struct queue_client q;
  char exe[4096], out[300], log[300], expect[600];
  ssize_t n;
  size_t len;
  const char *r;
  int fd;

  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) { printf("test_queue_client: no /proc: descriptors not checked\n"); return; }
  exe[n] = 0;
  snprintf(out, sizeof out, "%s/fds", dir);
  snprintf(log, sizeof log, "%s/log", dir);
  setenv("QMAILQUEUE", exe, 1);
  setenv("TEST_QUEUE_CLIENT_FDS", out, 1);

  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  CHECK(fd != -1);
  /* inheritable strays where qmail-send has its pipes, and above */
  CHECK(fd_copy(3, fd) == 0 && fd_copy(4, fd) == 0 && fd_copy(5, fd) == 0);
  CHECK(fd_copy(9, fd) == 0 && fd_copy(77, fd) == 0);
  close(fd);

  CHECK(queue_open(&q) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK_STR(r, "");
  CHECK_STR(sorted(slurp("fds", &len)), "0 pipe;1 pipe;2 /dev/null;6 pipe;");

  /* the caller's log, whatever its number, becomes fd 2 */
  fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK(fd != -1);
  CHECK(queue_open_stderr(&q, fd) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK_STR(r, "");
  snprintf(expect, sizeof expect, "0 pipe;1 pipe;2 %s;6 pipe;", log);
  CHECK_STR(sorted(slurp("fds", &len)), expect);
  close(fd);

  /* fd 0 as the log (qmail-send's): placed on 2 before 0 is replaced */
  fd = dup(0);
  CHECK(fd_copy(0, open(log, O_WRONLY | O_CLOEXEC)) == 0);
  CHECK(queue_open_stderr(&q, 0) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK_STR(r, "");
  CHECK_STR(sorted(slurp("fds", &len)), expect);
  CHECK(fd_move(0, fd) == 0);

  close(3); close(4); close(5); close(9); close(77);
  unsetenv("TEST_QUEUE_CLIENT_FDS");
  unsetenv("QMAILQUEUE");
}

static void test_no_home(void)
{
  struct queue_client q;
  const char *r;

  /* the child cannot enter the home directory: exit 61 */
  CHECK(queue_open(&q) == 0);
  queue_puts(&q, "x\n");
  queue_from(&q, "s");
  queue_to(&q, "t");
  r = queue_close(&q);
  CHECK_STR(r, map(61, 0));
}

int main(void)
{
  struct stat st;
  const char *fds = getenv("TEST_QUEUE_CLIENT_FDS");

  if (fds) return list_fds(fds);

  RUN(test_exit_codes);
  RUN(test_success_and_flag);
  RUN(test_crash);
  RUN(test_fd6_text);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  if (stat(auto_home, &st) == 0 && S_ISDIR(st.st_mode)) {
    RUN(test_protocol);
    RUN(test_descriptors);
  } else {
    printf("test_queue_client: home %s absent: protocol checked only up to chdir\n", auto_home);
    RUN(test_no_home);
  }
  {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("  could not remove %s\n", dir);
  }
  return check_exit("test_queue_client");
}
