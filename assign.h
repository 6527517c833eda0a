/* assign: users/assign, the table that assigns addresses to accounts, and
   users/cdb, its compiled form.

   users/assign is text, one assignment per line, ended by a line holding a
   single ".":
     =local:user:uid:gid:homedir:dash:ext:     simple: exactly this local part
     +prefix:user:uid:gid:homedir:dash:pre:    wildcard: any local part
                                               starting with prefix
   users/cdb (written by assign_make) holds, for every line in file order:
     simple:   key "!" lowercase(local) NUL
     wildcard: key "!" lowercase(prefix)          (no NUL)
     data:     user NUL uid NUL gid NUL homedir NUL dash NUL ext
               (6 fields, the last one not NUL-terminated)
   and under the empty key the "wildchars": the distinct last characters,
   lowercased, of the non-empty wildcard prefixes.
   A later line with the same key as an earlier one is written too but never
   found: a cdb lookup returns the record added first, so the first line wins.

   Everything here works on byte buffers and never exits or prints. */
#ifndef ASSIGN_H
#define ASSIGN_H
#include <stddef.h>
#include <sys/types.h>
#include "stralloc.h"

struct cdb;
struct cdb_make;

/* One parsed users/assign line. The pointers point into the caller's buffer
   and are valid only during the callback; no field contains ':', '\n' or
   NUL. uid and gid have been checked to be decimal numbers that fit. */
struct assign_line {
  size_t lineno;          /* 1-based line number in the buffer */
  int wildcard;           /* 0: "=local" line, 1: "+prefix" line */
  const char *key;        /* local or prefix as written (not lowercased) */
  size_t keylen;          /* may be 0 only for a wildcard (the catch-all) */
  const char *user;   size_t userlen;    /* not empty */
  const char *homedir; size_t homedirlen; /* not empty */
  const char *dash;   size_t dashlen;
  const char *ext;    size_t extlen;     /* ext, or pre for a wildcard */
  uid_t uid;
  gid_t gid;
};

/* Called once per line in file order; return 0 to go on, -1 (errno set) to
   stop parsing. */
typedef int (*assign_callback)(void *ctx, const struct assign_line *line);

/* Parses the users/assign text s[0..len). Returns
     1  every line was valid and the "." line was reached (bytes after the
        "." line are ignored);
     0  bad format: *lineno gets the 1-based line number (for a missing "."
        line, one past the last line) and *why a short static reason;
    -1  the callback failed (its errno is kept; *lineno is that line).
   Text after the sixth colon of a line is ignored, as qmail does. lineno and
   why may be NULL. */
int assign_parse(const char *s, size_t len, assign_callback cb, void *ctx,
                 size_t *lineno, const char **why);

/* Parses s[0..len) and adds the users/cdb records described above to m
   (which the caller has started and will finish). Returns 1 ok, 0 bad format
   (*lineno, *why as for assign_parse; records may already have been added,
   so the caller must discard the output), -1 write or memory error (errno). */
int assign_make(struct cdb_make *m, const char *s, size_t len,
                size_t *lineno, const char **why);

/* The result of a lookup. Owns its storage: start from ASSIGN_ENTRY_ZERO,
   reuse freely, release with assign_entry_free. user, homedir, dash and ext
   are NUL-terminated and point into storage. */
struct assign_entry {
  const char *user;
  const char *homedir;
  const char *dash;
  const char *ext;
  size_t extlen;
  uid_t uid;
  gid_t gid;
  stralloc storage;
};
#define ASSIGN_ENTRY_ZERO { 0, 0, 0, 0, 0, 0, 0, STRALLOC_ZERO }
void assign_entry_free(struct assign_entry *e);

/* Fills e from the 6 fields "user NUL uid NUL gid NUL homedir NUL dash NUL
   ext", with or without a NUL after ext: the data of a users/cdb record, or
   the output of qmail-getpw. uid and gid must be decimal and fit uid_t/gid_t;
   user and homedir must not be empty; no field may contain a NUL.
   1 ok, 0 malformed (errno EPROTO), -1 out of memory (errno ENOMEM). */
int assign_entry_parse(struct assign_entry *e, const char *s, size_t len);

/* s[0..n) as a uid or gid: decimal digits only, fitting the type, and not
   (id)-1, which the set*id calls read as "leave unchanged". 1 ok, 0 not. */
int assign_scan_uid(const char *s, size_t n, uid_t *uid);
int assign_scan_gid(const char *s, size_t n, gid_t *gid);

/* The users/cdb lookup of qmail-lspawn, for the local part local[0..len)
   (case as in the queue; it is lowercased for the keys):
     1. the simple key "!" lowercase(local) NUL;
     2. wildcard keys "!" lowercase(prefix) for the prefixes of local from the
        whole of it down to one character, longest first, skipping every
        prefix whose last character is not in the wildchars (empty key; a
        file without that key has none);
     3. the bare "!" key (the catch-all "+:" line).
   A wildcard hit (2 or 3) appends the rest of local, in its original case,
   to ext. Returns 1 found (*out filled), 0 no assignment applies (the caller
   then asks qmail-getpw), -1 error with errno (EPROTO for a corrupt file or
   record, ENOMEM, EINVAL if local contains a NUL). Unless it returns 1 the
   string fields of *out are NULL. c must have been set up with cdb_init. */
/* the "wildchars" of a table (the empty key): wild[b] is 1 for every byte b
   that ends a wildcard prefix. 1 read, 0 no such record (all 0), -1 error. */
int assign_wildchars(struct cdb *c, unsigned char wild[256]);

int assign_lookup(struct cdb *c, const char *local, size_t len,
                  struct assign_entry *out);

#endif
