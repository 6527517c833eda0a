/* dotqmail: pure local-delivery logic (see dotqmail.h). Nothing here does
   I/O; every input is a byte string from outside (arguments from the queue,
   the user's .qmail file, the message) and is handled at any length. */
#include "dotqmail.h"
#include "quote.h"
#include "str.h"
#include "stralloc.h"

static void replace_lf(stralloc *sa, size_t from, size_t to)
{
  size_t i;

  for (i = from; i < to; i++)
    if (sa->s[i] == '\n') sa->s[i] = '_';
}

int dotqmail_dtline(stralloc *out, const char *local, const char *domain)
{
  if (!stralloc_copys(out, "Delivered-To: ")) return 0;
  if (!stralloc_cats(out, local)) return 0;
  if (!stralloc_append(out, '@')) return 0;
  if (!stralloc_cats(out, domain)) return 0;
  replace_lf(out, 0, out->len);
  return stralloc_append(out, '\n');
}

int dotqmail_rpline(stralloc *out, const char *sender)
{
  if (!stralloc_copys(out, "Return-Path: <")) return 0;
  if (!quote_cataddr(out, sender, str_len(sender))) return 0;
  replace_lf(out, 0, out->len);
  return stralloc_cats(out, ">\n");
}

static const char weekdays[] = "SunMonTueWedThuFriSat";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* t (>= 0) broken down in UTC without the C library, which would read
   the local time zone files first: days to civil date after H. Hinnant */
struct utc { long long year; unsigned int month, day, wday, hour, min, sec; };

static void utc_from_time(time_t t, struct utc *u)
{
  long long secs = t < 0 ? 0 : (long long)t;
  long long days = secs / 86400, rem = secs % 86400;
  long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;

  u->day = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
  u->month = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
  u->year = yoe + era * 400 + (u->month <= 2);
  u->wday = (unsigned int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
  u->hour = (unsigned int)(rem / 3600);
  u->min = (unsigned int)(rem / 60 % 60);
  u->sec = (unsigned int)(rem % 60);
}

int dotqmail_ufline(stralloc *out, const char *sender, time_t t)
{
  struct utc u;
  size_t start, i;

  if (!stralloc_copys(out, "From ")) return 0;
  start = out->len;
  if (!*sender) {
    if (!stralloc_cats(out, "MAILER-DAEMON")) return 0;
  } else {
    if (!stralloc_cats(out, sender)) return 0;
    for (i = start; i < out->len; i++)
      if (out->s[i] == ' ' || out->s[i] == '\t' || out->s[i] == '\n') out->s[i] = '-';
  }
  utc_from_time(t, &u);
  return stralloc_append(out, ' ') &&
         stralloc_catb(out, weekdays + 3 * u.wday, 3) && stralloc_append(out, ' ') &&
         stralloc_catb(out, months + 3 * (u.month - 1), 3) && stralloc_append(out, ' ') &&
         stralloc_catulong0(out, u.day, 2) && stralloc_append(out, ' ') &&
         stralloc_catulong0(out, u.hour, 2) && stralloc_append(out, ':') &&
         stralloc_catulong0(out, u.min, 2) && stralloc_append(out, ':') &&
         stralloc_catulong0(out, u.sec, 2) && stralloc_append(out, ' ') &&
         stralloc_catulong(out, (unsigned long)u.year) && stralloc_append(out, '\n');
}

int dotqmail_safeext(stralloc *out, const char *ext, size_t n)
{
  size_t i;

  if (!stralloc_copyb(out, ext, n)) return 0;
  case_lowerb(out->s, n);
  for (i = 0; i < n; i++)
    if (out->s[i] == '.') out->s[i] = ':';
  return 1;
}

void dotqmail_search_start(struct dotqmail_search *s, const char *dash,
                           const char *safeext, size_t len)
{
  s->dash = dash;
  s->safeext = safeext;
  s->len = len;
  s->next = len + 1;
  s->started = 0;
}

static int candidate(stralloc *out, const struct dotqmail_search *s, size_t keep, int isdefault)
{
  if (!stralloc_copys(out, ".qmail")) return 0;
  if (!stralloc_cats(out, s->dash)) return 0;
  if (!stralloc_catb(out, s->safeext, keep)) return 0;
  if (isdefault && !stralloc_cats(out, "default")) return 0;
  return stralloc_0(out);
}

static int has_slash(const stralloc *sa)
{
  return byte_chr(sa->s, sa->len, '/') != sa->len;
}

int dotqmail_search_next(struct dotqmail_search *s, stralloc *out, size_t *defaultpos)
{
  if (!s->started) {
    s->started = 1;
    if (!*s->dash) s->next = 0; /* the plain address has no default files */
    if (!candidate(out, s, s->len, 0)) return -1;
    if (!has_slash(out)) { *defaultpos = (size_t)-1; return 1; }
  }
  while (s->next > 0) {
    size_t i = --s->next;
    if (i > 0 && s->safeext[i - 1] != '-') continue;
    if (!candidate(out, s, i, 1)) return -1;
    if (has_slash(out)) continue;
    *defaultpos = i;
    return 1;
  }
  return 0;
}

void dotqmail_parse_start(struct dotqmail_parse *p, const char *buf, size_t len)
{
  p->buf = buf;
  p->len = len;
  p->pos = 0;
  p->number = 0;
}

int dotqmail_parse_next(struct dotqmail_parse *p, struct dotqmail_line *line)
{
  const char *s;
  size_t n, end;

  if (p->pos >= p->len) return 0;
  s = p->buf + p->pos;
  end = byte_chr(s, p->len - p->pos, '\n');
  p->pos += end < p->len - p->pos ? end + 1 : end;
  p->number++;
  n = end;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;

  line->number = p->number;
  line->text = s;
  line->len = n;
  if (n == 0) { line->type = DOTQMAIL_BLANK; return 1; }
  switch (s[0]) {
  case '#':
    line->type = DOTQMAIL_COMMENT;
    break;
  case '|':
    line->type = DOTQMAIL_PROGRAM;
    line->text = s + 1;
    line->len = n - 1;
    break;
  case '.': case '/':
    line->type = s[n - 1] == '/' ? DOTQMAIL_MAILDIR : DOTQMAIL_MBOX;
    break;
  case '&':
    line->type = DOTQMAIL_FORWARD;
    line->text = s + 1;
    line->len = n - 1;
    break;
  case '+':
    line->type = (n == 5 && byte_equal(s, 5, "+list")) ? DOTQMAIL_LIST : DOTQMAIL_CONTROL;
    break;
  default:
    line->type = DOTQMAIL_FORWARD;
    break;
  }
  return 1;
}

const char *dotqmail_type_name(enum dotqmail_type t)
{
  switch (t) {
  case DOTQMAIL_PROGRAM: return "program";
  case DOTQMAIL_MBOX: return "mbox";
  case DOTQMAIL_MAILDIR: return "maildir";
  case DOTQMAIL_FORWARD: return "forward";
  default: return 0;
  }
}

void dotqmail_loopscan_start(struct dotqmail_loopscan *l, const char *dtline, size_t dtlen)
{
  l->dtline = dtline;
  l->dtlen = dtlen;
  l->matched = 0;
  l->mismatch = 0;
  l->nonempty = 0;
  l->result = -1;
}

int dotqmail_loopscan_feed(struct dotqmail_loopscan *l, const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n && l->result < 0; i++) {
    char c = s[i];
    if (!l->mismatch) {
      if (l->matched < l->dtlen && l->dtline[l->matched] == c) l->matched++;
      else l->mismatch = 1;
    }
    if (c != '\n') { l->nonempty = 1; continue; }
    if (!l->nonempty) l->result = 0;
    else if (!l->mismatch && l->matched == l->dtlen) l->result = 1;
    l->matched = 0;
    l->mismatch = 0;
    l->nonempty = 0;
  }
  return l->result;
}

int dotqmail_loopscan_end(struct dotqmail_loopscan *l)
{
  if (l->result < 0) l->result = 0;
  return l->result;
}
