/* libFuzzer harness for dns.c's answer parser and mx.c's MX ordering.
   Input: one byte choosing the type asked (A, AAAA, MX or CNAME for
   0..3 modulo 4), then an answer packet. The question is "m.test" of that
   type, with the packet's own id so that the fuzzer reaches the records.
   Checks that
   - the result is one of those dns_parse may give, and on DNS_OK or
     DNS_NODATA the records are whole: count A/AAAA records fill data
     exactly, every MX entry is a preference and a NUL-terminated name that
     is a valid hostname (or the root), the canonical name is a hostname;
   - mx_order returns offsets of entries, in preference order, at most max.
   Run: ./fuzz_dns -max_len=4096 -max_total_time=60 tests/fuzz/corpus/dns */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"
#include "mx.h"
#include "stralloc.h"

static const unsigned int types[4] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_CNAME };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static stralloc q;
  static struct dns_records r;
  unsigned int links, type;
  size_t order[MX_HOSTS_MAX], n, i, pos;
  int rc;

  if (size < 3) return 0;
  type = types[data[0] & 3];
  if (dns_query_make(&q, ((unsigned int)data[1] << 8) | data[2], "m.test", type) != DNS_OK) abort();
  rc = dns_parse(data + 1, size - 1, (const unsigned char *)q.s, q.len, &r, &links);
  if (rc != -1 && rc != DNS_OK && rc != DNS_NODATA && rc != DNS_NXDOMAIN && rc != DNS_SOFT &&
      rc != DNS_BAD && rc != DNS_TRUNC)
    abort();
  if (rc != DNS_OK && rc != DNS_NODATA) {
    if (r.count || r.data.len) abort();
    return 0;
  }
  if (links > DNS_CNAME_MAX) abort();
  if (!dns_name_valid(r.name.s, r.name.len) || r.name.s[r.name.len] != 0) abort();
  if (rc == DNS_NODATA && (r.count || r.skipped)) abort();
  if (type == DNS_T_A && r.data.len != 4 * r.count) abort();
  if (type == DNS_T_AAAA && r.data.len != 16 * r.count) abort();
  if (type == DNS_T_CNAME && r.count != 0 && r.data.len == 0) abort();
  if (type != DNS_T_MX) return 0;
  for (i = 0, pos = 0; i < r.count; i++) {
    size_t nlen;

    if (pos + 3 > r.data.len) abort();
    nlen = strnlen(r.data.s + pos + 2, r.data.len - pos - 2);
    if (pos + 2 + nlen >= r.data.len) abort();
    if (nlen && !dns_name_valid(r.data.s + pos + 2, nlen)) abort();
    pos += 2 + nlen + 1;
  }
  if (pos != r.data.len) abort();
  n = mx_order(r.data.s, r.data.len, r.count, order, MX_HOSTS_MAX);
  if (n == (size_t)-1) return 0;
  if (n > MX_HOSTS_MAX || n > r.count) abort();
  for (i = 0; i < n; i++) {
    const unsigned char *e = (const unsigned char *)r.data.s + order[i];

    if (order[i] + 3 > r.data.len) abort();
    if (i) {
      const unsigned char *prev = (const unsigned char *)r.data.s + order[i - 1];

      if (((prev[0] << 8) | prev[1]) > ((e[0] << 8) | e[1])) abort();
    }
  }
  return 0;
}
