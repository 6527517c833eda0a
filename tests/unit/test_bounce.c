/* test_bounce: the failure notice's text around the paragraphs. Envelope
   addresses come from outside: none may add a header line. */
#include "check.h"
#include "../../bounce.h"
#include "../../stralloc.h"

static void test_header_injection(void)
{
  stralloc out = STRALLOC_ZERO;
  struct bounce_head h = { 0, "MAILER-DAEMON", "example.org", "a\nBcc: victim@x@evil", "a\nBcc: victim@x@evil", 0 };
  CHECK(bounce_head_text(&out, &h) == 1);
  stralloc_0(&out);
  CHECK(strstr(out.s, "\nBcc:") == 0);
  CHECK(strstr(out.s, "\nTo: \"a_Bcc: victim@x\"@evil\n") != 0);
  out.len = 0;
  CHECK(bounce_tail_text(&out, &h) == 1);
  stralloc_0(&out);
  CHECK(strstr(out.s, "\nBcc:") == 0);
  CHECK(strstr(out.s, "Return-Path: <\"a_Bcc: victim@x\"@evil>\n") != 0);
  stralloc_free(&out);
}

/* Return-Path is quoted as qmail-local's RPLINE: "a b@x" is valid */
static void test_return_path(void)
{
  stralloc out = STRALLOC_ZERO;
  struct bounce_head h = { 0, "MAILER-DAEMON", "example.org", "a b@x", "a b@x", 0 };
  CHECK(bounce_tail_text(&out, &h) == 1);
  stralloc_0(&out);
  CHECK_STR(out.s, "--- Below this line is a copy of the message.\n\nReturn-Path: <\"a b\"@x>\n");
  out.len = 0;
  h.sender = "";
  h.double_bounce = 1;
  CHECK(bounce_tail_text(&out, &h) == 1);
  stralloc_0(&out);
  CHECK_STR(out.s, "--- Below this line is the original bounce.\n\nReturn-Path: <>\n");
  out.len = 0;
  h.sender = "plain@x";
  h.to = "postmaster@example.org";
  CHECK(bounce_head_text(&out, &h) == 1);
  stralloc_0(&out);
  CHECK(strstr(out.s, "\nTo: postmaster@example.org\nSubject: failure notice\n\nHi. This is the qmail-send program at example.org.\nA failure notice") != 0);
  stralloc_free(&out);
}

int main(void)
{
  RUN(test_header_injection);
  RUN(test_return_path);
  return check_exit("test_bounce");
}
