/* test_assign: users/assign parsing (good and bad input, line numbers), the
   exact users/cdb records assign_make writes, and the precedence of
   assign_lookup: simple before wildcard, longer prefix before shorter, only
   prefixes ending in a wildchar, the catch-all last, first duplicate wins. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "assign.h"
#include "cdb.h"
#include "cdb_make.h"
#include "check.h"

static int temp_file(void)
{
  char name[] = "/tmp/test_assign.XXXXXX";
  int fd = mkstemp(name);
  if (fd == -1) { perror("mkstemp"); exit(2); }
  unlink(name);
  return fd;
}

/* ---- parsing ---- */

struct seen {
  int count;
  char text[1024]; /* "w|key|user|uid|gid|home|dash|ext;" per line */
  size_t lastline;
  int fail_at;
};

static int collect(void *ctx, const struct assign_line *a)
{
  struct seen *s = ctx;
  size_t used = strlen(s->text);
  s->count++;
  s->lastline = a->lineno;
  if (s->fail_at && s->count == s->fail_at) {
    errno = ENOSPC;
    return -1;
  }
  snprintf(s->text + used, sizeof s->text - used, "%c|%.*s|%.*s|%lu|%lu|%.*s|%.*s|%.*s;",
           a->wildcard ? '+' : '=', (int)a->keylen, a->key, (int)a->userlen, a->user,
           (unsigned long)a->uid, (unsigned long)a->gid, (int)a->homedirlen, a->homedir,
           (int)a->dashlen, a->dash, (int)a->extlen, a->ext);
  return 0;
}

static int parse(const char *text, size_t len, struct seen *s, size_t *line, const char **why)
{
  memset(s, 0, sizeof *s);
  return assign_parse(text, len, collect, s, line, why);
}
#define PARSE(t, s, l, w) parse((t), sizeof(t) - 1, (s), (l), (w))

static void test_parse_good(void)
{
  static const char text[] =
    "=joe:joe:1000:100:/home/joe:::\n"
    "+joe-:joe:1000:100:/home/joe:-::\n"
    "=Info:joe:1000:100:/home/joe:-:info:\n"
    "+:alias:7790:2108:/var/qmail/alias:-::\n"
    "=x:u:0:0:/:a:b:trailing text is ignored\n"
    ".\n"
    "anything after the end line is ignored\n";
  struct seen s;
  size_t line = 0;
  const char *why = "unset";

  CHECK(PARSE(text, &s, &line, &why) == 1);
  CHECK(s.count == 5);
  CHECK(line == 6);
  CHECK(why == NULL);
  CHECK_STR(s.text,
    "=|joe|joe|1000|100|/home/joe||;"
    "+|joe-|joe|1000|100|/home/joe|-|;"
    "=|Info|joe|1000|100|/home/joe|-|info;"
    "+||alias|7790|2108|/var/qmail/alias|-|;"
    "=|x|u|0|0|/|a|b;");
  CHECK(s.lastline == 5);

  /* "." as the very last bytes, without a newline */
  CHECK(PARSE("=a:a:1:1:/h:::\n.", &s, &line, &why) == 1);
  CHECK(s.count == 1);
  /* an empty table */
  CHECK(PARSE(".\n", &s, &line, &why) == 1);
  CHECK(s.count == 0);
  /* the largest ids that are not (id)-1 */
  CHECK(PARSE("=a:a:4294967294:4294967294:/h:::\n.\n", &s, &line, &why) == 1);
  CHECK_STR(s.text, "=|a|a|4294967294|4294967294|/h||;");
  /* NULL line, why and callback are allowed */
  CHECK(assign_parse("=a:a:1:1:/h:::\n.\n", 17, NULL, NULL, NULL, NULL) == 1);
}

struct bad_case {
  const char *text;
  size_t len; /* 0: strlen */
  size_t line;
};

static void test_parse_bad(void)
{
  static const struct bad_case cases[] = {
    { "", 0, 1 },                                         /* no end line */
    { "=a:a:1:1:/h:::\n", 0, 2 },                         /* no end line */
    { "=a:a:1:1:/h:::", 0, 1 },                           /* no newline, no end */
    { "=a:a:1:1:/h::\n.\n", 0, 1 },                       /* 6 colons */
    { "=a:a:1:1:/h:::\n=b\n.\n", 0, 2 },                  /* no fields at all */
    { "=a:a:1:1:/h:::\n\n.\n", 0, 2 },                    /* empty line */
    { "=a:a:1:1:/h:::\n-a:a:1:1:/h:::\n.\n", 0, 2 },      /* bad type */
    { "a:a:1:1:/h:::\n.\n", 0, 1 },                       /* no type */
    { ".x\n", 0, 1 },                                     /* not exactly "." */
    { " .\n", 0, 1 },
    { "=:a:1:1:/h:::\n.\n", 0, 1 },                       /* empty local */
    { "=a::1:1:/h:::\n.\n", 0, 1 },                       /* empty user */
    { "=a:a::1:/h:::\n.\n", 0, 1 },                       /* empty uid */
    { "=a:a:1x:1:/h:::\n.\n", 0, 1 },                     /* bad uid */
    { "=a:a:-1:1:/h:::\n.\n", 0, 1 },
    { "=a:a:+1:1:/h:::\n.\n", 0, 1 },
    { "=a:a:4294967295:1:/h:::\n.\n", 0, 1 },             /* (uid_t)-1 */
    { "=a:a:4294967296:1:/h:::\n.\n", 0, 1 },             /* overflow */
    { "=a:a:99999999999999999999999:1:/h:::\n.\n", 0, 1 },
    { "=a:a:1:x:/h:::\n.\n", 0, 1 },                      /* bad gid */
    { "=a:a:1::/h:::\n.\n", 0, 1 },
    { "=a:a:1:1::::\n.\n", 0, 1 },                        /* empty home */
    { "=a:a:1:1:/h:::\n=b:b:2:2:/\0:::\n.\n", 32, 2 },    /* NUL byte */
    { "=a:a:1:1:/h:::\n.\0\n", 19, 2 },                   /* NUL in end line */
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct seen s;
    size_t line = 0;
    const char *why = NULL;
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
    int r = parse(cases[i].text, len, &s, &line, &why);
    CHECK(r == 0);
    CHECK(line == cases[i].line);
    CHECK(why != NULL);
    if (r != 0 || line != cases[i].line) printf("  (case %zu)\n", i);
  }
}

static void test_parse_callback_fails(void)
{
  static const char text[] = "=a:a:1:1:/h:::\n=b:b:1:1:/h:::\n=c:c:1:1:/h:::\n.\n";
  struct seen s;
  size_t line = 0;

  memset(&s, 0, sizeof s);
  s.fail_at = 2;
  errno = 0;
  CHECK(assign_parse(text, sizeof text - 1, collect, &s, &line, NULL) == -1);
  CHECK(errno == ENOSPC);
  CHECK(line == 2);
  CHECK(s.count == 2);
}

/* ---- entries ---- */

#define EP(e, lit) assign_entry_parse((e), (lit), sizeof(lit) - 1)

static void test_entry_parse(void)
{
  struct assign_entry e = ASSIGN_ENTRY_ZERO;

  CHECK(EP(&e, "joe\0" "1000\0" "100\0" "/home/joe\0" "-\0" "ext") == 1);
  CHECK_STR(e.user, "joe");
  CHECK(e.uid == 1000 && e.gid == 100);
  CHECK_STR(e.homedir, "/home/joe");
  CHECK_STR(e.dash, "-");
  CHECK_STR(e.ext, "ext");
  CHECK(e.extlen == 3);
  /* qmail-getpw's output: ext NUL-terminated too */
  CHECK(EP(&e, "joe\0" "1000\0" "100\0" "/home/joe\0" "\0" "\0") == 1);
  CHECK_STR(e.dash, "");
  CHECK_STR(e.ext, "");
  CHECK(e.extlen == 0);
  errno = 0;
  CHECK(EP(&e, "joe\0" "1000\0" "100\0" "/home/joe\0" "-") == 0);
  CHECK(errno == EPROTO);
  CHECK(e.user == NULL);
  CHECK(EP(&e, "joe\0" "1000\0" "100\0" "/h\0" "-\0" "x\0" "y") == 0);
  CHECK(EP(&e, "joe\0" "1000\0" "100\0" "/h\0" "-\0" "x\0\0") == 0);
  CHECK(EP(&e, "\0" "1000\0" "100\0" "/h\0" "-\0" "x") == 0);
  CHECK(EP(&e, "j\0" "10a0\0" "100\0" "/h\0" "-\0" "x") == 0);
  CHECK(EP(&e, "j\0" "1\0" "\0" "/h\0" "-\0" "x") == 0);
  CHECK(EP(&e, "j\0" "1\0" "1\0" "\0" "-\0" "x") == 0);
  CHECK(EP(&e, "") == 0);
  assign_entry_free(&e);
  assign_entry_free(&e);
}

/* ---- compiling and looking up ---- */

static const char table[] =
  "=joe:joe:1000:100:/home/joe:::\n"
  "+joe-:joe:1000:100:/home/joe:-::\n"
  "+joe-list-:lists:1001:100:/home/lists:-:joe-:\n"
  "=Info:joe:1000:100:/home/joe:-:info:\n"
  "=info:second:1:1:/nowhere:::\n"            /* duplicate: never found */
  "+Sales=:sales:1002:100:/home/sales:-:in-:\n"
  "+ab:ab:1003:100:/home/ab:-::\n"
  "+:alias:7790:2108:/var/qmail/alias:-::\n"
  ".\n";

static int build(const char *text, size_t len, struct cdb *c)
{
  struct cdb_make m;
  size_t line = 0;
  const char *why = NULL;
  int fd = temp_file();
  int r;

  CHECK(cdb_make_start(&m, fd) == 0);
  r = assign_make(&m, text, len, &line, &why);
  CHECK(cdb_make_finish(&m) == 0);
  CHECK(cdb_init(c, fd) == 0);
  return r;
}

static int data_is(struct cdb *c, const char *key, size_t klen, const char *want, size_t wlen)
{
  char buf[256];
  if (cdb_find(c, key, klen) != 1) return 0;
  if (cdb_datalen(c) != wlen || wlen > sizeof buf) return 0;
  if (cdb_read(c, buf, wlen, cdb_datapos(c)) != 0) return 0;
  return memcmp(buf, want, wlen) == 0;
}
#define DATA_IS(c, k, w) data_is((c), (k), sizeof(k) - 1, (w), sizeof(w) - 1)

static void test_make_records(void)
{
  struct cdb c;

  CHECK(build(table, sizeof table - 1, &c) == 1);
  CHECK(DATA_IS(&c, "!joe\0", "joe\0" "1000\0" "100\0" "/home/joe\0" "\0"));
  CHECK(DATA_IS(&c, "!joe-", "joe\0" "1000\0" "100\0" "/home/joe\0" "-\0"));
  CHECK(DATA_IS(&c, "!joe-list-", "lists\0" "1001\0" "100\0" "/home/lists\0" "-\0" "joe-"));
  CHECK(DATA_IS(&c, "!info\0", "joe\0" "1000\0" "100\0" "/home/joe\0" "-\0" "info"));
  CHECK(DATA_IS(&c, "!sales=", "sales\0" "1002\0" "100\0" "/home/sales\0" "-\0" "in-"));
  CHECK(DATA_IS(&c, "!", "alias\0" "7790\0" "2108\0" "/var/qmail/alias\0" "-\0"));
  /* wildchars: last characters of the non-empty prefixes, lowercased, once */
  CHECK(DATA_IS(&c, "", "-=b"));
  /* no NUL on wildcard keys, a NUL on simple ones */
  CHECK(cdb_find(&c, "!joe", 4) == 0);
  CHECK(cdb_find(&c, "!joe-\0", 6) == 0);
  CHECK(cdb_find(&c, "!Info\0", 6) == 0);
  /* both "info" lines are in the file; the first comes first */
  CHECK(cdb_find(&c, "!info\0", 6) == 1);
  CHECK(cdb_findnext(&c, "!info\0", 6) == 1);
  CHECK(cdb_findnext(&c, "!info\0", 6) == 0);
  cdb_free(&c);

  /* an empty table still has the (empty) wildchars record */
  CHECK(build(".\n", 2, &c) == 1);
  CHECK(cdb_find(&c, "", 0) == 1 && cdb_datalen(&c) == 0);
  cdb_free(&c);

  /* a bad line is reported with its number */
  {
    struct cdb_make m;
    size_t line = 0;
    const char *why = NULL;
    int fd = temp_file();
    static const char bad[] = "=a:a:1:1:/h:::\n=b:b:1:1:/h::\n.\n";
    CHECK(cdb_make_start(&m, fd) == 0);
    CHECK(assign_make(&m, bad, sizeof bad - 1, &line, &why) == 0);
    CHECK(line == 2);
    CHECK(why != NULL);
    cdb_make_free(&m);
    close(fd);
  }
}

static int lookup(struct cdb *c, const char *local, struct assign_entry *e)
{
  return assign_lookup(c, local, strlen(local), e);
}

#define EXPECT(c, local, want_user, want_dash, want_ext) do { \
  struct assign_entry e_ = ASSIGN_ENTRY_ZERO; \
  CHECK(lookup((c), (local), &e_) == 1); \
  CHECK(e_.user && strcmp(e_.user, (want_user)) == 0); \
  CHECK(e_.dash && strcmp(e_.dash, (want_dash)) == 0); \
  CHECK(e_.ext && strcmp(e_.ext, (want_ext)) == 0); \
  CHECK(e_.ext && e_.extlen == strlen(want_ext)); \
  assign_entry_free(&e_); } while (0)

static void test_lookup(void)
{
  struct cdb c;
  struct assign_entry e = ASSIGN_ENTRY_ZERO;

  CHECK(build(table, sizeof table - 1, &c) == 1);

  /* simple beats wildcard, and case does not matter for the key */
  CHECK(lookup(&c, "joe", &e) == 1);
  CHECK_STR(e.user, "joe");
  CHECK(e.uid == 1000 && e.gid == 100);
  CHECK_STR(e.homedir, "/home/joe");
  CHECK_STR(e.dash, "");
  CHECK_STR(e.ext, "");
  EXPECT(&c, "JoE", "joe", "", "");
  /* first duplicate wins */
  EXPECT(&c, "INFO", "joe", "-", "info");
  /* wildcard: the rest of the local part, original case, after pre */
  EXPECT(&c, "joe-Foo", "joe", "-", "Foo");
  EXPECT(&c, "joe-", "joe", "-", "");
  /* the longer prefix beats the shorter one */
  EXPECT(&c, "joe-list-x", "lists", "-", "joe-x");
  EXPECT(&c, "JOE-LIST-Xy", "lists", "-", "joe-Xy");
  EXPECT(&c, "joe-list", "joe", "-", "list");
  /* an upper-case prefix in users/assign still works */
  EXPECT(&c, "sales=Q1", "sales", "-", "in-Q1");
  /* a prefix ending in a wildchar other than '-' */
  EXPECT(&c, "abc", "ab", "-", "c");
  EXPECT(&c, "ab", "ab", "-", "");
  /* catch-all */
  EXPECT(&c, "nobody", "alias", "-", "nobody");
  EXPECT(&c, "Jo", "alias", "-", "Jo");
  EXPECT(&c, "joex", "alias", "-", "joex");
  EXPECT(&c, "a", "alias", "-", "a");
  /* e is reused: old contents replaced */
  CHECK(lookup(&c, "postmaster", &e) == 1);
  CHECK_STR(e.user, "alias");
  CHECK_STR(e.ext, "postmaster");
  CHECK(e.uid == 7790 && e.gid == 2108);
  /* a NUL in the local part is refused */
  errno = 0;
  CHECK(assign_lookup(&c, "joe\0x", 5, &e) == -1 && errno == EINVAL);
  CHECK(e.user == NULL);
  cdb_free(&c);

  /* without a catch-all, unknown addresses are not found */
  {
    static const char t[] = "=joe:joe:1000:100:/home/joe:::\n+joe-:joe:1000:100:/home/joe:-::\n.\n";
    CHECK(build(t, sizeof t - 1, &c) == 1);
    CHECK(lookup(&c, "nobody", &e) == 0);
    CHECK(e.user == NULL);
    CHECK(lookup(&c, "jo", &e) == 0);
    EXPECT(&c, "joe-x", "joe", "-", "x");
    cdb_free(&c);
  }
  assign_entry_free(&e);
}

/* files not made by assign_make: wildchars missing or incomplete, corrupt
   records */
static void test_lookup_foreign(void)
{
  static const char rec[] = "ab\0" "1003\0" "100\0" "/home/ab\0" "-\0";
  struct cdb_make m;
  struct cdb c;
  struct assign_entry e = ASSIGN_ENTRY_ZERO;
  int fd = temp_file();

  /* "!ab" exists but 'b' is not a wildchar: never tried */
  CHECK(cdb_make_start(&m, fd) == 0);
  CHECK(cdb_make_add(&m, "!ab", 3, rec, sizeof rec - 1) == 0);
  CHECK(cdb_make_add(&m, "!x", 2, rec, sizeof rec - 1) == 0);
  CHECK(cdb_make_add(&m, "", 0, "-x", 2) == 0);
  CHECK(cdb_make_finish(&m) == 0);
  CHECK(cdb_init(&c, fd) == 0);
  CHECK(lookup(&c, "abc", &e) == 0);
  EXPECT(&c, "xyz", "ab", "-", "yz");
  cdb_free(&c);
  close(fd);

  /* no wildchars record at all: only exact keys and the catch-all */
  fd = temp_file();
  CHECK(cdb_make_start(&m, fd) == 0);
  CHECK(cdb_make_add(&m, "!ab", 3, rec, sizeof rec - 1) == 0);
  CHECK(cdb_make_add(&m, "!ab\0", 4, rec, sizeof rec - 1) == 0);
  CHECK(cdb_make_finish(&m) == 0);
  CHECK(cdb_init(&c, fd) == 0);
  CHECK(lookup(&c, "abc", &e) == 0);
  EXPECT(&c, "ab", "ab", "-", "");
  cdb_free(&c);
  close(fd);

  /* corrupt data: too few fields, a bad uid, an extra NUL */
  fd = temp_file();
  CHECK(cdb_make_start(&m, fd) == 0);
  CHECK(cdb_make_add(&m, "!few\0", 5, "a\0" "1\0" "1\0" "/h\0" "-", 10) == 0);
  CHECK(cdb_make_add(&m, "!uid\0", 5, "a\0" "x\0" "1\0" "/h\0" "-\0", 11) == 0);
  CHECK(cdb_make_add(&m, "!nul\0", 5, "a\0" "1\0" "1\0" "/h\0" "-\0" "e\0", 13) == 0);
  CHECK(cdb_make_add(&m, "", 0, "", 0) == 0);
  CHECK(cdb_make_finish(&m) == 0);
  CHECK(cdb_init(&c, fd) == 0);
  errno = 0;
  CHECK(lookup(&c, "few", &e) == -1 && errno == EPROTO);
  CHECK(e.user == NULL);
  errno = 0;
  CHECK(lookup(&c, "uid", &e) == -1 && errno == EPROTO);
  errno = 0;
  CHECK(lookup(&c, "nul", &e) == -1 && errno == EPROTO);
  CHECK(lookup(&c, "other", &e) == 0);
  cdb_free(&c);
  close(fd);
  assign_entry_free(&e);
}

int main(void)
{
  RUN(test_parse_good);
  RUN(test_parse_bad);
  RUN(test_parse_callback_fails);
  RUN(test_entry_parse);
  RUN(test_make_records);
  RUN(test_lookup);
  RUN(test_lookup_foreign);
  return check_exit("test_assign");
}
