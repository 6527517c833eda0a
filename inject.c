/* inject: see inject.h. Fields are processed as they come and appended to
   x->kept; everything that depends on the whole header (resent or not,
   the generated fields, Mail-Followup-To, the recipients) waits for
   inject_finish. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "address.h"
#include "header.h"
#include "inject.h"
#include "quote.h"
#include "str.h"

enum {
  OTHER, RETURN_PATH, CONTENT_LENGTH, DATE, MESSAGE_ID,
  FROM, SENDER, REPLY_TO, RETURN_RECEIPT_TO, ERRORS_TO,
  MAIL_REPLY_TO, MAIL_FOLLOWUP_TO, NOTICE_TO,
  TO, CC, BCC, APPARENTLY_TO,
  RESENT_SENDER, RESENT_FROM, RESENT_REPLY_TO, RESENT_TO, RESENT_CC, RESENT_BCC,
  RESENT_DATE, RESENT_MESSAGE_ID
};

static const struct { const char *name; int id; } known[] = {
  { "return-path", RETURN_PATH },
  { "content-length", CONTENT_LENGTH },
  { "date", DATE },
  { "message-id", MESSAGE_ID },
  { "from", FROM },
  { "sender", SENDER },
  { "reply-to", REPLY_TO },
  { "return-receipt-to", RETURN_RECEIPT_TO },
  { "errors-to", ERRORS_TO },
  { "mail-reply-to", MAIL_REPLY_TO },
  { "mail-followup-to", MAIL_FOLLOWUP_TO },
  { "notice-requested-upon-delivery-to", NOTICE_TO },
  { "to", TO },
  { "cc", CC },
  { "bcc", BCC },
  { "apparently-to", APPARENTLY_TO },
  { "resent-sender", RESENT_SENDER },
  { "resent-from", RESENT_FROM },
  { "resent-reply-to", RESENT_REPLY_TO },
  { "resent-to", RESENT_TO },
  { "resent-cc", RESENT_CC },
  { "resent-bcc", RESENT_BCC },
  { "resent-date", RESENT_DATE },
  { "resent-message-id", RESENT_MESSAGE_ID },
};

static int field_id(const char *name, size_t len)
{
  size_t i;

  for (i = 0; i < sizeof known / sizeof known[0]; ++i)
    if (header_name_is(name, len, known[i].name)) return known[i].id;
  return OTHER;
}

static void sa_init(stralloc *sa)
{
  sa->s = 0;
  sa->len = sa->a = 0;
}

int inject_init(struct inject *x, const struct inject_config *c)
{
  const char *l;

  x->c = c;
  x->comment = x->delsender = x->delfrom = x->delmsgid = 0;
  x->verp_rcpt = x->verp_msg = 0;
  for (l = c->letters; l && *l; ++l) {
    switch (*l) {
    case 'c': x->comment = 1; break;
    case 's': x->delsender = 1; break;
    case 'f': x->delfrom = 1; break;
    case 'i': x->delmsgid = 1; break;
    case 'r': x->verp_rcpt = 1; break;
    case 'm': x->verp_msg = 1; break;
    }
  }
  sa_init(&x->kept);
  sa_init(&x->rcpt);
  sa_init(&x->rcptresent);
  sa_init(&x->tocc);
  sa_init(&x->rpath);
  sa_init(&x->value);
  sa_init(&x->addr);
  sa_init(&x->local);
  sa_init(&x->error);
  x->list.entry = 0;
  x->list.count = x->list.allocated = 0;
  sa_init(&x->list.text);
  x->hasrpath = x->resent = 0;
  x->date = x->msgid = x->from = x->tocc_seen = x->mft = 0;
  x->rdate = x->rmsgid = x->rfrom = x->rtocc_seen = 0;
  return 1;
}

void inject_free(struct inject *x)
{
  stralloc_free(&x->kept);
  stralloc_free(&x->rcpt);
  stralloc_free(&x->rcptresent);
  stralloc_free(&x->tocc);
  stralloc_free(&x->rpath);
  stralloc_free(&x->value);
  stralloc_free(&x->addr);
  stralloc_free(&x->local);
  stralloc_free(&x->error);
  address_list_free(&x->list);
}

/* s[0..n) for a diagnostic: a control byte or DEL as \ooo (octal), so
   that what the caller wrote cannot reach a terminal as a command */
static int cat_visible(stralloc *out, const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 32 || ch == 127) {
      char o[4];
      o[0] = '\\';
      o[1] = (char)('0' + (ch >> 6));
      o[2] = (char)('0' + ((ch >> 3) & 7));
      o[3] = (char)('0' + (ch & 7));
      if (!stralloc_catb(out, o, 4)) return 0;
    } else if (!stralloc_append(out, (char)ch))
      return 0;
  }
  return 1;
}

/* a permanent error: 0, or -1 if even the text cannot be kept; b (an
   address or field name from the input) is shown with cat_visible */
static int refuse(struct inject *x, const char *a, const char *b, size_t blen, const char *c)
{
  x->error.len = 0;
  if (!stralloc_cats(&x->error, a) || !cat_visible(&x->error, b, blen) ||
      !stralloc_cats(&x->error, c) || !stralloc_0(&x->error))
    return -1;
  return 0;
}

/* the rewritten envelope form of entry e of x->list into x->addr */
static int rewrite_entry(struct inject *x, const struct address_entry *e)
{
  const char *t = x->list.text.s ? x->list.text.s : "";
  return address_rewrite(&x->addr, t + e->local, e->locallen, e->hasdomain,
                         t + e->domain, e->domainlen, &x->c->hosts) ? 1 : -1;
}

/* an envelope address may not hold a control byte: a NUL would end the
   address in qmail-queue's envelope and start a record of its own */
static int control_byte(const stralloc *a)
{
  size_t i;
  for (i = 0; i < a->len; ++i)
    if ((unsigned char)a->s[i] < 32 || a->s[i] == 127) return 1;
  return 0;
}

/* appends the header form of the envelope address a[0..n) whose local
   part is a[0..locallen) */
static int cat_header_addr(stralloc *out, const char *a, size_t n, size_t locallen)
{
  if (!quote_catlocal(out, a, locallen)) return 0;
  return stralloc_catb(out, a + locallen, n - locallen);
}

/* an address field: each address rewritten in place into x->kept; its
   envelope addresses appended to collect and also (when not NULL) to
   also. strict: a parse failure is a permanent error, else the field
   passes unchanged. */
static int address_field(struct inject *x, const char *f, size_t len, size_t namelen,
                         size_t value, int strict, stralloc *collect, stralloc *also)
{
  const char *v = f + value;
  size_t n = len - value, err, pos = 0, i;
  int r;

  if (n > INJECT_ADDRESS_FIELD_MAX)
    return refuse(x, "the ", f, namelen, " field is longer than 1 MB: not queued");
  r = address_parse(&x->list, v, n, &err);
  if (r == -1) return -1;
  if (r == 0) {
    if (strict) return refuse(x, "unable to parse the ", f, namelen, " field");
    if (!stralloc_catb(&x->kept, f, len) || !stralloc_append(&x->kept, '\n')) return -1;
    return 1;
  }
  x->value.len = 0;
  for (i = 0; i < x->list.count; ++i) {
    const struct address_entry *e = &x->list.entry[i];
    const char *t = x->list.text.s ? x->list.text.s : "";
    size_t from;
    int same;

    if (e->kind != ADDRESS_MAILBOX) continue;
    if (e->nocomma && i > 0) {
      size_t prevend = x->list.entry[i - 1].end;
      if (prevend >= pos) {
        if (!stralloc_catb(&x->value, v + pos, prevend - pos)) return -1;
        pos = prevend;
      }
      if (!stralloc_append(&x->value, ',')) return -1;
    }
    if (e->locallen == 0 && !e->hasdomain) continue; /* <> */
    if (rewrite_entry(x, e) == -1) return -1;
    if (collect && control_byte(&x->addr))
      return refuse(x, "a control character in an address of the ", f, namelen, " field");
    if (collect) {
      if (!stralloc_catb(collect, x->addr.s, x->addr.len) || !stralloc_0(collect)) return -1;
      if (also && (!stralloc_catb(also, x->addr.s, x->addr.len) || !stralloc_0(also))) return -1;
    }
    /* unchanged: the bytes as written stay */
    same = !e->route && e->hasdomain && x->addr.len == e->locallen + 1 + e->domainlen &&
           byte_equal(x->addr.s + e->locallen + 1, e->domainlen, t + e->domain);
    if (same) continue;
    from = e->route ? e->routestart : e->specstart;
    if (from < pos) continue; /* cannot happen: spans are in order */
    if (!stralloc_catb(&x->value, v + pos, from - pos)) return -1;
    if (!cat_header_addr(&x->value, x->addr.s, x->addr.len, e->locallen)) return -1;
    pos = e->specend;
  }
  if (!stralloc_catb(&x->value, v + pos, n - pos)) return -1;
  if (!stralloc_catb(&x->kept, f, value) || !stralloc_cat(&x->kept, &x->value) ||
      !stralloc_append(&x->kept, '\n'))
    return -1;
  return 1;
}

static int return_path(struct inject *x, const char *v, size_t n)
{
  size_t err, i;
  int r;

  if (x->delsender || x->hasrpath) return 1;
  r = address_parse(&x->list, v, n, &err);
  if (r == -1) return -1;
  if (r == 0) return 1; /* ignored */
  for (i = 0; i < x->list.count; ++i) {
    const struct address_entry *e = &x->list.entry[i];
    if (e->kind != ADDRESS_MAILBOX) continue;
    if (rewrite_entry(x, e) == -1) return -1;
    if (control_byte(&x->addr)) return 1; /* ignored */
    if (!stralloc_copy(&x->rpath, &x->addr)) return -1;
    x->hasrpath = 1;
    return 1;
  }
  return 1;
}

int inject_field(struct inject *x, const char *f, size_t len, size_t namelen,
                 size_t value, int mbox)
{
  int id;

  if (mbox) {
    if (!stralloc_cats(&x->kept, "MBOX-Line: ") || !stralloc_catb(&x->kept, f, len) ||
        !stralloc_append(&x->kept, '\n'))
      return -1;
    return 1;
  }
  id = field_id(f, namelen);
  switch (id) {
  case RESENT_SENDER: case RESENT_FROM: case RESENT_REPLY_TO: case RESENT_TO:
  case RESENT_CC: case RESENT_BCC: case RESENT_DATE: case RESENT_MESSAGE_ID:
    x->resent = 1;
  }
  switch (id) {
  case RETURN_PATH:
    return return_path(x, f + value, len - value);
  case CONTENT_LENGTH:
    return 1;
  case FROM:
    if (x->delfrom) return 1;
    x->from = 1;
    return address_field(x, f, len, namelen, value, 1, 0, 0);
  case MESSAGE_ID:
    if (x->delmsgid) return 1;
    x->msgid = 1;
    break;
  case DATE: x->date = 1; break;
  case RESENT_DATE: x->rdate = 1; break;
  case RESENT_MESSAGE_ID: x->rmsgid = 1; break;
  case RESENT_FROM:
    x->rfrom = 1;
    /* fall through */
  case SENDER: case REPLY_TO: case RETURN_RECEIPT_TO: case ERRORS_TO:
  case RESENT_SENDER: case RESENT_REPLY_TO:
    return address_field(x, f, len, namelen, value, 1, 0, 0);
  case MAIL_REPLY_TO: case MAIL_FOLLOWUP_TO: case NOTICE_TO:
    if (id == MAIL_FOLLOWUP_TO) x->mft = 1;
    return address_field(x, f, len, namelen, value, 0, 0, 0);
  case TO: case CC:
    x->tocc_seen = 1;
    return address_field(x, f, len, namelen, value, 0, &x->rcpt, &x->tocc);
  case APPARENTLY_TO:
    return address_field(x, f, len, namelen, value, 0, &x->rcpt, 0);
  case BCC: {
    /* the recipients count, the field goes */
    size_t keep = x->kept.len;
    int r = address_field(x, f, len, namelen, value, 0, &x->rcpt, 0);
    x->kept.len = keep;
    return r;
  }
  case RESENT_TO: case RESENT_CC:
    x->rtocc_seen = 1;
    return address_field(x, f, len, namelen, value, 0, &x->rcptresent, 0);
  case RESENT_BCC: {
    size_t keep = x->kept.len;
    int r = address_field(x, f, len, namelen, value, 0, &x->rcptresent, 0);
    x->kept.len = keep;
    return r;
  }
  }
  if (!stralloc_catb(&x->kept, f, len) || !stralloc_append(&x->kept, '\n')) return -1;
  return 1;
}

/* the personal name as a quoted string (c 0) or comment (c 1): backslash
   before the bytes that would end it, control bytes (CR, LF: a new header
   line) as spaces */
static int cat_name(stralloc *out, const char *name, int comment)
{
  const char *p;

  if (!stralloc_append(out, comment ? '(' : '"')) return 0;
  for (p = name; *p; ++p) {
    unsigned char ch = (unsigned char)*p;
    if (ch < 32 || ch == 127) ch = ' ';
    if (ch == '\\' || (comment ? ch == '(' || ch == ')' : ch == '"'))
      if (!stralloc_append(out, '\\')) return 0;
    if (!stralloc_append(out, (char)ch)) return 0;
  }
  return stralloc_append(out, comment ? ')' : '"');
}

/* the generated From value (without the name) in envelope form into x->addr */
static int default_from(struct inject *x)
{
  const struct inject_config *c = x->c;
  const char *user = c->user ? c->user : "anonymous";
  const char *host = c->host && *c->host ? c->host : 0;

  return address_rewrite(&x->addr, user, str_len(user), host != 0, host ? host : "",
                         host ? str_len(host) : 0, &c->hosts) ? 1 : -1;
}

static int cat_from(struct inject *x, stralloc *h, const char *name)
{
  const char *user = x->c->user ? x->c->user : "anonymous";
  const char *fname = x->c->name;
  size_t locallen = str_len(user);

  if (default_from(x) == -1) return -1;
  if (control_byte(&x->addr))
    return refuse(x, "a control character in the user or host name of the environment", "", 0, "");
  if (!stralloc_cats(h, name)) return -1;
  if (fname && *fname && !x->comment) {
    if (!cat_name(h, fname, 0) || !stralloc_cats(h, " <")) return -1;
    if (!cat_header_addr(h, x->addr.s, x->addr.len, locallen)) return -1;
    if (!stralloc_append(h, '>')) return -1;
  } else {
    if (!cat_header_addr(h, x->addr.s, x->addr.len, locallen)) return -1;
    if (fname && *fname && (!stralloc_append(h, ' ') || !cat_name(h, fname, 1))) return -1;
  }
  return stralloc_append(h, '\n') ? 1 : -1;
}

/* is a[0..n) an entry of the NUL-terminated list (ASCII case ignored)? */
static int listed(const char *list, size_t len, const char *a, size_t n)
{
  size_t i = 0;

  while (i < len) {
    size_t l = str_len(list + i);
    if (l == n && case_equalb(list + i, n, a)) return 1;
    i += l + 1;
  }
  return 0;
}

static int cat_mft(struct inject *x, stralloc *h)
{
  const stralloc *t = &x->tocc;
  size_t i, line;
  int hit = 0;

  if (x->mft || !x->c->mft || !x->c->mftlen) return 1;
  for (i = 0; i < t->len; i += str_len(t->s + i) + 1)
    if (listed(x->c->mft, x->c->mftlen, t->s + i, str_len(t->s + i))) { hit = 1; break; }
  if (!hit) return 1;
  if (!stralloc_cats(h, "Mail-Followup-To: ")) return -1;
  line = 18;
  for (i = 0; i < t->len; i += str_len(t->s + i) + 1) {
    x->value.len = 0;
    if (!quote_cataddr(&x->value, t->s + i, str_len(t->s + i))) return -1;
    if (i) {
      /* a new line before an address that would pass column 78 */
      if (line + 2 + x->value.len > 78) {
        if (!stralloc_cats(h, ",\n ")) return -1;
        line = 1;
      } else {
        if (!stralloc_cats(h, ", ")) return -1;
        line += 2;
      }
    }
    if (!stralloc_cat(h, &x->value)) return -1;
    line += x->value.len;
  }
  return stralloc_append(h, '\n') ? 1 : -1;
}

static int envelope_sender(struct inject *x, stralloc *sender)
{
  const struct inject_config *c = x->c;
  size_t at;

  sender->len = 0;
  if (c->sender) {
    size_t err, i;
    int r = address_parse(&x->list, c->sender, str_len(c->sender), &err);
    if (r == -1) return -1;
    if (r == 0) return refuse(x, "unable to parse the envelope sender ", c->sender, str_len(c->sender), "");
    for (i = 0; i < x->list.count; ++i) {
      if (x->list.entry[i].kind != ADDRESS_MAILBOX) continue;
      if (rewrite_entry(x, &x->list.entry[i]) == -1) return -1;
      if (control_byte(&x->addr))
        return refuse(x, "a control character in the envelope sender (-f) ", c->sender,
                      str_len(c->sender), "");
      if (!stralloc_copy(sender, &x->addr)) return -1;
      break;
    }
  } else if (x->hasrpath) {
    if (!stralloc_copy(sender, &x->rpath)) return -1;
  } else {
    const char *user = c->suser ? c->suser : c->user ? c->user : "anonymous";
    const char *host = c->shost ? c->shost : c->host;
    if (host && !*host) host = 0;
    if (!address_rewrite(sender, user, str_len(user), host != 0, host ? host : "",
                         host ? str_len(host) : 0, &c->hosts))
      return -1;
    if (control_byte(sender))
      return refuse(x, "a control character in the envelope sender of the environment", "", 0, "");
  }
  if (!sender->len || !(x->verp_rcpt || (x->verp_msg && c->verp))) return 1;
  /* per-message VERP: local-VERP@domain; per-recipient: local-@domain-@[] */
  at = byte_rchr(sender->s, sender->len, '@');
  x->value.len = 0;
  if (!stralloc_catb(&x->value, sender->s, at)) return -1;
  if (x->verp_msg && c->verp &&
      (!stralloc_append(&x->value, '-') || !stralloc_cats(&x->value, c->verp)))
    return -1;
  if (x->verp_rcpt && !stralloc_append(&x->value, '-')) return -1;
  if (!stralloc_append(&x->value, '@')) return -1;
  if (at < sender->len && !stralloc_catb(&x->value, sender->s + at + 1, sender->len - at - 1))
    return -1;
  if (x->verp_rcpt && !stralloc_cats(&x->value, "-@[]")) return -1;
  if (!stralloc_copy(sender, &x->value)) return -1;
  return 1;
}

static int arg_recipients(struct inject *x, stralloc *out)
{
  size_t a;

  for (a = 0; a < x->c->nargs; ++a) {
    const char *s = x->c->args[a];
    size_t err, i;
    int r = address_parse(&x->list, s, str_len(s), &err);
    if (r == -1) return -1;
    if (r == 0) return refuse(x, "unable to parse the recipient address ", s, str_len(s), "");
    for (i = 0; i < x->list.count; ++i) {
      const struct address_entry *e = &x->list.entry[i];
      if (e->kind != ADDRESS_MAILBOX || (e->locallen == 0 && !e->hasdomain)) continue;
      if (rewrite_entry(x, e) == -1) return -1;
      if (control_byte(&x->addr))
        return refuse(x, "a control character in the recipient address ", s, str_len(s), "");
      if (!stralloc_catb(out, x->addr.s, x->addr.len) || !stralloc_0(out)) return -1;
    }
  }
  return 1;
}

/* one recipient's hash: the local part's bytes, the domain's (after the
   last @) in lower case, so that equal addresses hash alike; seeded per
   message so that chosen addresses cannot all land in one slot */
static uint64_t rcpt_hash(const char *a, size_t n, uint64_t seed)
{
  size_t at = byte_rchr(a, n, '@'), i;
  uint64_t h = seed ^ 14695981039346656037ULL;

  for (i = 0; i < n; ++i) {
    unsigned char ch = (unsigned char)a[i];
    if (i > at && ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch + 32);
    h = (h ^ ch) * 1099511628211ULL;
  }
  /* splitmix64's finisher: every bit of h reaches the low bits used */
  h ^= h >> 30; h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27; h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

static int rcpt_same(const char *a, size_t an, const char *b, size_t bn)
{
  size_t aat = byte_rchr(a, an, '@'), bat = byte_rchr(b, bn, '@');

  if (an != bn || aat != bat || memcmp(a, b, aat) != 0) return 0;
  return case_equalb(a + aat, an - aat, b + aat);
}

/* drops the later copies of each recipient of r (NUL-terminated entries),
   keeping the order of the first ones: an open-addressing table of the
   kept entries' offsets (+1, 0 free), at most half full */
static int rcpt_dedupe(stralloc *r, uint64_t seed)
{
  size_t count = 0, size = 16, mask, i, out = 0, *slot;

  for (i = 0; i < r->len; i += str_len(r->s + i) + 1) ++count;
  if (count < 2) return 1;
  while (size / 2 < count) {
    if (size > ((size_t)-1) / 2 / sizeof *slot) { errno = ENOMEM; return 0; }
    size *= 2;
  }
  slot = calloc(size, sizeof *slot);
  if (!slot) return 0;
  mask = size - 1;
  for (i = 0; i < r->len;) {
    size_t n = str_len(r->s + i), k = (size_t)rcpt_hash(r->s + i, n, seed) & mask;
    int dup = 0;
    for (; slot[k]; k = (k + 1) & mask) {
      const char *o = r->s + slot[k] - 1;
      if (rcpt_same(o, str_len(o), r->s + i, n)) { dup = 1; break; }
    }
    if (!dup) {
      /* out <= i: the entry moves down, over copies already dropped */
      if (out != i) memmove(r->s + out, r->s + i, n + 1);
      slot[k] = out + 1;
      out += n + 1;
    }
    i += n + 1;
  }
  r->len = out;
  free(slot);
  return 1;
}

int inject_finish(struct inject *x, stralloc *h, stralloc *sender, stralloc *rcpt)
{
  const struct inject_config *c = x->c;
  const stralloc *hr = x->resent ? &x->rcptresent : &x->rcpt;
  int r;

  h->len = 0;
  rcpt->len = 0;
  if (x->resent) {
    if (!x->rdate && (!stralloc_cats(h, "Resent-Date: ") || !stralloc_cats(h, c->date) ||
                      !stralloc_append(h, '\n')))
      return -1;
    if (!x->rmsgid && (!stralloc_cats(h, "Resent-Message-ID: ") || !stralloc_cats(h, c->msgid) ||
                       !stralloc_append(h, '\n')))
      return -1;
    if (!x->rfrom && (r = cat_from(x, h, "Resent-From: ")) != 1) return r;
    if (!x->rtocc_seen && !stralloc_cats(h, "Resent-Cc: recipient list not shown: ;\n")) return -1;
  } else {
    if (!x->date && (!stralloc_cats(h, "Date: ") || !stralloc_cats(h, c->date) ||
                     !stralloc_append(h, '\n')))
      return -1;
    if (!x->msgid && (!stralloc_cats(h, "Message-ID: ") || !stralloc_cats(h, c->msgid) ||
                      !stralloc_append(h, '\n')))
      return -1;
    if (!x->from && (r = cat_from(x, h, "From: ")) != 1) return r;
    if (!x->tocc_seen && !stralloc_cats(h, "Cc: recipient list not shown: ;\n")) return -1;
    if (cat_mft(x, h) == -1) return -1;
  }
  if (!stralloc_cat(h, &x->kept)) return -1;

  if ((r = envelope_sender(x, sender)) != 1) return r;
  if (c->mode != INJECT_HEADER) {
    if ((r = arg_recipients(x, rcpt)) != 1) return r;
  }
  if (c->mode == INJECT_HEADER || c->mode == INJECT_BOTH ||
      (c->mode == INJECT_EITHER && c->nargs == 0)) {
    if (!stralloc_cat(rcpt, hr)) return -1;
  }
  if (!rcpt_dedupe(rcpt, rcpt_hash(c->msgid ? c->msgid : "", c->msgid ? str_len(c->msgid) : 0, 0)))
    return -1;
  if (!rcpt->len) return refuse(x, "no recipients", "", 0, "");
  return 1;
}

size_t inject_crlf(char *out, const char *in, size_t n, int *cr)
{
  size_t i, o = 0;

  if (n == 0) {
    if (*cr) { out[o++] = '\r'; *cr = 0; }
    return o;
  }
  for (i = 0; i < n; ++i) {
    char ch = in[i];
    if (*cr) {
      *cr = 0;
      if (ch != '\n') out[o++] = '\r';
    }
    if (ch == '\r') { *cr = 1; continue; }
    out[o++] = ch;
  }
  return o;
}
