#!/bin/sh
# mbox delivery read by mail readers no one here wrote: qmail-local, run
# directly, appends the test messages of tests/lib_dovecot.sh (8-bit bytes,
# "From " and ">From " lines, a line that looks like a From_ line after an
# empty line, long lines, an empty sender, an empty message, a last line
# without LF, trailing empty lines) to ./mbox. Python's mailbox.mbox then
# finds exactly those messages in order, each with its From_ line (sender or
# MAILER-DAEMON, asctime date of the delivery) and its text with mboxrd
# quoting, which unquotes to Return-Path, Delivered-To and the message; the
# file is nothing but those. A Dovecot started here (Debian's lock settings)
# serves the same texts over IMAP to imaplib (CRLF line ends; Dovecot does
# not undo the quoting, see tests/mailreaders.py), with INTERNALDATE taken
# from each From_ line, and complains of nothing. The mbox is made read-only
# for Dovecot, which would otherwise add its X-UID and X-IMAPbase header
# fields, and is checked to be unchanged afterwards.

. tests/lib.sh
. tests/lib_dovecot.sh
reader_setup

H=$T/home
mail_home "$H"
reader_messages "$T/msgs"

t0=`date +%s`
n=1
pairs=
while [ $n -le $NMSG ]; do
  sender=`cat "$T/msgs/sender.$n"`
  local_deliver "$H" "$sender" ./mbox "$T/msgs/msg.$n" ||
    { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for message $n"; }
  assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for message $n"
  expected_delivery "$H" "$sender" "$T/msgs/msg.$n" > "$T/expected.$n" || fail "unable to write $T/expected.$n"
  pairs="$pairs $n"
  n=$((n + 1))
done
t1=`date +%s`

assert_eq "-rw------- $MAIL_UID" "`stat -c '%A %u' "$H/mbox"`" "mode and owner of the mbox"
[ -e "$H/mbox.lock" ] && fail "the dot-lock $H/mbox.lock was left behind"

# mailreaders.py mbox MBOX T0 T1 SENDER FILE...; the senders may be empty,
# so the argument list is built with set --
set --
for n in $pairs; do
  set -- "$@" "`cat "$T/msgs/sender.$n"`" "$T/expected.$n"
done
readers mbox "$H/mbox" "$t0" "$t1" "$@" || fail "Python's mailbox.mbox disagrees"

chmod 0400 "$H/mbox" && cp "$H/mbox" "$T/mbox.before" || fail "unable to copy $H/mbox"
dovecot_start "$T/dovecot" "$MAIL_UID" "$MAIL_GID" "$H" \
  "mbox:$H/dovecot-mail:INBOX=$H/mbox:INDEX=$H/dovecot-index"
readers imap "$DOVECOT_PORT" mbox "$H/mbox" "$@" || {
  tail -n 20 "$DOVECOT_LOG"
  fail "what Dovecot serves over IMAP differs"
}
dovecot_stop
dovecot_complaints && fail "Dovecot complained (above)"
cmp "$T/mbox.before" "$H/mbox" || fail "the mbox changed while Dovecot read it"
pass
