/* date: RFC 5322 date-time as every trace line here writes it, in UTC with
   the zone "-0000" (RFC 5322 3.3: the local offset is not known to mean
   anything to the reader), and in local time for predate(1). Format:
   "D Mon YYYY HH:MM:SS -0000". */
#include <errno.h>
#include <time.h>
#include "date.h"
#include "stralloc.h"

static const char months[12][4] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static int cat_tm(stralloc *sa, const struct tm *tmp, const char *zone)
{
  struct tm tm = *tmp;
  long year;
  size_t oldlen = sa->len;

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
  if (!stralloc_append(sa, ' ')) goto fail;
  if (!stralloc_cats(sa, zone)) goto fail;
  return 1;
fail:
  sa->len = oldlen;
  return 0;
}

int date_cat822(stralloc *sa, time_t t)
{
  struct tm tm;

  if (!gmtime_r(&t, &tm)) { errno = EOVERFLOW; return 0; }
  return cat_tm(sa, &tm, "-0000");
}

/* the offset is local minus UTC, from the two broken-down times (no
   tm_gmtoff, no timezone variable): they differ by at most a day */
int date_cat822_local(stralloc *sa, time_t t)
{
  struct tm gm, lt;
  long minutes, days;
  char zone[6];

  if (!gmtime_r(&t, &gm) || !localtime_r(&t, &lt)) { errno = EOVERFLOW; return 0; }
  days = (long)lt.tm_year != (long)gm.tm_year ? (lt.tm_year > gm.tm_year ? 1 : -1)
                                               : (long)lt.tm_yday - (long)gm.tm_yday;
  minutes = days * 1440 + ((long)lt.tm_hour - gm.tm_hour) * 60 + ((long)lt.tm_min - gm.tm_min);
  /* whole minutes: a zone with seconds (LMT) is rounded */
  if ((long)lt.tm_sec - gm.tm_sec >= 30) minutes++;
  if ((long)lt.tm_sec - gm.tm_sec <= -30) minutes--;
  zone[0] = minutes < 0 ? '-' : '+';
  if (minutes < 0) minutes = -minutes;
  if (minutes >= 100 * 60) { errno = EOVERFLOW; return 0; }
  zone[1] = (char)('0' + minutes / 600);
  zone[2] = (char)('0' + minutes / 60 % 10);
  zone[3] = (char)('0' + minutes % 60 / 10);
  zone[4] = (char)('0' + minutes % 10);
  zone[5] = 0;
  return cat_tm(sa, &lt, zone);
}
