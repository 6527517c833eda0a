/* test_map: plain and colon maps, case, duplicates, the catch-all key. */
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "map.h"
#include "stralloc.h"

#define LIST(lit) (lit), (sizeof(lit) - 1)
#define GET(m, k) map_get((m), (k), strlen(k))

static void test_plain(void)
{
  struct map m = MAP_ZERO;

  CHECK(GET(&m, "x") == 0); /* a zero map is empty */
  CHECK(map_init(&m, LIST("example.com\0Example.NET\0\0mx.example.org\0"), 0) == 1);
  CHECK(m.count == 3);
  CHECK(GET(&m, "example.com") != 0);
  CHECK_STR(GET(&m, "example.com"), "");
  CHECK(GET(&m, "EXAMPLE.COM") != 0);
  CHECK(GET(&m, "example.net") != 0);
  CHECK(GET(&m, "MX.Example.Org") != 0);
  CHECK(GET(&m, "example.co") == 0);
  CHECK(GET(&m, "example.comm") == 0);
  CHECK(GET(&m, "") == 0); /* empty entries are ignored */
  CHECK(map_get(&m, "example.com.evil", 11) != 0); /* length is what counts */
  map_free(&m);
  CHECK(m.count == 0 && m.slots == 0 && m.table == 0);
  CHECK(GET(&m, "example.com") == 0);
  map_free(&m);
}

static void test_colon(void)
{
  static const char list[] =
    "example.com:alice\0"
    "Example.COM:bob\0"          /* duplicate, differs in case: first wins */
    "user@virt.example:virt-user\0"
    ".sub.example:wild\0"
    "noseparator\0"
    "relay.example:smtp.example:2525\0"
    "exception.example:\0"
    ":catchall\0"
    ":second-catchall\0";
  struct map m = MAP_ZERO;

  CHECK(map_init(&m, list, sizeof list - 1, 1) == 1);
  CHECK(m.count == 6);
  CHECK_STR(GET(&m, "EXAMPLE.com"), "alice");
  CHECK_STR(GET(&m, "user@virt.example"), "virt-user");
  CHECK_STR(GET(&m, ".SUB.example"), "wild");
  CHECK(GET(&m, "noseparator") == 0);
  CHECK_STR(GET(&m, "relay.example"), "smtp.example:2525"); /* first ':' */
  CHECK(GET(&m, "exception.example") != 0);
  CHECK_STR(GET(&m, "exception.example"), "");
  CHECK(map_get(&m, "", 0) != 0);
  CHECK_STR(map_get(&m, "", 0), "catchall");
  CHECK(GET(&m, "sub.example") == 0);
  map_free(&m);

  /* an unterminated tail is ignored */
  CHECK(map_init(&m, "a:1\0b:2", 7, 1) == 1);
  CHECK_STR(GET(&m, "a"), "1");
  CHECK(GET(&m, "b") == 0);
  map_free(&m);
  CHECK(map_init(&m, "", 0, 1) == 1);
  CHECK(m.count == 0);
  CHECK(GET(&m, "") == 0);
  map_free(&m);
}

static void test_many(void)
{
  stralloc list = STRALLOC_ZERO;
  struct map m = MAP_ZERO;
  char key[64];
  int i, ok = 1, bad = 0;

  for (i = 0; ok && i < 20000; ++i) {
    snprintf(key, sizeof key, "Host%d.Example:%d", i, i * 3);
    ok = stralloc_cats(&list, key) && stralloc_0(&list);
  }
  CHECK(ok);
  CHECK(map_init(&m, list.s, list.len, 1) == 1);
  CHECK(m.count == 20000);
  CHECK(m.slots >= 2 * m.count);
  for (i = 0; i < 20000; ++i) {
    char want[32];
    const char *v;
    snprintf(key, sizeof key, "hOST%d.eXAMPLE", i);
    snprintf(want, sizeof want, "%d", i * 3);
    v = GET(&m, key);
    if (!v || strcmp(v, want) != 0) ++bad;
  }
  CHECK(bad == 0);
  CHECK(GET(&m, "host20000.example") == 0);
  map_free(&m);
  stralloc_free(&list);
}

int main(void)
{
  RUN(test_plain);
  RUN(test_colon);
  RUN(test_many);
  return check_exit("test_map");
}
