/* date: RFC 5322 date-time as every trace line here writes it, in UTC with
   the zone "-0000" (RFC 5322 3.3: the local offset is not known to mean
   anything to the reader). Format: "D Mon YYYY HH:MM:SS -0000". */
#include <errno.h>
#include <time.h>
#include "date.h"
#include "stralloc.h"

static const char months[12][4] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

int date_cat822(stralloc *sa, time_t t)
{
  struct tm tm;
  long year;
  size_t oldlen = sa->len;

  if (!gmtime_r(&t, &tm)) { errno = EOVERFLOW; return 0; }
  if (tm.tm_mon < 0 || tm.tm_mon > 11) { errno = EOVERFLOW; return 0; }
  year = (long)tm.tm_year + 1900;
  if (!stralloc_catulong(sa, (unsigned long)tm.tm_mday)) goto fail;
  if (!stralloc_append(sa, ' ')) goto fail;
  if (!stralloc_catb(sa, months[tm.tm_mon], 3)) goto fail;
  if (!stralloc_append(sa, ' ')) goto fail;
  if (year < 0) {
    if (!stralloc_append(sa, '-')) goto fail;
    if (!stralloc_catulong(sa, 0UL - (unsigned long)year)) goto fail;
  } else if (!stralloc_catulong(sa, (unsigned long)year)) goto fail;
  if (!stralloc_append(sa, ' ')) goto fail;
  if (!stralloc_catulong0(sa, (unsigned long)tm.tm_hour, 2)) goto fail;
  if (!stralloc_append(sa, ':')) goto fail;
  if (!stralloc_catulong0(sa, (unsigned long)tm.tm_min, 2)) goto fail;
  if (!stralloc_append(sa, ':')) goto fail;
  if (!stralloc_catulong0(sa, (unsigned long)tm.tm_sec, 2)) goto fail;
  if (!stralloc_cats(sa, " -0000")) goto fail;
  return 1;
fail:
  sa->len = oldlen;
  return 0;
}
