/* qmail-lspawn: runs local deliveries for qmail-send.

   Usage: qmail-lspawn defaultdelivery (normally started by qmail-start).
   Speaks the spawner protocol of spawn.h on fds 0 and 1. For each request
   a child, in the home directory, splits the recipient at its last '@'
   into local part and domain; an empty local part is a trash address and
   succeeds without running anything. The local part is looked up in
   users/cdb when that file exists, else (or when no assignment applies) by
   running bin/qmail-getpw as qmailp, group nofiles. The child then drops to
   the account found (its uid and gid, no supplementary groups; uid 0 is
   refused) and execs
     bin/qmail-local -- user homedir local dash ext domain sender defaultdelivery
   with the message on fd 0. Its exit status and output become the report
   (spawn_local_report).

   Runs as root (so it can become any account; in an instance where every
   role is the invoking user, as that user). Nothing is parsed as root
   except users/cdb, which root wrote, and the protocol's fixed records;
   nothing runs as root: every program is started after the uid change.
   Trusts: qmail-send's requests only after validation, message files only
   when owned by qmailq, users/cdb, qmail-getpw's answer.

   Exit codes: 0 after fd 0 reached end of file and every delivery was
   reported; 100 usage; 111 cannot start, or cannot talk to qmail-send. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "account.h"
#include "assign.h"
#include "auto.h"
#include "cdb.h"
#include "diag.h"
#include "fd.h"
#include "spawn.h"
#include "str.h"
#include "stralloc.h"

#define GETPW_MAX 65536 /* qmail-getpw's answer: six short fields and ext */

static const char *defaultdelivery;
static uid_t uid_qmailp;
static gid_t gid_nofiles;

/* Runs bin/qmail-getpw local as qmailp/nofiles and parses its answer into
   e. Its non-zero exit code becomes ours. */
static void lookup_getpw(struct assign_entry *e, const char *local,
                         size_t locallen)
{
  stralloc answer = STRALLOC_ZERO;
  int pi[2];
  int ws, overflow = 0;
  pid_t pid;
  size_t cap = GETPW_MAX;

  if (pipe2(pi, O_CLOEXEC) == -1) diag_die_sys(QLX_SYS, "unable to create a pipe", (char *)0);
  pid = fork();
  if (pid == -1) diag_die_sys(QLX_SYS, "unable to fork", (char *)0);
  if (pid == 0) {
    char *args[3];
    int devnull;

    args[0] = (char *)"qmail-getpw";
    args[1] = (char *)local;
    args[2] = 0;
    /* qmail-getpw has no business reading the message */
    devnull = open_read("/dev/null");
    if (devnull == -1 || fd_move(0, devnull) == -1)
      diag_die_sys(QLX_EXECPW, "unable to open /dev/null", (char *)0);
    if (fd_move(1, pi[1]) == -1) diag_die_sys(QLX_EXECPW, "unable to set up a pipe", (char *)0);
    if (account_drop(uid_qmailp, gid_nofiles) == -1)
      diag_die_sys(QLX_EXECPW, "unable to switch to account ", auto_user_qmailp, (char *)0);
    execv("bin/qmail-getpw", args);
    diag_die_sys(QLX_EXECPW, "unable to run bin/qmail-getpw", (char *)0);
  }
  close(pi[1]);

  /* ext may repeat all of local */
  if (__builtin_add_overflow(cap, locallen, &cap)) cap = (size_t)-1;
  for (;;) {
    char chunk[4096];
    ssize_t r = read(pi[0], chunk, sizeof chunk);
    if (r == -1) {
      if (errno == EINTR) continue;
      diag_die_sys(QLX_SYS, "unable to read the answer of qmail-getpw", (char *)0);
    }
    if (r == 0) break;
    if (overflow) continue;
    if ((size_t)r > cap - answer.len) { overflow = 1; continue; }
    if (!stralloc_catb(&answer, chunk, (size_t)r)) _exit(QLX_NOMEM);
  }
  close(pi[0]);
  while (waitpid(pid, &ws, 0) == -1)
    if (errno != EINTR) diag_die_sys(QLX_SYS, "unable to wait for qmail-getpw", (char *)0);
  if (WIFSIGNALED(ws)) diag_die(QLX_EXECPW, "qmail-getpw crashed", (char *)0);
  if (!WIFEXITED(ws)) _exit(QLX_EXECPW);
  if (WEXITSTATUS(ws)) _exit(WEXITSTATUS(ws));
  if (overflow) diag_die(QLX_SYS, "qmail-getpw gave an overlong answer", (char *)0);
  switch (assign_entry_parse(e, answer.s ? answer.s : "", answer.len)) {
    case 1: break;
    case 0: diag_die(QLX_SYS, "qmail-getpw gave a malformed answer", (char *)0);
    default: _exit(QLX_NOMEM);
  }
  stralloc_free(&answer);
}

/* users/cdb if it exists and has an assignment, else qmail-getpw */
static void lookup(struct assign_entry *e, const char *local, size_t len)
{
  struct cdb c;
  int fd, r;

  fd = open_read("users/cdb");
  if (fd == -1) {
    if (errno != ENOENT) diag_die_sys(QLX_CDB, "unable to open users/cdb", (char *)0);
    lookup_getpw(e, local, len);
    return;
  }
  if (cdb_init(&c, fd) == -1) {
    if (errno == ENOMEM) _exit(QLX_NOMEM);
    diag_die_sys(QLX_CDB, "unable to read users/cdb", (char *)0);
  }
  r = assign_lookup(&c, local, len, e);
  if (r == -1) {
    if (errno == ENOMEM) _exit(QLX_NOMEM);
    diag_die_sys(QLX_CDB, "unable to read users/cdb", (char *)0);
  }
  cdb_free(&c);
  close(fd);
  if (r == 0) lookup_getpw(e, local, len);
}

/* the delivery child: never returns */
static void deliver(int fdmess, int fdout, const char *sender,
                    const char *recipient, unsigned int nrcpt)
{
  struct assign_entry e = ASSIGN_ENTRY_ZERO;
  stralloc local = STRALLOC_ZERO;
  size_t len = str_len(recipient);
  size_t at = byte_rchr(recipient, len, '@');
  char *args[11];

  (void)nrcpt; /* one: ops.maxrcpt */
  if (spawn_child_fds(fdmess, fdout) == -1) _exit(QLX_SYS);
  if (at == len) _exit(QLX_USAGE); /* spawn_request_check lets none through */
  if (at == 0) _exit(0); /* "@domain": trash, delivered to nobody */
  if (!stralloc_copyb(&local, recipient, at) || !stralloc_0(&local))
    _exit(QLX_NOMEM);

  lookup(&e, local.s, at);
  if (e.uid == 0) _exit(QLX_ROOT);
  if (account_drop(e.uid, e.gid) == -1)
    diag_die_sys(QLX_SYS, "unable to switch to account ", e.user, (char *)0);
  if (getuid() == 0 || geteuid() == 0) _exit(QLX_ROOT);

  args[0] = (char *)"qmail-local";
  args[1] = (char *)"--";
  args[2] = (char *)e.user;
  args[3] = (char *)e.homedir;
  args[4] = local.s;
  args[5] = (char *)e.dash;
  args[6] = (char *)e.ext;
  args[7] = (char *)recipient + at + 1;
  args[8] = (char *)sender;
  args[9] = (char *)defaultdelivery;
  args[10] = 0;
  execv("bin/qmail-local", args);
  /* a missing or unusable qmail-local is an installation problem: defer.
     Only arguments too large for exec can never succeed. */
  diag_die_sys(errno == E2BIG ? QLX_EXECHARD : QLX_EXECSOFT,
               "unable to run bin/qmail-local", (char *)0);
}

/* one recipient per request (ops.maxrcpt): one item */
static int report(stralloc *out, unsigned int nrcpt, int crashed, int code,
                  const char *s, size_t len, int more)
{
  (void)nrcpt;
  return spawn_local_report(out, crashed, code, s, len, more) && stralloc_0(out);
}

static const struct spawn_ops ops = {
  SPAWN_LOCAL_REPORTMAX + 1, /* one more byte tells whether to cut */
  0,
  1, /* qmail-local takes one recipient */
  deliver,
  report
};

int main(int argc, char **argv)
{
  const char *what = "";
  uid_t uid_qmailq;
  gid_t gid;
  unsigned int slots;
  int r;

  diag_prog = "qmail-lspawn";
  if (argc < 2 || !argv[1]) diag_die(100, "usage: qmail-lspawn defaultdelivery", (char *)0);
  defaultdelivery = argv[1];

  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  r = account_user(auto_user_qmailq, &uid_qmailq, &gid);
  if (r != 1) {
    if (r == 0) diag_die(111, "unable to find account ", auto_user_qmailq, (char *)0);
    diag_die_sys(111, "unable to look up account ", auto_user_qmailq, (char *)0);
  }
  r = account_user(auto_user_qmailp, &uid_qmailp, &gid);
  if (r != 1) {
    if (r == 0) diag_die(111, "unable to find account ", auto_user_qmailp, (char *)0);
    diag_die_sys(111, "unable to look up account ", auto_user_qmailp, (char *)0);
  }
  r = account_group(auto_group_nofiles, &gid_nofiles);
  if (r != 1) {
    if (r == 0) diag_die(111, "unable to find group ", auto_group_nofiles, (char *)0);
    diag_die_sys(111, "unable to look up group ", auto_group_nofiles, (char *)0);
  }

  slots = auto_spawn > SPAWN_SLOTS_MAX ? SPAWN_SLOTS_MAX : auto_spawn;
  if (!slots) slots = 1;
  if (spawn_run(&ops, slots, uid_qmailq, &what) == -1)
    diag_die_sys(111, "unable to ", what, (char *)0);
  return 0;
}
