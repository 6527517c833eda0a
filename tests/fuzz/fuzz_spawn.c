/* fuzz_spawn: drives the spawner's request parser (as qmail-lspawn and
   qmail-rspawn read qmail-send's requests, cut into arbitrary chunks) and
   the two report mappings (qmail-remote's r/h/s/K/Z/D stream, qmail-local's
   output) with arbitrary bytes, and checks what comes out: exactly one
   item per recipient, each starting with K, Z or D and ending in its only
   NUL, so nothing a child writes can forge a record towards qmail-send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../spawn.h"
#include "../../stralloc.h"

/* exactly n items, each starting with K, Z or D and ending in its NUL */
static void check_items(const stralloc *sa, unsigned int n)
{
  size_t pos = 0;
  unsigned int k;
  for (k = 0; k < n; ++k) {
    const char *end;
    if (pos >= sa->len) abort();
    if (sa->s[pos] != 'K' && sa->s[pos] != 'Z' && sa->s[pos] != 'D') abort();
    end = memchr(sa->s + pos, 0, sa->len - pos);
    if (!end) abort();
    pos = (size_t)(end - sa->s) + 1;
  }
  if (pos != sa->len) abort();
}

static void check_report(const stralloc *sa)
{
  if (!sa->len) abort();
  if (sa->s[0] != 'K' && sa->s[0] != 'Z' && sa->s[0] != 'D') abort();
  if (memchr(sa->s, 0, sa->len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct spawn_request r = SPAWN_REQUEST_ZERO;
  static stralloc out = STRALLOC_ZERO;
  static stralloc line = STRALLOC_ZERO;
  const char *s = (const char *)data;
  size_t pos = 0, step;
  int code;

  /* requests, in chunks whose size the first byte chooses */
  step = size ? (size_t)data[0] % 17 + 1 : 1;
  spawn_request_reset(&r);
  while (pos < size) {
    size_t n = size - pos < step ? size - pos : step;
    size_t used = 0;
    if (spawn_request_feed(&r, s + pos, n, &used)) {
      const char *bad = spawn_request_check(&r, 300, 0, 4);
      if (used > n) abort();
      if (!bad) {
        /* a request let through has what the children rely on */
        size_t p = 0;
        unsigned int k = 0;
        if (r.slot >= 300) abort();
        if (!spawn_messpath_ok(r.messpath.s, r.messpath.len - 1)) abort();
        if (strlen(r.sender.s) != r.sender.len - 1) abort();
        if (r.nrcpt < 1 || r.nrcpt > 4) abort();
        while (p < r.recipients.len) {
          size_t l = strlen(r.recipients.s + p);
          if (!l || !memchr(r.recipients.s + p, '@', l)) abort();
          p += l + 1;
          ++k;
        }
        if (p != r.recipients.len || k != r.nrcpt) abort();
      } else if (bad[0] != 'Z' && bad[0] != 'D') abort();
      spawn_request_reset(&r);
    } else if (used != n) abort();
    pos += used;
  }

  /* qmail-remote's and qmail-local's output */
  code = size ? data[size - 1] : 0;
  if (!spawn_remote_report(&out, 1, 0, 0, s, size, 0)) return 0;
  check_items(&out, 1);
  if (out.len > 2 * size + 100) abort(); /* the texts, or a fixed one */
  if (!spawn_remote_report(&out, (unsigned int)(code % 5) + 1, code & 1, code == 111 ? 111 : 0, s, size, 1)) return 0;
  check_items(&out, (unsigned int)(code % 5) + 1);
  if (!spawn_local_report(&out, code == 255, code, s, size, size & 1)) return 0;
  check_report(&out);
  if (out.len > 200 + SPAWN_LOCAL_REPORTMAX) abort();
  line.len = 0;
  if (!spawn_report_cat(&line, (unsigned int)code * 3, 1, out.s, out.len)) return 0;
  if (line.len != out.len + 3 || line.s[line.len - 1] != 0) abort();
  if (memchr(line.s + 2, 0, line.len - 3)) abort();
  line.len = 0;
  if (!spawn_report_cat(&line, 1, 3, s, size)) return 0;
  if (line.len < 2 + 6) abort();
  return 0;
}
