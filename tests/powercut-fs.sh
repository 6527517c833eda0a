#!/bin/sh
# The power-cut file system itself (tests/powercut/pcfs.c): after a cut and
# a restore exactly what the durability model of DESIGN.md makes durable is
# there, and nothing else.
#   - a file created, linked or renamed without an fsync of the directory
#     that got the name is not there; the old name of an unsynced rename or
#     unlink is;
#   - a file fsynced and its directory fsynced is there with its bytes;
#   - bytes written or truncated after the last fsync of the file are lost;
#   - a directory fsync without a file fsync keeps the name, not the data;
#   - hard links are one inode in two directories; each name is durable with
#     its own directory;
#   - after a cut every operation fails with EIO; freeze-at cuts at the Nth
#     counted operation, before it takes effect; restore frees the inodes no
#     directory reaches;
#   - another uid works with normal permission checks; FIFOs, flock, fcntl
#     locks and O_APPEND work; .pcfs is not listed;
#   - syncfs(2) reaches no operation of the file system (reported; nothing
#     may rely on it).
# Needs root, /dev/fuse and libfuse3-dev (skips otherwise).

. tests/lib.sh
. tests/lib_powercut.sh
pcfs_need
need_cmd setpriv stat sync mkfifo

M=$T/mnt
pcfs_mount "$M"

# content FILE: the bytes of FILE, or "(none)" when it is not there
content() {
  if [ -e "$1" ]; then cat "$1"; else echo "(none)"; fi
}

expect() {
  got=`content "$1"`
  [ "$got" = "$2" ] || fail "$3: $1 holds '$got', expected '$2'"
}

powercut() {
  pcfs_ctl cut
  pcfs_ctl restore
}

# the starting tree, durable
mkdir "$M/d1" "$M/d2" "$M/u" || fail "mkdir"
chown nobody:nogroup "$M/u" || fail "chown"
sync "$M" "$M/u" || fail "sync $M"

# --- unsynced names ---
echo keep > "$M/d1/synced" && sync "$M/d1/synced" "$M/d1" || fail "write d1/synced"
echo moved > "$M/d1/moved" && sync "$M/d1/moved" "$M/d1" || fail "write d1/moved"
echo gone > "$M/d1/gone" && sync "$M/d1/gone" "$M/d1" || fail "write d1/gone"
# from here on d1 and d2 are not fsynced
echo one > "$M/d1/nosync" && sync "$M/d1/nosync" || fail "write d1/nosync"
mv "$M/d1/moved" "$M/d2/moved" || fail "mv"
ln "$M/d1/synced" "$M/d2/linked" || fail "ln"
rm "$M/d1/gone" || fail "rm"
powercut
expect "$M/d1/nosync" "(none)" "a file created without a directory fsync"
expect "$M/d2/moved" "(none)" "the new name of an unsynced rename"
expect "$M/d1/moved" "moved" "the old name of an unsynced rename"
expect "$M/d2/linked" "(none)" "an unsynced link"
expect "$M/d1/gone" "gone" "an unsynced unlink"
expect "$M/d1/synced" "keep" "a file and its directory fsynced"
assert_eq 1 "`stat -c %h "$M/d1/synced"`" "links of d1/synced after the unsynced link vanished"
echo "unsynced create, rename, link and unlink: undone by a cut"

# --- synced names, lost data ---
rm "$M/d1/gone" && sync "$M/d1" || fail "rm d1/gone"
mv "$M/d1/moved" "$M/d2/moved" && sync "$M/d2" || fail "mv"
echo more >> "$M/d1/synced" || fail "append"
echo dataless > "$M/d1/dataless" && sync "$M/d1" || fail "write d1/dataless"
printf 'long content\n' > "$M/d2/trunc" && sync "$M/d2/trunc" "$M/d2" || fail "write d2/trunc"
: > "$M/d2/trunc" || fail "truncate"
powercut
expect "$M/d1/gone" "(none)" "an unlink made durable"
expect "$M/d2/moved" "moved" "a rename with the new directory fsynced"
expect "$M/d1/synced" "keep" "data written after the last fsync"
[ -f "$M/d1/dataless" ] || fail "the name of a file whose directory was fsynced is gone"
assert_eq 0 "`stat -c %s "$M/d1/dataless"`" "size of a file never fsynced"
expect "$M/d2/trunc" "long content" "a truncation after the last fsync"
echo "fsynced names stay; data written after the last fsync of the file goes"

# --- hard links ---
echo shared > "$M/d1/hl" && sync "$M/d1/hl" "$M/d1" || fail "write d1/hl"
ln "$M/d1/hl" "$M/d2/hl" && sync "$M/d2" || fail "ln"
i1=`stat -c %i "$M/d1/hl"` && i2=`stat -c %i "$M/d2/hl"` || fail "stat"
assert_eq "$i1" "$i2" "inode of both names"
assert_eq 2 "`stat -c %h "$M/d1/hl"`" "links"
echo again >> "$M/d2/hl" && sync "$M/d2/hl" || fail "append through d2/hl"
rm "$M/d1/hl" || fail "rm d1/hl"
powercut
expect "$M/d1/hl" "shared
again" "the first name of a hard link (its unlink not synced)"
expect "$M/d2/hl" "shared
again" "the second name of a hard link"
assert_eq 2 "`stat -c %h "$M/d2/hl"`" "links after the cut"
assert_eq "$i1" "`stat -c %i "$M/d2/hl"`" "inode after the cut"
rm "$M/d1/hl" && sync "$M/d1" || fail "rm"
powercut
expect "$M/d2/hl" "shared
again" "a hard link whose other name was removed durably"
assert_eq 1 "`stat -c %h "$M/d2/hl"`" "links"
echo "hard links: one inode, each name durable with its own directory"

# --- EIO after a cut, freeze-at, restore frees inodes ---
before=`pcfs_get inodes`
echo x > "$M/d1/x1" && echo y > "$M/d1/x2" || fail "write"
pcfs_ctl cut
assert_eq 1 "`pcfs_get cut`" "cut status"
for op in "stat $M/d1/synced" "cat $M/d1/synced" "ls $M/d1" "touch $M/d1/new" "mkdir $M/d3" "rm $M/d1/synced"; do
  err=`$op 2>&1` && fail "'$op' worked after the cut"
  case $err in
    *"Input/output error"*) ;;
    *) fail "'$op' after the cut: $err (expected EIO)" ;;
  esac
done
pcfs_ctl restore
assert_eq 0 "`pcfs_get cut`" "cut status after restore"
expect "$M/d1/synced" "keep" "after restore"
assert_eq "$before" "`pcfs_get inodes`" "inodes after a restore (unreachable ones freed)"
ops=`pcfs_get ops`
pcfs_ctl freeze-at 3
echo 1 > "$M/d1/f1" || fail "first counted ops"
err=`echo 2 2>&1 > "$M/d1/f2"` && fail "the third counted op after freeze-at 3 worked"
assert_eq 1 "`pcfs_get cut`" "cut after freeze-at"
assert_eq $((ops + 3)) "`pcfs_get ops`" "ops counted"
pcfs_ctl restore
[ -e "$M/d1/f2" ] && fail "the op that froze took effect"
echo "EIO after a cut; freeze-at cuts before the Nth op; restore frees inodes"

# --- another uid ---
nob() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}
nob sh -c "echo mine > '$M/u/file' && sync '$M/u/file' '$M/u'" || fail "nobody could not write in its own directory"
nob sh -c "echo no > '$M/d1/nobody'" 2>/dev/null && fail "nobody could write in a directory of root's (mode 0755)"
nob cat "$M/d1/synced" > /dev/null || fail "nobody could not read a 0644 file"
chmod 0600 "$M/d1/synced" && sync "$M/d1/synced" || fail "chmod"
nob cat "$M/d1/synced" > /dev/null 2>&1 && fail "nobody read a 0600 file of root's"
powercut
expect "$M/u/file" "mine" "a file of nobody's"
assert_eq nobody:nogroup "`stat -c %U:%G "$M/u/file"`" "owner of nobody's file"
assert_eq 600 "`stat -c %a "$M/d1/synced"`" "mode made durable by fsync"
echo "another uid: owner kept, permissions checked"

# --- what the mail programs use ---
mkfifo "$M/d1/fifo" || fail "mkfifo"
cat "$M/d1/fifo" > "$T/fifo.out" &
fifo_reader=$!
track_pid $fifo_reader
echo through > "$M/d1/fifo" || fail "write to the FIFO"
wait $fifo_reader
expect "$T/fifo.out" "through" "a FIFO on pcfs"
"$PYTHON" - "$M/d1" <<'EOF' || fail "locks, O_APPEND or O_EXCL do not work"
import errno, fcntl, os, sys
d = sys.argv[1]
p = os.path.join(d, "lockme")
a = os.open(p, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
try:
    os.open(p, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    sys.exit("O_EXCL opened an existing file")
except FileExistsError:
    pass
b = os.open(p, os.O_RDWR)
fcntl.flock(a, fcntl.LOCK_EX)
try:
    fcntl.flock(b, fcntl.LOCK_EX | fcntl.LOCK_NB)
    sys.exit("flock: a second exclusive lock was granted")
except BlockingIOError:
    pass
fcntl.lockf(a, fcntl.LOCK_EX)
os.write(a, b"0123456789")
c = os.open(p, os.O_WRONLY | os.O_APPEND)
os.lseek(c, 0, os.SEEK_SET)
os.write(c, b"end")
os.pwrite(b, b"AB", 2)
data = open(p, "rb").read()
if data != b"01AB456789end":
    sys.exit("O_APPEND/pwrite gave %r" % data)
os.ftruncate(b, 4)
os.fdatasync(b)
if os.fstat(a).st_size != 4:
    sys.exit("ftruncate")
EOF
ls -a "$M" | grep -q pcfs && fail ".pcfs is listed by readdir"
echo "FIFO, flock, fcntl locks, O_EXCL, O_APPEND, pwrite, ftruncate work; .pcfs is not listed"

# --- syncfs ---
ops=`pcfs_get ops`
echo unsynced > "$M/d1/syncfs" || fail "write"
ops=`pcfs_get ops`
"$PYTHON" -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY)
if libc.syncfs(fd) != 0:
    sys.exit("syncfs failed: errno %d" % ctypes.get_errno())' "$M/d1" || fail "syncfs"
after=`pcfs_get ops`
powercut
if [ "$after" = "$ops" ] && [ ! -e "$M/d1/syncfs" ]; then
  echo "syncfs(2) on this kernel (`uname -r`) sends nothing to a FUSE file system: it made nothing durable"
else
  echo "syncfs(2) reached the file system ($ops -> $after counted ops)"
fi
pass
