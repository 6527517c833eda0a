/* smtpdata: the DATA phase as a state machine (see smtpdata.h) */
#include <string.h>
#include "smtpdata.h"

enum { LINESTART, MID, CR, DOT, DOTCR };

void smtpdata_start(struct smtpdata *d)
{
  d->state = LINESTART;
  d->inheader = 1;
  d->hops = 0;
  d->bytes = 0;
  d->hdrlen = 0;
}

static char lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* the header bookkeeping for the bytes of one line as they are emitted */
static void header_bytes(struct smtpdata *d, const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n && d->hdrlen < sizeof d->hdr; i++) d->hdr[d->hdrlen++] = lower(s[i]);
}

static void header_line_end(struct smtpdata *d)
{
  if (!d->inheader) return;
  if (d->hdrlen == 0) { d->inheader = 0; return; }
  if ((d->hdrlen >= 8 && !memcmp(d->hdr, "received", 8)) ||
      (d->hdrlen >= 9 && !memcmp(d->hdr, "delivered", 9)))
    d->hops++;
  d->hdrlen = 0;
}

static int put(struct smtpdata *d, const char *s, size_t n, smtpdata_emit emit, void *ctx)
{
  if (!n) return 0;
  if (d->inheader) header_bytes(d, s, n);
  d->bytes += n;
  return emit(ctx, s, n);
}

int smtpdata_feed(struct smtpdata *d, const char *s, size_t n, size_t *used,
                  smtpdata_emit emit, void *ctx)
{
  size_t i = 0;

  while (i < n) {
    char c = s[i];
    switch (d->state) {
    case MID: {
      /* a run of ordinary bytes */
      size_t j = i;
      while (j < n && s[j] != '\r' && s[j] != '\n') j++;
      if (put(d, s + i, j - i, emit, ctx) == -1) return -1;
      i = j;
      if (i == n) break;
      c = s[i];
      if (c == '\n') { *used = i; return SMTPDATA_BARE; }
      d->state = CR;
      i++;
      break;
    }
    case LINESTART:
      if (c == '.') { d->state = DOT; i++; break; }
      if (c == '\n') { *used = i; return SMTPDATA_BARE; }
      if (c == '\r') { d->state = CR; i++; break; }
      d->state = MID;
      break;
    case CR:
      if (c != '\n') { *used = i; return SMTPDATA_BARE; }
      header_line_end(d);
      d->bytes++;
      if (emit(ctx, "\n", 1) == -1) return -1;
      d->state = LINESTART;
      i++;
      break;
    case DOT:
      /* the leading dot goes; what follows is the line */
      if (c == '\r') { d->state = DOTCR; i++; break; }
      if (c == '\n') { *used = i; return SMTPDATA_BARE; }
      d->state = MID;
      break;
    case DOTCR:
      if (c != '\n') { *used = i; return SMTPDATA_BARE; }
      *used = i + 1;
      return SMTPDATA_END;
    }
  }
  *used = n;
  return SMTPDATA_MORE;
}
