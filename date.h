/* date: RFC 5322 dates as qmail writes them: "D Mon YYYY HH:MM:SS -0000"
   in UTC (day not padded, time fields 2 digits), or in local time. */
#ifndef DATE_H
#define DATE_H
#include <time.h>

struct stralloc;

int date_cat822(struct stralloc *sa, time_t t); /* appends; 1 ok, 0 ENOMEM */
/* the same in local time (TZ) with its offset, "D Mon YYYY HH:MM:SS +hhmm",
   for predate(1) */
int date_cat822_local(struct stralloc *sa, time_t t);

#endif
