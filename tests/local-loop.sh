#!/bin/sh
# A forwarding loop through a real instance: loop@localhost has a .qmail
# forwarding to loop@localhost. The message is delivered once (did 0+1+0,
# forwarded with Delivered-To: loop@localhost and the same sender), comes
# back, and that second delivery fails permanently (#5.4.6): the sender
# (the invoking user, whose Maildir is in the instance) gets one bounce
# naming the loop, the log shows exactly two deliveries to loop@localhost,
# and the queue ends empty - no endless circling.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
LH=$I/mail/loophome
make_home "$I" "$LH" .qmail '&loop@localhost'
assign_add "$I" "=loop:$ACCT:$LH:::"
instance_start "$I"
ME=`me`
UM=`mailbox "$I"`

printf 'From: %s@localhost\nSubject: round and round\n\nloop body\n' "$ME" > "$T/msg"
qmsg "$I" "$T/msg" "$ME@localhost" loop@localhost || fail "qmail-queue exited $?"
Q1=$QP
expect_delivery_match "$I" "$Q1" local loop@localhost 'success: did_0+1+0/qp_[0-9][0-9]*/'

# the forwarded copy: its qmail-queue pid is in the report
q2=`msg_lines "$I" "$Q1" | sed -n 's/^delivery [0-9]*: success: did_0+1+0\/qp_\([0-9]*\)\/$/\1/p' | head -n 1`
[ -n "$q2" ] || { show_log "$I"; fail "no qp in the report of the first delivery"; }
expect_delivery_match "$I" "$q2" local loop@localhost 'failure: .*(#5\.4\.6)/\{0,1\}'
wait_end "$I" "$q2"

# the bounce reaches the sender, once
wait_for 30 maildir_has "$UM" 1 || { show_log "$I"; fail "no bounce in $UM"; }
wait_for 20 queue_empty "$I" || { show_log "$I"; fail "files left in the queue: `queue_files "$I"`"; }
assert_eq 1 "`maildir_count "$UM"`" "messages for the sender"
maildir_find "$UM" "loop body"
B=$FOUND
assert_eq "Return-Path: <>" "`sed -n 1p "$B"`" "the bounce's Return-Path"
grep -q '#5\.4\.6' "$B" || fail "the bounce does not give #5.4.6"
grep -q -F '<loop@localhost>' "$B" || fail "the bounce does not name loop@localhost"
# the returned copy is the forwarded one: my Delivered-To line on top
grep -q -x -F 'Delivered-To: loop@localhost' "$B" || fail "the returned copy has no Delivered-To: loop@localhost"

# exactly two deliveries to loop@localhost in all
n=`log_lines "$I" | grep -c ': msg [0-9]* to local loop@localhost$'`
assert_eq 2 "$n" "deliveries to loop@localhost"
assert_eq 0 "`maildir_count "$LH/Maildir"`" "messages in the looping address's Maildir"
pass
