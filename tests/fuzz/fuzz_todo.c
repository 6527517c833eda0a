/* fuzz_todo: drives the todo envelope parser and recipient rewriting with
   arbitrary bytes, as qmail-send reads queue/todo files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../map.h"
#include "../../rewrite.h"
#include "../../stralloc.h"
#include "../../todo.h"
#include "../../str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char l[] = "localhost\0";
  static const char p[] = "relay\0";
  static const char v[] = "virt:vp\0:catch\0";
  static struct map locals, ph, vd;
  static int init;
  struct rewrite_config cfg;
  struct todo t;
  char *copy;
  size_t pos = 0, rl;
  const char *r;
  stralloc out = STRALLOC_ZERO, v2 = STRALLOC_ZERO;
  if (!init) {
    map_init(&locals, l, sizeof l - 1, 0);
    map_init(&ph, p, sizeof p - 1, 0);
    map_init(&vd, v, sizeof v - 1, 1);
    init = 1;
  }
  cfg.locals = &locals; cfg.percenthack = &ph; cfg.virtualdomains = &vd; cfg.envnoathost = "e";
  copy = malloc(size ? size : 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  {
    struct todo z = TODO_INIT;
    const char *sender = "";
    size_t slen = 0;
    t = z;
    while (pos < size) {
      size_t n = byte_chr(copy + pos, size - pos, 0);
      int k;
      if (pos + n == size) break;
      k = todo_record(&t, copy + pos, n);
      if (k == -1) break;
      if (k == TODO_SENDER) { sender = copy + pos + 1; slen = n - 1; }
      if (k == TODO_RECIPIENT) {
        r = copy + pos + 1;
        rl = n - 1;
        rewrite_recipient(&cfg, r, rl, &out);
        rewrite_unvirtual(&cfg, r, rl, &out);
        verp_sender(sender, slen, r, rl, &v2);
      }
      pos += n + 1;
    }
    todo_end(&t, pos >= size);
  }
  stralloc_free(&out);
  stralloc_free(&v2);
  free(copy);
  return 0;
}
