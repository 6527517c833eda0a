/* fd: file descriptor plumbing and open(2) with fixed flags. Every opener
   sets close-on-exec except where a descriptor is meant to be inherited
   (fd_copy/fd_move clear it on the target). Return -1 with errno on failure. */
#ifndef FD_H
#define FD_H
#include <sys/types.h>

int fd_copy(int to, int from);   /* dup2 unless equal; target inheritable */
int fd_move(int to, int from);   /* fd_copy, then close from */
int fd_cloexec(int fd);
/* closes every descriptor numbered lowfd or above (close_range(2) where the
   kernel has it, else those listed in /proc/self/fd, else every number up to
   the descriptor limit). For a child about to exec: what a program gets is
   then exactly the descriptors below lowfd that were placed on purpose. */
int fd_close_from(int lowfd);
int fd_close_from_slow(int lowfd);   /* without close_range; for tests */
int fd_nonblock(int fd);
int fd_block(int fd);

int open_read(const char *fn);               /* O_RDONLY; opened O_NONBLOCK (no hang
                                                on a FIFO), then cleared */
int open_write(const char *fn);              /* O_WRONLY|O_NONBLOCK, must exist
                                                (a FIFO without reader: ENXIO) */
int open_trunc(const char *fn, mode_t mode); /* O_WRONLY|O_CREAT|O_TRUNC */
int open_excl(const char *fn, mode_t mode);  /* O_WRONLY|O_CREAT|O_EXCL */
int open_dir(const char *fn);                /* O_RDONLY|O_DIRECTORY */

/* fsync of the directory dir, making earlier link/unlink/rename/create of
   entries in it durable (Linux does not do that by itself) */
int fsync_dir(const char *dir);

#endif
