/* test_preprocess: todo/ID into info, local and remote files, in a scratch
   queue directory. */
#include <errno.h>
#include "check.h"
#include "queuedir.h"
#include "../../map.h"
#include "../../preprocess.h"
#include "../../rewrite.h"
#include "../../stralloc.h"

static struct rewrite_config rw;
static struct map locals, ph, vd;

static void setup(void)
{
  static const char l[] = "localhost\0";
  static const char v[] = "virt.example:vp\0";
  map_init(&locals, l, sizeof l - 1, 0);
  map_init(&ph, "", 0, 0);
  map_init(&vd, v, sizeof v - 1, 1);
  rw.locals = &locals;
  rw.percenthack = &ph;
  rw.virtualdomains = &vd;
  rw.envnoathost = "envnoathost";
}

static void test_basic(void)
{
  static const char env[] = "u1000\0p42\0Fme@x\0Ta@localhost\0Tb@remote.example\0Tc@virt.example\0Tnohost\0";
  struct preprocess_result r = { 0, TODO_INIT, STRALLOC_ZERO, 0 };
  stralloc fn = STRALLOC_ZERO, sender = STRALLOC_ZERO;
  char *p;
  size_t n;
  time_t birth = 0;
  put_file(qpath("mess", 100), "hello\n", 6);
  put_file(qpath("todo", 100), env, sizeof env - 1);
  CHECK(preprocess(&rw, 100, &r, &fn) == PREPROCESS_OK);
  CHECK(r.channels == 3);
  CHECK(r.t.uid == 1000 && r.t.pid == 42 && r.t.recipients == 4);
  CHECK(r.bytes == 6);
  CHECK_MEM(r.sender.s, r.sender.len, "me@x", 4);
  p = get_file(qpath("info", 100), &n);
  CHECK(p && n == 6 && !memcmp(p, "Fme@x\0", 6));
  free(p);
  p = get_file(qpath("local", 100), &n);
  CHECK(p != 0);
  if (p) CHECK_MEM(p, n, "Ta@localhost\0Tvp-c@virt.example\0", 32);
  free(p);
  p = get_file(qpath("remote", 100), &n);
  CHECK(p != 0);
  if (p) CHECK_MEM(p, n, "Tb@remote.example\0Tnohost@envnoathost\0", 38);
  free(p);
  CHECK(preprocess_read_info(100, &sender, &birth, &fn) == 0);
  CHECK_MEM(sender.s, sender.len, "me@x", 5);
  CHECK(birth > 0);

  /* a second preprocessing replaces every file: here only local is left */
  {
    static const char env2[] = "Fme@x\0Tonly@localhost\0";
    put_file(qpath("todo", 100), env2, sizeof env2 - 1);
    CHECK(preprocess(&rw, 100, &r, &fn) == PREPROCESS_OK);
    CHECK(r.channels == 1);
    CHECK(access(qpath("remote", 100), F_OK) == -1);
    p = get_file(qpath("local", 100), &n);
    CHECK(p && n == 16 && !memcmp(p, "Tonly@localhost\0", 16));
    free(p);
  }
  stralloc_free(&fn);
  stralloc_free(&sender);
}

static void test_errors(void)
{
  struct preprocess_result r = { 0, TODO_INIT, STRALLOC_ZERO, 0 };
  stralloc fn = STRALLOC_ZERO;
  static const char trunc[] = "Fme@x\0Ta@localhost\0Tb@loc";
  static const char nof[] = "u1\0Ta@localhost\0";
  /* the entry vanished */
  CHECK(preprocess(&rw, 200, &r, &fn) == PREPROCESS_SYS);
  CHECK(errno == ENOENT);
  CHECK_STR(fn.s, "todo/200");
  /* malformed envelopes leave nothing behind */
  put_file(qpath("mess", 201), "x", 1);
  put_file(qpath("todo", 201), trunc, sizeof trunc - 1);
  CHECK(preprocess(&rw, 201, &r, &fn) == PREPROCESS_MALFORMED);
  CHECK(access(qpath("info", 201), F_OK) == -1);
  CHECK(access(qpath("local", 201), F_OK) == -1);
  put_file(qpath("todo", 201), nof, sizeof nof - 1);
  CHECK(preprocess(&rw, 201, &r, &fn) == PREPROCESS_MALFORMED);
  /* todo without its message: the leftover of a finished message */
  put_file(qpath("todo", 202), "Fa\0Tb@localhost\0", 16);
  CHECK(preprocess(&rw, 202, &r, &fn) == PREPROCESS_NOMESS);
  CHECK(access(qpath("info", 202), F_OK) == -1);
  /* no recipients: a message with no channel */
  put_file(qpath("mess", 203), "x", 1);
  put_file(qpath("todo", 203), "Fa\0", 3);
  CHECK(preprocess(&rw, 203, &r, &fn) == PREPROCESS_OK);
  CHECK(r.channels == 0);
  CHECK(access(qpath("info", 203), F_OK) == 0);
  stralloc_free(&fn);
}

/* many recipients are streamed, not held: the file is written in full */
static void test_many(void)
{
  struct preprocess_result r = { 0, TODO_INIT, STRALLOC_ZERO, 0 };
  stralloc env = STRALLOC_ZERO, fn = STRALLOC_ZERO;
  unsigned long i;
  char *p;
  size_t n;
  stralloc_copyb(&env, "Fs\0", 3);
  for (i = 0; i < 20000; ++i) {
    stralloc_cats(&env, "Tuser");
    stralloc_catulong(&env, i);
    stralloc_catb(&env, "@localhost", 11);
  }
  put_file(qpath("mess", 300), "x", 1);
  put_file(qpath("todo", 300), env.s, env.len);
  CHECK(preprocess(&rw, 300, &r, &fn) == PREPROCESS_OK);
  CHECK(r.t.recipients == 20000);
  p = get_file(qpath("local", 300), &n);
  CHECK(p && n == env.len - 3);
  if (p) CHECK(!memcmp(p, env.s + 3, n));
  free(p);
  stralloc_free(&env);
  stralloc_free(&fn);
}

/* preprocess_keep: one channel stays in memory, stale files go; both
   channels, or too much, get files; preprocess_write writes them later */
static void test_keep(void)
{
  struct preprocess_result r = { 0, TODO_INIT, STRALLOC_ZERO, 0 };
  struct preprocess_memory keep = { 64, 0, { STRALLOC_ZERO, STRALLOC_ZERO } };
  stralloc fn = STRALLOC_ZERO, sender = STRALLOC_ZERO;
  static const char one[] = "Fme@x\0Ta@localhost\0Tc@virt.example\0";
  static const char both[] = "Fme@x\0Ta@localhost\0Tb@remote.example\0";
  static const char big[] = "Fme@x\0Ta@localhost\0Tb@localhost\0Tc@localhost\0Td@localhost\0Te@localhost\0";
  char *p;
  size_t n;
  time_t birth = 0;
  put_file(qpath("mess", 400), "x", 1);
  put_file(qpath("todo", 400), one, sizeof one - 1);
  put_file(qpath("info", 400), "Fold\0", 5);
  put_file(qpath("remote", 400), "Told\0", 5);
  CHECK(preprocess_keep(&rw, 400, &r, &fn, &keep) == PREPROCESS_OK);
  CHECK(keep.kept == 1 && r.channels == 1);
  CHECK_MEM(keep.recs[0].s, keep.recs[0].len, "Ta@localhost\0Tvp-c@virt.example\0", 32);
  CHECK(keep.recs[1].len == 0);
  CHECK(access(qpath("info", 400), F_OK) == -1);
  CHECK(access(qpath("local", 400), F_OK) == -1);
  CHECK(access(qpath("remote", 400), F_OK) == -1);
  /* written out later, with its birth as the info file's mtime */
  keep.recs[0].s[0] = 'D';
  CHECK(preprocess_write(400, "me@x", 4, keep.recs, 1000000, &fn) == 0);
  CHECK(preprocess_read_info(400, &sender, &birth, &fn) == 0);
  CHECK_MEM(sender.s, sender.len, "me@x", 5);
  CHECK(birth == 1000000);
  p = get_file(qpath("local", 400), &n);
  CHECK(p != 0);
  if (p) CHECK_MEM(p, n, "Da@localhost\0Tvp-c@virt.example\0", 32);
  free(p);
  CHECK(access(qpath("remote", 400), F_OK) == -1);

  put_file(qpath("mess", 401), "x", 1);
  put_file(qpath("todo", 401), both, sizeof both - 1);
  CHECK(preprocess_keep(&rw, 401, &r, &fn, &keep) == PREPROCESS_OK);
  CHECK(keep.kept == 0 && r.channels == 3);
  CHECK(access(qpath("info", 401), F_OK) == 0);
  p = get_file(qpath("remote", 401), &n);
  CHECK(p && n == 18 && !memcmp(p, "Tb@remote.example\0", 18));
  free(p);

  put_file(qpath("mess", 402), "x", 1);
  put_file(qpath("todo", 402), big, sizeof big - 1);
  CHECK(preprocess_keep(&rw, 402, &r, &fn, &keep) == PREPROCESS_OK);
  CHECK(keep.kept == 0 && r.channels == 1 && r.t.recipients == 5);
  p = get_file(qpath("local", 402), &n);
  CHECK(p && n == sizeof big - 1 - 6);
  free(p);
  stralloc_free(&keep.recs[0]);
  stralloc_free(&keep.recs[1]);
  stralloc_free(&fn);
  stralloc_free(&sender);
}

int main(void)
{
  queuedir_make();
  setup();
  RUN(test_basic);
  RUN(test_errors);
  RUN(test_many);
  RUN(test_keep);
  queuedir_remove();
  return check_exit("test_preprocess");
}
