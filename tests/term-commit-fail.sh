#!/bin/sh
# A flush that fails must not hold qmail-send at TERM: the message's todo
# entry simply stays (it is preprocessed again at the next start). Every
# fsync of an info file fails with EIO here (LD_PRELOAD shim
# tests/slow_fsync_shim.c); a message to a Maildir whose tmp/ is unwritable
# defers, its flush fails and is logged; then svc -d must stop qmail-send
# within 20 s with "status: exiting", todo/ID still there; started again
# without the failures, the message is delivered once tmp/ is writable.
# timeout: 120

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog cc

I=$T/inst
instance_create "$I"
PM=`mailbox "$I" postmaster`
run=$I/service/qmail-send/run
cp "$run" "$T/run.orig" || fail "unable to copy $run"
send_shim "$I" slow_fsync_shim.c SLOW_FSYNC_ERRNO=5

chmod 000 "$PM/tmp" || fail "unable to chmod $PM/tmp"
instance_start "$I"

printf 'Subject: one\n\nfirst\n' | queue_msg "$I" sender@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
id=`ls "$I/queue/todo"`
[ -n "$id" ] || fail "no message in queue/todo"
wait_for 20 log_grep "$I" 'unable to make durable the files of info/' || fail "the flush did not fail"

svc -d "$I/service/qmail-send" || fail "svc -d failed"
send_down() { svstat "$I/service/qmail-send" | grep -q ': down '; }
wait_for 20 send_down || fail "qmail-send did not exit within 20 s of TERM: `svstat "$I/service/qmail-send"`"
wait_for 5 log_grep "$I" 'status: exiting$' || fail "no status: exiting"
[ -e "$I/queue/todo/$id" ] || fail "todo/$id went although its files were never made durable"

cp "$T/run.orig" "$run" || fail "unable to restore $run"
chmod 700 "$PM/tmp" || fail "unable to chmod $PM/tmp"
svc -u "$I/service/qmail-send" || fail "svc -u failed"
wait_for 30 maildir_has "$PM" 1 || fail "the message was not delivered after the restart"
sleep 1
assert_eq 1 "`maildir_count "$PM"`" "messages delivered"
pass
