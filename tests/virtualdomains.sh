#!/bin/sh
# control/virtualdomains: after a HUP, qmail-send turns joe@virt.example into
# the local address vuser-joe@virt.example (domain key), special@virt.example
# into other-special@virt.example (whole-address key beats the domain),
# joe@sub.virt.example into vuser-joe@sub.virt.example (.suffix key),
# joe@any.test into vcatch-joe@any.test (the empty key catches the rest), and
# leaves joe@x.skip.virt.example remote (a .suffix exception with an empty
# prefix wins over shorter suffixes and the catch-all); keys match without
# regard to case, and a domain in locals is never virtual. users/assign
# wildcards (+vuser- and the others, through qmail-newu) send them to homes
# whose .qmail-default holds ./Maildir/: each copy must carry the
# Delivered-To of the prefixed address. A virtual recipient without a
# mailbox (a wildcard home with no .qmail-default) bounces with #5.1.1, and
# the notice, read from the sender's Maildir, names the recipient without
# the prefix.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
remote_standin "$I"
instance_start "$I"
ME=`me`
PM=`mailbox "$I" postmaster`
UM=`mailbox "$I"`
[ "$ME" != postmaster ] || skip "the invoking user is postmaster: the notice would share its Maildir"

# --- configuration, then HUP -----------------------------------------------------
postmaster_account "$I"
VH=$I/mail/vhome
OH=$I/mail/ohome
NH=$I/mail/nhome
CH=$I/mail/chome
make_home "$I" "$VH" .qmail-default ./Maildir/
make_home "$I" "$OH" .qmail-default ./Maildir/
make_home "$I" "$NH"
make_home "$I" "$CH" .qmail-default ./Maildir/
assign_add "$I" \
  "+vuser-:$ACCT:$VH:-::" \
  "+other-:$ACCT:$OH:-::" \
  "+vnone-:$ACCT:$NH:-::" \
  "+vcatch-:$ACCT:$CH:-::"
set_control "$I" virtualdomains \
  '# virtual domains of this test' \
  virt.example:vuser \
  special@virt.example:other \
  .virt.example:vuser \
  .skip.virt.example: \
  virt2.example:vnone \
  localhost:vuser \
  :vcatch
hup "$I"

# --- deliveries ----------------------------------------------------------------------
printf 'From: a@example.com\nSubject: virtual\n\nto the virtual domains\n' > "$T/msg"
qmsg "$I" "$T/msg" a@example.com joe@virt.example special@virt.example \
  joe@sub.virt.example Mixed@VIRT.Example Special@VIRT.example joe@any.test \
  joe@x.skip.virt.example postmaster@localhost ||
  fail "qmail-queue exited $?"
QA=$QP
for a in vuser-joe@virt.example other-special@virt.example vuser-joe@sub.virt.example \
  vuser-Mixed@VIRT.Example other-Special@VIRT.example vcatch-joe@any.test postmaster@localhost; do
  expect_delivery "$I" "$QA" local "$a" "success: did_1+0+0/"
done
expect_delivery "$I" "$QA" remote joe@x.skip.virt.example -
assert_eq 8 "`deliveries "$I" "$QA"`" "deliveries started for message $ID"

# check_copy MAILDIR DELIVEREDTO: one copy there, with this envelope
check_copy() {
  maildir_find "$1" "Delivered-To: $2"
  assert_eq "Return-Path: <a@example.com>" "`sed -n 1p "$FOUND"`" "first line of $FOUND"
  assert_eq "Delivered-To: $2" "`sed -n 2p "$FOUND"`" "second line of $FOUND"
  sed -n '3{/^Received: (qmail [0-9]* invoked /!q1}; 4,$p' "$FOUND" > "$T/rest" ||
    fail "the third line of $FOUND is not qmail-queue's Received line"
  cmp -s "$T/msg" "$T/rest" || fail "the message in $FOUND was changed"
}
check_copy "$VH/Maildir" vuser-joe@virt.example
check_copy "$VH/Maildir" vuser-joe@sub.virt.example
check_copy "$VH/Maildir" vuser-Mixed@VIRT.Example
check_copy "$OH/Maildir" other-special@virt.example
check_copy "$OH/Maildir" other-Special@VIRT.example
check_copy "$CH/Maildir" vcatch-joe@any.test
check_copy "$PM" postmaster@localhost
assert_eq 3 "`maildir_count "$VH/Maildir"`" "messages in $VH/Maildir"
assert_eq 2 "`maildir_count "$OH/Maildir"`" "messages in $OH/Maildir"
assert_eq 1 "`maildir_count "$CH/Maildir"`" "messages in $CH/Maildir"
assert_eq 1 "`maildir_count "$PM"`" "messages in $PM"
assert_eq 0 "`maildir_count "$NH/Maildir"`" "messages in $NH/Maildir"

# --- a virtual recipient without a mailbox bounces ------------------------------------
printf 'From: %s@localhost\nSubject: to nobody\n\nnobody reads this\n' "$ME" > "$T/msg2"
qmsg "$I" "$T/msg2" "$ME@localhost" nobody@virt2.example || fail "qmail-queue exited $?"
QB=$QP
expect_delivery_match "$I" "$QB" local vnone-nobody@virt2.example 'failure: .*(#5\.1\.1)/\{0,1\}'
bounce_line() {
  msg_lines "$I" "$QB" | grep -q "^bounce msg $ID qp [0-9]*\$"
}
wait_for 20 bounce_line || { show_log "$I"; fail "no line 'bounce msg $ID qp N'"; }
BQP=`msg_lines "$I" "$QB" | sed -n "s/^bounce msg $ID qp \\([0-9]*\\)\$/\\1/p"`
wait_end "$I" "$QB"
# the notice: from <> to the sender, delivered to the sender's Maildir
msg_id "$I" "$BQP"
msg_lines "$I" "$BQP" | grep -q "^info msg $ID: bytes [0-9]* from <> qp $BQP uid [0-9]*\$" ||
  { show_log "$I"; fail "the notice (qp $BQP) is not from <>"; }
expect_delivery "$I" "$BQP" local "$ME@localhost" "success: did_1+0+0/"
wait_end "$I" "$BQP"

maildir_find "$UM" "<nobody@virt2.example>:"
B=$FOUND
assert_eq "Return-Path: <>" "`sed -n 1p "$B"`" "Return-Path of the notice"
assert_eq "Delivered-To: $ME@localhost" "`sed -n 2p "$B"`" "Delivered-To of the notice"
assert_eq "$ME@localhost" "`header_of "$B" To`" "To: of the notice"
assert_eq "failure notice" "`header_of "$B" Subject`" "Subject: of the notice"
# the body: the QSBMF introduction, then the recipient paragraph
sed '1,/^$/d' "$B" > "$T/body"
assert_eq "Hi. This is the qmail-send program at localhost." "`sed -n 1p "$T/body"`" "first line of the notice"
sed '/^--- Below this line/,$d' "$T/body" > "$T/paragraphs"
grep -q -x -e '--- Below this line is a copy of the message.' "$T/body" || fail "no break paragraph in the notice"
n=`grep -c '^<' "$T/paragraphs"`
assert_eq 1 "$n" "recipient paragraphs in the notice"
para=`sed -n '/^<nobody@virt2\.example>:$/,/^$/p' "$T/paragraphs"`
case $para in
  *"(#5.1.1)"*) ;;
  *) fail "the paragraph of nobody@virt2.example does not carry #5.1.1: $para" ;;
esac
! grep -q 'vnone-' "$T/paragraphs" || fail "the notice shows the virtual prefix: `cat "$T/paragraphs"`"
# and the original follows, with its Received line
grep -q -x 'nobody reads this' "$T/body" || fail "no copy of the message in the notice"
assert_eq 1 "`maildir_count "$UM"`" "messages in $UM"
assert_eq 0 "`maildir_count "$NH/Maildir"`" "messages in $NH/Maildir"

pass
