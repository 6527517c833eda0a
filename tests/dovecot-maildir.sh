#!/bin/sh
# Maildir delivery read by mail readers no one here wrote: qmail-local, run
# directly, delivers the test messages of tests/lib_dovecot.sh (8-bit bytes,
# "From " and ">From " lines, a CRLF line, long lines, an empty sender, an
# empty message, a last line without LF) to ./Maildir/. Python's
# mailbox.Maildir then reads exactly Return-Path, Delivered-To and the
# message for each one, and a Dovecot started here serves the same bytes
# over IMAP to imaplib (with CRLF line ends, see tests/mailreaders.py),
# with the right message count and sizes and no complaint in its log. Dovecot
# reads with EXAMINE and keeps its index elsewhere: the Maildir's files are
# the same afterwards.

. tests/lib.sh
. tests/lib_dovecot.sh
reader_setup

H=$T/home
mail_home "$H"
as_mail mkdir -m 0700 "$H/Maildir" "$H/Maildir/tmp" "$H/Maildir/new" "$H/Maildir/cur" ||
  fail "unable to make $H/Maildir"
reader_messages "$T/msgs"

n=1
expected=
while [ $n -le $NMSG ]; do
  sender=`cat "$T/msgs/sender.$n"`
  local_deliver "$H" "$sender" ./Maildir/ "$T/msgs/msg.$n" ||
    { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for message $n"; }
  assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for message $n"
  expected_delivery "$H" "$sender" "$T/msgs/msg.$n" > "$T/expected.$n" || fail "unable to write $T/expected.$n"
  expected="$expected $T/expected.$n"
  n=$((n + 1))
done
assert_eq "$NMSG" "`find "$H/Maildir/new" -type f | wc -l | tr -d ' '`" "files in new/"
assert_eq "" "`find "$H/Maildir/tmp" "$H/Maildir/cur" -type f`" "files in tmp/ and cur/"
(cd "$H/Maildir" && find . | sort) > "$T/files.before"

readers maildir "$H/Maildir" $expected || fail "Python's mailbox.Maildir disagrees"

dovecot_start "$T/dovecot" "$MAIL_UID" "$MAIL_GID" "$H" \
  "maildir:$H/Maildir:INDEX=$H/dovecot-index:CONTROL=$H/dovecot-control"
readers imap "$DOVECOT_PORT" maildir $expected || {
  tail -n 20 "$DOVECOT_LOG"
  fail "what Dovecot serves over IMAP differs"
}
dovecot_stop
dovecot_complaints && fail "Dovecot complained (above)"
(cd "$H/Maildir" && find . | sort) > "$T/files.after"
cmp -s "$T/files.before" "$T/files.after" || {
  diff "$T/files.before" "$T/files.after"
  fail "the Maildir's file names changed while Dovecot read it"
}
# and the bytes are still the same
readers maildir "$H/Maildir" $expected || fail "Python's mailbox.Maildir disagrees after Dovecot"
pass
