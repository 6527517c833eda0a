#!/bin/sh
# The whole chain read by a mail reader no one here wrote: the first test
# message of tests/lib_dovecot.sh (8-bit bytes, "From " lines, a CRLF line,
# no final LF) is queued with qmail-queue in a running instance for the
# invoking user, delivered by qmail-send, qmail-lspawn and qmail-local to
# its Maildir as Return-Path, Delivered-To, qmail-queue's Received line and
# the message unchanged, then read by Python's mailbox.Maildir and served by
# a Dovecot started here, reading as the account that owns the Maildir, to
# imaplib with exactly those bytes (CRLF line ends).
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_dovecot.sh
reader_setup
need_programs qmail-queue qmail-send qmail-lspawn qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
instance_start "$I"
ME=`me`
MD=`mailbox "$I"`
reader_messages "$T/msgs"
SENDER=`cat "$T/msgs/sender.1"`

qmsg "$I" "$T/msgs/msg.1" "$SENDER" "$ME@localhost" || fail "qmail-queue exited $?"
expect_delivery "$I" "$QP" local "$ME@localhost" "success: did_1+0+0/"
wait_end "$I" "$QP"
assert_eq 1 "`maildir_count "$MD"`" "messages in $MD"
f=`find "$MD/new" -type f`
recv=`sed -n 3p "$f"`
case $recv in
  "Received: (qmail $QP invoked "*) ;;
  *) fail "the third line of $f is not qmail-queue's Received line: $recv" ;;
esac
{ printf 'Return-Path: <%s>\nDelivered-To: %s@localhost\n%s\n' "$SENDER" "$ME" "$recv"; cat "$T/msgs/msg.1"; } > "$T/expected" ||
  fail "unable to write $T/expected"
cmp "$T/expected" "$f" || fail "$f differs from the expected bytes (kept in $T/expected)"

readers maildir "$MD" "$T/expected" || fail "Python's mailbox.Maildir disagrees"

# Dovecot reads as the account qmail-local delivered as; its index and
# control files go to a directory of that account's, not into the Maildir
uid=`stat -c %u "$MD"` && gid=`stat -c %g "$MD"` || fail "unable to stat $MD"
mkdir "$T/index" && chmod 0700 "$T/index" || fail "unable to make $T/index"
[ "`id -u`" = 0 ] && { chown "$uid:$gid" "$T/index" || fail "unable to chown $T/index"; }
dovecot_start "$T/dovecot" "$uid" "$gid" "`dirname "$MD"`" \
  "maildir:$MD:INDEX=$T/index:CONTROL=$T/index"
readers imap "$DOVECOT_PORT" maildir "$T/expected" || {
  tail -n 20 "$DOVECOT_LOG"
  fail "what Dovecot serves over IMAP differs"
}
dovecot_stop
dovecot_complaints && fail "Dovecot complained (above)"
assert_eq "$f" "`find "$MD/new" "$MD/cur" "$MD/tmp" -type f`" "the files of $MD after Dovecot read it"
pass
