/* sig: signal dispositions. Handlers are installed without SA_RESTART so a
   blocking call returns EINTR and the main loop sees the signal. */
#include <signal.h>
#include <stddef.h>
#include "sig.h"

static void set(int sig, void (*handler)(int))
{
  struct sigaction sa;

  sa.sa_handler = handler;
  sa.sa_flags = 0;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

void sig_catch(int sig, void (*handler)(int))
{
  set(sig, handler);
}

void sig_ignore(int sig)
{
  set(sig, SIG_IGN);
}

void sig_default(int sig)
{
  set(sig, SIG_DFL);
}

static void mask(int how, int sig)
{
  sigset_t ss;

  sigemptyset(&ss);
  sigaddset(&ss, sig);
  sigprocmask(how, &ss, NULL);
}

void sig_unblock(int sig)
{
  mask(SIG_UNBLOCK, sig);
}

void sig_unblock_all(void)
{
  sigset_t ss;

  sigemptyset(&ss);
  sigprocmask(SIG_SETMASK, &ss, NULL);
}
