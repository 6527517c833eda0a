/* test_timeout: deadlines on pipes and sockets, signals during the wait. */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "sig.h"
#include "timeout.h"

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
  (void)sig;
}

static void test_read(void)
{
  int p[2];
  char b[8];
  double t0, dt;
  struct itimerval it;

  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "abc", 3) == 3);
  CHECK(timeout_read(1, p[0], b, sizeof b) == 3);
  CHECK_MEM(b, 3, "abc", 3);

  /* nothing to read: ETIMEDOUT after about a second, even with signals
     arriving every 100 ms */
  sig_catch(SIGALRM, on_alarm);
  it.it_interval.tv_sec = 0;
  it.it_interval.tv_usec = 100000;
  it.it_value = it.it_interval;
  setitimer(ITIMER_REAL, &it, 0);
  t0 = now();
  errno = 0;
  CHECK(timeout_read(1, p[0], b, sizeof b) == -1);
  CHECK(errno == ETIMEDOUT);
  dt = now() - t0;
  CHECK(dt >= 0.95 && dt < 3.0);
  it.it_value.tv_usec = 0;
  it.it_interval.tv_usec = 0;
  setitimer(ITIMER_REAL, &it, 0);
  sig_default(SIGALRM);

  /* zero seconds: immediate */
  errno = 0;
  CHECK(timeout_read(0, p[0], b, sizeof b) == -1);
  CHECK(errno == ETIMEDOUT);

  /* EOF */
  close(p[1]);
  CHECK(timeout_read(1, p[0], b, sizeof b) == 0);
  close(p[0]);
  errno = 0;
  CHECK(timeout_read(1, p[0], b, sizeof b) == -1);
  CHECK(errno == EBADF);
}

static void test_write(void)
{
  int s[2];
  char big[65536];
  ssize_t r = 0;
  size_t total = 0;
  int rounds = 0;

  memset(big, 'x', sizeof big);
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
  CHECK(timeout_write(1, s[0], "hi", 2) == 2);
  /* fill the socket until the peer's buffer is full: then time out, never
     block forever */
  while (rounds++ < 10000) {
    r = timeout_write(1, s[0], big, sizeof big);
    if (r <= 0) break;
    total += (size_t)r;
  }
  CHECK(r == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(total > 0);
  close(s[1]);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  CHECK(timeout_write(1, s[0], "x", 1) == -1);
  CHECK(errno == EPIPE);
  close(s[0]);
}

int main(void)
{
  RUN(test_read);
  RUN(test_write);
  return check_exit("test_timeout");
}
