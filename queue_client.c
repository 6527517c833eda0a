/* queue_client: the caller's side of the qmail-queue protocol (see
   queue_client.h and qmail-queue(8)).

   The child gets the read end of the message pipe on fd 0, the read end of
   the envelope pipe on fd 1, the write end of an error-text pipe on fd 6
   and, on fd 2, /dev/null or the descriptor the caller chose for the queue
   program's diagnostics; every other descriptor is closed (whatever the
   caller holds, e.g. qmail-send's spawner and qmail-clean pipes on fds 1-6,
   must not reach a $QMAILQUEUE filter). It changes to the home directory
   and runs $QMAILQUEUE (when set and not empty) or bin/qmail-queue; only an
   absolute $QMAILQUEUE runs when the home cannot be entered (exit 61). The
   parent writes the whole message, closes that pipe, and only then writes
   the envelope: qmail-queue reads the message to its end before it reads a
   single envelope byte.

   queue_open sets SIGPIPE to ignored in the calling process: a queue
   program that dies early must show up as a failed write (EPIPE), never
   kill the caller. The child gets the default disposition back.

   Library code: nothing here exits or prints, except the forked child,
   which exits 61 (no home directory) or 120 (cannot set up or exec). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "auto.h"
#include "env.h"
#include "fd.h"
#include "queue_client.h"
#include "sig.h"

/* the longest fd-6 text passed on to the caller */
#define ERRTEXT_MAX 255

#define EXIT_EXEC 120

static void close_pair(int p[2])
{
  close(p[0]);
  close(p[1]);
}

/* a duplicate numbered 7 or above, so that placing one descriptor on 0, 1,
   2 or 6 cannot overwrite another one still to be placed */
static int lift(int fd)
{
  return fd > 6 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 7);
}

static void run_child(int fdmess, int fdenv, int fderr, int fdstderr,
                      const char *prog) __attribute__((noreturn));
static void run_child(int fdmess, int fdenv, int fderr, int fdstderr,
                      const char *prog)
{
  char *argv[2];

  sig_default(SIGPIPE);
  sig_unblock_all();
  if (fdstderr == -1) fdstderr = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fdstderr == -1) _exit(EXIT_EXEC);
  fdmess = lift(fdmess);
  fdenv = lift(fdenv);
  fderr = lift(fderr);
  fdstderr = lift(fdstderr);
  if (fdmess == -1 || fdenv == -1 || fderr == -1 || fdstderr == -1)
    _exit(EXIT_EXEC);
  if (fd_copy(0, fdmess) == -1) _exit(EXIT_EXEC);
  if (fd_copy(1, fdenv) == -1) _exit(EXIT_EXEC);
  if (fd_copy(2, fdstderr) == -1) _exit(EXIT_EXEC);
  if (fd_copy(6, fderr) == -1) _exit(EXIT_EXEC);
  /* exactly 0, 1, 2 and 6: the caller's own inheritable descriptors go
     too, not only the close-on-exec ones */
  close(3);
  close(4);
  close(5);
  if (fd_close_from(7) == -1) _exit(EXIT_EXEC);
  /* bin/qmail-queue is relative to the home; a $QMAILQUEUE named by an
     absolute path runs (in the home when it exists) without one */
  if (chdir(auto_home) == -1 && prog[0] != '/') _exit(61);
  argv[0] = (char *)prog;
  argv[1] = 0;
  execv(prog, argv);
  _exit(EXIT_EXEC);
}

int queue_open(struct queue_client *q)
{
  return queue_open_stderr(q, -1);
}

int queue_open_stderr(struct queue_client *q, int fdstderr)
{
  int pm[2], pe[2], px[2];
  const char *prog = env_get("QMAILQUEUE");
  int e;

  if (!prog || !*prog) prog = "bin/qmail-queue";
  /* close-on-exec on every end: the queue program must not inherit the
     write end of its own input, or it would never see end of file */
  if (pipe2(pm, O_CLOEXEC) == -1) return -1;
  if (pipe2(pe, O_CLOEXEC) == -1) { e = errno; close_pair(pm); errno = e; return -1; }
  if (pipe2(px, O_CLOEXEC) == -1) {
    e = errno; close_pair(pm); close_pair(pe); errno = e; return -1;
  }
  sig_ignore(SIGPIPE);

  q->pid = fork();
  if (q->pid == -1) {
    e = errno;
    close_pair(pm); close_pair(pe); close_pair(px);
    errno = e;
    return -1;
  }
  if (q->pid == 0) run_child(pm[0], pe[0], px[1], fdstderr, prog);

  close(pm[0]);
  close(pe[0]);
  close(px[1]);
  q->fdmess = pm[1];
  q->fdenv = pe[1];
  q->fderr = px[0];
  q->flagerror = 0;
  buf_init(&q->out, buf_unixwrite, q->fdmess, q->space, sizeof q->space);
  return 0;
}

void queue_put(struct queue_client *q, const char *s, size_t n)
{
  if (q->flagerror) return;
  if (buf_put(&q->out, s, n) == -1) q->flagerror = 1;
}

int queue_put_fd(struct queue_client *q, int fd)
{
  char space[8192];

  while (!q->flagerror) {
    ssize_t r = read(fd, space, sizeof space);
    if (r == 0) break;
    if (r == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    queue_put(q, space, (size_t)r);
  }
  return 0;
}

void queue_puts(struct queue_client *q, const char *s)
{
  if (q->flagerror) return;
  if (buf_puts(&q->out, s) == -1) q->flagerror = 1;
}

/* the message is complete: flush and close its pipe, and point the buffer
   at the envelope pipe */
static void end_message(struct queue_client *q)
{
  if (q->fdmess == -1) return;
  if (!q->flagerror && buf_flush(&q->out) == -1) q->flagerror = 1;
  close(q->fdmess);
  q->fdmess = -1;
  buf_init(&q->out, buf_unixwrite, q->fdenv, q->space, sizeof q->space);
}

void queue_from(struct queue_client *q, const char *sender)
{
  end_message(q);
  queue_put(q, "F", 1);
  queue_puts(q, sender);
  queue_put(q, "", 1);
}

void queue_to(struct queue_client *q, const char *recipient)
{
  /* a recipient before the sender would land in the message */
  if (q->fdmess != -1) q->flagerror = 1;
  queue_put(q, "T", 1);
  queue_puts(q, recipient);
  queue_put(q, "", 1);
}

static void close_fd(int *fd)
{
  if (*fd != -1) close(*fd);
  *fd = -1;
}

/* reads fd 6 to its end; keeps the first ERRTEXT_MAX bytes in q->space
   (no longer needed for output) and returns their count */
static size_t read_errtext(struct queue_client *q)
{
  size_t len = 0;

  for (;;) {
    ssize_t r;
    if (len < ERRTEXT_MAX)
      r = read(q->fderr, q->space + len, ERRTEXT_MAX - len);
    else /* drain the rest so a writer never blocks on us */
      r = read(q->fderr, q->space + ERRTEXT_MAX + 1,
               sizeof q->space - ERRTEXT_MAX - 1);
    if (r == -1 && errno == EINTR) continue;
    if (r <= 0) break;
    if (len < ERRTEXT_MAX) len += (size_t)r;
  }
  return len;
}

static int reap(pid_t pid, int *wstat)
{
  pid_t r;

  do r = waitpid(pid, wstat, 0); while (r == -1 && errno == EINTR);
  return r == pid ? 0 : -1;
}

const char *queue_close(struct queue_client *q)
{
  int wstat;
  size_t len;

  if (q->fdenv == -1 && q->fderr == -1)
    return "Zqueue connection already closed (#4.3.0)";
  /* without a sender there is no envelope: abort rather than queue */
  if (q->fdmess != -1) { q->flagerror = 1; close_fd(&q->fdmess); }
  if (!q->flagerror) {
    if (buf_put(&q->out, "", 1) == -1 || buf_flush(&q->out) == -1)
      q->flagerror = 1;
  }
  close_fd(&q->fdenv);
  len = read_errtext(q);
  close_fd(&q->fderr);
  if (reap(q->pid, &wstat) == -1) return "Zqueue waitpid surprise (#4.3.0)";
  return queue_status(wstat, q->flagerror, q->space, len);
}

void queue_fail(struct queue_client *q)
{
  int wstat;

  if (q->fdenv == -1 && q->fderr == -1) return;
  q->flagerror = 1;
  /* end of input without the final NUL: the queue program removes what it
     wrote and exits 54 */
  close_fd(&q->fdmess);
  close_fd(&q->fdenv);
  close_fd(&q->fderr);
  reap(q->pid, &wstat);
}

unsigned long queue_qp(const struct queue_client *q)
{
  return (unsigned long)q->pid;
}

/* the exit-code table of qmail-queue(8), as seen by a caller */
const char *queue_status(int wstat, int flagerror, char *text, size_t len)
{
  size_t i;

  if (len > ERRTEXT_MAX) len = ERRTEXT_MAX;
  for (i = 0; i < len; ++i)
    if (text[i] == 0 || text[i] == '\r' || text[i] == '\n') break;
  len = i;
  if (text) text[len] = 0;

  if (!WIFEXITED(wstat)) return "Zqueue program crashed (#4.3.0)";
  switch (WEXITSTATUS(wstat)) {
    case 0:
      if (!flagerror) return "";
      return "Zqueue read error (#4.3.0)";
    case 11:
    case 115: /* older callers' code for the same */
      return "Denvelope address too long for the queue (#5.1.3)";
    case 31: return "Dmail server permanently rejected the message (#5.3.0)";
    case 51: return "Zqueue out of memory (#4.3.0)";
    case 52: return "Zqueue timed out (#4.3.0)";
    case 53: return "Zqueue write error or disk full (#4.3.0)";
    case 54: return "Zqueue read error (#4.3.0)";
    case 55: return "Zqueue unable to read its configuration (#4.3.0)";
    case 56: return "Zqueue unable to make a network connection (#4.3.0)";
    case 61: return "Zqueue trouble with its home directory (#4.3.0)";
    case 62: case 63: case 64: case 65: case 66:
      return "Zqueue trouble creating files in the queue (#4.3.0)";
    case 71: return "Zmail server temporarily rejected the message (#4.3.0)";
    case 72: return "Zconnection to mail server timed out (#4.4.1)";
    case 73: return "Zconnection to mail server refused (#4.4.1)";
    case 74: return "Zcommunication with mail server failed (#4.4.2)";
    case 81: case 91: return "Zqueue internal bug (#4.3.0)";
    case EXIT_EXEC: return "Zunable to run the queue program (#4.3.0)";
    case 82:
      if (len >= 3 && (text[0] == 'D' || text[0] == 'Z')) return text;
      break;
    default:
      if (WEXITSTATUS(wstat) >= 11 && WEXITSTATUS(wstat) <= 40)
        return "Dqueue permanent problem (#5.3.0)";
      break;
  }
  return "Zqueue temporary problem (#4.3.0)";
}
