/* test_fd: openers and their flags, descriptor moves, fsync_dir, locks. */
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
  RUN(test_fsync_dir);
  RUN(test_lock);
  unlink("f");
  unlink("fifo");
  unlink("lockfile");
  if (chdir("/") == 0) rmdir(dir);
  return check_exit("test_fd");
}
