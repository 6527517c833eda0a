#!/bin/sh
# A failure notice that was queued is never queued again, even while
# removing queue/bounce/ID keeps failing: qmail-send retries only the
# removal. The failure is made real with an append-only bounce/ directory
# (chattr +a: new files can be created, none removed), so this test needs
# root and a file system with chattr support.
# timeout: 240

. tests/lib.sh
need_root
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog chattr

I=$T/inst
instance_create "$I"
PM=`mailbox "$I" postmaster`
B=$I/queue/bounce
chattr +a "$B" 2>/dev/null || skip "chattr +a is not supported on $B"
undo() { chattr -a "$B" 2>/dev/null; }
trap 'lib_rc=$?; undo; (exit $lib_rc); lib_cleanup' EXIT

instance_start "$I"
printf 'Subject: to nobody\n\nhello\n' | queue_msg "$I" postmaster@localhost nosuchuser@localhost ||
  fail "qmail-queue exited $?"
wait_for 30 log_grep "$I" " bounce msg " || fail "no failure notice was queued"
id=`sed -n 's/.*bounce msg \([0-9]*\) qp.*/\1/p' "$(log_file "$I")" | head -n 1`
# the removal fails; every retry (ALRM makes them due at once, else they come
# every 123 s) must try only the removal
unlink_failures() { grep -c "unable to unlink bounce/$id" "$(log_file "$I")"; }
unlink_failed() { [ "`unlink_failures`" -ge 1 ]; }
wait_for 20 unlink_failed || fail "the removal of bounce/$id did not fail"
n=0
while [ "`unlink_failures`" -lt 3 ] && [ $n -lt 150 ]; do
  svc -a "$I/service/qmail-send"
  sleep 1
  n=$((n + 1))
done
[ "`unlink_failures`" -ge 3 ] || fail "the removal was not retried"
undo
svc -a "$I/service/qmail-send"
wait_for 30 log_grep "$I" "end msg $id\$" || fail "message $id did not end after bounce/ could be written again"
[ -e "$B/$id" ] && fail "bounce/$id is still there"
wait_for 30 maildir_has "$PM" 1 || fail "the notice was not delivered"
sleep 1
assert_eq 1 "`grep -c ' bounce msg ' "$(log_file "$I")"`" "notices queued"
assert_eq 1 "`maildir_count "$PM"`" "notices delivered to postmaster"
pass
