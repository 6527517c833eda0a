/* control: control files, read whole into memory and parsed by the same
   buffer parsers the fuzz harness drives. Semantics follow qmail:
     line: first line, trailing space/tab/CR/LF removed, leading space kept;
     int:  unsigned decimal prefix of that line, none (or overflow) = absent;
     list: every line, trailing whitespace removed, empty lines and lines
           beginning with '#' skipped.
   A missing file (ENOENT) is "absent"; every other failure is an error the
   caller treats as temporary. */
#include <errno.h>
#include <unistd.h>
#include "control.h"
#include "fd.h"
#include "str.h"
#include "stralloc.h"

#define READ_CHUNK 4096

static int is_trailing_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t strip_trailing(const char *s, size_t n)
{
  while (n > 0 && is_trailing_space(s[n - 1])) --n;
  return n;
}

/* 1 read into sa (replacing its contents), 0 ENOENT, -1 error */
static int slurp(stralloc *sa, const char *fn)
{
  int fd = open_read(fn);

  if (fd == -1) return errno == ENOENT ? 0 : -1;
  sa->len = 0;
  for (;;) {
    ssize_t r;
    if (!stralloc_readyplus(sa, READ_CHUNK)) goto fail;
    do r = read(fd, sa->s + sa->len, sa->a - sa->len);
    while (r == -1 && errno == EINTR);
    if (r == -1) goto fail;
    if (r == 0) break;
    sa->len += (size_t)r;
  }
  close(fd);
  return 1;
fail:
  {
    int e = errno;
    close(fd);
    errno = e;
  }
  return -1;
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
  int r = slurp(&file, fn);

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
  int r = slurp(&file, fn);

  int e;

  if (r == 1) r = control_parselist(out, file.s, file.len);
  e = errno;
  stralloc_free(&file);
  errno = e;
  return r;
}
