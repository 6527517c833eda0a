#!/bin/sh
# make down after the instance's directory was removed while it ran: svscan,
# both supervise processes, qmail-send with its helpers and multilog all
# still run (found through /proc by their working directories); make down
# stops every one of them by signals and exits non-zero, saying the
# directory was removed and naming the pids it stopped.
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid make
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

I=$T/inst
instance_create "$I"
instance_start "$I"
pid=`cat "$I/svscan.pid"` || fail "no svscan.pid"

# Every process working in the instance, by pid (all of them are the
# invoking user's, or root is running this).
procs=
for p in /proc/[0-9]*; do
  c=`readlink "$p/cwd" 2>/dev/null` || continue
  case $c in "$I" | "$I"/*) procs="$procs ${p#/proc/}" ;; esac
done
for p in $procs; do track_pid "$p"; done
echo "processes of the instance:$procs"
[ `echo $procs | wc -w` -ge 7 ] || fail "expected at least 7 processes in $I: `ps -o pid,args -p "$(echo $procs | tr ' ' ,)"`"

rm -rf "$I" || fail "rm -rf $I"
LIB_INSTANCES=
kill -0 "$pid" || fail "svscan $pid ended with its directory"

make -s down UP_DIR="$I" > "$T/down.log" 2>&1 && { cat "$T/down.log"; fail "make down of a removed instance exited 0"; }
cat "$T/down.log"
assert_grep "$T/down.log" "^down.sh: $I/service was removed while the instance ran; stopped by signals instead of svc: svscan $pid, supervise [0-9]*, supervise [0-9]*$"

# none_left: no process of the instance runs (zombies are gone enough)
none_left() {
  for p in $procs; do
    s=`sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null`
    [ -n "$s" ] && [ "$s" != Z ] && return 1
  done
  return 0
}
wait_for 10 none_left || fail "still running: `ps -o pid,args -p "$(echo $procs | tr ' ' ,)"`"

# Nothing is left: make down now says there is nothing to stop, and fails.
make -s down UP_DIR="$I" > "$T/down2.log" 2>&1 && { cat "$T/down2.log"; fail "make down of a missing instance exited 0"; }
assert_grep "$T/down2.log" "^down.sh: fatal: $I is not an instance (no $I/service) and no svscan or supervise works in it: nothing stopped"
pass
