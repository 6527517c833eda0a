/* fuzz_smtpreply: qmail-remote's reply parser and body encoder on
   arbitrary bytes. The input, split at LF, is fed to smtpreply_line as the
   lines of replies; the kept text never exceeds the cap, never holds a
   byte outside 0x20-0x7e but LF, a DONE reply has a code from 200 to 559
   whose every line starts with it; the EHLO parser runs on every text.
   The same bytes as a message body: the wire form never holds CR LF "."
   CR LF but at its very end, every CR is followed by LF and every LF
   preceded by CR. Aborts when an invariant breaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtpbody.h"
#include "smtpreply.h"
#include "stralloc.h"

static void check(int ok)
{
  if (!ok) abort();
}

static void replies(const char *s, size_t n)
{
  static struct smtpreply r = SMTPREPLY_ZERO;
  size_t i = 0;

  smtpreply_start(&r);
  while (i < n) {
    size_t e = i, k;
    int res;
    while (e < n && s[e] != '\n') e++;
    res = smtpreply_line(&r, s + i, e - i);
    check(res != SMTPREPLY_NOMEM);
    check(r.text.len <= SMTPREPLY_TEXT_MAX);
    for (k = 0; k < r.text.len; k++)
      check(r.text.s[k] == '\n' || (r.text.s[k] >= 0x20 && r.text.s[k] <= 0x7e));
    if (res == SMTPREPLY_DONE) {
      struct smtpreply_ehlo ex;
      check(r.code >= 200 && r.code <= 559);
      check(r.text.len >= 3 && (unsigned)(r.text.s[0] - '0') == r.code / 100);
      for (k = 0; k + 1 < r.text.len; k++)
        if (r.text.s[k] == '\n' && k + 3 < r.text.len)
          check((unsigned)(r.text.s[k + 1] - '0') == r.code / 100);
      smtpreply_ehlo(r.text.s, r.text.len, &ex);
    }
    if (res != SMTPREPLY_MORE) smtpreply_start(&r);
    i = e + 1;
  }
}

static void body(const char *s, size_t n)
{
  static stralloc o = STRALLOC_ZERO;
  struct smtpbody b;
  size_t k, half = n / 2;

  o.len = 0;
  smtpbody_start(&b);
  check(smtpbody_feed(&b, &o, s, half));
  check(smtpbody_feed(&b, &o, s + half, n - half));
  check(smtpbody_end(&b, &o));
  check(o.len >= 3 && !memcmp(o.s + o.len - 3, ".\r\n", 3));
  for (k = 0; k < o.len; k++) {
    if (o.s[k] == '\r') check(k + 1 < o.len && o.s[k + 1] == '\n');
    if (o.s[k] == '\n') check(k > 0 && o.s[k - 1] == '\r');
    if (k + 5 <= o.len && !memcmp(o.s + k, "\r\n.\r\n", 5)) check(k + 5 == o.len);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  replies((const char *)data, size);
  body((const char *)data, size);
  return 0;
}
