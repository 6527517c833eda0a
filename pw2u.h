/* pw2u: the logic of qmail-pw2u, which turns a V7 password file into a
   users/assign table (formats in assign.h and qmail-users.5).

   The input is "name:password:uid:gid:gecos:home:shell" lines. An account
   is used when its uid is not 0, its name has no upper-case letter (unless
   allow_upper), it is listed in users/include (when that file exists), not
   listed in users/exclude, and its home passes the home check. For each
   used account the output holds, for each of its addresses (the name, or
   the names users/mailnames lists for it):
     =NAME:user:uid:gid:home:::
     +NAME<break>:user:uid:gid:home:<dash>::      (unless breakchar is 0)
   The alias account adds the catch-all "+:alias:uid:gid:home:-::".
   Each users/subusers line "sub:user:pre:" gives
     =sub:user:uid:gid:home:<dash>:pre:
     +sub<break>:user:uid:gid:home:<dash>:pre-:
   (an empty pre gives the lines of an ordinary address). Output order:
   subusers, then accounts in input order, then users/append verbatim, then
   the "." line; users/cdb keeps the first line for a key, so a subuser
   beats an account of the same name and users/append adds, never
   overrides.

   Works on byte buffers only; never exits or prints. */
#ifndef PW2U_H
#define PW2U_H
#include <stddef.h>
#include <sys/types.h>
#include "stralloc.h"

/* what the home callback reports */
#define PW2U_HOME_OK 1        /* exists and is owned by the account's uid */
#define PW2U_HOME_MISSING 2   /* does not exist */
#define PW2U_HOME_NOTOWNED 3  /* exists, owned by another uid */

/* home policies */
#define PW2U_HOME_SKIP 0      /* -o: skip accounts whose home is missing */
#define PW2U_HOME_FATAL 1     /* -h: a missing home is a fatal error */
#define PW2U_HOME_NOCHECK 2   /* -H: do not look at homes at all */

struct pw2u_file {
  const char *s;   /* NULL: the file does not exist */
  size_t len;
};

struct pw2u_config {
  char breakchar;       /* '-' by default (-cX); 0 for none (-C) */
  const char *dash;     /* "-", or "-/" (-/) */
  int allow_upper;      /* -u */
  int home_policy;      /* PW2U_HOME_* policy */
  const char *alias;    /* name of the alias account */
  struct pw2u_file include, exclude, mailnames, subusers, append;
  /* checks home (NUL-terminated) for uid: returns PW2U_HOME_OK, _MISSING,
     _NOTOWNED, or -1 with errno when it cannot tell */
  int (*home)(void *ctx, const char *home, uid_t uid);
  /* told about each password line that is skipped as malformed (may be
     NULL); lineno is 1-based */
  void (*warn)(void *ctx, size_t lineno, const char *why);
  void *ctx;
};

/* why pw2u_run failed */
struct pw2u_error {
  const char *file;     /* "passwd" (standard input) or "users/NAME"; may be NULL */
  size_t lineno;        /* 0 when no line is concerned */
  const char *why;      /* short static text */
  const char *detail;   /* a name or home directory, or NULL */
  size_t detaillen;
};

/* Appends the whole users/assign text for passwd[0..len) to out, ending
   with the "." line. Returns 1 ok; 0 a fatal problem in the data (no alias
   account, a missing home under PW2U_HOME_FATAL, a subuser of an unknown
   account, a bad line in a users/ file): err says which; -1 out of memory
   or the home callback failed (errno; err->detail names the home). On 0 or
   -1 out may hold a partial result that must not be used. */
int pw2u_run(const struct pw2u_config *cfg, const char *passwd, size_t len,
             stralloc *out, struct pw2u_error *err);

#endif
