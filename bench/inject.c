/* bench/inject.c: a load generator for bench/queue-to-maildir.sh. It runs
   QMAILQUEUE-style injections the way a server does: for each message it
   starts qmail-queue with the message file on fd 0 and the envelope file on
   fd 1 and waits for it. Usage: inject QMAIL-QUEUE MESSAGE ENVELOPE COUNT.
   Prints nothing; exits 1 if any injection failed. Benchmark tool only. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
  long i, n;
  int failed = 0;
  if (argc != 5) { fputs("usage: inject QMAIL-QUEUE MESSAGE ENVELOPE COUNT\n", stderr); return 100; }
  n = atol(argv[4]);
  for (i = 0; i < n; ++i) {
    posix_spawn_file_actions_t fa;
    char *args[2];
    pid_t pid;
    int status;
    args[0] = argv[1];
    args[1] = 0;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, argv[2], O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, argv[3], O_RDONLY, 0);
    if (posix_spawn(&pid, argv[1], &fa, 0, args, environ) != 0) { perror("inject: posix_spawn"); return 111; }
    posix_spawn_file_actions_destroy(&fa);
    if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "inject: qmail-queue failed (status %d)\n", status);
      failed = 1;
    }
  }
  return failed;
}
