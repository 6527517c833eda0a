/* diag: diagnostics for programs (never used by library code), one grammar:
     PROG: fatal: unable to VERB OBJECT: REASON
     PROG: warning: ...
   Messages are built from string pieces ending with a NULL pointer, never from
   a printf format, and written to fd 2 unbuffered. */
#ifndef DIAG_H
#define DIAG_H

extern const char *diag_prog; /* set by main, e.g. "qmail-queue" */

void diag_warn(const char *s, ...);                       /* PROG: warning: ... */
void diag_warn_sys(const char *s, ...);                   /* ... : strerror(errno) */
void diag_die(int code, const char *s, ...) __attribute__((noreturn));     /* PROG: fatal: ... */
void diag_die_sys(int code, const char *s, ...) __attribute__((noreturn)); /* ... : strerror(errno) */
/* the pieces and a newline with nothing before them, then exit: for a
   program whose fd 2 is a report people read rather than a log (qmail-local:
   its output ends up in bounces), where the text is a plain sentence such
   as "Sorry, no mailbox here by that name. (#5.1.1)" */
void diag_die_report(int code, const char *s, ...) __attribute__((noreturn));

#endif
