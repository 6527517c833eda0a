/* rcptmake: which records go into users/rcpt.cdb (format in rcptcheck.h).
   The pure part of qmail-newrcpt, kept apart from its system calls so it
   can be tested and fuzzed on byte buffers.

   The model. A "route" is what qmail-lspawn would choose for a set of local
   parts, in three tiers, a better tier always winning:
     RCPTMAKE_EXPLICIT  control/validrcptto: always deliverable, no home;
     RCPTMAKE_ASSIGN    users/assign lines (only when users/cdb exists);
     RCPTMAKE_PASSWD    what qmail-getpw would find: per account an exact
                        route "name" (dash "", ext "") and a wildcard route
                        "name-" (dash "-", pre ""), and the alias account's
                        wildcard "" (dash "-", pre "").
   Within a tier an exact route beats every wildcard and a longer prefix
   beats a shorter one; of two routes with the same tier, kind and
   normalised key the first one added wins (as the first users/assign line,
   or the first passwd entry of a name, does). A route added to a worse tier
   governs only the local parts no better tier covers, which is how an
   address no users/assign line matches falls to qmail-getpw.

   For a route with a home, the names of the .qmail files in that home
   decide which of its local parts exist, by qmail-local's search rules
   (dotqmail.h): with an empty dash everything does (a missing .qmail means
   the default delivery); otherwise ext needs ".qmail" dash safeext or a
   ".qmail" dash Y "default" with Y empty or ending in '-' and a prefix of
   safeext. A home that could not be read makes every local part of its
   routes deliverable (fail-safe: the mail is accepted and delivery decides,
   as without the database).

   The records written are: each exact route's own key ("1"/"0"); each
   wildcard route's prefix ("1" when a default file covers every extension,
   else "0"); and "1" for each .qmail-EXT (exact) and .qmail-Y-default
   (prefix) the route owns. A record is written only by the route that owns
   its key, so a lookup (exact, else longest prefix) gives qmail-lspawn's
   and qmail-local's answer, and no key is ever written twice.

   Limits: keys are normalised ('.' and ':' are the same, as are upper and
   lower case), so a local part that differs from a valid one only in '.'
   versus ':' is accepted too; a .qmail symlink counts as present (it is
   not followed). Both err on the side of accepting mail. */
#ifndef RCPTMAKE_H
#define RCPTMAKE_H
#include <stddef.h>
#include "stralloc.h"

#define RCPTMAKE_EXPLICIT 0
#define RCPTMAKE_ASSIGN 1
#define RCPTMAKE_PASSWD 2
#define RCPTMAKE_TIERS 3

struct rcptmake_route;

struct rcptmake {
  stralloc space;                   /* the routes' strings */
  struct rcptmake_route *routes;
  size_t count, alloc;
  size_t *slots;                    /* hash of routes: index + 1, 0 empty */
  size_t nslots;
  unsigned char wild[RCPTMAKE_TIERS][256]; /* last bytes of wildcard keys */
  unsigned char outwild[256];       /* last bytes of prefixes written */
  size_t *order;                    /* routes with a home, sorted by home */
  size_t ordered;
  size_t *homes;                    /* index into order of each home's first */
  size_t nhomes;
  const char **names;               /* the current home's names, sorted */
  size_t nnames, anames;
  stralloc probe, key;              /* scratch */
  unsigned long records;            /* records written so far */
};

#define RCPTMAKE_ZERO { STRALLOC_ZERO, 0, 0, 0, 0, 0, {{0}}, {0}, 0, 0, 0, 0, 0, 0, 0, STRALLOC_ZERO, STRALLOC_ZERO, 0 }

void rcptmake_free(struct rcptmake *m);

/* Adds a route. key[0..keylen) is the local part (exact) or prefix
   (wildcard) as qmail-lspawn matches it, any case; home is NUL-terminated,
   or NULL for RCPTMAKE_EXPLICIT (which ignores dash and ext); dash and ext
   (ext, or pre for a wildcard) as in users/assign. 1 added, 0 an earlier
   route has the same tier, kind and normalised key (ignored), -1 ENOMEM. */
int rcptmake_route(struct rcptmake *m, int tier, int wildcard,
                   const char *key, size_t keylen, const char *home,
                   const char *dash, size_t dashlen,
                   const char *ext, size_t extlen);

/* 1 if the tier has a wildcard route with the empty prefix (then no worse
   tier matters and the caller need not gather it), else 0 */
int rcptmake_catchall(const struct rcptmake *m, int tier);

/* Called for every record: key[0..klen) starts with '=' or '+',
   deliverable is 1 or 0. Return 0 to go on, -1 (errno set) to stop. */
typedef int (*rcptmake_emit)(void *ctx, const char *key, size_t klen, int deliverable);

/* After the last rcptmake_route: groups the routes by home. 1 ok, 0 ENOMEM.
   Then rcptmake_homes() distinct homes exist, named rcptmake_home(m, i). */
int rcptmake_plan(struct rcptmake *m);
size_t rcptmake_homes(const struct rcptmake *m);
const char *rcptmake_home(const struct rcptmake *m, size_t i);

/* the records of the explicit routes. 0 ok, -1 error (emit's errno or
   ENOMEM) */
int rcptmake_emit_explicit(struct rcptmake *m, rcptmake_emit emit, void *ctx);

/* the records of the routes of home i, given the names of the entries of
   that home that may count as .qmail files (NUL-terminated each,
   names[0..len), any order; names not starting with ".qmail" are ignored),
   or readable 0 when the home could not be read. 0 ok, -1 error. */
int rcptmake_emit_home(struct rcptmake *m, size_t i, const char *names, size_t len,
                       int readable, rcptmake_emit emit, void *ctx);

/* out = the wildchars record for the prefixes written so far. 1 ok, 0 ENOMEM */
int rcptmake_wildchars(const struct rcptmake *m, stralloc *out);

#endif
