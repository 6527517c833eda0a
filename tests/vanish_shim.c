/* vanish_shim.c: an LD_PRELOAD library for tests/todo-vanish.sh. The first
   queue/todo entry qmail-send opens looks gone from then on (open and stat
   fail with ENOENT), as when a late qmail-clean request of an earlier
   qmail-send removes it between the scan of todo/ and preprocessing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

static char gone[64];

static int vanished(const char *p)
{
  if (strncmp(p, "todo/", 5) != 0) return 0;
  if (!gone[0] && strlen(p) < sizeof gone) strcpy(gone, p);
  return strcmp(p, gone) == 0;
}

static int open_common(const char *name, const char *p, int flags, mode_t mode)
{
  int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
  if (vanished(p)) { errno = ENOENT; return -1; }
  return real(p, flags, mode);
}

int open(const char *p, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  va_start(ap, flags);
  if (flags & O_CREAT) mode = (mode_t)va_arg(ap, int);
  va_end(ap);
  return open_common("open", p, flags, mode);
}

int open64(const char *p, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  va_start(ap, flags);
  if (flags & O_CREAT) mode = (mode_t)va_arg(ap, int);
  va_end(ap);
  return open_common("open64", p, flags, mode);
}

int stat(const char *p, struct stat *st)
{
  int (*real)(const char *, struct stat *) = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "stat");
  if (gone[0] && strcmp(p, gone) == 0) { errno = ENOENT; return -1; }
  return real(p, st);
}
