/* rcptcheck: the recipient database users/rcpt.cdb, which tells
   qmail-smtpd at RCPT whether a local part in a local or virtual domain
   would be accepted by some delivery, without reading home directories.
   qmail-newrcpt writes it (see rcptmake.h for how the entries are chosen).

   Keys are normalised local parts: ASCII lower case, every '.' replaced by
   ':' (the rule of a .qmail extension's safeext, applied to the whole local
   part so that the compiler and the reader agree). The local part is the one
   qmail-local would get: after qmail-send's rewriting (rewrite_recipient),
   so a virtual domain's user is "P-user" with its prefix P.

   Records of users/rcpt.cdb:
     "=" key       exact local part;           data "1" deliverable, "0" not
     "+" prefix    every local part that starts with prefix (which may be
                   empty: every local part);   data "1" or "0"
     ""            the "wildchars": the distinct last bytes of the non-empty
                   prefixes, so a lookup only tries prefixes ending in one
     "?"           the sources the database was built from, for
                   rcptcheck_stale: records "path NUL stamp NUL", stamp "-"
                   for a file that did not exist, else
                   "mtime_sec:mtime_nsec:inode:size" in decimal
   A lookup takes the exact record if there is one, else the record of the
   longest prefix of the key that has one, else "unknown". The compiler
   writes every key once, so the first-record rule of cdb never matters.

   Library code: never exits or prints; errors come back with errno. */
#ifndef RCPTCHECK_H
#define RCPTCHECK_H
#include <stddef.h>

struct cdb;
struct stralloc;

#define RCPTCHECK_FILE "users/rcpt.cdb"
#define RCPTCHECK_EXACT '='
#define RCPTCHECK_PREFIX '+'
#define RCPTCHECK_SOURCES "?"

/* out = the normalised key of local[0..len) (replacing out's contents):
   ASCII lower case, '.' -> ':'. 1 ok, 0 ENOMEM. */
int rcptcheck_key(struct stralloc *out, const char *local, size_t len);

/* looks up a local part (not normalised; this function normalises) in the
   database open as c: 1 deliverable, 0 unknown, -1 read error (errno;
   EPROTO for a record that is not "0" or "1" or a corrupt file).
   Exact entries first, then wildcard prefixes, longest first. */
int rcptcheck_lookup(struct cdb *c, const char *local, size_t len);

/* has any source named in the "?" record changed (or appeared, or gone)
   since the database was built? Paths are relative to the current
   directory (the qmail home). 1 changed, 0 unchanged (also when there is
   no "?" record), -1 error (errno; a stat failing with anything but
   ENOENT/ENOTDIR, or a malformed record: EPROTO). */
int rcptcheck_stale(struct cdb *c);

/* appends path NUL stamp NUL (the "?" record format) for path's state now.
   1 ok, 0 error (errno: ENOMEM, or a stat error other than ENOENT/ENOTDIR) */
int rcptcheck_stamp(struct stralloc *out, const char *path);

#endif
