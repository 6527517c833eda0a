/* command: runs a program from an argument vector, never through a shell,
   and tells its caller whether the exec itself failed (the helpers of
   .qmail lines must tell "could not run it" from "it ran and said so"). */
#ifndef COMMAND_H
#define COMMAND_H
#include <sys/types.h>

/* Forks and executes argv[0] with argv (searched in $PATH when it holds no
   '/'). fdin, unless -1, becomes the child's fd 0; every other descriptor
   the caller left inheritable is inherited. The child gets SIGPIPE's
   default disposition back. Returns once the exec has either succeeded or
   failed: 0 with *pid set, or -1 with errno when the pipe, the fork, the
   child's setup or the exec failed (a child that failed is reaped). */
int command_start(pid_t *pid, char *const argv[], int fdin);
/* waits for pid (retrying on EINTR): 0 with *wstat, -1 with errno */
int command_wait(pid_t pid, int *wstat);
/* Runs argv with a pipe as its fd 0, writes head[0..len) into it and then
   everything the caller's fd 0 holds, and waits: 0 with *wstat. -1 with
   errno and *what naming the step ("run", "read", "wait for") when it failed;
   after a read error the program is killed first, so that it cannot act
   on a cut-off input. A program that stops reading early is not an error:
   its exit status says why. SIGPIPE must be ignored by the caller. */
int command_feed(char *const argv[], const char *head, size_t len, int *wstat,
                 const char **what);
/* command_start with the caller's fd 0, then command_wait */
int command_run(char *const argv[], int *wstat);

#endif
