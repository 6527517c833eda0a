/* mxq: a test helper (not installed). mxq [-r] [-4|-6] DOMAIN prints the
   outcome of mx_lookup (mx_relay with -r) for DOMAIN, then one line per
   address: "PREF IP". Outcome line: "OK", "SOFT", "NXDOMAIN", "NULLMX",
   "NOADDR", "SELF", "BAD" or "NOMEM", then ": " and the explanation when
   there is one. Exit 0. Used by tests/dns-resolve.sh. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "mx.h"

int main(int argc, char **argv)
{
  static const char *names[] = { "OK", "SOFT", "NXDOMAIN", "NULLMX", "NOADDR", "SELF", "BAD", "NOMEM" };
  struct mx_list l = MX_LIST_ZERO;
  stralloc why = STRALLOC_ZERO;
  int relay = 0, flags = 0, rc, i = 1;
  size_t k;

  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-r")) relay = 1;
    else if (!strcmp(argv[i], "-4")) flags |= MX_V4;
    else if (!strcmp(argv[i], "-6")) flags |= MX_V6;
  }
  if (i != argc - 1) { fprintf(stderr, "usage: mxq [-r] [-4|-6] DOMAIN\n"); return 100; }
  rc = relay ? mx_relay(argv[i], flags, &l, &why) : mx_lookup(argv[i], flags, &l, &why);
  if (rc < 0 || rc > 7) { printf("?%d\n", rc); return 1; }
  if (rc != MX_OK && why.len) printf("%s: %.*s\n", names[rc], (int)why.len, why.s);
  else printf("%s\n", names[rc]);
  for (k = 0; k < l.len; k++) {
    char text[INET6_ADDRSTRLEN];

    inet_ntop(l.h[k].family == 6 ? AF_INET6 : AF_INET, l.h[k].ip, text, sizeof text);
    printf("%u %s\n", l.h[k].pref, text);
  }
  mx_list_free(&l);
  return 0;
}
