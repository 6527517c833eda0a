/* qmail-getpw: finds the account that controls a local part from the
   password database, for qmail-lspawn when there is no users/cdb.

   Usage: qmail-getpw local. For each cut point in local, the whole of it
   first and then every position just before a break character (AUTO_BREAK),
   right to left, the part before the cut (if shorter than 32 bytes, and not
   empty) is lowercased and looked up with getpwnam. The first account with
   uid not 0 whose home directory exists and is owned by that uid wins, with
   dash "" and ext "" when the whole local part matched, else dash the break
   character and ext what follows it. No match: the alias account
   (auto_user_alias) with dash "-" and ext the whole local part.
   Writes "user NUL uid NUL gid NUL homedir NUL dash NUL ext NUL" to fd 1.

   Runs as qmailp, group nofiles (qmail-lspawn drops to it). Trusts the
   password database; local comes from a queued envelope and is hostile.

   Exit codes (read by qmail-lspawn as its own): 0 ok; 100 no argument;
   116 the alias account does not exist; 115 stat of a home directory
   failed temporarily; 118 the password database could not be read, or
   another temporary failure (memory, writing fd 1). */
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "error.h"
#include "str.h"
#include "stralloc.h"

#define EXIT_USAGE 100
#define EXIT_NFS 115
#define EXIT_NOALIAS 116
#define EXIT_SYS 118
#define NAME_LIMIT 32 /* account names are shorter than this */

/* getpwnam with "no such account" (NULL, errno 0) told apart from a failed
   lookup, which exits: the address must not fall to alias because the
   database was unreachable */
static struct passwd *lookup(const char *name)
{
  struct passwd *pw;

  for (;;) {
    errno = 0;
    pw = getpwnam(name);
    if (pw) return pw;
    switch (errno) {
    case EINTR:
      continue;
    case 0: case ENOENT: case ESRCH: case EBADF: case EPERM:
      return NULL;
    default:
      /* name may come from the envelope: keep it out of the log */
      diag_die_sys(EXIT_SYS, "unable to read the password database", (const char *)0);
    }
  }
}

/* the account for the prefix local[0..n), or NULL */
static struct passwd *try_prefix(const char *local, size_t n, stralloc *name)
{
  struct passwd *pw;
  struct stat st;

  if (n == 0 || n >= NAME_LIMIT) return NULL;
  if (!stralloc_copyb(name, local, n) || !stralloc_0(name))
    diag_die_sys(EXIT_SYS, "unable to allocate memory", (const char *)0);
  case_lowerb(name->s, n);
  pw = lookup(name->s);
  if (!pw || pw->pw_uid == 0) return NULL;
  if (stat(pw->pw_dir, &st) == -1) {
    if (error_temporary(errno))
      diag_die_sys(EXIT_NFS, "unable to stat ", pw->pw_dir, (const char *)0);
    return NULL;
  }
  if (st.st_uid != pw->pw_uid) return NULL;
  return pw;
}

static void put_field(buf *b, const char *s, size_t n)
{
  if (buf_put(b, s, n) == -1 || buf_put(b, "", 1) == -1)
    diag_die_sys(EXIT_SYS, "unable to write output", (const char *)0);
}

static void put_number(buf *b, unsigned long u)
{
  char num[FMT_ULONG];
  put_field(b, num, fmt_ulong(num, u));
}

int main(int argc, char **argv)
{
  static const char breakstr[2] = { AUTO_BREAK, 0 };
  stralloc name = STRALLOC_ZERO;
  struct passwd *pw = NULL;
  const char *local, *dash, *ext;
  size_t len, cut;
  char space[1024];
  buf out;

  diag_prog = "qmail-getpw";
  if (argc < 2 || !argv[1]) _exit(EXIT_USAGE);
  local = argv[1];
  len = str_len(local);

  /* cut points right to left: the whole string, then before each break */
  dash = "";
  ext = "";
  cut = len;
  for (;;) {
    if (cut == len || local[cut] == AUTO_BREAK) {
      pw = try_prefix(local, cut, &name);
      if (pw) {
        if (cut < len) {
          dash = breakstr;
          ext = local + cut + 1;
        }
        break;
      }
    }
    if (cut == 0) break;
    cut--;
  }
  if (!pw) {
    pw = lookup(auto_user_alias);
    if (!pw) diag_die(EXIT_NOALIAS, "alias account ", auto_user_alias, " does not exist", (const char *)0);
    dash = "-";
    ext = local;
  }

  buf_init(&out, buf_unixwrite, 1, space, sizeof space);
  put_field(&out, pw->pw_name, str_len(pw->pw_name));
  put_number(&out, (unsigned long)pw->pw_uid);
  put_number(&out, (unsigned long)pw->pw_gid);
  put_field(&out, pw->pw_dir, str_len(pw->pw_dir));
  put_field(&out, dash, str_len(dash));
  put_field(&out, ext, str_len(ext));
  if (buf_flush(&out) == -1)
    diag_die_sys(EXIT_SYS, "unable to write output", (const char *)0);
  _exit(0);
}
