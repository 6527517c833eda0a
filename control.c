/* control: control files, read whole into memory and parsed by the same
   buffer parsers the fuzz harness drives. Semantics follow qmail:
     line: first line, trailing space/tab/CR/LF removed, leading space kept;
     int:  unsigned decimal prefix of that line, none (or overflow) = absent;
     list: every line, trailing whitespace removed, empty lines and lines
           beginning with '#' skipped.
   A missing file (ENOENT) is "absent"; every other failure is an error the
   caller treats as temporary. A control file must be a regular file (a
   symlink to one is fine): a FIFO, socket or device is an error (EINVAL,
   EISDIR for a directory) and is never read, so it cannot block the
   reader; see readfile.h. */
#include <errno.h>
#include "control.h"
#include "readfile.h"
#include "str.h"
#include "stralloc.h"

static int is_trailing_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t strip_trailing(const char *s, size_t n)
{
  while (n > 0 && is_trailing_space(s[n - 1])) --n;
  return n;
}

int control_parseline(stralloc *out, const char *buf, size_t len)
{
  size_t end = byte_chr(buf, len, '\n');

  end = strip_trailing(buf, end);
  return stralloc_copyb(out, buf, end) ? 1 : -1;
}

int control_parselist(stralloc *out, const char *buf, size_t len)
{
  size_t oldlen = out->len;
  size_t pos = 0;

  while (pos < len) {
    size_t n = byte_chr(buf + pos, len - pos, '\n');
    size_t keep = strip_trailing(buf + pos, n);
    if (keep && buf[pos] != '#') {
      if (!stralloc_catb(out, buf + pos, keep) || !stralloc_0(out)) {
        out->len = oldlen;
        return -1;
      }
    }
    pos += n;
    if (pos < len) ++pos; /* the '\n' */
  }
  return 1;
}

int control_readline(stralloc *out, const char *fn)
{
  stralloc file = STRALLOC_ZERO;
  int r = readfile(fn, &file, 0);
  int e;

  if (r == 1) r = control_parseline(out, file.s, file.len);
  e = errno;
  stralloc_free(&file);
  errno = e;
  return r;
}

int control_rldef(stralloc *out, const char *fn, const stralloc *me, const char *def)
{
  int r = control_readline(out, fn);

  if (r) return r;
  if (me && me->len) return stralloc_copy(out, me) ? 1 : -1;
  if (def) return stralloc_copys(out, def) ? 1 : -1;
  out->len = 0;
  return 0;
}

int control_readint(unsigned long *u, const char *fn)
{
  stralloc line = STRALLOC_ZERO;
  unsigned long v;
  int r = control_readline(&line, fn);
  int e;

  if (r == 1) {
    if (scan_ulong(line.s, line.len, &v)) *u = v;
    else r = 0;
  }
  e = errno;
  stralloc_free(&line);
  errno = e;
  return r;
}

int control_readlist(stralloc *out, const char *fn)
{
  stralloc file = STRALLOC_ZERO;
  int r = readfile(fn, &file, 0);
  int e;

  if (r == 1) r = control_parselist(out, file.s, file.len);
  e = errno;
  stralloc_free(&file);
  errno = e;
  return r;
}
