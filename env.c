/* env: the process environment, through libc so that environ stays the one
   list execve passes on. */
#include <errno.h>
#include <stdlib.h>
#include "env.h"

const char *env_get(const char *name)
{
  return getenv(name);
}

int env_put(const char *name, const char *value)
{
  return setenv(name, value, 1) == 0;
}

int env_unset(const char *name)
{
  return unsetenv(name) == 0;
}
