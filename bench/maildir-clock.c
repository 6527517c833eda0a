/* bench/maildir-clock.c: the clock of bench/queue-to-maildir.sh. It times
   mail from the injection to the moment its file appears in a Maildir's
   new/, watching new/ with inotify (a link or rename into new/ is reported
   at once, so nothing is quantised by a polling interval). Benchmark tool
   only; times are CLOCK_MONOTONIC, printed in milliseconds.

   NEWDIR may also be a queue directory (one with mess/): the clock then
   stops when a message leaves the queue (its file in mess/ is removed:
   every delivery is done and reported), which times deliveries that leave
   no file in a Maildir (mbox, programs).

   maildir-clock pass NEWDIR WANT INJECTORS CMD [ARG...]
     Starts INJECTORS copies of CMD (each, for example, bench/inject with its
     share of the messages) and waits until all have exited and NEWDIR holds
     WANT more files than when it started (for a queue: it is empty and
     WANT messages have left it or every injector is done). Prints one line:
       START_EPOCH_MS INJECT_MS TOTAL_MS CHILDREN_USER_MS CHILDREN_SYS_MS
     (wall-clock start, for matching strace -ttt output; the time until the
     last injector exited; the time until the last file arrived; CPU time of
     the injectors and everything they waited for, from
     getrusage(RUSAGE_CHILDREN)). When QMBENCH_CGROUP names a cgroup.procs
     file, each injector moves itself into that cgroup before it starts CMD.
   maildir-clock latency NEWDIR QUEUEDIR SAMPLES GAP_MS QMAIL-QUEUE MESSAGE ENVELOPE
     SAMPLES times: waits until QUEUEDIR/mess/ is empty (the previous message
     is finished) and GAP_MS more, then starts QMAIL-QUEUE with MESSAGE on
     fd 0 and ENVELOPE on fd 1 and waits for the next file in NEWDIR. Prints
     one line per sample: TOTAL_MS QUEUE_MS (until the file is in new/; until
     qmail-queue exited). QUEUEDIR "-" does not wait for the queue to empty
     (a backlog stays queued), only GAP_MS.
   maildir-clock latency-cmd NEWDIR QUEUEDIR SAMPLES GAP_MS CMD [ARG...]
     The same with any injection: CMD (for example bench/smtp-load sending
     one message) runs with the clock's descriptors and must exit 0.
   maildir-clock drain QUEUEDIR TIMEOUT_S
     Waits until QUEUEDIR/mess/ holds no message.
   maildir-clock port
     Prints a TCP port on 127.0.0.1 that nothing listens on now.

   Exit 0 done, 1 a deadline passed or an injection failed, 100 usage,
   111 system error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEADLINE_MS 600000.0

static void die(const char *what)
{
  fprintf(stderr, "maildir-clock: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

static double now_ms(clockid_t clock)
{
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) ;
}

/* files in DIR whose names do not start with a dot */
static long count_files(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  long n = 0;
  if (!d) die(dir);
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

/* true when no subdirectory of QUEUEDIR/mess holds a file */
static int queue_empty(const char *queuedir)
{
  char path[4096];
  DIR *d;
  struct dirent *e;
  int empty = 1;
  snprintf(path, sizeof path, "%s/mess", queuedir);
  d = opendir(path);
  if (!d) die(path);
  while (empty && (e = readdir(d))) {
    char sub[4096];
    if (e->d_name[0] == '.') continue;
    snprintf(sub, sizeof sub, "%s/mess/%s", queuedir, e->d_name);
    if (count_files(sub) > 0) empty = 0;
  }
  closedir(d);
  return empty;
}

static int drain(const char *queuedir, double timeout_ms)
{
  double deadline = now_ms(CLOCK_MONOTONIC) + timeout_ms;
  while (!queue_empty(queuedir)) {
    if (now_ms(CLOCK_MONOTONIC) > deadline) return 0;
    sleep_ms(2);
  }
  return 1;
}

/* is DIR a queue (it has mess/) rather than a Maildir's new/? */
static int is_queue(const char *dir)
{
  char path[4096];
  DIR *d;
  snprintf(path, sizeof path, "%s/mess", dir);
  d = opendir(path);
  if (!d) return 0;
  closedir(d);
  return 1;
}

/* inotify on new files in a Maildir's new/ or, for a queue, on files
   removed from its mess/ subdirectories (a message leaving the queue) */
static int watch_new(const char *newdir)
{
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd == -1) die("inotify_init1");
  if (is_queue(newdir)) {
    char path[4096], sub[4096];
    DIR *d;
    struct dirent *e;
    snprintf(path, sizeof path, "%s/mess", newdir);
    if (!(d = opendir(path))) die(path);
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      snprintf(sub, sizeof sub, "%s/mess/%s", newdir, e->d_name);
      if (inotify_add_watch(fd, sub, IN_DELETE) == -1) die(sub);
    }
    closedir(d);
    return fd;
  }
  if (inotify_add_watch(fd, newdir, IN_CREATE | IN_MOVED_TO) == -1) die(newdir);
  return fd;
}

/* reads the pending events of FD; returns the number of new files (names
   not starting with a dot), or -1 when the kernel's queue overflowed */
static long read_events(int fd)
{
  char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
  long n = 0;
  int overflow = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    char *p;
    if (r == -1) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      die("read inotify");
    }
    for (p = buf; p < buf + r;) {
      struct inotify_event *ev = (struct inotify_event *)p;
      if (ev->mask & IN_Q_OVERFLOW) overflow = 1;
      else if (ev->len > 0 && ev->name[0] != '.') ++n;
      p += sizeof *ev + ev->len;
    }
  }
  return overflow ? -1 : n;
}

static void join_cgroup(void)
{
  const char *procs = getenv("QMBENCH_CGROUP");
  int fd;
  if (!procs || !*procs) return;
  fd = open(procs, O_WRONLY);
  if (fd == -1 || write(fd, "0\n", 2) != 2) {
    fprintf(stderr, "maildir-clock: fatal: unable to join %s: %s\n", procs, strerror(errno));
    _exit(111);
  }
  close(fd);
}

static int pass(const char *newdir, long want, int injectors, char **cmd)
{
  int ifd = watch_new(newdir), queue = is_queue(newdir);
  long base = queue ? 0 : count_files(newdir), seen = 0;
  struct pollfd *pfd = calloc((size_t)injectors + 1, sizeof *pfd);
  pid_t *pids = calloc((size_t)injectors, sizeof *pids);
  double start_epoch, t0, t_inject = -1, t_done = -1;
  int running = injectors, failed = 0, i;
  struct rusage ru;
  if (!pfd || !pids) die("calloc");
  start_epoch = now_ms(CLOCK_REALTIME);
  t0 = now_ms(CLOCK_MONOTONIC);
  for (i = 0; i < injectors; ++i) {
    pid_t pid = fork();
    if (pid == -1) die("fork");
    if (pid == 0) {
      join_cgroup();
      execvp(cmd[0], cmd);
      fprintf(stderr, "maildir-clock: fatal: unable to run %s: %s\n", cmd[0], strerror(errno));
      _exit(111);
    }
    pids[i] = pid;
    pfd[i + 1].fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd[i + 1].fd == -1) die("pidfd_open");
    pfd[i + 1].events = POLLIN;
  }
  pfd[0].fd = ifd;
  pfd[0].events = POLLIN;
  while (running > 0 || t_done < 0) {
    int r = poll(pfd, (nfds_t)injectors + 1, 1000);
    if (r == -1) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pfd[0].revents & POLLIN) {
      long n = read_events(ifd);
      if (queue) {
        /* removals can be undercounted: inotify merges two unread equal
           events (a message ID, its inode, reused at once in the same
           directory) and drops events when its queue overflows. So the
           end is also the empty queue once every injector is done. */
        if (n > 0) seen += n;
        if (t_done < 0 && (seen >= want || running == 0) && queue_empty(newdir))
          t_done = now_ms(CLOCK_MONOTONIC);
      } else {
        seen = n < 0 ? count_files(newdir) - base : seen + n;
        /* the event count can only overstate (a name seen twice); confirm */
        if (t_done < 0 && seen >= want && count_files(newdir) - base >= want)
          t_done = now_ms(CLOCK_MONOTONIC);
      }
    }
    for (i = 0; i < injectors; ++i) {
      int status;
      if (pfd[i + 1].fd < 0 || !(pfd[i + 1].revents & POLLIN)) continue;
      if (waitpid(pids[i], &status, 0) == -1) die("waitpid");
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
      close(pfd[i + 1].fd);
      pfd[i + 1].fd = -1;
      if (--running == 0) t_inject = now_ms(CLOCK_MONOTONIC);
    }
    if (queue && running == 0 && t_done < 0 && queue_empty(newdir))
      t_done = now_ms(CLOCK_MONOTONIC);
    if (now_ms(CLOCK_MONOTONIC) - t0 > DEADLINE_MS) {
      fprintf(stderr, "maildir-clock: %ld of %ld messages delivered after %.0f s\n",
              queue ? seen : count_files(newdir) - base, want, DEADLINE_MS / 1000);
      return 1;
    }
    if (failed && running == 0 && t_done < 0) {
      fprintf(stderr, "maildir-clock: an injector failed\n");
      return 1;
    }
  }
  getrusage(RUSAGE_CHILDREN, &ru);
  printf("%.0f %.3f %.3f %.3f %.3f\n", start_epoch, t_inject - t0, t_done - t0,
         ru.ru_utime.tv_sec * 1000.0 + ru.ru_utime.tv_usec / 1000.0,
         ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0);
  return failed;
}

/* CMD is QMAIL-QUEUE alone when MESSAGE is set (MESSAGE on fd 0 and
   ENVELOPE on fd 1), else a command line run as it is */
static int latency(const char *newdir, const char *queuedir, long samples, double gap,
                   char **cmd, const char *message, const char *envelope)
{
  int ifd = watch_new(newdir);
  long i;
  for (i = 0; i < samples; ++i) {
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;
    double t0, t_queue, t_done = -1;
    struct pollfd p;
    /* QUEUEDIR "-": other mail stays queued (a backlog); only GAP_MS */
    if (strcmp(queuedir, "-") != 0 && !drain(queuedir, 60000)) {
      fprintf(stderr, "maildir-clock: the queue did not empty\n");
      return 1;
    }
    sleep_ms(gap);
    if (read_events(ifd) == -1) { /* an overflow of old events: nothing to do */ }
    posix_spawn_file_actions_init(&fa);
    if (message) {
      posix_spawn_file_actions_addopen(&fa, 0, message, O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 1, envelope, O_RDONLY, 0);
    }
    t0 = now_ms(CLOCK_MONOTONIC);
    if ((errno = posix_spawnp(&pid, cmd[0], &fa, 0, cmd, environ)) != 0) die(cmd[0]);
    posix_spawn_file_actions_destroy(&fa);
    if (waitpid(pid, &status, 0) == -1) die("waitpid");
    t_queue = now_ms(CLOCK_MONOTONIC);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "maildir-clock: %s failed (status %d)\n", cmd[0], status);
      return 1;
    }
    p.fd = ifd;
    p.events = POLLIN;
    while (t_done < 0) {
      int r = poll(&p, 1, 1000);
      if (r == -1 && errno != EINTR) die("poll");
      if (r > 0 && read_events(ifd) != 0) t_done = now_ms(CLOCK_MONOTONIC);
      else if (now_ms(CLOCK_MONOTONIC) - t0 > 60000) {
        fprintf(stderr, "maildir-clock: no delivery within 60 s\n");
        return 1;
      }
    }
    printf("%.3f %.3f\n", t_done - t0, t_queue - t0);
    fflush(stdout);
  }
  return 0;
}

static int free_port(void)
{
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == -1) die("socket");
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("bind");
  if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1) die("getsockname");
  printf("%u\n", (unsigned)ntohs(sa.sin_port));
  close(fd);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc >= 6 && !strcmp(argv[1], "pass"))
    return pass(argv[2], atol(argv[3]), atoi(argv[4]), argv + 5);
  if (argc == 9 && !strcmp(argv[1], "latency")) {
    char *cmd[2];
    cmd[0] = argv[6];
    cmd[1] = 0;
    return latency(argv[2], argv[3], atol(argv[4]), atof(argv[5]), cmd, argv[7], argv[8]);
  }
  if (argc >= 7 && !strcmp(argv[1], "latency-cmd"))
    return latency(argv[2], argv[3], atol(argv[4]), atof(argv[5]), argv + 6, 0, 0);
  if (argc == 2 && !strcmp(argv[1], "port")) return free_port();
  if (argc == 4 && !strcmp(argv[1], "drain")) {
    if (drain(argv[2], atof(argv[3]) * 1000)) return 0;
    fprintf(stderr, "maildir-clock: the queue did not empty within %s s\n", argv[3]);
    return 1;
  }
  fputs("usage: maildir-clock pass NEWDIR WANT INJECTORS CMD [ARG...]\n"
        "       maildir-clock latency NEWDIR QUEUEDIR SAMPLES GAP_MS QMAIL-QUEUE MESSAGE ENVELOPE\n"
        "       maildir-clock latency-cmd NEWDIR QUEUEDIR SAMPLES GAP_MS CMD [ARG...]\n"
        "       maildir-clock drain QUEUEDIR TIMEOUT_S\n"
        "       maildir-clock port\n", stderr);
  return 100;
}
