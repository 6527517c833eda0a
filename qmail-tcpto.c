/* qmail-tcpto: prints the connect-timeout table queue/lock/tcpto.

   Usage: qmail-tcpto. In the home directory, reads the table under its
   lock and prints one line per address with a timeout on record:
     ADDRESS timed out N times, last S seconds ago[; skipped]
   "skipped" when a qmail-remote skips it now (count 2 or more and the last
   timeout younger than 64 minutes; each qmail-remote adds up to 31
   minutes of its own). The format of the file is in qmail-tcpto(8).

   Runs as root or in the qmail group (queue/ and queue/lock/ are 0750).
   Trusts: the table's framing only (a record it cannot read is a free
   one).

   Exit codes: 0 printed (nothing for an empty or missing table), 111
   cannot read it or write the output. */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "auto.h"
#include "buf.h"
#include "diag.h"
#include "str.h"
#include "tcpto.h"

static char outspace[4096];
static buf out = BUF_INIT(buf_unixwrite, 1, outspace, sizeof outspace);

static void put(const char *s)
{
  if (buf_puts(&out, s) == -1) diag_die_sys(111, "unable to write output", (char *)0);
}

static void putnum(unsigned long long u)
{
  char s[FMT_ULONG];
  s[fmt_ulong(s, (unsigned long)u)] = 0;
  put(s);
}

int main(void)
{
  unsigned char table[TCPTO_SIZE];
  time_t now;
  int i;

  diag_prog = "qmail-tcpto";
  if (chdir(auto_home) == -1) diag_die_sys(111, "unable to switch to ", auto_home, (char *)0);
  if (tcpto_read(TCPTO_FILE, table) == -1) {
    if (errno == EACCES || errno == EPERM)
      diag_die(111, "unable to read ", auto_home, "/" TCPTO_FILE
               ": permission denied (qmail-tcpto must run as root or in the qmail group)", (char *)0);
    diag_die_sys(111, "unable to read ", auto_home, "/" TCPTO_FILE, (char *)0);
  }
  now = time(0);
  for (i = 0; i < TCPTO_RECORDS; i++) {
    struct tcpto_entry e;
    char ip[INET6_ADDRSTRLEN];
    tcpto_decode(table + i * TCPTO_RECORD, &e);
    if (!e.family || !e.count) continue;
    inet_ntop(e.family == 6 ? AF_INET6 : AF_INET, e.ip, ip, sizeof ip);
    put(ip);
    put(" timed out ");
    putnum(e.count);
    put(e.count == 1 ? " time, last " : " times, last ");
    if ((unsigned long long)now >= e.last) {
      putnum((unsigned long long)now - e.last);
      put(" seconds ago");
    } else put("in the future");
    if (tcpto_skip(table, e.family, e.ip, now, 0)) put("; skipped");
    put("\n");
  }
  if (buf_flush(&out) == -1) diag_die_sys(111, "unable to write output", (char *)0);
  return 0;
}
