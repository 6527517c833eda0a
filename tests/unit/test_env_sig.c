/* test_env_sig: environment edits and signal dispositions. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"
#include "env.h"
#include "sig.h"

static void test_env(void)
{
  CHECK(env_put("TEST_ENV_X", "one") == 1);
  CHECK(env_get("TEST_ENV_X") != 0);
  CHECK_STR(env_get("TEST_ENV_X"), "one");
  CHECK(env_put("TEST_ENV_X", "") == 1);
  CHECK_STR(env_get("TEST_ENV_X"), "");
  CHECK(env_put("TEST_ENV_X", "two=three") == 1);
  CHECK_STR(env_get("TEST_ENV_X"), "two=three");
  CHECK(env_unset("TEST_ENV_X") == 1);
  CHECK(env_get("TEST_ENV_X") == 0);
  CHECK(env_unset("TEST_ENV_X") == 1);
  CHECK(env_put("BAD=NAME", "x") == 0);
  CHECK(env_put("", "x") == 0);
}

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
  caught = sig;
}

static void block(int sig)
{
  sigset_t ss;

  sigemptyset(&ss);
  sigaddset(&ss, sig);
  sigprocmask(SIG_BLOCK, &ss, 0);
}

static void test_sig(void)
{
  sigset_t pending;
  struct itimerval it;
  int p[2];
  char c;
  ssize_t r;

  /* no SA_RESTART: a blocking read returns EINTR */
  sig_catch(SIGALRM, on_signal);
  CHECK(pipe(p) == 0);
  memset(&it, 0, sizeof it);
  it.it_value.tv_usec = 50000;
  setitimer(ITIMER_REAL, &it, 0);
  errno = 0;
  r = read(p[0], &c, 1);
  CHECK(r == -1);
  CHECK(errno == EINTR);
  CHECK(caught == SIGALRM);
  close(p[0]);
  close(p[1]);

  /* blocked signals stay pending until unblocked */
  caught = 0;
  sig_catch(SIGUSR1, on_signal);
  block(SIGUSR1);
  raise(SIGUSR1);
  CHECK(caught == 0);
  CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
  sig_unblock(SIGUSR1);
  CHECK(caught == SIGUSR1);

  caught = 0;
  block(SIGUSR2);
  sig_catch(SIGUSR2, on_signal);
  raise(SIGUSR2);
  CHECK(caught == 0);
  sig_unblock_all();
  CHECK(caught == SIGUSR2);

  caught = 0;
  sig_ignore(SIGUSR1);
  raise(SIGUSR1);
  CHECK(caught == 0);
  {
    struct sigaction sa;
    CHECK(sigaction(SIGUSR1, 0, &sa) == 0 && sa.sa_handler == SIG_IGN);
    sig_default(SIGUSR1);
    CHECK(sigaction(SIGUSR1, 0, &sa) == 0 && sa.sa_handler == SIG_DFL);
    sig_catch(SIGUSR1, on_signal);
    CHECK(sigaction(SIGUSR1, 0, &sa) == 0 && !(sa.sa_flags & SA_RESTART));
  }
}

int main(void)
{
  RUN(test_sig);
  RUN(test_env);
  return check_exit("test_env_sig");
}
