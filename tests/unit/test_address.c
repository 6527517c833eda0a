/* Unit tests for address.c: the address examples of RFC 5322 Appendix A,
   comments, quoted strings, groups, source routes, missing commas, domain
   literals, syntax errors, and qmail-inject's rewriting. */
#include <string.h>
#include "check.h"
#include "address.h"
#include "quote.h"
#include "stralloc.h"

/* one line per entry: "M local@domain {span} [spec]" (a mailbox without a
   domain has no "@"; flags: < angle, r route, n no comma), "G {span}",
   "E {span}"; or "ERROR at N" */
static void dump(stralloc *t, const char *s)
{
  struct address_list l = ADDRESS_LIST_ZERO;
  size_t err, i;
  int r = address_parse(&l, s, strlen(s), &err);

  t->len = 0;
  if (r != 1) {
    stralloc_cats(t, r == 0 ? "ERROR at " : "NOMEM ");
    stralloc_catulong(t, (unsigned long)err);
    address_list_free(&l);
    return;
  }
  for (i = 0; i < l.count; ++i) {
    const struct address_entry *e = &l.entry[i];
    if (e->kind == ADDRESS_MAILBOX) {
      stralloc_cats(t, "M ");
      stralloc_catb(t, l.text.s + e->local, e->locallen);
      if (e->hasdomain) { stralloc_append(t, '@'); stralloc_catb(t, l.text.s + e->domain, e->domainlen); }
      if (e->angle) stralloc_cats(t, " <");
      if (e->route) stralloc_cats(t, " r");
      if (e->nocomma) stralloc_cats(t, " n");
    } else
      stralloc_cats(t, e->kind == ADDRESS_GROUP ? "G" : "E");
    stralloc_cats(t, " {");
    stralloc_catb(t, s + e->start, e->end - e->start);
    stralloc_cats(t, "}");
    if (e->kind == ADDRESS_MAILBOX) {
      stralloc_cats(t, " [");
      stralloc_catb(t, s + e->specstart, e->specend - e->specstart);
      stralloc_cats(t, "]");
    }
    stralloc_append(t, '\n');
  }
  address_list_free(&l);
}

static void expect(const char *s, const char *want)
{
  stralloc t = STRALLOC_ZERO;
  dump(&t, s);
  CHECK_MEM(t.s, t.len, want, strlen(want));
  if (t.len != strlen(want) || memcmp(t.s, want, t.len))
    fprintf(stdout, "    input %s got:\n%.*s\n", s, (int)t.len, t.s);
  stralloc_free(&t);
}

static void test_appendix_a(void)
{
  expect("John Doe <jdoe@machine.example>",
         "M jdoe@machine.example < {John Doe <jdoe@machine.example>} [jdoe@machine.example]\n");
  expect("\"Joe Q. Public\" <john.q.public@example.com>",
         "M john.q.public@example.com < {\"Joe Q. Public\" <john.q.public@example.com>} [john.q.public@example.com]\n");
  expect("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         "M mary@x.test < {Mary Smith <mary@x.test>} [mary@x.test]\n"
         "M jdoe@example.org {jdoe@example.org} [jdoe@example.org]\n"
         "M one@y.test < {Who? <one@y.test>} [one@y.test]\n");
  expect("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         "M boss@nil.test < {<boss@nil.test>} [boss@nil.test]\n"
         "M sysservices@example.net < {\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>} [sysservices@example.net]\n");
  /* A.1.3 group */
  expect("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         "G {A Group:}\n"
         "M c@a.test < {Ed Jones <c@a.test>} [c@a.test]\n"
         "M joe@where.test {joe@where.test} [joe@where.test]\n"
         "M jdoe@one.test < {John <jdoe@one.test>} [jdoe@one.test]\n"
         "E {;}\n");
  expect("Undisclosed recipients:;", "G {Undisclosed recipients:}\nE {;}\n");
  /* A.5 white space and comments */
  expect("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         "M pete@silly.test < {Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>} [pete(his account)@silly.test]\n");
  expect("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
         "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
         "G {A Group(Some people)\r\n     :}\n"
         "M c@public.example < {Chris Jones <c@(Chris's host.)public.example>} [c@(Chris's host.)public.example]\n"
         "M joe@example.org {joe@example.org} [joe@example.org]\n"
         "M jdoe@one.test < {John <jdoe@one.test> (my dear friend)} [jdoe@one.test]\n"
         "E {;}\n");
  /* A.6.1 obsolete: phrase with a dot, missing commas elsewhere */
  expect("Joe Q. Public <john.q.public@example.com>",
         "M john.q.public@example.com < {Joe Q. Public <john.q.public@example.com>} [john.q.public@example.com]\n");
  expect("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
         "M mary@example.net < r {Mary Smith <@node.test:mary@example.net>} [mary@example.net]\n"
         "M jdoe@test.example {jdoe@test  . example} [jdoe@test  . example]\n");
}

static void test_nasty(void)
{
  /* obs-route with several hops and empty list members */
  expect("<@a,@b:u@h>", "M u@h < r {<@a,@b:u@h>} [u@h]\n");
  expect("<,@a,,@b.c:u@h>", "M u@h < r {<,@a,,@b.c:u@h>} [u@h]\n");
  /* missing commas: qmail inserts them */
  expect("a@b c@d", "M a@b {a@b} [a@b]\nM c@d n {c@d} [c@d]\n");
  expect("a@b (x) Name <c@d>",
         "M a@b {a@b (x)} [a@b]\nM c@d < n {Name <c@d>} [c@d]\n");
  /* no domain: qmail-inject appends the default host */
  expect("joe", "M joe {joe} [joe]\n");
  expect("joe, \"a b\"", "M joe {joe} [joe]\nM a b {\"a b\"} [\"a b\"]\n");
  /* quoted local part unquoted for the envelope */
  expect("\"a\\\"b c\"@x", "M a\"b c@x {\"a\\\"b c\"@x} [\"a\\\"b c\"@x]\n");
  expect("\"a@b\"@c", "M a@b@c {\"a@b\"@c} [\"a@b\"@c]\n");
  /* domain literals */
  expect("u@[1.2.3.4]", "M u@[1.2.3.4] {u@[1.2.3.4]} [u@[1.2.3.4]]\n");
  expect("u@[ IPv6:\\]:1 ]", "M u@[IPv6:]:1] {u@[ IPv6:\\]:1 ]} [u@[ IPv6:\\]:1 ]]\n");
  expect("<u@[]>", "M u@[] < {<u@[]>} [u@[]]\n");
  /* the empty address, nested comments, empty input */
  expect("<>", "M  < {<>} []\n");
  expect("(a (b) c) x@y (d(e(f)))", "M x@y {(a (b) c) x@y (d(e(f)))} [x@y]\n");
  expect("", "");
  expect(" , ,", "");
  /* a group without its final ';' at the end of the input */
  expect("list: a@b", "G {list:}\nM a@b {a@b} [a@b]\nE {}\n");
  /* UTF-8 display names */
  expect("J\xc3\xb6rg <j@x>", "M j@x < {J\xc3\xb6rg <j@x>} [j@x]\n");
  /* errors */
  expect("a@", "ERROR at 2"); /* the end of the input */
  expect("a@b.", "ERROR at 4");
  expect("<a@b", "ERROR at 4");
  expect("Name <", "ERROR at 6"); /* found by fuzz_address */
  expect("\"abc", "ERROR at 0");
  expect("(abc", "ERROR at 0");
  expect("a) b", "ERROR at 1");
  expect("u@[1.2", "ERROR at 2");
  expect("u@[a[b]", "ERROR at 4");
  expect("a@b: c", "ERROR at 3");
  expect("g: h: i;", "ERROR at 4");
  expect("a\\b", "ERROR at 1");
  expect("a\x01@b", "ERROR at 1");
  expect("\"a\\", "ERROR at 0");
  expect("<@a:>", "ERROR at 4");
  expect("<@a u@h>", "ERROR at 4");
  expect(".a@b", "ERROR at 0");
  expect("a.@b", "ERROR at 2");
}

static void rewrite(const char *s, const char *want)
{
  struct address_hosts hosts = { "host", "example.com", "berkeley.edu" };
  struct address_list l = ADDRESS_LIST_ZERO;
  stralloc out = STRALLOC_ZERO;
  size_t err;

  CHECK(address_parse(&l, s, strlen(s), &err) == 1);
  CHECK(l.count == 1);
  if (l.count == 1) {
    const struct address_entry *e = &l.entry[0];
    CHECK(address_rewrite(&out, l.text.s + e->local, e->locallen, e->hasdomain,
                          l.text.s + e->domain, e->domainlen, &hosts));
    CHECK_MEM(out.s, out.len, want, strlen(want));
  }
  address_list_free(&l);
  stralloc_free(&out);
}

static void test_rewrite(void)
{
  struct address_hosts none = { 0, 0, 0 };
  struct address_hosts dotted = { "mail.example.org", "example.com", 0 };
  stralloc out = STRALLOC_ZERO;

  rewrite("joe", "joe@host.example.com");
  rewrite("joe@mammoth", "joe@mammoth.example.com");
  rewrite("eric@mammoth.cs+", "eric@mammoth.cs.berkeley.edu");
  rewrite("eric@mammoth+", "eric@mammoth.berkeley.edu");
  rewrite("x@a.b", "x@a.b");
  rewrite("<>", "");
  rewrite("<u@[]>", "u@[]");
  rewrite("u@[1.2.3.4]", "u@[1.2.3.4]");
  rewrite("<@r1,@r2:\"a b\"@c.d>", "a b@c.d");
  CHECK(address_rewrite(&out, "joe", 3, 0, "", 0, &dotted));
  CHECK_MEM(out.s, out.len, "joe@mail.example.org", 20);
  CHECK(address_rewrite(&out, "joe", 3, 1, "h", 1, &none));
  CHECK_MEM(out.s, out.len, "joe@h", 5);
  CHECK(address_rewrite(&out, "joe", 3, 1, "h+", 2, &none));
  CHECK_MEM(out.s, out.len, "joe@h", 5);
  stralloc_free(&out);
}

static void quote(const char *local, const char *want)
{
  stralloc out = STRALLOC_ZERO;
  CHECK(quote_catlocal(&out, local, strlen(local)));
  CHECK_MEM(out.s, out.len, want, strlen(want));
  stralloc_free(&out);
}

static void test_quote(void)
{
  quote("joe", "joe");
  quote("j.o.e", "j.o.e");
  quote("a b", "\"a b\"");
  quote(".a", "\".a\"");
  quote("a.", "\"a.\"");
  quote("a..b", "\"a..b\"");
  quote("a\"b\\c", "\"a\\\"b\\\\c\"");
  quote("", "\"\"");
  quote("a@b", "\"a@b\"");
}

/* a long phrase is scanned once: 1,000,000 words "a a a ..." (each a
   mailbox of its own), the same before "<x@y>" (one display name) and
   before ":" (a group's name). Scanning the phrase again at each word
   took hours for this input, and 4 s for 40,000 words. */
static void test_long_phrase(void)
{
  enum { WORDS = 1000000 };
  struct address_list l = ADDRESS_LIST_ZERO;
  stralloc s = STRALLOC_ZERO;
  size_t err, i, bad;
  int r;

  for (i = 0; i < WORDS; ++i) if (!stralloc_cats(&s, "a ")) break;
  r = address_parse(&l, s.s, s.len, &err);
  CHECK(r == 1);
  CHECK(l.count == WORDS);
  for (i = bad = 0; i < l.count; ++i)
    if (l.entry[i].kind != ADDRESS_MAILBOX || l.entry[i].locallen != 1 ||
        l.entry[i].nocomma != (i > 0)) ++bad;
  CHECK(bad == 0);

  CHECK(stralloc_cats(&s, "<x@y>"));
  r = address_parse(&l, s.s, s.len, &err);
  CHECK(r == 1);
  CHECK(l.count == 1 && l.entry[0].angle && l.entry[0].start == 0);

  s.len -= 5;
  CHECK(stralloc_cats(&s, ": x@y;"));
  r = address_parse(&l, s.s, s.len, &err);
  CHECK(r == 1);
  CHECK(l.count == 3 && l.entry[0].kind == ADDRESS_GROUP && l.entry[2].kind == ADDRESS_GROUP_END);

  /* words and dots without an "@": one local part */
  s.len = 0;
  for (i = 0; i < WORDS; ++i) if (!stralloc_cats(&s, "a.")) break;
  CHECK(stralloc_cats(&s, "a"));
  r = address_parse(&l, s.s, s.len, &err);
  CHECK(r == 1);
  CHECK(l.count == 1 && l.entry[0].locallen == s.len);

  address_list_free(&l);
  stralloc_free(&s);
}

int main(void)
{
  RUN(test_appendix_a);
  RUN(test_nasty);
  RUN(test_rewrite);
  RUN(test_quote);
  RUN(test_long_phrase);
  return check_exit("test_address");
}
