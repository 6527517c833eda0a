#!/bin/sh
# make down with the wrong UP_DIR: a directory that is no instance, the
# directory above an instance, and the old name of an instance that was
# moved. Each time make down exits non-zero, says why and, when an svscan
# runs for an instance below that directory or was started for it, names
# the directory to give instead; it stops nothing of the running instance.
# make down with the right directory then stops it.
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid make
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

I=$T/q/inst
mkdir -p "$T/q" || fail "mkdir $T/q"
instance_create "$I"
instance_start "$I"
pid=`cat "$I/svscan.pid"` || fail "no svscan.pid"
send=`svstat "$I/service/qmail-send" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`
[ -n "$send" ] || fail "qmail-send is not up"

# still_up DIR: the instance (now in DIR) runs as before
still_up() {
  kill -0 "$pid" 2>/dev/null || fail "svscan $pid was stopped"
  assert_eq "$send" "`svstat "$1/service/qmail-send" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`" "qmail-send pid"
  svok "$1/service/qmail-send/log" || fail "the logger was stopped"
}

# A mistyped directory.
make -s down UP_DIR="$T/q/insta" > "$T/down1.log" 2>&1 && { cat "$T/down1.log"; fail "make down of a mistyped directory exited 0"; }
cat "$T/down1.log"
assert_grep "$T/down1.log" "^down.sh: fatal: $T/q/insta is not an instance (no $T/q/insta/service) and no svscan or supervise works in it: nothing stopped"
still_up "$I"

# The directory above the instance.
make -s down UP_DIR="$T/q" > "$T/down2.log" 2>&1 && { cat "$T/down2.log"; fail "make down of the parent exited 0"; }
cat "$T/down2.log"
assert_grep "$T/down2.log" "^down.sh: $T/q is not an instance, but svscan $pid runs the instance in $I: stop it with make down UP_DIR=$I"
still_up "$I"

# The old name of a moved instance.
mv "$I" "$T/moved" || fail "mv $I"
LIB_INSTANCES="$T/moved"
make -s down UP_DIR="$I" > "$T/down3.log" 2>&1 && { cat "$T/down3.log"; fail "make down of the old name exited 0"; }
cat "$T/down3.log"
assert_grep "$T/down3.log" "^down.sh: $I is not an instance, but svscan $pid runs the instance in $T/moved: stop it with make down UP_DIR=$T/moved"
still_up "$T/moved"

make -s down UP_DIR="$T/moved" > "$T/down4.log" 2>&1 || { cat "$T/down4.log"; fail "make down of the moved instance failed"; }
kill -0 "$pid" 2>/dev/null && fail "svscan $pid still runs"
svok "$T/moved/service/qmail-send" 2>/dev/null && fail "qmail-send is still supervised"
pass
