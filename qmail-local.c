/* qmail-local: delivers one message to one local recipient, following the
   recipient's .qmail file (or the default delivery instructions).

     qmail-local [-nN] [--] user homedir local dash ext domain sender defaultdelivery

   The message is on fd 0, which must be seekable; qmail-local reads it
   with pread only, and a program gets it rewound to the start. Every
   .qmail line type is carried out, in order: Maildir ("./Maildir/"),
   mbox ("./mbox", "/var/mail/joe"), program ("|command", run by /bin/sh
   with the envelope in its environment), forward ("&address" or a bare
   address; all forwards of one file are queued as one message at the
   end), "+list" (forward-only from there on), comments. The whole file is
   checked before the first instruction runs, so a mistake in a later line
   (a blank first line, a file or program line in forward-only mode, a NUL
   byte) defers the message before anything is delivered.

   Runs as: the recipient's account; qmail-lspawn sets uid and gid (never
   root) before exec.
   Trusts: its arguments to name the recipient (qmail-lspawn built them
   from users/assign or qmail-getpw and the queue); the files in the home
   directory as the owner's instructions, once the home and .qmail modes
   pass the checks below. Nothing in the message or the envelope: they
   reach programs only through the environment and fd 0, never through a
   command line built here.
   Output: the text on fd 1 and fd 2 is the delivery report qmail-lspawn
   passes to qmail-send, and it ends up in bounces: so a failure is written
   as a plain sentence for the sender to read, as qmail writes it ("Sorry,
   no mailbox here by that name. (#5.1.1)"), without the "qmail-local:
   fatal:" of the diagnostics grammar. Only the usage message and the
   warning of -n mode, which a person running it by hand sees, carry it.
   Programs write to the same descriptors: their output is part of the
   report (qmail-lspawn bounds it).
   Exit codes: 0 delivered ("did F+W+P" on fd 1, then "qp N" when a forward
   was queued); 100 permanent (usage, mail loop #5.4.6, no such mailbox
   #5.1.1, a program exiting 100 or 64, 65, 70, 76, 77, 78, 112, a forward
   the queue refused for good); 111 temporary (everything else: home or
   .qmail permissions, I/O errors, lock timeouts, out of memory, a program
   exiting 111 or any other code, or killed by a signal). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "dotqmail.h"
#include "env.h"
#include "error.h"
#include "fd.h"
#include "maildir.h"
#include "mbox.h"
#include "queue_client.h"
#include "readfile.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

#define HEAD_SIZE 65536          /* first read of the message, kept for every delivery */
#define MAILDIR_TIMEOUT 86400    /* seconds one maildir delivery may take */
#define MBOX_TIMEOUT 86400       /* seconds one mbox append may take, once locked */
#define MBOX_LOCK_WAIT 30        /* seconds to wait for each mbox lock */
#define DOTQMAIL_MAX (32 << 20)  /* bytes of a .qmail file: a list of 1,000,000 addresses */

struct local {
  int flagdoit;                  /* 0 with -n: only list the instructions */
  const char *user, *homedir, *local, *dash, *ext, *domain, *sender, *defaultdelivery;
  stralloc dtline, rpline, ufline;
  stralloc newsender;            /* envelope sender of forwards (NUL-terminated) */
  stralloc lines;                /* RPLINE DTLINE, written before the message */
  stralloc safeext;
  stralloc qmename;              /* .qmail file in use (NUL-terminated) */
  const char *source;            /* what the instructions came from, for texts */
  size_t defaultpos;             /* where $DEFAULT starts in ext, or (size_t)-1 */
  int forwardonly;
  stralloc instructions;
  stralloc head;                 /* bytes [0, head.len) of the message */
  int headwhole;                 /* head is the whole message */
  stralloc host;                 /* escaped host name for maildir names */
  unsigned long nfile, nforward, nprogram;
  unsigned long qp;              /* the forward's qmail-queue, or 0 */
  unsigned long lastline;        /* the line a program ended with 99 */
};

static void nomem(void)
{
  diag_die_report(111, "Out of memory. (#4.3.0)", (char *)0);
}

static const char *errcode(int e)
{
  return error_temporary(e) ? ". (#4.3.0)" : ". (#4.2.1)";
}

static void usage(void)
{
  diag_die(100, "usage: qmail-local [-nN] [--] user homedir local dash ext domain sender defaultdelivery", (char *)0);
}

/* the mbox being appended to, so that a time-out undoes the append */
static volatile int timeout_mboxfd = -1;
static volatile off_t timeout_mboxstart;

static void timed_out(int sig)
{
  static const char text[] = "Timeout on delivery to a mailbox. (#4.3.0)\n";
  ssize_t w;

  (void)sig;
  if (timeout_mboxfd != -1 && ftruncate(timeout_mboxfd, timeout_mboxstart) == -1) {
    /* nothing more can be done in a signal handler */
  }
  w = write(2, text, sizeof text - 1);
  (void)w;
  _exit(111);
}

static void parse_args(struct local *l, int argc, char **argv)
{
  int i = 1;

  l->flagdoit = 1;
  while (i < argc && argv[i][0] == '-' && argv[i][1]) {
    const char *p = argv[i++];
    if (str_equal(p, "--")) break;
    for (p++; *p; p++) {
      if (*p == 'n') l->flagdoit = 0;
      else if (*p == 'N') l->flagdoit = 1;
      else usage();
    }
  }
  if (argc - i != 8) usage();
  l->user = argv[i];
  l->homedir = argv[i + 1];
  l->local = argv[i + 2];
  l->dash = argv[i + 3];
  l->ext = argv[i + 4];
  l->domain = argv[i + 5];
  l->sender = argv[i + 6];
  l->defaultdelivery = argv[i + 7];
  if (l->homedir[0] != '/') usage();
}

/* chdir to the home and refuse a home others may write to (they could
   plant .qmail files) or one whose owner marked it sticky while editing */
static void enter_home(const struct local *l)
{
  struct stat st;

  if (chdir(l->homedir) == -1)
    diag_die_report(111, "Unable to switch to home directory ", l->homedir, ": ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  if (stat(".", &st) == -1)
    diag_die_report(111, "Unable to stat home directory ", l->homedir, ": ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  if (st.st_mode & AUTO_PATRN)
    diag_die_report(111, "Uh-oh: home directory ", l->homedir,
                    " is writable by others; refusing to deliver. (#4.7.0)", (char *)0);
  if (st.st_mode & S_ISVTX) {
    if (l->flagdoit)
      diag_die_report(111, "Home directory ", l->homedir, " has the sticky bit set: "
                      "its owner is editing the .qmail files; trying again later. (#4.2.1)", (char *)0);
    diag_warn("home directory ", l->homedir, " has the sticky bit set; a delivery would wait", (char *)0);
  }
}

static void build_lines(struct local *l)
{
  if (!dotqmail_dtline(&l->dtline, l->local, l->domain)) nomem();
  if (!dotqmail_rpline(&l->rpline, l->sender)) nomem();
  if (!dotqmail_ufline(&l->ufline, l->sender, time((time_t *)0))) nomem();
  if (!stralloc_copy(&l->lines, &l->rpline)) nomem();
  if (!stralloc_cat(&l->lines, &l->dtline)) nomem();
  if (!dotqmail_safeext(&l->safeext, l->ext, str_len(l->ext))) nomem();
}

static void die_read_message(void)
{
  diag_die_report(111, "Unable to read message: ", error_str(errno), ". (#4.3.0)", (char *)0);
}

/* the first HEAD_SIZE bytes of the message: most messages fit, so the
   loop scan and every maildir delivery use them without reading again */
static void read_head(struct local *l)
{
  if (!stralloc_ready(&l->head, HEAD_SIZE)) nomem();
  l->head.len = 0;
  l->headwhole = 0;
  while (l->head.len < HEAD_SIZE) {
    ssize_t r = pread(0, l->head.s + l->head.len, HEAD_SIZE - l->head.len, (off_t)l->head.len);
    if (r == -1) {
      if (errno == EINTR) continue;
      die_read_message();
    }
    if (r == 0) { l->headwhole = 1; break; }
    l->head.len += (size_t)r;
  }
}

/* a header line equal to our Delivered-To line means the message has been
   here before: bounce it rather than let it circle forever */
static void check_loop(const struct local *l)
{
  struct dotqmail_loopscan scan;
  stralloc space = STRALLOC_ZERO;
  off_t offset;
  int result;

  dotqmail_loopscan_start(&scan, l->dtline.s, l->dtline.len);
  result = dotqmail_loopscan_feed(&scan, l->head.s, l->head.len);
  if (result < 0 && l->headwhole) result = dotqmail_loopscan_end(&scan);
  offset = (off_t)l->head.len;
  while (result < 0) {
    ssize_t r;
    if (!space.s && !stralloc_ready(&space, HEAD_SIZE)) nomem();
    r = pread(0, space.s, HEAD_SIZE, offset);
    if (r == -1) {
      if (errno == EINTR) continue;
      die_read_message();
    }
    if (r == 0) { result = dotqmail_loopscan_end(&scan); break; }
    offset += r;
    result = dotqmail_loopscan_feed(&scan, space.s, (size_t)r);
  }
  stralloc_free(&space);
  if (result == 1)
    diag_die_report(100, "This message is looping: it already has my Delivered-To line. (#5.4.6)", (char *)0);
}

/* name=s[0..len) */
static void put_env_prefix(const char *name, const char *s, size_t len)
{
  stralloc v = STRALLOC_ZERO;

  if (!stralloc_copyb(&v, s, len) || !stralloc_0(&v)) nomem();
  if (!env_put(name, v.s)) nomem();
  stralloc_free(&v);
}

static void put_env(const char *name, const char *value)
{
  if (!env_put(name, value)) nomem();
}

/* the variables .qmail programs see; values are the raw envelope data */
static void set_environment(const struct local *l)
{
  stralloc recipient = STRALLOC_ZERO;
  size_t hostlen = str_len(l->domain), i;
  const char *p;
  static const char *const hostvars[] = { "HOST2", "HOST3", "HOST4" };
  static const char *const extvars[] = { "EXT2", "EXT3", "EXT4" };

  put_env("USER", l->user);
  put_env("HOME", l->homedir);
  put_env("LOCAL", l->local);
  put_env("HOST", l->domain);
  for (i = 0; i < 3; i++) {
    hostlen = byte_rchr(l->domain, hostlen, '.');
    put_env_prefix(hostvars[i], l->domain, hostlen);
  }
  if (!stralloc_copys(&recipient, l->local) || !stralloc_append(&recipient, '@') ||
      !stralloc_cats(&recipient, l->domain) || !stralloc_0(&recipient)) nomem();
  put_env("RECIPIENT", recipient.s);
  stralloc_free(&recipient);
  put_env("EXT", l->ext);
  p = l->ext;
  for (i = 0; i < 3; i++) {
    size_t n = str_len(p), dash = byte_chr(p, n, AUTO_BREAK);
    p += dash < n ? dash + 1 : n;
    put_env(extvars[i], p);
  }
  if (l->defaultpos != (size_t)-1) put_env("DEFAULT", l->ext + l->defaultpos);
  else if (!env_unset("DEFAULT")) nomem();
  put_env("SENDER", l->sender);
  put_env("NEWSENDER", l->newsender.s);
  {
    stralloc v = STRALLOC_ZERO;
    if (!stralloc_copy(&v, &l->dtline) || !stralloc_0(&v)) nomem();
    put_env("DTLINE", v.s);
    if (!stralloc_copy(&v, &l->rpline) || !stralloc_0(&v)) nomem();
    put_env("RPLINE", v.s);
    if (!stralloc_copy(&v, &l->ufline) || !stralloc_0(&v)) nomem();
    put_env("UFLINE", v.s);
    stralloc_free(&v);
  }
}

/* reads a regular .qmail file; 1 found, 0 absent (keep looking) */
static int open_dotqmail(struct local *l, const char *name)
{
  struct stat st;
  int fd;

  fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG) return 0;
    diag_die_report(111, "Unable to open ", name, ": ", error_str(errno), errcode(errno), (char *)0);
  }
  if (fstat(fd, &st) == -1)
    diag_die_report(111, "Unable to stat ", name, ": ", error_str(errno), errcode(errno), (char *)0);
  if (!S_ISREG(st.st_mode)) { close(fd); return 0; }
  if (st.st_mode & AUTO_PATRN)
    diag_die_report(111, "Uh-oh: ", name, " is writable by others; refusing to follow it. (#4.7.0)", (char *)0);
  /* only the recipient or root writes instructions: another user who can
     write to the home (a group-writable one) must not run programs here */
  if (st.st_uid != geteuid() && st.st_uid != 0)
    diag_die_report(111, "Uh-oh: ", name, " is owned by another user; refusing to follow it. (#4.7.0)", (char *)0);
  l->forwardonly = (st.st_mode & S_IXUSR) != 0;

  if (read_all(fd, &l->instructions, DOTQMAIL_MAX) == -1) {
    if (errno == EFBIG)
      diag_die_report(111, "Uh-oh: ", name, " is longer than 32 MB; refusing to follow it. (#4.2.1)", (char *)0);
    diag_die_report(111, "Unable to read ", name, ": ", error_str(errno), errcode(errno), (char *)0);
  }
  close(fd);
  return 1;
}

static void find_instructions(struct local *l)
{
  struct dotqmail_search search;
  int found = 0, r;

  l->defaultpos = (size_t)-1;
  dotqmail_search_start(&search, l->dash, l->safeext.s ? l->safeext.s : "", l->safeext.len);
  while ((r = dotqmail_search_next(&search, &l->qmename, &l->defaultpos)) == 1)
    if ((found = open_dotqmail(l, l->qmename.s))) break;
  if (r == -1) nomem();
  if (!found) {
    l->defaultpos = (size_t)-1;
    if (*l->dash) diag_die_report(100, "Sorry, no mailbox here by that name. (#5.1.1)", (char *)0);
  }
  if (!found || l->instructions.len == 0) {
    if (!stralloc_copys(&l->instructions, l->defaultdelivery)) nomem();
    l->forwardonly = 0;
    l->source = "the default delivery instructions";
    return;
  }
  l->source = l->qmename.s;
}

/* does ".qmail" dash safeext suffix exist? A temporary error defers: the
   answer decides the envelope sender of every forward */
static int owner_file_exists(const struct local *l, const char *suffix)
{
  stralloc name = STRALLOC_ZERO;
  struct stat st;
  int r;

  if (!stralloc_copys(&name, ".qmail") || !stralloc_cats(&name, l->dash) ||
      !stralloc_cat(&name, &l->safeext) || !stralloc_cats(&name, suffix) ||
      !stralloc_0(&name)) nomem();
  r = stat(name.s, &st);
  if (r == -1 && error_temporary(errno))
    diag_die_report(111, "Unable to look for ", name.s, ": ", error_str(errno), ". (#4.3.0)", (char *)0);
  stralloc_free(&name);
  return r == 0;
}

/* NEWSENDER: bounces keep their null sender; a recipient with an owner
   file gets the owner as the sender of what it forwards, with VERP when
   an owner-default file takes the returns */
static void compute_newsender(struct local *l)
{
  const char *s = l->sender;

  if (!stralloc_copys(&l->newsender, s)) nomem();
  if (*s && !str_equal(s, "#@[]") && owner_file_exists(l, "-owner")) {
    int verp = owner_file_exists(l, "-owner-default");
    if (!stralloc_copys(&l->newsender, l->local) ||
        !stralloc_cats(&l->newsender, verp ? "-owner-@" : "-owner@") ||
        !stralloc_cats(&l->newsender, l->domain) ||
        (verp && !stralloc_cats(&l->newsender, "-@[]"))) nomem();
  }
  if (!stralloc_0(&l->newsender)) nomem();
  l->newsender.len--;
}

/* every line is checked before anything is delivered, so a message is
   never delivered to some instructions and then deferred for a mistake in
   a later one */
static void check_instructions(const struct local *l)
{
  struct dotqmail_parse p;
  struct dotqmail_line line;
  int forwardonly = l->forwardonly;
  char num[FMT_ULONG];

  dotqmail_parse_start(&p, l->instructions.s, l->instructions.len);
  while (dotqmail_parse_next(&p, &line)) {
    num[fmt_ulong(num, line.number)] = 0;
    switch (line.type) {
    case DOTQMAIL_BLANK:
      if (line.number == 1)
        diag_die_report(111, "Uh-oh: the first line of ", l->source,
                        " is blank; refusing to guess what it means. (#4.2.1)", (char *)0);
      continue;
    case DOTQMAIL_COMMENT:
    case DOTQMAIL_CONTROL:
      continue;
    case DOTQMAIL_LIST:
      forwardonly = 1;
      continue;
    case DOTQMAIL_MAILDIR:
    case DOTQMAIL_MBOX:
    case DOTQMAIL_PROGRAM:
      if (forwardonly)
        diag_die_report(111, "Uh-oh: ", l->source, " is for forwarding only (owner execute bit"
                        " or +list), but line ", num, " is ",
                        line.type == DOTQMAIL_PROGRAM ? "a program" : "a delivery to a file",
                        ". (#4.7.0)", (char *)0);
      break;
    case DOTQMAIL_FORWARD:
      if (!line.len)
        diag_die_report(111, "Line ", num, " of ", l->source, " forwards to an empty address. (#4.2.1)", (char *)0);
      break;
    }
    if (byte_chr(line.text, line.len, 0) != line.len)
      diag_die_report(111, "Line ", num, " of ", l->source, " contains a NUL byte. (#4.2.1)", (char *)0);
  }
}

static void deliver_maildir(struct local *l, const char *path, size_t len)
{
  stralloc dir = STRALLOC_ZERO;
  struct maildir_message m;
  struct maildir_result r;

  if (!stralloc_copyb(&dir, path, len) || !stralloc_0(&dir)) nomem();
  if (!l->host.len && !maildir_hostname(&l->host)) nomem();
  m.fd = 0;
  m.head = l->head.s;
  m.headlen = l->head.len;
  m.whole = l->headwhole;
  alarm(MAILDIR_TIMEOUT);
  if (maildir_deliver(dir.s, l->lines.s, l->lines.len, &m, l->host.s, l->host.len,
                      (stralloc *)0, &r) == -1) {
    int e = errno;
    diag_die_report(111, "Unable to ", r.failed, " (maildir ", dir.s, "): ",
                    error_str(e), errcode(e), (char *)0);
  }
  alarm(0);
  stralloc_free(&dir);
  l->nfile++;
}

/* feeds the whole message, from the head already read and then pread, to
   put; -1 with errno when reading fails (*readerr set) or put fails */
static int copy_message(const struct local *l, int (*put)(void *, const char *, size_t),
                        void *ctx, int *readerr)
{
  char space[65536];
  off_t offset;

  *readerr = 0;
  if (put(ctx, l->head.s, l->head.len) == -1) return -1;
  if (l->headwhole) return 0;
  offset = (off_t)l->head.len;
  for (;;) {
    ssize_t r = pread(0, space, sizeof space, offset);
    if (r == -1) {
      if (errno == EINTR) continue;
      *readerr = 1;
      return -1;
    }
    if (r == 0) return 0;
    offset += r;
    if (put(ctx, space, (size_t)r) == -1) return -1;
  }
}

static int put_mbox(void *ctx, const char *s, size_t n)
{
  return mbox_put((struct mbox *)ctx, s, n);
}

static void deliver_mbox(struct local *l, const char *path, size_t len)
{
  static struct mbox m;
  stralloc name = STRALLOC_ZERO;
  int readerr = 0;

  if (!stralloc_copyb(&name, path, len) || !stralloc_0(&name)) nomem();
  alarm(MBOX_TIMEOUT);
  if (mbox_open(&m, name.s, MBOX_LOCK_WAIT) == -1) {
    int e = errno;
    if (e == ETIMEDOUT)
      diag_die_report(111, "Unable to lock mailbox ", name.s, ": another program has held it"
                      " locked too long; trying again later. (#4.3.0)", (char *)0);
    if (e == ELOOP)
      diag_die_report(111, "Unable to open mailbox ", name.s, ": it is a symbolic link,"
                      " which I do not follow. (#4.2.1)", (char *)0);
    if (str_equal(m.failed, "not a regular file") || str_equal(m.failed, "more than one link") ||
        str_equal(m.failed, "owned by another user"))
      diag_die_report(111, "Unable to deliver to mailbox ", name.s, ": it is ", m.failed,
                      ". (#4.2.1)", (char *)0);
    diag_die_report(111, "Unable to ", m.failed, " mailbox ", name.s, ": ",
                    error_str(e), errcode(e), (char *)0);
  }
  timeout_mboxstart = m.start;
  timeout_mboxfd = m.fd;
  if (mbox_put_raw(&m, l->ufline.s, l->ufline.len) == -1 ||
      mbox_put(&m, l->lines.s, l->lines.len) == -1 ||
      copy_message(l, put_mbox, &m, &readerr) == -1) {
    int e = errno;
    timeout_mboxfd = -1;
    mbox_abort(&m);
    if (readerr) die_read_message();
    diag_die_report(111, "Unable to write mailbox ", name.s, ": ", error_str(e),
                    "; the append was undone", errcode(e), (char *)0);
  }
  if (mbox_commit(&m) == -1) {
    int e = errno;
    timeout_mboxfd = -1;
    diag_die_report(111, "Unable to ", m.failed, " mailbox ", name.s, ": ", error_str(e),
                    "; the append was undone", errcode(e), (char *)0);
  }
  alarm(0);
  timeout_mboxfd = -1;
  stralloc_free(&name);
  l->nfile++;
}

/* the status of a program line: 0 go on, 99 go on but skip the rest */
static int deliver_program(struct local *l, const char *command, size_t len)
{
  stralloc cmd = STRALLOC_ZERO;
  char num[FMT_ULONG];
  pid_t pid;
  int wstat, code;

  if (!stralloc_copyb(&cmd, command, len) || !stralloc_0(&cmd)) nomem();
  pid = fork();
  if (pid == -1)
    diag_die_report(111, "Unable to fork: ", error_str(errno), ". (#4.3.0)", (char *)0);
  if (pid == 0) {
    char *argv[4];
    argv[0] = (char *)"sh";
    argv[1] = (char *)"-c";
    argv[2] = cmd.s;
    argv[3] = 0;
    sig_default(SIGPIPE);
    sig_default(SIGALRM);
    sig_unblock_all();
    /* every program reads the message from its start: a program before
       this one may have moved the shared offset */
    if (lseek(0, 0, SEEK_SET) == -1) {
      diag_die_report(111, "Unable to rewind message: ", error_str(errno), ". (#4.3.0)", (char *)0);
    }
    fd_close_from(3);
    execv("/bin/sh", argv);
    diag_die_report(111, "Unable to run /bin/sh: ", error_str(errno), ". (#4.3.0)", (char *)0);
  }
  stralloc_free(&cmd);
  while (waitpid(pid, &wstat, 0) == -1)
    if (errno != EINTR)
      diag_die_report(111, "Unable to wait for program: ", error_str(errno), ". (#4.3.0)", (char *)0);
  l->nprogram++;
  if (WIFSIGNALED(wstat)) {
    num[fmt_ulong(num, (unsigned long)WTERMSIG(wstat))] = 0;
    diag_die_report(111, "Program crashed (signal ", num, "); trying again later. (#4.3.0)", (char *)0);
  }
  code = WEXITSTATUS(wstat);
  switch (code) {
  case 0: case 99:
    return code;
  case 100: case 64: case 65: case 70: case 76: case 77: case 78: case 112:
    _exit(100); /* the program wrote the report */
  default:
    _exit(111);
  }
}

static int put_queue(void *ctx, const char *s, size_t n)
{
  queue_put((struct queue_client *)ctx, s, n);
  return 0;
}

/* every forward of the file, as one new message: our Delivered-To line
   (which stops a loop that brings it back), then the message */
static void queue_forwards(struct local *l)
{
  struct queue_client q;
  struct dotqmail_parse p;
  struct dotqmail_line line;
  stralloc addr = STRALLOC_ZERO;
  const char *result;
  int readerr = 0;

  if (queue_open(&q) == -1)
    diag_die_report(111, "Unable to forward message: cannot start qmail-queue: ",
                    error_str(errno), ". (#4.3.0)", (char *)0);
  queue_put(&q, l->dtline.s, l->dtline.len);
  copy_message(l, put_queue, &q, &readerr);
  if (readerr) {
    queue_fail(&q);
    die_read_message();
  }
  queue_from(&q, l->newsender.s);
  /* the forwards the delivery reached: all of them, or those before a
     program that exited 99 */
  dotqmail_parse_start(&p, l->instructions.s, l->instructions.len);
  while (dotqmail_parse_next(&p, &line)) {
    if (line.number > l->lastline) break;
    if (line.type != DOTQMAIL_FORWARD) continue;
    if (!stralloc_copyb(&addr, line.text, line.len) || !stralloc_0(&addr)) nomem();
    queue_to(&q, addr.s);
  }
  stralloc_free(&addr);
  result = queue_close(&q);
  if (*result)
    diag_die_report(*result == 'D' ? 100 : 111, "Unable to forward message: ", result + 1,
                    (char *)0);
  l->qp = queue_qp(&q);
}

static void die_write_output(void)
{
  diag_die_report(111, "Unable to write output: ", error_str(errno), ". (#4.3.0)", (char *)0);
}

static void out_put(buf *b, const char *s, size_t n)
{
  if (buf_put(b, s, n) == -1) die_write_output();
}

/* -n: one line per instruction, in the order they would be carried out */
static void list_instructions(struct local *l, buf *out)
{
  struct dotqmail_parse p;
  struct dotqmail_line line;

  dotqmail_parse_start(&p, l->instructions.s, l->instructions.len);
  while (dotqmail_parse_next(&p, &line)) {
    const char *word = dotqmail_type_name(line.type);
    if (!word) continue;
    out_put(out, word, str_len(word));
    out_put(out, " ", 1);
    out_put(out, line.text, line.len);
    out_put(out, "\n", 1);
    if (line.type == DOTQMAIL_MAILDIR || line.type == DOTQMAIL_MBOX) l->nfile++;
    else if (line.type == DOTQMAIL_PROGRAM) l->nprogram++;
    else l->nforward++;
  }
  if (buf_flush(out) == -1) die_write_output();
}

static void execute_instructions(struct local *l)
{
  struct dotqmail_parse p;
  struct dotqmail_line line;

  l->lastline = (unsigned long)-1;
  dotqmail_parse_start(&p, l->instructions.s, l->instructions.len);
  while (dotqmail_parse_next(&p, &line)) {
    switch (line.type) {
    case DOTQMAIL_MAILDIR: deliver_maildir(l, line.text, line.len); break;
    case DOTQMAIL_MBOX: deliver_mbox(l, line.text, line.len); break;
    case DOTQMAIL_FORWARD: l->nforward++; break;
    case DOTQMAIL_PROGRAM:
      if (deliver_program(l, line.text, line.len) == 99) {
        l->lastline = line.number;
        goto done;
      }
      break;
    default: break;
    }
  }
done:
  if (l->nforward) queue_forwards(l);
}

static void report_done(const struct local *l, buf *out)
{
  char num[FMT_ULONG];

  /* the mail is delivered: a failure to say so changes nothing */
  buf_puts(out, "did ");
  buf_put(out, num, fmt_ulong(num, l->nfile));
  buf_puts(out, "+");
  buf_put(out, num, fmt_ulong(num, l->nforward));
  buf_puts(out, "+");
  buf_put(out, num, fmt_ulong(num, l->nprogram));
  buf_puts(out, "\n");
  if (l->qp) {
    buf_puts(out, "qp ");
    buf_put(out, num, fmt_ulong(num, l->qp));
    buf_puts(out, "\n");
  }
  buf_flush(out);
}

int main(int argc, char **argv)
{
  static struct local l;
  char space[1024];
  buf out = BUF_INIT(buf_unixwrite, 1, space, sizeof space);

  diag_prog = "qmail-local";
  parse_args(&l, argc, argv);
  umask(077);
  sig_catch(SIGALRM, timed_out);
  enter_home(&l);
  build_lines(&l);
  if (l.flagdoit) {
    read_head(&l);
    check_loop(&l);
  }
  find_instructions(&l);
  compute_newsender(&l);
  set_environment(&l);
  if (!l.flagdoit) list_instructions(&l, &out);
  check_instructions(&l);
  if (l.flagdoit) execute_instructions(&l);
  report_done(&l, &out);
  return 0;
}
