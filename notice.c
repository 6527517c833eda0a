/* notice: failure notices of qmail-send (see notice.h). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "auto.h"
#include "bounce.h"
#include "fd.h"
#include "idset.h"
#include "notice.h"
#include "preprocess.h"
#include "queue_client.h"
#include "queue_path.h"
#include "rewrite.h"
#include "sendlog.h"
#include "str.h"
#include "stralloc.h"


static const struct notice_config *cfg;
static struct idset exists = IDSET_ZERO;   /* bounce/ID may exist */
static struct idset queued = IDSET_ZERO;   /* its notice is queued; only the unlink is left */
static stralloc fn = STRALLOC_ZERO, text = STRALLOC_ZERO, to = STRALLOC_ZERO, sender = STRALLOC_ZERO;

static void nomem(void)
{
  log_s("alert: out of memory, sleeping...\n");
  log_flush();
  sleep(10);
}

void notice_configure(const struct notice_config *c) { cfg = c; }

int notice_found(unsigned long id) { return idset_add(&exists, id); }

int notice_pending(unsigned long id) { return idset_has(&exists, id); }

int notice_record(unsigned long id, const char *rcpt, size_t rlen, const char *t, size_t tlen)
{
  int fd, created = 0;
  text.len = 0;
  while (!rewrite_unvirtual(cfg->rw, rcpt, rlen, &to)) nomem();
  while (!bounce_paragraph(&text, to.s, to.len, t, tlen)) { text.len = 0; nomem(); }
  while (!queue_path(&fn, "bounce", id, -1)) nomem();
  fd = open(fn.s, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd == -1 && errno == ENOENT) {
    fd = open(fn.s, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    created = 1;
  }
  if (fd == -1) { log_warn_sys("unable to append to", fn.s); return -1; }
  while (!idset_add(&exists, id)) nomem();
  if (buf_unixwrite(fd, text.s, text.len) == -1 ||
      fsync(fd) == -1) {   /* fsync-point: bounce */
    log_warn_sys("unable to append to", fn.s);
    close(fd);
    return -1;
  }
  if (close(fd) == -1) { log_warn_sys("unable to append to", fn.s); return -1; }
  if (created && fsync_dir("bounce") == -1) {   /* fsync-point: bounce-dir */
    log_warn_sys("unable to sync", "bounce");
    return -1;
  }
  if (text.a > 65536) stralloc_free(&text);
  return 0;
}

int notice_discard(unsigned long id)
{
  while (!queue_path(&fn, "bounce", id, -1)) nomem();
  if (unlink(fn.s) == -1 && errno != ENOENT) {
    log_warn_sys("unable to unlink", fn.s);
    return -1;
  }
  idset_del(&exists, id);
  idset_del(&queued, id);
  return 0;
}

/* copies fd to the queue; 0 ok, -1 read error */
static int stream(struct queue_client *q, int fd)
{
  char space[8192];
  for (;;) {
    ssize_t r = read(fd, space, sizeof space);
    if (r == 0) return 0;
    if (r == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    queue_put(q, space, (size_t)r);
  }
}

int notice_send(unsigned long id, time_t t, const char *from)
{
  struct queue_client q;
  struct bounce_head h;
  const char *result;
  int fdpara, fdmess, dbl = 0;
  size_t slen;

  if (!idset_has(&exists, id)) return 0;
  if (idset_has(&queued, id)) return notice_discard(id);
  while (!queue_path(&fn, "bounce", id, -1)) nomem();
  fdpara = open_read(fn.s);
  if (fdpara == -1) {
    if (errno == ENOENT) { idset_del(&exists, id); return 0; }
    log_warn_sys("unable to open", fn.s);
    return -1;
  }
  if (from) {
    while (!stralloc_copyb(&sender, from, str_len(from) + 1)) nomem();
  } else if (preprocess_read_info(id, &sender, 0, &fn) == -1) {
    close(fdpara);
    if (errno == ENOENT) return 1;   /* finished before: nothing to do */
    log_warn_sys("unable to read", fn.s);
    return -1;
  }

  slen = sender.len - 1;
  if (slen >= 4 && byte_equal(sender.s + slen - 4, 4, "-@[]")) {
    slen -= 4;
    sender.s[slen] = 0;
    sender.len = slen + 1;
  }
  if (str_equal(sender.s, "#@[]")) {
    close(fdpara);
    log_s("triple bounce: discarding bounce/"); log_ul(id); log_s("\n");
    return notice_discard(id);
  }
  if (!slen) {
    dbl = 1;
    if (!*cfg->doublebounceto) {
      close(fdpara);
      log_s("double bounce: discarding bounce/"); log_ul(id); log_s("\n");
      return notice_discard(id);
    }
    while (!stralloc_copys(&to, cfg->doublebounceto) || !stralloc_append(&to, '@') ||
           !stralloc_cats(&to, cfg->doublebouncehost) || !stralloc_0(&to))
      nomem();
  } else {
    while (!stralloc_copy(&to, &sender)) nomem();
  }

  h.now = t;
  h.bouncefrom = cfg->bouncefrom;
  h.bouncehost = cfg->bouncehost;
  h.to = to.s;
  h.sender = sender.s;
  h.double_bounce = dbl;

  while (!queue_path(&fn, "mess", id, (int)auto_split)) nomem();
  fdmess = open_read(fn.s);
  if (fdmess == -1) { log_warn_sys("unable to open", fn.s); close(fdpara); return -1; }
  if (queue_open(&q) == -1) {
    log_warn_sys("unable to start", "qmail-queue for a bounce");
    close(fdpara);
    close(fdmess);
    return -1;
  }
  text.len = 0;
  while (!bounce_head_text(&text, &h)) { text.len = 0; nomem(); }
  queue_put(&q, text.s, text.len);
  if (stream(&q, fdpara) == -1) {
    while (!queue_path(&fn, "bounce", id, -1)) nomem();
    goto fail_read;
  }
  text.len = 0;
  while (!bounce_tail_text(&text, &h)) { text.len = 0; nomem(); }
  queue_put(&q, text.s, text.len);
  if (stream(&q, fdmess) == -1) goto fail_read;
  close(fdpara);
  close(fdmess);
  queue_from(&q, dbl ? "#@[]" : "");
  queue_to(&q, to.s);
  result = queue_close(&q);
  if (*result) {
    log_s("warning: trouble injecting bounce message, will try later: ");
    log_safe(result + 1, str_len(result + 1));
    log_s("\n");
    return -1;
  }
  log_s("bounce msg "); log_ul(id); log_s(" qp "); log_ul(queue_qp(&q)); log_s("\n");
  while (!idset_add(&queued, id)) nomem();
  return notice_discard(id);

fail_read:
  log_warn_sys("unable to read", fn.s);
  close(fdpara);
  close(fdmess);
  queue_fail(&q);
  queue_close(&q);
  return -1;
}
