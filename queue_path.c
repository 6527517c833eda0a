/* queue_path: names of queue files relative to the queue directory. */
#include "queue_path.h"
#include "stralloc.h"

int queue_path(stralloc *sa, const char *dir, unsigned long id, int split)
{
  if (!stralloc_copys(sa, dir)) return 0;
  if (!stralloc_append(sa, '/')) return 0;
  /* split 0 would divide by zero; it is treated as "no split" like < 0 */
  if (split > 0) {
    if (!stralloc_catulong(sa, id % (unsigned long)split)) return 0;
    if (!stralloc_append(sa, '/')) return 0;
  }
  if (!stralloc_catulong(sa, id)) return 0;
  return stralloc_0(sa);
}
