/* sendmail_args: which letters exist and what they take come from the
   union of the sendmail 8, Postfix, msmtp, dma and nullmailer command
   lines, trimmed to what callers use (see sendmail(8)). */
#include "sendmail_args.h"
#include "str.h"

/* letters that stand alone (and may be grouped) */
static const char booleans[] = "tiIvGUmnxEJD";
/* letters that take a value, glued or in the next word */
static const char valued[] = "fFrbBoONRVLhCXpeA";

static int in(const char *set, char c)
{
  return c && set[byte_chr(set, str_len(set), c)] != 0;
}

static int usage(struct sendmail_args *a, const char *why, char c)
{
  a->error = why;
  a->letter[0] = c;
  a->letter[1] = 0;
  return 0;
}

static const char *basename_of(const char *s)
{
  size_t i = byte_rchr(s, str_len(s), '/');
  return i == str_len(s) ? s : s + i + 1;
}

/* -o VALUE (sendmail's one-letter options): only "i" changes anything */
static void option_o(struct sendmail_args *a, const char *v)
{
  if (str_equal(v, "i")) a->ignoredots = 1;
}

/* -O NAME[=VALUE] (sendmail's long options): only IgnoreDots does */
static void option_O(struct sendmail_args *a, const char *v)
{
  static const char name[] = "ignoredots";
  size_t n = sizeof name - 1;

  if (str_len(v) < n || !case_equalb(v, n, name)) return;
  if (!v[n] || (v[n] == '=' && (str_equal(v + n + 1, "") ||
                                case_equalb(v + n + 1, 1, "t") || v[n + 1] == '1')))
    a->ignoredots = 1;
  else if (v[n] == '=')
    a->ignoredots = 0;
}

/* -b MODE */
static int option_b(struct sendmail_args *a, const char *v)
{
  if (str_equal(v, "m")) { a->mode = SENDMAIL_DELIVER; return 1; }
  if (str_equal(v, "s")) { a->mode = SENDMAIL_SMTP; return 1; }
  if (str_equal(v, "p")) { a->mode = SENDMAIL_LIST; return 1; }
  if (str_equal(v, "i")) { a->mode = SENDMAIL_ALIASES; return 1; }
  return usage(a, "this mode is not supported (only -bm, -bs, -bp and -bi are)", 'b');
}

/* -q[VALUE], value glued only: an interval asks for a queue daemon, which
   qmail-send already is; anything else asks for a run now */
static void option_q(struct sendmail_args *a, const char *v)
{
  if (*v >= '0' && *v <= '9')
    a->mode = SENDMAIL_NOTHING;
  else
    a->mode = SENDMAIL_FLUSH;
}

int sendmail_args_parse(struct sendmail_args *a, char **argv)
{
  const char *name;
  size_t i;

  a->mode = SENDMAIL_DELIVER;
  a->headers = 0;
  a->ignoredots = 0;
  a->sender = 0;
  a->fullname = 0;
  a->error = 0;
  a->letter[0] = 0;
  a->recipients = argv[0] ? argv + 1 : argv;

  name = argv[0] ? basename_of(argv[0]) : "sendmail";
  if (str_equal(name, "mailq")) a->mode = SENDMAIL_LIST;
  if (str_equal(name, "newaliases")) a->mode = SENDMAIL_ALIASES;
  if (!argv[0]) return 1;

  for (i = 1; argv[i]; i++) {
    const char *w = argv[i];
    size_t j;

    if (w[0] != '-' || !w[1]) break;
    if (str_equal(w, "--")) { i++; break; }
    for (j = 1; w[j]; j++) {
      char c = w[j];
      const char *v;

      if (in(booleans, c)) {
        if (c == 't') a->headers = 1;
        if (c == 'i') a->ignoredots = 1;
        if (c == 'I') a->mode = SENDMAIL_ALIASES;
        continue;
      }
      if (c == 'q') { option_q(a, w + j + 1); break; }
      if (c == 'd') break;  /* debugging: -d, -dX.Y, glued only */
      if (!in(valued, c)) return usage(a, "unknown option", c);
      v = w + j + 1;
      if (!*v) {
        if (!argv[i + 1]) return usage(a, "this option needs a value", c);
        v = argv[++i];
      }
      switch (c) {
        case 'f': case 'r': a->sender = v; break;
        case 'F': a->fullname = v; break;
        case 'o': option_o(a, v); break;
        case 'O': option_O(a, v); break;
        case 'b': if (!option_b(a, v)) return 0; break;
        default: break;  /* B N R V L h C X p e A: accepted, ignored */
      }
      break;
    }
  }
  a->recipients = argv + i;
  return 1;
}

char *sendmail_args_sender(char *value)
{
  size_t n = str_len(value);

  if (byte_chr(value, n, '\r') < n || byte_chr(value, n, '\n') < n) return 0;
  if (n >= 2 && value[0] == '<' && value[n - 1] == '>') {
    value[n - 1] = 0;
    value++;
  }
  return value;
}
