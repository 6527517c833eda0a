/* qmail-queue: puts one message into the queue. It reads the message from
   descriptor 0 up to end of file, then the envelope from descriptor 1
   ("F" sender NUL, "T" recipient NUL ..., NUL), writes queue/mess/S/ID with
   a Received line on top and queue/intd/ID with the envelope, makes both
   and the name mess/S/ID durable and commits the message by linking
   intd/ID to todo/ID.

   Runs setuid qmailq; the real uid is the caller's, and it is recorded.
   Trusts nothing from the caller: not the message, not the envelope, not the
   environment (never read), not the descriptors it was given. It trusts the
   compiled-in home and the queue directory under it.

   Exit codes (the interface; nothing is printed):
     0 queued and durable; 11 envelope address too long; 51 out of memory;
     52 timeout (24 hours); 53 write error or disk full; 54 read error or
     end of input before the envelope's final NUL; 61 cannot chdir to the
     home; 62 cannot chdir to queue; 63 trouble in queue/pid; 64 trouble in
     queue/mess; 65 trouble in queue/intd; 66 trouble in queue/todo;
     81 internal bug (caught SIGSEGV/SIGBUS); 91 envelope format error.
   On every failure except 52 and 81 the files made so far are truncated and
   unlinked, so nothing is left queued. (52 and 81 exit at once from a
   signal handler; what they leave is never committed and qmail-send sweeps
   it after 36 hours.) */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "account.h"
#include "auto.h"
#include "buf.h"
#include "date.h"
#include "envelope.h"
#include "fd.h"
#include "queue_path.h"
#include "sig.h"
#include "str.h"
#include "stralloc.h"

#define EXIT_TOOLONG 11
#define EXIT_NOMEM 51
#define EXIT_TIMEOUT 52
#define EXIT_WRITE 53
#define EXIT_READ 54
#define EXIT_HOME 61
#define EXIT_QUEUE 62
#define EXIT_PID 63
#define EXIT_MESS 64
#define EXIT_INTD 65
#define EXIT_TODO 66
#define EXIT_BUG 81
#define EXIT_FORMAT 91

/* kept well below qmail-send's 36-hour sweep of uncommitted files, so no
   live qmail-queue ever owns a file the sweep removes */
#define DEATH 86400

#define PID_TRIES 9

/* one buffer for both copies: a pipe holds 64 KiB, so one read empties it */
static char iobuf[65536];

static struct job {
  stralloc pidfn, messfn, messdir, intdfn, todofn;
  int fd_mess, fd_intd;
  int made_pid, made_mess, made_intd;
  unsigned long id;
  unsigned long uid, pid;
  time_t start;
} job = { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO,
          -1, -1, 0, 0, 0, 0, 0, 0, 0 };

/* Truncate before unlink: should the unlink fail, the space is at least
   returned and the sweep removes an empty file. */
static void cleanup(void)
{
  if (job.made_intd) {
    if (ftruncate(job.fd_intd, 0) == -1) { /* unlinked anyway */ }
    unlink(job.intdfn.s);
  }
  if (job.made_mess) {
    if (ftruncate(job.fd_mess, 0) == -1) { /* unlinked anyway */ }
    unlink(job.messfn.s);
  }
  if (job.made_pid) unlink(job.pidfn.s);
}

static void die(int code) __attribute__((noreturn));
static void die(int code)
{
  cleanup();
  _exit(code);
}

static void on_alarm(int sig)
{
  (void)sig;
  _exit(EXIT_TIMEOUT);
}

static void on_fault(int sig)
{
  (void)sig;
  _exit(EXIT_BUG);
}

static void setup_signals(void)
{
  /* the trigger FIFO may lose its reader between open and write; a file
     size limit set by the caller must show up as EFBIG, i.e. exit 53 */
  sig_ignore(SIGPIPE);
  sig_ignore(SIGXFSZ);
  /* a mask inherited from the caller must not hold off the alarm */
  sig_unblock_all();
  sig_catch(SIGALRM, on_alarm);
  sig_catch(SIGSEGV, on_fault);
  sig_catch(SIGBUS, on_fault);
  alarm(DEATH);
}

/* A caller that closed descriptor 0 or 1 would otherwise see one of our
   queue files opened in its place and read back as input. */
static void check_descriptors(void)
{
  struct stat st;

  if (fstat(0, &st) == -1 || fstat(1, &st) == -1) die(EXIT_READ);
}

/* The real uid's account name, looked up once (one passwd lookup instead of
   one per role). A failed lookup only makes the Received line say "by uid
   N", which is never wrong, so it is not worth refusing mail over. */
static const char *caller_name(uid_t uid)
{
  struct passwd *pw;
  errno = 0;
  pw = getpwuid(uid);
  return pw && pw->pw_name ? pw->pw_name : "";
}

/* "Received: (qmail PID invoked WHO); DATE\n", WHO from the real uid */
static void build_received(stralloc *sa)
{
  const char *who = caller_name(getuid());

  if (!stralloc_copys(sa, "Received: (qmail ")) die(EXIT_NOMEM);
  if (!stralloc_catulong(sa, job.pid)) die(EXIT_NOMEM);
  if (!stralloc_cats(sa, " invoked ")) die(EXIT_NOMEM);
  if (str_equal(who, auto_user_alias)) {
    if (!stralloc_cats(sa, "by alias")) die(EXIT_NOMEM);
  } else if (str_equal(who, auto_user_qmaild)) {
    if (!stralloc_cats(sa, "from network")) die(EXIT_NOMEM);
  } else if (str_equal(who, auto_user_qmails)) {
    if (!stralloc_cats(sa, "for bounce")) die(EXIT_NOMEM);
  } else {
    if (!stralloc_cats(sa, "by uid ")) die(EXIT_NOMEM);
    if (!stralloc_catulong(sa, job.uid)) die(EXIT_NOMEM);
  }
  if (!stralloc_cats(sa, "); ")) die(EXIT_NOMEM);
  if (!date_cat822(sa, job.start)) die(EXIT_NOMEM);
  if (!stralloc_append(sa, '\n')) die(EXIT_NOMEM);
}

static void enter_queue(void)
{
  if (chdir(auto_home) == -1) die(EXIT_HOME);
  if (chdir("queue") == -1) die(EXIT_QUEUE);
  umask(033);
}

/* pid/PID.START.SEQ is a name no other live qmail-queue can use; creating
   it gives us an inode, whose number becomes the message ID. */
static void create_pid_file(void)
{
  unsigned long seq;

  for (seq = 1; seq <= PID_TRIES; ++seq) {
    if (!stralloc_copys(&job.pidfn, "pid/")) die(EXIT_NOMEM);
    if (!stralloc_catulong(&job.pidfn, job.pid)) die(EXIT_NOMEM);
    if (!stralloc_append(&job.pidfn, '.')) die(EXIT_NOMEM);
    if (!stralloc_catulong(&job.pidfn, (unsigned long)job.start)) die(EXIT_NOMEM);
    if (!stralloc_append(&job.pidfn, '.')) die(EXIT_NOMEM);
    if (!stralloc_catulong(&job.pidfn, seq)) die(EXIT_NOMEM);
    if (!stralloc_0(&job.pidfn)) die(EXIT_NOMEM);
    job.fd_mess = open_excl(job.pidfn.s, 0644);
    if (job.fd_mess != -1) { job.made_pid = 1; return; }
    if (errno != EEXIST) break;
  }
  die(EXIT_PID);
}

static void name_files(void)
{
  struct stat st;

  if (fstat(job.fd_mess, &st) == -1) die(EXIT_PID);
  job.id = (unsigned long)st.st_ino;
  if ((ino_t)job.id != st.st_ino) die(EXIT_PID);
  if (!queue_path(&job.messfn, "mess", job.id, (int)auto_split)) die(EXIT_NOMEM);
  /* mess/S: the directory that holds the message's name */
  if (!stralloc_copyb(&job.messdir, job.messfn.s, byte_rchr(job.messfn.s, job.messfn.len, '/')))
    die(EXIT_NOMEM);
  if (!stralloc_0(&job.messdir)) die(EXIT_NOMEM);
  if (!queue_path(&job.intdfn, "intd", job.id, -1)) die(EXIT_NOMEM);
  if (!queue_path(&job.todofn, "todo", job.id, -1)) die(EXIT_NOMEM);
}

static void move_to_mess(void)
{
  if (link(job.pidfn.s, job.messfn.s) == -1) die(EXIT_MESS);
  job.made_mess = 1;
  if (unlink(job.pidfn.s) == -1) die(EXIT_PID);
  job.made_pid = 0;
}

static void write_all(int fd, const char *s, size_t n)
{
  if (n && buf_unixwrite(fd, (void *)s, n) == -1) die(EXIT_WRITE);
}

/* Durability. Exit 0 promises the message survives a crash. A file's
   fsync makes its bytes durable and a directory's fsync the names in it,
   nothing more (DESIGN.md); four fsyncs keep the promise, and each is
   needed:
     1. fsync mess/S/ID    the message bytes;
     2. fsync intd/ID      the envelope bytes, before the todo name exists:
                           otherwise a crash could leave todo/ID naming an
                           envelope whose bytes never reached the disk;
     3. fsync mess/S/      the name mess/S/ID, made by a link from pid/,
                           before the todo name exists: otherwise todo/ID
                           could survive a crash that took the message;
     4. link intd/ID to todo/ID (the commit point), then fsync todo/.
   The name intd/ID need not be durable: todo/ID is the same inode, and
   qmail-send reads the envelope through it. Nor need the removal of the
   pid/ name: a pid/ file left by a crash is swept.

   Fsyncs 1 and 2 are issued back to back once both files are written, and
   the kernel is told to start writing each file as soon as it is complete
   (sync_file_range, only a hint), so their data writes overlap.
   Creating intd/ID before mess/S/ID is durable is safe: nothing is queued
   before the todo link, and a leftover intd/ID without todo/ID is removed
   with its mess/S/ID by the 36-hour sweep. */
static void start_writeback(int fd)
{
  if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == -1) {
    /* a hint only; the fsync that follows reports real errors */
  }
}

/* Received line, then descriptor 0 to end of file, in 64 KiB writes. */
static void write_message(const stralloc *received)
{
  size_t len = received->len;

  if (len > sizeof iobuf) die(EXIT_BUG);
  memcpy(iobuf, received->s, len);
  for (;;) {
    ssize_t r = buf_unixread(0, iobuf + len, sizeof iobuf - len);
    if (r == -1) die(EXIT_READ);
    if (r == 0) break;
    len += (size_t)r;
    if (len == sizeof iobuf) { write_all(job.fd_mess, iobuf, len); len = 0; }
  }
  write_all(job.fd_mess, iobuf, len);
  start_writeback(job.fd_mess);
}

static int envelope_exit(int r)
{
  switch (r) {
    case ENVELOPE_TOOLONG: return EXIT_TOOLONG;
    case ENVELOPE_FORMAT: return EXIT_FORMAT;
    case ENVELOPE_TRUNCATED: return EXIT_READ;
    default: return EXIT_BUG;
  }
}

/* intd/ID: "u" UID NUL "p" PID NUL, then the envelope's records exactly as
   received, without the final empty record. The envelope streams through
   the parser and into the file; it is never held whole. */
static void write_envelope(void)
{
  struct envelope env;
  size_t len = 0;

  job.fd_intd = open_excl(job.intdfn.s, 0644);
  if (job.fd_intd == -1 && errno == EEXIST) {
    /* we hold inode ID, so no live message can own intd/ID: it was left
       by a crash on a file system that lost the matching mess file */
    if (unlink(job.intdfn.s) == 0) job.fd_intd = open_excl(job.intdfn.s, 0644);
  }
  if (job.fd_intd == -1) die(EXIT_INTD);
  job.made_intd = 1;

  iobuf[len++] = 'u';
  len += fmt_ulong(iobuf + len, job.uid);
  iobuf[len++] = 0;
  iobuf[len++] = 'p';
  len += fmt_ulong(iobuf + len, job.pid);
  iobuf[len++] = 0;

  envelope_init(&env);
  for (;;) {
    size_t used;
    int r;
    ssize_t got = buf_unixread(1, iobuf + len, sizeof iobuf - len);

    if (got == -1) die(EXIT_READ);
    if (got == 0) die(envelope_exit(envelope_end(&env)));
    r = envelope_feed(&env, iobuf + len, (size_t)got, &used);
    if (r == ENVELOPE_DONE) {
      len += used - 1; /* the terminating NUL is not stored */
      break;
    }
    if (r != ENVELOPE_MORE) die(envelope_exit(r));
    len += used;
    if (len == sizeof iobuf) { write_all(job.fd_intd, iobuf, len); len = 0; }
  }
  write_all(job.fd_intd, iobuf, len);
  start_writeback(job.fd_intd);
}

/* durability 1, 2 and 3 (see start_writeback) */
static void make_durable(void)
{
  if (fsync(job.fd_mess) == -1) die(EXIT_WRITE); /* fsync-point: mess */
  if (fsync(job.fd_intd) == -1) die(EXIT_WRITE); /* fsync-point: intd */
  if (fsync_dir(job.messdir.s) == -1) die(EXIT_WRITE); /* fsync-point: mess-dir */
}

/* durability 4: the commit point is link(intd/ID, todo/ID); the message
   is queued once that link is durable */
static void commit(void)
{
  if (link(job.intdfn.s, job.todofn.s) == -1) die(EXIT_TODO);
  if (fsync_dir("todo") == -1) { /* fsync-point: todo-dir */
    /* qmail-send may already be reading todo/ID, so intd and mess must stay
       intact: withdraw the commit and leave the rest to the 36-hour sweep.
       The caller retries; at worst the message arrives twice. */
    unlink(job.todofn.s);
    _exit(EXIT_WRITE);
  }
  job.made_intd = 0;
  job.made_mess = 0;
}

/* wakes qmail-send; without a reader the open fails at once (ENXIO) and
   the message waits for the next scan of todo/, so errors are ignored */
static void pull_trigger(void)
{
  int fd = open_write("lock/trigger");

  if (fd == -1) return;
  if (write(fd, "", 1) == -1) { /* nothing to do */ }
  close(fd);
}

int main(void)
{
  stralloc received = STRALLOC_ZERO;

  setup_signals();
  check_descriptors();
  job.start = time(0);
  job.pid = (unsigned long)getpid();
  job.uid = (unsigned long)getuid();
  build_received(&received);
  enter_queue();
  create_pid_file();
  name_files();
  move_to_mess();
  write_message(&received);
  write_envelope();
  make_durable();
  commit();
  pull_trigger();
  _exit(0);
}
