/* check.h: the unit-test harness. A test file defines test functions and a
   main that calls them through RUN(); CHECK records a failure with its line
   and continues; main returns check_exit(), which prints a summary on
   stdout and is non-zero if anything failed. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
  fprintf(stdout, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MEM(a, alen, b, blen) do { check_count++; \
  if ((size_t)(alen) != (size_t)(blen) || memcmp((a), (b), (alen)) != 0) { check_failures++; \
  fprintf(stdout, "  FAIL %s:%d: %s != %s\n", __FILE__, __LINE__, #a, #b); } } while (0)
#define CHECK_STR(a, b) CHECK_MEM((a), strlen(a), (b), strlen(b))
#define RUN(fn) do { fn(); } while (0)

static int check_exit(const char *name)
{
  fprintf(stdout, "%s: %d checks, %d failed\n", name, check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
