/* address: see address.h. Two passes: a tokenizer turns the input into
   words, literals and specials (comments and white space dropped, but
   remembered in each token's span so that entries can carry their
   comments), then a recursive-descent-free parser walks the tokens. Memory
   is proportional to the input; nesting of comments is a counter, not
   recursion. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "address.h"
#include "quote.h"
#include "str.h"

enum { ATOM = 1, QUOTED, LITERAL, SPECIAL };

struct token {
  int type;
  char special;        /* for SPECIAL: one of < > @ , ; : . */
  size_t start, end;   /* the token itself */
  size_t before;       /* start of the comments and spaces before it */
  size_t after;        /* end of the comments after it (spaces excluded) */
};

struct tokens {
  struct token *t;
  size_t count, allocated;
};


static int white(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* grows an array of elements of size size to hold one more: 1 ok, 0 errno */
static int grow(void **array, size_t *allocated, size_t count, size_t size)
{
  size_t want, bytes;
  void *p;

  if (count < *allocated) return 1;
  if (__builtin_add_overflow(count, count / 2 + 8, &want) ||
      __builtin_mul_overflow(want, size, &bytes) || bytes > (size_t)PTRDIFF_MAX) {
    errno = EOVERFLOW;
    return 0;
  }
  p = realloc(*array, bytes);
  if (!p) { errno = ENOMEM; return 0; }
  *array = p;
  *allocated = want;
  return 1;
}

/* 1 ok, 0 syntax error at *errpos, -1 errno */
static int tokenize(struct tokens *tk, const char *s, size_t n, size_t *errpos)
{
  size_t i = 0, gap = 0;

  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    struct token *t;

    if (white(c)) { ++i; continue; }
    if (c == '(') {
      size_t depth = 0, open = i;
      for (; i < n; ++i) {
        c = (unsigned char)s[i];
        if (c == '\\') { if (++i == n) break; }
        else if (c == '(') ++depth;
        else if (c == ')' && --depth == 0) break;
      }
      if (i >= n) { *errpos = open; return 0; }
      ++i;
      if (tk->count) tk->t[tk->count - 1].after = i;
      continue;
    }
    if (!grow((void **)&tk->t, &tk->allocated, tk->count, sizeof *tk->t)) return -1;
    t = &tk->t[tk->count];
    t->before = gap;
    t->start = i;
    t->special = 0;
    if (c == '"' || c == '[') {
      char close = c == '"' ? '"' : ']';
      t->type = c == '"' ? QUOTED : LITERAL;
      for (++i; i < n; ++i) {
        c = (unsigned char)s[i];
        if (c == '\\') { if (++i == n) break; }
        else if (c == (unsigned char)close) break;
        else if (close == ']' && c == '[') { *errpos = i; return 0; }
      }
      if (i >= n) { *errpos = t->start; return 0; }
      ++i;
    } else if (quote_atext(c)) {
      t->type = ATOM;
      while (i < n && quote_atext((unsigned char)s[i])) ++i;
    } else if (c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
               c == ':' || c == '.') {
      t->type = SPECIAL;
      t->special = (char)c;
      ++i;
    } else {
      *errpos = i;
      return 0;
    }
    t->end = t->after = i;
    gap = i;
    ++tk->count;
  }
  return 1;
}

struct parser {
  const char *s;
  struct token *t;
  size_t count;
  size_t k;          /* the current token */
  size_t errpos;
  struct address_list *l;
  /* the last run of words and dots scanned: run_end for every k in
     [run_from, run_end], so that a phrase is scanned once, not once per
     word ("To: a b c ..." would be quadratic) */
  size_t run_from, run_end;
};

static int is(const struct parser *p, size_t k, char special)
{
  return k < p->count && p->t[k].type == SPECIAL && p->t[k].special == special;
}

static int word(const struct parser *p, size_t k)
{
  return k < p->count && (p->t[k].type == ATOM || p->t[k].type == QUOTED);
}

static int syntax(struct parser *p)
{
  p->errpos = p->k < p->count ? p->t[p->k].start : (p->count ? p->t[p->count - 1].end : 0);
  return 0;
}

/* appends a word's bytes to text, a quoted string without its quotes and
   quoted-pair backslashes, a literal without white space and backslashes */
static int cat_token(stralloc *text, const char *s, const struct token *t)
{
  size_t i;

  if (t->type == ATOM || t->type == SPECIAL) return stralloc_catb(text, s + t->start, t->end - t->start);
  if (t->type == LITERAL && !stralloc_append(text, '[')) return 0;
  for (i = t->start + 1; i + 1 < t->end; ++i) {
    char c = s[i];
    if (c == '\\') c = s[++i];
    else if (t->type == LITERAL && white((unsigned char)c)) continue;
    if (!stralloc_append(text, c)) return 0;
  }
  if (t->type == LITERAL && !stralloc_append(text, ']')) return 0;
  return 1;
}

static struct address_entry *new_entry(struct parser *p, int kind)
{
  struct address_list *l = p->l;
  struct address_entry *e;

  if (!grow((void **)&l->entry, &l->allocated, l->count, sizeof *l->entry)) return 0;
  e = &l->entry[l->count++];
  e->kind = kind;
  e->start = e->end = e->specstart = e->specend = 0;
  e->local = e->locallen = e->domain = e->domainlen = 0;
  e->hasdomain = e->angle = e->route = e->nocomma = 0;
  e->routestart = 0;
  return e;
}

/* domain = atom *("." atom) / literal; 1 ok, 0 syntax, -1 errno */
static int domain(struct parser *p, int store, struct address_entry *e)
{
  stralloc *text = &p->l->text;

  if (store) e->domain = text->len;
  if (p->k < p->count && p->t[p->k].type == LITERAL) {
    if (store && !cat_token(text, p->s, &p->t[p->k])) return -1;
    ++p->k;
  } else {
    for (;;) {
      if (p->k >= p->count || p->t[p->k].type != ATOM) return syntax(p);
      if (store && !cat_token(text, p->s, &p->t[p->k])) return -1;
      ++p->k;
      if (!is(p, p->k, '.')) break;
      if (store && !stralloc_append(text, '.')) return -1;
      ++p->k;
    }
  }
  if (store) e->domainlen = text->len - e->domain;
  return 1;
}

/* addr-spec, or a local part alone; 1 ok, 0 syntax, -1 errno */
static int addr_spec(struct parser *p, struct address_entry *e)
{
  stralloc *text = &p->l->text;
  int r;

  if (!word(p, p->k)) return syntax(p);
  e->specstart = p->t[p->k].start;
  e->local = text->len;
  for (;;) {
    if (!word(p, p->k)) return syntax(p);
    if (!cat_token(text, p->s, &p->t[p->k])) return -1;
    ++p->k;
    if (!is(p, p->k, '.')) break;
    if (!stralloc_append(text, '.')) return -1;
    ++p->k;
  }
  e->locallen = text->len - e->local;
  if (is(p, p->k, '@')) {
    ++p->k;
    e->hasdomain = 1;
    if ((r = domain(p, 1, e)) != 1) return r;
  }
  e->specend = p->t[p->k - 1].end;
  return 1;
}

/* "<" [route] addr-spec ">" or "<>" at p->k */
static int angle_addr(struct parser *p, struct address_entry *e)
{
  int r;

  e->angle = 1;
  ++p->k;
  if (is(p, p->k, '>')) {
    e->specstart = e->specend = p->t[p->k].start;
    e->local = e->domain = p->l->text.len;
    ++p->k;
    return 1;
  }
  if (is(p, p->k, '@') || is(p, p->k, ',')) {
    /* obs-route: *("," / "@" domain) ":" */
    e->route = 1;
    e->routestart = p->t[p->k].start;
    while (is(p, p->k, '@') || is(p, p->k, ',')) {
      if (is(p, p->k++, '@') && (r = domain(p, 0, e)) != 1) return r;
    }
    if (!is(p, p->k, ':')) return syntax(p);
    ++p->k;
  }
  if ((r = addr_spec(p, e)) != 1) return r;
  if (!is(p, p->k, '>')) return syntax(p);
  ++p->k;
  return 1;
}

/* the first token at or after k that is not a word nor a "." */
static size_t run_end(struct parser *p, size_t k)
{
  size_t j = k;

  if (k >= p->run_from && k <= p->run_end) return p->run_end;
  while (word(p, j) || is(p, j, '.')) ++j;
  p->run_from = k;
  p->run_end = j;
  return j;
}

/* a mailbox at p->k; floor: where its span may start at the earliest */
static int mailbox(struct parser *p, size_t floor, int nocomma)
{
  struct address_entry *e = new_entry(p, ADDRESS_MAILBOX);
  size_t j = p->k, first = p->k;
  int r;

  if (!e) return -1;
  e->nocomma = nocomma;
  j = run_end(p, j);
  if (is(p, j, '<')) {
    p->k = j;
    r = angle_addr(p, e);
  } else
    r = addr_spec(p, e);
  if (r != 1) return r;
  e = &p->l->entry[p->l->count - 1];
  e->start = p->t[first].before > floor ? p->t[first].before : floor;
  if (e->start < p->t[first].start) {
    /* leading spaces are not part of the entry; leading comments are */
    while (e->start < p->t[first].start && white((unsigned char)p->s[e->start])) ++e->start;
  }
  e->end = p->t[p->k - 1].after;
  return 1;
}

/* does a group's "phrase :" start at k? */
static int group_start(struct parser *p, size_t k)
{
  if (!word(p, k)) return 0;
  return is(p, run_end(p, k), ':');
}

int address_parse(struct address_list *l, const char *s, size_t n, size_t *errpos)
{
  struct tokens tk = { 0, 0, 0 };
  struct parser p;
  int ingroup = 0, r;
  size_t floor = 0;

  l->count = 0;
  l->text.len = 0;
  *errpos = 0;
  r = tokenize(&tk, s, n, errpos);
  if (r != 1) { free(tk.t); return r; }
  p.s = s;
  p.t = tk.t;
  p.count = tk.count;
  p.k = 0;
  p.errpos = 0;
  p.l = l;
  p.run_from = 1;
  p.run_end = 0;

  while (p.k < p.count) {
    struct address_entry *e;
    int nocomma = 0;

    if (is(&p, p.k, ',')) { floor = p.t[p.k++].end; continue; }
    if (ingroup && is(&p, p.k, ';')) {
      if (!(e = new_entry(&p, ADDRESS_GROUP_END))) { r = -1; break; }
      e->start = p.t[p.k].start;
      e->end = p.t[p.k].end;
      floor = p.t[p.k++].end;
      ingroup = 0;
      continue;
    }
    if (!ingroup && group_start(&p, p.k)) {
      size_t first = p.k;
      while (!is(&p, p.k, ':')) ++p.k;
      if (!(e = new_entry(&p, ADDRESS_GROUP))) { r = -1; break; }
      e->start = p.t[first].start;
      e->end = p.t[p.k].end;
      floor = p.t[p.k++].end;
      ingroup = 1;
      continue;
    }
    /* a mailbox right after the previous one: qmail inserts the comma */
    if (p.k > 0 && !is(&p, p.k - 1, ',') && !is(&p, p.k - 1, ':') && !is(&p, p.k - 1, ';'))
      nocomma = 1;
    if (!word(&p, p.k) && !is(&p, p.k, '<')) { r = syntax(&p); break; }
    if ((r = mailbox(&p, floor, nocomma)) != 1) break;
    floor = p.t[p.k - 1].after;
  }
  if (p.k >= p.count && r == 1 && ingroup) {
    struct address_entry *e = new_entry(&p, ADDRESS_GROUP_END);
    if (!e) r = -1;
    else e->start = e->end = n;
  }
  if (r == 0) *errpos = p.errpos;
  free(tk.t);
  return r;
}

void address_list_free(struct address_list *l)
{
  free(l->entry);
  l->entry = 0;
  l->count = l->allocated = 0;
  stralloc_free(&l->text);
}

/* 1 if s[0..n) is the host name h, ignoring ASCII case */
static int same_host(const char *s, size_t n, const char *h)
{
  return str_len(h) == n && case_equalb(s, n, h);
}

int address_rewrite(stralloc *out, const char *local, size_t locallen, int hasdomain,
                    const char *domain, size_t domainlen, const struct address_hosts *hosts)
{
  const char *plus = hosts && hosts->plusdomain ? hosts->plusdomain : "";
  const char *dflt = hosts && hosts->defaultdomain ? hosts->defaultdomain : "";
  size_t start;

  out->len = 0;
  if (locallen == 0 && !hasdomain) return 1;
  if (!stralloc_catb(out, local, locallen) || !stralloc_append(out, '@')) return 0;
  start = out->len;
  if (hasdomain) {
    if (!stralloc_catb(out, domain, domainlen)) return 0;
  } else if (hosts && hosts->defaulthost) {
    if (!stralloc_cats(out, hosts->defaulthost)) return 0;
  }
  if (out->len > start && out->s[start] == '[') return 1;
  if (out->len > start && out->s[out->len - 1] == '+') {
    --out->len;
    if (*plus && (!stralloc_append(out, '.') || !stralloc_cats(out, plus))) return 0;
  }
  if (byte_chr(out->s + start, out->len - start, '.') == out->len - start && *dflt
      && !same_host(out->s + start, out->len - start, "localhost")
      && !same_host(out->s + start, out->len - start, dflt))
    if (!stralloc_append(out, '.') || !stralloc_cats(out, dflt)) return 0;
  return 1;
}

