/* queue_path: names of queue files, relative to the queue directory:
   "mess/7/123456" (split directories) or "todo/123456" (split < 0). */
#ifndef QUEUE_PATH_H
#define QUEUE_PATH_H

struct stralloc;

/* sets sa to dir "/" [id % split "/"] id, NUL-terminated; 1 ok, 0 ENOMEM */
int queue_path(struct stralloc *sa, const char *dir, unsigned long id, int split);

#endif
