/* diag: the one diagnostics grammar, "PROG: fatal: ...\n", written to fd 2
   with a single write(2) so lines from concurrent processes do not mix
   (diag_die_report: the same without "PROG: fatal: "). If memory runs out
   the pieces are written one by one instead. */
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include "diag.h"
#include "error.h"
#include "str.h"
#include "stralloc.h"

const char *diag_prog = 0;

static void writeall(const char *s, size_t n)
{
  while (n) {
    ssize_t w = write(2, s, n);
    if (w == -1) {
      if (errno == EINTR) continue;
      return;
    }
    if (w == 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* kind NULL: the pieces alone, without "PROG: kind" before them */
static void emit(const char *kind, const char *first, va_list ap, int sys, int e)
{
  stralloc line = STRALLOC_ZERO;
  const char *prog = diag_prog ? diag_prog : "qmail";
  const char *reason = sys ? error_str(e) : 0;
  const char *s;
  va_list aq;
  int ok = 1;

  va_copy(aq, ap);
  if (kind)
    ok = stralloc_cats(&line, prog) && stralloc_cats(&line, ": ") &&
         stralloc_cats(&line, kind);
  for (s = first; ok && s; s = va_arg(aq, const char *))
    ok = stralloc_cats(&line, s);
  va_end(aq);
  if (ok && sys) ok = stralloc_cats(&line, ": ") && stralloc_cats(&line, reason);
  if (ok) ok = stralloc_append(&line, '\n');
  if (ok) {
    writeall(line.s, line.len);
  } else {
    if (kind) {
      writeall(prog, str_len(prog));
      writeall(": ", 2);
      writeall(kind, str_len(kind));
    }
    for (s = first; s; s = va_arg(ap, const char *)) writeall(s, str_len(s));
    if (sys) { writeall(": ", 2); writeall(reason, str_len(reason)); }
    writeall("\n", 1);
  }
  stralloc_free(&line);
}

void diag_warn(const char *s, ...)
{
  int e = errno;
  va_list ap;

  va_start(ap, s);
  emit("warning: ", s, ap, 0, e);
  va_end(ap);
  errno = e;
}

void diag_warn_sys(const char *s, ...)
{
  int e = errno;
  va_list ap;

  va_start(ap, s);
  emit("warning: ", s, ap, 1, e);
  va_end(ap);
  errno = e;
}

void diag_die(int code, const char *s, ...)
{
  int e = errno;
  va_list ap;

  va_start(ap, s);
  emit("fatal: ", s, ap, 0, e);
  va_end(ap);
  _exit(code);
}

void diag_die_sys(int code, const char *s, ...)
{
  int e = errno;
  va_list ap;

  va_start(ap, s);
  emit("fatal: ", s, ap, 1, e);
  va_end(ap);
  _exit(code);
}

void diag_die_report(int code, const char *s, ...)
{
  int e = errno;
  va_list ap;

  va_start(ap, s);
  emit(0, s, ap, 0, e);
  va_end(ap);
  _exit(code);
}
