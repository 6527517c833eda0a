/* spawn: request parsing and validation, report mapping, and the poll(2)
   loop shared by qmail-lspawn and qmail-rspawn. See spawn.h for the
   protocol. The loop trusts qmail-send only as far as the protocol goes:
   every request is checked, every field has a length limit, and a message
   file is handed to a child only when it is a regular file owned by the
   queue owner. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "error.h"
#include "fd.h"
#include "sig.h"
#include "spawn.h"
#include "str.h"
#include "stralloc.h"

/* ---------------------------------------------------------------- requests */

void spawn_request_reset(struct spawn_request *r)
{
  r->state = 0;
  r->slot = 0;
  r->nomem = 0;
  r->toolong = 0;
  r->messpath.len = 0;
  r->sender.len = 0;
  r->recipient.len = 0;
}

void spawn_request_free(struct spawn_request *r)
{
  stralloc_free(&r->messpath);
  stralloc_free(&r->sender);
  stralloc_free(&r->recipient);
  spawn_request_reset(r);
}

static void field_add(struct spawn_request *r, stralloc *sa, int bit,
                      size_t max, const char *s, size_t n)
{
  if (!n || r->nomem || (r->toolong & bit)) return;
  if (sa->len > max || n > max - sa->len) { r->toolong |= bit; return; }
  if (!stralloc_catb(sa, s, n)) r->nomem = 1;
}

int spawn_request_feed(struct spawn_request *r, const char *s, size_t len,
                       size_t *used)
{
  size_t i = 0;

  while (i < len) {
    stralloc *sa;
    size_t max, n;
    int bit;

    if (r->state == 0) {
      r->slot = (unsigned char)s[i++];
      r->state = 1;
      continue;
    }
    if (r->state == 1) { sa = &r->messpath; bit = 1; max = SPAWN_MESSPATH_MAX; }
    else if (r->state == 2) { sa = &r->sender; bit = 2; max = SPAWN_ADDRESS_MAX; }
    else { sa = &r->recipient; bit = 4; max = SPAWN_ADDRESS_MAX; }

    n = byte_chr(s + i, len - i, 0);
    field_add(r, sa, bit, max, s + i, n);
    i += n;
    if (i == len) break;
    ++i; /* the field's NUL */
    if (!r->nomem && !(r->toolong & bit) && !stralloc_0(sa)) r->nomem = 1;
    if (++r->state == 4) { *used = i; return 1; }
  }
  *used = i;
  return 0;
}

int spawn_messpath_ok(const char *s, size_t len)
{
  size_t slash;
  size_t i;

  if (len > SPAWN_MESSPATH_MAX) return 0;
  slash = byte_chr(s, len, '/');
  if (slash == 0 || slash + 1 >= len) return 0;
  for (i = 0; i < len; ++i)
    if (i != slash && (s[i] < '0' || s[i] > '9')) return 0;
  return 1;
}

const char *spawn_request_check(const struct spawn_request *r,
                                unsigned int slots, int busy)
{
  if (r->nomem)
    return "ZOut of memory while reading a delivery request. (#4.3.0)\n";
  if (r->slot >= slots || busy)
    return "ZInternal error: delivery slot out of range or busy. (#4.3.5)\n";
  if ((r->toolong & 1) || !r->messpath.len
      || !spawn_messpath_ok(r->messpath.s, r->messpath.len - 1))
    return "DInternal error: malformed message file name. (#5.3.5)\n";
  if (r->toolong & 6)
    return "DEnvelope address too long. (#5.1.3)\n";
  if (!r->recipient.len
      || byte_chr(r->recipient.s, r->recipient.len - 1, '@') == r->recipient.len - 1)
    return "DSorry, the recipient address has no host part. (#5.1.3)\n";
  return 0;
}

int spawn_report_cat(stralloc *out, unsigned char slot, const char *report,
                     size_t len)
{
  char c = (char)slot;

  len = byte_chr(report, len, 0);
  if (!stralloc_append(out, c)) return 0;
  if (!len) { if (!stralloc_append(out, 'Z')) return 0; }
  else if (!stralloc_catb(out, report, len)) return 0;
  return stralloc_0(out);
}

/* ------------------------------------------------------- report mappings */

static const char note_truncated[] =
    "\n(report too long: cut after 3000 bytes by qmail-lspawn)\n";

int spawn_local_report(stralloc *out, int crashed, int code,
                       const char *s, size_t len, int more)
{
  const char *fixed = 0;
  char status = 'D';
  size_t n;

  if (crashed) { status = 'Z'; fixed = "qmail-local crashed.\n"; }
  else
    switch (code) {
      case 0: status = 'K'; break;
      case 111: case 71: case 74: case 75: status = 'Z'; break;
      case QLX_CDB:
        status = 'Z'; fixed = "Unable to read users/cdb. (#4.3.0)\n"; break;
      case QLX_NOMEM:
        status = 'Z'; fixed = "Out of memory in qmail-lspawn. (#4.3.0)\n"; break;
      case QLX_SYS:
        status = 'Z'; fixed = "Temporary failure in qmail-lspawn. (#4.3.0)\n"; break;
      case QLX_NOALIAS:
        status = 'Z'; fixed = "Unable to find the alias account. (#4.3.0)\n"; break;
      case QLX_ROOT:
        status = 'Z'; fixed = "Refusing to deliver as root. (#4.3.0)\n"; break;
      case QLX_USAGE:
        status = 'Z'; fixed = "Internal error in qmail-lspawn. (#4.3.5)\n"; break;
      case QLX_NFS:
        status = 'Z'; fixed = "NFS failure while looking up the recipient. (#4.3.0)\n"; break;
      case QLX_EXECHARD:
        status = 'D'; fixed = "Unable to run qmail-local. (#5.3.5)\n"; break;
      case QLX_EXECSOFT:
        status = 'Z'; fixed = "Unable to run qmail-local. (#4.3.0)\n"; break;
      case QLX_EXECPW:
        status = 'Z'; fixed = "Unable to run qmail-getpw. (#4.3.0)\n"; break;
      default: status = 'D'; break; /* 100 and every other code */
    }

  if (!stralloc_copyb(out, &status, 1)) return 0;
  if (fixed && !stralloc_cats(out, fixed)) return 0;

  n = byte_chr(s, len, 0);
  if (n < len) more = 0; /* the text ends at the NUL; what follows is not lost */
  if (n > SPAWN_LOCAL_REPORTMAX) { n = SPAWN_LOCAL_REPORTMAX; more = 1; }
  if (!stralloc_catb(out, s, n)) return 0;
  if (more && !stralloc_cats(out, note_truncated)) return 0;
  return 1;
}

/* the report starting at s[i]: its letter and the end of its text (the
   NUL, or the end of the data) */
static size_t report_end(const char *s, size_t len, size_t i)
{
  return i + byte_chr(s + i, len - i, 0);
}

static int letter_result(char c, int *result)
{
  if (c == 'K') { *result = 1; return 1; }
  if (c == 'Z') { *result = 0; return 1; }
  if (c == 'D') { *result = -1; return 1; }
  return 0;
}

int spawn_remote_report(stralloc *out, int crashed, int code,
                        const char *s, size_t len, int more)
{
  int result = -1;
  int orr;
  size_t i, end, next;

  (void)more; /* a report cut by the cap still counts: its letter came first */
  if (crashed) return stralloc_copys(out, "Zqmail-remote crashed. (#4.3.0)\n");
  if (code) {
    /* qmail-remote itself always exits 0: 111 comes from a failed exec
       (an installation problem) and defers; anything else bounces */
    if (!stralloc_copys(out, code == 111
          ? "ZUnable to run qmail-remote. (#4.3.0)\n"
          : "DUnable to run qmail-remote. (#5.3.5)\n")) return 0;
    return stralloc_catb(out, s, byte_chr(s, len, 0));
  }
  if (!len)
    return stralloc_copys(out, "Zqmail-remote produced no output. (#4.3.0)\n");

  /* the message result: the first report that starts with K, Z or D */
  for (i = 0; i < len; i = end + 1) {
    end = report_end(s, len, i);
    if (end > i && letter_result(s[i], &result)) break;
  }
  /* with one recipient, a refused recipient decides */
  orr = result;
  if (s[0] == 's') orr = 0;
  else if (s[0] == 'h') orr = -1;

  if (!stralloc_copys(out, orr == 1 ? "K" : orr == 0 ? "Z" : "D")) return 0;
  end = report_end(s, len, 0);
  if (end > 1 && !stralloc_catb(out, s + 1, end - 1)) return 0;
  next = end + 1;
  if (result <= orr && next < len) {
    int dummy;
    if (letter_result(s[next], &dummy)) {
      size_t nend = report_end(s, len, next);
      if (!stralloc_catb(out, s + next + 1, nend - next - 1)) return 0;
    }
  }
  return 1;
}

/* ------------------------------------------------------------- the engine */

struct slot {
  int used;
  int reaped;
  int fd;        /* read end of the child's output pipe; -1 once closed */
  int wstatus;
  int more;      /* output beyond outmax was dropped */
  pid_t pid;
  stralloc out;
};

static struct slot slot[SPAWN_SLOTS_MAX];
static unsigned int busy;
static int selfpipe[2] = { -1, -1 };
static char outspace[4096];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);
static stralloc line = STRALLOC_ZERO;
static stralloc text = STRALLOC_ZERO;
static stralloc fn = STRALLOC_ZERO;
static struct spawn_request req = SPAWN_REQUEST_ZERO;

static void sigchld(int sig)
{
  int e = errno;

  (void)sig;
  if (selfpipe[1] != -1) {
    ssize_t r = write(selfpipe[1], "", 1); /* full pipe: a wake-up is pending */
    (void)r;
  }
  errno = e;
}

/* queues one report for qmail-send; -1 only when the write failed */
static int answer(unsigned char s, const char *report, size_t len)
{
  line.len = 0;
  if (!spawn_report_cat(&line, s, report, len)) {
    static const char nomem[] = "ZOut of memory in the spawner. (#4.3.0)\n";
    char c = (char)s;
    if (buf_put(&out, &c, 1) == -1) return -1;
    return buf_put(&out, nomem, sizeof nomem); /* with its NUL */
  }
  return buf_put(&out, line.s, line.len);
}

static int answers(unsigned char s, const char *report)
{
  return answer(s, report, str_len(report));
}

/* a Z report naming errno's reason */
static int answer_sys(unsigned char s, const char *what, int e)
{
  text.len = 0;
  if (!stralloc_copys(&text, "Z") || !stralloc_cats(&text, what)
      || !stralloc_cats(&text, error_str(e))
      || !stralloc_cats(&text, ". (#4.3.0)\n"))
    return answers(s, "ZOut of memory in the spawner. (#4.3.0)\n");
  return answer(s, text.s, text.len);
}

int spawn_child_fds(int fdmess, int fdout)
{
  if (fd_move(0, fdmess) == -1) return -1;
  if (fd_copy(1, fdout) == -1) return -1;
  if (fd_copy(2, fdout) == -1) return -1;
  /* the pipes to qmail-send and the other deliveries are close-on-exec;
     this also drops what the spawner itself may have inherited */
  return fd_close_from(3);
}

/* opens queue/mess/PATH for a delivery: fd, or -1 after answering */
static int open_message(const struct spawn_request *r, uid_t queue_uid,
                        int *wrote)
{
  struct stat st;
  int fd;

  *wrote = 0;
  if (!stralloc_copys(&fn, "queue/mess/")
      || !stralloc_catb(&fn, r->messpath.s, r->messpath.len)) {
    *wrote = answers(r->slot, "ZOut of memory in the spawner. (#4.3.0)\n");
    return -1;
  }
  fd = open(fn.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) {
    *wrote = answer_sys(r->slot, "Unable to open the message file: ", errno);
    return -1;
  }
  if (fstat(fd, &st) == -1) {
    *wrote = answer_sys(r->slot, "Unable to stat the message file: ", errno);
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *wrote = answers(r->slot, "ZInternal error: the message file is not a regular file. (#4.3.5)\n");
    close(fd);
    return -1;
  }
  if (st.st_uid != queue_uid) {
    *wrote = answers(r->slot, "ZInternal error: the message file is not owned by the queue owner. (#4.3.5)\n");
    close(fd);
    return -1;
  }
  if (fd_block(fd) == -1) {
    *wrote = answer_sys(r->slot, "Unable to read the message file: ", errno);
    close(fd);
    return -1;
  }
  return fd;
}

/* validates and starts one delivery; -1 only when writing a report failed */
static int start(const struct spawn_ops *ops, unsigned int slots,
                 uid_t queue_uid, const struct spawn_request *r)
{
  const char *bad;
  struct slot *sl;
  int fdmess, wrote;
  int pi[2];
  pid_t pid;

  bad = spawn_request_check(r, slots, r->slot < slots && slot[r->slot].used);
  if (bad) return answers(r->slot, bad);

  fdmess = open_message(r, queue_uid, &wrote);
  if (fdmess == -1) return wrote;
  if (pipe2(pi, O_CLOEXEC) == -1) {
    int e = errno;
    close(fdmess);
    return answer_sys(r->slot, "Unable to create a pipe: ", e);
  }
  pid = fork();
  if (pid == -1) {
    int e = errno;
    close(fdmess); close(pi[0]); close(pi[1]);
    return answer_sys(r->slot, "Unable to fork: ", e);
  }
  if (pid == 0) {
    close(pi[0]);
    close(selfpipe[0]);
    close(selfpipe[1]);
    selfpipe[1] = -1;
    sig_default(SIGCHLD);
    sig_default(SIGPIPE);
    sig_unblock_all();
    ops->child(fdmess, pi[1], r->sender.s, r->recipient.s);
    _exit(111);
  }
  close(pi[1]);
  close(fdmess);
  fd_nonblock(pi[0]);
  sl = &slot[r->slot];
  sl->used = 1;
  sl->reaped = 0;
  sl->fd = pi[0];
  sl->wstatus = 0;
  sl->more = 0;
  sl->pid = pid;
  sl->out.len = 0;
  ++busy;
  return 0;
}

static void reap(void)
{
  for (;;) {
    unsigned int i;
    int ws;
    pid_t pid = waitpid(-1, &ws, WNOHANG);

    if (pid == -1 && errno == EINTR) continue;
    if (pid <= 0) return;
    for (i = 0; i < SPAWN_SLOTS_MAX; ++i)
      if (slot[i].used && !slot[i].reaped && slot[i].pid == pid) {
        slot[i].reaped = 1;
        slot[i].wstatus = ws;
        break;
      }
  }
}

/* 1 read some output, 0 end of file (fd closed), -1 nothing there now */
static int read_child(const struct spawn_ops *ops, struct slot *sl)
{
  char chunk[4096];
  ssize_t r = read(sl->fd, chunk, sizeof chunk);
  size_t keep;

  if (r == -1) {
    if (errno == EINTR || errno == EAGAIN) return -1;
    r = 0; /* an unreadable pipe ends the output */
  }
  if (r == 0) {
    close(sl->fd);
    sl->fd = -1;
    return 0;
  }
  keep = sl->out.len < ops->outmax ? ops->outmax - sl->out.len : 0;
  if (keep > (size_t)r) keep = (size_t)r;
  if (keep && !stralloc_catb(&sl->out, chunk, keep)) keep = 0;
  if (keep < (size_t)r) sl->more = 1;
  return 1;
}

/* The child is reaped, so all it wrote is in the pipe. A process it left
   behind (a daemon a .qmail program started with "&" keeps fds 1 and 2)
   may hold the pipe open for as long as it likes, and write to it: the
   output ends with what is there now, read in a bounded number of pieces,
   not at end of file. */
#define DRAIN_PIECES 64 /* of 4096 bytes: more than a pipe holds */
static void drain_child(const struct spawn_ops *ops, struct slot *sl)
{
  unsigned int n;

  for (n = 0; n < DRAIN_PIECES && sl->fd != -1; ++n)
    if (read_child(ops, sl) == -1 && errno != EINTR) break;
  if (sl->fd != -1) {
    close(sl->fd);
    sl->fd = -1;
  }
}

/* reports every slot whose child is reaped, with what was in its pipe */
static int finish(const struct spawn_ops *ops)
{
  unsigned int i;

  for (i = 0; i < SPAWN_SLOTS_MAX; ++i) {
    struct slot *sl = &slot[i];
    int crashed, code, w;

    if (!sl->used || !sl->reaped) continue;
    drain_child(ops, sl);
    crashed = WIFSIGNALED(sl->wstatus);
    code = WIFEXITED(sl->wstatus) ? WEXITSTATUS(sl->wstatus) : 111;
    text.len = 0;
    if (ops->report(&text, crashed, code, sl->out.s ? sl->out.s : "",
                    sl->out.len, sl->more))
      w = answer((unsigned char)i, text.s, text.len);
    else
      w = answers((unsigned char)i, "ZOut of memory in the spawner. (#4.3.0)\n");
    sl->used = 0;
    sl->out.len = 0;
    --busy;
    if (w == -1) return -1;
  }
  return 0;
}

/* 1 more input may come, 0 end of file, -1 fatal (report write failed) */
static int read_requests(const struct spawn_ops *ops, unsigned int slots,
                         uid_t queue_uid, int *readerr)
{
  char chunk[4096];
  ssize_t r = read(0, chunk, sizeof chunk);
  size_t pos = 0;

  if (r == -1) {
    if (errno == EINTR || errno == EAGAIN) return 1;
    *readerr = errno;
    return 0;
  }
  if (r == 0) return 0;
  while (pos < (size_t)r) {
    size_t used;
    int done = spawn_request_feed(&req, chunk + pos, (size_t)r - pos, &used);
    pos += used;
    if (done) {
      if (start(ops, slots, queue_uid, &req) == -1) return -1;
      spawn_request_reset(&req);
    }
  }
  return 1;
}

int spawn_run(const struct spawn_ops *ops, unsigned int slots, uid_t queue_uid,
              const char **what)
{
  static struct pollfd pfd[SPAWN_SLOTS_MAX + 2];
  static struct slot *pslot[SPAWN_SLOTS_MAX + 2];
  int eof = 0, readerr = 0;
  char handshake;

  if (!slots || slots > SPAWN_SLOTS_MAX) {
    *what = "use the configured slot count";
    errno = EINVAL;
    return -1;
  }
  /* a closed fd 2 would be handed to the first pipe or message opened */
  if (fcntl(2, F_GETFD) == -1) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd != -1 && fd != 2) close(fd);
  }
  fd_block(1); /* every report is written whole, waiting if need be */
  if (pipe2(selfpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
    *what = "create a pipe";
    return -1;
  }
  sig_ignore(SIGPIPE);
  sig_catch(SIGCHLD, sigchld);
  sig_unblock(SIGCHLD); /* an inherited mask must not hide exits */

  handshake = (char)(unsigned char)slots;
  if (buf_putflush(&out, &handshake, 1) == -1) {
    *what = "write to qmail-send";
    return -1;
  }

  for (;;) {
    unsigned int i, n = 0;
    int r;

    reap();
    if (finish(ops) == -1 || buf_flush(&out) == -1) {
      *what = "write to qmail-send";
      return -1;
    }
    if (eof && !busy) break;

    pfd[n].fd = selfpipe[0]; pfd[n].events = POLLIN; pslot[n] = 0; ++n;
    if (!eof) { pfd[n].fd = 0; pfd[n].events = POLLIN; pslot[n] = 0; ++n; }
    for (i = 0; i < SPAWN_SLOTS_MAX; ++i)
      if (slot[i].used && slot[i].fd != -1) {
        pfd[n].fd = slot[i].fd; pfd[n].events = POLLIN; pslot[n] = &slot[i]; ++n;
      }
    for (i = 0; i < n; ++i) pfd[i].revents = 0;

    r = poll(pfd, n, -1);
    if (r == -1) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *what = "wait for events";
      return -1;
    }
    if (pfd[0].revents) {
      char drain[64];
      while (read(selfpipe[0], drain, sizeof drain) > 0) ;
    }
    for (i = 1; i < n; ++i)
      if (pslot[i] && pfd[i].revents) (void)read_child(ops, pslot[i]);
    if (!eof && pfd[1].revents) {
      int more = read_requests(ops, slots, queue_uid, &readerr);
      if (more == -1) { *what = "write to qmail-send"; return -1; }
      if (!more) eof = 1;
    }
  }
  spawn_request_free(&req);
  if (readerr) {
    errno = readerr;
    *what = "read requests";
    return -1;
  }
  return 0;
}
