/* control: reads control files (paths relative to the current directory,
   normally the home, e.g. "control/me"). Returns 1 when the file was read,
   0 when it does not exist (or, for integers, has no leading digits), -1 on
   any other error (errno set): callers treat that as a temporary failure.
   A control file must be a regular file or a symlink to one; anything else
   is an error without reading it: EISDIR for a directory, EINVAL for a
   FIFO, socket or device. */
#ifndef CONTROL_H
#define CONTROL_H
#include <stddef.h>

struct stralloc;

/* first line, trailing spaces/tabs/CR/LF removed, leading space kept.
   The result is NOT NUL-terminated. */
int control_readline(struct stralloc *out, const char *fn);
/* control_readline, else a copy of `me` (if me is non-NULL and non-empty),
   else def. 1 or -1 (0, with out emptied, if the file is missing and there
   is neither me nor def). `me` may be NULL, def may be NULL. */
int control_rldef(struct stralloc *out, const char *fn, const struct stralloc *me, const char *def);
/* unsigned decimal prefix of the first line; *u untouched unless 1 */
int control_readint(unsigned long *u, const char *fn);
/* list file: each non-empty line not starting with '#', trailing whitespace
   removed, appended to out as NUL-terminated entries (out is not emptied
   first; on failure it is left as it was) */
int control_readlist(struct stralloc *out, const char *fn);

/* the same parsers on a byte buffer (for fuzzing and unit tests) */
int control_parseline(struct stralloc *out, const char *buf, size_t len);
int control_parselist(struct stralloc *out, const char *buf, size_t len);

#endif
