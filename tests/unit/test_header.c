/* Unit tests for header.c: fields, folding, the end of the header (empty
   line, CRLF empty line, a line that is not a field, end of input), the
   mbox "From " line, a 1 MB field, and chunking invariance: every way of
   cutting the input gives the same transcript. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "header.h"
#include "stralloc.h"

/* feeds s[0..n) in pieces of chunk bytes (0: whole) and writes what came
   out to t: "name|value|mbox\n" per field, then "END k used N rest R" */
static void transcript(stralloc *t, const char *s, size_t n, size_t chunk)
{
  struct header h;
  size_t pos = 0;
  int r = HEADER_MORE;

  t->len = 0;
  header_init(&h);
  for (;;) {
    size_t len = chunk ? chunk : n - pos, used;
    if (pos < n) {
      if (len > n - pos) len = n - pos;
      r = header_feed(&h, s + pos, len, &used);
      pos += used;
    } else
      r = header_finish(&h);
    if (r == HEADER_FIELD) {
      stralloc_catb(t, h.field.s, h.namelen);
      stralloc_append(t, '|');
      stralloc_catb(t, h.field.s + h.value, h.field.len - h.value);
      stralloc_append(t, '|');
      stralloc_append(t, (char)('0' + h.mbox));
      stralloc_append(t, '\n');
    } else if (r == HEADER_END) {
      stralloc_cats(t, "END ");
      stralloc_catulong(t, (unsigned long)h.end);
      stralloc_cats(t, " used ");
      stralloc_catulong(t, (unsigned long)pos);
      stralloc_cats(t, " rest ");
      stralloc_catb(t, h.field.s, h.field.len);
      break;
    } else if (r != HEADER_MORE) {
      stralloc_cats(t, "ERROR");
      break;
    }
  }
  header_free(&h);
}

static void expect(const char *s, const char *want)
{
  stralloc t = STRALLOC_ZERO;
  size_t chunks[] = { 0, 1, 2, 3, 7 };
  size_t k;

  for (k = 0; k < sizeof chunks / sizeof chunks[0]; ++k) {
    transcript(&t, s, strlen(s), chunks[k]);
    CHECK_MEM(t.s, t.len, want, strlen(want));
    if (t.len != strlen(want) || memcmp(t.s, want, t.len))
      fprintf(stdout, "    input %s chunk %zu got:\n%.*s\n", s, chunks[k], (int)t.len, t.s);
  }
  stralloc_free(&t);
}

static void test_fields(void)
{
  expect("Subject: hi\nTo: a@b\n\nbody\n",
         "Subject| hi|0\nTo| a@b|0\nEND 1 used 21 rest ");
  /* folding kept, name spaces before the colon, empty value */
  expect("Subject: a\n  b\n\tc\nX-Empty:\nName  \t: v\n\n",
         "Subject| a\n  b\n\tc|0\nX-Empty||0\nName| v|0\nEND 1 used 39 rest ");
  /* CR kept in values; a CR LF line ends the header */
  expect("A: 1\r\nB: 2\r\n\r\nbody",
         "A| 1\r|0\nB| 2\r|0\nEND 1 used 14 rest ");
  /* RFC 5322 A.1.1 */
  expect("From: John Doe <jdoe@machine.example>\nTo: Mary Smith <mary@example.net>\n"
         "Subject: Saying Hello\nDate: Fri, 21 Nov 1997 09:55:06 -0600\n"
         "Message-ID: <1234@local.machine.example>\n\nThis is a message just to say hello.\n",
         "From| John Doe <jdoe@machine.example>|0\nTo| Mary Smith <mary@example.net>|0\n"
         "Subject| Saying Hello|0\nDate| Fri, 21 Nov 1997 09:55:06 -0600|0\n"
         "Message-ID| <1234@local.machine.example>|0\nEND 1 used 174 rest ");
}

static void test_end(void)
{
  /* a line that is not a field ends the header; its start is handed back */
  expect("A: 1\nnot a field\nB: 2\n", "A| 1|0\nEND 2 used 9 rest not ");
  expect("A: 1\nnocolon\n", "A| 1|0\nEND 2 used 12 rest nocolon");
  expect("A: 1\n: x\n", "A| 1|0\nEND 2 used 5 rest ");
  expect("A: 1\n\x01x: y\n", "A| 1|0\nEND 2 used 5 rest ");
  expect("A: 1\n\rX: y\n", "A| 1|0\nEND 2 used 6 rest \r");
  /* a continuation of nothing */
  expect(" A: 1\n", "END 2 used 0 rest ");
  /* end of input: with and without a final LF, inside a name */
  expect("A: 1\nB: 2", "A| 1|0\nB| 2|0\nEND 3 used 9 rest ");
  expect("A: 1\n", "A| 1|0\nEND 3 used 5 rest ");
  expect("", "END 3 used 0 rest ");
  expect("A: 1\nSubject", "A| 1|0\nEND 2 used 12 rest Subject");
  /* folded then empty line */
  expect("A: 1\n 2\n\n", "A| 1\n 2|0\nEND 1 used 9 rest ");
  /* 8-bit bytes are fine in values, not in names */
  expect("A: \xc3\xa9\n\xc3: x\n", "A| \xc3\xa9|0\nEND 2 used 6 rest ");
}

static void test_mbox(void)
{
  expect("From someone@example.com Thu Jan  1 00:00:00 1970\nTo: x\n\n",
         "From|someone@example.com Thu Jan  1 00:00:00 1970|1\nTo| x|0\nEND 1 used 57 rest ");
  /* "From :" is a field; "From " later is not a field line */
  expect("From : a\n\n", "From| a|0\nEND 1 used 10 rest ");
  expect("To: x\nFrom y\n", "To| x|0\nEND 2 used 11 rest From ");
  expect("From \n\n", "From||1\nEND 1 used 7 rest ");
}

static void test_names(void)
{
  CHECK(header_name_is("Resent-To", 9, "resent-to"));
  CHECK(header_name_is("TO", 2, "to"));
  CHECK(!header_name_is("To", 2, "tox"));
  CHECK(!header_name_is("Tox", 3, "to"));
  CHECK(header_name_is("", 0, ""));
}

static void test_long(void)
{
  size_t n = 1024 * 1024, i;
  char *s = malloc(n + 32);
  struct header h;
  size_t used, pos = 0;
  int r, fields = 0;

  memcpy(s, "Subject: ", 9);
  for (i = 9; i < n; ++i) s[i] = (i % 80 == 0) ? '\n' : (i % 80 == 1 ? ' ' : 'x');
  memcpy(s + n, "\nTo: y\n\nbody", 12);
  header_init(&h);
  for (;;) {
    r = header_feed(&h, s + pos, n + 12 - pos, &used);
    pos += used;
    if (r == HEADER_FIELD) {
      if (fields == 0) CHECK(h.field.len == n);
      ++fields;
    } else
      break;
  }
  CHECK(r == HEADER_END);
  CHECK(fields == 2);
  CHECK(h.end == HEADER_END_BLANK);
  CHECK(pos == n + 8);
  /* finished: nothing more consumed */
  CHECK(header_feed(&h, "X: y\n", 5, &used) == HEADER_END && used == 0);
  CHECK(header_finish(&h) == HEADER_END);
  header_free(&h);
  free(s);
}

int main(void)
{
  RUN(test_fields);
  RUN(test_end);
  RUN(test_mbox);
  RUN(test_names);
  RUN(test_long);
  return check_exit("test_header");
}
