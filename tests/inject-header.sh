#!/bin/sh
# qmail-inject: the exact bytes of `qmail-inject -n` (Return-Path line,
# Date/Message-ID/From/Cc added, Bcc/Resent-Bcc/Content-Length/Return-Path
# removed, addresses rewritten with defaulthost/defaultdomain/plusdomain
# while groups, comments, quoted strings, folding, 8-bit and UTF-8 bytes
# stay, Resent- blocks, CR LF input, the mbox From line, a 1 MB header
# line, the personal name quoted), the envelopes handed to the queue
# program ($QMAILQUEUE recorder: -a -h -A -H, -f, Return-Path, QMAILSUSER,
# QMAILINJECT r and m, Bcc recipients), the errors (usage, no recipients,
# an unparsable From, a 64 MB header) with exit 100 and nothing queued,
# and a real instance delivering a Bcc'd message to its Maildir without
# the Bcc field.

. tests/lib.sh
. tests/lib_helpers.sh
need_programs qmail-inject qmail-queue

helpers_instance
recorder
Q=$I/bin/qmail-inject
echo mx.example.com > "$I/control/me"
echo dh > "$I/control/defaulthost"
echo example.com > "$I/control/defaultdomain"
echo plus.org > "$I/control/plusdomain"
echo id.example > "$I/control/idhost"

# inj [VAR=VALUE...] -- ARGS...: qmail-inject with USER=joe, the recorder
# as queue program and the given variables, none other that it reads
inj() {
  (
    unset QMAILUSER MAILUSER USER LOGNAME QMAILHOST MAILHOST QMAILNAME MAILNAME NAME \
      QMAILSUSER QMAILSHOST QMAILINJECT QMAILMFTFILE QMAILDEFAULTDOMAIN \
      QMAILDEFAULTHOST QMAILPLUSDOMAIN QMAILIDHOST
    USER=joe QMAILQUEUE=$T/qq
    export USER QMAILQUEUE REC
    while [ $# -gt 0 ] && [ "$1" != -- ]; do export "$1"; shift; done
    shift
    exec "$Q" "$@"
  )
}

# masked: the -n output in $T/out with the generated Date and Message-ID
# values replaced by DATE and MSGID after checking their form
masked() {
  sed -e 's/^\(\(Resent-\)\{0,1\}Date\): [0-9]\{1,2\} [A-Z][a-z][a-z] [0-9]\{4\} [0-9][0-9]:[0-9][0-9]:[0-9][0-9] -0000$/\1: DATE/' \
      -e 's/^\(\(Resent-\)\{0,1\}Message-ID\): <[0-9]\{10,\}\.[0-9]\{9\}\.[0-9]\{1,\}\.[0-9a-f]\{16\}@id\.example>$/\1: MSGID/' \
      "$T/out"
}

# expect_out FILE: the masked output equals FILE
expect_out() {
  masked > "$T/got"
  same_file "$1" "$T/got" "the output of qmail-inject -n"
}

# --- fields added, name quoted ------------------------------------------------
printf 'To: ann\nSubject: s\n\nbody\n' |
  inj NAME='Joe "Q" \ Public' -- -n > "$T/out" 2> "$T/err"
[ $? = 0 ] || fail "qmail-inject -n exited $?: `cat "$T/err"`"
printf '%s\n' 'Return-Path: <joe@dh.example.com>' 'Date: DATE' 'Message-ID: MSGID' \
  'From: "Joe \"Q\" \\ Public" <joe@dh.example.com>' 'To: ann@dh.example.com' \
  'Subject: s' '' 'body' > "$T/want"
expect_out "$T/want"

# address-comment style, QMAILHOST, no To nor Cc, a Bcc (removed)
printf 'Bcc: hidden\n\n' |
  inj QMAILINJECT=c MAILNAME='A (b)' QMAILHOST=home.example.net MAILUSER=j.o -- -n > "$T/out"
printf '%s\n' 'Return-Path: <j.o@home.example.net>' 'Date: DATE' 'Message-ID: MSGID' \
  'From: j.o@home.example.net (A \(b\))' 'Cc: recipient list not shown: ;' '' > "$T/want"
expect_out "$T/want"

# --- rewriting in place: groups, comments, quotes, folding, 8-bit -------------
{
  printf 'From joe@x Mon Jan  1 00:00:00 2000\r\n'
  printf 'Date: Sat, 1 Jan 2000 00:00:00 +0000\r\n'
  printf 'Message-ID: <kept@x>\r\n'
  printf 'From: "Smith, J" <js> (the boss)\r\n'
  printf 'To: undisclosed-recipients:;\r\n'
  printf 'Cc: list: a, "b c"@host+ (x) ;,\r\n\t<@r1,@r2:u@v.w> x@y.z\r\n'
  printf 'Reply-To: "\303\251t\303\251" <\303\251@dom>\r\n'
  printf 'Subject: \303\251t\303\251 \200\377\r\n'
  printf 'Return-Path: <rp@q.r>\r\n'
  printf 'Content-Length: 12\r\n'
  printf 'Bcc: b@c.d\r\n'
  printf '\r\n'
  printf 'body\r\nbare\rcr\r\n'
} > "$T/in"
inj -- -n < "$T/in" > "$T/out"
{
  printf 'Return-Path: <rp@q.r>\n'
  printf 'MBOX-Line: From joe@x Mon Jan  1 00:00:00 2000\n'
  printf 'Date: Sat, 1 Jan 2000 00:00:00 +0000\n'
  printf 'Message-ID: <kept@x>\n'
  printf 'From: "Smith, J" <js@dh.example.com> (the boss)\n'
  printf 'To: undisclosed-recipients:;\n'
  printf 'Cc: list: a@dh.example.com, "b c"@host.plus.org (x) ;,\n\t<u@v.w>, x@y.z\n'
  printf 'Reply-To: "\303\251t\303\251" <\303\251@dom.example.com>\n'
  printf 'Subject: \303\251t\303\251 \200\377\n'
  printf '\n'
  printf 'body\nbare\rcr\n'
} > "$T/want"
expect_out "$T/want"
# the same message queued: recipients from the header (Bcc too)
rec_reset
inj -- < "$T/in" > "$T/out" 2> "$T/err" || fail "qmail-inject exited $?: `cat "$T/err"`"
tail -n +2 "$T/want" > "$T/want.msg"
same_file "$T/want.msg" "$REC/message" "the queued message"
printf 'Frp@q.r\0Ta@dh.example.com\0Tb c@host.plus.org\0Tu@v.w\0Tx@y.z\0Tb@c.d\0\0' > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope"

# --- resent -------------------------------------------------------------------
printf 'Date: d\nMessage-ID: <m@x>\nFrom: f@g.h\nTo: a@b.c\nResent-To: r@s.t\nResent-Bcc: hidden\n\nb\n' > "$T/in"
inj -- -n < "$T/in" > "$T/out"
printf '%s\n' 'Return-Path: <joe@dh.example.com>' 'Resent-Date: DATE' 'Resent-Message-ID: MSGID' \
  'Resent-From: joe@dh.example.com' 'Date: d' 'Message-ID: <m@x>' 'From: f@g.h' 'To: a@b.c' \
  'Resent-To: r@s.t' '' 'b' > "$T/want"
expect_out "$T/want"
rec_reset
inj -- < "$T/in" || fail "qmail-inject exited $?"
printf 'Fjoe@dh.example.com\0Tr@s.t\0Thidden@dh.example.com\0\0' > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope of the resent message"

# --- recipient modes, -f, QMAILSUSER, VERP --------------------------------------
printf 'Date: d\nMessage-ID: <m@x>\nFrom: f@g.h\nTo: t@u.v\nBcc: b@c.d\n\n' > "$T/in"
# envelope MODE... : the envelope recorded for qmail-inject ARGS
envelope() {
  rec_reset
  inj "$@" < "$T/in" > "$T/out" 2> "$T/err" || fail "qmail-inject $* exited $?: `cat "$T/err"`"
  cat "$REC/envelope" | tr '\0' '|'
}
assert_eq 'Fjoe@dh.example.com|Tx@dh.example.com|Ty@z.w||' "`envelope -- -a x 'Y <y@z.w>'`" "-a"
assert_eq 'Fjoe@dh.example.com|Tt@u.v|Tb@c.d||' "`envelope -- -h x`" "-h"
assert_eq 'Fjoe@dh.example.com|Tx@dh.example.com||' "`envelope -- -A x`" "-A with an argument"
assert_eq 'Fjoe@dh.example.com|Tt@u.v|Tb@c.d||' "`envelope -- -A`" "-A without"
assert_eq 'Fjoe@dh.example.com|Tt@u.v|Tb@c.d||' "`envelope --`" "the default"
assert_eq 'Fs@e.f|Tx@dh.example.com|Tt@u.v|Tb@c.d||' "`envelope -- -Hf s@e.f -- x`" "-Hf grouped"
assert_eq 'Fs@e.plus.org|Tx@dh.example.com||' "`envelope -- -fs@e+ x`" "-f glued"
assert_eq 'F|Tx@dh.example.com||' "`envelope -- -f '' x`" "-f ''"
assert_eq 'F|Tx@dh.example.com||' "`envelope -- -f '<>' x`" "-f <>"
assert_eq 'Fbounce@sh.example.com|Tx@dh.example.com||' \
  "`envelope QMAILSUSER=bounce QMAILSHOST=sh -- x`" "QMAILSUSER, QMAILSHOST"
assert_eq 'Fs-@e.f-@[]|Tx@dh.example.com||' "`envelope QMAILINJECT=r -- -f s@e.f x`" "QMAILINJECT r"
env_m=`envelope QMAILINJECT=m -- -f s@e.f x`
case $env_m in
  Fs-[0-9]*.[0-9]*@e.f\|Tx@dh.example.com\|\|) ;;
  *) fail "QMAILINJECT m: $env_m" ;;
esac
assert_eq '-x' "`envelope -- -- -x | sed 's/^.*|T\([^@]*\)@.*$/\1/'`" "a recipient after --"
# Return-Path wins over the environment, loses to -f; s ignores it
printf 'Return-Path: <rp@q.r>\nTo: t@u.v\n\n' > "$T/in"
assert_eq 'Frp@q.r|Tt@u.v||' "`envelope QMAILSUSER=bounce --`" "Return-Path"
assert_eq 'Fs@e.f|Tt@u.v||' "`envelope -- -f s@e.f`" "-f over Return-Path"
assert_eq 'Fjoe@dh.example.com|Tt@u.v||' "`envelope QMAILINJECT=s --`" "QMAILINJECT s"
# f and i: From and Message-ID made anew
printf 'From: old@x.y\nMessage-ID: <old@x.y>\nDate: d\nTo: t@u.v\n\n' |
  inj QMAILINJECT=fi -- -n > "$T/out"
printf '%s\n' 'Return-Path: <joe@dh.example.com>' 'Message-ID: MSGID' 'From: joe@dh.example.com' \
  'Date: d' 'To: t@u.v' '' > "$T/want"
expect_out "$T/want"

# --- Mail-Followup-To from QMAILMFTFILE (named relative to the caller) -------------
printf '# lists\nList@Example.org\n' > "$T/lists"
(cd "$T" && printf 'Date: d\nMessage-ID: <m@x>\nFrom: f@g.h\nTo: list@example.org\nCc: c@d.e\n\n' |
  inj QMAILMFTFILE=lists -- -n > "$T/out")
printf '%s\n' 'Return-Path: <joe@dh.example.com>' 'Mail-Followup-To: list@example.org, c@d.e' \
  'Date: d' 'Message-ID: <m@x>' 'From: f@g.h' 'To: list@example.org' 'Cc: c@d.e' '' > "$T/want"
expect_out "$T/want"

# --- a 1 MB header line, kept byte for byte --------------------------------------
"$PYTHON" -c 'import sys; sys.stdout.write("Date: d\nMessage-ID: <m@x>\nFrom: f@g.h\nTo: t@u.v\nX-Long: " + "\xc3\xa9" * 524288 + "\n\nbody\n")' > "$T/in"
inj -- -n < "$T/in" > "$T/out" || fail "the 1 MB line: exit $?"
{ printf 'Return-Path: <joe@dh.example.com>\n'; cat "$T/in"; } > "$T/want"
same_file "$T/want" "$T/out" "the message with a 1 MB line"

# --- errors: exit 100, a message, nothing queued -----------------------------------
# err_case RC TEXT [VAR=V...] -- ARGS < INPUT
err_case() {
  err_rc=$1 err_text=$2
  shift 2
  rec_reset
  inj "$@" > "$T/out" 2> "$T/err"
  RC=$?
  expect_run "$err_rc" "$err_text"
  [ -f "$REC/pid" ] && fail "queued despite: $err_text"
  return 0
}
usage='qmail-inject: fatal: usage: qmail-inject [-aAhHnN] [-f sender] [--] [address ...]'
err_case 100 "$usage" -- -t x < /dev/null
err_case 100 "$usage" -- -f < /dev/null
printf 'To: t@u.v\n' > "$T/in"
err_case 100 'qmail-inject: fatal: no recipients' -- -a < "$T/in"
printf 'Subject: x\n\n' > "$T/in"
err_case 100 'qmail-inject: fatal: no recipients' -- < "$T/in"
printf 'From: "open\nTo: t@u.v\n\n' > "$T/in"
err_case 100 'qmail-inject: fatal: unable to parse the From field' -- < "$T/in"
printf 'To: t@u.v\n\n' > "$T/in"
err_case 100 'qmail-inject: fatal: unable to parse the recipient address <x' -- '<x' < "$T/in"
# a 64 MB header is refused before anything is queued
"$PYTHON" -c 'import sys
sys.stdout.write("To: t@u.v\nX-Big: ")
for i in range(65): sys.stdout.write("x" * 1048576)
sys.stdout.write("\n\nbody\n")' > "$T/in"
err_case 100 'qmail-inject: fatal: the header is longer than 64 MB: not queued' -- < "$T/in"
# an address field of up to 1 MB is parsed; a longer one is refused
"$PYTHON" -c 'import sys; sys.stdout.write("From: f@g.h\nTo: " + "a," * 500000 + "b\n\nbody\n")' > "$T/in"
inj -- -n < "$T/in" > "$T/out" || fail "a To field of 1,000,001 bytes: exit $?"
assert_eq 500001 "`sed -n 's/^To: //p' "$T/out" | tr , '\n' | grep -c '^a@\\|^b@'`" "addresses in the rewritten To field"
"$PYTHON" -c 'import sys; sys.stdout.write("From: f@g.h\nTo: " + "a," * 524288 + "b\n\nbody\n")' > "$T/in"
err_case 100 'qmail-inject: fatal: the To field is longer than 1 MB: not queued' -- < "$T/in"
rm -f "$T/in"

# --- a real instance: the Bcc recipient gets the mail, without the field ----------
need_programs qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog
ME=`me`
echo example.test >> "$I/control/locals"
instance_start "$I"
# the To recipient is remote (it waits in the queue), the Bcc one local
printf 'Subject: real\nTo: nobody@elsewhere.invalid\nBcc: %s@example.test\n\nhello\n' "$ME" |
  env -i PATH="$PATH" USER=joe "$Q" 2> "$T/err" ||
  fail "qmail-inject into the instance exited $?: `cat "$T/err"`"
MB=`mailbox "$I"`
wait_for 20 maildir_has "$MB" 1 || fail "no delivery to $MB"
f=`find "$MB/new" -type f | head -n 1`
grep -q '^Bcc:' "$f" && fail "the delivered message has a Bcc field"
grep -q '^Subject: real$' "$f" || fail "the delivered message lacks its Subject"
grep -q "^Return-Path: <joe@dh.example.com>$" "$f" || fail "wrong Return-Path in the delivered message"
grep -q "^Message-ID: <[0-9]*\.[0-9]*\.[0-9]*\.[0-9a-f]*@id.example>$" "$f" || fail "no Message-ID"
assert_eq 1 "`maildir_count "$MB"`" "messages delivered"
pass
