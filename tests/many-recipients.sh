#!/bin/sh
# One message to 100,000 recipients is preprocessed, delivered (here: every
# remote delivery fails, since this instance's resolver has no server, and past
# the queue lifetime the failures are permanent) and bounced with memory
# that does not grow with the recipient count; meanwhile a new message to a
# local address is delivered within seconds. Prints qmail-send's peak RSS
# after a 10-recipient message and after the 100,000-recipient one.
# The instance lives in /dev/shm when it can (fsync there costs nothing:
# this test is about memory and fairness, not the disk).
# timeout: 600

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog
N=${MANY_RECIPIENTS:-100000}
GROWTH_MAX_KB=${GROWTH_MAX_KB:-8192}

if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  S=`mktemp -d /dev/shm/qmt-many.XXXXXX` || fail "mktemp in /dev/shm"
  [ "`id -u`" = 0 ] && chmod 0755 "$S"
  trap 'lib_rc=$?; sh "$TOP/down.sh" "$S/inst" >/dev/null 2>&1; LIB_INSTANCES=; [ -n "$KEEP" ] || rm -rf "$S"; (exit $lib_rc); lib_cleanup' EXIT
  I=$S/inst
else
  I=$T/inst
fi
instance_create "$I"
echo 0 > "$I/control/queuelifetime"
PM=`mailbox "$I" postmaster`
instance_start "$I"

send_pid() { svstat "$I/service/qmail-send" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'; }
# qmail-start execs into qmail-send: the service's pid is qmail-send's
peak_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/`send_pid`/status"; }

# the envelope: sender postmaster@localhost, N remote recipients
envelope() {
  "$PYTHON" - "$1" <<'EOP'
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
out.write(b"Fpostmaster@localhost\0")
for i in range(n):
    out.write(b"Tuser%d@remote.example\0" % i)
out.write(b"\0")
EOP
}

# run_big N: queue one message to N recipients, let the first pass defer
# every one, make the next pass (past the queue lifetime) fail them all,
# wait for the failure notice in postmaster's Maildir
notices=0
run_big() {
  envelope "$1" > "$T/env" || fail "unable to write the envelope"
  printf 'Subject: to %s recipients\n\nhello\n' "$1" | "$I/bin/qmail-queue" 1< "$T/env" ||
    fail "qmail-queue exited $? for $1 recipients"
  id=`ls "$I/queue/todo" 2>/dev/null | head -n 1`
  # preprocessed, and its first pass over: its todo entry is gone (the log
  # cannot tell: 100,000 starting lines rotate the info line away)
  wait_for 120 sh -c "[ -z \"\`ls '$I/queue/todo'\`\" ]" ||
    fail "the message to $1 recipients was not preprocessed"
  sleep 1
  notices=$((notices + 1))
  n=0
  until maildir_has "$PM" $notices; do
    # ALRM makes the deferred recipients due; once the message is older
    # than queuelifetime (0) their next failure is permanent
    svc -a "$I/service/qmail-send"
    sleep 2
    n=$((n + 2))
    [ $n -lt 400 ] || fail "no failure notice for the message to $1 recipients after $n s"
  done
}

run_big 10
base=`peak_kb`
echo "qmail-send peak RSS after 10 recipients: $base kB"

start=`date +%s`
run_big_bg() { run_big "$N"; }
# a local message sent while the big one is being worked on
(
  # the pass that records the permanent failures is under way
  wait_for 300 sh -c "ls '$I/queue/bounce' | grep -q ." || exit 2
  t0=`date +%s%N`
  printf 'Subject: meanwhile\n\nhello\n' | queue_msg "$I" a@example.com "`id -un`@localhost" || exit 1
  wait_for 30 maildir_has "`mailbox "$I"`" 1 || exit 1
  t1=`date +%s%N`
  echo "$(( (t1 - t0) / 1000000 ))" > "$T/meanwhile_ms"
) &
helper=$!
track_pid $helper
run_big_bg
wait $helper
case $? in
  0) ;;
  2) fail "no failure was recorded for the message to $N recipients" ;;
  *) fail "the local message sent meanwhile was not delivered within 30 s" ;;
esac
end=`date +%s`
peak=`peak_kb`
echo "qmail-send peak RSS after $N recipients: $peak kB (growth $((peak - base)) kB) in $((end - start)) s"
echo "local message sent meanwhile: delivered in `cat "$T/meanwhile_ms"` ms"
notice=`ls -t "$PM"/new/* | head -n 1`
paragraphs=`grep -c '^<user[0-9]*@remote.example>:$' "$notice"`
assert_eq "$N" "$paragraphs" "recipient paragraphs in the notice"
grep -q '^Return-Path: <postmaster@localhost>$' "$notice" || fail "no Return-Path of the failed message in the notice"
[ $((peak - base)) -le $GROWTH_MAX_KB ] ||
  fail "qmail-send grew by $((peak - base)) kB for $N recipients (limit $GROWTH_MAX_KB kB)"
# nothing left behind
left=`find "$I/queue/info" "$I/queue/local" "$I/queue/remote" "$I/queue/todo" "$I/queue/bounce" -type f | wc -l`
wait_for 30 sh -c "[ \`find '$I/queue/info' '$I/queue/local' '$I/queue/remote' '$I/queue/todo' '$I/queue/bounce' -type f | wc -l\` -eq 0 ]" ||
  fail "queue files left behind: $left"
pass
