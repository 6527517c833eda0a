/* libFuzzer harness for inject.c, driven the way qmail-inject drives it:
   CR LF removal (inject_crlf) in pieces, header.c's splitter, inject_field
   for every field, inject_finish. The first input byte chooses the
   QMAILINJECT letters and the recipient mode, the second the piece size;
   the rest is the message. Checks: never out of memory on small input;
   after success the new header is whole fields ending in LF, holds no
   Bcc, Resent-Bcc, Content-Length or Return-Path field, there is at least
   one recipient and every recipient and the sender have an "@" (the
   defaults are set) and no NUL; and processing the new header again gives
   the same header and sender, and the same recipients but those of Bcc
   fields (rewriting is idempotent).
   Run: ./fuzz_inject -max_len=4096 -max_total_time=60 tests/fuzz/corpus/inject */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "header.h"
#include "inject.h"
#include "quote.h"
#include "stralloc.h"

static const char *letters_of(unsigned char b, char *space)
{
  static const char all[] = "csfirm";
  size_t i, n = 0;
  for (i = 0; i < 6; ++i)
    if (b & (1u << i)) space[n++] = all[i];
  space[n] = 0;
  return space;
}

/* feeds in[0..n) in pieces of piece bytes; 1, 0 or -1 as inject_finish
   (a field refused gives 0 too) */
static int process(const struct inject_config *c, const char *in, size_t n, size_t piece,
                   int crlf, stralloc *h, stralloc *sender, stralloc *rcpt)
{
  static stralloc filtered;
  struct inject x;
  struct header hd;
  size_t pos = 0, fpos = 0, used;
  int cr = 0, r, k, eof = 0;

  inject_init(&x, c);
  header_init(&hd);
  filtered.len = 0;
  for (;;) {
    if (fpos == filtered.len && !eof) {
      size_t len = n - pos < piece ? n - pos : piece;
      if (!stralloc_ready(&filtered, len + 1)) abort();
      if (crlf)
        filtered.len = inject_crlf(filtered.s, in + pos, len, &cr);
      else {
        memcpy(filtered.s, in + pos, len);
        filtered.len = len;
      }
      if (len == 0) eof = 1;
      pos += len;
      fpos = 0;
    }
    if (fpos < filtered.len) {
      r = header_feed(&hd, filtered.s + fpos, filtered.len - fpos, &used);
      fpos += used;
    } else if (eof)
      r = header_finish(&hd);
    else
      continue;
    if (r == HEADER_ERROR) abort();
    if (r == HEADER_FIELD) {
      k = inject_field(&x, hd.field.s, hd.field.len, hd.namelen, hd.value, hd.mbox);
      if (k == -1) abort();
      if (k == 0) {
        inject_free(&x);
        header_free(&hd);
        return 0;
      }
    }
    if (r == HEADER_END) break;
  }
  r = inject_finish(&x, h, sender, rcpt);
  if (r == -1) abort();
  inject_free(&x);
  header_free(&hd);
  return r;
}

static int forbidden(const char *name, size_t len)
{
  return header_name_is(name, len, "bcc") || header_name_is(name, len, "resent-bcc") ||
         header_name_is(name, len, "content-length") || header_name_is(name, len, "return-path");
}

/* the same envelope recipient as qmail-inject's repeat check sees it: the
   local part exactly, the domain (after the last '@') without case */
static int same_rcpt(const char *a, const char *b)
{
  const char *x = strrchr(a, '@'), *y = strrchr(b, '@');
  size_t la = x ? (size_t)(x - a) : strlen(a), lb = y ? (size_t)(y - b) : strlen(b);
  if (la != lb || memcmp(a, b, la)) return 0;
  if (!x || !y) return !x && !y;
  return strcasecmp(x, y) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc h1, s1, r1, h2, s2, r2, fsender;
  static char *args[] = { "arg", "Name <x@y>", 0 };
  static const int modes[] = { INJECT_ARGS, INJECT_HEADER, INJECT_EITHER, INJECT_BOTH };
  char space[8];
  struct inject_config c;
  struct header hd;
  size_t piece, pos, used, i;
  int r, verp;

  if (size < 2) return 0;
  memset(&c, 0, sizeof c);
  c.letters = letters_of(data[0], space);
  c.mode = modes[(data[0] >> 6) & 3];
  c.args = args;
  c.nargs = (data[1] & 0x80) ? 2 : 0;
  piece = (data[1] & 0x7f) + 1;
  c.hosts.defaulthost = "dh";
  c.hosts.defaultdomain = "example.com";
  c.hosts.plusdomain = "plus.org";
  c.user = "joe";
  c.name = "Joe \"Q\" (Public)";
  c.date = "1 Jan 2000 00:00:00 -0000";
  c.msgid = "<id@idhost>";
  c.verp = "1.2";
  data += 2;
  size -= 2;

  r = process(&c, (const char *)data, size, piece, 1, &h1, &s1, &r1);
  if (r != 1) return 0;
  if (!r1.len || r1.s[r1.len - 1] != 0) abort();
  for (i = 0; i < r1.len; i += strlen(r1.s + i) + 1)
    if (!strchr(r1.s + i, '@')) abort();
  if (s1.len && (!memchr(s1.s, '@', s1.len) || memchr(s1.s, 0, s1.len))) abort();
  if (!h1.len || h1.s[h1.len - 1] != '\n') abort();

  /* whole fields, none of those that must go */
  header_init(&hd);
  pos = 0;
  for (;;) {
    int k = pos < h1.len ? header_feed(&hd, h1.s + pos, h1.len - pos, &used) : header_finish(&hd);
    if (pos < h1.len) pos += used;
    if (k == HEADER_ERROR) abort();
    if (k == HEADER_FIELD && !hd.mbox && forbidden(hd.field.s, hd.namelen)) abort();
    if (k == HEADER_END) {
      if (hd.end != HEADER_END_INPUT || pos != h1.len) abort();
      break;
    }
  }
  header_free(&hd);

  /* again: the same; the Return-Path is gone, so -f stands for it (the
     VERP letters changed the sender: not compared then) */
  verp = strchr(c.letters, 'r') || strchr(c.letters, 'm');
  c.letters = strchr(c.letters, 's') ? "s" : "";
  fsender.len = 0;
  if (!stralloc_cats(&fsender, "<") || !quote_cataddr(&fsender, s1.s, s1.len) ||
      !stralloc_cats(&fsender, ">") || !stralloc_0(&fsender)) abort();
  c.sender = verp ? "<>" : fsender.s;
  r = process(&c, h1.s, h1.len, h1.len + 1, 0, &h2, &s2, &r2);
  if (r != 1 && !(r == 0 && r2.len == 0)) abort();
  if (r == 0) return 0; /* only Bcc recipients: none left */
  if (h2.len != h1.len || memcmp(h2.s, h1.s, h1.len)) abort();
  /* the recipients of Bcc fields are gone, the rest stay, each once (a
     repeat is dropped where it comes again, so with a Bcc repeat gone the
     order and the spelling of the domain's case may differ) */
  {
    size_t j, k;
    for (i = 0; i < r2.len; i += strlen(r2.s + i) + 1) {
      for (j = 0; j < r1.len && !same_rcpt(r1.s + j, r2.s + i); j += strlen(r1.s + j) + 1) ;
      if (j >= r1.len) abort();
      for (k = 0; k < i; k += strlen(r2.s + k) + 1)
        if (same_rcpt(r2.s + k, r2.s + i)) abort();
    }
  }
  if (!verp && (s2.len != s1.len || memcmp(s2.s, s1.s, s1.len))) abort();
  return 0;
}
