/* envelope: incremental parser for the qmail-queue envelope (see envelope.h).
   Within an address the parser looks for the NUL with memchr over at most
   the bytes the length limit still allows, so the work is linear in the
   input and the limit is decided at the exact byte qmail decides it: after
   1002 address bytes the next byte must be the NUL. */
#include <string.h>
#include "envelope.h"

enum {
  STATE_START,      /* expecting the F of the sender record */
  STATE_SENDER,     /* inside the sender address */
  STATE_RECORD,     /* expecting T or the terminating NUL */
  STATE_RECIPIENT,  /* inside a recipient address */
  STATE_DONE,
  STATE_TOOLONG,
  STATE_FORMAT
};

void envelope_init(struct envelope *e)
{
  e->state = STATE_START;
  e->addrlen = 0;
  e->recipients = 0;
}

static int result(const struct envelope *e)
{
  switch (e->state) {
    case STATE_DONE: return ENVELOPE_DONE;
    case STATE_TOOLONG: return ENVELOPE_TOOLONG;
    case STATE_FORMAT: return ENVELOPE_FORMAT;
    default: return ENVELOPE_MORE;
  }
}

int envelope_feed(struct envelope *e, const char *s, size_t n, size_t *used)
{
  size_t i = 0;

  *used = 0;
  if (result(e) != ENVELOPE_MORE) return result(e);

  while (i < n) {
    switch (e->state) {
      case STATE_START:
        if (s[i++] != 'F') { e->state = STATE_FORMAT; goto out; }
        e->state = STATE_SENDER;
        e->addrlen = 0;
        break;
      case STATE_RECORD: {
        char c = s[i++];
        if (c == 0) { e->state = STATE_DONE; goto out; }
        if (c != 'T') { e->state = STATE_FORMAT; goto out; }
        e->state = STATE_RECIPIENT;
        e->addrlen = 0;
        break;
      }
      case STATE_SENDER:
      case STATE_RECIPIENT: {
        /* bytes this address may still have, its NUL included (>= 1) */
        size_t allowed = ENVELOPE_ADDRMAX - e->addrlen;
        size_t window = n - i < allowed ? n - i : allowed;
        const char *nul = memchr(s + i, 0, window);

        if (nul) {
          i += (size_t)(nul - (s + i)) + 1;
          if (e->state == STATE_RECIPIENT && e->recipients != (size_t)-1)
            ++e->recipients;
          e->state = STATE_RECORD;
          e->addrlen = 0;
        } else if (window == allowed) {
          i += window;
          e->state = STATE_TOOLONG;
          goto out;
        } else {
          e->addrlen += window;
          i += window;
        }
        break;
      }
      default:
        goto out;
    }
  }
out:
  *used = i;
  return result(e);
}

int envelope_end(const struct envelope *e)
{
  int r = result(e);

  return r == ENVELOPE_MORE ? ENVELOPE_TRUNCATED : r;
}
