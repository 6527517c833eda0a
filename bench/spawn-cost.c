/* bench/spawn-cost.c: the cost of starting a program, as a spawner pays it.

     spawn-cost [-n COUNT] [-r ROUNDS] [-m MB] [-i FILE] [-w fork|vfork|posix_spawn]
                PROGRAM [ARG...]

   Starts PROGRAM COUNT times (default 1000), one after the other, each time
   creating the child with the chosen call (default fork, then execv in the
   child), and waits for it. The child gets FILE (default /dev/null) on fd 0
   and /dev/null on fd 1 and 2. With -m the parent first allocates and
   touches MB megabytes, so the cost of copying its page tables (fork) shows
   as it would in a long-running parent with that resident size. The runs
   are split into ROUNDS rounds (default 5); prints one line:

     WAY rss=MB PROGRAM: min MIN us, median MED us per start (COUNT starts, exit E)

   where MIN and MED are the fastest and the median round's mean time per
   start (fork or spawn to the end of waitpid) and E is the exit code of the
   first child (the cheap path a benchmark chose should show here, not an
   exec failure: 127). Benchmark tool only: numbers, no verdict. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int input, devnull;

static void usage(void)
{
  fputs("usage: spawn-cost [-n COUNT] [-r ROUNDS] [-m MB] [-i FILE] "
        "[-w fork|vfork|posix_spawn] PROGRAM [ARG...]\n", stderr);
  exit(100);
}

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* the child's side of fork and vfork: only async-signal-safe calls */
static void child(char **argv)
{
  if (dup2(input, 0) == -1 || dup2(devnull, 1) == -1 || dup2(devnull, 2) == -1) _exit(126);
  execv(argv[0], argv);
  _exit(127);
}

/* starts argv[0] the chosen way and waits; returns its exit code, or -1 */
static int start(const char *way, char **argv)
{
  pid_t pid;
  int status;

  if (!strcmp(way, "fork")) {
    pid = fork();
    if (pid == 0) child(argv);
  } else if (!strcmp(way, "vfork")) {
    pid = vfork();
    if (pid == 0) child(argv);
  } else {
    posix_spawn_file_actions_t fa;
    int e;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, input, 0);
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    posix_spawn_file_actions_adddup2(&fa, devnull, 2);
    e = posix_spawn(&pid, argv[0], &fa, 0, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e) { errno = e; pid = -1; }
  }
  if (pid == -1) { perror("spawn-cost: unable to start"); exit(111); }
  while (waitpid(pid, &status, 0) == -1)
    if (errno != EINTR) { perror("spawn-cost: waitpid"); exit(111); }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int by_value(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  long count = 1000, rounds = 5, mb = 0, i, r;
  const char *file = "/dev/null", *way = "fork";
  double *mean;
  int first, opt;

  while ((opt = getopt(argc, argv, "+n:r:m:i:w:")) != -1) {
    switch (opt) {
      case 'n': count = atol(optarg); break;
      case 'r': rounds = atol(optarg); break;
      case 'm': mb = atol(optarg); break;
      case 'i': file = optarg; break;
      case 'w': way = optarg; break;
      default: usage();
    }
  }
  if (optind >= argc || count < 1 || rounds < 1 || rounds > count || mb < 0) usage();
  if (strcmp(way, "fork") && strcmp(way, "vfork") && strcmp(way, "posix_spawn")) usage();
  argv += optind;

  input = open(file, O_RDONLY | O_CLOEXEC);
  devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (input == -1 || devnull == -1) { perror("spawn-cost: open"); return 111; }
  if (mb) {
    char *p = malloc((size_t)mb << 20);
    if (!p) { perror("spawn-cost: malloc"); return 111; }
    memset(p, 1, (size_t)mb << 20);
  }
  mean = calloc((size_t)rounds, sizeof *mean);
  if (!mean) return 111;

  first = start(way, argv);   /* also warms the page cache */
  for (r = 0; r < rounds; ++r) {
    long n = count / rounds + (r < count % rounds);
    double t0 = now_us();
    for (i = 0; i < n; ++i) start(way, argv);
    mean[r] = (now_us() - t0) / n;
  }
  qsort(mean, (size_t)rounds, sizeof *mean, by_value);
  printf("%s rss=%ld %s: min %.0f us, median %.0f us per start (%ld starts, exit %d)\n",
         way, mb, argv[0], mean[0], mean[rounds / 2], count, first);
  return 0;
}
