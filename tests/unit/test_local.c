/* test_local: the pure logic of local delivery (dotqmail.c, quote.c):
   Delivered-To, Return-Path and From_ lines, the safe extension, the order
   of .qmail candidates, the split of a .qmail file into instructions, and
   the Delivered-To loop scan; line classification edge cases (leading
   blanks, CR, NUL, "+list" variants) and more search orders. */
#include <stdlib.h>
#include "check.h"
#include "dotqmail.h"
#include "quote.h"
#include "stralloc.h"

static stralloc sa = STRALLOC_ZERO;

#define CHECK_SA(x, lit) CHECK_MEM((x).s, (x).len, (lit), sizeof(lit) - 1)

static void test_dtline(void)
{
  CHECK(dotqmail_dtline(&sa, "joe", "example.com"));
  CHECK_SA(sa, "Delivered-To: joe@example.com\n");
  CHECK(dotqmail_dtline(&sa, "a\nb", "x\n.org"));
  CHECK_SA(sa, "Delivered-To: a_b@x_.org\n");
  CHECK(dotqmail_dtline(&sa, "", ""));
  CHECK_SA(sa, "Delivered-To: @\n");
}

static void test_quote(void)
{
  CHECK(!quote_needed("joe", 3));
  CHECK(!quote_needed("a.b", 3));
  CHECK(!quote_needed("#", 1));
  CHECK(!quote_needed("j\xc3\xb6rg", 5));
  CHECK(!quote_needed("!#$%&'*+-/=?^_`{|}~", 19));
  CHECK(quote_needed("", 0));
  CHECK(quote_needed(".a", 2));
  CHECK(quote_needed("a.", 2));
  CHECK(quote_needed("a..b", 4));
  CHECK(quote_needed("a b", 3));
  CHECK(quote_needed("a\"b", 3));
  CHECK(quote_needed("a@b", 3));
  CHECK(quote_needed("a(b", 3));

  sa.len = 0;
  CHECK(quote_catlocal(&sa, "a\"b\\c", 5));
  CHECK_SA(sa, "\"a\\\"b\\\\c\"");
  sa.len = 0;
  CHECK(quote_cataddr(&sa, "x@y@z", 5));
  CHECK_SA(sa, "\"x@y\"@z");
  sa.len = 0;
  CHECK(quote_cataddr(&sa, "@z", 2));
  CHECK_SA(sa, "\"\"@z");
}

static void test_rpline(void)
{
  CHECK(dotqmail_rpline(&sa, ""));
  CHECK_SA(sa, "Return-Path: <>\n");
  CHECK(dotqmail_rpline(&sa, "a@b.org"));
  CHECK_SA(sa, "Return-Path: <a@b.org>\n");
  CHECK(dotqmail_rpline(&sa, "#@[]"));
  CHECK_SA(sa, "Return-Path: <#@[]>\n");
  CHECK(dotqmail_rpline(&sa, "a b@x.org"));
  CHECK_SA(sa, "Return-Path: <\"a b\"@x.org>\n");
  CHECK(dotqmail_rpline(&sa, "a..b@x.org"));
  CHECK_SA(sa, "Return-Path: <\"a..b\"@x.org>\n");
  CHECK(dotqmail_rpline(&sa, "a\nb@x\ny"));
  CHECK_SA(sa, "Return-Path: <\"a_b\"@x_y>\n");
  CHECK(dotqmail_rpline(&sa, "list-joe=x.com@example.org"));
  CHECK_SA(sa, "Return-Path: <list-joe=x.com@example.org>\n");
  CHECK(dotqmail_rpline(&sa, "nodomain"));
  CHECK_SA(sa, "Return-Path: <nodomain>\n");
}

static void test_ufline(void)
{
  CHECK(dotqmail_ufline(&sa, "a b@x\tz\n", 0));
  CHECK_SA(sa, "From a-b@x-z- Thu Jan 01 00:00:00 1970\n");
  CHECK(dotqmail_ufline(&sa, "", 1700000000));
  CHECK_SA(sa, "From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n");
  CHECK(dotqmail_ufline(&sa, "x", 951782400));
  CHECK_SA(sa, "From x Tue Feb 29 00:00:00 2000\n");
  CHECK(dotqmail_ufline(&sa, "x", 1709164800));
  CHECK_SA(sa, "From x Thu Feb 29 00:00:00 2024\n");
  CHECK(dotqmail_ufline(&sa, "x", 4102444799));
  CHECK_SA(sa, "From x Thu Dec 31 23:59:59 2099\n");
  CHECK(dotqmail_ufline(&sa, "x", 253402300799));
  CHECK_SA(sa, "From x Fri Dec 31 23:59:59 9999\n");
  CHECK(dotqmail_ufline(&sa, "x", -5));
  CHECK_SA(sa, "From x Thu Jan 01 00:00:00 1970\n");
}

static void test_safeext(void)
{
  CHECK(dotqmail_safeext(&sa, "Foo.Bar-BAZ", 11));
  CHECK_SA(sa, "foo:bar-baz");
  CHECK(dotqmail_safeext(&sa, "../../etc/passwd", 16));
  CHECK_SA(sa, "::/::/etc/passwd");
  CHECK(dotqmail_safeext(&sa, "", 0));
  CHECK(sa.len == 0);
}

/* the candidates for (dash, ext) joined with spaces, "=N" after a default
   name giving its defaultpos */
static const char *candidates(const char *dash, const char *ext)
{
  static stralloc all = STRALLOC_ZERO;
  stralloc safe = STRALLOC_ZERO, name = STRALLOC_ZERO;
  struct dotqmail_search s;
  size_t pos;
  int r;

  all.len = 0;
  if (!dotqmail_safeext(&safe, ext, strlen(ext))) abort();
  dotqmail_search_start(&s, dash, safe.s ? safe.s : "", safe.len);
  while ((r = dotqmail_search_next(&s, &name, &pos)) == 1) {
    if (all.len) stralloc_append(&all, ' ');
    CHECK(name.len > 0 && name.s[name.len - 1] == 0);
    stralloc_cats(&all, name.s);
    if (pos != (size_t)-1) { stralloc_append(&all, '='); stralloc_catulong(&all, pos); }
  }
  CHECK(r == 0);
  CHECK(dotqmail_search_next(&s, &name, &pos) == 0);
  stralloc_0(&all);
  stralloc_free(&safe);
  stralloc_free(&name);
  return all.s;
}

static void test_search(void)
{
  /* the examples table of the reference, section 6.3 */
  CHECK_STR(candidates("-", ""), ".qmail- .qmail-default=0");
  CHECK_STR(candidates("-", "foo"), ".qmail-foo .qmail-default=0");
  CHECK_STR(candidates("-", "foo-bar"), ".qmail-foo-bar .qmail-foo-default=4 .qmail-default=0");
  CHECK_STR(candidates("-", "a-b-c"),
            ".qmail-a-b-c .qmail-a-b-default=4 .qmail-a-default=2 .qmail-default=0");
  CHECK_STR(candidates("-", "a-b-"),
            ".qmail-a-b- .qmail-a-b-default=4 .qmail-a-default=2 .qmail-default=0");
  /* the plain address: only .qmail */
  CHECK_STR(candidates("", ""), ".qmail");
  /* case folding and dots */
  CHECK_STR(candidates("-", "List.Help"), ".qmail-list:help .qmail-default=0");
  CHECK_STR(candidates("-", ".."), ".qmail-:: .qmail-default=0");
  /* a '/' would lead into a directory: such names are never produced */
  CHECK_STR(candidates("-", "a/b-c"), ".qmail-default=0");
  CHECK_STR(candidates("-", "x-a/b"), ".qmail-x-default=2 .qmail-default=0");
}

static void test_parse(void)
{
  static const char text[] =
    "# comment\n"
    "\n"
    "./Maildir/  \t\n"
    "/var/mail/joe\n"
    "|prog arg \n"
    "&fwd@x.org\n"
    "plain@x.org\n"
    "+list\n"
    "+listx\n"
    "   \n"
    "/abs/maildir/";
  struct dotqmail_parse p;
  struct dotqmail_line l;

  dotqmail_parse_start(&p, text, sizeof text - 1);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_COMMENT && l.number == 1);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_BLANK && l.number == 2);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_MAILDIR);
  CHECK_MEM(l.text, l.len, "./Maildir/", 10);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_MBOX);
  CHECK_MEM(l.text, l.len, "/var/mail/joe", 13);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_PROGRAM);
  CHECK_MEM(l.text, l.len, "prog arg", 8);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_FORWARD);
  CHECK_MEM(l.text, l.len, "fwd@x.org", 9);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_FORWARD);
  CHECK_MEM(l.text, l.len, "plain@x.org", 11);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_LIST);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_CONTROL);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_BLANK && l.number == 10);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_MAILDIR && l.number == 11);
  CHECK_MEM(l.text, l.len, "/abs/maildir/", 13);
  CHECK(!dotqmail_parse_next(&p, &l));

  dotqmail_parse_start(&p, "./Maildir/\n", 11);
  CHECK(dotqmail_parse_next(&p, &l) && l.type == DOTQMAIL_MAILDIR && l.len == 10);
  CHECK(!dotqmail_parse_next(&p, &l));
  dotqmail_parse_start(&p, "", 0);
  CHECK(!dotqmail_parse_next(&p, &l));
  CHECK_STR(dotqmail_type_name(DOTQMAIL_MAILDIR), "maildir");
  CHECK(dotqmail_type_name(DOTQMAIL_COMMENT) == 0);
}

/* the type and text of a one-line file */
static enum dotqmail_type one(const char *text, size_t len, const char **out, size_t *outlen)
{
  struct dotqmail_parse p;
  struct dotqmail_line l;

  dotqmail_parse_start(&p, text, len);
  CHECK(dotqmail_parse_next(&p, &l));
  CHECK(!dotqmail_parse_next(&p, &l));
  *out = l.text;
  *outlen = l.len;
  return l.type;
}

#define ONE(lit, type, want) do { const char *t_; size_t n_; \
  CHECK(one((lit), sizeof(lit) - 1, &t_, &n_) == (type)); \
  CHECK_MEM(t_, n_, (want), sizeof(want) - 1); } while (0)

static void test_parse_edges(void)
{
  /* only trailing spaces and tabs go; the first byte decides */
  ONE("+list \t", DOTQMAIL_LIST, "+list");
  ONE("+list#", DOTQMAIL_CONTROL, "+list#");
  ONE("+List", DOTQMAIL_CONTROL, "+List");
  ONE("+", DOTQMAIL_CONTROL, "+");
  ONE("# x \t", DOTQMAIL_COMMENT, "# x");
  ONE("#", DOTQMAIL_COMMENT, "#");
  ONE("|", DOTQMAIL_PROGRAM, "");
  ONE("| a  b  ", DOTQMAIL_PROGRAM, " a  b");
  ONE("|./Maildir/", DOTQMAIL_PROGRAM, "./Maildir/");
  ONE("&", DOTQMAIL_FORWARD, "");
  ONE("&&x@y", DOTQMAIL_FORWARD, "&x@y");
  ONE(".", DOTQMAIL_MBOX, ".");
  ONE("./", DOTQMAIL_MAILDIR, "./");
  ONE("/", DOTQMAIL_MAILDIR, "/");
  ONE("./a b/ ", DOTQMAIL_MAILDIR, "./a b/");
  ONE("../mbox", DOTQMAIL_MBOX, "../mbox");
  /* a leading blank makes a forward, a CR stays part of the line */
  ONE("\t./Maildir/", DOTQMAIL_FORWARD, "\t./Maildir/");
  ONE(" |prog", DOTQMAIL_FORWARD, " |prog");
  ONE("./Maildir/\r", DOTQMAIL_MBOX, "./Maildir/\r");
  ONE("x@y\r\n", DOTQMAIL_FORWARD, "x@y\r");
  ONE(" \t \n", DOTQMAIL_BLANK, "");
  ONE("a\0b", DOTQMAIL_FORWARD, "a\0b");
  ONE("|a\0b", DOTQMAIL_PROGRAM, "a\0b");
  /* the -n words */
  CHECK_STR(dotqmail_type_name(DOTQMAIL_PROGRAM), "program");
  CHECK_STR(dotqmail_type_name(DOTQMAIL_MBOX), "mbox");
  CHECK_STR(dotqmail_type_name(DOTQMAIL_FORWARD), "forward");
  CHECK(dotqmail_type_name(DOTQMAIL_BLANK) == 0);
  CHECK(dotqmail_type_name(DOTQMAIL_LIST) == 0);
  CHECK(dotqmail_type_name(DOTQMAIL_CONTROL) == 0);
}

static void test_search_more(void)
{
  /* more of the table's pattern: a leading '-', doubled and trailing '-' */
  CHECK_STR(candidates("-", "-x"), ".qmail--x .qmail--default=1 .qmail-default=0");
  CHECK_STR(candidates("-", "a--b"),
            ".qmail-a--b .qmail-a--default=3 .qmail-a-default=2 .qmail-default=0");
  CHECK_STR(candidates("-", "owner"), ".qmail-owner .qmail-default=0");
  CHECK_STR(candidates("-", "list-owner-default"),
            ".qmail-list-owner-default .qmail-list-owner-default=11 .qmail-list-default=5 .qmail-default=0");
  /* dots can never make a ".." component, even next to slashes */
  CHECK_STR(candidates("-", "../x"), ".qmail-default=0");
  CHECK_STR(candidates("-", "..-x"), ".qmail-::-x .qmail-::-default=3 .qmail-default=0");
  CHECK_STR(candidates("-", "A.B-C"), ".qmail-a:b-c .qmail-a:b-default=4 .qmail-default=0");
}

static int loop(const char *msg, size_t step)
{
  static const char dt[] = "Delivered-To: joe@example.com\n";
  struct dotqmail_loopscan l;
  size_t n = strlen(msg), i;
  int r = -1;

  dotqmail_loopscan_start(&l, dt, sizeof dt - 1);
  for (i = 0; i < n && r < 0; i += step)
    r = dotqmail_loopscan_feed(&l, msg + i, n - i < step ? n - i : step);
  if (r < 0) r = dotqmail_loopscan_end(&l);
  return r;
}

static void test_loop(void)
{
  static const char *const looping[] = {
    "Delivered-To: joe@example.com\n\nbody\n",
    "Received: x\nDelivered-To: other@example.com\nDelivered-To: joe@example.com\nSubject: s\n\nb\n",
  };
  static const char *const fine[] = {
    "",
    "Received: x\n\nDelivered-To: joe@example.com\n",          /* in the body */
    "Delivered-To: joe@example.com \n\n",                      /* trailing space */
    "Delivered-To: joe@example.comm\n\n",
    "Delivered-To: joe@example.co\n\n",
    "delivered-to: joe@example.com\n\n",                       /* byte for byte */
    "Delivered-To: joe@example.com\r\n\r\n",
    "X-Delivered-To: joe@example.com\n",
    "Subject: s\nDelivered-To: joe@example.com",               /* no LF at the end */
  };
  size_t i, step;

  for (step = 1; step <= 64; step *= 4) {
    for (i = 0; i < sizeof looping / sizeof *looping; i++) CHECK(loop(looping[i], step) == 1);
    for (i = 0; i < sizeof fine / sizeof *fine; i++) CHECK(loop(fine[i], step) == 0);
  }
}

int main(void)
{
  RUN(test_dtline);
  RUN(test_quote);
  RUN(test_rpline);
  RUN(test_ufline);
  RUN(test_safeext);
  RUN(test_search);
  RUN(test_parse);
  RUN(test_parse_edges);
  RUN(test_search_more);
  RUN(test_loop);
  stralloc_free(&sa);
  return check_exit("test_local");
}
