/* Unit tests for inject.c (qmail-inject's header work) and msgid.c: the
   fields added and removed, address rewriting in place (groups, comments,
   quoted strings, folding, 8-bit kept), resent messages, the envelope
   sender and its VERP letters, the recipient modes, Mail-Followup-To, the
   personal name quoted, CR LF removal across pieces, and the Message-ID
   format. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "header.h"
#include "inject.h"
#include "msgid.h"
#include "stralloc.h"

static struct inject_config base(void)
{
  struct inject_config c;
  memset(&c, 0, sizeof c);
  c.mode = INJECT_EITHER;
  c.hosts.defaulthost = "dh";
  c.hosts.defaultdomain = "example.com";
  c.hosts.plusdomain = "plus.org";
  c.user = "joe";
  c.host = 0;
  c.date = "1 Jan 2000 00:00:00 -0000";
  c.msgid = "<id@idhost>";
  c.verp = "946684800.42";
  return c;
}

static stralloc header, sender, rcpt, err, rcptlist;

/* runs the message header in through inject; returns inject_finish's
   result; header, sender (NUL-terminated) and rcptlist ("a b c") filled */
static int run(const struct inject_config *c, const char *in)
{
  struct inject x;
  struct header h;
  size_t used, pos = 0, n = strlen(in), i;
  int r, k;

  inject_init(&x, c);
  header_init(&h);
  err.len = 0;
  for (;;) {
    if (pos < n) {
      r = header_feed(&h, in + pos, n - pos, &used);
      pos += used;
    } else
      r = header_finish(&h);
    if (r == HEADER_FIELD) {
      k = inject_field(&x, h.field.s, h.field.len, h.namelen, h.value, h.mbox);
      if (k != 1) {
        stralloc_copys(&err, x.error.s ? x.error.s : "memory");
        stralloc_0(&err);
        inject_free(&x);
        header_free(&h);
        return k;
      }
    }
    if (r == HEADER_END) break;
  }
  r = inject_finish(&x, &header, &sender, &rcpt);
  if (r == 0) { stralloc_copys(&err, x.error.s); stralloc_0(&err); }
  stralloc_0(&header);
  stralloc_0(&sender);
  rcptlist.len = 0;
  for (i = 0; i < rcpt.len; i += strlen(rcpt.s + i) + 1) {
    if (rcptlist.len) stralloc_append(&rcptlist, ' ');
    stralloc_cats(&rcptlist, rcpt.s + i);
  }
  stralloc_0(&rcptlist);
  inject_free(&x);
  header_free(&h);
  return r;
}

static void test_added(void)
{
  struct inject_config c = base();
  CHECK(run(&c, "To: a@b.c\nSubject: s\n\n") == 1);
  CHECK_STR(header.s, "Date: 1 Jan 2000 00:00:00 -0000\n"
                      "Message-ID: <id@idhost>\n"
                      "From: joe@dh.example.com\n"
                      "To: a@b.c\nSubject: s\n");
  CHECK_STR(sender.s, "joe@dh.example.com");
  CHECK_STR(rcptlist.s, "a@b.c");
  /* nothing added when present; no To nor Cc: the Cc line */
  CHECK(run(&c, "Date: x\nMessage-ID: <y>\nFrom: f@g.h\nBcc: z@q.r\n") == 1);
  CHECK_STR(header.s, "Cc: recipient list not shown: ;\nDate: x\nMessage-ID: <y>\nFrom: f@g.h\n");
  CHECK_STR(rcptlist.s, "z@q.r");
}

static void test_name(void)
{
  struct inject_config c = base();
  c.name = "Joe \"Q\" \\ Public\r\nBcc: evil@x.y";
  c.host = "home.example.net";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(header.s, "Date: 1 Jan 2000 00:00:00 -0000\n"
                      "Message-ID: <id@idhost>\n"
                      "From: \"Joe \\\"Q\\\" \\\\ Public  Bcc: evil@x.y\" <joe@home.example.net>\n"
                      "To: a@b.c\n");
  c.letters = "c";
  c.name = "A (b) c";
  c.user = "j.o e";
  CHECK(run(&c, "To: a@b.c\nDate: d\nMessage-ID: m\n") == 1);
  CHECK_STR(header.s, "From: \"j.o e\"@home.example.net (A \\(b\\) c)\nTo: a@b.c\nDate: d\nMessage-ID: m\n");
  CHECK_STR(sender.s, "j.o e@home.example.net");
}

static void test_removed(void)
{
  struct inject_config c = base();
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\nBcc: x@y.z, w\n"
                "Content-Length: 12\nReturn-Path: <rp@q.r>\nReturn-Path: <second@q.r>\n") == 1);
  CHECK_STR(header.s, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n");
  CHECK_STR(sender.s, "rp@q.r");
  CHECK_STR(rcptlist.s, "a@b.c x@y.z w@dh.example.com");
  /* s: Return-Path ignored; f and i: From and Message-ID replaced */
  c.letters = "sfi";
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\nReturn-Path: <rp@q.r>\n") == 1);
  CHECK_STR(header.s, "Message-ID: <id@idhost>\nFrom: joe@dh.example.com\nDate: d\nTo: a@b.c\n");
  CHECK_STR(sender.s, "joe@dh.example.com");
  /* the null sender from Return-Path */
  c.letters = 0;
  CHECK(run(&c, "Return-Path: <>\nTo: a@b.c\n") == 1);
  CHECK_STR(sender.s, "");
}

static void test_rewrite(void)
{
  struct inject_config c = base();
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: \"Q, R\" <q> (comment)\n"
                "To: undisclosed-recipients:;,\n  list: a, \"b c\"@host+ (x) ;\n"
                "Cc: <@r1,@r2:u@v.w> x@y.z k@l\n"
                "Reply-To: \"\xc3\xa9t\xc3\xa9\" <\xc3\xa9@dom>\n"
                "Subject: \xc3\xa9 \x80\xff\n") == 1);
  CHECK_STR(header.s, "Date: d\nMessage-ID: m\nFrom: \"Q, R\" <q@dh.example.com> (comment)\n"
                      "To: undisclosed-recipients:;,\n  list: a@dh.example.com, \"b c\"@host.plus.org (x) ;\n"
                      "Cc: <u@v.w>, x@y.z, k@l.example.com\n"
                      "Reply-To: \"\xc3\xa9t\xc3\xa9\" <\xc3\xa9@dom.example.com>\n"
                      "Subject: \xc3\xa9 \x80\xff\n");
  CHECK_STR(rcptlist.s, "a@dh.example.com b c@host.plus.org u@v.w x@y.z k@l.example.com");
  /* an unparsable recipient field passes; an unparsable From is refused */
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\nCc: (open\n") == 1);
  CHECK_STR(header.s, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\nCc: (open\n");
  CHECK_STR(rcptlist.s, "a@b.c");
  CHECK(run(&c, "From: \"open\nTo: a@b.c\n") == 0);
  CHECK_STR(err.s, "unable to parse the From field");
  CHECK(run(&c, "to: a@b.c\nSENDER: <x\n") == 0);
  CHECK_STR(err.s, "unable to parse the SENDER field");
}

static void test_resent(void)
{
  struct inject_config c = base();
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n"
                "Resent-To: r@s.t\nResent-Bcc: hidden\n") == 1);
  CHECK_STR(header.s, "Resent-Date: 1 Jan 2000 00:00:00 -0000\nResent-Message-ID: <id@idhost>\n"
                      "Resent-From: joe@dh.example.com\n"
                      "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\nResent-To: r@s.t\n");
  CHECK_STR(rcptlist.s, "r@s.t hidden@dh.example.com");
  CHECK(run(&c, "To: a@b.c\nResent-Date: d\n") == 0);
  CHECK_STR(err.s, "no recipients");
  c.nargs = 1;
  {
    char *args[] = { "arg", 0 };
    c.args = args;
    CHECK(run(&c, "To: a@b.c\nResent-From: x@y.z\n") == 1);
    CHECK_STR(header.s, "Resent-Date: 1 Jan 2000 00:00:00 -0000\nResent-Message-ID: <id@idhost>\n"
                        "Resent-Cc: recipient list not shown: ;\nTo: a@b.c\nResent-From: x@y.z\n");
    CHECK_STR(rcptlist.s, "arg@dh.example.com");
  }
}

static void test_modes(void)
{
  struct inject_config c = base();
  char *args[] = { "x", "Y Z <y@z.w>, q@r.s", 0 };
  const char *msg = "To: t@u.v\nCc: c@d.e\nBcc: b@c.d\n";

  c.args = args;
  c.nargs = 2;
  c.mode = INJECT_ARGS;
  CHECK(run(&c, msg) == 1);
  CHECK_STR(rcptlist.s, "x@dh.example.com y@z.w q@r.s");
  c.mode = INJECT_EITHER;
  CHECK(run(&c, msg) == 1);
  CHECK_STR(rcptlist.s, "x@dh.example.com y@z.w q@r.s");
  c.mode = INJECT_BOTH;
  CHECK(run(&c, msg) == 1);
  CHECK_STR(rcptlist.s, "x@dh.example.com y@z.w q@r.s t@u.v c@d.e b@c.d");
  c.mode = INJECT_HEADER;
  CHECK(run(&c, msg) == 1);
  CHECK_STR(rcptlist.s, "t@u.v c@d.e b@c.d");
  c.nargs = 0;
  c.mode = INJECT_EITHER;
  CHECK(run(&c, msg) == 1);
  CHECK_STR(rcptlist.s, "t@u.v c@d.e b@c.d");
  c.mode = INJECT_ARGS;
  CHECK(run(&c, msg) == 0);
  CHECK_STR(err.s, "no recipients");
  {
    char *bad[] = { "<unclosed", 0 };
    c.args = bad;
    c.nargs = 1;
    CHECK(run(&c, msg) == 0);
    CHECK_STR(err.s, "unable to parse the recipient address <unclosed");
  }
}

/* a recipient named twice gets one copy: local part as bytes, domain with
   case ignored, after rewriting; the first mention keeps its place */
static void test_duplicates(void)
{
  struct inject_config c = base();
  char *args[] = { "T@u.v", "x, x@dh.example.com", "t@U.V", 0 };

  CHECK(run(&c, "To: a@b.c, a@b.c\nCc: A@b.c, a@B.C\nBcc: d, a@b.c\n") == 1);
  CHECK_STR(rcptlist.s, "a@b.c A@b.c d@dh.example.com");
  /* the same To: and Bcc: address (sendmail -t) */
  CHECK(run(&c, "To: ann@example.org\nBcc: ann@Example.ORG\n") == 1);
  CHECK_STR(rcptlist.s, "ann@example.org");
  /* quoted and plain spellings of one local part are one address */
  CHECK(run(&c, "To: \"a b\"@c.d, \"a b\"@C.d, \"ab\"@c.d, ab@c.d\n") == 1);
  CHECK_STR(rcptlist.s, "a b@c.d ab@c.d");
  /* the arguments and the header (-H): the arguments first */
  c.args = args;
  c.nargs = 3;
  c.mode = INJECT_BOTH;
  CHECK(run(&c, "To: t@u.v, y\nBcc: x\n") == 1);
  CHECK_STR(rcptlist.s, "T@u.v x@dh.example.com t@U.V y@dh.example.com");
  c.mode = INJECT_ARGS;
  CHECK(run(&c, "To: z\n") == 1);
  CHECK_STR(rcptlist.s, "T@u.v x@dh.example.com t@U.V");
  /* many: every one kept once, in order, after growth of the table */
  {
    stralloc msg = STRALLOC_ZERO, want = STRALLOC_ZERO;
    int i, round;
    c.mode = INJECT_HEADER;
    c.nargs = 0;
    for (round = 0; round < 2; ++round) {
      stralloc_cats(&msg, "To: ");
      for (i = 0; i < 5000; ++i) {
        if (i) stralloc_cats(&msg, ", ");
        stralloc_cats(&msg, "u");
        stralloc_catulong(&msg, (unsigned long)i);
        stralloc_cats(&msg, round ? "@EX.org" : "@ex.org");
        if (!round) {
          if (i) stralloc_append(&want, ' ');
          stralloc_cats(&want, "u");
          stralloc_catulong(&want, (unsigned long)i);
          stralloc_cats(&want, "@ex.org");
        }
      }
      stralloc_append(&msg, '\n');
    }
    stralloc_0(&msg);
    stralloc_0(&want);
    CHECK(run(&c, msg.s) == 1);
    CHECK_STR(rcptlist.s, want.s);
    stralloc_free(&msg);
    stralloc_free(&want);
  }
}

/* an address echoed in an error shows control bytes as \ooo */
static void test_error_visible(void)
{
  struct inject_config c = base();
  char *bad[] = { "<a\033[2Jb", 0 };
  char *ctl[] = { "\"a\001b\"@c.d", 0 };

  c.mode = INJECT_ARGS;
  c.args = bad;
  c.nargs = 1;
  CHECK(run(&c, "To: z\n") == 0);
  CHECK_STR(err.s, "unable to parse the recipient address <a\\033[2Jb");
  c.args = ctl;
  CHECK(run(&c, "To: z\n") == 0);
  CHECK_STR(err.s, "a control character in the recipient address \"a\\001b\"@c.d");
  c.args = 0;
  c.nargs = 0;
  c.mode = INJECT_EITHER;
  c.sender = "\"s\177\"@x.y";
  CHECK(run(&c, "To: z\n") == 0);
  CHECK_STR(err.s, "a control character in the envelope sender (-f) \"s\\177\"@x.y");
  c.sender = "a(\n";
  CHECK(run(&c, "To: z\n") == 0);
  CHECK_STR(err.s, "unable to parse the envelope sender a(\\012");
}

static void test_sender(void)
{
  struct inject_config c = base();
  c.host = "h.example";
  c.suser = "bounces";
  CHECK(run(&c, "To: a@b.c\nReturn-Path: <rp@x.y>\n") == 1);
  CHECK_STR(sender.s, "rp@x.y");
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "bounces@h.example");
  c.shost = "sh";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "bounces@sh.example.com");
  c.sender = "Joe <f@g+>";
  CHECK(run(&c, "To: a@b.c\nReturn-Path: <rp@x.y>\n") == 1);
  CHECK_STR(sender.s, "f@g.plus.org");
  c.letters = "m";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "f-946684800.42@g.plus.org");
  c.letters = "r";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "f-@g.plus.org-@[]");
  c.letters = "rm";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "f-946684800.42-@g.plus.org-@[]");
  c.sender = "";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "");
  c.sender = "<>";
  CHECK(run(&c, "To: a@b.c\n") == 1);
  CHECK_STR(sender.s, "");
  c.sender = "a(";
  CHECK(run(&c, "To: a@b.c\n") == 0);
  CHECK_STR(err.s, "unable to parse the envelope sender a(");
}

static void test_mft(void)
{
  struct inject_config c = base();
  static const char lists[] = "list@example.org\0other@x.y\0";
  c.mft = lists;
  c.mftlen = sizeof lists - 1;
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n") == 1);
  CHECK_STR(header.s, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n");
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: LIST@example.org\n"
                "Cc: averyveryverylongaddressname@averyveryverylong.example.com, \"q r\"@s.t\n") == 1);
  CHECK_STR(header.s, "Mail-Followup-To: LIST@example.org,\n"
                      " averyveryverylongaddressname@averyveryverylong.example.com, \"q r\"@s.t\n"
                      "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: LIST@example.org\n"
                      "Cc: averyveryverylongaddressname@averyveryverylong.example.com, \"q r\"@s.t\n");
  CHECK(run(&c, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: list@example.org\nMail-Followup-To: me\n") == 1);
  CHECK_STR(header.s, "Date: d\nMessage-ID: m\nFrom: f@g.h\nTo: list@example.org\n"
                      "Mail-Followup-To: me@dh.example.com\n");
}

static void test_mbox(void)
{
  struct inject_config c = base();
  CHECK(run(&c, "From joe Mon Jan  1 00:00:00 2000\nDate: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n") == 1);
  CHECK_STR(header.s, "MBOX-Line: From joe Mon Jan  1 00:00:00 2000\nDate: d\nMessage-ID: m\nFrom: f@g.h\nTo: a@b.c\n");
}

static void test_crlf(void)
{
  const char *in = "a\r\nb\r\r\nc\rd\r";
  char out[64];
  size_t cut, n = strlen(in);

  for (cut = 0; cut <= n; ++cut) {
    int cr = 0;
    size_t o = 0;
    o += inject_crlf(out + o, in, cut, &cr);
    if (cut < n) o += inject_crlf(out + o, in + cut, n - cut, &cr);
    o += inject_crlf(out + o, in, 0, &cr);
    CHECK_MEM(out, o, "a\nb\r\nc\rd\r", 9);
    CHECK(cr == 0);
  }
}

static void test_msgid(void)
{
  stralloc sa = STRALLOC_ZERO, sb = STRALLOC_ZERO;
  struct timespec ts = { 1700000000, 5 };
  uint64_t r1, r2;

  CHECK(msgid_format(&sa, &ts, 4321, 0x0123456789abcdefULL, "id.example") == 1);
  CHECK_MEM(sa.s, sa.len, "<1700000000.000000005.4321.0123456789abcdef@id.example>", 55);
  CHECK(msgid_random(&r1) == 1);
  CHECK(msgid_random(&r2) == 1);
  CHECK(r1 != r2);
  sa.len = 0;
  CHECK(msgid_cat(&sa, "h") == 1);
  CHECK(msgid_cat(&sb, "h") == 1);
  CHECK(sa.len > 40 && sa.s[0] == '<' && sa.s[sa.len - 1] == '>');
  CHECK(sa.len != sb.len || memcmp(sa.s, sb.s, sa.len) != 0);
  stralloc_free(&sa);
  stralloc_free(&sb);
}

int main(void)
{
  RUN(test_added);
  RUN(test_name);
  RUN(test_removed);
  RUN(test_rewrite);
  RUN(test_resent);
  RUN(test_modes);
  RUN(test_duplicates);
  RUN(test_error_visible);
  RUN(test_sender);
  RUN(test_mft);
  RUN(test_mbox);
  RUN(test_crlf);
  RUN(test_msgid);
  return check_exit("test_inject");
}
