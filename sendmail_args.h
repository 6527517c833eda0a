/* sendmail_args: the command line of sendmail(8) as its callers write it
   (cron, mutt, PHP, git send-email...), parsed into what the wrapper does.
   Letters may be grouped as getopt groups them ("-ti"); a letter that takes
   a value takes the rest of its word or, when that is empty, the next word
   ("-fx" and "-f x" are the same). The first word that is not an option,
   or the word "--", ends the options; every later word is a recipient. */
#ifndef SENDMAIL_ARGS_H
#define SENDMAIL_ARGS_H

enum sendmail_mode {
  SENDMAIL_DELIVER,     /* -bm, the default: a message on stdin */
  SENDMAIL_SMTP,        /* -bs: SMTP on stdin and stdout */
  SENDMAIL_LIST,        /* -bp, argv0 mailq: list the queue */
  SENDMAIL_ALIASES,     /* -bi, -I, argv0 newaliases: nothing to do */
  SENDMAIL_FLUSH,       /* -q, -qI..., -qR..., -qS...: run the queue now */
  SENDMAIL_NOTHING      /* -q with an interval: accepted, nothing to do */
};

struct sendmail_args {
  enum sendmail_mode mode;
  int headers;          /* -t: recipients from the header too */
  int ignoredots;       /* -i, -oi, -O IgnoreDots: a line "." is text */
  const char *sender;   /* -f, -r: as given (0: none) */
  const char *fullname; /* -F (0: none) */
  char **recipients;    /* the words after the options (argv's own array) */
  const char *error;    /* when sendmail_args_parse returns 0: why */
  char letter[2];       /* the option letter the error is about */
};

/* Parses argv (argv[0] is the program's name, which selects the mode for
   mailq and newaliases). 1 ok; 0 a usage error, described by a->error and
   a->letter. Keeps pointers into argv. */
int sendmail_args_parse(struct sendmail_args *a, char **argv);

/* The envelope sender of a -f value: "" for the null sender (given as ""
   or "<>"), the address without its angle brackets otherwise. Writes into
   the value itself; returns it, or 0 if it holds a CR or LF. */
char *sendmail_args_sender(char *value);

#endif
