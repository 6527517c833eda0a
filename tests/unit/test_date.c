/* test_date: RFC 5322 dates at fixed instants, UTC, qmail's layout. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "date.h"
#include "stralloc.h"

static void expect(time_t t, const char *want)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "Date: "));
  CHECK(date_cat822(&sa, t) == 1);
  CHECK(stralloc_0(&sa));
  if (sa.s && strcmp(sa.s + 6, want) != 0)
    printf("    got \"%s\", want \"%s\"\n", sa.s + 6, want);
  CHECK(sa.s && strncmp(sa.s, "Date: ", 6) == 0);
  CHECK_STR(sa.s + 6, want);
  stralloc_free(&sa);
}

static void test_fixed(void)
{
  expect(0, "1 Jan 1970 00:00:00 -0000");
  expect(59, "1 Jan 1970 00:00:59 -0000");
  expect(951782400, "29 Feb 2000 00:00:00 -0000");
  expect(1000000000, "9 Sep 2001 01:46:40 -0000");
  expect(1234567890, "13 Feb 2009 23:31:30 -0000");
  expect(1700000000, "14 Nov 2023 22:13:20 -0000");
  expect(1704067199, "31 Dec 2023 23:59:59 -0000");
  expect(2147483647, "19 Jan 2038 03:14:07 -0000");
  if (sizeof(time_t) >= 8) {
    expect((time_t)2147483648LL, "19 Jan 2038 03:14:08 -0000");
    expect((time_t)4102444800LL, "1 Jan 2100 00:00:00 -0000");
    expect((time_t)253402300799LL, "31 Dec 9999 23:59:59 -0000");
    expect((time_t)253402300800LL, "1 Jan 10000 00:00:00 -0000");
    expect((time_t)-1, "31 Dec 1969 23:59:59 -0000");
  }
}

static void test_unrepresentable(void)
{
  stralloc sa = STRALLOC_ZERO;

  if (sizeof(time_t) < 8) return;
  CHECK(stralloc_copys(&sa, "x"));
  errno = 0;
  /* the year does not fit in an int */
  CHECK(date_cat822(&sa, (time_t)INT64_MAX) == 0);
  CHECK(errno == EOVERFLOW);
  CHECK(sa.len == 1);
  stralloc_free(&sa);
}

static void expect_local(const char *tz, time_t t, const char *want)
{
  stralloc sa = STRALLOC_ZERO;

  setenv("TZ", tz, 1);
  tzset();
  CHECK(date_cat822_local(&sa, t) == 1);
  CHECK(stralloc_0(&sa));
  if (sa.s && strcmp(sa.s, want) != 0) printf("    TZ=%s: got \"%s\", want \"%s\"\n", tz, sa.s, want);
  CHECK(sa.s && strcmp(sa.s, want) == 0);
  stralloc_free(&sa);
}

/* predate's local dates: offsets east and west, across a year's end */
static void test_local(void)
{
  expect_local("UTC0", 1000000000, "9 Sep 2001 01:46:40 +0000");
  expect_local("XYZ-05:30", 1000000000, "9 Sep 2001 07:16:40 +0530");
  expect_local("ABC+08", 1000000000, "8 Sep 2001 17:46:40 -0800");
  expect_local("XYZ-05:30", 1704067199, "1 Jan 2024 05:29:59 +0530");
  expect_local("ABC+08", 1704081600, "31 Dec 2023 20:00:00 -0800");
  expect_local("XYZ-13:45", 1704067199, "1 Jan 2024 13:44:59 +1345");
}

int main(void)
{
  RUN(test_fixed);
  RUN(test_unrepresentable);
  RUN(test_local);
  return check_exit("test_date");
}
