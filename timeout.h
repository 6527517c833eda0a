/* timeout: reads and writes with a deadline. After `seconds` without
   progress they fail with ETIMEDOUT. Same returns as read(2)/write(2). */
#ifndef TIMEOUT_H
#define TIMEOUT_H
#include <stddef.h>
#include <sys/types.h>

ssize_t timeout_read(unsigned int seconds, int fd, void *x, size_t n);
ssize_t timeout_write(unsigned int seconds, int fd, const void *x, size_t n);

#endif
