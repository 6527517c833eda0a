#!/bin/sh
# A queue/bounce/ID file left behind by an earlier message must not reach a
# new message that is given the same ID (message IDs are inode numbers and
# are reused): the new message is delivered, no failure notice is sent for
# it, and the stale file is removed during preprocessing.
# timeout: 120

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
PM=`mailbox "$I" postmaster`

# queue while qmail-send is not running, so the message waits in todo/
printf 'Subject: stale bounce\n\nhello\n' | queue_msg "$I" sender@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
id=`ls "$I/queue/todo"`
[ -n "$id" ] || fail "no message in queue/todo"
# the failure report of some earlier message that had this ID
printf '<someone@example.net>:\nan old failure (#5.1.1)\n\n' > "$I/queue/bounce/$id"
if [ "`id -u`" = 0 ]; then
  chown "`stat -c %u "$I/queue/bounce"`" "$I/queue/bounce/$id"
fi

instance_start "$I"
wait_for 30 maildir_has "$PM" 1 || fail "the message was not delivered"
wait_for 30 log_grep "$I" "end msg $id\$" || fail "no end msg $id in the log"
log_grep "$I" "bounce msg $id " && fail "a failure notice was sent for message $id"
[ -e "$I/queue/bounce/$id" ] && fail "queue/bounce/$id is still there"
assert_eq 1 "`maildir_count "$PM"`" "messages for postmaster"
grep -q 'an old failure' "$PM"/new/* && fail "the stale report reached a mailbox"
pass
