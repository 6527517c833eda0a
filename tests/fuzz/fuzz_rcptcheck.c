/* fuzz_rcptcheck: two inputs in one harness, chosen by the first byte.
   'c' + a users/rcpt.cdb image: rcptcheck_lookup and rcptcheck_stale on
   local parts taken from the input must not read outside the file and
   must answer 1, 0 or -1.
   Anything else: a table description, one item per line,
     r TIER KIND HOME key:dash:ext   a route (TIER 0-2, KIND = or +, HOME 0-7)
     n HOME name                     a name in home HOME
     u HOME                          home HOME cannot be listed
     q local                         a local part to look up
   compiled with rcptmake; every local part (the q lines, each route's key
   with and without "-x") must get the answer of the independent model in
   tests/unit/rcpt_oracle.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/unit/rcpt_oracle.h"

static int image_fd = -1;

static void fd_ready(void)
{
  if (image_fd == -1) {
    image_fd = memfd_create("fuzz_rcptcheck", 0);
    if (image_fd == -1) abort();
  }
}

static void image(const uint8_t *data, size_t size)
{
  struct cdb c;
  size_t pos, n;
  int r;

  fd_ready();
  if (ftruncate(image_fd, 0) == -1 || lseek(image_fd, 0, SEEK_SET) == -1) abort();
  if (size && write(image_fd, data, size) != (ssize_t)size) abort();
  if (cdb_init(&c, image_fd) == -1) return;
  for (pos = 0; pos < size; pos += n + 1) {
    n = 0;
    while (pos + n < size && data[pos + n] != '\n' && n < 300) n++;
    r = rcptcheck_lookup(&c, (const char *)data + pos, n);
    if (r < -1 || r > 1) abort();
  }
  r = rcptcheck_stale(&c);
  if (r < -1 || r > 1) abort();
  cdb_free(&c);
}

static struct oracle o;
static char queries[64][ORACLE_STR];
static int nq;

static void check(struct cdb *c, const char *local)
{
  size_t len = strlen(local);
  int got = rcptcheck_lookup(c, local, len);
  int want = oracle_answer(&o, local, len);
  if (want == -1) return;
  if (got != want) abort();
}

static void table(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  size_t pos = 0, n;
  struct cdb c;
  int i;

  memset(&o, 0, sizeof o);
  nq = 0;
  for (; pos < size; pos += n + 1) {
    char line[200];
    n = 0;
    while (pos + n < size && s[pos + n] != '\n') n++;
    if (n >= sizeof line || memchr(s + pos, '\0', n)) continue;
    memcpy(line, s + pos, n);
    line[n] = 0;
    if (n >= 8 && line[0] == 'r' && line[2] >= '0' && line[2] <= '2' &&
        (line[4] == '=' || line[4] == '+') && line[6] >= '0' && line[6] <= '7') {
      char *key = line + 8, *dash, *ext;
      dash = strchr(key, ':');
      if (!dash) continue;
      *dash++ = 0;
      ext = strchr(dash, ':');
      if (!ext) continue;
      *ext++ = 0;
      oracle_route(&o, line[2] - '0', line[4] == '+', key, line[6] - '0', dash, ext);
    } else if (n >= 4 && line[0] == 'n' && line[2] >= '0' && line[2] <= '7') {
      oracle_name(&o, line[2] - '0', line + 4);
    } else if (n >= 3 && line[0] == 'u' && line[2] >= '0' && line[2] <= '7') {
      o.unreadable[line[2] - '0'] = 1;
    } else if (n >= 2 && line[0] == 'q' && nq < 64 && n - 2 < ORACLE_STR) {
      strcpy(queries[nq++], line + 2);
    }
  }
  fd_ready();
  if (!oracle_build(&o, image_fd, &c)) abort();
  for (i = 0; i < nq; i++) check(&c, queries[i]);
  for (i = 0; i < o.n; i++) {
    char local[ORACLE_STR + 8];
    strcpy(local, o.r[i].key);
    check(&c, local);
    strcat(local, "-x");
    check(&c, local);
  }
  check(&c, "");
  cdb_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size && data[0] == 'c') image(data + 1, size - 1);
  else table(data, size);
  return 0;
}
