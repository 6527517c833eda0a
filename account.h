/* account: run-time lookup of the project's accounts by name, and dropping
   privileges. */
#ifndef ACCOUNT_H
#define ACCOUNT_H
#include <sys/types.h>

/* 1 found, 0 no such account, -1 error (errno) */
int account_user(const char *name, uid_t *uid, gid_t *gid);
int account_group(const char *name, gid_t *gid);
/* setgroups({gid}), setgid(gid), setuid(uid). When the process already runs
   with exactly that uid and gid (an instance where every role is one user)
   and is not root, nothing needs changing and it succeeds. 0 ok, -1 error. */
int account_drop(uid_t uid, gid_t gid);

#endif
