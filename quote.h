/* quote: RFC 5321 quoting of the local part of an address, so that an
   envelope address can be written into a header line (Return-Path) in a
   form readers parse back to the same address. */
#ifndef QUOTE_H
#define QUOTE_H
#include <stddef.h>

struct stralloc;

/* 1 if s[0..n) is not a valid Dot-string and must be written as a
   Quoted-string: empty, a byte outside atext and '.', a leading or trailing
   '.', or two dots in a row. Bytes 0x80-0xff count as atext (RFC 6531). */
int quote_needed(const char *s, size_t n);
/* 1 if c is RFC 5322 atext (0x80-0xff included, RFC 6531) */
int quote_atext(unsigned char c);
/* appends the local part s[0..n), quoted if needed ('"' and '\' then get a
   backslash). 1 ok, 0 ENOMEM/EOVERFLOW. */
int quote_catlocal(struct stralloc *out, const char *s, size_t n);
/* appends the address a[0..n) with its local part (everything before the
   LAST '@', or all of it if there is none) quoted if needed and the domain
   unchanged. The empty address stays empty. 1 ok, 0 on failure. */
int quote_cataddr(struct stralloc *out, const char *a, size_t n);

#endif
