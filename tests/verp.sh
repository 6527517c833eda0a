#!/bin/sh
# VERP: a message from the template list-@lists.example-@[] to
# postmaster@localhost and the invoking user is delivered with
# Return-Path: <list-postmaster=localhost@lists.example> and
# <list-USER=localhost@lists.example>; the log keeps the template as the
# sender. A third recipient that does not exist bounces (#5.1.1), and the
# notice goes from <> to list-@lists.example (the template without -@[]),
# which this instance delivers locally (lists.example in locals, list- in
# users/assign): its To:, its QSBMF introduction, the recipient paragraph
# and the Return-Path of the copy inside are checked.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
set_control "$I" locals localhost lists.example
LH=$I/mail/lhome
make_home "$I" "$LH"
assign_add "$I" "=list-:$ACCT:$LH:::"
instance_start "$I"
ME=`me`
PM=`mailbox "$I" postmaster`
UM=`mailbox "$I"`
[ "$ME" != postmaster ] || skip "the invoking user is postmaster: the two copies would share a Maildir"

SENDER='list-@lists.example-@[]'
printf 'From: list@lists.example\nSubject: verp\n\nto the list\n' > "$T/msg"
qmsg "$I" "$T/msg" "$SENDER" postmaster@localhost "$ME@localhost" nosuchuser@localhost ||
  fail "qmail-queue exited $?"
QV=$QP
msg_id "$I" "$QV"
VID=$ID
expect_delivery "$I" "$QV" local postmaster@localhost "success: did_1+0+0/"
expect_delivery "$I" "$QV" local "$ME@localhost" "success: did_1+0+0/"
expect_delivery_match "$I" "$QV" local nosuchuser@localhost 'failure: .*(#5\.1\.1)/\{0,1\}'

# the copies: one Return-Path per recipient
# check_copy MAILDIR RCPT RETURNPATH
check_copy() {
  maildir_find "$1" "Subject: verp"
  assert_eq "Return-Path: <$3>" "`sed -n 1p "$FOUND"`" "first line of the copy for $2"
  assert_eq "Delivered-To: $2" "`sed -n 2p "$FOUND"`" "second line of the copy for $2"
  sed -n '3{/^Received: (qmail [0-9]* invoked /!q1}; 4,$p' "$FOUND" > "$T/rest" ||
    fail "the third line of $FOUND is not qmail-queue's Received line"
  cmp -s "$T/msg" "$T/rest" || fail "the message in $FOUND was changed"
}
check_copy "$PM" postmaster@localhost list-postmaster=localhost@lists.example
# the log names the template as the sender; the size is that of the queue's
# copy (the copy delivered, less Return-Path and Delivered-To)
rp="Return-Path: <list-postmaster=localhost@lists.example>"
dt="Delivered-To: postmaster@localhost"
size=$((`wc -c < "$FOUND"` - ${#rp} - ${#dt} - 2))
expect_msg_log "$I" "$QV" "info msg $VID: bytes $size from <$SENDER> qp $QV uid `id -u`"
check_copy "$UM" "$ME@localhost" "list-$ME=localhost@lists.example"

# the notice: to the template's address, from <>
bounce_line() {
  msg_lines "$I" "$QV" | grep -q "^bounce msg $ID qp [0-9]*\$"
}
wait_for 20 bounce_line || { show_log "$I"; fail "no line 'bounce msg $ID qp N'"; }
BQP=`msg_lines "$I" "$QV" | sed -n "s/^bounce msg $ID qp \\([0-9]*\\)\$/\\1/p"`
wait_end "$I" "$QV"
msg_id "$I" "$BQP"
msg_lines "$I" "$BQP" | grep -q "^info msg $ID: bytes [0-9]* from <> qp $BQP uid [0-9]*\$" ||
  { show_log "$I"; fail "the notice (qp $BQP) is not from <>"; }
expect_delivery "$I" "$BQP" local list-@lists.example "success: did_1+0+0/"
assert_eq 1 "`deliveries "$I" "$BQP"`" "deliveries of the notice"
wait_end "$I" "$BQP"

assert_eq 1 "`maildir_count "$LH/Maildir"`" "messages in $LH/Maildir"
maildir_find "$LH/Maildir" "<nosuchuser@localhost>:"
B=$FOUND
assert_eq "Return-Path: <>" "`sed -n 1p "$B"`" "Return-Path of the notice"
assert_eq "Delivered-To: list-@lists.example" "`sed -n 2p "$B"`" "Delivered-To of the notice"
assert_eq "list-@lists.example" "`header_of "$B" To`" "To: of the notice"
assert_eq "failure notice" "`header_of "$B" Subject`" "Subject: of the notice"
sed '1,/^$/d' "$B" > "$T/body"
case `sed -n 1p "$T/body"` in
  "Hi. This is the qmail-send program at "*) ;;
  *) fail "the notice does not start with the QSBMF introduction: `sed -n 1p "$T/body"`" ;;
esac
assert_eq "Hi. This is the qmail-send program at localhost." "`sed -n 1p "$T/body"`" "first line of the notice"
sed '/^--- Below this line/,$d' "$T/body" > "$T/paragraphs"
assert_eq 1 "`grep -c '^<' "$T/paragraphs"`" "recipient paragraphs in the notice"
para=`sed -n '/^<nosuchuser@localhost>:$/,/^$/p' "$T/paragraphs"`
case $para in
  *"(#5.1.1)"*) ;;
  *) fail "the paragraph of nosuchuser@localhost does not carry #5.1.1: $para" ;;
esac
# after the break: the original, with the template's address as Return-Path
sed '1,/^--- Below this line is a copy of the message\.$/d' "$T/body" > "$T/copy"
[ -s "$T/copy" ] || fail "no break paragraph in the notice"
assert_eq "" "`sed -n 1p "$T/copy"`" "line after the break"
assert_eq "Return-Path: <list-@lists.example>" "`sed -n 2p "$T/copy"`" "Return-Path of the copy in the notice"
sed -n '3{/^Received: (qmail [0-9]* invoked /!q1}; 4,$p' "$T/copy" > "$T/rest" ||
  fail "the copy in the notice does not start with qmail-queue's Received line"
cmp -s "$T/msg" "$T/rest" || fail "the copy in the notice is not the original message"

# no other deliveries
assert_eq 1 "`maildir_count "$PM"`" "messages in $PM"
assert_eq 1 "`maildir_count "$UM"`" "messages in $UM"
pass
