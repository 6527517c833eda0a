# tests/lib_powercut.sh: the power-cut file system (tests/powercut/pcfs.c)
# for tests that source tests/lib.sh first.
#
#   pcfs_need            skip unless root, /dev/fuse, cc and libfuse3-dev
#   pcfs_mount DIR       build pcfs into $T and mount it on DIR (made if
#                        missing); unmounted when the test exits
#   pcfs_ctl COMMAND     cut, restore, freeze-at N (see pcfs.c)
#   pcfs_get KEY         a value of the status: ops, cut, freeze, inodes, cuts
#   PCFS_BEFORE_UNMOUNT  a command the exit trap runs before it unmounts
#
# The file system is test-only code: nothing else builds or needs it.

PCFS_MNT=
PCFS_PID=

pcfs_need() {
  need_root
  [ -c /dev/fuse ] || skip "no /dev/fuse: the power-cut file system needs FUSE"
  need_cmd cc pkg-config
  pkg-config --exists fuse3 2>/dev/null || skip "libfuse3-dev is not installed (pkg-config fuse3 fails)"
}

pcfs_cleanup() {
  [ -n "$PCFS_BEFORE_UNMOUNT" ] && eval "$PCFS_BEFORE_UNMOUNT"
  if [ -n "$PCFS_MNT" ]; then
    umount -l "$PCFS_MNT" 2>/dev/null
  fi
  if [ -n "$PCFS_PID" ]; then
    kill -TERM "$PCFS_PID" 2>/dev/null
    pcfs_n=0
    while kill -0 "$PCFS_PID" 2>/dev/null && [ $pcfs_n -lt 50 ]; do
      sleep 0.1
      pcfs_n=$((pcfs_n + 1))
    done
    kill -KILL "$PCFS_PID" 2>/dev/null
  fi
  PCFS_MNT= PCFS_PID=
}

# tests/lib.sh's exit trap runs after ours, with the test's exit status
trap 'pcfs_status=$?; pcfs_cleanup; (exit $pcfs_status); lib_cleanup' EXIT

pcfs_mounted() {
  [ -f "$PCFS_MNT/.pcfs" ]
}

pcfs_mount() {
  PCFS_BIN=$T/pcfs
  # shellcheck disable=SC2046
  cc -std=c99 -O2 -Wall -Wextra -o "$PCFS_BIN" "$TOP/tests/powercut/pcfs.c" \
    `pkg-config --cflags --libs fuse3` > "$T/pcfs-build.log" 2>&1 || {
    cat "$T/pcfs-build.log"
    fail "unable to build tests/powercut/pcfs.c"
  }
  mkdir -p "$1" || fail "mkdir $1"
  PCFS_MNT=$1
  "$PCFS_BIN" "$1" > "$T/pcfs.log" 2>&1 &
  PCFS_PID=$!
  if ! wait_for 10 pcfs_mounted; then
    cat "$T/pcfs.log"
    kill -0 "$PCFS_PID" 2>/dev/null || { PCFS_PID=; skip "FUSE does not work here: pcfs could not mount (`tail -n 1 "$T/pcfs.log"`)"; }
    fail "pcfs did not mount on $1"
  fi
}

pcfs_ctl() {
  printf '%s\n' "$*" > "$PCFS_MNT/.pcfs" || fail "pcfs: command '$*' refused"
}

pcfs_get() {
  sed -n "s/^$1 //p" "$PCFS_MNT/.pcfs"
}
