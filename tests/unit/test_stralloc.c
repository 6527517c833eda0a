/* test_stralloc: growth, copying, appending, numbers, overflow paths. */
#include <errno.h>
#include <stdint.h>
#include "check.h"
#include "stralloc.h"

static void test_copy_cat(void)
{
  stralloc sa = STRALLOC_ZERO;
  stralloc sb = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "hello"));
  CHECK_MEM(sa.s, sa.len, "hello", 5);
  CHECK(sa.a >= sa.len);
  CHECK(stralloc_cats(&sa, ", world"));
  CHECK_MEM(sa.s, sa.len, "hello, world", 12);
  CHECK(stralloc_catb(&sa, "!\0x", 3));
  CHECK_MEM(sa.s, sa.len, "hello, world!\0x", 15);
  CHECK(stralloc_copyb(&sa, "ab", 2));
  CHECK_MEM(sa.s, sa.len, "ab", 2);
  CHECK(stralloc_append(&sa, 'c'));
  CHECK(stralloc_0(&sa));
  CHECK_MEM(sa.s, sa.len, "abc\0", 4);
  CHECK(stralloc_copy(&sb, &sa));
  CHECK_MEM(sb.s, sb.len, "abc\0", 4);
  CHECK(stralloc_cat(&sb, &sa));
  CHECK_MEM(sb.s, sb.len, "abc\0abc\0", 8);
  /* appending a string to itself, across a reallocation */
  CHECK(stralloc_copys(&sa, "xyz"));
  {
    int ok = 1;
    while (ok && sa.len < 10000) ok = stralloc_cat(&sa, &sa);
    CHECK(ok);
  }
  CHECK(sa.len == 3 * 4096);
  CHECK_MEM(sa.s + sa.len - 6, 6, "xyzxyz", 6);
  CHECK(stralloc_copy(&sa, &sa));
  CHECK(sa.len == 3 * 4096);
  /* copyb from inside itself */
  CHECK(stralloc_copyb(&sa, sa.s + 1, 4));
  CHECK_MEM(sa.s, sa.len, "yzxy", 4);
  CHECK(stralloc_copys(&sa, ""));
  CHECK(sa.len == 0 && sa.s != 0);
  stralloc_free(&sa);
  CHECK(sa.s == 0 && sa.len == 0 && sa.a == 0);
  stralloc_free(&sb);
  stralloc_free(&sb);
}

static void test_growth(void)
{
  stralloc sa = STRALLOC_ZERO;
  size_t i, reallocs = 0, last = 0;
  int ok = 1;

  for (i = 0; ok && i < 100000; ++i) {
    ok = stralloc_append(&sa, (char)('a' + i % 26));
    if (sa.a != last) { ++reallocs; last = sa.a; }
  }
  CHECK(ok);
  CHECK(sa.len == 100000);
  CHECK(sa.s[99999] == (char)('a' + 99999 % 26));
  CHECK(reallocs < 80); /* geometric, not linear */
  CHECK(stralloc_ready(&sa, 10));
  CHECK(sa.len == 100000);
  stralloc_free(&sa);
}

static void test_numbers(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_catulong(&sa, 0));
  CHECK_MEM(sa.s, sa.len, "0", 1);
  sa.len = 0;
  CHECK(stralloc_catulong(&sa, 1234567890UL));
  CHECK_MEM(sa.s, sa.len, "1234567890", 10);
  sa.len = 0;
  CHECK(stralloc_catulong(&sa, (unsigned long)-1));
  if (sizeof(unsigned long) == 8) CHECK_MEM(sa.s, sa.len, "18446744073709551615", 20);
  sa.len = 0;
  CHECK(stralloc_catulong0(&sa, 7, 2));
  CHECK(stralloc_catulong0(&sa, 0, 3));
  CHECK(stralloc_catulong0(&sa, 12345, 2));
  CHECK(stralloc_catulong0(&sa, 5, 0));
  CHECK_MEM(sa.s, sa.len, "07000123455", 11);
  stralloc_free(&sa);
}

static void test_overflow(void)
{
  stralloc sa = STRALLOC_ZERO;

  errno = 0;
  CHECK(!stralloc_readyplus(&sa, SIZE_MAX));
  CHECK(errno == ENOMEM || errno == EOVERFLOW);
  errno = 0;
  CHECK(!stralloc_ready(&sa, SIZE_MAX));
  CHECK(errno == ENOMEM || errno == EOVERFLOW);
  CHECK(stralloc_copys(&sa, "abc"));
  errno = 0;
  CHECK(!stralloc_readyplus(&sa, SIZE_MAX));
  CHECK(errno == EOVERFLOW);
  errno = 0;
  CHECK(!stralloc_readyplus(&sa, SIZE_MAX - 2));
  CHECK(errno == ENOMEM || errno == EOVERFLOW);
  errno = 0;
  CHECK(!stralloc_catb(&sa, "x", SIZE_MAX - 1));
  CHECK(errno == EOVERFLOW);
  errno = 0;
  CHECK(!stralloc_ready(&sa, (size_t)PTRDIFF_MAX + 1));
  CHECK(errno == EOVERFLOW);
  /* failure leaves the string intact */
  CHECK_MEM(sa.s, sa.len, "abc", 3);
  stralloc_free(&sa);
}

int main(void)
{
  RUN(test_copy_cat);
  RUN(test_growth);
  RUN(test_numbers);
  RUN(test_overflow);
  return check_exit("test_stralloc");
}
