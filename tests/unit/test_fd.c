/* test_fd: openers and their flags, descriptor moves, closing every
   descriptor from a number on, fsync_dir, locks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "fd.h"
#include "lock.h"

static char dir[] = "/tmp/test_fd.XXXXXX";

static int cloexec(int fd)
{
  return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

static int nonblock(int fd)
{
  return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

static void test_openers(void)
{
  struct stat st;
  char b[16];
  int fd;

  fd = open_excl("f", 0640);
  CHECK(fd != -1);
  CHECK(cloexec(fd));
  CHECK(write(fd, "hello", 5) == 5);
  close(fd);
  CHECK(stat("f", &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  errno = 0;
  CHECK(open_excl("f", 0600) == -1);
  CHECK(errno == EEXIST);

  fd = open_read("f");
  CHECK(fd != -1);
  CHECK(cloexec(fd));
  CHECK(!nonblock(fd));
  CHECK(read(fd, b, sizeof b) == 5);
  CHECK_MEM(b, 5, "hello", 5);
  errno = 0;
  CHECK(write(fd, "x", 1) == -1);
  close(fd);
  errno = 0;
  CHECK(open_read("missing") == -1);
  CHECK(errno == ENOENT);

  fd = open_trunc("f", 0600);
  CHECK(fd != -1);
  CHECK(cloexec(fd));
  CHECK(write(fd, "ab", 2) == 2);
  close(fd);
  CHECK(stat("f", &st) == 0 && st.st_size == 2);

  fd = open_write("f");
  CHECK(fd != -1);
  CHECK(cloexec(fd));
  CHECK(write(fd, "X", 1) == 1);
  close(fd);
  fd = open_read("f");
  CHECK(read(fd, b, sizeof b) == 2);
  CHECK_MEM(b, 2, "Xb", 2);
  close(fd);
  errno = 0;
  CHECK(open_write("missing") == -1);
  CHECK(errno == ENOENT);

  /* a FIFO without reader: open_write must not hang */
  CHECK(mkfifo("fifo", 0600) == 0);
  errno = 0;
  CHECK(open_write("fifo") == -1);
  CHECK(errno == ENXIO);
  fd = open_read("fifo"); /* must not hang either */
  CHECK(fd != -1);
  CHECK(!nonblock(fd));
  {
    int w = open_write("fifo");
    CHECK(w != -1);
    CHECK(write(w, "t", 1) == 1);
    CHECK(read(fd, b, 1) == 1 && b[0] == 't');
    close(w);
  }
  close(fd);

  fd = open_dir(".");
  CHECK(fd != -1);
  CHECK(cloexec(fd));
  close(fd);
  errno = 0;
  CHECK(open_dir("f") == -1);
  CHECK(errno == ENOTDIR);
}

static void test_moves(void)
{
  int p[2], fd;
  char c;

  CHECK(pipe2(p, O_CLOEXEC) == 0);
  fd = 50;
  CHECK(fd_copy(fd, p[1]) == 0);
  CHECK(!cloexec(fd));
  CHECK(cloexec(p[1]));
  CHECK(write(fd, "a", 1) == 1);
  CHECK(read(p[0], &c, 1) == 1 && c == 'a');
  CHECK(fd_move(51, fd) == 0);
  errno = 0;
  CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF); /* moved away */
  CHECK(!cloexec(51));
  CHECK(write(51, "b", 1) == 1);
  CHECK(read(p[0], &c, 1) == 1 && c == 'b');
  /* same descriptor: stays open, becomes inheritable */
  CHECK(fcntl(51, F_SETFD, FD_CLOEXEC) == 0);
  CHECK(cloexec(51));
  CHECK(fd_move(51, 51) == 0);
  CHECK(!cloexec(51));
  CHECK(fcntl(51, F_GETFD) != -1);
  errno = 0;
  CHECK(fd_copy(52, 999) == -1);
  CHECK(errno == EBADF);

  CHECK(fd_nonblock(p[0]) == 0);
  CHECK(nonblock(p[0]));
  errno = 0;
  CHECK(read(p[0], &c, 1) == -1 && errno == EAGAIN);
  CHECK(fd_block(p[0]) == 0);
  CHECK(!nonblock(p[0]));
  CHECK(fd_block(p[0]) == 0);
  errno = 0;
  CHECK(fd_nonblock(999) == -1 && errno == EBADF);
  close(51);
  close(p[0]);
  close(p[1]);
}

static int is_open(int fd)
{
  return fcntl(fd, F_GETFD) != -1;
}

/* in a child, so the harness's own descriptors are left alone: opens
   descriptors at 3, 20, 21, 40 and 700 (inheritable or not), closes from
   21 with close_from, and exits 0 when every descriptor below 21 is as it
   was (whatever the harness inherited) and none is left from 21 on */
static int close_from_child(int (*close_from)(int))
{
  pid_t pid = fork();
  int status = -1;

  if (pid == 0) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int before[21];
    if (fd == -1) _exit(2);
    if (fd_copy(20, fd) == -1 || fd_copy(21, fd) == -1
        || fcntl(fd, F_DUPFD_CLOEXEC, 40) != 40 || fd_copy(700, fd) == -1
        || fd_move(3, fd) == -1)
      _exit(3);
    for (fd = 0; fd < 21; ++fd) before[fd] = is_open(fd);
    if (close_from(21) == -1) _exit(4);
    for (fd = 0; fd < 21; ++fd)
      if (is_open(fd) != before[fd]) _exit(5);
    if (!is_open(3) || !is_open(20)) _exit(6);
    for (fd = 21; fd < 4096; ++fd)
      if (is_open(fd)) _exit(7);
    /* nothing left above: a no-op; a negative number is refused */
    if (close_from(21) == -1 || !is_open(20)) _exit(8);
    errno = 0;
    if (close_from(-1) != -1 || errno != EBADF) _exit(9);
    _exit(0);
  }
  if (pid == -1 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void test_close_from(void)
{
  CHECK(close_from_child(fd_close_from) == 0);
  CHECK(close_from_child(fd_close_from_slow) == 0);
}

static void test_fsync_dir(void)
{
  CHECK(fsync_dir(".") == 0);
  CHECK(fsync_dir(dir) == 0);
  errno = 0;
  CHECK(fsync_dir("missing") == -1);
  CHECK(errno == ENOENT);
  errno = 0;
  CHECK(fsync_dir("f") == -1);
  CHECK(errno == ENOTDIR);
}

static void test_lock(void)
{
  int fd = open_trunc("lockfile", 0600);
  int fd2 = open_read("lockfile"); /* a separate open file description */
  pid_t pid;
  int status = -1;

  CHECK(fd != -1 && fd2 != -1);
  CHECK(lock_exnb(fd) == 0);
  errno = 0;
  CHECK(lock_exnb(fd2) == -1);
  CHECK(errno == EWOULDBLOCK);
  pid = fork();
  if (pid == 0) {
    int f = open_read("lockfile");
    _exit(lock_exnb(f) == -1 && errno == EWOULDBLOCK ? 0 : 1);
  }
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd); /* the last descriptor of the open file: the lock goes */
  CHECK(lock_ex(fd2) == 0);
  errno = 0;
  CHECK(lock_ex(999) == -1 && errno == EBADF);
  close(fd2);
}

int main(void)
{
  umask(022);
  if (!mkdtemp(dir) || chdir(dir) == -1) {
    printf("test_fd: cannot create %s\n", dir);
    return 1;
  }
  RUN(test_openers);
  RUN(test_moves);
  RUN(test_close_from);
  RUN(test_fsync_dir);
  RUN(test_lock);
  unlink("f");
  unlink("fifo");
  unlink("lockfile");
  if (chdir("/") == 0) rmdir(dir);
  return check_exit("test_fd");
}
