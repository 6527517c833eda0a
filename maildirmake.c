/* maildirmake: makes a new, empty Maildir.

     maildirmake directory

   Creates directory and in it tmp, new and cur, each mode 0700 whatever
   the umask. The directory must not exist yet: an existing one is an
   error (as qmail's maildirmake), so that nothing already there is
   silently taken for a Maildir; a failure part way leaves what was made.
   The subdirectories are made relative to a descriptor of the new
   directory opened without following symbolic links, so a rename of the
   path meanwhile cannot send them elsewhere. Both the new directory and
   its parent are fsync'd before success is reported.

   Runs as: whoever runs it (the Maildir's owner).
   Exit codes: 0 made; 100 usage; 111 any failure, an existing directory
   included (qmail's code for it). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "diag.h"
#include "error.h"
#include "str.h"
#include "stralloc.h"

int main(int argc, char **argv)
{
  static const char *const sub[] = { "tmp", "new", "cur" };
  const char *dir;
  stralloc parent = STRALLOC_ZERO;
  size_t slash, len;
  int fd, fdparent, i;

  diag_prog = "maildirmake";
  if (argc != 2 || !*argv[1]) diag_die(100, "usage: maildirmake directory", (char *)0);
  dir = argv[1];
  umask(077);
  if (mkdir(dir, 0700) == -1) diag_die_sys(111, "unable to mkdir ", dir, (char *)0);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) diag_die_sys(111, "unable to open ", dir, (char *)0);
  for (i = 0; i < 3; ++i)
    if (mkdirat(fd, sub[i], 0700) == -1)
      diag_die_sys(111, "unable to mkdir ", dir, "/", sub[i], (char *)0);
  if (fsync(fd) == -1) diag_die_sys(111, "unable to fsync ", dir, (char *)0);
  close(fd);

  /* the parent: dir without trailing slashes and its last component */
  len = str_len(dir);
  while (len > 1 && dir[len - 1] == '/') --len;
  slash = byte_rchr(dir, len, '/');
  if (slash == len) {
    if (!stralloc_copys(&parent, ".")) diag_die_sys(111, "out of memory", (char *)0);
  } else if (!stralloc_copyb(&parent, dir, slash ? slash : 1)) {
    diag_die_sys(111, "out of memory", (char *)0);
  }
  if (!stralloc_0(&parent)) diag_die_sys(111, "out of memory", (char *)0);
  fdparent = open(parent.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fdparent == -1 || fsync(fdparent) == -1)
    diag_die_sys(111, "unable to fsync ", parent.s, (char *)0);
  close(fdparent);
  return 0;
}
