/* test_queue_list: what qmail-qread and qmail-qstat show for each state a
   message can be in (queue_list.h). */
#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"
#include "queuedir.h"
#include "queue_list.h"
#include "stralloc.h"

#define T0 1700000000L   /* 14 Nov 2023 22:13:20 GMT */

static void set_mtime(const char *fn, long t)
{
  struct timeval tv[2];
  tv[0].tv_sec = tv[1].tv_sec = t;
  tv[0].tv_usec = tv[1].tv_usec = 0;
  if (utimes(fn, tv) == -1) { perror(fn); exit(111); }
}

static stralloc out = STRALLOC_ZERO, fn = STRALLOC_ZERO;

static int list(unsigned long id)
{
  out.len = 0;
  return queue_list_message(&out, id, auto_split, &fn);
}

#define CHECK_OUT(want) CHECK_MEM(out.s, out.len, want, sizeof want - 1)
#define PUT(f, lit) put_file(f, lit, sizeof lit - 1)

static void test_date(void)
{
  out.len = 0;
  CHECK(queue_list_date(&out, T0));
  CHECK_OUT("14 Nov 2023 22:13:20 GMT");
  out.len = 0;
  CHECK(queue_list_date(&out, 0));
  CHECK_OUT("1 Jan 1970 00:00:00 GMT");
}

static void test_states(void)
{
  struct queue_ids ids = QUEUE_IDS_ZERO;
  unsigned long m, t;

  /* preprocessed: info, remote with one done recipient, bounce */
  PUT(qpath("mess", 101), "12345");
  PUT(qpath("info", 101), "Fa@b.example\0");
  set_mtime(qpath("info", 101), T0);
  PUT(qpath("remote", 101), "Dok@x.example\0Tsoft@x.example\0");
  PUT(qpath("local", 101), "Tme@localhost\0Tcut");
  PUT(qpath("bounce", 101), "x");
  CHECK(list(101) == 1);
  CHECK_OUT("14 Nov 2023 22:13:20 GMT  #101  5  <a@b.example>  bouncing\n"
            "\tlocal\tme@localhost\n"
            "  done\tremote\tok@x.example\n"
            "\tremote\tsoft@x.example\n");

  /* only todo: not yet preprocessed, or first attempt in memory; control
     characters and 8-bit bytes shown as _ */
  PUT(qpath("mess", 24), "");
  PUT(qpath("todo", 24), "u0\0p7\0F\0Tx\033y@z\0T\303\251@z\0");
  set_mtime(qpath("todo", 24), T0 + 86400 * 40);
  CHECK(list(24) == 1);
  CHECK_OUT("24 Dec 2023 22:13:20 GMT  #24  0  <> \n"
            "\ttodo\tx_y@z\n"
            "\ttodo\t__@z\n");

  /* info written, channel files not yet, todo there: listed from todo */
  PUT(qpath("mess", 47), "ab");
  PUT(qpath("todo", 47), "u0\0p7\0Fs@t\0Tr@u\0");
  set_mtime(qpath("todo", 47), T0);
  PUT(qpath("info", 47), "Fs@t\0");
  CHECK(list(47) == 1);
  CHECK_OUT("14 Nov 2023 22:13:20 GMT  #47  2  <s@t> \n\ttodo\tr@u\n");
  /* info without channel files and without todo: finished, its bounce
     being sent */
  unlink(qpath("todo", 47));
  set_mtime(qpath("info", 47), T0);
  CHECK(list(47) == 1);
  CHECK_OUT("14 Nov 2023 22:13:20 GMT  #47  2  <s@t> \n");

  /* gone: no mess (finished), or mess alone (being written or removed) */
  PUT(qpath("info", 70), "Fs@t\0");
  PUT(qpath("local", 70), "Tr@u\0");
  CHECK(list(70) == 0);
  CHECK(out.len == 0);
  PUT(qpath("mess", 93), "");
  CHECK(list(93) == 0);

  /* a cut-short info file is one being written */
  PUT(qpath("mess", 116), "");
  PUT(qpath("info", 116), "Fs@");
  PUT(qpath("local", 116), "Tr@u\0");
  CHECK(list(116) == 0);

  CHECK(queue_list_ids(&ids, auto_split, &fn) == 0);
  CHECK(ids.len == 5);
  if (ids.len == 5)
    CHECK(ids.id[0] == 24 && ids.id[1] == 47 && ids.id[2] == 70 && ids.id[3] == 101 && ids.id[4] == 116);
  queue_ids_free(&ids);

  CHECK(queue_count(&m, &t, auto_split, &fn) == 0);
  CHECK(m == 5);   /* 101 24 47 93 116 */
  CHECK(t == 1);   /* 24 */

  /* an unreadable directory is an error naming it */
  if (geteuid() != 0) {
    chmod("info/3", 0);
    CHECK(queue_list_ids(&ids, auto_split, &fn) == -1);
    CHECK_STR(fn.s, "info/3");
    chmod("info/3", 0700);
  }
}

/* qmail-qread runs as root over files the queue's accounts write: a
   symbolic link is not followed, a FIFO is refused without blocking */
static void test_hostile(void)
{
  PUT("secret", "Fsecret@leak\0Tsecret@leak\0");
  PUT(qpath("mess", 130), "");
  CHECK(symlink("../secret", qpath("todo", 130)) == 0);
  errno = 0;
  CHECK(list(130) == -1);
  CHECK(errno == ELOOP);
  CHECK_STR(fn.s, "todo/130");
  CHECK(out.len == 0);
  unlink(qpath("todo", 130));

  PUT(qpath("mess", 131), "");
  CHECK(symlink("../../secret", qpath("info", 131)) == 0);
  PUT(qpath("local", 131), "Tr@u\0");
  errno = 0;
  CHECK(list(131) == -1);
  CHECK(errno == ELOOP);
  unlink(qpath("info", 131));
  unlink(qpath("local", 131));

  /* a FIFO with no writer: open and read would wait for one forever */
  PUT(qpath("mess", 132), "");
  CHECK(mkfifo(qpath("todo", 132), 0600) == 0);
  errno = 0;
  CHECK(list(132) == -1);
  CHECK(errno == EINVAL);
  unlink(qpath("todo", 132));
  unlink(qpath("mess", 130));
  unlink(qpath("mess", 131));
  unlink(qpath("mess", 132));
  unlink("secret");
}

int main(void)
{
  (void)get_file;
  queuedir_make();
  RUN(test_date);
  RUN(test_states);
  RUN(test_hostile);
  queuedir_remove();
  return check_exit("test_queue_list");
}
