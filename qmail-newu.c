/* qmail-newu: compiles users/assign into users/cdb, the table qmail-lspawn
   uses to find the account that handles a local address.

   Runs as root (users/ is root's), from any directory: it changes to the
   qmail home first. Trusts users/assign as far as its owner (root) wrote
   it; the text is still parsed as hostile (no fixed buffers, every line
   checked). Writes users/cdb.tmp, fsyncs it, renames it over users/cdb and
   fsyncs users/, so readers see either the old or the new table, never a
   part of one. Two qmail-newu runs at the same time are not protected
   against each other (as in qmail).

   Exit codes: 0 users/cdb replaced; 111 any failure, including bad format
   in users/assign (then users/cdb is left as it was). */
#include <errno.h>
#include <stdio.h> /* rename only */
#include <sys/stat.h>
#include <unistd.h>
#include "assign.h"
#include "auto.h"
#include "cdb_make.h"
#include "diag.h"
#include "fd.h"
#include "readfile.h"
#include "str.h"
#include "stralloc.h"

#define FATAL 111

/* the whole file, which is small: one line per account. It must be a
   regular file (readfile.h): a FIFO there would block qmail-newu. */
static void read_assign(stralloc *sa)
{
  int r = readfile("users/assign", sa, 0);

  if (r == 0) diag_die_sys(FATAL, "unable to open users/assign", (const char *)0);
  if (r == -1) diag_die_sys(FATAL, "unable to read users/assign", (const char *)0);
}

static void die_format(size_t line, const char *why)
{
  char num[FMT_ULONG];
  num[fmt_ulong(num, (unsigned long)line)] = 0;
  unlink("users/cdb.tmp");
  diag_die(FATAL, "bad format in users/assign line ", num, ": ", why,
           "; users/cdb left unchanged", (const char *)0);
}

static void die_write(void)
{
  int e = errno;
  unlink("users/cdb.tmp");
  errno = e;
  diag_die_sys(FATAL, "unable to write users/cdb.tmp", (const char *)0);
}

static void compile(const stralloc *text)
{
  struct cdb_make m;
  size_t line = 0;
  const char *why = 0;
  int fd, r;

  fd = open_trunc("users/cdb.tmp", 0644);
  if (fd == -1) diag_die_sys(FATAL, "unable to create users/cdb.tmp", (const char *)0);
  /* readable by every account that may look addresses up, whatever umask */
  if (fchmod(fd, 0644) == -1) die_write();
  if (cdb_make_start(&m, fd) == -1) die_write();
  r = assign_make(&m, text->s ? text->s : "", text->len, &line, &why);
  if (r == 0) die_format(line, why ? why : "unknown");
  if (r == -1) die_write();
  if (cdb_make_finish(&m) == -1) die_write();
  if (fsync(fd) == -1) die_write();
  if (close(fd) == -1) die_write();
  if (rename("users/cdb.tmp", "users/cdb") == -1) {
    int e = errno;
    unlink("users/cdb.tmp");
    errno = e;
    diag_die_sys(FATAL, "unable to move users/cdb.tmp to users/cdb", (const char *)0);
  }
  if (fsync_dir("users") == -1)
    diag_die_sys(FATAL, "unable to sync users/", (const char *)0);
}

int main(int argc, char **argv)
{
  stralloc text = STRALLOC_ZERO;

  (void)argc;
  (void)argv;
  diag_prog = "qmail-newu";
  umask(022);
  if (chdir(auto_home) == -1)
    diag_die_sys(FATAL, "unable to switch to ", auto_home, (const char *)0);
  read_assign(&text);
  compile(&text);
  return 0;
}
