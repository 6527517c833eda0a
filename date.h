/* date: RFC 5322 dates as qmail writes them, always UTC:
     "D Mon YYYY HH:MM:SS -0000"   (day not padded, time fields 2 digits) */
#ifndef DATE_H
#define DATE_H
#include <time.h>

struct stralloc;

int date_cat822(struct stralloc *sa, time_t t); /* appends; 1 ok, 0 ENOMEM */

#endif
