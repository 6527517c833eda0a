/* test_str: string, byte, case and number helpers. */
#include <limits.h>
#include "check.h"
#include "str.h"

static void test_strings(void)
{
  CHECK(str_len("") == 0);
  CHECK(str_len("abc") == 3);
  CHECK(str_equal("abc", "abc"));
  CHECK(!str_equal("abc", "abd"));
  CHECK(!str_equal("abc", "ab"));
  CHECK(str_start("abcdef", "abc"));
  CHECK(str_start("abc", ""));
  CHECK(!str_start("ab", "abc"));
  CHECK(!str_start("abd", "abc"));
}

static void test_bytes(void)
{
  CHECK(byte_chr("a:b:c", 5, ':') == 1);
  CHECK(byte_chr("abc", 3, ':') == 3);
  CHECK(byte_chr("", 0, ':') == 0);
  CHECK(byte_chr("a\0b", 3, 0) == 1);
  CHECK(byte_chr("ab\xff", 3, 0xff) == 2);
  CHECK(byte_rchr("a:b:c", 5, ':') == 3);
  CHECK(byte_rchr("abc", 3, ':') == 3);
  CHECK(byte_rchr(":bc", 3, ':') == 0);
  CHECK(byte_equal("abc", 3, "abc"));
  CHECK(byte_equal("abc", 2, "abd"));
  CHECK(!byte_equal("abc", 3, "abd"));
  CHECK(byte_equal("x", 0, "y"));
}

static void test_case(void)
{
  char s[] = "MiXeD.Example.COM\xc4";

  CHECK(case_equalb("ExAmPlE", 7, "example"));
  CHECK(!case_equalb("example", 7, "exampld"));
  CHECK(!case_equalb("@", 1, "`")); /* '@' | 0x20 == '`': not a letter */
  CHECK(!case_equalb("[", 1, "{"));
  case_lowerb(s, sizeof s - 1);
  CHECK_STR(s, "mixed.example.com\xc4");
}

static void test_numbers(void)
{
  char buf[FMT_ULONG];
  unsigned long u = 99;
  size_t n;

  n = fmt_ulong(buf, 0);
  CHECK_MEM(buf, n, "0", 1);
  n = fmt_ulong(buf, 4294967296UL);
  CHECK_MEM(buf, n, "4294967296", 10);
  CHECK(fmt_ulong(0, 12345) == 5);
  n = fmt_ulong(buf, ULONG_MAX);
  CHECK(n < FMT_ULONG);
  CHECK(scan_ulong(buf, n, &u) == n);
  CHECK(u == ULONG_MAX);

  CHECK(scan_ulong("123abc", 6, &u) == 3);
  CHECK(u == 123);
  CHECK(scan_ulong("12345", 2, &u) == 2);
  CHECK(u == 12);
  u = 7;
  CHECK(scan_ulong("abc", 3, &u) == 0);
  CHECK(u == 7);
  CHECK(scan_ulong("", 0, &u) == 0);
  CHECK(scan_ulong(" 1", 2, &u) == 0);
  CHECK(scan_ulong("-1", 2, &u) == 0);
  CHECK(u == 7);
  /* one more than ULONG_MAX overflows: not a number */
  if (sizeof(unsigned long) == 8) {
    CHECK(scan_ulong("18446744073709551616", 20, &u) == 0);
    CHECK(scan_ulong("99999999999999999999999", 23, &u) == 0);
    CHECK(u == 7);
    CHECK(scan_ulong("18446744073709551615x", 21, &u) == 20);
    CHECK(u == ULONG_MAX);
  }
  CHECK(scan_ulong("0007", 4, &u) == 4);
  CHECK(u == 7);
}

int main(void)
{
  RUN(test_strings);
  RUN(test_bytes);
  RUN(test_case);
  RUN(test_numbers);
  return check_exit("test_str");
}
