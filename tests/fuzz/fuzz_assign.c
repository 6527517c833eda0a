/* fuzz_assign: the users/assign parser on arbitrary text, and, when the
   text parses, the whole path to qmail-lspawn's answer: compile it into a
   cdb image with assign_make and look up local parts taken from the input.
   Checks the parser's promises: fields free of ':', '\n' and NUL, keys
   non-empty for simple lines, line numbers increasing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "assign.h"
#include "cdb.h"
#include "cdb_make.h"

static int image_fd = -1;

static void clean(const char *s, size_t n)
{
  if (memchr(s, ':', n) || memchr(s, '\n', n) || memchr(s, '\0', n)) abort();
}

static int check_line(void *ctx, const struct assign_line *a)
{
  size_t *last = ctx;
  if (a->lineno <= *last) abort();
  *last = a->lineno;
  clean(a->key, a->keylen);
  clean(a->user, a->userlen);
  clean(a->homedir, a->homedirlen);
  clean(a->dash, a->dashlen);
  clean(a->ext, a->extlen);
  if (!a->userlen || !a->homedirlen) abort();
  if (!a->wildcard && !a->keylen) abort();
  return 0;
}

static void lookup(struct cdb *c, const char *local, size_t len)
{
  struct assign_entry e = ASSIGN_ENTRY_ZERO;
  if (assign_lookup(c, local, len, &e) == 1) {
    if (!e.user || !e.homedir || !e.dash || !e.ext) abort();
    if (strlen(e.ext) != e.extlen) abort();
    if (!*e.user || !*e.homedir) abort();
  }
  assign_entry_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  size_t last = 0, line = 0, i;
  const char *why = NULL;
  struct cdb_make m;
  struct cdb c;
  int r;

  r = assign_parse(s, size, check_line, &last, &line, &why);
  if (r == 0 && !why) abort();
  if (r != 1) {
    /* also feed it as qmail-getpw output */
    struct assign_entry e = ASSIGN_ENTRY_ZERO;
    assign_entry_parse(&e, s, size);
    assign_entry_free(&e);
    return 0;
  }

  if (image_fd == -1) {
    image_fd = memfd_create("fuzz_assign", 0);
    if (image_fd == -1) abort();
  }
  if (ftruncate(image_fd, 0) == -1) abort();
  if (cdb_make_start(&m, image_fd) == -1) abort();
  if (assign_make(&m, s, size, &line, &why) != 1) abort();
  if (cdb_make_finish(&m) == -1) abort();
  if (cdb_init(&c, image_fd) == -1) abort();

  /* local parts: each key of the input, with and without a suffix */
  for (i = 0; i < size; i++) {
    if ((s[i] == '=' || s[i] == '+') && (i == 0 || s[i - 1] == '\n')) {
      size_t end = i + 1;
      char buf[80];
      size_t n;
      while (end < size && s[end] != ':') end++;
      n = end - i - 1;
      if (n > 60) n = 60;
      memcpy(buf, s + i + 1, n);
      if (memchr(buf, '\0', n)) continue;
      lookup(&c, buf, n);
      memcpy(buf + n, "-Ext", 4);
      lookup(&c, buf, n + 4);
    }
  }
  lookup(&c, "", 0);
  lookup(&c, "nobody-x", 8);
  cdb_free(&c);
  return 0;
}
