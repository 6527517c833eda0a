/* error: the one place where an errno is sorted into temporary (retry later)
   or permanent (give up).
   Temporary: EINTR, ENOMEM, ETXTBSY, EIO, ETIMEDOUT, EAGAIN/EWOULDBLOCK,
   ENFILE, EMFILE, ENOSPC, EDQUOT, ENETDOWN, ENETUNREACH, ENETRESET,
   ECONNABORTED, ECONNRESET, ENOBUFS, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH,
   EDEADLK, ENOLCK, EUSERS, ESTALE, EROFS, EBUSY, EPIPE.
   Everything else (ENOENT, EACCES, EINVAL, ELOOP, E2BIG, EOVERFLOW, ...) is
   permanent. */
#ifndef ERROR_H
#define ERROR_H

int error_temporary(int e); /* 1 if a retry may succeed (ENOMEM, EIO, ENOSPC, ...) */
const char *error_str(int e); /* short human-readable text; the network errors
                                 of delivery reports in fixed words */

#endif
