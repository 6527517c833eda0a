/* fuzz_todo: drives the todo envelope parser and recipient rewriting with
   arbitrary bytes, as qmail-send reads queue/todo files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../map.h"
#include "../../rewrite.h"
#include "../../stralloc.h"
#include "../../todo.h"

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
  if (todo_parse(copy, size, &t) == 0) {
    while (todo_next_recipient(copy, size, &pos, &r, &rl)) {
      rewrite_recipient(&cfg, r, rl, &out);
      rewrite_unvirtual(&cfg, r, rl, &out);
      verp_sender(t.sender, t.sender_len, r, rl, &v2);
    }
  }
  stralloc_free(&out);
  stralloc_free(&v2);
  free(copy);
  return 0;
}
