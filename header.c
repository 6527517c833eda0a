/* header: see header.h. A byte-at-a-time state machine; the only memory is
   the current field in h->field. */
#include <errno.h>
#include "header.h"

enum {
  LINE_START,  /* at the start of a line, no field held */
  CR_START,    /* a line that began with CR */
  NAME,        /* in the name */
  NAME_SPACE,  /* in the spaces between the name and the colon */
  VALUE,       /* in the value */
  AFTER_LF,    /* after the LF ending a field line: folding or not? */
  YIELDED,     /* the field was handed out; clear it on the next call */
  YIELDED_END, /* the same, at end of input: the next result is the end */
  DONE
};

void header_init(struct header *h)
{
  h->field.s = 0;
  h->field.len = 0;
  h->field.a = 0;
  h->namelen = 0;
  h->value = 0;
  h->mbox = 0;
  h->end = 0;
  h->state = LINE_START;
  h->first = 1;
}

void header_free(struct header *h)
{
  stralloc_free(&h->field);
}

static int printable(unsigned char c)
{
  return c >= 33 && c <= 126;
}

static int space(unsigned char c)
{
  return c == ' ' || c == '\t';
}

/* the first line so far is "From" and spaces: an mbox separator if the
   next byte does not make it a field line */
static int mbox_start(const struct header *h)
{
  return h->first && h->namelen == 4 && h->field.len > 4 &&
         h->field.s[0] == 'F' && h->field.s[1] == 'r' && h->field.s[2] == 'o' &&
         h->field.s[3] == 'm' && h->field.s[4] == ' ';
}

static int end(struct header *h, int how, size_t i, size_t *used)
{
  h->state = DONE;
  h->end = how;
  h->namelen = h->value = 0;
  h->mbox = 0;
  if (how == HEADER_END_BLANK) h->field.len = 0;
  *used = i;
  return HEADER_END;
}

int header_feed(struct header *h, const char *s, size_t n, size_t *used)
{
  size_t i = 0;

  *used = 0;
  if (h->state == DONE || h->state == YIELDED_END) return HEADER_END;
  if (h->state == YIELDED) {
    h->field.len = 0;
    h->namelen = h->value = 0;
    h->mbox = 0;
    h->state = LINE_START;
  }
  for (; i < n; ++i) {
    unsigned char c = (unsigned char)s[i];
    int next = h->state, mbox = h->mbox, fold = 0;
    size_t namelen = h->namelen, value = h->value;

    switch (h->state) {
    case LINE_START:
      if (c == '\n') return end(h, HEADER_END_BLANK, i + 1, used);
      if (c == '\r') next = CR_START;
      else if (c == ':' || !printable(c)) return end(h, HEADER_END_INVALID, i, used);
      else next = NAME;
      break;
    case CR_START:
      if (c == '\n') return end(h, HEADER_END_BLANK, i + 1, used);
      return end(h, HEADER_END_INVALID, i, used);
    case NAME:
      if (c == ':') {
        namelen = h->field.len;
        value = h->field.len + 1;
        next = VALUE;
      } else if (space(c)) {
        namelen = h->field.len;
        next = NAME_SPACE;
      } else if (!printable(c))
        return end(h, HEADER_END_INVALID, i, used);
      break;
    case NAME_SPACE:
      if (c == ':') {
        value = h->field.len + 1;
        next = VALUE;
      } else if (space(c))
        ;
      else if (mbox_start(h)) {
        mbox = 1;
        value = 5;
        next = c == '\n' ? AFTER_LF : VALUE; /* "From \n" */
      } else
        return end(h, HEADER_END_INVALID, i, used);
      break;
    case VALUE:
      if (c == '\n') next = AFTER_LF;
      break;
    case AFTER_LF:
      if (!space(c)) {
        h->state = YIELDED;
        *used = i;
        return HEADER_FIELD;
      }
      fold = 1;
      next = VALUE;
      break;
    }
    if (next != AFTER_LF) {
      if (fold && !stralloc_append(&h->field, '\n')) { *used = i; return HEADER_ERROR; }
      if (!stralloc_append(&h->field, (char)c)) {
        if (fold) --h->field.len;
        *used = i;
        return HEADER_ERROR;
      }
    }
    h->state = next;
    h->mbox = mbox;
    h->namelen = namelen;
    h->value = value;
    if (next == VALUE || next == AFTER_LF) h->first = 0;
  }
  *used = n;
  return HEADER_MORE;
}

int header_finish(struct header *h)
{
  switch (h->state) {
  case DONE:
    return HEADER_END;
  case YIELDED_END:
    h->field.len = 0;
    h->namelen = h->value = 0;
    h->mbox = 0;
    h->state = DONE;
    h->end = HEADER_END_INPUT;
    return HEADER_END;
  case VALUE:
  case AFTER_LF:
    h->state = YIELDED_END;
      return HEADER_FIELD;
  case YIELDED:
  case LINE_START:
    h->field.len = 0;
    h->state = DONE;
    h->end = HEADER_END_INPUT;
    return HEADER_END;
  default: /* CR_START, NAME, NAME_SPACE: a line that never became a field */
    h->state = DONE;
    h->end = HEADER_END_INVALID;
    return HEADER_END;
  }
}

int header_name_is(const char *name, size_t len, const char *want)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    unsigned char a = (unsigned char)name[i], b = (unsigned char)want[i];
    if (b == 0) return 0;
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
    if (a != b) return 0;
  }
  return want[len] == 0;
}
