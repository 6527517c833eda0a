/* libFuzzer harness for address.c. The input is an address field value.
   Checks that parsing never crashes, that every span lies inside the input
   (start <= end, the addr-spec inside the entry), that every local part and
   domain lies inside the list's text, that groups open and close in
   order, that a syntax error's offset is inside the input, that parsing
   again gives the same list, and that rewriting and quoting every address
   succeed, with a quoted local part that parses back to the same bytes.
   Run: ./fuzz_address -max_len=4096 -max_total_time=60 tests/fuzz/corpus/address */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "address.h"
#include "quote.h"
#include "stralloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct address_list l, again, back;
  static stralloc out, quoted;
  struct address_hosts hosts = { "host", "example.com", "plus.example" };
  const char *s = (const char *)data;
  size_t err, err2, i;
  int r, ingroup = 0;

  r = address_parse(&l, s, size, &err);
  if (r == -1) abort();
  if (address_parse(&again, s, size, &err2) != r) abort();
  if (r == 0) {
    if (err > size || err2 != err) abort();
    return 0;
  }
  if (again.count != l.count || again.text.len != l.text.len ||
      (l.text.len && memcmp(again.text.s, l.text.s, l.text.len))) abort();
  for (i = 0; i < l.count; ++i) {
    const struct address_entry *e = &l.entry[i];
    const struct address_entry *f = &again.entry[i];
    if (e->kind != f->kind || e->start != f->start || e->end != f->end ||
        e->specstart != f->specstart || e->specend != f->specend ||
        e->local != f->local || e->locallen != f->locallen ||
        e->domain != f->domain || e->domainlen != f->domainlen ||
        e->hasdomain != f->hasdomain || e->angle != f->angle ||
        e->route != f->route || e->nocomma != f->nocomma) abort();
    if (e->start > e->end || e->end > size) abort();
    if (i > 0 && e->start < l.entry[i - 1].end) abort();
    if (e->kind == ADDRESS_GROUP) { if (ingroup) abort(); ingroup = 1; continue; }
    if (e->kind == ADDRESS_GROUP_END) { if (!ingroup) abort(); ingroup = 0; continue; }
    if (e->kind != ADDRESS_MAILBOX) abort();
    if (e->specstart > e->specend || e->specstart < e->start || e->specend > e->end) abort();
    if (e->local > l.text.len || e->locallen > l.text.len - e->local) abort();
    if (e->domain > l.text.len || e->domainlen > l.text.len - e->domain) abort();
    if (!e->hasdomain && e->domainlen) abort();
    if (!address_rewrite(&out, l.text.s + e->local, e->locallen, e->hasdomain,
                         l.text.s + e->domain, e->domainlen, &hosts)) abort();
    if (e->locallen == 0 && !e->hasdomain) { if (out.len) abort(); continue; }
    quoted.len = 0;
    if (!quote_catlocal(&quoted, l.text.s + e->local, e->locallen)) abort();
    /* a quoted local part reads back as the same local part, unless it
       holds bytes a quoted string cannot carry unfolded (CR, LF) */
    if (!memchr(l.text.s + e->local, '\r', e->locallen) &&
        !memchr(l.text.s + e->local, '\n', e->locallen)) {
      if (address_parse(&back, quoted.s, quoted.len, &err2) != 1) abort();
      if (back.count != 1 || back.entry[0].hasdomain) abort();
      if (back.entry[0].locallen != e->locallen ||
          memcmp(back.text.s + back.entry[0].local, l.text.s + e->local, e->locallen)) abort();
    }
  }
  if (ingroup) abort();
  return 0;
}
