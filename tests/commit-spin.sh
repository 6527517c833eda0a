#!/bin/sh
# While the commit thread is flushing a batch, messages that defer meanwhile
# wait for the next batch; qmail-send must sleep until the thread reports,
# not poll with a zero timeout in the meantime. The flush is made slow by an
# LD_PRELOAD shim (tests/slow_fsync_shim.c: every fsync of an info file
# takes 8 s); two messages to a Maildir whose tmp/ is unwritable defer, the
# second while the first one's flush runs. qmail-send may then use at most
# a tenth of a CPU second over two seconds, and both todo entries go once
# the flushes are done.
# timeout: 120

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog cc getconf

I=$T/inst
instance_create "$I"
PM=`mailbox "$I" postmaster`
send_shim "$I" slow_fsync_shim.c SLOW_FSYNC_SECONDS=8

chmod 000 "$PM/tmp" || fail "unable to chmod $PM/tmp"
instance_start "$I"

send_pid() {
  for p in /proc/[0-9]*; do
    [ "`readlink "$p/exe" 2>/dev/null`" = "$I/bin/qmail-send" ] &&
      grep -q slow_fsync_shim "$p/maps" 2>/dev/null && { echo "${p#/proc/}"; return 0; }
  done
  return 1
}
wait_for 10 send_pid >/dev/null || fail "the shim is not loaded in qmail-send"
pid=`send_pid`

deferrals() { grep -c ': deferral: ' "`log_file "$I"`"; }
# deferred N: at least N deferrals logged (counted afresh at every poll)
deferred() { [ "`deferrals`" -ge "$1" ]; }
printf 'Subject: one\n\nfirst\n' | queue_msg "$I" sender@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
wait_for 20 deferred 1 || fail "the first message did not defer"
printf 'Subject: two\n\nsecond\n' | queue_msg "$I" sender@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
wait_for 20 deferred 2 || fail "the second message did not defer"

# utime + stime of qmail-send, in clock ticks
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
c0=`cpu`
sleep 2
c1=`cpu`
hz=`getconf CLK_TCK`
used=$((c1 - c0))
echo "qmail-send used $used ticks of $hz per second in 2 s while a flush ran"
[ $((used * 10)) -le "$hz" ] || fail "qmail-send spun while the commit thread was busy ($used ticks in 2 s)"

todo_empty() { [ -z "`ls "$I/queue/todo"`" ]; }
wait_for 40 todo_empty || fail "the todo entries of the deferred messages were not removed"
assert_eq 0 "`maildir_count "$PM"`" "messages delivered"
pass
