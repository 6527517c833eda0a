/* qmail-newrcpt: compiles users/rcpt.cdb, the list of local parts some
   delivery would accept, so that qmail-smtpd (which runs as qmaild and
   never reads home directories) can refuse unknown local and virtual
   recipients at RCPT. With -q it answers for addresses from that file.

   Usage: qmail-newrcpt              compile users/rcpt.cdb
          qmail-newrcpt -q ADDR...   known/unknown for each ADDR

   Sources (rcptmake.h has the model): users/assign when users/cdb exists
   (what qmail-lspawn uses); for the local parts no users/assign line
   covers, the accounts qmail-getpw would find (getpwent) and the alias
   account; control/validrcptto (always accepted); and the names of the
   .qmail files in each home directory. Homes are listed, never read: no
   .qmail file is opened, no symlink in a home is followed, and the home is
   opened O_DIRECTORY|O_NONBLOCK, so a FIFO cannot block the run. A home
   that cannot be read makes its addresses deliverable, with a warning.

   Runs as root (users/ is root's and homes may be private), from any
   directory: it changes to the qmail home first. Trusts the password
   database and users/assign; the names found in homes belong to users and
   are handled as hostile bytes. Writes users/rcpt.cdb.tmp (0644), fsyncs it,
   renames it over users/rcpt.cdb and fsyncs users/; two runs at the same
   time are not protected against each other (as qmail-newu).

   Exit codes: 0 users/rcpt.cdb replaced (with -q: every address known or
   not local); 100 usage (with -q: an address is unknown); 111 any failure,
   users/rcpt.cdb then left as it was. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h> /* rename only */
#include <sys/stat.h>
#include <unistd.h>
#include "assign.h"
#include "auto.h"
#include "buf.h"
#include "cdb.h"
#include "cdb_make.h"
#include "control.h"
#include "diag.h"
#include "error.h"
#include "fd.h"
#include "map.h"
#include "rcptcheck.h"
#include "rcptmake.h"
#include "readfile.h"
#include "rewrite.h"
#include "str.h"
#include "stralloc.h"

#define FATAL 111
#define NAME_LIMIT 32 /* qmail-getpw's limit on account names */
#define TMP "users/rcpt.cdb.tmp"

static void nomem(void)
{
  diag_die(FATAL, "out of memory", (const char *)0);
}

static void die_tmp(const char *what)
{
  int e = errno;
  unlink(TMP);
  errno = e;
  diag_die_sys(FATAL, "unable to ", what, " " TMP, (const char *)0);
}

/* ---- sources ---- */

static stralloc sources = STRALLOC_ZERO;

/* stamps path before it is read, so a change during the run is seen */
static void stamp(const char *path)
{
  if (!rcptcheck_stamp(&sources, path))
    diag_die_sys(FATAL, "unable to stat ", path, (const char *)0);
}

/* ---- rewriting, for validrcptto and -q ---- */

static struct rewrite_config rwcfg;
static int rw_loaded;

static void read_list(stralloc *sa, const char *fn)
{
  stamp(fn);
  if (control_readlist(sa, fn) == -1)
    diag_die_sys(FATAL, "unable to read ", fn, (const char *)0);
}

static void load_rewrite(void)
{
  static stralloc me, envnoathost, locals, percenthack, vd;
  static struct map mlocals, mpercent, mvd;

  if (rw_loaded) return;
  stamp("control/me");
  if (control_readline(&me, "control/me") == -1)
    diag_die_sys(FATAL, "unable to read control/me", (const char *)0);
  stamp("control/envnoathost");
  if (control_rldef(&envnoathost, "control/envnoathost", &me, "envnoathost") == -1)
    diag_die_sys(FATAL, "unable to read control/envnoathost", (const char *)0);
  if (!stralloc_0(&envnoathost)) nomem();
  stamp("control/locals");
  switch (control_readlist(&locals, "control/locals")) {
  case -1:
    diag_die_sys(FATAL, "unable to read control/locals", (const char *)0);
  case 0:
    if (me.len && (!stralloc_copy(&locals, &me) || !stralloc_0(&locals))) nomem();
  }
  read_list(&percenthack, "control/percenthack");
  read_list(&vd, "control/virtualdomains");
  if (!map_init(&mlocals, locals.s, locals.len, 0) ||
      !map_init(&mpercent, percenthack.s, percenthack.len, 0) ||
      !map_init(&mvd, vd.s, vd.len, 1))
    nomem();
  rwcfg.locals = &mlocals;
  rwcfg.percenthack = &mpercent;
  rwcfg.virtualdomains = &mvd;
  rwcfg.envnoathost = envnoathost.s;
  rw_loaded = 1;
}

/* the local part qmail-local would get for addr: 1 local (out), 0 remote */
static int local_part(const char *addr, size_t len, stralloc *out)
{
  int r;

  if (byte_chr(addr, len, '@') == len) {
    if (!stralloc_copyb(out, addr, len)) nomem();
    return 1;
  }
  load_rewrite();
  r = rewrite_recipient(&rwcfg, addr, len, out);
  if (r == -1) nomem();
  if (r != CHANNEL_LOCAL) return 0;
  out->len = byte_rchr(out->s, out->len, '@');
  return 1;
}

/* ---- routes ---- */

static struct rcptmake rm = RCPTMAKE_ZERO;
static stralloc home0 = STRALLOC_ZERO;

static int assign_route(void *ctx, const struct assign_line *a)
{
  (void)ctx;
  if (!stralloc_copyb(&home0, a->homedir, a->homedirlen) || !stralloc_0(&home0)) return -1;
  if (rcptmake_route(&rm, RCPTMAKE_ASSIGN, a->wildcard, a->key, a->keylen, home0.s,
                     a->dash, a->dashlen, a->ext, a->extlen) == -1)
    return -1;
  return 0;
}

static void routes_assign(void)
{
  stralloc text = STRALLOC_ZERO;
  struct stat cdbst, st;
  size_t line = 0;
  const char *why = 0;
  char num[FMT_ULONG];
  int r;

  if (stat("users/cdb", &cdbst) == -1) {
    if (errno == ENOENT) return; /* qmail-lspawn asks qmail-getpw */
    diag_die_sys(FATAL, "unable to stat users/cdb", (const char *)0);
  }
  stamp("users/assign");
  r = readfile("users/assign", &text, 0);
  if (r == 0)
    diag_die(FATAL, "users/cdb exists but users/assign does not", (const char *)0);
  if (r == -1) diag_die_sys(FATAL, "unable to read users/assign", (const char *)0);
  if (stat("users/assign", &st) == 0 &&
      (st.st_mtim.tv_sec > cdbst.st_mtim.tv_sec ||
       (st.st_mtim.tv_sec == cdbst.st_mtim.tv_sec && st.st_mtim.tv_nsec > cdbst.st_mtim.tv_nsec)))
    diag_warn("users/assign is newer than users/cdb; run qmail-newu, then qmail-newrcpt",
              (const char *)0);
  r = assign_parse(text.s ? text.s : "", text.len, assign_route, 0, &line, &why);
  if (r == -1) nomem();
  if (r == 0) {
    num[fmt_ulong(num, (unsigned long)line)] = 0;
    diag_die(FATAL, "bad format in users/assign line ", num, ": ", why ? why : "unknown",
             (const char *)0);
  }
  stralloc_free(&text);
}

static int lowercase_only(const char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z') return 0;
  return 1;
}

/* qmail-getpw's accounts: uid not 0, a name it can reach, a home that
   exists and is owned by the uid */
static void routes_passwd(void)
{
  static const char brk[2] = { AUTO_BREAK, 0 };
  stralloc key = STRALLOC_ZERO;
  struct passwd *pw;

  stamp("/etc/passwd");
  setpwent();
  for (;;) {
    struct stat st;
    size_t n;

    errno = 0;
    pw = getpwent();
    if (!pw) {
      if (errno == 0 || errno == ENOENT) break;
      if (errno == EINTR) continue;
      diag_die_sys(FATAL, "unable to read the password database", (const char *)0);
    }
    n = str_len(pw->pw_name);
    if (pw->pw_uid == 0 || n == 0 || n >= NAME_LIMIT || !lowercase_only(pw->pw_name))
      continue;
    if (stat(pw->pw_dir, &st) == -1) {
      /* qmail-getpw defers such an address: accept it (the home will not
         be readable either, which makes it deliverable) */
      if (!error_temporary(errno)) continue;
      diag_warn_sys("unable to stat ", pw->pw_dir, (const char *)0);
    } else if (st.st_uid != pw->pw_uid)
      continue;
    if (rcptmake_route(&rm, RCPTMAKE_PASSWD, 0, pw->pw_name, n, pw->pw_dir, "", 0, "", 0) == -1)
      nomem();
    if (!stralloc_copyb(&key, pw->pw_name, n) || !stralloc_cats(&key, brk)) nomem();
    if (rcptmake_route(&rm, RCPTMAKE_PASSWD, 1, key.s, key.len, pw->pw_dir, brk, 1, "", 0) == -1)
      nomem();
  }
  endpwent();
  stralloc_free(&key);

  for (;;) {
    errno = 0;
    pw = getpwnam(auto_user_alias);
    if (pw || errno != EINTR) break;
  }
  if (!pw) {
    if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF || errno == EPERM) {
      diag_warn("the alias account ", auto_user_alias,
                " does not exist: local parts no account handles are unknown", (const char *)0);
      return;
    }
    diag_die_sys(FATAL, "unable to read the password database", (const char *)0);
  }
  if (rcptmake_route(&rm, RCPTMAKE_PASSWD, 1, "", 0, pw->pw_dir, "-", 1, "", 0) == -1)
    nomem();
}

/* control/validrcptto: "local", "local@domain" or "@domain" per line */
static void routes_explicit(void)
{
  stralloc list = STRALLOC_ZERO, local = STRALLOC_ZERO;
  size_t pos, n;

  read_list(&list, "control/validrcptto");
  for (pos = 0; pos < list.len; pos += n + 1) {
    const char *e = list.s + pos;
    n = byte_chr(e, list.len - pos, '\0');
    if (n == list.len - pos) break;
    if (!local_part(e, n, &local)) {
      diag_warn("control/validrcptto: ", e, " is not in a local or virtual domain; ignored",
                (const char *)0);
      continue;
    }
    if (rcptmake_route(&rm, RCPTMAKE_EXPLICIT, e[0] == '@', local.s, local.len, 0, "", 0, "",
                       0) == -1)
      nomem();
  }
  stralloc_free(&list);
  stralloc_free(&local);
}

/* ---- homes ---- */

/* the names in home that may be .qmail files: regular files and symlinks
   (not followed: a symlink counts as present), by d_type or lstat.
   1 listed, 0 unreadable (warned). */
static int read_home(const char *home, stralloc *names)
{
  DIR *d;
  struct dirent *de;
  int fd;

  names->len = 0;
  fd = open(home, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd == -1) goto unreadable;
  d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    errno = e;
    goto unreadable;
  }
  for (;;) {
    unsigned char type;
    errno = 0;
    de = readdir(d);
    if (!de) {
      if (errno == 0) break;
      {
        int e = errno;
        closedir(d);
        errno = e;
      }
      goto unreadable;
    }
    if (!str_start(de->d_name, ".qmail")) continue;
    type = de->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) continue;
      if (S_ISREG(st.st_mode)) type = DT_REG;
      else if (S_ISLNK(st.st_mode)) type = DT_LNK;
    }
    if (type != DT_REG && type != DT_LNK) continue; /* qmail-local skips them */
    if (!stralloc_cats(names, de->d_name) || !stralloc_0(names)) nomem();
  }
  closedir(d);
  return 1;

unreadable:
  if (errno == ENOMEM) nomem();
  diag_warn("unable to list home directory ", home, ": ", error_str(errno),
            "; every address it handles is accepted", (const char *)0);
  return 0;
}

/* ---- writing ---- */

static int add_record(void *ctx, const char *key, size_t klen, int deliverable)
{
  return cdb_make_add(ctx, key, klen, deliverable ? "1" : "0", 1);
}

static void compile(void)
{
  stralloc names = STRALLOC_ZERO, wild = STRALLOC_ZERO;
  struct cdb_make m;
  size_t i;
  int fd;

  stamp("users/cdb");
  routes_assign();
  if (!rcptmake_catchall(&rm, RCPTMAKE_ASSIGN)) routes_passwd();
  routes_explicit();
  if (!rcptmake_plan(&rm)) nomem();

  fd = open_trunc(TMP, 0644);
  if (fd == -1) diag_die_sys(FATAL, "unable to create " TMP, (const char *)0);
  /* readable by qmaild whatever the umask */
  if (fchmod(fd, 0644) == -1) die_tmp("write");
  if (cdb_make_start(&m, fd) == -1) die_tmp("write");
  if (cdb_make_add(&m, RCPTCHECK_SOURCES, 1, sources.s ? sources.s : "", sources.len) == -1)
    die_tmp("write");
  if (rcptmake_emit_explicit(&rm, add_record, &m) == -1) die_tmp("write");
  for (i = 0; i < rcptmake_homes(&rm); i++) {
    int readable = read_home(rcptmake_home(&rm, i), &names);
    if (rcptmake_emit_home(&rm, i, names.s ? names.s : "", names.len, readable, add_record,
                           &m) == -1)
      die_tmp("write");
  }
  if (!rcptmake_wildchars(&rm, &wild)) nomem();
  if (cdb_make_add(&m, "", 0, wild.s ? wild.s : "", wild.len) == -1) die_tmp("write");
  if (cdb_make_finish(&m) == -1) die_tmp("write");
  if (fsync(fd) == -1) die_tmp("write");
  if (close(fd) == -1) die_tmp("write");
  if (rename(TMP, RCPTCHECK_FILE) == -1) {
    int e = errno;
    unlink(TMP);
    errno = e;
    diag_die_sys(FATAL, "unable to move " TMP " to " RCPTCHECK_FILE, (const char *)0);
  }
  if (fsync_dir("users") == -1) diag_die_sys(FATAL, "unable to sync users/", (const char *)0);
  stralloc_free(&names);
  stralloc_free(&wild);
  rcptmake_free(&rm);
}

/* ---- -q ---- */

static int query(char **addrs)
{
  char space[1024];
  buf out;
  struct cdb c;
  stralloc local = STRALLOC_ZERO;
  int fd, code = 0;

  buf_init(&out, buf_unixwrite, 1, space, sizeof space);
  fd = open_read(RCPTCHECK_FILE);
  if (fd == -1) {
    if (errno != ENOENT) diag_die_sys(FATAL, "unable to open " RCPTCHECK_FILE, (const char *)0);
    if (buf_puts(&out, RCPTCHECK_FILE " does not exist: every address is accepted\n") == -1 ||
        buf_flush(&out) == -1)
      diag_die_sys(FATAL, "unable to write output", (const char *)0);
    return 0;
  }
  if (cdb_init(&c, fd) == -1) diag_die_sys(FATAL, "unable to read " RCPTCHECK_FILE, (const char *)0);
  for (; *addrs; addrs++) {
    const char *a = *addrs, *verdict;
    size_t len = str_len(a);
    int r, islocal = local_part(a, len, &local);

    if (!islocal) {
      verdict = ": not local, not checked";
    } else {
      r = rcptcheck_lookup(&c, local.s ? local.s : "", local.len);
      if (r == -1) diag_die_sys(FATAL, "unable to read " RCPTCHECK_FILE, (const char *)0);
      if (r == 1) verdict = ": known";
      else {
        int s = rcptcheck_stale(&c);
        if (s == -1) diag_die_sys(FATAL, "unable to check the sources of " RCPTCHECK_FILE, (const char *)0);
        verdict = s ? ": unknown (database out of date: qmail-smtpd answers 450)" : ": unknown";
        code = 100;
      }
    }
    if (buf_puts(&out, a) == -1 || buf_puts(&out, verdict) == -1)
      diag_die_sys(FATAL, "unable to write output", (const char *)0);
    if (islocal && byte_chr(a, len, '@') < len) {
      if (buf_puts(&out, " as ") == -1 || buf_put(&out, local.s, local.len) == -1)
        diag_die_sys(FATAL, "unable to write output", (const char *)0);
    }
    if (buf_puts(&out, "\n") == -1) diag_die_sys(FATAL, "unable to write output", (const char *)0);
  }
  if (buf_flush(&out) == -1) diag_die_sys(FATAL, "unable to write output", (const char *)0);
  cdb_free(&c);
  close(fd);
  stralloc_free(&local);
  return code;
}

int main(int argc, char **argv)
{
  diag_prog = "qmail-newrcpt";
  umask(022);
  if (argc > 1 && !(str_equal(argv[1], "-q") && argc > 2))
    diag_die(100, "usage: qmail-newrcpt [-q address ...]", (const char *)0);
  if (chdir(auto_home) == -1)
    diag_die_sys(FATAL, "unable to switch to ", auto_home, (const char *)0);
  if (argc > 2) return query(argv + 2);
  compile();
  return 0;
}
