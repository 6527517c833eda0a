/* lock: advisory whole-file locks (flock). 0 ok, -1 error. */
#ifndef LOCK_H
#define LOCK_H

int lock_ex(int fd);   /* wait */
int lock_exnb(int fd); /* fail with EWOULDBLOCK if held */

#endif
