/* fuzz_smtp: qmail-smtpd's parsers on arbitrary bytes: the MAIL/RCPT
   argument (smtpaddr_parse, the canonical form, the parameters) and the
   DATA state machine. The first byte chooses where the input is split; the
   DATA result must not depend on the split, the message must never hold a
   CR (every line end became LF, any other CR refused), and it is never
   longer than the input; no parsed address holds a control byte. Aborts
   when an invariant breaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtpaddr.h"
#include "smtpdata.h"
#include "stralloc.h"

static void check(int ok)
{
  if (!ok) abort();
}

static int emit(void *ctx, const char *s, size_t n)
{
  return stralloc_catb((stralloc *)ctx, s, n) ? 0 : -1;
}

static int run(const char *s, size_t n, size_t split, stralloc *out, size_t *used,
               unsigned long *hops)
{
  struct smtpdata d;
  size_t u1 = 0, u2 = 0;
  int r;

  out->len = 0;
  smtpdata_start(&d);
  r = smtpdata_feed(&d, s, split, &u1, emit, out);
  if (r == SMTPDATA_MORE) {
    r = smtpdata_feed(&d, s + split, n - split, &u2, emit, out);
    u1 += u2;
  }
  check(d.bytes == out->len);
  *used = u1;
  *hops = d.hops;
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc a, b, addr;
  const char *s;
  size_t n, split, ua, ub, params, pos;
  unsigned long ha, hb;
  int ra, rb, r;

  if (size < 1) return 0;
  split = data[0];
  s = (const char *)data + 1;
  n = size - 1;
  if (split > n) split = n;

  r = smtpaddr_parse(s, n, &addr, &params);
  check(r == 0 || r == 1);
  if (r == 1) {
    const char *k, *v;
    size_t kl, vl, count = 0;
    int hv;
    check(params <= n && addr.len <= n);
    for (pos = 0; pos < addr.len; pos++)
      check((unsigned char)addr.s[pos] >= 32 && addr.s[pos] != 127);
    pos = params;
    while (smtpaddr_param(s, n, &pos, &k, &kl, &v, &vl, &hv)) {
      check(k >= s && k + kl <= s + n && v + vl <= s + n);
      check(++count <= n);
    }
    if (smtpaddr_canon(&addr) && addr.len) {
      size_t i, at = 0;
      for (i = 0; i < addr.len; i++) if (addr.s[i] == '@') at = i + 1;
      if (at) {
        check(addr.len > at && addr.s[addr.len - 1] != '.');
        for (i = at; i < addr.len; i++) check(!(addr.s[i] >= 'A' && addr.s[i] <= 'Z'));
      }
    }
  }

  ra = run(s, n, split, &a, &ua, &ha);
  rb = run(s, n, n, &b, &ub, &hb);
  check(ra == rb);
  if (ra == SMTPDATA_END || ra == SMTPDATA_MORE) {
    check(a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0));
    check(ua == ub && ha == hb);
    check(a.len <= n);
    check(a.len == 0 || memchr(a.s, '\r', a.len) == 0);
  }
  return 0;
}
