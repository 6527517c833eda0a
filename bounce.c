/* bounce.c: failure-notice composition for qmail-send. */
#include "bounce.h"
#include "date.h"
#include "quote.h"
#include "str.h"
#include "stralloc.h"

int bounce_paragraph(stralloc *out, const char *rcpt, size_t rlen,
                     const char *text, size_t tlen)
{
  size_t i;
  int line_start = 1;
  if (!stralloc_append(out, '<')) return 0;
  for (i = 0; i < rlen; ++i)
    if (!stralloc_append(out, rcpt[i] == '\n' ? '_' : rcpt[i])) return 0;
  if (!stralloc_cats(out, ">:\n")) return 0;
  for (i = 0; i < tlen; ++i) {
    if (line_start && text[i] == '\n')
      if (!stralloc_append(out, '/')) return 0;
    if (!stralloc_append(out, text[i])) return 0;
    line_start = text[i] == '\n';
  }
  if (!line_start)
    if (!stralloc_append(out, '\n')) return 0;
  return stralloc_append(out, '\n');
}

/* appends the address quoted for a header line; CR and LF become '_' */
static int cat_header_address(stralloc *out, const char *a)
{
  size_t from = out->len, i;
  if (!quote_cataddr(out, a, str_len(a))) return 0;
  for (i = from; i < out->len; ++i)
    if (out->s[i] == '\n' || out->s[i] == '\r') out->s[i] = '_';
  return 1;
}

int bounce_head_text(stralloc *out, const struct bounce_head *h)
{
  if (!stralloc_cats(out, "Date: ")) return 0;
  if (!date_cat822(out, h->now)) return 0;
  if (!stralloc_cats(out, "\nFrom: ")) return 0;
  if (!quote_catlocal(out, h->bouncefrom, str_len(h->bouncefrom))) return 0;
  if (!stralloc_append(out, '@') || !stralloc_cats(out, h->bouncehost)) return 0;
  if (!stralloc_cats(out, "\nTo: ")) return 0;
  if (!cat_header_address(out, h->to)) return 0;
  if (!stralloc_cats(out, "\nSubject: failure notice\n\n")) return 0;
  if (!stralloc_cats(out, "Hi. This is the qmail-send program at ")) return 0;
  if (!stralloc_cats(out, h->bouncehost)) return 0;
  if (!stralloc_cats(out, ".\n")) return 0;
  if (h->double_bounce)
    return stralloc_cats(out,
          "A failure notice about the message below could not be delivered\n"
          "to its own recipient, so it comes to the postmaster instead.\n"
          "This is a permanent error; the notice will not be retried.\n\n");
  return stralloc_cats(out,
          "Your message could not be delivered to the addresses below.\n"
          "This is a permanent error; delivery will not be tried again.\n\n");
}

int bounce_tail_text(stralloc *out, const struct bounce_head *h)
{
  if (h->double_bounce) {
    if (!stralloc_cats(out, "--- Below this line is the original bounce.\n\n")) return 0;
  } else {
    if (!stralloc_cats(out, "--- Below this line is a copy of the message.\n\n")) return 0;
  }
  if (!stralloc_cats(out, "Return-Path: <")) return 0;
  if (!cat_header_address(out, h->sender)) return 0;
  return stralloc_cats(out, ">\n");
}
