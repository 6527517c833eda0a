/* sendmail_input: a state machine over bytes; nothing but the few bytes
   whose meaning depends on what follows (a "From " prefix, a dot at the
   start of a line, a CR) is held back. */
#include "sendmail_input.h"
#include "stralloc.h"

enum {
  FIRST,      /* in the first line, fromlen bytes of "From " matched */
  DROP,       /* in a dropped "From " line */
  START,      /* at the start of a line */
  TEXT,       /* inside a line */
  DOT,        /* a line began with "." (held) */
  DOTCR,      /* a line began with ".\r" (held) */
  CR,         /* a CR (held) */
  DONE
};

static const char from[] = "From ";

void sendmail_input_init(struct sendmail_input *in, int ignoredots)
{
  in->ignoredots = ignoredots;
  in->state = FIRST;
  in->fromlen = 0;
}

/* a byte in state TEXT or START once nothing is held back */
static int text(struct sendmail_input *in, char c, stralloc *out)
{
  if (c == '\r') { in->state = CR; return 1; }
  if (c == '\n') { in->state = START; return stralloc_append(out, c); }
  if (in->state == START && c == '.' && !in->ignoredots) { in->state = DOT; return 1; }
  in->state = TEXT;
  return stralloc_append(out, c);
}

/* a byte after a held CR */
static int after_cr(struct sendmail_input *in, char c, stralloc *out)
{
  if (c == '\n') { in->state = START; return stralloc_append(out, '\n'); }
  if (!stralloc_append(out, '\r')) return 0;
  if (c == '\r') return 1;  /* this CR is held now */
  in->state = TEXT;
  return text(in, c, out);
}

int sendmail_input_feed(struct sendmail_input *in, const char *s, size_t n,
                        stralloc *out, size_t *used)
{
  size_t i;
  int ok = 1;

  for (i = 0; i < n && ok; i++) {
    char c = s[i];

    switch (in->state) {
      case FIRST:
        if (c == from[in->fromlen]) {
          if (++in->fromlen == sizeof from - 1) in->state = DROP;
          break;
        }
        in->state = START;
        if (in->fromlen) {
          ok = stralloc_catb(out, from, in->fromlen);
          in->state = TEXT;
        }
        if (ok) ok = text(in, c, out);
        break;
      case DROP:
        if (c == '\n') in->state = START;
        break;
      case START:
      case TEXT:
        ok = text(in, c, out);
        break;
      case DOT:
        if (c == '\n') { in->state = DONE; *used = i + 1; return 1; }
        if (c == '\r') { in->state = DOTCR; break; }
        in->state = TEXT;
        if (c == '.') { ok = stralloc_append(out, '.'); break; }
        ok = stralloc_append(out, '.') && text(in, c, out);
        break;
      case DOTCR:
        if (c == '\n') { in->state = DONE; *used = i + 1; return 1; }
        /* the held "." and CR, then c as after any CR */
        ok = stralloc_append(out, '.');
        in->state = CR;
        if (ok) ok = after_cr(in, c, out);
        break;
      case CR:
        ok = after_cr(in, c, out);
        break;
      case DONE:
        *used = i;
        return 1;
    }
  }
  *used = i;
  if (!ok) return -1;
  return 0;
}

int sendmail_input_end(struct sendmail_input *in, stralloc *out)
{
  int ok = 1;

  switch (in->state) {
    case FIRST: ok = stralloc_catb(out, from, in->fromlen); break;
    case CR: ok = stralloc_append(out, '\r'); break;
    case DOTCR: ok = stralloc_catb(out, ".\r", 2); break;
    default: break;  /* DOT: a "." alone on the last line ends the input */
  }
  in->state = DONE;
  return ok ? 1 : -1;
}
