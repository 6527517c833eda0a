#!/bin/sh
# qmail-smtpd with clients no one here wrote. swaks: a normal session, a
# pipelined one (--pipeline), --quit-after RCPT (nothing delivered) and a
# message over databytes (552 5.3.4 after the dot, nothing delivered).
# Python's smtplib: send_message of an ASCII message with dot lines, of a
# message from a UTF-8 address with a UTF-8 Subject (SMTPUTF8), sendmail
# with BODY=8BITMIME and 8-bit bytes, and a message over databytes, which
# smtplib announces with SIZE= and the server refuses at MAIL (552 5.3.4).
# Each delivered Maildir copy is checked byte for byte against what was
# sent (CRLF as LF), with its Return-Path.
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
need_cmd swaks
smtpd_start

# check_copy SUBJECT WANTFILE SENDER: the one copy with that Subject holds
# the Return-Path of SENDER and then, after the Received fields, WANTFILE
check_copy() {
  find_subject "$UM" "$1"
  message_split "$FOUND"
  assert_eq "Return-Path: <$3>" "$RP" "Return-Path of '$1'"
  assert_eq "Delivered-To: $ME@localhost" "$DT" "Delivered-To of '$1'"
  cmp "$2" "$T/body" || { od -c "$T/body" | head -30; fail "the copy of '$1' is not what was sent"; }
}

# --- swaks -------------------------------------------------------------------------------
for mode in normal pipelined; do
  # swaks ends the data with CRLF . CRLF, so the file has no last newline
  printf 'From: swaks@example.com\nTo: %s@localhost\nSubject: swaks %s\nMessage-ID: <swaks.%s@example.com>\n\nbody of the %s session\n.a dot line\n..two\n\nend' \
    "$ME" "$mode" "$mode" "$mode" > "$T/swaks.$mode.data"
  printf '\n' | cat "$T/swaks.$mode.data" - > "$T/swaks.$mode"
  opt=
  [ $mode = pipelined ] && opt=--pipeline
  swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo swaks.example --from swaks@example.com \
    --to "$ME@localhost" $opt --data "@$T/swaks.$mode.data" > "$T/swaks.$mode.out" 2>&1 ||
    { cat "$T/swaks.$mode.out"; fail "swaks ($mode) exited $?"; }
  grep -q '^<-  250 2\.0\.0 ok [0-9]* qp [0-9]*' "$T/swaks.$mode.out" ||
    { cat "$T/swaks.$mode.out"; fail "swaks ($mode): no '250 2.0.0 ok TIME qp PID'"; }
done
[ -n "`grep -i '^<-  250-PIPELINING' "$T/swaks.pipelined.out"`" ] || fail "swaks saw no PIPELINING"
swaks --server 127.0.0.1 --port "$SMTP_PORT" --from swaks@example.com --to "$ME@localhost" \
  --quit-after RCPT --header 'Subject: swaks quit' > "$T/swaks.quit.out" 2>&1 ||
  { cat "$T/swaks.quit.out"; fail "swaks --quit-after RCPT exited $?"; }
grep -q '^<-  221 2\.0\.0' "$T/swaks.quit.out" || { cat "$T/swaks.quit.out"; fail "swaks --quit-after: no 221 2.0.0"; }

set_control "$I" databytes 2000
head -c 3000 /dev/zero | tr '\0' z | fold -w 60 > "$T/big.body"
swaks --server 127.0.0.1 --port "$SMTP_PORT" --from swaks@example.com --to "$ME@localhost" \
  --header 'Subject: swaks oversize' --body "@$T/big.body" > "$T/swaks.big.out" 2>&1
rc=$?
cat "$T/swaks.big.out" | grep -v '^ -> zzz'
[ $rc != 0 ] || fail "swaks reported success for a message over databytes"
grep -q '^<\*\* 552 5\.3\.4' "$T/swaks.big.out" || fail "swaks: no 552 5.3.4 for a message over databytes"

# --- smtplib ----------------------------------------------------------------------------
"$PYTHON" tests/smtpd_smtplib.py "$SMTP_PORT" "$ME@localhost" size 5000 > "$T/size.out" ||
  fail "smtplib (SIZE): `cat "$T/size.out"`"
assert_eq "refused 552 5.3.4" "`cat "$T/size.out"`" "smtplib's MAIL with SIZE=5000+ over databytes 2000"
set_control "$I" databytes
mkdir "$T/py"
"$PYTHON" tests/smtpd_smtplib.py "$SMTP_PORT" "$ME@localhost" "$T/py" || fail "smtplib failed"

settle
check_copy "swaks normal" "$T/swaks.normal" swaks@example.com
check_copy "swaks pipelined" "$T/swaks.pipelined" swaks@example.com
check_copy "smtplib plain" "$T/py/plain.want" "`cat "$T/py/plain.from"`"
check_copy "smtplib utf8 grüße" "$T/py/utf8.want" "`cat "$T/py/utf8.from"`"
check_copy "smtplib 8bit" "$T/py/8bit.want" "`cat "$T/py/8bit.from"`"
assert_eq 0 "`count_subject "$UM" "swaks quit"`" "messages from swaks --quit-after RCPT"
assert_eq 0 "`count_subject "$UM" "swaks oversize"`" "messages over databytes"
assert_eq 5 "`maildir_count "$UM"`" "messages delivered"
pass
