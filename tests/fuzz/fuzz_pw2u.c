/* fuzz_pw2u: qmail-pw2u's table maker on arbitrary input. The first byte
   picks the options; the rest is split at 0xff bytes into the password
   file, users/include, users/exclude, users/mailnames, users/subusers and
   users/append (a part that is not there is a file that does not exist).
   Homes are judged from their first byte. Checks: a failure says why, and
   a table made without users/append (copied verbatim) is one that
   qmail-newu accepts, every line of it, ending with the "." line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "assign.h"
#include "pw2u.h"

static int fake_home(void *ctx, const char *home, uid_t uid)
{
  (void)ctx;
  switch (home[0] & 7) {
  case 0: return PW2U_HOME_MISSING;
  case 1: return uid & 1 ? PW2U_HOME_OK : PW2U_HOME_NOTOWNED;
  case 2: return -1;
  default: return PW2U_HOME_OK;
  }
}

static void fake_warn(void *ctx, size_t lineno, const char *why)
{
  (void)ctx;
  if (!lineno || !why) abort();
}

static int count_line(void *ctx, const struct assign_line *a)
{
  (void)a;
  ++*(size_t *)ctx;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char breaks[4] = { '-', '.', '=', 0 };
  struct pw2u_config c;
  struct pw2u_error err;
  struct pw2u_file part[6];
  stralloc out = STRALLOC_ZERO;
  const char *s = (const char *)data;
  size_t i, k, start, lines = 0;
  unsigned flags;
  int r;

  if (!size) return 0;
  flags = data[0];
  memset(&c, 0, sizeof c);
  c.breakchar = breaks[flags & 3];
  c.dash = flags & 4 ? "-/" : "-";
  c.allow_upper = !!(flags & 8);
  c.home_policy = (flags >> 4) % 3;
  c.alias = flags & 0x80 ? "a" : "alias";
  c.home = fake_home;
  c.warn = fake_warn;

  memset(part, 0, sizeof part);
  for (k = 0, start = 1, i = 1; i <= size && k < 6; i++) {
    if (i < size && data[i] != 0xff) continue;
    part[k].s = s + start;
    part[k].len = i - start;
    k++;
    start = i + 1;
  }
  c.include = part[1];
  c.exclude = part[2];
  c.mailnames = part[3];
  c.subusers = part[4];
  c.append = part[5];

  r = pw2u_run(&c, part[0].s ? part[0].s : "", part[0].len, &out, &err);
  if (r == 0 && !err.why) abort();
  if (r == 1) {
    if (out.len < 2 || memcmp(out.s + out.len - 2, ".\n", 2)) abort();
    if (!c.append.s) {
      size_t line = 0;
      const char *why = NULL;
      if (assign_parse(out.s, out.len, count_line, &lines, &line, &why) != 1) abort();
      /* the "." line is the last one */
      if (memchr(out.s, '\n', out.len) != NULL) {
        size_t newlines = 0;
        for (i = 0; i < out.len; i++) newlines += out.s[i] == '\n';
        if (newlines != lines + 1) abort();
      }
    }
  }
  stralloc_free(&out);
  return 0;
}
