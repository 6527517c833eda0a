/* Unit tests of dns.c's answer parser on hand-built packets, and of the
   pure parts of mx.c (ordering, usable names, own addresses). */
#include <stdlib.h>
#include "check.h"
#include "dns.h"
#include "mx.h"
#include "stralloc.h"

static stralloc q, p;
static struct dns_records r;
static unsigned int links;

static void put(stralloc *s, const char *b, size_t n) { if (!stralloc_catb(s, b, n)) abort(); }
static void put8(stralloc *s, unsigned int v) { char c = (char)v; put(s, &c, 1); }
static void put16(stralloc *s, unsigned int v) { put8(s, v >> 8); put8(s, v & 255); }

/* a name in wire form, from dotted text; "" is the root */
static void putname(stralloc *s, const char *t)
{
  while (*t) {
    size_t n = strcspn(t, ".");

    put8(s, (unsigned int)n);
    put(s, t, n);
    t += n;
    if (*t == '.') t++;
  }
  put8(s, 0);
}

/* header and question echoing q; flags byte 2, byte 3 */
static void head(unsigned int id, unsigned int f2, unsigned int f3, unsigned int an,
  const char *name, unsigned int type)
{
  p.len = 0;
  put16(&p, id);
  put8(&p, f2);
  put8(&p, f3);
  put16(&p, 1);
  put16(&p, an);
  put16(&p, 0);
  put16(&p, 0);
  putname(&p, name);
  put16(&p, type);
  put16(&p, 1);
}

/* a record's fixed part after its owner name */
static void rrfix(unsigned int type, unsigned int class, unsigned int rdlen)
{
  put16(&p, type);
  put16(&p, class);
  put16(&p, 0);
  put16(&p, 300);
  put16(&p, rdlen);
}

static void rr_a(const char *owner, const char *ip4)
{
  putname(&p, owner);
  rrfix(DNS_T_A, 1, 4);
  put(&p, ip4, 4);
}

static void rr_cname(const char *owner, const char *target)
{
  stralloc t = STRALLOC_ZERO;

  putname(&t, target);
  putname(&p, owner);
  rrfix(DNS_T_CNAME, 1, (unsigned int)t.len);
  put(&p, t.s, t.len);
  stralloc_free(&t);
}

static void rr_mx(const char *owner, unsigned int pref, const char *target)
{
  stralloc t = STRALLOC_ZERO;

  putname(&t, target);
  putname(&p, owner);
  rrfix(DNS_T_MX, 1, 2 + (unsigned int)t.len);
  put16(&p, pref);
  put(&p, t.s, t.len);
  stralloc_free(&t);
}

static int parse(void)
{
  return dns_parse((unsigned char *)p.s, p.len, (unsigned char *)q.s, q.len, &r, &links);
}

static void ask(const char *name, unsigned int type)
{
  CHECK(dns_query_make(&q, 0x1234, name, type) == DNS_OK);
}

static void test_query_make(void)
{
  ask("Mx.Example.", DNS_T_MX);
  CHECK_MEM(q.s, q.len, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x02Mx\x07" "Example\x00\x00\x0f\x00\x01", 28);
  CHECK(dns_query_make(&q, 1, "a..b", DNS_T_A) == DNS_BAD);
  CHECK(dns_query_make(&q, 1, "`id`.x", DNS_T_A) == DNS_BAD);
  CHECK(dns_query_make(&q, 1, "", DNS_T_A) == DNS_BAD);
}

static void test_names(void)
{
  char big[300];

  CHECK(dns_name_valid("a.b", 3));
  CHECK(dns_name_valid("a-b_c.example.", 14));
  CHECK(!dns_name_valid(".", 1));
  CHECK(!dns_name_valid("a..b", 4));
  CHECK(!dns_name_valid(".a", 2));
  CHECK(!dns_name_valid(";touch /tmp/PWN", 15));
  CHECK(!dns_name_valid("`id`.x", 6));
  CHECK(!dns_name_valid("a$b", 3));
  memset(big, 'a', sizeof big);
  CHECK(dns_name_valid(big, 63));
  CHECK(!dns_name_valid(big, 64));
  for (size_t i = 63; i < sizeof big; i += 64) big[i] = '.';
  CHECK(dns_name_valid(big, 253));
  CHECK(!dns_name_valid(big, 254));
  CHECK(mx_name_usable("mx.example"));
  CHECK(!mx_name_usable("1.2.3.4"));
  CHECK(!mx_name_usable("1.2.3.4."));
  CHECK(!mx_name_usable("localhost"));
  CHECK(!mx_name_usable("LocalHost."));
  CHECK(!mx_name_usable("x.localhost"));
  CHECK(mx_name_usable("notlocalhost"));
  CHECK(!mx_name_usable(""));
  CHECK(!mx_name_usable("`id`.x"));
}

static void test_a(void)
{
  ask("a.test", DNS_T_A);
  head(0x1234, 0x81, 0x80, 2, "a.test", DNS_T_A);
  rr_a("A.Test", "\x7f\x00\x00\x02");
  /* the second owner compressed: a pointer back to the question name */
  put16(&p, 0xc00c);
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x0a\x00\x00\x01", 4);
  CHECK(parse() == DNS_OK);
  CHECK(r.count == 2);
  CHECK_MEM(r.data.s, r.data.len, "\x7f\x00\x00\x02\x0a\x00\x00\x01", 8);
  CHECK_STR(r.name.s, "a.test");
  CHECK(links == 0);
}

static void test_mismatch(void)
{
  ask("a.test", DNS_T_A);
  head(0x1235, 0x81, 0x80, 1, "a.test", DNS_T_A);
  rr_a("a.test", "\x01\x02\x03\x04");
  CHECK(parse() == -1); /* wrong id */
  head(0x1234, 0x81, 0x80, 1, "b.test", DNS_T_A);
  rr_a("b.test", "\x01\x02\x03\x04");
  CHECK(parse() == -1); /* wrong question */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_AAAA);
  CHECK(parse() == -1); /* wrong type */
  head(0x1234, 0x01, 0x80, 1, "a.test", DNS_T_A);
  rr_a("a.test", "\x01\x02\x03\x04");
  CHECK(parse() == -1); /* a query, not an answer */
  p.len = 11;
  CHECK(parse() == -1); /* shorter than a header */
  head(0x1234, 0x81, 0x80, 0, "a.test", DNS_T_A);
  p.s[5] = 2;
  CHECK(parse() == -1); /* two questions */
}

static void test_rcodes(void)
{
  ask("a.test", DNS_T_A);
  head(0x1234, 0x81, 0x80, 0, "a.test", DNS_T_A);
  CHECK(parse() == DNS_NODATA);
  CHECK(r.count == 0);
  head(0x1234, 0x81, 0x83, 0, "a.test", DNS_T_A);
  CHECK(parse() == DNS_NXDOMAIN);
  head(0x1234, 0x81, 0x82, 0, "a.test", DNS_T_A);
  CHECK(parse() == DNS_SOFT);
  head(0x1234, 0x81, 0x85, 0, "a.test", DNS_T_A);
  CHECK(parse() == DNS_SOFT);
  head(0x1234, 0x83, 0x80, 0, "a.test", DNS_T_A);
  CHECK(parse() == DNS_TRUNC);
}

static void test_malformed(void)
{
  size_t at;

  ask("a.test", DNS_T_A);
  /* a pointer to itself */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  at = p.len;
  put16(&p, 0xc000 | (unsigned int)at);
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x01\x02\x03\x04", 4);
  CHECK(parse() == DNS_SOFT);
  CHECK(r.count == 0);
  /* two names pointing at each other: x -> ptr(y), y -> ptr(x) */
  head(0x1234, 0x81, 0x80, 2, "a.test", DNS_T_A);
  at = p.len;
  put8(&p, 1); put8(&p, 'x'); put16(&p, 0xc000 | (unsigned int)(at + 3 + 10 + 4));
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x01\x02\x03\x04", 4);
  put8(&p, 1); put8(&p, 'y'); put16(&p, 0xc000 | (unsigned int)at);
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x01\x02\x03\x04", 4);
  CHECK(parse() == DNS_SOFT);
  /* a pointer forward */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  at = p.len;
  put16(&p, 0xc000 | (unsigned int)(at + 2 + 10 + 4));
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x01\x02\x03\x04", 4);
  putname(&p, "a.test");
  CHECK(parse() == DNS_SOFT);
  /* a pointer into the middle of the same name (a suffix loop) */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  at = p.len;
  put8(&p, 1); put8(&p, 'a'); put16(&p, 0xc000 | (unsigned int)at);
  rrfix(DNS_T_A, 1, 4);
  put(&p, "\x01\x02\x03\x04", 4);
  CHECK(parse() == DNS_SOFT);
  /* label types 01 and 10 */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  put8(&p, 0x41);
  CHECK(parse() == DNS_SOFT);
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  put8(&p, 0x80);
  CHECK(parse() == DNS_SOFT);
  /* the record stops short: every truncation of a good one */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  at = p.len;
  rr_a("a.test", "\x01\x02\x03\x04");
  for (size_t cut = at; cut < p.len; cut++) {
    size_t keep = p.len;

    p.len = cut;
    CHECK(parse() == DNS_SOFT);
    p.len = keep;
  }
  CHECK(parse() == DNS_OK);
  /* rdlength past the end */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  putname(&p, "a.test");
  rrfix(DNS_T_A, 1, 400);
  put(&p, "\x01\x02\x03\x04", 4);
  CHECK(parse() == DNS_SOFT);
  /* an A record of 5 bytes */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  putname(&p, "a.test");
  rrfix(DNS_T_A, 1, 5);
  put(&p, "\x01\x02\x03\x04\x05", 5);
  CHECK(parse() == DNS_SOFT);
  /* more answers announced than present */
  head(0x1234, 0x81, 0x80, 65535, "a.test", DNS_T_A);
  rr_a("a.test", "\x01\x02\x03\x04");
  CHECK(parse() == DNS_SOFT);
  /* an MX whose target runs past its rdlength */
  ask("m.test", DNS_T_MX);
  head(0x1234, 0x81, 0x80, 1, "m.test", DNS_T_MX);
  putname(&p, "m.test");
  rrfix(DNS_T_MX, 1, 5);
  put16(&p, 10);
  putname(&p, "mx.m.test");
  CHECK(parse() == DNS_SOFT);
}

static void test_class_and_types(void)
{
  ask("a.test", DNS_T_A);
  head(0x1234, 0x81, 0x80, 3, "a.test", DNS_T_A);
  putname(&p, "a.test");
  rrfix(DNS_T_A, 3, 4); /* class CH */
  put(&p, "\x01\x01\x01\x01", 4);
  putname(&p, "a.test");
  rrfix(16, 1, 3); /* TXT */
  put(&p, "\x02hi", 3);
  rr_a("other.test", "\x02\x02\x02\x02"); /* another owner */
  CHECK(parse() == DNS_NODATA);
  CHECK(r.count == 0);
}

static void test_mx(void)
{
  char big[400];
  size_t i;

  ask("m.test", DNS_T_MX);
  head(0x1234, 0x81, 0x80, 5, "m.test", DNS_T_MX);
  rr_mx("m.test", 20, "MX2.m.test");
  rr_mx("m.test", 10, "`id`.x");
  rr_mx("m.test", 10, ";touch /tmp/PWN");
  /* 5 labels of 60: 306 bytes in wire form */
  for (i = 0; i < 5 * 61; i++) big[i] = i % 61 == 60 ? '.' : 'a';
  big[5 * 61 - 1] = 0;
  rr_mx("m.test", 5, big);
  rr_mx("m.test", 30, "mx3.m.test");
  CHECK(parse() == DNS_OK);
  CHECK(r.count == 2);
  CHECK(r.skipped == 3);
  CHECK_MEM(r.data.s, r.data.len, "\x00\x14mx2.m.test\0\x00\x1emx3.m.test", 26);
  /* a null MX */
  head(0x1234, 0x81, 0x80, 1, "m.test", DNS_T_MX);
  rr_mx("m.test", 0, "");
  CHECK(parse() == DNS_OK);
  CHECK(r.count == 1);
  CHECK_MEM(r.data.s, r.data.len, "\0\0", 3);
  /* only hostile targets: records, but none usable (not NODATA) */
  head(0x1234, 0x81, 0x80, 1, "m.test", DNS_T_MX);
  rr_mx("m.test", 0, "a b");
  CHECK(parse() == DNS_OK);
  CHECK(r.count == 0 && r.skipped == 1);
}

static void test_cname(void)
{
  char name[16];
  int i;

  ask("a.test", DNS_T_A);
  head(0x1234, 0x81, 0x80, 3, "a.test", DNS_T_A);
  rr_cname("a.test", "b.test");
  rr_a("b.test", "\x05\x05\x05\x05");
  rr_a("a.test", "\x06\x06\x06\x06"); /* beside a CNAME: not the answer */
  CHECK(parse() == DNS_OK);
  CHECK(links == 1);
  CHECK_STR(r.name.s, "b.test");
  CHECK_MEM(r.data.s, r.data.len, "\x05\x05\x05\x05", 4);
  /* chain ends without records: the end is to be asked */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  rr_cname("a.test", "c.test");
  CHECK(parse() == DNS_NODATA);
  CHECK(links == 1);
  CHECK_STR(r.name.s, "c.test");
  /* a loop */
  head(0x1234, 0x81, 0x80, 2, "a.test", DNS_T_A);
  rr_cname("a.test", "b.test");
  rr_cname("b.test", "a.test");
  CHECK(parse() == DNS_BAD);
  /* a chain of 16 is fine, 17 is not */
  head(0x1234, 0x81, 0x80, 17, "a.test", DNS_T_A);
  rr_cname("a.test", "c1.test");
  for (i = 1; i < 16; i++) {
    char next[16];

    snprintf(name, sizeof name, "c%d.test", i);
    snprintf(next, sizeof next, "c%d.test", i + 1);
    rr_cname(name, next);
  }
  rr_a("c16.test", "\x07\x07\x07\x07");
  CHECK(parse() == DNS_OK);
  CHECK(links == 16);
  p.s[7] = 18;
  rr_cname("c16.test", "c17.test");
  CHECK(parse() == DNS_BAD); /* a 17th link, though c16 has an A too */
  /* a CNAME to a hostile name */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  rr_cname("a.test", "`id`.x");
  CHECK(parse() == DNS_BAD);
  /* a CNAME to the root (found by fuzz_dns) */
  head(0x1234, 0x81, 0x80, 1, "a.test", DNS_T_A);
  rr_cname("a.test", "");
  CHECK(parse() == DNS_BAD);
}

static void test_chain17(void)
{
  char name[16], next[16];
  int i;

  ask("a.test", DNS_T_A);
  head(0x1234, 0x81, 0x80, 17, "a.test", DNS_T_A);
  rr_cname("a.test", "c1.test");
  for (i = 1; i <= 16; i++) {
    snprintf(name, sizeof name, "c%d.test", i);
    snprintf(next, sizeof next, "c%d.test", i + 1);
    rr_cname(name, next);
  }
  CHECK(parse() == DNS_BAD);
}

static void test_order(void)
{
  stralloc d = STRALLOC_ZERO;
  size_t order[4], n;
  int first_b = 0, first_c = 0, i;

  put(&d, "\x00\x14" "a\0", 4);
  put(&d, "\x00\x0a" "b\0", 4);
  put(&d, "\x00\x0a" "c\0", 4);
  put(&d, "\x00\x05" "d\0", 4);
  n = mx_order(d.s, d.len, 4, order, 4);
  CHECK(n == 4);
  CHECK(order[0] == 12 && order[3] == 0);
  for (i = 0; i < 200; i++) {
    n = mx_order(d.s, d.len, 4, order, 4);
    if (order[1] == 4 && order[2] == 8) first_b++;
    if (order[1] == 8 && order[2] == 4) first_c++;
  }
  CHECK(first_b + first_c == 200);
  CHECK(first_b > 0 && first_c > 0);
  n = mx_order(d.s, d.len, 4, order, 2);
  CHECK(n == 2 && order[0] == 12);
  stralloc_free(&d);
}

static void test_ipme(void)
{
  CHECK(mx_ipme(4, (const unsigned char *)"\x7f\x00\x00\x01"));
  CHECK(!mx_ipme(4, (const unsigned char *)"\x7f\x00\x00\x02"));
  CHECK(mx_ipme(4, (const unsigned char *)"\x00\x00\x00\x00"));
  CHECK(mx_ipme(6, (const unsigned char *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"));
  CHECK(mx_ipme(6, (const unsigned char *)"\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\x00\x00\x01"));
  CHECK(!mx_ipme(6, (const unsigned char *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x09"));
}

static void test_literals(void)
{
  struct mx_list l = MX_LIST_ZERO;
  stralloc why = STRALLOC_ZERO;

  CHECK(mx_lookup("[192.0.2.7]", 0, &l, &why) == MX_OK);
  CHECK(l.len == 1 && l.h[0].family == 4 && l.h[0].pref == 0);
  CHECK(memcmp(l.h[0].ip, "\xc0\x00\x02\x07", 4) == 0);
  CHECK(mx_lookup("192.0.2.8", 0, &l, &why) == MX_OK);
  CHECK(l.len == 1 && l.h[0].ip[3] == 8);
  CHECK(mx_lookup("[IPv6:2001:db8::1]", 0, &l, &why) == MX_OK);
  CHECK(l.len == 1 && l.h[0].family == 6 && l.h[0].ip[15] == 1);
  CHECK(mx_lookup("[IPv6:2001:db8::1]", MX_V4, &l, &why) == MX_NOADDR);
  CHECK(mx_lookup("[127.0.0.1]", 0, &l, &why) == MX_SELF);
  CHECK(mx_relay("[127.0.0.1]", 0, &l, &why) == MX_OK);
  CHECK(mx_lookup("[1.2.3]", 0, &l, &why) == MX_BAD);
  CHECK(mx_lookup("[1.2.3.4", 0, &l, &why) == MX_BAD);
  CHECK(mx_lookup("1.2.3.400", 0, &l, &why) == MX_BAD);
  CHECK(mx_lookup("`id`.example", 0, &l, &why) == MX_BAD);
  CHECK(memchr(why.s, '`', why.len) == 0);
  mx_list_free(&l);
  stralloc_free(&why);
}

int main(void)
{
  RUN(test_query_make);
  RUN(test_names);
  RUN(test_a);
  RUN(test_mismatch);
  RUN(test_rcodes);
  RUN(test_malformed);
  RUN(test_class_and_types);
  RUN(test_mx);
  RUN(test_cname);
  RUN(test_chain17);
  RUN(test_order);
  RUN(test_ipme);
  RUN(test_literals);
  return check_exit("test_dns");
}
