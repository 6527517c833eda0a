/* error: sorts errno values into temporary and permanent. The list is in
   error.h; anything not on it is permanent, so an unknown errno never makes
   a message retry forever. */
#include <errno.h>
#include <string.h>
#include "error.h"

int error_temporary(int e)
{
  switch (e) {
  case EINTR: case ENOMEM: case ETXTBSY: case EIO: case ETIMEDOUT:
  case EAGAIN:
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK:
#endif
  case ENFILE: case EMFILE: case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
  case ENETDOWN: case ENETUNREACH: case ENETRESET: case ECONNABORTED:
  case ECONNRESET: case ENOBUFS: case ECONNREFUSED:
#ifdef EHOSTDOWN
  case EHOSTDOWN:
#endif
  case EHOSTUNREACH: case EDEADLK: case ENOLCK:
#ifdef EUSERS
  case EUSERS:
#endif
#ifdef ESTALE
  case ESTALE:
#endif
  case EROFS: case EBUSY: case EPIPE:
    return 1;
  default:
    return 0;
  }
}

const char *error_str(int e)
{
  if (e == 0) return "no error";
  return strerror(e);
}
