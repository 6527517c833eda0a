#!/bin/sh
# qmail-smtpd speaks ESMTP: the greeting "220 localhost ESMTP"; EHLO lists
# SIZE, PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES and SMTPUTF8; HELO, NOOP,
# VRFY (252), HELP (214), RSET, QUIT (221) and an unknown verb (502 5.5.1),
# verbs in any case; every reply after the greeting and HELO/EHLO carries an
# enhanced status code (smtpraw.py -e). The state machine: RCPT before
# MAIL, DATA before RCPT and a second MAIL are 503 5.5.1; RSET and HELO
# clear the transaction. A pipelined client sending MAIL, RCPT, DATA, the
# message and QUIT in one write gets 250 250 354 250 221, and the message is
# delivered once, with the bytes sent: CRLF stored as LF, ".." unstuffed,
# NUL and 8-bit bytes kept, a text line of 5000 bytes kept whole. The final
# reply is "250 2.0.0 ok TIME qp PID"; qmail-smtpd's Received field names
# the HELO argument, the client's address and "by localhost". A QMAILQUEUE
# that exits with a temporary code gets a 4xx, a permanent one a 5xx. With
# no users/rcpt.cdb any local recipient is accepted at RCPT. An IPv6 client
# (PROTO=TCP6 and the TCP6* variables, as the IPv6 tcpserver sets them) is
# served and named in the Received field, and [IPv6:...] literals parse.
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
smtpd_start

# --- commands ---------------------------------------------------------------------
smtp '<~220 localhost ESMTP.*' \
  '>EHLO client.example\r\n' '<250' 'has:PIPELINING' 'has:8BITMIME' 'has:ENHANCEDSTATUSCODES' \
  'has:SMTPUTF8' '>QUIT\r\n' '<221' '<EOF' > "$T/ehlo.out"
st=$?
cat "$T/ehlo.out"
[ $st = 0 ] || fail "the greeting and EHLO"
grep -q '^S: 220 localhost ESMTP' "$T/ehlo.out" || fail "greeting is not '220 localhost ESMTP'"
grep -q '^S: 250-localhost' "$T/ehlo.out" || fail "EHLO's first line is not '250-localhost...'"
# SIZE with the limit: no databytes control, so 0 (no limit) or a bare SIZE
grep -q -E '^S: 250[- ]SIZE( 0)?$' "$T/ehlo.out" || fail "EHLO does not advertise SIZE (no databytes)"

smtp_ok "HELO, NOOP, VRFY, HELP, RSET, unknown, QUIT" \
  '<220' '>HELO client.example\r\n' '<250' \
  '>NOOP\r\n' '<250 2.0.0' '>noop\r\n' '<250 2.0.0' \
  '>VRFY postmaster\r\n' '<252' \
  '>HELP\r\n' '<214' \
  '>RSET\r\n' '<250 2.0.0' \
  '>XYZZY plugh\r\n' '<502 5.5.1' '>ETRN localhost\r\n' '<502 5.5.1' \
  '>qUiT\r\n' '<221 2.0.0' '<EOF'

smtp_ok "HELO and EHLO without a host name" \
  '<220' '>HELO\r\n' '<501 5.5.4' '>EHLO \r\n' '<501 5.5.4' \
  '>EHLO client.example\r\n' '<250' '>QUIT\r\n' '<221 2.0.0' '<EOF'

# the log on descriptor 2: a refusal and an accepted message, tied by pid
smtp_ok "a logged session" \
  '<220' '>EHLO client.example\r\n' '<250' \
  '>MAIL FROM:<log@example.com>\r\n' '<250' \
  '>RCPT TO:<u@remote.example>\r\n' '<553 5.7.1' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' \
  '>DATA\r\n' '<354' '>Subject: logged\r\n\r\nx\r\n.\r\n' '<250 2.0.0' \
  '>QUIT\r\n' '<221 2.0.0' '<EOF'
wait_for 10 grep -q 'accepted message qp [0-9]* bytes 19 from <log@example.com> recipients 1$' "$T/smtpd.err" ||
  fail "no log line for the accepted message: `tail -n 5 "$T/smtpd.err"`"
lp=`sed -n 's/^qmail-smtpd: pid \([0-9]*\): accepted message qp .* from <log@example.com>.*/\1/p' "$T/smtpd.err"`
grep -q "^qmail-smtpd: pid $lp: 553 5.7.1 .* (RCPT <u@remote.example>)\$" "$T/smtpd.err" ||
  fail "no log line for the refused recipient: `tail -n 5 "$T/smtpd.err"`"

smtp_ok "the state machine" \
  '<220' '>EHLO c\r\n' '<250' \
  '>RCPT TO:<postmaster@localhost>\r\n' '<503 5.5.1' \
  '>DATA\r\n' '<503 5.5.1' \
  '>MAIL FROM:<a@example.com>\r\n' '<250 2.1.0' \
  '>DATA\r\n' '<503 5.5.1' \
  '>MAIL FROM:<b@example.com>\r\n' '<503 5.5.1' \
  '>RSET\r\n' '<250 2.0.0' \
  '>RCPT TO:<postmaster@localhost>\r\n' '<503 5.5.1' \
  '>MAIL FROM:<c@example.com>\r\n' '<250 2.1.0' \
  '>RCPT TO:<postmaster@localhost>\r\n' '<250 2.1.5' \
  '>HELO again\r\n' '<250' \
  '>DATA\r\n' '<503 5.5.1' \
  '>QUIT\r\n' '<221' '<EOF'

# RSET drops the recipients: only the second one gets the message
smtp_ok "RSET between transactions" \
  '<220' '>EHLO c\r\n' '<250' \
  ">MAIL FROM:<a@example.com>\r\n" '<250 2.1.0' ">RCPT TO:<postmaster@localhost>\r\n" '<250 2.1.5' \
  '>RSET\r\n' '<250 2.0.0' \
  ">MAIL FROM:<b@example.com>\r\n" '<250 2.1.0' ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: after rset\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'

# --- one pipelined write -------------------------------------------------------------
# exact bytes: CRLF, a stuffed dot, NUL, 8-bit, a 5000-byte line
LONG=`head -c 5000 /dev/zero | tr '\0' 'L'`
smtp_ok "a pipelined transaction" \
  '<220' '>EHLO pipe.example\r\n' '<250' \
  ">MAIL FROM:<sender@example.com>\r\nRCPT TO:<$ME@localhost>\r\nDATA\r\nSubject: pipelined\r\nX-Bytes: nul\\0here high \\xff\\xfe\\x80\r\n\r\n..one dot\r\n...two dots\r\n.\\0x\r\n$LONG\r\ntab\\there\r\n.\r\nQUIT\r\n" \
  '<250 2.1.0' '<250 2.1.5' '<354' '<~250 2\.0\.0 ok [0-9]+ qp [0-9]+' '<221 2.0.0' '<EOF' \
  > "$T/pipe.out"
st=$?
cat "$T/pipe.out"
[ $st = 0 ] || fail "a pipelined transaction"
settle
find_subject "$UM" pipelined
message_split "$FOUND"
assert_eq "Return-Path: <sender@example.com>" "$RP" "Return-Path of the pipelined message"
assert_eq "Delivered-To: $ME@localhost" "$DT" "Delivered-To of the pipelined message"
printf "Subject: pipelined\nX-Bytes: nul\0here high \377\376\200\n\n.one dot\n..two dots\n\0x\n%s\ntab\there\n" "$LONG" > "$T/want"
cmp "$T/want" "$T/body" || { od -c "$T/body" | head -20; fail "the pipelined message was changed"; }
RCVD=`echo "$RCVD" | tr -s ' '`
echo "$RCVD"
echo "$RCVD" | grep -q -E '^Received: from unknown \(HELO pipe\.example\) \(127\.0\.0\.1\) by localhost with [A-Z0-9]*SMTP[A-Z0-9]*; .*[0-9]{4}' ||
  fail "qmail-smtpd's Received field is not as reference 3.10 says: $RCVD"
find_subject "$UM" "after rset"
assert_eq 3 "`maildir_count "$UM"`" "messages for $ME (the logged one, the pipelined one, the one after RSET)"
assert_eq 0 "`maildir_count "$PM"`" "messages for postmaster (RSET must drop the first recipient)"

# the qp of the final reply is the pid of qmail-queue, as qmail-send logs it
qp=`sed -n 's/^S: 250 2\.0\.0 ok [0-9]* qp \([0-9]*\)$/\1/p' "$T/pipe.out"`
log_lines "$I" | grep -q "^info msg [0-9]*: bytes [0-9]* from <sender@example.com> qp $qp uid [0-9]*\$" ||
  { show_log "$I"; fail "no info line with qp $qp"; }

# --- qmail-queue's exit code decides the final reply ----------------------------------------
cat > "$T/fakeq" <<EOF
#!/bin/sh
cat > /dev/null
cat <&1 > /dev/null
exit \`cat $T/fakeq.code\`
EOF
chmod 0755 "$T/fakeq"
smtpd_stop
smtpd_start -e QMAILQUEUE="$T/fakeq"
for code in 53 71 74 81; do
  echo "$code" > "$T/fakeq.code"
  smtp_ok "qmail-queue exit $code: a temporary failure" \
    '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
    ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' '>x\r\n.\r\n' '<~4[0-9][0-9] 4\.[0-9]+\.[0-9]+ .*' \
    '>QUIT\r\n' '<221'
done
for code in 11 31; do
  echo "$code" > "$T/fakeq.code"
  smtp_ok "qmail-queue exit $code: a permanent failure" \
    '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
    ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' '>x\r\n.\r\n' '<~5[0-9][0-9] 5\.[0-9]+\.[0-9]+ .*' \
    '>QUIT\r\n' '<221'
done
smtpd_stop
smtpd_start

# --- no users/rcpt.cdb: every recipient at a local domain is accepted ------------------
[ -f "$I/users/rcpt.cdb" ] && fail "the new instance has a users/rcpt.cdb"
smtp_ok "recipients without a database" \
  '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<>\r\n' '<250 2.1.0' \
  '>RCPT TO:<nosuchuser@localhost>\r\n' '<250 2.1.5' \
  '>RCPT TO:<postmaster@LOCALHOST>\r\n' '<250 2.1.5' \
  '>RCPT TO:<postmaster>\r\n' '<250 2.1.5' \
  '>QUIT\r\n' '<221'

# --- IPv6: qmail-smtpd run as an IPv6 tcpserver runs it ------------------------------
# (Debian's tcpserver is IPv4 only: the session runs over a socket pair with
# the environment an IPv6 tcpserver sets.) First the TCP* names holding
# IPv6 addresses, then PROTO=TCP6 with the TCP6* names of the IPv6 patches
# of ucspi-tcp, which name the variables after PROTO.
# v6_session N ENV...: a message "over ipv6 N" from six@[IPv6:2001:db8::25]
v6_session() {
  v6_n=$1
  shift
  "$PYTHON" tests/smtpraw.py -e -t 20 -x "cd $I && exec env - PATH=/usr/bin:/bin $* $I/bin/qmail-smtpd" \
    '<220' '>EHLO v6.example\r\n' '<250' \
    '>MAIL FROM:<six@[IPv6:2001:db8::25]>\r\n' '<250 2.1.0' \
    ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' \
    '>DATA\r\n' '<354' ">Subject: over ipv6 $v6_n\r\n\r\nsix\r\n.\r\n" '<250 2.0.0' '>QUIT\r\n' '<221' '<EOF' ||
    fail "a session over IPv6 ($*)"
  settle
  find_subject "$UM" "over ipv6 $v6_n"
  message_split "$FOUND"
  RCVD=`echo "$RCVD" | tr -s ' '`
  echo "$RCVD"
  # the domain is queued in lower case (qmail-smtpd(8))
  case `echo "$RP" | tr A-Z a-z` in
    "return-path: <six@[ipv6:2001:db8::25]>") ;;
    *) fail "Return-Path of the IPv6 message: $RP" ;;
  esac
  echo "$RCVD" | grep -q -E '^Received: from unknown \(HELO v6\.example\) \(2001:db8::25\) by (localhost|::1) with ESMTP; ' ||
    fail "the Received field does not name the IPv6 client and server ($*): $RCVD"
}
v6_session 1 PROTO=TCP TCPREMOTEIP=2001:db8::25 TCPREMOTEPORT=40000 TCPLOCALIP=::1 TCPLOCALPORT=25 TCPLOCALHOST=localhost
v6_session 2 PROTO=TCP6 TCP6REMOTEIP=2001:db8::25 TCP6REMOTEPORT=40000 TCP6LOCALIP=::1 TCP6LOCALPORT=25 TCP6LOCALHOST=localhost
pass
