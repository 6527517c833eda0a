/* test_pw2u: qmail-pw2u's table from password lines, byte for byte: the
   default rules (uid 0, upper case, homes missing or owned by another uid),
   every option, every users/ file, the alias catch-all, the output order,
   malformed input and the fatal errors. Homes are judged by a stand-in:
   "/missing..." does not exist, "/other..." belongs to uid 4242, "/err..."
   cannot be checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "pw2u.h"
#include "check.h"

static char warned[1024];

static int fake_home(void *ctx, const char *home, uid_t uid)
{
  (void)ctx;
  if (!strncmp(home, "/missing", 8)) return PW2U_HOME_MISSING;
  if (!strncmp(home, "/err", 4)) { errno = EIO; return -1; }
  if (!strncmp(home, "/other", 6)) return uid == 4242 ? PW2U_HOME_OK : PW2U_HOME_NOTOWNED;
  return PW2U_HOME_OK;
}

static void fake_warn(void *ctx, size_t lineno, const char *why)
{
  size_t used = strlen(warned);
  (void)ctx;
  snprintf(warned + used, sizeof warned - used, "%zu:%s;", lineno, why);
}

static void config(struct pw2u_config *c)
{
  memset(c, 0, sizeof *c);
  c->breakchar = '-';
  c->dash = "-";
  c->home_policy = PW2U_HOME_SKIP;
  c->alias = "alias";
  c->home = fake_home;
  c->warn = fake_warn;
  warned[0] = 0;
}

#define FILE_(lit) ((struct pw2u_file){ (lit), sizeof(lit) - 1 })

static stralloc out;
static struct pw2u_error err;

static int run(const struct pw2u_config *c, const char *pw)
{
  stralloc_free(&out);
  return pw2u_run(c, pw, strlen(pw), &out, &err);
}

#define OUT_IS(want) CHECK_MEM(out.s, out.len, (want), strlen(want))

static const char alias[] = "alias:*:7790:2108::/var/qmail/alias:/bin/false\n";

static void test_defaults(void)
{
  struct pw2u_config c;

  config(&c);
  CHECK(run(&c,
    "root:x:0:0:root:/root:/bin/bash\n"
    "joe:x:1000:100:Joe User:/home/joe:/bin/sh\n"
    "alias:*:7790:2108::/var/qmail/alias:/bin/false\n"
    "Mixed:x:1001:100::/home/mixed:/bin/sh\n"
    "gone:x:1002:100::/missing/gone:/bin/sh\n"
    "theirs:x:1003:100::/other/theirs:/bin/sh\n"
    "mine:x:4242:100::/other/mine:/bin/sh\n"
    "\n"
    "short:x:1:1:/home/short\n"
    "baduid:x:1x:1::/h:/bin/sh\n"
    "badgid:x:1:-1::/h:/bin/sh\n"
    ":x:1:1::/h:/bin/sh\n"
    "nohome:x:1:1:::/bin/sh\n"
    "joe:x:2000:200::/home/joe2:/bin/sh\n"          /* duplicate: first wins */
    "last:x:1004:100::/home/last:") == 1);          /* no newline */
  OUT_IS(
    "=joe:joe:1000:100:/home/joe:::\n"
    "+joe-:joe:1000:100:/home/joe:-::\n"
    "+:alias:7790:2108:/var/qmail/alias:-::\n"
    "=alias:alias:7790:2108:/var/qmail/alias:::\n"
    "+alias-:alias:7790:2108:/var/qmail/alias:-::\n"
    "=mine:mine:4242:100:/other/mine:::\n"
    "+mine-:mine:4242:100:/other/mine:-::\n"
    "=last:last:1004:100:/home/last:::\n"
    "+last-:last:1004:100:/home/last:-::\n"
    ".\n");
  CHECK_STR(warned,
    "9:fewer than 6 colons;10:bad uid;11:bad gid;12:empty name;13:empty home directory;");

  /* a NUL byte makes a line malformed, not the whole input */
  {
    static const char pw[] = "a\0b:x:1:1::/h:/bin/sh\nalias:*:2:2::/a:/bin/false\n";
    config(&c);
    stralloc_free(&out);
    CHECK(pw2u_run(&c, pw, sizeof pw - 1, &out, &err) == 1);
    OUT_IS("+:alias:2:2:/a:-::\n=alias:alias:2:2:/a:::\n+alias-:alias:2:2:/a:-::\n.\n");
    CHECK_STR(warned, "1:NUL byte in line;");
  }
}

static void test_options(void)
{
  struct pw2u_config c;
  static const char pw[] =
    "Joe:x:1000:100::/missing/joe:/bin/sh\n"
    "bob:x:1001:100::/other/bob:/bin/sh\n"
    "alias:*:7790:2108::/var/qmail/alias:/bin/false\n";

  /* -u -H: upper case allowed, homes not looked at */
  config(&c);
  c.allow_upper = 1;
  c.home_policy = PW2U_HOME_NOCHECK;
  CHECK(run(&c, pw) == 1);
  OUT_IS(
    "=Joe:Joe:1000:100:/missing/joe:::\n"
    "+Joe-:Joe:1000:100:/missing/joe:-::\n"
    "=bob:bob:1001:100:/other/bob:::\n"
    "+bob-:bob:1001:100:/other/bob:-::\n"
    "+:alias:7790:2108:/var/qmail/alias:-::\n"
    "=alias:alias:7790:2108:/var/qmail/alias:::\n"
    "+alias-:alias:7790:2108:/var/qmail/alias:-::\n"
    ".\n");

  /* -u -h: a missing home is fatal and names the home */
  config(&c);
  c.allow_upper = 1;
  c.home_policy = PW2U_HOME_FATAL;
  CHECK(run(&c, pw) == 0);
  CHECK(err.detail && err.detaillen == 12 && !memcmp(err.detail, "/missing/joe", 12));
  /* -h: a home owned by another uid is still only skipped */
  config(&c);
  c.home_policy = PW2U_HOME_FATAL;
  CHECK(run(&c, pw) == 1);
  OUT_IS(
    "+:alias:7790:2108:/var/qmail/alias:-::\n"
    "=alias:alias:7790:2108:/var/qmail/alias:::\n"
    "+alias-:alias:7790:2108:/var/qmail/alias:-::\n"
    ".\n");

  /* -C: no wildcard lines; -cX: another break character; -/: dash "-/" */
  config(&c);
  c.breakchar = 0;
  CHECK(run(&c, "joe:x:1:2::/h:/bin/sh\nalias:x:3:4::/a:\n") == 1);
  OUT_IS("=joe:joe:1:2:/h:::\n+:alias:3:4:/a:-::\n=alias:alias:3:4:/a:::\n.\n");
  config(&c);
  c.breakchar = '.';
  c.dash = "-/";
  CHECK(run(&c, "joe:x:1:2::/h:/bin/sh\nalias:x:3:4::/a:\n") == 1);
  OUT_IS("=joe:joe:1:2:/h:::\n+joe.:joe:1:2:/h:-/::\n"
         "+:alias:3:4:/a:-::\n=alias:alias:3:4:/a:::\n+alias.:alias:3:4:/a:-/::\n.\n");

  /* a home that cannot be checked */
  config(&c);
  errno = 0;
  CHECK(run(&c, "joe:x:1:2::/err/joe:/bin/sh\nalias:x:3:4::/a:\n") == -1);
  CHECK(errno == EIO);
  CHECK(err.detail && err.detaillen == 8 && !memcmp(err.detail, "/err/joe", 8));
}

static void test_alias(void)
{
  struct pw2u_config c;

  config(&c);
  CHECK(run(&c, "joe:x:1:2::/h:/bin/sh\n") == 0);
  CHECK(err.why != NULL && err.file == NULL && err.lineno == 0);
#define NOTIN "alias is not in the password file"
  CHECK(err.detail && err.detaillen == sizeof NOTIN - 1 && !memcmp(err.detail, NOTIN, sizeof NOTIN - 1));
  /* an alias account that the rules skip does not count, and the reason is said */
  CHECK(run(&c, "alias:x:1:2::/missing/a:/bin/sh\n") == 0);
#define NOHOME "alias has a home directory that is missing or not its own"
  CHECK(err.detail && err.detaillen == sizeof NOHOME - 1 && !memcmp(err.detail, NOHOME, sizeof NOHOME - 1));
  CHECK(run(&c, "") == 0);
  /* another name for the alias account */
  c.alias = "qmaila";
  CHECK(run(&c, "qmaila:x:5:6::/q:\n") == 1);
  OUT_IS("+:qmaila:5:6:/q:-::\n=qmaila:qmaila:5:6:/q:::\n+qmaila-:qmaila:5:6:/q:-::\n.\n");
}

static void test_files(void)
{
  struct pw2u_config c;
  static const char pw[] =
    "joe:x:1000:100::/home/joe:/bin/sh\n"
    "ann:x:1001:100::/home/ann:/bin/sh\n"
    "bob:x:1002:100::/home/bob:/bin/sh\n"
    "alias:*:7790:2108::/var/qmail/alias:/bin/false\n"
    "Upper:x:1003:100::/home/upper:/bin/sh\n";

  config(&c);
  c.include = FILE_("joe\n\nann\nalias\nnosuch\nUpper");
  c.exclude = FILE_("ann\n");
  c.mailnames = FILE_("joe:Joe.User:j::jo\nbob:robert\njoe:ignored\n");
  c.subusers = FILE_("sales:joe:work:\nhelp:alias::\nlist:joe:ml\n");
  c.append = FILE_("=extra:joe:1000:100:/home/joe:-:extra:");
  CHECK(run(&c, pw) == 1);
  OUT_IS(
    "=sales:joe:1000:100:/home/joe:-:work:\n"
    "+sales-:joe:1000:100:/home/joe:-:work-:\n"
    "=help:alias:7790:2108:/var/qmail/alias:::\n"
    "+help-:alias:7790:2108:/var/qmail/alias:-::\n"
    "=list:joe:1000:100:/home/joe:-:ml:\n"
    "+list-:joe:1000:100:/home/joe:-:ml-:\n"
    "=Joe.User:joe:1000:100:/home/joe:::\n"
    "+Joe.User-:joe:1000:100:/home/joe:-::\n"
    "=j:joe:1000:100:/home/joe:::\n"
    "+j-:joe:1000:100:/home/joe:-::\n"
    "=jo:joe:1000:100:/home/joe:::\n"
    "+jo-:joe:1000:100:/home/joe:-::\n"
    "+:alias:7790:2108:/var/qmail/alias:-::\n"
    "=alias:alias:7790:2108:/var/qmail/alias:::\n"
    "+alias-:alias:7790:2108:/var/qmail/alias:-::\n"
    "=extra:joe:1000:100:/home/joe:-:extra:\n"
    ".\n");

  /* -/ reaches subusers too; an empty mailnames entry leaves no address */
  config(&c);
  c.dash = "-/";
  c.subusers = FILE_("s:joe:p:\n");
  c.mailnames = FILE_("bob:\n");
  c.append = FILE_("");
  CHECK(run(&c, "joe:x:1:1::/h:\nbob:x:2:2::/b:\nalias:x:3:3::/a:\n") == 1);
  OUT_IS("=s:joe:1:1:/h:-/:p:\n+s-:joe:1:1:/h:-/:p-:\n"
         "=joe:joe:1:1:/h:::\n+joe-:joe:1:1:/h:-/::\n"
         "+:alias:3:3:/a:-::\n=alias:alias:3:3:/a:::\n+alias-:alias:3:3:/a:-/::\n.\n");
}

struct bad {
  const char *file;   /* which users/ file gets text */
  const char *text;
  size_t len;         /* 0: strlen */
  size_t lineno;
};

static void test_bad_files(void)
{
  static const struct bad cases[] = {
    { "users/subusers", "s:joe:p:\nx:nosuch:p:\n", 0, 2 },  /* no such account */
    { "users/subusers", "s:root:p:\n", 0, 1 },               /* uid 0 is no mail account */
    { "users/subusers", "s\n", 0, 1 },
    { "users/subusers", "s:joe\n", 0, 1 },
    { "users/subusers", ":joe:p:\n", 0, 1 },
    { "users/subusers", "s:joe:\0:\n", 9, 1 },
    { "users/mailnames", "joe\n", 0, 1 },
    { "users/mailnames", ":a:b\n", 0, 1 },
    { "users/mailnames", "\njoe:a\0\n", 8, 2 },
    { "users/include", "joe\nal\0ias\n", 11, 2 },
    { "users/exclude", "\0", 1, 1 },
    { "users/append", "=a:b:1:1:/h:::\0\n", 16, 0 },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct pw2u_config c;
    struct pw2u_file f;
    int r;

    config(&c);
    f.s = cases[i].text;
    f.len = cases[i].len ? cases[i].len : strlen(cases[i].text);
    if (!strcmp(cases[i].file, "users/subusers")) c.subusers = f;
    else if (!strcmp(cases[i].file, "users/mailnames")) c.mailnames = f;
    else if (!strcmp(cases[i].file, "users/include")) c.include = f;
    else if (!strcmp(cases[i].file, "users/exclude")) c.exclude = f;
    else c.append = f;
    r = run(&c, "root:x:0:0::/root:/bin/sh\njoe:x:1:1::/h:\nalias:x:3:3::/a:\n");
    CHECK(r == 0);
    CHECK(err.file && !strcmp(err.file, cases[i].file));
    CHECK(err.lineno == cases[i].lineno);
    CHECK(err.why != NULL);
    if (r != 0 || err.lineno != cases[i].lineno) printf("  (case %zu)\n", i);
  }
}

/* long lines and many accounts: nothing is cut */
static void test_large(void)
{
  struct pw2u_config c;
  stralloc pw = STRALLOC_ZERO, want = STRALLOC_ZERO;
  size_t i;
  int ok = 1;

  config(&c);
  for (i = 0; i < 5000; i++) ok &= stralloc_append(&pw, 'n');
  ok &= stralloc_cats(&pw, ":x:1:1::/h");
  for (i = 0; i < 70000; i++) ok &= stralloc_append(&pw, 'd');
  ok &= stralloc_cats(&pw, ":/bin/sh\n");
  for (i = 0; i < 3000; i++) {
    ok &= stralloc_cats(&pw, "u");
    ok &= stralloc_catulong(&pw, i);
    ok &= stralloc_cats(&pw, ":x:5:5::/h:\n");
  }
  CHECK(ok);
  CHECK(stralloc_cats(&pw, alias));
  stralloc_free(&out);
  CHECK(pw2u_run(&c, pw.s, pw.len, &out, &err) == 1);
  CHECK(out.len > 2 * (5000 + 70000));
  CHECK(out.s[0] == '=' && out.s[5000] == 'n' && out.s[5001] == ':');
  /* u2999 is there, once */
  CHECK(stralloc_copys(&want, "\n=u2999:u2999:5:5:/h:::\n+u2999-:u2999:5:5:/h:-::\n+:alias:"));
  CHECK(memmem(out.s, out.len, want.s, want.len) != NULL);
  stralloc_free(&pw);
  stralloc_free(&want);
}

int main(void)
{
  RUN(test_defaults);
  RUN(test_options);
  RUN(test_alias);
  RUN(test_files);
  RUN(test_bad_files);
  RUN(test_large);
  stralloc_free(&out);
  return check_exit("test_pw2u");
}
