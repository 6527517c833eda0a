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
#include <sys/resource.h>
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

void spawn_slot_put(char *two, unsigned int slot)
{
  two[0] = (char)(unsigned char)(slot >> 8);
  two[1] = (char)(unsigned char)slot;
}

unsigned int spawn_slot_get(const char *two)
{
  return ((unsigned int)(unsigned char)two[0] << 8) | (unsigned char)two[1];
}

void spawn_request_reset(struct spawn_request *r)
{
  r->state = 0;
  r->slot = 0;
  r->nrcpt = 0;
  r->nomem = 0;
  r->toolong = 0;
  r->fieldstart = 0;
  r->fieldlen = 0;
  r->messpath.len = 0;
  r->sender.len = 0;
  r->recipients.len = 0;
}

void spawn_request_free(struct spawn_request *r)
{
  stralloc_free(&r->messpath);
  stralloc_free(&r->sender);
  stralloc_free(&r->recipients);
  spawn_request_reset(r);
}

static void field_add(struct spawn_request *r, stralloc *sa, int bit,
                      size_t max, const char *s, size_t n)
{
  if (!n || r->nomem || (r->toolong & bit)) return;
  if (sa->len > max || n > max - sa->len) { r->toolong |= bit; return; }
  if (!stralloc_catb(sa, s, n)) r->nomem = 1;
}

/* bytes of a recipient field: stored unless it or the list is too long */
static void rcpt_add(struct spawn_request *r, const char *s, size_t n)
{
  r->fieldlen += n;
  if (r->nomem || r->fieldlen > SPAWN_ADDRESS_MAX
      || r->nrcpt >= SPAWN_RECIPIENTS_MAX
      || r->fieldstart + r->fieldlen >= SPAWN_RECIPIENTS_BYTES) {
    /* what was stored of this field goes */
    r->recipients.len = r->fieldstart;
    if (r->fieldlen > SPAWN_ADDRESS_MAX) r->toolong |= 4;
    else if (!r->nomem) r->toolong |= 8;
    return;
  }
  if (!stralloc_catb(&r->recipients, s, n)) r->nomem = 1;
}

/* the NUL of a recipient field: 1 when it was the empty one ending the list */
static int rcpt_end(struct spawn_request *r)
{
  if (!r->fieldlen) return 1;
  /* a dropped field left nothing behind */
  if (r->recipients.len > r->fieldstart && !stralloc_0(&r->recipients)) {
    r->recipients.len = r->fieldstart;
    r->nomem = 1;
  }
  r->nrcpt++;
  r->fieldstart = r->recipients.len;
  r->fieldlen = 0;
  return 0;
}

int spawn_request_feed(struct spawn_request *r, const char *s, size_t len,
                       size_t *used)
{
  size_t i = 0;

  while (i < len) {
    stralloc *sa;
    size_t max, n;
    int bit;

    if (r->state < 2) {
      r->slot = (r->slot << 8) | (unsigned char)s[i++];
      r->state++;
      continue;
    }
    n = byte_chr(s + i, len - i, 0);
    if (r->state == 4) {
      rcpt_add(r, s + i, n);
      i += n;
      if (i == len) break;
      ++i;
      if (rcpt_end(r)) { r->state = 5; *used = i; return 1; }
      continue;
    }
    if (r->state == 2) { sa = &r->messpath; bit = 1; max = SPAWN_MESSPATH_MAX; }
    else { sa = &r->sender; bit = 2; max = SPAWN_ADDRESS_MAX; }
    field_add(r, sa, bit, max, s + i, n);
    i += n;
    if (i == len) break;
    ++i; /* the field's NUL */
    if (!r->nomem && !(r->toolong & bit) && !stralloc_0(sa)) r->nomem = 1;
    r->state++;
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
                                unsigned int slots, int busy,
                                unsigned int maxrcpt)
{
  size_t pos, dlen = 0;
  const char *d = 0;

  if (r->nomem)
    return "ZOut of memory while reading a delivery request. (#4.3.0)\n";
  if (r->slot >= slots || busy)
    return "ZInternal error: delivery slot out of range or busy. (#4.3.5)\n";
  if ((r->toolong & 1) || !r->messpath.len
      || !spawn_messpath_ok(r->messpath.s, r->messpath.len - 1))
    return "DInternal error: malformed message file name. (#5.3.5)\n";
  if (r->toolong & 6)
    return "DEnvelope address too long. (#5.1.3)\n";
  if (!r->nrcpt)
    return "DInternal error: a delivery request without recipients. (#5.3.5)\n";
  if ((r->toolong & 8) || r->nrcpt > maxrcpt)
    return "ZInternal error: too many recipients in one delivery request. (#4.3.5)\n";
  for (pos = 0; pos < r->recipients.len; ) {
    const char *a = r->recipients.s + pos;
    size_t len = str_len(a), at = byte_rchr(a, len, '@');
    if (at == len)
      return "DSorry, the recipient address has no host part. (#5.1.3)\n";
    if (!d) { d = a + at + 1; dlen = len - at - 1; }
    else if (dlen != len - at - 1 || !case_equalb(d, dlen, a + at + 1))
      return "ZInternal error: recipients of different domains in one delivery request. (#4.3.5)\n";
    pos += len + 1;
  }
  return 0;
}

int spawn_report_cat(stralloc *out, unsigned int slot, unsigned int n,
                     const char *items, size_t len)
{
  char two[SPAWN_SLOT_BYTES];
  size_t pos = 0;
  unsigned int k;

  spawn_slot_put(two, slot);
  if (!stralloc_catb(out, two, sizeof two)) return 0;
  for (k = 0; k < n; ++k) {
    size_t m = pos < len ? byte_chr(items + pos, len - pos, 0) : 0;
    if (!m) { if (!stralloc_append(out, 'Z')) return 0; }
    else if (!stralloc_catb(out, items + pos, m)) return 0;
    if (!stralloc_0(out)) return 0;
    pos += m + 1;
  }
  return 1;
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

/* appends one item: status letter, texts a[0..alen) and b[0..blen), NUL */
static int item_cat(stralloc *out, char status, const char *a, size_t alen,
                    const char *b, size_t blen)
{
  return stralloc_append(out, status) && stralloc_catb(out, a, alen)
         && stralloc_catb(out, b, blen) && stralloc_0(out);
}

static char result_letter(int result)
{
  return result == 1 ? 'K' : result == 0 ? 'Z' : 'D';
}

int spawn_remote_report(stralloc *out, unsigned int n, int crashed, int code,
                        const char *s, size_t len, int more)
{
  int result = -1, found = 0;
  size_t i, end, mtext = 0, mlen = 0;
  unsigned int k;

  out->len = 0;
  if (crashed || code || !len) {
    const char *fixed;
    size_t tlen = 0;
    /* qmail-remote itself always exits 0: 111 comes from a failed exec
       (an installation problem) and defers; anything else bounces */
    if (crashed) fixed = "Zqmail-remote crashed. (#4.3.0)\n";
    else if (code == 111) { fixed = "ZUnable to run qmail-remote. (#4.3.0)\n"; tlen = byte_chr(s, len, 0); }
    else if (code) { fixed = "DUnable to run qmail-remote. (#5.3.5)\n"; tlen = byte_chr(s, len, 0); }
    else fixed = "Zqmail-remote produced no output. (#4.3.0)\n";
    for (k = 0; k < n; ++k)
      if (!item_cat(out, fixed[0], fixed + 1, str_len(fixed) - 1, s, tlen)) return 0;
    return 1;
  }

  /* the message result: the first report that starts with K, Z or D */
  for (i = 0; i < len; i = end + 1) {
    end = report_end(s, len, i);
    if (end > i && letter_result(s[i], &result)) {
      found = 1;
      mtext = i + 1;
      mlen = end - i - 1;
      break;
    }
  }
  /* the recipient reports before it, in argv order */
  i = 0;
  for (k = 0; k < n; ++k) {
    int orr;
    const char *text;
    size_t tlen;
    if (i < len && (s[i] == 'r' || s[i] == 'h' || s[i] == 's')
        && (!found || i < mtext - 1)) {
      end = report_end(s, len, i);
      orr = s[i] == 'h' ? -1 : s[i] == 's' ? 0 : result;
      if (s[i] == 'r' && !found && more) orr = 0;   /* the result was cut off */
      text = s + i + 1;
      tlen = end - i - 1;
      i = end + 1;
      if (!item_cat(out, result_letter(orr), text, tlen, s + mtext,
                    found && result <= orr ? mlen : 0)) return 0;
      continue;
    }
    /* no report of its own: an early failure */
    if (!found && more) {
      if (!item_cat(out, 'Z', "", 0, "Output of qmail-remote was cut off. (#4.3.0)\n", 45)) return 0;
      continue;
    }
    if (!item_cat(out, result_letter(result), s + mtext, mlen, "", 0)) return 0;
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
  unsigned int nrcpt; /* recipients: items in the report */
  size_t outmax; /* bytes of output kept */
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

static const char nomem_item[] = "ZOut of memory in the spawner. (#4.3.0)\n";

/* out of memory for a report: Z for each of its n items, piece by piece */
static int answer_nomem(unsigned int s, unsigned int n)
{
  char two[SPAWN_SLOT_BYTES];
  spawn_slot_put(two, s);
  if (buf_put(&out, two, sizeof two) == -1) return -1;
  while (n--)
    if (buf_put(&out, nomem_item, sizeof nomem_item) == -1) return -1; /* with its NUL */
  return 0;
}

/* queues one report for qmail-send, n items from items[0..len); -1 only
   when the write failed */
static int answer_items(unsigned int s, unsigned int n, const char *items,
                        size_t len)
{
  line.len = 0;
  if (!spawn_report_cat(&line, s, n, items, len)) return answer_nomem(s, n);
  return buf_put(&out, line.s, line.len);
}

/* one report whose n items are all report[0..len) */
static int answer(unsigned int s, unsigned int n, const char *report,
                  size_t len)
{
  unsigned int k;
  len = byte_chr(report, len, 0);
  text.len = 0;
  for (k = 0; k < n; ++k)
    if (!stralloc_catb(&text, report, len) || !stralloc_0(&text))
      return answer_nomem(s, n);
  return answer_items(s, n, text.s, text.len);
}

static int answers(unsigned int s, unsigned int n, const char *report)
{
  return answer(s, n, report, str_len(report));
}

/* a Z report naming errno's reason */
static int answer_sys(unsigned int s, unsigned int n, const char *what, int e)
{
  stralloc *t = &fn; /* free for reuse here: the path is no longer needed */
  t->len = 0;
  if (!stralloc_copys(t, "Z") || !stralloc_cats(t, what)
      || !stralloc_cats(t, error_str(e))
      || !stralloc_cats(t, ". (#4.3.0)\n"))
    return answers(s, n, nomem_item);
  return answer(s, n, t->s, t->len);
}

/* the number of items a request's report has */
static unsigned int items_of(const struct spawn_request *r)
{
  return r->nrcpt ? r->nrcpt : 1;
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
    *wrote = answers(r->slot, items_of(r), "ZOut of memory in the spawner. (#4.3.0)\n");
    return -1;
  }
  fd = open(fn.s, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) {
    *wrote = answer_sys(r->slot, items_of(r), "Unable to open the message file: ", errno);
    return -1;
  }
  if (fstat(fd, &st) == -1) {
    *wrote = answer_sys(r->slot, items_of(r), "Unable to stat the message file: ", errno);
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *wrote = answers(r->slot, items_of(r), "ZInternal error: the message file is not a regular file. (#4.3.5)\n");
    close(fd);
    return -1;
  }
  if (st.st_uid != queue_uid) {
    *wrote = answers(r->slot, items_of(r), "ZInternal error: the message file is not owned by the queue owner. (#4.3.5)\n");
    close(fd);
    return -1;
  }
  if (fd_block(fd) == -1) {
    *wrote = answer_sys(r->slot, items_of(r), "Unable to read the message file: ", errno);
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

  bad = spawn_request_check(r, slots, r->slot < slots && slot[r->slot].used,
                            ops->maxrcpt);
  if (bad) return answers(r->slot, items_of(r), bad);

  fdmess = open_message(r, queue_uid, &wrote);
  if (fdmess == -1) return wrote;
  if (pipe2(pi, O_CLOEXEC) == -1) {
    int e = errno;
    close(fdmess);
    return answer_sys(r->slot, items_of(r), "Unable to create a pipe: ", e);
  }
  pid = fork();
  if (pid == -1) {
    int e = errno;
    close(fdmess); close(pi[0]); close(pi[1]);
    return answer_sys(r->slot, items_of(r), "Unable to fork: ", e);
  }
  if (pid == 0) {
    close(pi[0]);
    close(selfpipe[0]);
    close(selfpipe[1]);
    selfpipe[1] = -1;
    sig_default(SIGCHLD);
    sig_default(SIGPIPE);
    sig_unblock_all();
    ops->child(fdmess, pi[1], r->sender.s, r->recipients.s, r->nrcpt);
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
  sl->nrcpt = r->nrcpt;
  /* room for one report per recipient: nrcpt is at most SPAWN_RECIPIENTS_MAX */
  sl->outmax = ops->outmax + (size_t)(r->nrcpt - 1) * ops->outmax_rcpt;
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
static int read_child(struct slot *sl)
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
  keep = sl->out.len < sl->outmax ? sl->outmax - sl->out.len : 0;
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
static void drain_child(struct slot *sl)
{
  unsigned int n;

  for (n = 0; n < DRAIN_PIECES && sl->fd != -1; ++n)
    if (read_child(sl) == -1 && errno != EINTR) break;
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
    drain_child(sl);
    crashed = WIFSIGNALED(sl->wstatus);
    code = WIFEXITED(sl->wstatus) ? WEXITSTATUS(sl->wstatus) : 111;
    text.len = 0;
    if (ops->report(&text, sl->nrcpt, crashed, code,
                    sl->out.s ? sl->out.s : "", sl->out.len, sl->more))
      w = answer_items(i, sl->nrcpt, text.s, text.len);
    else
      w = answer_nomem(i, sl->nrcpt);
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

/* Each delivery holds the read end of its pipe; while it starts, also
   the message and the pipe's write end. Raises the soft limit on open
   files to what slots need (up to the hard limit) and returns the slots
   that fit. */
#define FILES_SPARE 16 /* 0, 1, 2, the self-pipe, a starting delivery, ... */
static unsigned int files_for(unsigned int slots)
{
  struct rlimit rl;
  rlim_t need = (rlim_t)slots + FILES_SPARE;

  if (getrlimit(RLIMIT_NOFILE, &rl) == -1) return slots;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1 && getrlimit(RLIMIT_NOFILE, &rl) == -1)
      return slots;
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
    slots = rl.rlim_cur > FILES_SPARE + 1 ? (unsigned int)(rl.rlim_cur - FILES_SPARE) : 1;
  return slots;
}

int spawn_run(const struct spawn_ops *ops, unsigned int slots, uid_t queue_uid,
              const char **what)
{
  static struct pollfd pfd[SPAWN_SLOTS_MAX + 2];
  static struct slot *pslot[SPAWN_SLOTS_MAX + 2];
  int eof = 0, readerr = 0;
  char handshake[SPAWN_SLOT_BYTES];

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

  slots = files_for(slots);
  spawn_slot_put(handshake, slots);
  if (buf_putflush(&out, handshake, sizeof handshake) == -1) {
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
      if (pslot[i] && pfd[i].revents) (void)read_child(pslot[i]);
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
