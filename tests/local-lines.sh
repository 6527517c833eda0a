#!/bin/sh
# qmail-local run directly, one case per kind of .qmail line (reference
# 6.4): comments, blank lines (and the blank first line that defers),
# trailing blanks, ./Maildir/ and /abs/Maildir/, |program, &forward and a
# bare address (all forwards in one qmail-queue run, sender NEWSENDER, the
# message with Delivered-To first, "qp N" after "did"), /mbox and ./mbox
# (From_, Return-Path, Delivered-To, mboxrd quoting, the blank line, a
# second message appended), +list and the owner-execute bit (forward-only:
# a file or program line then defers #4.7.0), other + lines ignored, the
# default delivery for a missing or empty .qmail, and qmail-queue failures
# (permanent 100, temporary 111). Every delivered byte, the exit code and
# the report are checked.
. tests/lib.sh
need_programs qmail-local
. tests/lib_local.sh

S=a@b.org
DT=joe@example.com
q() { ql "$@"; }
# deliver: the plain address joe@example.com, whose file is .qmail
deliver() { ql joe '' '' example.com "${SND-$S}" "${DEF-./Maildir/}"; }

# --- comments, blank lines, trailing blanks, Maildirs ---------------------------
ql_reset
printf '# a comment\n./Maildir/ \t \n\n#./Other/\n\n' > "$H/.qmail"
chmod 0600 "$H/.qmail"
deliver
expect_rc 0 "comments and blank lines"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"
expect_no_forward
[ -e "$H/Other" ] || [ -e "$H/#" ] && fail "a comment line was carried out"

ql_reset
dotqmail .qmail '' ./Maildir/
deliver
expect_rc 111 "a blank first line"
expect_out_re '#4\.2\.1'
maildir_empty "$H/Maildir"

ql_reset
dotqmail .qmail '   ' ./Maildir/
deliver
expect_rc 111 "a first line of spaces only"
expect_out_re '#4\.2\.1'
maildir_empty "$H/Maildir"

# the last line without a newline still counts
ql_reset
printf '#x\n./Maildir/' > "$H/.qmail"
chmod 0600 "$H/.qmail"
deliver
expect_rc 0 "a last line without newline"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"

# a relative and an absolute Maildir
ql_reset
mkdir -p "$T/abs/md/new" "$T/abs/md/tmp" "$T/abs/md/cur" && rm -f "$T/abs/md/new/"* || fail mkdir
dotqmail .qmail ./Maildir/ "$T/abs/md/"
deliver
expect_rc 0 "two Maildirs"
expect_out 'did 2+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"
expect_maildir "$T/abs/md" "$S" "$DT"

# the empty sender: Return-Path: <>
ql_reset
dotqmail .qmail ./Maildir/
SND= deliver
expect_rc 0 "the empty sender"
expect_maildir "$H/Maildir" "" "$DT"

# a Maildir that does not exist defers, with #4.2.1 (the error will not go
# away by itself)
ql_reset
dotqmail .qmail ./NoSuch/
deliver
expect_rc 111 "a missing Maildir"
expect_out_re '#4\.2\.1'

# --- |program ---------------------------------------------------------------------
ql_reset
dotqmail .qmail "|cat > $T/prog.out; echo program says hi"
rm -f "$T/prog.out"
deliver
expect_rc 0 "a program"
expect_out 'program says hi\ndid 0+0+1\n'
# the raw message: no Return-Path, Delivered-To or From_
same "$MSG" "$T/prog.out" "the message a program reads"
expect_no_forward

# stdout and stderr of the program are both the report
ql_reset
dotqmail .qmail '|echo to-stdout; echo to-stderr >&2'
deliver
expect_rc 0 "a program writing to both outputs"
expect_out 'to-stdout\nto-stderr\ndid 0+0+1\n'

# --- &forward and bare addresses -------------------------------------------------
ql_reset
dotqmail .qmail '&fwd@example.net'
deliver
expect_rc 0 "an &forward"
expect_forward 1 "$S" "$DT" "$MSG" fwd@example.net
expect_out "did 0+1+0\\nqp $QPN\\n"
[ "`qq_runs`" = 1 ] || fail "qmail-queue ran `qq_runs` times"
maildir_empty "$H/Maildir"

# a bare address, an &address, a Maildir and a program: the forwards go last,
# in one qmail-queue run, in the order of the lines
ql_reset
dotqmail .qmail 'bare@example.net' "|echo prog >> $T/order" '&amp@example.org' ./Maildir/ 'Third.Person@Example.COM'
rm -f "$T/order"
deliver
expect_rc 0 "forwards with a program and a Maildir"
expect_forward 1 "$S" "$DT" "$MSG" bare@example.net amp@example.org Third.Person@Example.COM
expect_out "did 1+3+1\\nqp $QPN\\n"
[ "`qq_runs`" = 1 ] || fail "qmail-queue ran `qq_runs` times for one .qmail"
expect_maildir "$H/Maildir" "$S" "$DT"
assert_eq prog "`cat "$T/order"`" "program runs"

# the forwarded envelope sender of a bounce stays empty
ql_reset
dotqmail .qmail '&fwd@example.net'
SND= deliver
expect_rc 0 "a forwarded bounce"
expect_forward 1 "" "$DT" "$MSG" fwd@example.net
expect_out "did 0+1+0\\nqp $QPN\\n"

# qmail-queue refuses: permanently (exit 31) bounces, temporarily (exit 71) defers
ql_reset
dotqmail .qmail '&fwd@example.net'
echo 31 > "$T/qq.exit"
deliver
expect_rc 100 "qmail-queue exits 31 (permanent)"
expect_out_re '#5\.3\.0'
ql_reset
dotqmail .qmail '&fwd@example.net'
echo 71 > "$T/qq.exit"
deliver
expect_rc 111 "qmail-queue exits 71 (temporary)"
expect_out_re '#4\.3\.0'
ql_reset
dotqmail .qmail '&fwd@example.net'
echo 81 > "$T/qq.exit"
deliver
expect_rc 111 "qmail-queue exits 81 (temporary)"

# --- mbox ---------------------------------------------------------------------------
# mboxrd: any line matching ^>*From gets one more >; a last line without
# newline gets one; then one blank line
MB=$T/mboxmsg
{
  printf 'Received: (qmail 1 invoked by uid 7); 1 Jan 2024 00:00:00 -0000\n'
  printf 'From: someone <s@example.org>\n'
  printf 'Subject: mbox\n'
  printf '\n'
  printf 'From the start\n'
  printf '>From once quoted\n'
  printf '>>From twice quoted\n'
  printf 'From\n'
  printf 'Fromage\n'
  printf ' From indented\n'
  printf '>From\n'
  printf 'From \n'
  printf '\n'
  printf 'no final newline'
} > "$MB"
MBQ=$T/mboxmsg.quoted
{
  printf 'Received: (qmail 1 invoked by uid 7); 1 Jan 2024 00:00:00 -0000\n'
  printf 'From: someone <s@example.org>\n'
  printf 'Subject: mbox\n'
  printf '\n'
  printf '>From the start\n'
  printf '>>From once quoted\n'
  printf '>>>From twice quoted\n'
  printf 'From\n'
  printf 'Fromage\n'
  printf ' From indented\n'
  printf '>From\n'
  printf '>From \n'
  printf '\n'
  printf 'no final newline\n'
} > "$MBQ"
mbox_want() { # SENDER_WORD SENDER MSGFILE_QUOTED
  printf 'From %s DATE\n' "$1"
  rpline "$2"
  printf 'Delivered-To: %s\n' "$DT"
  cat "$3"
  printf '\n'
}

ql_reset
dotqmail .qmail ./mbox "$T/abs/mbox"
rm -f "$T/abs/mbox"
t0=`date +%s`
QL_MSG=$MB deliver
expect_rc 0 "two mboxes"
expect_out 'did 2+0+0\n'
mbox_want "$S" "$S" "$MBQ" > "$T/want.mbox"
expect_mbox "$H/mbox" "$T/want.mbox" "$t0"
expect_mbox "$T/abs/mbox" "$T/want.mbox" "$t0"
mode=`stat -c %a "$H/mbox"`
assert_eq 600 "$mode" "mode of a new mbox"

# a second message is appended after the first; the empty sender is
# MAILER-DAEMON in the From_ line
SND= deliver
expect_rc 0 "an mbox append"
expect_out 'did 2+0+0\n'
{ cat "$T/want.mbox"; mbox_want MAILER-DAEMON "" "$MSG"; } > "$T/want.mbox2"
expect_mbox "$H/mbox" "$T/want.mbox2" "$t0"
expect_mbox "$T/abs/mbox" "$T/want.mbox2" "$t0"

# an mbox with a message that ends in a newline already
ql_reset
dotqmail .qmail ./mbox
deliver
expect_rc 0 "an mbox"
mbox_want "$S" "$S" "$MSG" > "$T/want.mbox"
expect_mbox "$H/mbox" "$T/want.mbox" "$t0"

# a sender with a space: '-' in the From_ line, quoted in Return-Path
ql_reset
dotqmail .qmail ./mbox
SND='a b@x.org' deliver
expect_rc 0 "an mbox for a sender with a space"
{ printf 'From a-b@x.org DATE\nReturn-Path: <"a b"@x.org>\nDelivered-To: %s\n' "$DT"; cat "$MSG"; printf '\n'; } > "$T/want.mbox"
expect_mbox "$H/mbox" "$T/want.mbox" "$t0"

# an mbox in a directory that does not exist defers
ql_reset
dotqmail .qmail ./nodir/mbox
deliver
expect_rc 111 "an mbox that cannot be created"

# --- +list, the owner-execute bit: forward-only ---------------------------------------
ql_reset
dotqmail .qmail '+list' '&fwd@example.net'
deliver
expect_rc 0 "+list with a forward"
expect_forward 1 "$S" "$DT" "$MSG" fwd@example.net
expect_out "did 0+1+0\\nqp $QPN\\n"

for line in ./Maildir/ ./mbox "|touch $T/ran"; do
  ql_reset
  rm -f "$T/ran"
  dotqmail .qmail '&fwd@example.net' '+list' "$line"
  deliver
  expect_rc 111 "+list, then '$line'"
  expect_out_re '#4\.7\.0'
  maildir_empty "$H/Maildir"
  [ -e "$H/mbox" ] && fail "+list, then an mbox line: the mbox was written"
  [ -e "$T/ran" ] && fail "+list, then a program line: the program ran"
  expect_no_forward

  ql_reset
  dotqmail .qmail '&fwd@example.net' "$line"
  chmod 0700 "$H/.qmail"
  deliver
  expect_rc 111 "a .qmail with the owner execute bit, and '$line'"
  expect_out_re '#4\.7\.0'
  maildir_empty "$H/Maildir"
  [ -e "$H/mbox" ] && fail "owner-execute .qmail with an mbox line: the mbox was written"
  [ -e "$T/ran" ] && fail "owner-execute .qmail with a program line: the program ran"
  expect_no_forward
done

ql_reset
dotqmail .qmail '&fwd@example.net' '&two@example.net'
chmod 0700 "$H/.qmail"
deliver
expect_rc 0 "a .qmail with the owner execute bit and forwards"
expect_forward 1 "$S" "$DT" "$MSG" fwd@example.net two@example.net
expect_out "did 0+2+0\\nqp $QPN\\n"

# a program before +list runs
ql_reset
dotqmail .qmail "|echo before" '+list' '&fwd@example.net'
deliver
expect_rc 0 "a program before +list"
expect_forward 1 "$S" "$DT" "$MSG" fwd@example.net
expect_out "before\\ndid 0+1+1\\nqp $QPN\\n"

# an empty owner-execute .qmail: the default delivery, not forward-only
ql_reset
: > "$H/.qmail"
chmod 0700 "$H/.qmail"
deliver
expect_rc 0 "an empty owner-execute .qmail"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"

# --- other + lines are ignored ---------------------------------------------------------
ql_reset
dotqmail .qmail '+' '+foo' '+listx' '+list-owner' '+LIST' ./Maildir/
deliver
expect_rc 0 "other + lines"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"
expect_no_forward

# --- the default delivery ------------------------------------------------------------
# no .qmail (dash empty): defaultdelivery, which may have several lines
ql_reset
rm -f "$T/dd.out"
DEF="./Maildir/
|cat > $T/dd.out" deliver
expect_rc 0 "the default delivery"
expect_out 'did 1+0+1\n'
expect_maildir "$H/Maildir" "$S" "$DT"
same "$MSG" "$T/dd.out" "the message of a default program"

# an empty .qmail: the same
ql_reset
: > "$H/.qmail"
chmod 0600 "$H/.qmail"
deliver
expect_rc 0 "an empty .qmail"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" "$DT"

# a .qmail of comments only is not empty: nothing is delivered
ql_reset
dotqmail .qmail '# nothing'
deliver
expect_rc 0 "a .qmail of comments only"
expect_out 'did 0+0+0\n'
maildir_empty "$H/Maildir"

# --- usage: wrong argument count, relative home; a missing home defers ----------
ql_reset
dotqmail .qmail ./Maildir/
env -i PATH="$QL_PATH" "$TOP/qmail-local" -- "$QL_USER" "$H" joe '' '' example.com "$S" < "$MSG" > "$T/out" 2>&1
RC=$?
expect_rc 100 "seven arguments"
env -i PATH="$QL_PATH" "$TOP/qmail-local" -- "$QL_USER" "$H" joe '' '' example.com "$S" ./Maildir/ extra < "$MSG" > "$T/out" 2>&1
RC=$?
expect_rc 100 "nine arguments"
(cd "$T" && env -i PATH="$QL_PATH" "$TOP/qmail-local" -- "$QL_USER" home joe '' '' example.com "$S" ./Maildir/ < "$MSG" > "$T/out" 2>&1; echo $? > "$T/rc")
RC=`cat "$T/rc"`
expect_rc 100 "a relative home directory"
maildir_empty "$H/Maildir"
env -i PATH="$QL_PATH" "$TOP/qmail-local" -- "$QL_USER" "$T/no/such/home" joe '' '' example.com "$S" ./Maildir/ < "$MSG" > "$T/out" 2>&1
RC=$?
expect_rc 111 "a home directory that does not exist"

pass
