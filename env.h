/* env: the process environment. */
#ifndef ENV_H
#define ENV_H

const char *env_get(const char *name);          /* NULL if unset */
int env_put(const char *name, const char *value); /* 1 ok, 0 ENOMEM */
int env_unset(const char *name);                /* 1 ok, 0 error */

#endif
