/* error: the one place where an errno is sorted into temporary (retry later)
   or permanent (give up). */
#ifndef ERROR_H
#define ERROR_H

int error_temporary(int e); /* 1 if a retry may succeed (ENOMEM, EIO, ENOSPC, ...) */
const char *error_str(int e); /* short human-readable text */

#endif
