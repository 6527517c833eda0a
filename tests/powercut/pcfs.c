/* pcfs: a power-cut test file system (FUSE, test-only code; the mail
   programs never link or need it).

   It implements exactly the durability model of DESIGN.md and nothing more:
   every inode has its current contents and attributes and its durable ones;
   every directory entry has its current target and its durable target.
     fsync/fdatasync of a file  its contents, size, mode, owner and times
                                become durable (not its names);
     fsync of a directory       its entries (created, linked, renamed in or
                                out, unlinked) and its attributes become
                                durable (not the contents of the files).
   Nothing else is ever durable: no ordering between files, no name made
   durable by an fsync of the file it names, no syncfs. (A new inode exists
   durably, empty, with the attributes it was created with; the attributes
   of a FIFO, which cannot be fsynced, are durable once set.)

   Everything lives in memory. A virtual file .pcfs at the root (root only,
   not listed by readdir) controls it; write one command per write(2):
     cut          power goes off now: from here on every operation fails
                  with EIO (the durable state is what survives);
     freeze-at N  cut automatically when the Nth durability-relevant
                  operation from now arrives, before it takes effect;
                  0 cancels. Counted: create, mknod, mkdir, symlink, link,
                  rename, unlink, rmdir, write, truncate, fsync, fsyncdir;
     restore      power comes back (every process using the file system
                  must be gone): the durable state becomes the current
                  state, inodes no directory reaches are freed, and
                  operations work again.
   Reading it gives "ops N" (durability-relevant operations counted since
   the mount), "cut 0|1", "freeze N" (the op number that will cut, 0 none),
   "inodes N", "cuts N", one per line.

   Files are opened with direct_io, so every write reaches this process and
   the kernel keeps no page cache; entries and attributes are never cached
   (timeouts 0), so after a restore the kernel sees the restored tree.
   Locks (flock, fcntl) are left to the kernel; FIFOs are kernel pipes on a
   FUSE inode. Inode numbers are never reused.

   Usage: pcfs [-d] MOUNTPOINT   (runs in the foreground until unmounted;
   mounts with allow_other and default_permissions; -d: FUSE debug output).
   Prints "pcfs: mounted MOUNTPOINT" once the mount is there.
   One global mutex serialises every operation: simple and correct. */
#define FUSE_USE_VERSION 34
#define _GNU_SOURCE
#include <fuse_lowlevel.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define CTL_NAME ".pcfs"
#define CTL_INO 2
#define FIRST_INO 3

struct attrs {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  dev_t rdev;
  struct timespec atime, mtime, ctime;
};

struct entry {
  char *name;
  fuse_ino_t cur; /* 0: not there now */
  fuse_ino_t dur; /* 0: not there durably */
};

struct node {
  fuse_ino_t ino;
  struct attrs a, da;          /* current, durable */
  char *data;                  /* regular file contents, symlink target */
  size_t size, cap;
  char *ddata;                 /* durable contents */
  size_t dsize;
  struct entry *ents;          /* directories */
  size_t nents, capents;
  unsigned long nlink;         /* current names (not for directories) */
  int mark;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node **nodes;
static size_t nodes_cap;
static fuse_ino_t next_ino = FIRST_INO;
static unsigned long ops, freeze_target, cuts, live_inodes;
static int is_cut;

static void die_nomem(void)
{
  fputs("pcfs: fatal: out of memory\n", stderr);
  abort();
}

static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (!p) die_nomem();
  return p;
}

static char *xstrdup(const char *s)
{
  char *d = strdup(s);
  if (!d) die_nomem();
  return d;
}

static struct timespec now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

static struct node *get(fuse_ino_t ino)
{
  if (ino >= nodes_cap) return 0;
  return nodes[ino];
}

static struct node *new_node(mode_t mode, uid_t uid, gid_t gid, dev_t rdev)
{
  struct node *n = calloc(1, sizeof *n);
  struct timespec t = now();

  if (!n) die_nomem();
  if (next_ino >= nodes_cap) {
    size_t c = nodes_cap ? nodes_cap * 2 : 1024;
    while (c <= next_ino) c *= 2;
    nodes = xrealloc(nodes, c * sizeof *nodes);
    memset(nodes + nodes_cap, 0, (c - nodes_cap) * sizeof *nodes);
    nodes_cap = c;
  }
  n->ino = next_ino++;
  n->a.mode = mode;
  n->a.uid = uid;
  n->a.gid = gid;
  n->a.rdev = rdev;
  n->a.atime = n->a.mtime = n->a.ctime = t;
  /* the inode itself exists durably from its creation (as an inode an
     fsck would find), empty: only its names and contents need syncs */
  n->da = n->a;
  nodes[n->ino] = n;
  live_inodes++;
  return n;
}

static void free_node(struct node *n)
{
  size_t i;

  for (i = 0; i < n->nents; i++) free(n->ents[i].name);
  free(n->ents);
  free(n->data);
  free(n->ddata);
  nodes[n->ino] = 0;
  free(n);
  live_inodes--;
}

/* ------------------------------------------------------------ directories */

static struct entry *find_entry(struct node *d, const char *name)
{
  size_t i;

  for (i = 0; i < d->nents; i++)
    if (!strcmp(d->ents[i].name, name)) return &d->ents[i];
  return 0;
}

/* the current target of NAME in D, or 0 */
static fuse_ino_t lookup_cur(struct node *d, const char *name)
{
  struct entry *e = find_entry(d, name);
  return e ? e->cur : 0;
}

static void drop_link(fuse_ino_t ino)
{
  struct node *n = get(ino);
  if (n && n->nlink) n->nlink--;
}

/* points NAME in D at INO now (0: removes it); not durable until D is
   fsynced */
static void set_entry(struct node *d, const char *name, fuse_ino_t ino)
{
  struct entry *e = find_entry(d, name);
  struct timespec t = now();

  if (!e) {
    if (!ino) return;
    if (d->nents == d->capents) {
      d->capents = d->capents ? d->capents * 2 : 8;
      d->ents = xrealloc(d->ents, d->capents * sizeof *d->ents);
    }
    e = &d->ents[d->nents++];
    e->name = xstrdup(name);
    e->cur = 0;
    e->dur = 0;
  }
  if (e->cur) drop_link(e->cur);
  e->cur = ino;
  if (ino) get(ino)->nlink++;
  d->a.mtime = d->a.ctime = t;
}

/* removes entries that are neither current nor durable */
static void compact(struct node *d)
{
  size_t i, j = 0;

  for (i = 0; i < d->nents; i++) {
    if (!d->ents[i].cur && !d->ents[i].dur) { free(d->ents[i].name); continue; }
    d->ents[j++] = d->ents[i];
  }
  d->nents = j;
}

static size_t subdirs(struct node *d)
{
  size_t i, k = 0;

  for (i = 0; i < d->nents; i++) {
    struct node *c = d->ents[i].cur ? get(d->ents[i].cur) : 0;
    if (c && S_ISDIR(c->a.mode)) k++;
  }
  return k;
}

static int dir_empty(struct node *d)
{
  size_t i;

  for (i = 0; i < d->nents; i++)
    if (d->ents[i].cur) return 0;
  return 1;
}

/* -------------------------------------------------------------- the model */

static void do_cut(void)
{
  if (is_cut) return;
  is_cut = 1;
  freeze_target = 0;
  cuts++;
}

/* a durability-relevant operation arrives: 1 if it must fail (cut) */
static int count_op(void)
{
  if (is_cut) return 1;
  ops++;
  if (freeze_target && ops >= freeze_target) { do_cut(); return 1; }
  return 0;
}

static void mark(struct node *n)
{
  size_t i;

  if (n->mark) return;
  n->mark = 1;
  for (i = 0; i < n->nents; i++) {
    struct node *c = n->ents[i].cur ? get(n->ents[i].cur) : 0;
    if (c) mark(c);
  }
}

static void do_restore(void)
{
  size_t i, j;

  for (i = 0; i < nodes_cap; i++) {
    struct node *n = nodes[i];
    if (!n) continue;
    n->a = n->da;
    free(n->data);
    n->data = 0;
    n->size = n->cap = 0;
    if (n->dsize) {
      n->data = xrealloc(0, n->dsize);
      memcpy(n->data, n->ddata, n->dsize);
      n->size = n->cap = n->dsize;
    }
    n->nlink = 0;
    n->mark = 0;
    for (j = 0; j < n->nents; j++) n->ents[j].cur = n->ents[j].dur;
    compact(n);
  }
  /* an entry may durably name an inode that no longer exists only if it
     was freed at an earlier restore, which cannot happen: a durable name
     keeps its inode reachable */
  mark(get(FUSE_ROOT_ID));
  get(CTL_INO)->mark = 1;
  for (i = 0; i < nodes_cap; i++) {
    struct node *n = nodes[i];
    if (!n) continue;
    for (j = 0; j < n->nents; j++) {
      struct node *c = get(n->ents[j].cur);
      if (c) c->nlink++;
    }
  }
  for (i = 0; i < nodes_cap; i++)
    if (nodes[i] && !nodes[i]->mark) free_node(nodes[i]);
  is_cut = 0;
  freeze_target = 0;
}

static void sync_file(struct node *n)
{
  n->da = n->a;
  free(n->ddata);
  n->ddata = 0;
  n->dsize = n->size;
  if (n->size) {
    n->ddata = xrealloc(0, n->size);
    memcpy(n->ddata, n->data, n->size);
  }
}

static void sync_dir(struct node *d)
{
  size_t i;

  d->da = d->a;
  for (i = 0; i < d->nents; i++) d->ents[i].dur = d->ents[i].cur;
  compact(d);
}

/* ---------------------------------------------------------------- replies */

static void fill_stat(struct node *n, struct stat *st)
{
  memset(st, 0, sizeof *st);
  st->st_ino = n->ino;
  st->st_mode = n->a.mode;
  st->st_uid = n->a.uid;
  st->st_gid = n->a.gid;
  st->st_rdev = n->a.rdev;
  st->st_size = S_ISDIR(n->a.mode) ? 4096 : (off_t)n->size;
  st->st_nlink = S_ISDIR(n->a.mode) ? 2 + subdirs(n) : n->nlink;
  if (n->ino == CTL_INO) st->st_nlink = 1;
  st->st_blksize = 4096;
  st->st_blocks = (st->st_size + 511) / 512;
  st->st_atim = n->a.atime;
  st->st_mtim = n->a.mtime;
  st->st_ctim = n->a.ctime;
}

static void reply_entry(fuse_req_t req, struct node *n)
{
  struct fuse_entry_param e;

  memset(&e, 0, sizeof e);
  e.ino = n->ino;
  e.generation = 1;
  fill_stat(n, &e.attr);
  e.attr_timeout = 0;
  e.entry_timeout = 0;
  fuse_reply_entry(req, &e);
}

static void reply_attr(fuse_req_t req, struct node *n)
{
  struct stat st;

  fill_stat(n, &st);
  fuse_reply_attr(req, &st, 0);
}

#define ENTER() pthread_mutex_lock(&lock)
#define LEAVE() pthread_mutex_unlock(&lock)
#define FAIL(e) do { fuse_reply_err(req, (e)); LEAVE(); return; } while (0)

/* the node of INO, or fail the request (EIO after a cut) */
#define NODE(var, ino) \
  do { \
    if (is_cut && (ino) != CTL_INO) FAIL(EIO); \
    (var) = get(ino); \
    if (!(var)) FAIL(ESTALE); \
  } while (0)

#define DIRNODE(var, ino) \
  do { NODE(var, ino); if (!S_ISDIR((var)->a.mode)) FAIL(ENOTDIR); } while (0)

static int bad_name(const char *name)
{
  if (strlen(name) > 255) return ENAMETOOLONG;
  return 0;
}

/* ------------------------------------------------------------- operations */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
  (void)userdata;
  /* locks stay in the kernel */
  conn->want &= ~(unsigned)(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_WRITEBACK_CACHE);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct node *d, *n;
  fuse_ino_t ino;

  ENTER();
  if (parent == FUSE_ROOT_ID && !strcmp(name, CTL_NAME)) {
    reply_entry(req, get(CTL_INO));
    LEAVE();
    return;
  }
  DIRNODE(d, parent);
  ino = lookup_cur(d, name);
  if (!ino || !(n = get(ino))) FAIL(ENOENT);
  reply_entry(req, n);
  LEAVE();
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
  (void)ino;
  (void)nlookup;
  fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct node *n;

  (void)fi;
  ENTER();
  /* the root's attributes stay readable, so .pcfs can be reached after a
     cut (the kernel checks the search permission of the root) */
  if (ino == FUSE_ROOT_ID && is_cut) { reply_attr(req, get(ino)); LEAVE(); return; }
  NODE(n, ino);
  reply_attr(req, n);
  LEAVE();
}

static void set_size(struct node *n, size_t size)
{
  if (size > n->cap) {
    size_t c = n->cap ? n->cap : 4096;
    while (c < size) c *= 2;
    n->data = xrealloc(n->data, c);
    n->cap = c;
  }
  if (size > n->size) memset(n->data + n->size, 0, size - n->size);
  n->size = size;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
  struct node *n;
  struct timespec t;

  (void)fi;
  ENTER();
  NODE(n, ino);
  if (ino == CTL_INO) { reply_attr(req, n); LEAVE(); return; }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    if (!S_ISREG(n->a.mode)) FAIL(EINVAL);
    if (attr->st_size < 0) FAIL(EINVAL);
    if (count_op()) FAIL(EIO);
  }
  t = now();
  if (to_set & FUSE_SET_ATTR_MODE) n->a.mode = (n->a.mode & S_IFMT) | (attr->st_mode & 07777);
  if (to_set & FUSE_SET_ATTR_UID) n->a.uid = attr->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) n->a.gid = attr->st_gid;
  if (to_set & FUSE_SET_ATTR_SIZE) {
    set_size(n, (size_t)attr->st_size);
    n->a.mtime = t;
  }
  if (to_set & FUSE_SET_ATTR_ATIME) n->a.atime = attr->st_atim;
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) n->a.atime = t;
  if (to_set & FUSE_SET_ATTR_MTIME) n->a.mtime = attr->st_mtim;
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) n->a.mtime = t;
  n->a.ctime = t;
  /* a FIFO (or device, socket) has no contents and cannot be fsynced:
     an fsync of its descriptor is the pipe's, never ours. Its attributes
     are durable as soon as they are set. */
  if (!S_ISREG(n->a.mode) && !S_ISDIR(n->a.mode) && !S_ISLNK(n->a.mode)) n->da = n->a;
  reply_attr(req, n);
  LEAVE();
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
  struct node *n;
  char *s;

  ENTER();
  NODE(n, ino);
  if (!S_ISLNK(n->a.mode)) FAIL(EINVAL);
  s = xrealloc(0, n->size + 1);
  memcpy(s, n->data, n->size);
  s[n->size] = 0;
  fuse_reply_readlink(req, s);
  free(s);
  LEAVE();
}

/* makes NAME in PARENT a new inode; its entry is not durable yet */
static struct node *make(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                         dev_t rdev, int *err)
{
  const struct fuse_ctx *ctx = fuse_req_ctx(req);
  struct node *d = get(parent), *n;

  *err = 0;
  if (is_cut) { *err = EIO; return 0; }
  if (!d) { *err = ESTALE; return 0; }
  if (!S_ISDIR(d->a.mode)) { *err = ENOTDIR; return 0; }
  if ((*err = bad_name(name))) return 0;
  if (lookup_cur(d, name) || (parent == FUSE_ROOT_ID && !strcmp(name, CTL_NAME))) {
    *err = EEXIST;
    return 0;
  }
  if (count_op()) { *err = EIO; return 0; }
  n = new_node(mode, ctx->uid, ctx->gid, rdev);
  /* BSD group semantics are not needed here; a setgid directory passes
     its group on as on Linux */
  if (d->a.mode & S_ISGID) {
    n->a.gid = n->da.gid = d->a.gid;
    if (S_ISDIR(mode)) n->a.mode = n->da.mode = n->a.mode | S_ISGID;
  }
  set_entry(d, name, n->ino);
  return n;
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
  struct node *n;
  int err;

  ENTER();
  n = make(req, parent, name, mode, rdev, &err);
  if (!n) FAIL(err);
  reply_entry(req, n);
  LEAVE();
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
  struct node *n;
  int err;

  ENTER();
  n = make(req, parent, name, S_IFDIR | (mode & 07777), 0, &err);
  if (!n) FAIL(err);
  reply_entry(req, n);
  LEAVE();
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
  struct node *n;
  int err;
  size_t len = strlen(target);

  ENTER();
  n = make(req, parent, name, S_IFLNK | 0777, 0, &err);
  if (!n) FAIL(err);
  /* a symlink's target is part of the inode: durable with it */
  set_size(n, len);
  memcpy(n->data, target, len);
  sync_file(n);
  reply_entry(req, n);
  LEAVE();
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct node *d, *n;
  fuse_ino_t ino;

  ENTER();
  DIRNODE(d, parent);
  ino = lookup_cur(d, name);
  if (!ino || !(n = get(ino))) FAIL(ENOENT);
  if (S_ISDIR(n->a.mode)) FAIL(EISDIR);
  if (count_op()) FAIL(EIO);
  set_entry(d, name, 0);
  n->a.ctime = now();
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct node *d, *n;
  fuse_ino_t ino;

  ENTER();
  DIRNODE(d, parent);
  ino = lookup_cur(d, name);
  if (!ino || !(n = get(ino))) FAIL(ENOENT);
  if (!S_ISDIR(n->a.mode)) FAIL(ENOTDIR);
  if (!dir_empty(n)) FAIL(ENOTEMPTY);
  if (count_op()) FAIL(EIO);
  set_entry(d, name, 0);
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
  struct node *d, *nd, *n, *old = 0;
  fuse_ino_t ino, oldino;

  ENTER();
  DIRNODE(d, parent);
  DIRNODE(nd, newparent);
  if (flags & ~(unsigned)RENAME_NOREPLACE) FAIL(EINVAL);
  if (bad_name(newname)) FAIL(ENAMETOOLONG);
  if (newparent == FUSE_ROOT_ID && !strcmp(newname, CTL_NAME)) FAIL(EPERM);
  ino = lookup_cur(d, name);
  if (!ino || !(n = get(ino))) FAIL(ENOENT);
  oldino = lookup_cur(nd, newname);
  if (oldino) {
    old = get(oldino);
    if (flags & RENAME_NOREPLACE) FAIL(EEXIST);
    if (oldino == ino) { fuse_reply_err(req, 0); LEAVE(); return; }
    if (S_ISDIR(n->a.mode) && old && !S_ISDIR(old->a.mode)) FAIL(ENOTDIR);
    if (!S_ISDIR(n->a.mode) && old && S_ISDIR(old->a.mode)) FAIL(EISDIR);
    if (old && S_ISDIR(old->a.mode) && !dir_empty(old)) FAIL(ENOTEMPTY);
  }
  if (count_op()) FAIL(EIO);
  /* the new name first, so the inode never has no name */
  set_entry(nd, newname, ino);
  set_entry(d, name, 0);
  n->a.ctime = now();
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
  struct node *nd, *n;

  ENTER();
  NODE(n, ino);
  DIRNODE(nd, newparent);
  if (ino == CTL_INO || S_ISDIR(n->a.mode)) FAIL(EPERM);
  if (bad_name(newname)) FAIL(ENAMETOOLONG);
  if (lookup_cur(nd, newname) || (newparent == FUSE_ROOT_ID && !strcmp(newname, CTL_NAME)))
    FAIL(EEXIST);
  if (count_op()) FAIL(EIO);
  set_entry(nd, newname, ino);
  n->a.ctime = now();
  reply_entry(req, n);
  LEAVE();
}

static void open_common(fuse_req_t req, struct node *n, struct fuse_file_info *fi, int created)
{
  fi->direct_io = 1;
  fi->keep_cache = 0;
  fi->fh = (uint64_t)fi->flags;
  if (created) {
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.ino = n->ino;
    e.generation = 1;
    fill_stat(n, &e.attr);
    fuse_reply_create(req, &e, fi);
  } else {
    fuse_reply_open(req, fi);
  }
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct node *n;

  ENTER();
  NODE(n, ino);
  if (S_ISDIR(n->a.mode)) FAIL(EISDIR);
  if ((fi->flags & O_TRUNC) && ino != CTL_INO && n->size) {
    if (count_op()) FAIL(EIO);
    set_size(n, 0);
    n->a.mtime = n->a.ctime = now();
  }
  open_common(req, n, fi, 0);
  LEAVE();
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
  struct node *d, *n;
  fuse_ino_t ino;
  int err;

  ENTER();
  DIRNODE(d, parent);
  ino = lookup_cur(d, name);
  if (ino) {
    /* made by someone else since the kernel's lookup */
    if (fi->flags & O_EXCL) FAIL(EEXIST);
    n = get(ino);
    if (!n) FAIL(ESTALE);
    if (S_ISDIR(n->a.mode)) FAIL(EISDIR);
    if ((fi->flags & O_TRUNC) && n->size) {
      if (count_op()) FAIL(EIO);
      set_size(n, 0);
    }
    open_common(req, n, fi, 1);
    LEAVE();
    return;
  }
  n = make(req, parent, name, S_IFREG | (mode & 07777), 0, &err);
  if (!n) FAIL(err);
  open_common(req, n, fi, 1);
  LEAVE();
}

static void status(char *buf, size_t len)
{
  snprintf(buf, len, "ops %lu\ncut %d\nfreeze %lu\ninodes %lu\ncuts %lu\n", ops, is_cut,
           freeze_target, live_inodes, cuts);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
  struct node *n;

  (void)fi;
  ENTER();
  NODE(n, ino);
  if (ino == CTL_INO) {
    char buf[256];
    size_t len;
    status(buf, sizeof buf);
    len = strlen(buf);
    if ((size_t)off >= len) fuse_reply_buf(req, 0, 0);
    else fuse_reply_buf(req, buf + off, len - (size_t)off < size ? len - (size_t)off : size);
    LEAVE();
    return;
  }
  if (off < 0) FAIL(EINVAL);
  if ((size_t)off >= n->size) fuse_reply_buf(req, 0, 0);
  else fuse_reply_buf(req, n->data + off, n->size - (size_t)off < size ? n->size - (size_t)off : size);
  LEAVE();
}

static int control(const char *cmd, size_t len)
{
  char buf[64];
  unsigned long k;
  char *end;

  if (len >= sizeof buf) return EINVAL;
  memcpy(buf, cmd, len);
  buf[len] = 0;
  while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) buf[--len] = 0;
  if (!strcmp(buf, "cut")) { do_cut(); return 0; }
  if (!strcmp(buf, "restore")) { do_restore(); return 0; }
  if (!strncmp(buf, "freeze-at ", 10)) {
    errno = 0;
    k = strtoul(buf + 10, &end, 10);
    if (errno || *end || end == buf + 10) return EINVAL;
    if (is_cut) return EIO;
    freeze_target = k ? ops + k : 0;
    return 0;
  }
  return EINVAL;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
  struct node *n;
  size_t end;

  ENTER();
  NODE(n, ino);
  if (ino == CTL_INO) {
    int e = control(buf, size);
    if (e) FAIL(e);
    fuse_reply_write(req, size);
    LEAVE();
    return;
  }
  if (!S_ISREG(n->a.mode)) FAIL(EINVAL);
  if (off < 0) FAIL(EINVAL);
  if (count_op()) FAIL(EIO);
  /* O_APPEND is ours to honour: the kernel's idea of the size may be old */
  if (fi->fh & O_APPEND) off = (off_t)n->size;
  if (__builtin_add_overflow((size_t)off, size, &end)) FAIL(EFBIG);
  if (end > n->size) set_size(n, end);
  memcpy(n->data + off, buf, size);
  n->a.mtime = n->a.ctime = now();
  fuse_reply_write(req, size);
  LEAVE();
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  (void)ino;
  (void)fi;
  fuse_reply_err(req, 0);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  (void)fi;
  ENTER();
  if (is_cut && ino != CTL_INO) FAIL(EIO);
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
  struct node *n;

  (void)datasync;
  (void)fi;
  ENTER();
  NODE(n, ino);
  if (ino == CTL_INO) { fuse_reply_err(req, 0); LEAVE(); return; }
  if (count_op()) FAIL(EIO);
  sync_file(n);
  fuse_reply_err(req, 0);
  LEAVE();
}

/* a directory listing taken at opendir (and again when it is read from the
   start), so that entries present throughout come back exactly once however
   the directory changes meanwhile */
struct listing {
  size_t n;
  struct { char *name; fuse_ino_t ino; mode_t mode; } *e;
};

static void free_listing(struct listing *l)
{
  size_t i;

  for (i = 0; i < l->n; i++) free(l->e[i].name);
  free(l->e);
  l->e = 0;
  l->n = 0;
}

static void take_listing(struct listing *l, struct node *d)
{
  size_t i;

  free_listing(l);
  l->e = xrealloc(0, (d->nents + 2) * sizeof *l->e);
  l->e[0].name = xstrdup(".");
  l->e[0].ino = d->ino;
  l->e[0].mode = S_IFDIR;
  l->e[1].name = xstrdup("..");
  l->e[1].ino = d->ino; /* the kernel answers ".." itself */
  l->e[1].mode = S_IFDIR;
  l->n = 2;
  for (i = 0; i < d->nents; i++) {
    struct node *c = d->ents[i].cur ? get(d->ents[i].cur) : 0;
    if (!c) continue;
    l->e[l->n].name = xstrdup(d->ents[i].name);
    l->e[l->n].ino = c->ino;
    l->e[l->n].mode = c->a.mode & S_IFMT;
    l->n++;
  }
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct node *d;
  struct listing *l;

  ENTER();
  DIRNODE(d, ino);
  l = calloc(1, sizeof *l);
  if (!l) die_nomem();
  take_listing(l, d);
  fi->fh = (uint64_t)(uintptr_t)l;
  fuse_reply_open(req, fi);
  LEAVE();
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
  struct listing *l = (struct listing *)(uintptr_t)fi->fh;
  struct node *d;
  char *buf;
  size_t used = 0, i;

  ENTER();
  DIRNODE(d, ino);
  if (off == 0) take_listing(l, d);
  buf = xrealloc(0, size);
  for (i = (size_t)off; i < l->n; i++) {
    struct stat st;
    size_t need;
    memset(&st, 0, sizeof st);
    st.st_ino = l->e[i].ino;
    st.st_mode = l->e[i].mode;
    need = fuse_add_direntry(req, buf + used, size - used, l->e[i].name, &st, (off_t)(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf, used);
  free(buf);
  LEAVE();
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct listing *l = (struct listing *)(uintptr_t)fi->fh;

  (void)ino;
  ENTER();
  free_listing(l);
  free(l);
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
  struct node *d;

  (void)datasync;
  (void)fi;
  ENTER();
  DIRNODE(d, ino);
  if (count_op()) FAIL(EIO);
  sync_dir(d);
  fuse_reply_err(req, 0);
  LEAVE();
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
  struct statvfs st;
  size_t i, bytes = 0;

  (void)ino;
  ENTER();
  if (is_cut) FAIL(EIO);
  for (i = 0; i < nodes_cap; i++)
    if (nodes[i]) bytes += nodes[i]->cap + nodes[i]->dsize;
  memset(&st, 0, sizeof st);
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_blocks = 1UL << 20; /* 4 GiB */
  st.f_bfree = st.f_blocks - bytes / 4096;
  st.f_bavail = st.f_bfree;
  st.f_files = 1UL << 20;
  st.f_ffree = st.f_files - live_inodes;
  st.f_favail = st.f_ffree;
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
  LEAVE();
}

static const struct fuse_lowlevel_ops ops_table = {
  .init = op_init,
  .lookup = op_lookup,
  .forget = op_forget,
  .getattr = op_getattr,
  .setattr = op_setattr,
  .readlink = op_readlink,
  .mknod = op_mknod,
  .mkdir = op_mkdir,
  .unlink = op_unlink,
  .rmdir = op_rmdir,
  .symlink = op_symlink,
  .rename = op_rename,
  .link = op_link,
  .open = op_open,
  .read = op_read,
  .write = op_write,
  .flush = op_flush,
  .release = op_release,
  .fsync = op_fsync,
  .opendir = op_opendir,
  .readdir = op_readdir,
  .releasedir = op_releasedir,
  .fsyncdir = op_fsyncdir,
  .statfs = op_statfs,
  .create = op_create,
};

int main(int argc, char **argv)
{
  char *fargv[8];
  int fargc = 0, debug = 0, rc;
  const char *mnt;
  struct fuse_args args;
  struct fuse_session *se;
  struct fuse_loop_config *cfg;
  struct node *root, *ctl;

  if (argc == 3 && !strcmp(argv[1], "-d")) { debug = 1; mnt = argv[2]; }
  else if (argc == 2) mnt = argv[1];
  else {
    fputs("pcfs: usage: pcfs [-d] MOUNTPOINT\n", stderr);
    return 100;
  }

  next_ino = FUSE_ROOT_ID;
  root = new_node(S_IFDIR | 0755, getuid(), getgid(), 0);
  ctl = new_node(S_IFREG | 0600, 0, 0, 0);
  if (root->ino != FUSE_ROOT_ID || ctl->ino != CTL_INO) abort();
  ctl->nlink = 1;
  root->nlink = 1;

  fargv[fargc++] = argv[0];
  fargv[fargc++] = "-o";
  fargv[fargc++] = "allow_other,default_permissions,fsname=pcfs,subtype=pcfs";
  if (debug) fargv[fargc++] = "-d";
  fargv[fargc] = 0;
  args.argc = fargc;
  args.argv = fargv;
  args.allocated = 0;

  se = fuse_session_new(&args, &ops_table, sizeof ops_table, 0);
  if (!se) { fputs("pcfs: fatal: unable to create the FUSE session\n", stderr); return 111; }
  if (fuse_set_signal_handlers(se) != 0) return 111;
  if (fuse_session_mount(se, mnt) != 0) {
    fprintf(stderr, "pcfs: fatal: unable to mount %s\n", mnt);
    return 111;
  }
  printf("pcfs: mounted %s\n", mnt);
  fflush(stdout);
  cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(cfg, 0);
  fuse_loop_cfg_set_max_threads(cfg, 64);
  rc = fuse_session_loop_mt(se, cfg);
  fuse_loop_cfg_destroy(cfg);
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  return rc ? 111 : 0;
}
