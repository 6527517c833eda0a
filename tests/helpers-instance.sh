#!/bin/sh
# forward and condredirect through a real instance: the instance's own
# bin/forward and bin/condredirect queue through its bin/qmail-queue (no
# QMAILQUEUE), qmail-send delivers, and the Maildir holds, byte for byte,
# Return-Path with $NEWSENDER (or $SENDER), Delivered-To of the recipient,
# qmail-queue's Received line naming the pid that forward printed as "qp",
# then $DTLINE and the message. The log's info line carries the size, the
# sender and that qp. A forward with an address the queue refuses (a
# recipient over qmail-queue's limit) exits 100 and queues nothing.
# timeout: 120

. tests/lib.sh
. tests/lib_helpers.sh
. tests/lib_rewrite.sh
need_programs forward condredirect qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
instance_start "$I"
ME=`me`
UID_NOW=`id -u`
alias_uid=`sed -n 's/^+:[^:]*:\([0-9]*\):.*$/\1/p' "$I/users/assign"`
[ -n "$alias_uid" ] || fail "no catch-all line in $I/users/assign"
if [ "$alias_uid" = "$UID_NOW" ]; then INVOKED="by alias"; else INVOKED="by uid $UID_NOW"; fi
UM=`mailbox "$I"`

M=$T/msg
{
  printf 'Received: from a.example by b.example; 1 Jan 2000 00:00:00 -0000\n'
  printf 'Subject: forwarded \303\251t\303\251 \200\377\n'
  printf '\n'
  printf 'From the start\n.\nurgent\n'
  printf 'no newline at the end'
} > "$M"

# check_delivery MAILDIR LINE SENDER RCPT DTLINE QP: the one message in
# MAILDIR holding LINE is exactly what the queue made of DTLINE + $M
check_delivery() {
  maildir_find "$1" "$2"
  recv=`sed -n 3p "$FOUND"`
  printf '%s\n' "$recv" | grep -q -E "^Received: \\(qmail $6 invoked $INVOKED\\); [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000\$" ||
    fail "the third line of $FOUND is not qmail-queue's Received line for pid $6: $recv"
  { printf 'Return-Path: <%s>\nDelivered-To: %s\n%s\n%s' "$3" "$4" "$recv" "$5"; cat "$M"; } > "$T/want"
  same_file "$T/want" "$FOUND" "the delivered message"
  size=$((`wc -c < "$M"` + ${#recv} + 1 + ${#5}))
  expect_msg_log "$I" "$6" "info msg $ID: bytes $size from <$3> qp $6 uid $UID_NOW"
}

# --- forward -------------------------------------------------------------------
NS="owner-list@example.com"
DT='Delivered-To: list@example.com
'
env -i PATH="$PATH" NEWSENDER="$NS" DTLINE="$DT" "$I/bin/forward" "$ME@localhost" \
  < "$M" > "$T/out" 2> "$T/err"
RC=$?
QP=`sed -n 's/^forward: qp //p' "$T/err"`
[ -n "$QP" ] || fail "forward did not print its qp: `cat "$T/err"` (exit $RC)"
expect_run 0 "forward: qp $QP"
expect_delivery "$I" "$QP" local "$ME@localhost" "success: did_1+0+0/"
wait_end "$I" "$QP"
check_delivery "$UM" "Delivered-To: list@example.com" "$NS" "$ME@localhost" "$DT" "$QP"

# --- condredirect ----------------------------------------------------------------
DT2='Delivered-To: joe-cond@example.com
'
env -i PATH="$PATH" SENDER="a@example.org" DTLINE="$DT2" "$I/bin/condredirect" "$ME@localhost" \
  grep -q -x urgent < "$M" > "$T/out" 2> "$T/err"
RC=$?
QP=`sed -n 's/^condredirect: forwarded qp //p' "$T/err"`
[ -n "$QP" ] || fail "condredirect did not print its qp: `cat "$T/err"` (exit $RC)"
expect_run 99 "condredirect: forwarded qp $QP"
expect_delivery "$I" "$QP" local "$ME@localhost" "success: did_1+0+0/"
wait_end "$I" "$QP"
check_delivery "$UM" "Delivered-To: joe-cond@example.com" "a@example.org" "$ME@localhost" "$DT2" "$QP"

# --- a refusal of the real qmail-queue: a recipient over its length limit ----------
long=`head -c 20000 /dev/zero | tr '\0' a`
env -i PATH="$PATH" NEWSENDER="$NS" DTLINE="$DT" "$I/bin/forward" "$long@localhost" \
  < "$M" > "$T/out" 2> "$T/err"
RC=$?
expect_run 100 "forward was unable to queue the message: envelope address too long for the queue (#5.1.3)"

assert_eq 2 "`maildir_count "$UM"`" "messages in $UM"
wait_for 20 queue_empty "$I" || fail "messages left in the queue: `queue_files "$I"`"
pass
