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
  /* the network errors of delivery reports, worded the same whichever C
     library a program is linked with (musl says "Operation timed out",
     "Address not available") */
  switch (e) {
    case 0: return "no error";
    case ETIMEDOUT: return "Connection timed out";
    case ECONNREFUSED: return "Connection refused";
    case ECONNRESET: return "Connection reset by peer";
    case EHOSTUNREACH: return "No route to host";
    case ENETUNREACH: return "Network is unreachable";
    case EADDRNOTAVAIL: return "Cannot assign requested address";
  }
  return strerror(e);
}
