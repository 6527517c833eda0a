/* queuedir.h: a scratch queue directory for unit tests of qmail-send's
   modules, which work relative to the current directory. */
#ifndef QUEUEDIR_H
#define QUEUEDIR_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../auto.h"

static char queuedir[] = "/tmp/qmunit.XXXXXX";

/* makes the directory tree and enters it */
static void queuedir_make(void)
{
  static const char *const dirs[] = { "info", "local", "remote", "mess" };
  char name[64];
  unsigned int i, d;
  if (!mkdtemp(queuedir) || chdir(queuedir) == -1) { perror("queuedir"); exit(111); }
  mkdir("todo", 0700);
  mkdir("bounce", 0700);
  for (d = 0; d < 4; ++d) {
    mkdir(dirs[d], 0700);
    for (i = 0; i < auto_split; ++i) {
      snprintf(name, sizeof name, "%s/%u", dirs[d], i);
      mkdir(name, 0700);
    }
  }
}

static void queuedir_remove(void)
{
  char cmd[64];
  if (chdir("/") == -1) return;
  snprintf(cmd, sizeof cmd, "rm -rf %s", queuedir);
  if (system(cmd)) {}
}

static void put_file(const char *fn, const char *s, size_t n)
{
  FILE *f = fopen(fn, "w");
  if (!f || fwrite(s, 1, n, f) != n || fclose(f)) { perror(fn); exit(111); }
}

/* the whole file into *len bytes of a malloc'd buffer (NULL if absent) */
static char *get_file(const char *fn, size_t *len)
{
  FILE *f = fopen(fn, "r");
  char *p;
  long n;
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  p = malloc((size_t)n + 1);
  *len = fread(p, 1, (size_t)n, f);
  fclose(f);
  return p;
}

static char *qpath(const char *dir, unsigned long id)
{
  static char name[4][64];
  static int k;
  k = (k + 1) % 4;
  if (!strcmp(dir, "todo") || !strcmp(dir, "bounce")) snprintf(name[k], 64, "%s/%lu", dir, id);
  else snprintf(name[k], 64, "%s/%lu/%lu", dir, id % auto_split, id);
  return name[k];
}

#endif
