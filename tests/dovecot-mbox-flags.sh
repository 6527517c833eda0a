#!/bin/sh
# A sender cannot set a message's flags, keywords or UID in an mbox reader.
# qmail-local, run directly, appends to ./mbox a message whose header
# carries the fields Dovecot keeps its mbox metadata in and mutt and
# Python's mailbox read flags from (Status: RO, X-Status: F, X-Keywords,
# X-UID: 77, X-IMAPbase naming UID 78 next and the keywords, Content-Length:
# 1), in mixed case, two of them folded, among fields that must stay (names
# that only begin like them, a Subject whose value is "Status: RO"); the
# same lines are in its body. An ordinary message follows. Then:
#   - the mbox is exactly the two From_ lines and messages with those
#     header fields gone, continuation lines and all, and everything else,
#     the body's copies included, byte for byte (mailbox.mbox reads it,
#     tests/mailreaders.py "mbox" compares the whole file);
#   - mailbox.mbox sees no flags on either message;
#   - a Dovecot started here (Debian's lock settings, the mbox read-only for
#     it as in dovecot-mbox) serves both messages byte for byte over IMAP,
#     the body's copies included, with no flag but \Recent, no keyword
#     (none on the messages, none in the mailbox's FLAGS), the UIDs 1 and 2,
#     complains of nothing, and leaves the mbox unchanged. (Dovecot hides
#     its metadata fields when it serves a message, so only the flags, the
#     keywords and the UIDs show whether it took them from the sender: with
#     them left in, it reports \Seen \Flagged, UID 77 and the keywords.)
# Every check is made even after one fails, so a failure names every
# reader the message fooled.

. tests/lib.sh
. tests/lib_dovecot.sh
reader_setup

H=$T/home
mail_home "$H"
M=$T/msgs
mkdir -p "$M" || fail "mkdir $M"

# the metadata lines, as the body carries them (and must keep them)
metadata() {
  printf 'Status: RO\n'
  printf 'X-Status: F\n'
  printf 'X-Keywords: $label1\n'
  printf 'X-UID: 77\n'
  printf 'X-IMAPbase: 1700000000 0000000078 $label1 $label2\n'
  printf 'Content-Length: 1\n'
}
# msg.1 and, in want.1, what is left of it in the mbox
{
  printf 'From: Spoofer <spoofer@example.com>\n'
  printf 'To: reader@example.org\n'
  printf 'STATUS:\n RO\n'
  printf 'Subject: Status: RO\n'
  printf 'X-status: F\n'
  printf 'X-Status-Note: kept, its name only begins like one\n'
  printf 'x-Keywords: $label1\n\t$label2\n'
  printf 'Statuses: kept\n'
  printf 'X-IMAPBASE: 1700000000 0000000078 $label1 $label2\n'
  printf 'X-Uid: 77\n'
  printf 'Status : RO\n'
  printf 'X-Status\t\t: F\n'
  printf 'Message-ID: <flags@example.com>\n'
  printf 'content-LENGTH: 1\n'
  printf '\n'
  metadata
  printf 'X-Keywords: $label2\n continued in the body\n'
  printf '\n'
  metadata
  printf 'the end\n'
} > "$M/msg.1" &&
{
  printf 'From: Spoofer <spoofer@example.com>\n'
  printf 'To: reader@example.org\n'
  printf 'Subject: Status: RO\n'
  printf 'X-Status-Note: kept, its name only begins like one\n'
  printf 'Statuses: kept\n'
  printf 'Message-ID: <flags@example.com>\n'
  printf '\n'
  metadata
  printf 'X-Keywords: $label2\n continued in the body\n'
  printf '\n'
  metadata
  printf 'the end\n'
} > "$M/want.1" &&
{
  printf 'From: B <b@example.net>\n'
  printf 'To: reader@example.org\n'
  printf 'Subject: an ordinary message\n'
  printf '\n'
  printf 'nothing to see\n'
} > "$M/msg.2" &&
cp "$M/msg.2" "$M/want.2" || fail "unable to write the messages in $M"
S1=spoofer@example.com
S2=b@example.net

t0=`date +%s`
local_deliver "$H" "$S1" ./mbox "$M/msg.1" || { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for message 1"; }
assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for message 1"
local_deliver "$H" "$S2" ./mbox "$M/msg.2" || { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for message 2"; }
assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for message 2"
t1=`date +%s`
expected_delivery "$H" "$S1" "$M/want.1" > "$T/expected.1" &&
  expected_delivery "$H" "$S2" "$M/want.2" > "$T/expected.2" || fail "unable to write $T/expected.*"

failed=
readers mbox "$H/mbox" "$t0" "$t1" "$S1" "$T/expected.1" "$S2" "$T/expected.2" ||
  failed="$failed; the mbox is not what it should be"
readers unflagged mbox "$H/mbox" 2 || failed="$failed; mailbox.mbox sees flags"

chmod 0400 "$H/mbox" && cp "$H/mbox" "$T/mbox.before" || fail "unable to copy $H/mbox"
dovecot_start "$T/dovecot" "$MAIL_UID" "$MAIL_GID" "$H" \
  "mbox:$H/dovecot-mail:INBOX=$H/mbox:INDEX=$H/dovecot-index"
readers imap "$DOVECOT_PORT" mbox "$H/mbox" "$S1" "$T/expected.1" "$S2" "$T/expected.2" ||
  failed="$failed; what Dovecot serves over IMAP differs"
readers unflagged imap "$DOVECOT_PORT" 2 || failed="$failed; Dovecot sees flags, keywords or UIDs"
dovecot_stop
dovecot_complaints && failed="$failed; Dovecot complained (above)"
cmp "$T/mbox.before" "$H/mbox" || failed="$failed; the mbox changed while Dovecot read it"

[ -z "$failed" ] || fail "${failed#; }"
pass
