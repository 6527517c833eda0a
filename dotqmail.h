/* dotqmail: the pure logic of local delivery, kept apart from qmail-local's
   system calls so it can be tested and fuzzed on byte buffers: the header
   lines written before a delivered message, the extension made safe for a
   file name, the order in which .qmail files are looked for, the split of a
   .qmail file into instructions, and the Delivered-To loop scan. */
#ifndef DOTQMAIL_H
#define DOTQMAIL_H
#include <stddef.h>
#include <time.h>

struct stralloc;

/* Each builder replaces out with its line; 1 ok, 0 ENOMEM/EOVERFLOW. */
/* "Delivered-To: " local "@" domain LF; any LF inside becomes '_' */
int dotqmail_dtline(struct stralloc *out, const char *local, const char *domain);
/* "Return-Path: <" sender ">" LF, the sender's local part quoted as RFC 5321
   requires; any LF inside becomes '_' */
int dotqmail_rpline(struct stralloc *out, const char *sender);
/* "From " sender " " date LF, the mbox separator: space, tab and LF in the
   sender become '-', an empty sender is MAILER-DAEMON, the date is t in UTC
   as "Www Mmm DD HH:MM:SS YYYY" (a negative t counts as 0) */
int dotqmail_ufline(struct stralloc *out, const char *sender, time_t t);

/* out = ext[0..n) lowercased (ASCII) with every '.' replaced by ':', so an
   extension can never form a ".." path component; same length as ext */
int dotqmail_safeext(struct stralloc *out, const char *ext, size_t n);

/* The .qmail files that may hold the instructions, most specific first:
   ".qmail" dash safeext, then (only when dash is non-empty) ".qmail" dash
   prefix "default" for every prefix of safeext that is empty or ends in
   '-', longest first. Names that would contain '/' are skipped, so a lookup
   never walks into a directory. */
struct dotqmail_search {
  const char *dash;
  const char *safeext;
  size_t len;
  size_t next;  /* prefix length of the next default candidate, plus one */
  int started;
};

void dotqmail_search_start(struct dotqmail_search *s, const char *dash,
                           const char *safeext, size_t len);
/* the next candidate as a NUL-terminated name in out; *defaultpos is the
   length of the safeext prefix the name keeps before "default" (so the
   original-case text $DEFAULT stands for is ext + *defaultpos), or
   (size_t)-1 for the exact name. 1 a name, 0 no more, -1 ENOMEM. */
int dotqmail_search_next(struct dotqmail_search *s, struct stralloc *out,
                         size_t *defaultpos);

/* One line of a .qmail file (lines end at LF; the last one may lack it;
   trailing spaces and tabs are removed before classification). */
enum dotqmail_type {
  DOTQMAIL_COMMENT,  /* '#' */
  DOTQMAIL_BLANK,    /* nothing left after trimming */
  DOTQMAIL_PROGRAM,  /* '|' command; text is the command */
  DOTQMAIL_MBOX,     /* '.' or '/', not ending in '/'; text is the path */
  DOTQMAIL_MAILDIR,  /* '.' or '/', ending in '/'; text is the path */
  DOTQMAIL_FORWARD,  /* '&' address, or any other line; text is the address */
  DOTQMAIL_LIST,     /* exactly "+list": forward-only for the rest */
  DOTQMAIL_CONTROL   /* any other '+' line: ignored */
};

struct dotqmail_line {
  enum dotqmail_type type;
  const char *text;  /* points into the buffer, not NUL-terminated */
  size_t len;
  unsigned long number; /* 1 for the first line */
};

struct dotqmail_parse {
  const char *buf;
  size_t len;
  size_t pos;
  unsigned long number;
};

void dotqmail_parse_start(struct dotqmail_parse *p, const char *buf, size_t len);
/* 1 a line, 0 end of the buffer */
int dotqmail_parse_next(struct dotqmail_parse *p, struct dotqmail_line *line);
/* the word qmail-local -n prints for a type ("maildir", "mbox", "program",
   "forward"), or NULL for lines that are not instructions */
const char *dotqmail_type_name(enum dotqmail_type t);

/* The loop scan: is any header line (up to the first empty line) byte for
   byte equal to dtline (which ends in its only LF)? Fed in pieces; memory
   use does not depend on the message. */
struct dotqmail_loopscan {
  const char *dtline;
  size_t dtlen;
  size_t matched;  /* bytes of the current line that equal dtline so far */
  int mismatch;    /* the current line already differs */
  int nonempty;    /* the current line has a byte before its LF */
  int result;      /* -1 undecided, 0 header ended without a match, 1 loop */
};

void dotqmail_loopscan_start(struct dotqmail_loopscan *l, const char *dtline, size_t dtlen);
/* -1 undecided (feed more), 0 no loop (header over), 1 loop */
int dotqmail_loopscan_feed(struct dotqmail_loopscan *l, const char *s, size_t n);
/* end of message reached: a last line without LF never matches; 0 or 1 */
int dotqmail_loopscan_end(struct dotqmail_loopscan *l);

#endif
