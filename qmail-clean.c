/* qmail-clean: removes queue files that qmail-send may not remove itself
   (they belong to qmailq).

   Usage: qmail-clean (normally started by qmail-start). Works in
   HOME/queue. Reads requests from fd 0, each NUL-terminated and 7 to 100
   bytes long with the NUL:
     foop/ID   unlink intd/ID, then mess/(ID mod split)/ID
     todo/ID   unlink intd/ID, then todo/ID
   ID all digits. A file that is already gone is fine. For each request, in
   order, one byte on fd 1: '+' done, '!' an unlink failed (the second is
   not tried when the first fails), 'x' malformed request. Answers are
   buffered and written whenever no more input is waiting, so a pipelined
   batch costs few writes and a lone request is answered at once. Every 30
   requests, files in pid/ not accessed for 36 hours (leftovers of a
   qmail-queue that died) are removed.

   Runs as qmailq. Trusts nothing in the requests beyond their format: only
   names of the fixed shapes above are ever unlinked.

   Exit codes: 0 at end of input; 100 cannot write an answer; 111 cannot
   start (home or queue directory) or cannot read requests. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "fd.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

#define REQUEST_MIN 7      /* "todo/1" NUL */
#define REQUEST_MAX 100    /* with the NUL */
#define OSSIFIED 129600    /* 36 h: longer than qmail-queue ever lives */
#define CLEANUP_EVERY 30

static char inspace[4096];
static char outspace[4096];
static buf in = BUF_INIT(buf_unixread, 0, inspace, sizeof inspace);
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);
static stralloc fn = STRALLOC_ZERO;

/* unlink that tolerates a missing file: 1 ok, 0 failed */
static int remove_file(const stralloc *name)
{
  if (unlink(name->s) == 0 || errno == ENOENT) return 1;
  return 0;
}

/* the answer to one request r[0..len), len counting its NUL */
static char clean(const char *r, size_t len)
{
  const char *id;
  size_t idlen, i;
  unsigned long split = auto_split ? auto_split : 1;
  unsigned long mod = 0;
  int todo;

  if (len < REQUEST_MIN || len > REQUEST_MAX || r[len - 1]) return 'x';
  if (str_start(r, "foop/")) todo = 0;
  else if (str_start(r, "todo/")) todo = 1;
  else return 'x';
  id = r + 5;
  idlen = len - 6;
  for (i = 0; i < idlen; ++i) {
    if (id[i] < '0' || id[i] > '9') return 'x';
    mod = (mod * 10 + (unsigned long)(id[i] - '0')) % split;
  }

  if (!stralloc_copys(&fn, "intd/") || !stralloc_catb(&fn, id, idlen)
      || !stralloc_0(&fn))
    return '!';
  if (!remove_file(&fn)) return '!';
  if (todo) {
    if (!stralloc_copys(&fn, "todo/")) return '!';
  } else {
    if (!stralloc_copys(&fn, "mess/") || !stralloc_catulong(&fn, mod)
        || !stralloc_append(&fn, '/'))
      return '!';
  }
  if (!stralloc_catb(&fn, id, idlen) || !stralloc_0(&fn)) return '!';
  return remove_file(&fn) ? '+' : '!';
}

/* removes pid/ files nobody has touched for OSSIFIED seconds */
static void cleanup_pid(void)
{
  DIR *dir = opendir("pid");
  time_t now = time(0);
  struct dirent *d;

  if (!dir) return;
  while ((d = readdir(dir))) {
    struct stat st;

    if (str_equal(d->d_name, ".") || str_equal(d->d_name, "..")) continue;
    if (!stralloc_copys(&fn, "pid/") || !stralloc_cats(&fn, d->d_name)
        || !stralloc_0(&fn))
      break;
    if (lstat(fn.s, &st) == -1) continue;
    if (st.st_atime < now - OSSIFIED) unlink(fn.s);
  }
  closedir(dir);
}

static void answer(char c)
{
  if (buf_put(&out, &c, 1) == -1)
    diag_die_sys(100, "unable to write answers", (char *)0);
}

/* flushes the answers unless more input is already waiting */
static void flush_if_idle(void)
{
  struct pollfd p;

  if (!out.p) return;
  p.fd = 0;
  p.events = POLLIN;
  p.revents = 0;
  if (poll(&p, 1, 0) == 1) return;
  if (buf_flush(&out) == -1)
    diag_die_sys(100, "unable to write answers", (char *)0);
}

static void serve(void)
{
  stralloc req = STRALLOC_ZERO;
  unsigned long count = 0;
  int toolong = 0;

  for (;;) {
    ssize_t r;
    const char *p;
    size_t n, i, take;

    if (in.p == in.n) flush_if_idle();
    r = buf_feed(&in);
    if (r == -1) diag_die_sys(111, "unable to read requests", (char *)0);
    if (r == 0) break;
    p = buf_peek(&in);
    n = (size_t)r;
    i = byte_chr(p, n, 0);
    take = i < n ? i + 1 : n;
    if (!toolong) {
      if (req.len + take > REQUEST_MAX) toolong = 1;
      else if (!stralloc_catb(&req, p, take)) toolong = 2;
    }
    buf_skip(&in, take);
    if (i == n) continue;

    if (toolong == 2) answer('!'); /* out of memory: worth a retry */
    else answer(toolong ? 'x' : clean(req.s, req.len));
    req.len = 0;
    toolong = 0;
    if (++count % CLEANUP_EVERY == 0) cleanup_pid();
  }
  if (buf_flush(&out) == -1)
    diag_die_sys(100, "unable to write answers", (char *)0);
}

int main(void)
{
  diag_prog = "qmail-clean";
  sig_ignore(SIGPIPE);
  /* blocking I/O: a read or write never fails for want of data or room */
  fd_block(0);
  fd_block(1);
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (chdir("queue") == -1) diag_die_sys(111, "unable to switch to ", auto_home, "/queue", (char *)0);
  serve();
  return 0;
}
