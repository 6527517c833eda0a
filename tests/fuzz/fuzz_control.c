/* fuzz_control: drives the control-file parsers on arbitrary bytes and
   compares them with a straightforward model of the rules:
     line: bytes before the first '\n', trailing space/tab/CR/LF removed;
     list: every '\n'-separated line, trailing space/tab/CR/LF removed,
           empty lines and lines beginning with '#' skipped, each kept line
           followed by a NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"
#include "stralloc.h"

static int trailing(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  stralloc sa = STRALLOC_ZERO;
  const char *buf = (const char *)data;
  char *want;
  size_t wlen = 0, i, start, end;

  /* line */
  if (control_parseline(&sa, buf, size) != 1) abort();
  end = 0;
  while (end < size && buf[end] != '\n') ++end;
  while (end > 0 && trailing(buf[end - 1])) --end;
  if (sa.len != end) abort();
  if (end && memcmp(sa.s, buf, end) != 0) abort();

  /* list, appended after what is already there */
  want = malloc(size + 2);
  if (!want) abort();
  want[wlen++] = 'X';
  for (start = 0; start < size; start = i + 1) {
    for (i = start; i < size && buf[i] != '\n'; ++i) ;
    end = i;
    while (end > start && trailing(buf[end - 1])) --end;
    if (end > start && buf[start] != '#') {
      memcpy(want + wlen, buf + start, end - start);
      wlen += end - start;
      want[wlen++] = 0;
    }
  }
  if (!stralloc_copys(&sa, "X")) abort();
  if (control_parselist(&sa, buf, size) != 1) abort();
  if (sa.len != wlen || memcmp(sa.s, want, wlen) != 0) abort();
  free(want);
  stralloc_free(&sa);
  return 0;
}
