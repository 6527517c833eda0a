/* qmail-newmrh: compiles control/morercpthosts into
   control/morercpthosts.cdb, the form of the rcpthosts list that
   qmail-smtpd reads when the list is too long to scan.

   Runs as root (control/ is root's), from any directory: it changes to the
   qmail home first. The list is read as every control list (blank lines and
   lines starting with '#' skipped, trailing white space removed); each
   entry is lowercased and becomes a key with empty data. Writes
   control/morercpthosts.tmp (0644), fsyncs it, renames it over
   control/morercpthosts.cdb and fsyncs control/, so a reader sees the old
   table or the new one; two runs at the same time are not protected
   against each other (as in qmail).

   Exit codes: 0 control/morercpthosts.cdb replaced; 111 any failure
   (control/morercpthosts missing or unreadable included), the old table
   then left as it was. */
#include <errno.h>
#include <stdio.h> /* rename only */
#include <sys/stat.h>
#include <unistd.h>
#include "auto.h"
#include "cdb_make.h"
#include "control.h"
#include "diag.h"
#include "fd.h"
#include "str.h"
#include "stralloc.h"

#define FATAL 111
#define SOURCE "control/morercpthosts"
#define TMP "control/morercpthosts.tmp"
#define TARGET "control/morercpthosts.cdb"

static void die_write(void)
{
  int e = errno;
  unlink(TMP);
  errno = e;
  diag_die_sys(FATAL, "unable to write " TMP, (const char *)0);
}

int main(int argc, char **argv)
{
  stralloc list = STRALLOC_ZERO;
  struct cdb_make m;
  size_t pos, n;
  int fd, r;

  (void)argc;
  (void)argv;
  diag_prog = "qmail-newmrh";
  umask(022);
  if (chdir(auto_home) == -1)
    diag_die_sys(FATAL, "unable to switch to ", auto_home, (const char *)0);
  r = control_readlist(&list, SOURCE);
  if (r == 0) diag_die(FATAL, "unable to read " SOURCE ": file does not exist", (const char *)0);
  if (r == -1) diag_die_sys(FATAL, "unable to read " SOURCE, (const char *)0);

  fd = open_trunc(TMP, 0644);
  if (fd == -1) diag_die_sys(FATAL, "unable to create " TMP, (const char *)0);
  /* readable by qmaild whatever the umask */
  if (fchmod(fd, 0644) == -1) die_write();
  if (cdb_make_start(&m, fd) == -1) die_write();
  for (pos = 0; pos < list.len; pos += n + 1) {
    char *e = list.s + pos;
    n = byte_chr(e, list.len - pos, '\0');
    if (n == list.len - pos) break;
    case_lowerb(e, n);
    if (cdb_make_add(&m, e, n, "", 0) == -1) {
      cdb_make_free(&m);
      die_write();
    }
  }
  if (cdb_make_finish(&m) == -1) die_write();
  if (fsync(fd) == -1) die_write();
  if (close(fd) == -1) die_write();
  if (rename(TMP, TARGET) == -1) {
    int e = errno;
    unlink(TMP);
    errno = e;
    diag_die_sys(FATAL, "unable to move " TMP " to " TARGET, (const char *)0);
  }
  if (fsync_dir("control") == -1) diag_die_sys(FATAL, "unable to sync control/", (const char *)0);
  stralloc_free(&list);
  return 0;
}
