/* maxrss.c: peak memory of a program, for tests/large-message.sh and
   tests/large/message-4gib.sh. Test tool only.

     maxrss RESULT CMD [ARG...]

   Runs CMD (it inherits fds 0, 1 and 2 and the environment), reads VmHWM of
   /proc/PID/status every 10 ms while it runs, and writes to RESULT one line:

     EXIT MAXRSS_KB HWM_KB SELF_KB MILLISECONDS

   EXIT is CMD's exit code (128+N when killed by signal N). MAXRSS_KB is
   ru_maxrss of wait4(2): the peak resident size of CMD or of the largest
   process it waited for (the kernel may count a few hundred kB short for
   a small process: its per-task counters are folded in lazily). HWM_KB is
   the largest VmHWM of CMD itself that the polls saw (growth in its last
   10 ms is missed). SELF_KB is our own ru_maxrss, for comparison. The
   larger of MAXRSS_KB and HWM_KB is the figure to use. Exit 0, or 111 when
   CMD could not be run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long hwm_of(pid_t pid)
{
  char path[64], line[256];
  long kb = -1;
  FILE *f;

  snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
  f = fopen(path, "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  fclose(f);
  return kb;
}

int main(int argc, char **argv)
{
  struct timespec t0, t1, tick = { 0, 10000000 };
  struct rusage ru, self;
  FILE *out;
  pid_t pid;
  long hwm = 0;
  int status, code;

  if (argc < 3) {
    fputs("usage: maxrss RESULT CMD [ARG...]\n", stderr);
    return 100;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  if (pid == -1) { perror("maxrss: fork"); return 111; }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror("maxrss: exec");
    _exit(111);
  }
  for (;;) {
    pid_t r = wait4(pid, &status, WNOHANG, &ru);
    long kb;
    if (r == pid) break;
    if (r == -1) { perror("maxrss: wait4"); return 111; }
    kb = hwm_of(pid);
    if (kb > hwm) hwm = kb;
    nanosleep(&tick, 0);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  getrusage(RUSAGE_SELF, &self);
  code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  out = fopen(argv[1], "w");
  if (!out) { perror(argv[1]); return 111; }
  fprintf(out, "%d %ld %ld %ld %.0f\n", code, ru.ru_maxrss, hwm, self.ru_maxrss,
          (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  return fclose(out) == 0 ? 0 : 111;
}
