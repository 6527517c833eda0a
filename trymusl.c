/* trymusl.c: the probe trymusl.sh compiles and links with conf-cc-musl and
   conf-ld-musl. It prints how it was linked, as the running kernel sees it:
   "static-pie", "static" or "dynamic" (a program interpreter was loaded),
   and exits 0. Build probe only; no program uses it. */
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int say(const char *s)
{
  size_t n = strlen(s);
  return write(1, s, n) == (ssize_t)n ? 0 : 1;
}

int main(void)
{
  unsigned char e[18];
  int fd;

  /* a program interpreter (ld.so) leaves its load address in AT_BASE */
  if (getauxval(AT_BASE) != 0) return say("dynamic\n");
  fd = open("/proc/self/exe", O_RDONLY);
  if (fd == -1 || read(fd, e, sizeof e) != (ssize_t)sizeof e) return 111;
  close(fd);
  /* e_type, little or big endian: 3 is ET_DYN (position-independent) */
  if ((e[5] == 1 ? e[16] : e[17]) == 3) return say("static-pie\n");
  return say("static\n");
}
