#include <string.h>
#include "check.h"
#include "../../rewrite.h"
#include "../../map.h"
#include "../../stralloc.h"
#include "../../todo.h"
#include "../../str.h"
#include "../../bounce.h"

static struct map locals, ph, vd;
static struct rewrite_config cfg;

static void setup(void)
{
  static const char l[] = "localhost\0example.org\0";
  static const char p[] = "relay.example\0";
  static const char v[] = "virt.example:vp\0joe@other.example:joeprefix\0.sub.example:subp\0except.sub.example:\0";
  CHECK(map_init(&locals, l, sizeof l - 1, 0));
  CHECK(map_init(&ph, p, sizeof p - 1, 0));
  CHECK(map_init(&vd, v, sizeof v - 1, 1));
  cfg.locals = &locals;
  cfg.percenthack = &ph;
  cfg.virtualdomains = &vd;
  cfg.envnoathost = "envhost.example";
}

static int rw(const char *in, const char *want)
{
  stralloc out = STRALLOC_ZERO;
  int c = rewrite_recipient(&cfg, in, strlen(in), &out);
  CHECK_MEM(out.s, out.len, want, strlen(want));
  stralloc_free(&out);
  return c;
}

static void test_rewrite(void)
{
  CHECK(rw("joe@localhost", "joe@localhost") == CHANNEL_LOCAL);
  CHECK(rw("joe@LocalHost", "joe@LocalHost") == CHANNEL_LOCAL);
  CHECK(rw("joe@remote.example", "joe@remote.example") == CHANNEL_REMOTE);
  CHECK(rw("joe", "joe@envhost.example") == CHANNEL_REMOTE);
  /* last @ decides */
  CHECK(rw("a@b@localhost", "a@b@localhost") == CHANNEL_LOCAL);
  CHECK(rw("a@localhost@remote.example", "a@localhost@remote.example") == CHANNEL_REMOTE);
  /* percenthack */
  CHECK(rw("u%remote.example@relay.example", "u@remote.example") == CHANNEL_REMOTE);
  CHECK(rw("u%example.org@relay.example", "u@example.org") == CHANNEL_LOCAL);
  CHECK(rw("u%x@notlisted.example", "u%x@notlisted.example") == CHANNEL_REMOTE);
  /* virtualdomains: address, domain, suffix, exception */
  CHECK(rw("bob@virt.example", "vp-bob@virt.example") == CHANNEL_LOCAL);
  CHECK(rw("joe@other.example", "joeprefix-joe@other.example") == CHANNEL_LOCAL);
  CHECK(rw("ann@other.example", "ann@other.example") == CHANNEL_REMOTE);
  CHECK(rw("x@a.sub.example", "subp-x@a.sub.example") == CHANNEL_LOCAL);
  CHECK(rw("x@sub.example", "x@sub.example") == CHANNEL_REMOTE);
  CHECK(rw("x@except.sub.example", "x@except.sub.example") == CHANNEL_REMOTE);
}

static void test_percent_chain(void)
{
  /* a%b%c@relay: strip one level while the domain is listed */
  stralloc out = STRALLOC_ZERO;
  CHECK(rewrite_recipient(&cfg, "a%b%relay.example@relay.example", 31, &out) == CHANNEL_REMOTE);
  CHECK_MEM(out.s, out.len, "a@b", 3);
  stralloc_free(&out);
}

static void test_unvirtual(void)
{
  stralloc out = STRALLOC_ZERO;
  CHECK(rewrite_unvirtual(&cfg, "vp-bob@virt.example", 19, &out));
  CHECK_MEM(out.s, out.len, "bob@virt.example", 16);
  CHECK(rewrite_unvirtual(&cfg, "bob@virt.example", 16, &out));
  CHECK_MEM(out.s, out.len, "bob@virt.example", 16);
  stralloc_free(&out);
}

static void test_verp(void)
{
  stralloc out = STRALLOC_ZERO;
  const char *s = "list-@example.org-@[]";
  CHECK(verp_sender(s, strlen(s), "joe@x.com", 9, &out));
  CHECK_STR(out.s, "list-joe=x.com@example.org");
  CHECK(verp_sender("a@b", 3, "joe@x.com", 9, &out));
  CHECK_STR(out.s, "a@b");
  CHECK(verp_sender("", 0, "joe@x.com", 9, &out));
  CHECK_STR(out.s, "");
  stralloc_free(&out);
}

/* feeds buf[0..len) to the record reader as qmail-send does; returns
   todo_end's result, the recipients joined by ',' in out */
static int todo_feed(const char *buf, size_t len, struct todo *t, stralloc *out)
{
  size_t pos = 0;
  int complete = 1;
  struct todo z = TODO_INIT;
  *t = z;
  out->len = 0;
  while (pos < len) {
    size_t n = byte_chr(buf + pos, len - pos, 0);
    int k;
    if (pos + n == len) { complete = 0; break; }
    k = todo_record(t, buf + pos, n);
    if (k == -1) return -1;
    if (k == TODO_RECIPIENT || k == TODO_SENDER) {
      if (out->len) stralloc_append(out, ',');
      stralloc_catb(out, buf + pos + 1, n - 1);
    }
    pos += n + 1;
  }
  return todo_end(t, complete);
}

static void test_todo(void)
{
  static const char good[] = "u1000\0p4242\0Fsender@x\0Ta@b\0\0Tc@d\0";
  static const char nof[] = "u1\0Ta@b\0";
  static const char trunc[] = "u1\0Fs\0Ta@b";
  static const char twof[] = "Fa\0Fb\0Tc\0";
  struct todo t;
  stralloc out = STRALLOC_ZERO;
  CHECK(todo_feed(good, sizeof good - 1, &t, &out) == 0);
  CHECK(t.uid == 1000 && t.pid == 4242 && t.recipients == 2 && t.unknown == 1);
  CHECK_MEM(out.s, out.len, "sender@x,a@b,c@d", 16);
  CHECK(todo_feed(nof, sizeof nof - 1, &t, &out) == -1);
  CHECK(todo_feed(trunc, sizeof trunc - 1, &t, &out) == -1);
  CHECK(todo_feed("", 0, &t, &out) == -1);
  CHECK(todo_feed(twof, sizeof twof - 1, &t, &out) == 0);
  CHECK(t.unknown == 1);
  CHECK_MEM(out.s, out.len, "a,c", 3);
  stralloc_free(&out);
}

static void test_bounce(void)
{
  stralloc out = STRALLOC_ZERO;
  static const char want[] = "<a_b@x>:\nline1\n/\nline2\n\n";
  CHECK(bounce_paragraph(&out, "a\nb@x", 5, "line1\n\nline2", 12));
  CHECK_MEM(out.s, out.len, want, sizeof want - 1);
  out.len = 0;
  /* an empty report still makes exactly one paragraph */
  CHECK(bounce_paragraph(&out, "x@y", 3, "", 0));
  CHECK_MEM(out.s, out.len, "<x@y>:\n\n", 8);
  out.len = 0;
  CHECK(bounce_paragraph(&out, "x@y", 3, "no newline", 10));
  CHECK_MEM(out.s, out.len, "<x@y>:\nno newline\n\n", 19);
  stralloc_free(&out);
}

int main(void)
{
  setup();
  RUN(test_rewrite);
  RUN(test_percent_chain);
  RUN(test_unvirtual);
  RUN(test_verp);
  RUN(test_todo);
  RUN(test_bounce);
  return check_exit("test_rewrite");
}
