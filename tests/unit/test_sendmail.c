/* test_sendmail: sendmail's command-line parser and input filter. */
#include "check.h"
#include "sendmail_args.h"
#include "sendmail_input.h"
#include "stralloc.h"

/* the filter fed all at once and byte by byte must agree */
static void filt(const char *in, int ignoredots, const char *want, int wantend)
{
  struct sendmail_input f;
  stralloc out = STRALLOC_ZERO;
  size_t used, n = strlen(in), i;
  int r = 0;

  sendmail_input_init(&f, ignoredots);
  r = sendmail_input_feed(&f, in, n, &out, &used);
  if (r == 0) CHECK(sendmail_input_end(&f, &out) == 1);
  CHECK(r == wantend);
  CHECK_MEM(out.s ? out.s : "", out.len, want, strlen(want));
  if (out.len != strlen(want) || memcmp(out.s ? out.s : "", want, out.len))
    printf("    in \"%s\": got \"%.*s\"\n", in, (int)out.len, out.s ? out.s : "");
  out.len = 0;
  sendmail_input_init(&f, ignoredots);
  r = 0;
  for (i = 0; i < n && r == 0; i++) r = sendmail_input_feed(&f, in + i, 1, &out, &used);
  if (r == 0) CHECK(sendmail_input_end(&f, &out) == 1);
  CHECK(r == wantend);
  CHECK_MEM(out.s ? out.s : "", out.len, want, strlen(want));
  stralloc_free(&out);
}

static void test_input(void)
{
  filt("a\nb\n", 0, "a\nb\n", 0);
  filt("a\r\nb\r\n\r\nbody\r\n", 1, "a\nb\n\nbody\n", 0);
  filt("a\rb\r\r\n", 1, "a\rb\r\n", 0);
  filt("x\r", 1, "x\r", 0);
  filt("From me@x Mon Jan 1\nSubject: s\n\nFrom here\n", 1, "Subject: s\n\nFrom here\n", 0);
  filt("From me\r\nS: s\r\n", 0, "S: s\n", 0);
  filt("Fro\nS: s\n", 0, "Fro\nS: s\n", 0);
  filt("Fr", 0, "Fr", 0);
  filt("S: s\n\na\n.\nafter\n", 0, "S: s\n\na\n", 1);
  filt("S: s\n\na\n.\r\nafter\n", 0, "S: s\n\na\n", 1);
  filt("S: s\n\na\n.\nafter\n", 1, "S: s\n\na\n.\nafter\n", 0);
  filt("S: s\n\na\n..\n...x\n.y\n", 0, "S: s\n\na\n.\n..x\n.y\n", 0);
  filt("S: s\n\na\n..\n...x\n", 1, "S: s\n\na\n..\n...x\n", 0);
  filt("a\n.", 0, "a\n", 0);
  filt("a\n.\r", 0, "a\n.\r", 0);
  filt("a\n.\rb\n", 0, "a\n.\rb\n", 0);
  filt(".\n", 0, "", 1);
  filt("a. b\n", 0, "a. b\n", 0);
}

static char **words(char *s, char **v)
{
  size_t i = 0;
  char *p = strtok(s, " ");
  while (p) {
    v[i++] = strcmp(p, "''") ? p : p + 2;
    p = strtok(0, " ");
  }
  v[i] = 0;
  return v;
}

static struct sendmail_args a;

static int parse(const char *line)
{
  static char copy[512];
  static char *v[64];

  strcpy(copy, line);
  return sendmail_args_parse(&a, words(copy, v));
}

static void test_args(void)
{
  CHECK(parse("sendmail -FCronDaemon -i -B8BITMIME -oem u@h"));
  CHECK_STR(a.fullname, "CronDaemon");
  CHECK(a.ignoredots && !a.headers && a.mode == SENDMAIL_DELIVER);
  CHECK_STR(a.recipients[0], "u@h");
  CHECK(!a.recipients[1]);
  CHECK(parse("sendmail -F Cron -o i -B 8BITMIME u@h"));
  CHECK_STR(a.fullname, "Cron");
  CHECK(a.ignoredots);
  CHECK_STR(a.recipients[0], "u@h");
  CHECK(parse("sendmail -ti"));
  CHECK(a.headers && a.ignoredots && !a.recipients[0]);
  CHECK(parse("sendmail -tif x@y a"));
  CHECK_STR(a.sender, "x@y");
  CHECK_STR(a.recipients[0], "a");
  CHECK(parse("sendmail -oem -oi -B8BITMIME -f f@x -N success,failure -R hdrs -- -a b"));
  CHECK_STR(a.recipients[0], "-a");
  CHECK_STR(a.recipients[1], "b");
  CHECK(parse("sendmail -odi -oem u"));
  CHECK(!a.ignoredots);
  CHECK(parse("sendmail -O IgnoreDots=true u"));
  CHECK(a.ignoredots);
  CHECK(parse("sendmail -bs"));
  CHECK(a.mode == SENDMAIL_SMTP);
  CHECK(parse("sendmail -bp"));
  CHECK(a.mode == SENDMAIL_LIST);
  CHECK(parse("/usr/bin/mailq"));
  CHECK(a.mode == SENDMAIL_LIST);
  CHECK(parse("newaliases"));
  CHECK(a.mode == SENDMAIL_ALIASES);
  CHECK(parse("sendmail -I"));
  CHECK(a.mode == SENDMAIL_ALIASES);
  CHECK(parse("sendmail -q"));
  CHECK(a.mode == SENDMAIL_FLUSH);
  CHECK(parse("sendmail -q30m"));
  CHECK(a.mode == SENDMAIL_NOTHING);
  CHECK(parse("sendmail -qRexample.com"));
  CHECK(a.mode == SENDMAIL_FLUSH);
  CHECK(parse("sendmail -v -G -U -m -n -L tag -h 5 -C /x -X /y -V id -d0.1 -Ac -p smtp -e m u"));
  CHECK_STR(a.recipients[0], "u");
  CHECK(parse("sendmail -r r@x u"));
  CHECK_STR(a.sender, "r@x");
  CHECK(parse("sendmail -f '' u"));
  CHECK_STR(a.sender, "");
  CHECK(parse("sendmail u -t"));
  CHECK(!a.headers);
  CHECK_STR(a.recipients[1], "-t");
  CHECK(!parse("sendmail -k u"));
  CHECK(a.letter[0] == 'k');
  CHECK(!parse("sendmail -f"));
  CHECK(a.letter[0] == 'f');
  CHECK(!parse("sendmail -bd"));
  CHECK(!parse("sendmail -bv u"));
  CHECK(!parse("sendmail -bt"));
  CHECK(!parse("sendmail -bh"));
}

static void test_sender(void)
{
  char a1[] = "<>", a2[] = "", a3[] = "<a@b>", a4[] = "a@b", a5[] = "a\nb", a6[] = "<";
  char *r;
  /* (the macros evaluate their arguments more than once) */
  r = sendmail_args_sender(a1); CHECK_STR(r, "");
  r = sendmail_args_sender(a2); CHECK_STR(r, "");
  r = sendmail_args_sender(a3); CHECK_STR(r, "a@b");
  r = sendmail_args_sender(a4); CHECK_STR(r, "a@b");
  CHECK(sendmail_args_sender(a5) == 0);
  r = sendmail_args_sender(a6); CHECK_STR(r, "<");
}

int main(void)
{
  RUN(test_input);
  RUN(test_args);
  RUN(test_sender);
  return check_exit("test_sendmail");
}
