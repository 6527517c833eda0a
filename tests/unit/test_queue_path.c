/* test_queue_path: split and unsplit queue file names. */
#include "check.h"
#include "queue_path.h"
#include "stralloc.h"

static void test_paths(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(queue_path(&sa, "mess", 123456, 23) == 1);
  CHECK(sa.len == sizeof "mess/15/123456"); /* includes the NUL */
  CHECK_MEM(sa.s, sa.len, "mess/15/123456", sizeof "mess/15/123456");
  CHECK(queue_path(&sa, "todo", 123456, -1) == 1);
  CHECK_MEM(sa.s, sa.len, "todo/123456", sizeof "todo/123456");
  CHECK(queue_path(&sa, "info", 0, 23) == 1);
  CHECK_MEM(sa.s, sa.len, "info/0/0", sizeof "info/0/0");
  CHECK(queue_path(&sa, "local", 22, 23) == 1);
  CHECK_MEM(sa.s, sa.len, "local/22/22", sizeof "local/22/22");
  CHECK(queue_path(&sa, "remote", 46, 23) == 1);
  CHECK_MEM(sa.s, sa.len, "remote/0/46", sizeof "remote/0/46");
  CHECK(queue_path(&sa, "mess", 7, 1) == 1);
  CHECK_MEM(sa.s, sa.len, "mess/0/7", sizeof "mess/0/7");
  CHECK(queue_path(&sa, "mess", 7, 0) == 1); /* no division by zero */
  CHECK_MEM(sa.s, sa.len, "mess/7", sizeof "mess/7");
  CHECK(queue_path(&sa, "bounce", 4294967297UL, -5) == 1);
  CHECK_MEM(sa.s, sa.len, "bounce/4294967297", sizeof "bounce/4294967297");
  /* the previous contents are replaced */
  CHECK(stralloc_copys(&sa, "garbage that is rather long"));
  CHECK(queue_path(&sa, "intd", 5, 23) == 1);
  CHECK_MEM(sa.s, sa.len, "intd/5/5", sizeof "intd/5/5");
  stralloc_free(&sa);
}

int main(void)
{
  RUN(test_paths);
  return check_exit("test_queue_path");
}
