/* qmail-pw2u: turns a V7 password file on standard input into a
   users/assign table on standard output (the rules are in pw2u.h and
   qmail-pw2u.8).

   Usage: qmail-pw2u [ -/ohHuUC ] [ -cX ]. Reads users/include,
   users/exclude, users/mailnames, users/subusers and users/append under
   the qmail home when they exist. Nothing is written unless the whole
   table could be made, so `qmail-pw2u < passwd > users/assign` never
   leaves a partial table that qmail-newu would accept (an empty file has
   no "." line).

   Runs as any user who can read the users/ files and see the homes
   (normally root). Trusts the users/ files as far as their owner wrote
   them; the password file is parsed as hostile (no fixed buffers, every
   line checked; a malformed line is skipped with a warning).

   Exit codes: 0 the table was written; 100 usage; 111 any other failure
   (no alias account, a bad line in a users/ file, a home that could not
   be checked, a read or write error). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "pw2u.h"
#include "readfile.h"
#include "str.h"
#include "stralloc.h"

#define USAGE 100
#define FATAL 111

static int check_home(void *ctx, const char *home, uid_t uid)
{
  struct stat st;

  (void)ctx;
  if (stat(home, &st) == -1) {
    if (errno == ENOENT) return PW2U_HOME_MISSING;
    return -1;
  }
  return st.st_uid == uid ? PW2U_HOME_OK : PW2U_HOME_NOTOWNED;
}

static void warn_line(void *ctx, size_t lineno, const char *why)
{
  char num[FMT_ULONG];

  (void)ctx;
  num[fmt_ulong(num, (unsigned long)lineno)] = 0;
  diag_warn("skipping line ", num, " of the password file: ", why, (const char *)0);
}

static void read_users_file(const char *fn, stralloc *sa, struct pw2u_file *f)
{
  int r = readfile(fn, sa, 0);

  if (r == -1) diag_die_sys(FATAL, "unable to read ", fn, (const char *)0);
  if (r == 0) {
    f->s = 0;
    f->len = 0;
    return;
  }
  f->s = sa->s ? sa->s : "";
  f->len = sa->len;
}

static void usage(void)
{
  diag_die(USAGE, "usage: qmail-pw2u [ -/ohHuUC ] [ -cX ]", (const char *)0);
}

int main(int argc, char **argv)
{
  static stralloc include, exclude, mailnames, subusers, append;
  stralloc passwd = STRALLOC_ZERO, out = STRALLOC_ZERO, detail = STRALLOC_ZERO;
  struct pw2u_config cfg;
  struct pw2u_error err;
  int i, r;

  diag_prog = "qmail-pw2u";
  cfg.breakchar = AUTO_BREAK;
  cfg.dash = "-";
  cfg.allow_upper = 0;
  cfg.home_policy = PW2U_HOME_SKIP;
  cfg.alias = auto_user_alias;
  cfg.home = check_home;
  cfg.warn = warn_line;
  cfg.ctx = 0;

  opterr = 0; /* usage() says it */
  while ((i = getopt(argc, argv, "/ohHuUc:C")) != -1) {
    switch (i) {
    case '/': cfg.dash = "-/"; break;
    case 'o': cfg.home_policy = PW2U_HOME_SKIP; break;
    case 'h': cfg.home_policy = PW2U_HOME_FATAL; break;
    case 'H': cfg.home_policy = PW2U_HOME_NOCHECK; break;
    case 'u': cfg.allow_upper = 1; break;
    case 'U': cfg.allow_upper = 0; break;
    case 'C': cfg.breakchar = 0; break;
    case 'c':
      cfg.breakchar = optarg[0];
      /* these would break the lines of the table */
      if (!cfg.breakchar || cfg.breakchar == ':' || cfg.breakchar == '\n') usage();
      break;
    default: usage();
    }
  }
  if (optind < argc) usage();

  if (read_all(0, &passwd, 0) == -1)
    diag_die_sys(FATAL, "unable to read the password file", (const char *)0);
  if (chdir(auto_home) == -1)
    diag_die_sys(FATAL, "unable to switch to ", auto_home, (const char *)0);
  read_users_file("users/include", &include, &cfg.include);
  read_users_file("users/exclude", &exclude, &cfg.exclude);
  read_users_file("users/mailnames", &mailnames, &cfg.mailnames);
  read_users_file("users/subusers", &subusers, &cfg.subusers);
  read_users_file("users/append", &append, &cfg.append);

  r = pw2u_run(&cfg, passwd.s ? passwd.s : "", passwd.len, &out, &err);
  if (r != 1) {
    if (err.detail && (!stralloc_copyb(&detail, err.detail, err.detaillen) ||
                       !stralloc_0(&detail)))
      diag_die(FATAL, "out of memory", (const char *)0);
    if (r == -1) {
      if (err.detail) diag_die_sys(FATAL, "unable to stat ", detail.s, (const char *)0);
      diag_die_sys(FATAL, "unable to make the table", (const char *)0);
    }
    if (err.lineno) {
      char num[FMT_ULONG];
      num[fmt_ulong(num, (unsigned long)err.lineno)] = 0;
      diag_die(FATAL, "bad format in ", err.file, " line ", num, ": ", err.why,
               err.detail ? " " : "", err.detail ? detail.s : "", (const char *)0);
    }
    if (err.file)
      diag_die(FATAL, "bad format in ", err.file, ": ", err.why, (const char *)0);
    diag_die(FATAL, err.why, err.detail ? ": " : "", err.detail ? detail.s : "",
             (const char *)0);
  }
  if (buf_unixwrite(1, out.s, out.len) == -1)
    diag_die_sys(FATAL, "unable to write the table", (const char *)0);
  return 0;
}
