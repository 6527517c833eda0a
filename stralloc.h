/* stralloc: growable byte strings. Every heap byte string in the project is
   one of these. Lengths are size_t; every size computation is checked for
   overflow. Functions return 1 on success, 0 on failure with errno set
   (ENOMEM, or EOVERFLOW when a size would not fit). They never exit. */
#ifndef STRALLOC_H
#define STRALLOC_H
#include <stddef.h>

typedef struct stralloc {
  char *s;    /* NULL until first allocation */
  size_t len; /* bytes in use */
  size_t a;   /* bytes allocated */
} stralloc;

#define STRALLOC_ZERO { 0, 0, 0 }

int stralloc_ready(stralloc *sa, size_t n);     /* a >= n */
int stralloc_readyplus(stralloc *sa, size_t n); /* a >= len + n */
int stralloc_copyb(stralloc *sa, const char *s, size_t n);
int stralloc_copys(stralloc *sa, const char *s);
int stralloc_copy(stralloc *sa, const stralloc *from);
int stralloc_catb(stralloc *sa, const char *s, size_t n);
int stralloc_cats(stralloc *sa, const char *s);
int stralloc_cat(stralloc *sa, const stralloc *from);
int stralloc_append(stralloc *sa, char c);
int stralloc_0(stralloc *sa);                     /* append one NUL byte */
int stralloc_catulong(stralloc *sa, unsigned long u);       /* decimal */
int stralloc_catulong0(stralloc *sa, unsigned long u, unsigned int width); /* zero-padded to width */
void stralloc_free(stralloc *sa);                 /* back to STRALLOC_ZERO */

#endif
