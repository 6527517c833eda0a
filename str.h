/* str: small byte and string helpers. No allocation, never fail. */
#ifndef STR_H
#define STR_H
#include <stddef.h>

#define FMT_ULONG 21 /* enough for a 64-bit unsigned long in decimal, plus NUL */

size_t str_len(const char *s);
int str_equal(const char *a, const char *b);
int str_start(const char *s, const char *prefix);
size_t byte_chr(const char *s, size_t n, int c);  /* index of first c, or n */
size_t byte_rchr(const char *s, size_t n, int c); /* index of last c, or n */
int byte_equal(const char *a, size_t n, const char *b);
int case_equalb(const char *a, size_t n, const char *b); /* ASCII case-insensitive */
void case_lowerb(char *s, size_t n);
/* writes the decimal digits of u to out (no NUL) and returns their count;
   out may be NULL to only measure */
size_t fmt_ulong(char *out, unsigned long u);
/* parses leading decimal digits of s[0..n); returns how many were used, 0 if
   none or if the value overflows unsigned long */
size_t scan_ulong(const char *s, size_t n, unsigned long *u);

#endif
