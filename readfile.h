/* readfile: whole files into memory. Functions return -1 with errno set on
   failure and never exit or print. */
#ifndef READFILE_H
#define READFILE_H
#include <stddef.h>

struct stralloc;

/* Reads fd until end of file into sa, replacing its contents. 0 ok, -1
   error with errno set; sa then holds an unspecified part of the data.
   limit 0: no limit; else more than limit bytes fail with EFBIG (at most
   limit + 1 bytes are read). A read interrupted by a signal fails with
   EINTR instead of being retried, so a program whose handler set a flag
   sees it (on a regular file reads do not block and this does not happen).
   Meant for regular files: on a pipe or terminal it waits for end of file;
   on a non-blocking descriptor with no data it fails with EAGAIN. */
int read_all(int fd, struct stralloc *sa, size_t limit);

/* Opens fn (symlinks followed) without waiting (O_NONBLOCK, so neither the
   open nor a read can hang on a FIFO or device) and reads it whole with
   read_all(fd, sa, limit). fn must be a regular file: a directory fails
   with EISDIR, anything else (FIFO, socket, device) with EINVAL.
   1 read, 0 fn does not exist (ENOENT; sa untouched), -1 error. */
int readfile(const char *fn, struct stralloc *sa, size_t limit);

#endif
