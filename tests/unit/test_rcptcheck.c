/* test_rcptcheck: the users/rcpt.cdb key normalisation and lookup order on
   hand-made tables (exact first, then the longest prefix, "0" records
   shadowing shorter "1" prefixes, the wildchars, corrupt records), the
   staleness stamps, and rcptmake's choice of records: the precedence of
   users/assign over the password database, longer prefixes over shorter,
   .qmail-EXT, .qmail-PREFIX-default, .qmail-default, the alias account,
   empty dash, unreadable homes, explicit entries; then the same routes
   compared with an independent model (rcpt_oracle.h) on random tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "rcpt_oracle.h"

static int temp_file(void)
{
  char name[] = "/tmp/test_rcptcheck.XXXXXX";
  int fd = mkstemp(name);
  if (fd == -1) { perror("mkstemp"); exit(2); }
  unlink(name);
  return fd;
}

static int look(struct cdb *c, const char *local)
{
  return rcptcheck_lookup(c, local, strlen(local));
}

static void test_key(void)
{
  stralloc sa = STRALLOC_ZERO;
  CHECK(rcptcheck_key(&sa, "Joe.Smith-X:y@Z", 15) == 1);
  CHECK_MEM(sa.s, sa.len, "joe:smith-x:y@z", 15);
  CHECK(rcptcheck_key(&sa, "", 0) == 1);
  CHECK(sa.len == 0);
  CHECK(rcptcheck_key(&sa, "\xc4\x80.", 3) == 1); /* only ASCII changes */
  CHECK_MEM(sa.s, sa.len, "\xc4\x80:", 3);
  stralloc_free(&sa);
}

/* a table of key/value pairs, "" value for the wildchars */
static void make_table(int fd, struct cdb *c, const char *const *kv)
{
  struct cdb_make m;
  if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1) exit(2);
  if (cdb_make_start(&m, fd) == -1) exit(2);
  for (; *kv; kv += 2)
    if (cdb_make_add(&m, kv[0], strlen(kv[0]), kv[1], strlen(kv[1])) == -1) exit(2);
  if (cdb_make_finish(&m) == -1 || cdb_init(c, fd) == -1) exit(2);
}

static void test_lookup_order(void)
{
  static const char *const kv[] = {
    "=joe", "1", "=bad", "0", "+joe-", "0", "+joe-list-", "1", "=joe-list-no", "0",
    "+ab", "1", "+", "0", "", "-b", 0
  };
  struct cdb c;
  int fd = temp_file();

  make_table(fd, &c, kv);
  CHECK(look(&c, "joe") == 1);
  CHECK(look(&c, "JOE") == 1);
  CHECK(look(&c, "bad") == 0);
  CHECK(look(&c, "joe-x") == 0);            /* "0" prefix */
  CHECK(look(&c, "joe-list-x") == 1);       /* longer prefix */
  CHECK(look(&c, "joe-list-no") == 0);      /* exact beats prefix */
  CHECK(look(&c, "Joe-List-NO") == 0);
  CHECK(look(&c, "joe-list-") == 1);        /* the prefix itself */
  CHECK(look(&c, "abc") == 1);              /* 'b' is a wildchar */
  CHECK(look(&c, "nobody") == 0);           /* "+" catch-all "0" */
  CHECK(look(&c, "") == 0);
  cdb_free(&c);

  {
    /* a prefix whose last byte is not a wildchar is never tried */
    static const char *const kv2[] = { "+ab", "1", "", "-", 0 };
    make_table(fd, &c, kv2);
    CHECK(look(&c, "abc") == 0);
    cdb_free(&c);
  }
  {
    /* no "+" record: unknown; '.' and ':' are one */
    static const char *const kv3[] = { "=a:b", "1", "+x:", "1", "", ":", 0 };
    make_table(fd, &c, kv3);
    CHECK(look(&c, "a.b") == 1);
    CHECK(look(&c, "A:B") == 1);
    CHECK(look(&c, "X.y") == 1);
    CHECK(look(&c, "ab") == 0);
    cdb_free(&c);
  }
  {
    /* malformed values are errors, not answers */
    static const char *const kv4[] = { "=a", "2", "=b", "11", "=c", "", 0 };
    make_table(fd, &c, kv4);
    errno = 0;
    CHECK(look(&c, "a") == -1 && errno == EPROTO);
    CHECK(look(&c, "b") == -1);
    CHECK(look(&c, "c") == -1);
    cdb_free(&c);
  }
  {
    /* a NUL in the local part is just a byte */
    static const char *const kv5[] = { "", "", 0 };
    make_table(fd, &c, kv5);
    CHECK(rcptcheck_lookup(&c, "a\0b", 3) == 0);
    cdb_free(&c);
  }
  close(fd);
}

static void test_stale(void)
{
  char dir[] = "/tmp/test_rcptcheck.d.XXXXXX";
  char cwd[4096];
  stralloc src = STRALLOC_ZERO;
  struct cdb c;
  struct cdb_make m;
  int fd = temp_file(), f;

  if (!mkdtemp(dir) || !getcwd(cwd, sizeof cwd) || chdir(dir) == -1) exit(2);
  f = open("a", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (f == -1 || write(f, "x", 1) != 1) exit(2);
  close(f);
  CHECK(rcptcheck_stamp(&src, "a") == 1);
  CHECK(rcptcheck_stamp(&src, "missing") == 1);
  CHECK(rcptcheck_stamp(&src, "a/b") == 1); /* ENOTDIR: absent */
  CHECK(src.len > 2 && memcmp(src.s, "a\0", 2) == 0);
  CHECK(memmem(src.s, src.len, "missing\0-\0a/b\0-\0", 16) != 0);

  if (cdb_make_start(&m, fd) == -1 ||
      cdb_make_add(&m, RCPTCHECK_SOURCES, 1, src.s, src.len) == -1 ||
      cdb_make_finish(&m) == -1 || cdb_init(&c, fd) == -1)
    exit(2);
  CHECK(rcptcheck_stale(&c) == 0);
  f = open("a", O_WRONLY | O_APPEND);
  if (f == -1 || write(f, "y", 1) != 1) exit(2);
  close(f);
  CHECK(rcptcheck_stale(&c) == 1);          /* changed */
  cdb_free(&c);

  src.len = 0;
  CHECK(rcptcheck_stamp(&src, "a") == 1);
  CHECK(rcptcheck_stamp(&src, "missing") == 1);
  make_table(fd, &c, (const char *const[]){ 0 });
  cdb_free(&c);
  if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1) exit(2);
  if (cdb_make_start(&m, fd) == -1 ||
      cdb_make_add(&m, RCPTCHECK_SOURCES, 1, src.s, src.len) == -1 ||
      cdb_make_finish(&m) == -1 || cdb_init(&c, fd) == -1)
    exit(2);
  CHECK(rcptcheck_stale(&c) == 0);
  f = open("missing", O_WRONLY | O_CREAT, 0644);
  close(f);
  CHECK(rcptcheck_stale(&c) == 1);          /* appeared */
  unlink("missing");
  CHECK(rcptcheck_stale(&c) == 0);
  unlink("a");
  CHECK(rcptcheck_stale(&c) == 1);          /* gone */
  cdb_free(&c);

  /* no record: never stale; a malformed one: EPROTO */
  make_table(fd, &c, (const char *const[]){ "=a", "1", 0 });
  CHECK(rcptcheck_stale(&c) == 0);
  cdb_free(&c);
  make_table(fd, &c, (const char *const[]){ "?", "a", 0 });
  errno = 0;
  CHECK(rcptcheck_stale(&c) == -1 && errno == EPROTO);
  cdb_free(&c);

  if (chdir(cwd) == -1) exit(2);
  rmdir(dir);
  close(fd);
  stralloc_free(&src);
}

/* ---- rcptmake on hand-made routes ---- */

static struct oracle o;
static int ofd = -1;

static void reset(void)
{
  memset(&o, 0, sizeof o);
}

static void names(int home, const char *const *list)
{
  for (; *list; list++)
    if (!oracle_name(&o, home, *list)) exit(2);
}

/* builds the table; checks each local part against want and the oracle */
static void expect(const char *const *cases)
{
  struct cdb c;
  if (ofd == -1) ofd = temp_file();
  CHECK(oracle_build(&o, ofd, &c) == 1);
  for (; *cases; cases += 2) {
    int want = cases[1][0] - '0';
    int got = look(&c, cases[0]);
    int model = oracle_answer(&o, cases[0], strlen(cases[0]));
    if (got != want || model != want)
      printf("  local part '%s': table %d, model %d, want %d\n", cases[0], got, model, want);
    CHECK(got == want);
    CHECK(model == want);
  }
  cdb_free(&c);
}

static void test_passwd(void)
{
  reset();
  /* qmail-getpw: account joe (home 0), mary (home 1), alias (home 2) */
  oracle_route(&o, RCPTMAKE_PASSWD, 0, "joe", 0, "", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "joe-", 0, "-", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 0, "mary", 1, "", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "mary-", 1, "-", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 0, "www-data", 3, "", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "www-data-", 3, "-", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "", 2, "-", "");
  names(0, (const char *const[]){ ".qmail", ".qmail-foo", ".qmail-bar-default", ".qmail-a:b",
                                  ".qmail-Up", ".qmail-x.y", ".profile", 0 });
  names(2, (const char *const[]){ ".qmail-postmaster", ".qmail-mary-x", ".qmail-www-a", 0 });
  expect((const char *const[]){
    "joe", "1", "JOE", "1", "joe-foo", "1", "joe-FOO", "1", "joe-fooo", "0",
    "joe-bar-x", "1", "joe-bar-", "1", "joe-bar", "0", "joe-", "0",
    "joe-a.b", "1", "joe-a:b", "1",
    "joe-up", "0", "joe-x.y", "0",         /* names no safeext can equal */
    "mary", "1", "mary-x", "0",            /* mary owns mary-*, not alias */
    "www-data", "1", "www-data-q", "0",
    "www-a", "1",                          /* no account www: ~alias/.qmail-www-a */
    "www", "0",
    "postmaster", "1", "Postmaster", "1", "nobody", "0", "", "0", 0 });

  /* with ~alias/.qmail-default every address nobody else owns exists */
  oracle_name(&o, 2, ".qmail-default");
  expect((const char *const[]){ "nobody", "1", "www-a", "1", "", "1", "joe-zzz", "0",
                                "mary-x", "0", "jo", "1", 0 });

  /* ~joe/.qmail-default: every extension; ~mary unreadable: everything */
  oracle_name(&o, 0, ".qmail-default");
  o.unreadable[1] = 1;
  expect((const char *const[]){ "joe-zzz", "1", "joe-", "1", "mary-x", "1", 0 });
}

static void test_assign(void)
{
  reset();
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "joe-", 0, "-", "");
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "joe-list-", 1, "-", "joe-");
  oracle_route(&o, RCPTMAKE_ASSIGN, 0, "Info", 2, "-", "info");
  oracle_route(&o, RCPTMAKE_ASSIGN, 0, "info", 3, "", "");       /* duplicate: ignored */
  oracle_route(&o, RCPTMAKE_ASSIGN, 0, "sales", 2, "-", "in-sales");
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "plain-", 3, "", "x");    /* empty dash */
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "v.example-", 4, "-", "");  /* a virtual domain */
  /* the password database behind it */
  oracle_route(&o, RCPTMAKE_PASSWD, 0, "joe", 5, "", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "joe-", 5, "-", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 0, "bob", 6, "", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "bob-", 6, "-", "");
  oracle_route(&o, RCPTMAKE_PASSWD, 1, "", 7, "-", "");
  names(0, (const char *const[]){ ".qmail-list-b", ".qmail-default", 0 });
  names(1, (const char *const[]){ ".qmail-joe-a", ".qmail-joe-dept-default", 0 });
  names(2, (const char *const[]){ ".qmail-in-default", 0 });
  names(4, (const char *const[]){ ".qmail-sue", ".qmail-postmaster", 0 });
  names(5, (const char *const[]){ ".qmail-default", 0 });    /* not used: assign wins */
  names(6, (const char *const[]){ ".qmail-x", 0 });
  names(7, (const char *const[]){ ".qmail-default", ".qmail-joe-list-c", 0 });
  expect((const char *const[]){
    "joe-x", "1",                          /* ~joe(assign)/.qmail-default */
    "joe-list-b", "0",                     /* joe-list- is the lists route */
    "joe-list-a", "1", "joe-list-dept-9", "1", "joe-list-dept", "0",
    "joe-list-c", "0",                     /* alias never sees it */
    "joe", "1",                            /* no assign line: qmail-getpw */
    "info", "0",                           /* first "info" line: no .qmail-info */
    "sales", "1",                          /* .qmail-in-default */
    "plain-anything", "1", "plain-", "1",
    "v.example-sue", "1", "V.Example-Sue", "1", "v.example-bob", "0",
    "bob-x", "1", "bob-y", "0", "bob", "1",
    "stranger", "1",                       /* alias .qmail-default */
    0 });

  /* a catch-all line in users/assign hides the password database */
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "", 3, "-", "");
  expect((const char *const[]){ "joe", "0", "bob", "0", "bob-x", "0", "stranger", "0",
                                "joe-x", "1", 0 });
}

static void test_explicit(void)
{
  reset();
  oracle_route(&o, RCPTMAKE_ASSIGN, 0, "v-x", 0, "-", "x");
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "v-", 0, "-", "");
  oracle_route(&o, RCPTMAKE_ASSIGN, 1, "w-", 0, "-", "");
  oracle_route(&o, RCPTMAKE_EXPLICIT, 1, "v-", -1, "", "");
  oracle_route(&o, RCPTMAKE_EXPLICIT, 0, "w-Only", -1, "", "");
  expect((const char *const[]){ "v-x", "1", "v-y", "1", "v-", "1", "w-only", "1",
                                "w-other", "0", "x", "0", 0 });
}

/* random tables from a small alphabet, so routes, names and local parts
   collide often; every answer of the table must equal the model's */
static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
  rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
  return (unsigned)((rnd_state >> 33) % n);
}

static void rnd_str(char *out, size_t max)
{
  static const char alpha[] = "ab-.A:";
  size_t n = rnd((unsigned)max), i;
  for (i = 0; i < n; i++) out[i] = alpha[rnd(sizeof alpha - 1)];
  out[n] = 0;
}

static void test_random(void)
{
  int round, mismatches = 0, yes = 0;
  struct cdb c;
  if (ofd == -1) ofd = temp_file();

  for (round = 0; round < 300; round++) {
    int i, n = 1 + (int)rnd(12);
    char key[16], dash[4], ext[8], name[40];
    reset();
    for (i = 0; i < n; i++) {
      int tier = (int)rnd(RCPTMAKE_TIERS);
      rnd_str(key, 6);
      strcpy(dash, rnd(4) ? "-" : "");
      rnd_str(ext, 4);
      oracle_route(&o, tier, (int)rnd(2), key, (int)rnd(4), dash, ext);
    }
    for (i = 0; i < 30; i++) {
      char rest[16];
      rnd_str(rest, 8);
      snprintf(name, sizeof name, ".qmail-%s%s", rest, rnd(3) ? "" : "default");
      if (rnd(2)) oracle_name(&o, (int)rnd(4), name);
    }
    o.unreadable[rnd(8)] = 1;
    if (!oracle_build(&o, ofd, &c)) { CHECK(0); return; }
    for (i = 0; i < 200; i++) {
      char local[32];
      int got, model;
      if (rnd(2)) {
        /* a route's key and something after it */
        const struct oracle_route *r = &o.r[rnd((unsigned)o.n)];
        char rest[16];
        rnd_str(rest, 6);
        snprintf(local, sizeof local, "%s%s", r->key, rest);
      } else
        rnd_str(local, 12);
      got = look(&c, local);
      model = oracle_answer(&o, local, strlen(local));
      if (got != model && mismatches++ < 5)
        printf("  round %d: local part '%s': table %d, model %d\n", round, local, got, model);
      CHECK(got == model);
      yes += got == 1;
    }
    cdb_free(&c);
  }
  /* the tables must say both things often, or the comparison says little */
  CHECK(yes > 300 * 200 / 5 && yes < 300 * 200 * 4 / 5);
}

int main(void)
{
  RUN(test_key);
  RUN(test_lookup_order);
  RUN(test_stale);
  RUN(test_passwd);
  RUN(test_assign);
  RUN(test_explicit);
  RUN(test_random);
  if (ofd != -1) close(ofd);
  return check_exit("test_rcptcheck");
}
