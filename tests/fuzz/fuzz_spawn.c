/* fuzz_spawn: drives the spawner's request parser (as qmail-lspawn and
   qmail-rspawn read qmail-send's requests, cut into arbitrary chunks) and
   the two report mappings (qmail-remote's r/h/s/K/Z/D stream, qmail-local's
   output) with arbitrary bytes, and checks what comes out: every report
   starts with K, Z or D and holds no NUL, so nothing a child writes can
   forge a second record towards qmail-send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../spawn.h"
#include "../../stralloc.h"

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
      const char *bad = spawn_request_check(&r, 120, 0);
      if (used > n) abort();
      if (!bad) {
        /* a request let through has what the children rely on */
        if (r.slot >= 120) abort();
        if (!spawn_messpath_ok(r.messpath.s, r.messpath.len - 1)) abort();
        if (!memchr(r.recipient.s, '@', r.recipient.len)) abort();
        if (strlen(r.sender.s) != r.sender.len - 1) abort();
        if (strlen(r.recipient.s) != r.recipient.len - 1) abort();
      } else if (bad[0] != 'Z' && bad[0] != 'D') abort();
      spawn_request_reset(&r);
    } else if (used != n) abort();
    pos += used;
  }

  /* qmail-remote's and qmail-local's output */
  code = size ? data[size - 1] : 0;
  if (!spawn_remote_report(&out, 0, 0, s, size, 0)) return 0;
  check_report(&out);
  if (out.len > size + 100) abort(); /* the texts, or a fixed one */
  if (!spawn_remote_report(&out, code & 1, code == 111 ? 111 : 0, s, size, 1)) return 0;
  check_report(&out);
  if (!spawn_local_report(&out, code == 255, code, s, size, size & 1)) return 0;
  check_report(&out);
  if (out.len > 200 + SPAWN_LOCAL_REPORTMAX) abort();
  line.len = 0;
  if (!spawn_report_cat(&line, (unsigned char)code, out.s, out.len)) return 0;
  if (line.len != out.len + 2 || line.s[line.len - 1] != 0) abort();
  if (memchr(line.s + 1, 0, line.len - 2)) abort();
  return 0;
}
