/* sendlog: qmail-send's activity log on descriptor 0 (see sendlog.h). */
#include <errno.h>
#include "buf.h"
#include "error.h"
#include "sendlog.h"
#include "str.h"

static char log_space[8192];
static buf logb = BUF_INIT(buf_unixwrite, 0, log_space, sizeof log_space);

void log_s(const char *s) { buf_puts(&logb, s); }

void log_ul(unsigned long u)
{
  char num[FMT_ULONG];
  buf_put(&logb, num, fmt_ulong(num, u));
}

void log_safe(const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; ++i) {
    char c = s[i];
    if (c == '\n') c = '/';
    else if ((unsigned char)c < 33 || (unsigned char)c > 126 || c == '%') c = '_';
    buf_put(&logb, &c, 1);
  }
}

void log_warn_sys(const char *what, const char *file)
{
  int e = errno;
  log_s("warning: ");
  log_s(what);
  log_s(" ");
  log_safe(file, str_len(file));
  log_s(": ");
  log_s(error_str(e));
  log_s("\n");
  errno = e;
}

void log_flush(void) { buf_flush(&logb); }
