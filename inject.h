/* inject: qmail-inject's work on a message header, callable on bytes (the
   program qmail-inject only reads the input, the environment and the
   controls, and writes or queues the result; see qmail-inject(8)).

   The caller splits the header into fields (header.h) and hands each one
   to inject_field, then calls inject_finish, which gives the new header,
   the envelope sender and the envelope recipients:

   - Return-Path sets the envelope sender (the first one that parses; not
     with the letter s) and is removed; Content-Length, Bcc and Resent-Bcc
     are removed (their recipients still count); with the letters f and i,
     From and Message-ID are removed.
   - Address fields (From, Sender, Reply-To, Mail-Reply-To,
     Mail-Followup-To, Errors-To, Return-Receipt-To,
     Notice-Requested-Upon-Delivery-To, To, Cc, Bcc, Apparently-To and the
     Resent- forms) have each address rewritten (address_rewrite: default
     host, plus domain, default domain) in place: only an address that
     changes is written again, so display names, groups, comments, quoted
     strings, folding and 8-bit bytes stay as they were. A source route
     is dropped; a comma is inserted where two addresses follow one
     another without one. A recipient field that does not parse passes
     unchanged (its addresses are not used); a sender field (From, Sender,
     Reply-To, Errors-To, Return-Receipt-To and their Resent- forms) that
     does not parse is a permanent error.
   - The message is "resent" when any Resent- field of RFC 5322 is present;
     then the recipients of the header are those of Resent-To, Resent-Cc,
     Resent-Bcc, else those of To, Cc, Bcc, Apparently-To.
   - Before the kept fields come, when missing: Date, Message-ID, From,
     "Cc: recipient list not shown: ;" (no To nor Cc) and Mail-Followup-To
     (when a To or Cc address is a list of the mft list), or for a resent
     message Resent-Date, Resent-Message-ID, Resent-From and
     "Resent-Cc: recipient list not shown: ;".
   - The envelope sender: -f, else the Return-Path, else suser@shost
     (default user@host), rewritten; then the letter m appends
     "-" verp to its local part and r makes "local-@domain-@[]" of it
     (the null sender stays null).
   - The recipients: the arguments and/or the header's, by mode, without
     repeats (an address equal to an earlier one, local part as bytes and
     domain with ASCII case ignored, is dropped; first-seen order; a hash
     table, linear time); none is a permanent error.

   No fixed limit: the caller caps the header's size. Functions return 1
   ok, 0 a permanent error (the text in x->error, NUL-terminated; input
   bytes below 32 and 127 shown in it as \ooo), -1 out
   of memory or a size overflow (errno set). */
#ifndef INJECT_H
#define INJECT_H
#include <stddef.h>
#include "address.h"
#include "stralloc.h"

/* where the envelope recipients come from (qmail-inject -a -h -A -H) */
/* An address field (To, Cc, From, ...) longer than this is refused: parsing
   takes about 90 bytes of memory per byte of such a field in the worst case
   (one token per two bytes), so the cap bounds it near 100 MB. */
#define INJECT_ADDRESS_FIELD_MAX (1024UL * 1024)

#define INJECT_ARGS 1    /* -a: the arguments only */
#define INJECT_HEADER 2  /* -h: the header only */
#define INJECT_EITHER 3  /* -A: the arguments, or the header if none */
#define INJECT_BOTH 4    /* -H: both */

struct inject_config {
  int mode;                  /* INJECT_* */
  const char *sender;        /* -f, or NULL */
  char *const *args;         /* recipient arguments (each an address list) */
  size_t nargs;
  struct address_hosts hosts;
  const char *user, *host;   /* the generated From (host NULL: defaulthost) */
  const char *name;          /* its personal name, or NULL */
  const char *suser, *shost; /* the default envelope sender (NULL: user, host) */
  const char *letters;       /* $QMAILINJECT, or NULL */
  const char *mft;           /* mailing lists: NUL-terminated entries */
  size_t mftlen;
  const char *date;          /* value of a generated Date, e.g. "1 Jan 2000 00:00:00 -0000" */
  const char *msgid;         /* value of a generated Message-ID, with <> */
  const char *verp;          /* what the letter m appends after "-" */
};

struct inject {
  const struct inject_config *c;
  int comment, delsender, delfrom, delmsgid, verp_rcpt, verp_msg; /* letters */
  stralloc kept;          /* the fields kept, processed, each ending in LF */
  stralloc rcpt, rcptresent; /* the header's recipients, NUL-terminated */
  stralloc tocc;          /* To and Cc addresses (for Mail-Followup-To) */
  stralloc rpath;         /* the Return-Path sender */
  int hasrpath;
  int resent;
  int date, msgid, from, tocc_seen, mft;  /* fields present */
  int rdate, rmsgid, rfrom, rtocc_seen;   /* Resent- fields present */
  struct address_list list;
  stralloc value, addr, local;  /* scratch */
  stralloc error;               /* a permanent error's text */
};

/* 1, or -1 (letters are not checked: unknown ones are ignored) */
int inject_init(struct inject *x, const struct inject_config *c);
/* one field of the header as header.h yields it: f[0..len) from the name to
   the end of its last line (no LF), the name f[0..namelen), the value
   f[value..len), mbox 1 for an mbox "From " line (kept as MBOX-Line) */
int inject_field(struct inject *x, const char *f, size_t len, size_t namelen,
                 size_t value, int mbox);
/* header: the new header, each field ending in LF (no empty line after);
   sender: the envelope sender (empty: the null sender), not NUL-terminated;
   recipients: NUL-terminated addresses (none: a permanent error) */
int inject_finish(struct inject *x, stralloc *header, stralloc *sender, stralloc *recipients);
void inject_free(struct inject *x);

/* removes the CR of every CR LF. in[0..n) -> out (room for n + 1 bytes);
   *cr carries a CR at the end of one piece into the next (start with 0;
   at the end of input call with n 0 to get it back). Returns the bytes
   written. */
size_t inject_crlf(char *out, const char *in, size_t n, int *cr);

#endif
