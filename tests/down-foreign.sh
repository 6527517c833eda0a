#!/bin/sh
# make down on another user's instance: the instance made and started by
# root, `make down` run as nobody exits non-zero, says whose instance it is
# and which processes run, and stops nothing (svscan and every service are
# still up afterwards); root then stops it.
. tests/lib.sh
need_root
need_cmd svscan svok svstat svc multilog setuidgid setpriv make
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

I=$T/inst
instance_create "$I"
instance_start "$I"
pid=`cat "$I/svscan.pid"` || fail "no svscan.pid"

nobody_group=`id -gn nobody` || skip "no account nobody"
setpriv --reuid=nobody --regid="$nobody_group" --clear-groups \
  make -s down UP_DIR="$I" > "$T/down.log" 2>&1 && { cat "$T/down.log"; fail "make down by nobody exited 0"; }
cat "$T/down.log"
assert_grep "$T/down.log" "^down.sh: fatal: the instance in $I belongs to root, not to nobody, and runs (svscan and supervise pids .*$pid.*): only root can stop it; nothing stopped$"
# supervise pids are named too
for s in "$I/service/qmail-send" "$I/service/qmail-send/log"; do
  svok "$s" || fail "$s is no longer supervised"
done
n=`sed -n 's/.*pids\([0-9 ]*\)).*/\1/p' "$T/down.log" | wc -w`
assert_eq 3 "$n" "number of pids named (svscan and two supervise)"
kill -0 "$pid" 2>/dev/null || fail "svscan $pid was stopped"
[ -f "$I/svscan.pid" ] || fail "svscan.pid was removed"
svstat "$I/service/qmail-send" | grep -q ': up (pid' || fail "qmail-send is down: `svstat "$I/service/qmail-send"`"

# Its owner stops it.
make -s down UP_DIR="$I" > "$T/down2.log" 2>&1 || { cat "$T/down2.log"; fail "make down by root failed"; }
kill -0 "$pid" 2>/dev/null && fail "svscan $pid still runs"
svok "$I/service/qmail-send" 2>/dev/null && fail "qmail-send is still supervised"
pass
