/* test_error: the temporary/permanent split, one errno at a time. */
#include <errno.h>
#include "check.h"
#include "error.h"

static const int temporary[] = {
  EINTR, ENOMEM, ETXTBSY, EIO, ETIMEDOUT, EAGAIN, EWOULDBLOCK, ENFILE, EMFILE,
  ENOSPC, EDQUOT, ENETDOWN, ENETUNREACH, ENETRESET, ECONNABORTED, ECONNRESET,
  ENOBUFS, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EDEADLK, ENOLCK, EUSERS,
  ESTALE, EROFS, EBUSY, EPIPE
};

static const int permanent[] = {
  0, EPERM, ENOENT, ESRCH, E2BIG, ENOEXEC, EBADF, ECHILD, EACCES, EFAULT,
  EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, EFBIG, ESPIPE, EMLINK,
  ERANGE, ENAMETOOLONG, ENOSYS, ENOTEMPTY, ELOOP, EOVERFLOW, EILSEQ,
  ENOTSOCK, EADDRINUSE, EMSGSIZE, -1, 100000
};

static void test_classes(void)
{
  size_t i;

  for (i = 0; i < sizeof temporary / sizeof temporary[0]; ++i)
    if (!error_temporary(temporary[i])) {
      CHECK(!"errno listed as temporary came out permanent");
      printf("    errno %d\n", temporary[i]);
    }
  for (i = 0; i < sizeof permanent / sizeof permanent[0]; ++i)
    if (error_temporary(permanent[i])) {
      CHECK(!"errno listed as permanent came out temporary");
      printf("    errno %d\n", permanent[i]);
    }
  CHECK(error_temporary(ENOSPC) == 1);
  CHECK(error_temporary(ENOENT) == 0);
}

static void test_str(void)
{
  CHECK(error_str(ENOENT) != 0 && error_str(ENOENT)[0] != 0);
  CHECK(strcmp(error_str(ENOENT), error_str(EACCES)) != 0);
  CHECK(error_str(0) != 0);
  /* report texts do not depend on the C library (qmail-remote is musl) */
  CHECK_STR(error_str(ETIMEDOUT), "Connection timed out");
  CHECK_STR(error_str(EADDRNOTAVAIL), "Cannot assign requested address");
  CHECK(error_str(123456) != 0);
}

int main(void)
{
  RUN(test_classes);
  RUN(test_str);
  return check_exit("test_error");
}
