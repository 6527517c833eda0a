/* fuzz_rcpthosts: the relay decision on arbitrary input. The input is
   split at its first "\n\n" into a control/rcpthosts list (raw bytes, so
   entries may lack their NUL) and addresses, one per line; every address
   is checked against the list alone and with a morercpthosts.cdb built
   from the list's lowercased entries. Checks: answers are 0 or 1; with the
   cdb the answer is never smaller; an address without '@' is accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cdb.h"
#include "cdb_make.h"
#include "rcpthosts.h"

static int image_fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  const char *sep = memmem(s, size, "\n\n", 2);
  size_t listlen = sep ? (size_t)(sep - s) : size;
  const char *addrs = sep ? sep + 2 : s + size;
  size_t addrlen = size - (size_t)(addrs - s), pos, n;
  struct cdb_make m;
  struct cdb c;

  if (image_fd == -1) {
    image_fd = memfd_create("fuzz_rcpthosts", 0);
    if (image_fd == -1) abort();
  }
  if (ftruncate(image_fd, 0) == -1 || lseek(image_fd, 0, SEEK_SET) == -1) abort();
  if (cdb_make_start(&m, image_fd) == -1) abort();
  for (pos = 0; pos < listlen; pos += n + 1) {
    char key[256];
    size_t i;
    n = 0;
    while (pos + n < listlen && s[pos + n] != '\0') n++;
    if (pos + n == listlen || n > sizeof key) break;
    for (i = 0; i < n; i++) {
      char ch = s[pos + i];
      key[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    if (cdb_make_add(&m, key, n, "", 0) == -1) abort();
  }
  if (cdb_make_finish(&m) == -1) abort();
  if (cdb_init(&c, image_fd) == -1) abort();

  for (pos = 0; pos < addrlen; pos += n + 1) {
    const char *a = addrs + pos;
    int plain, more;
    n = 0;
    while (pos + n < addrlen && a[n] != '\n') n++;
    plain = rcpthosts_match(s, listlen, 0, a, n);
    more = rcpthosts_match(s, listlen, &c, a, n);
    if (plain < 0 || plain > 1 || more < 0 || more > 1) abort();
    if (more < plain) abort();
    if (!memchr(a, '@', n) && plain != 1) abort();
  }
  cdb_free(&c);
  return 0;
}
