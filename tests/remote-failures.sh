#!/bin/sh
# Remote delivery failures end to end (security-tests.md 4(f), F1-F4, F7,
# F9, F12, F15): messages queued in a running instance go qmail-send ->
# qmail-rspawn -> qmail-remote -> tests/fakedns.py -> tests/fakesmtp.py,
# each case at a domain and MX address of its own. For each the result line
# of qmail-send's log (the report text and its #x.y.z code) and what became
# of the message: still queued after a deferral, a failure notice naming
# the recipient and the reason in the sender's Maildir after a failure.
# Refused connects (no tcpto entry), 4xx/5xx at the greeting, MAIL, RCPT
# (250/550/451 in one transaction: delivered once, bounced, retried),
# DATA and after the final dot; a drop mid-DATA whose retry delivers one
# complete copy (to aiosmtpd); stalls (possible duplicate after the dot);
# garbage and endless replies; DNS timeout, SERVFAIL, NXDOMAIN, null MX,
# implicit MX, an MX on this host, a CNAME loop; a remote 550 for a bounce
# (null sender): no notice to <>, one double bounce to postmaster.
# timeout: 300
. tests/lib.sh
. tests/lib_mx.sh
mx_setup
need_programs qmail-tcpto
need_python_module aiosmtpd
echo 3 > "$I/control/timeoutremote"
echo 3 > "$I/control/timeoutconnect"
PM=`mailbox "$I" postmaster`

# domain NAME IP: NAME.example has one MX, mx.NAME.example at IP
domain() {
  echo "$1.example MX 10 mx.$1.example"
  echo "mx.$1.example A $2"
}
{
  echo "refused.example MX 10 mx1.refused.example"
  echo "refused.example MX 20 mx2.refused.example"
  echo "mx1.refused.example A 127.0.0.10"
  echo "mx2.refused.example A 127.0.0.11"
  domain g554 127.0.0.12
  domain g421 127.0.0.13
  domain m451 127.0.0.14
  domain m550 127.0.0.15
  domain rcpt 127.0.0.16
  domain d554 127.0.0.17
  domain d451 127.0.0.18
  domain e552 127.0.0.19
  domain e451 127.0.0.20
  domain drop 127.0.0.21
  domain stall 127.0.0.22
  domain gstall 127.0.0.23
  domain garbage 127.0.0.24
  domain flood 127.0.0.25
  domain bb 127.0.0.26
  domain dropdot 127.0.0.28
  echo "implicit.example A 127.0.0.27"
  domain self 127.0.0.1
  echo "dnstimeout.example timeout"
  echo "servfail.example servfail"
  echo "nullmx.example MX 0 ."
  echo "loop.example CNAME loop2.example"
  echo "loop2.example CNAME loop.example"
} > "$ZONE"
mx_start

# dlg NAME STEP...: writes $T/NAME, a server that greets with the first
# STEP and answers each later command with the next: a reply text, "data"
# (read the message up to the final dot), "-" (drop the connection),
# "stall" (answer nothing more); it reads until the client closes
dlg() {
  dl_f=$T/$1
  shift
  dl_first=1
  dl_prev=
  {
    for r in "$@"; do
      [ -z "$dl_first" ] && [ "$dl_prev" != data ] && echo line
      dl_first=
      dl_prev=$r
      case $r in
        -) echo drop; break ;;
        stall) echo stall; break ;;
        data) echo data ;;
        *) echo "reply $r" ;;
      esac
    done
    case $r in -|stall) ;; *) echo eof ;; esac
  } > "$dl_f"
}
OK='250 fake'
dlg g554 '554 5.7.1 go away'
dlg g421 '421 4.3.2 busy'
dlg m451 '220 fake' "$OK" '451 4.3.0 sender later'
dlg m550 '220 fake' "$OK" '550 5.7.1 sender refused'
dlg rcpt '220 fake' "$OK" '250 ok' '250 ok' '550 5.1.1 no such user' '451 4.2.1 mailbox busy' '354 go' data '250 queued as 1'
dlg d554 '220 fake' "$OK" '250 ok' '250 ok' '554 5.5.1 no DATA for you'
dlg d451 '220 fake' "$OK" '250 ok' '250 ok' '451 4.3.0 no DATA now'
dlg e552 '220 fake' "$OK" '250 ok' '250 ok' '354 go' data '552 5.3.4 too big'
dlg e451 '220 fake' "$OK" '250 ok' '250 ok' '354 go' data '451 4.3.0 try later'
dlg drop '220 fake' "$OK" '250 ok' '250 ok' '354 go' -
dlg dropdot '220 fake' "$OK" '250 ok' '250 ok' '354 go' data -
dlg stall '220 fake' "$OK" '250 ok' '250 ok' '354 go' data stall
dlg gstall stall
dlg garbage '220 fake' 'abc ok'
printf 'reply 220 fake\nline\nsend 250 \nflood 10485760 y\nstall\n' > "$T/flood"
dlg bb '220 fake' "$OK" '250 ok' '550 5.1.1 no such user'
fake 127.0.0.12 g554
fake 127.0.0.13 g421
fake 127.0.0.14 m451
fake 127.0.0.15 m550
fake 127.0.0.16 rcpt
fake 127.0.0.17 d554
fake 127.0.0.18 d451
fake 127.0.0.19 e552
fake 127.0.0.20 e451
fake 127.0.0.21 drop
DROP_PID=$FAKE_PID
fake 127.0.0.28 dropdot
DROPDOT_PID=$FAKE_PID
fake 127.0.0.22 stall
fake 127.0.0.23 gstall
fake 127.0.0.24 garbage
fake 127.0.0.25 flood
fake 127.0.0.26 bb
sink 127.0.0.27 "$T/implicit"

msg() { printf 'Subject: %s\n\nbody of %s\n' "$1" "$1"; }
for d in refused g554 g421 m451 m550 d554 d451 e552 e451 stall gstall garbage flood implicit \
  self dnstimeout servfail nx nullmx loop; do
  msg $d | send x@$d.example
done
msg rcpt | send ok@rcpt.example no@rcpt.example later@rcpt.example
# the server drops after one line of 32 MB: more than the socket buffers
# hold, so the writes fail before the final dot
{ msg drop; head -c 33554432 /dev/zero | tr "\0" z | fold -w 76; echo; } > "$T/dropmsg"
send x@drop.example < "$T/dropmsg"
msg dropdot > "$T/dropdotmsg"
send x@dropdot.example < "$T/dropdotmsg"
# a bounce (null sender) that the remote refuses
msg bb | queue_msg "$I" "" x@bb.example || fail "qmail-queue exited $?"

# deferral RCPT TEXT...: the last result for RCPT is a deferral holding each
# TEXT, and RCPT is still queued
deferral() {
  df_r=$1
  shift
  wait_result "$df_r" deferral
  for t in "$@"; do has_text "$t" "$RESULT"; done
  in_queue "$df_r" || fail "$df_r is not queued after the deferral"
}
# failure RCPT TEXT...: a failure holding each TEXT, and a notice naming
# RCPT whose reason holds the first TEXT
failure() {
  fl_r=$1
  shift
  wait_result "$fl_r" failure
  for t in "$@"; do has_text "$t" "$RESULT"; done
  notice_for "$fl_r"
  grep -q -F -e "$1" "$NOTICE" || { cat "$NOTICE"; fail "the notice for $fl_r does not say '$1'"; }
}

deferral x@refused.example "Unable to connect to 127.0.0.11 port $MXPORT: Connection refused. (#4.4.1)"
[ -z "`"$I/bin/qmail-tcpto"`" ] || fail "refused connects in the tcpto table: `"$I/bin/qmail-tcpto"`"
failure x@g554.example "Connected to 127.0.0.12 but its greeting was a refusal." "Remote host said: 554 5.7.1 go away"
deferral x@g421.example "Connected to 127.0.0.13 but its greeting was a refusal./Remote host said: 421 4.3.2 busy/"
deferral x@m451.example "Connected to 127.0.0.14 but the sender was refused./Remote host said: 451 4.3.0 sender later/"
failure x@m550.example "Connected to 127.0.0.15 but the sender was refused." "Remote host said: 550 5.7.1 sender refused"
failure x@d554.example "Connected to 127.0.0.17 but it refused the DATA command." "Remote host said: 554 5.5.1 no DATA for you"
deferral x@d451.example "Connected to 127.0.0.18 but it refused the DATA command./Remote host said: 451 4.3.0 no DATA now/"
failure x@e552.example "Connected to 127.0.0.19 but it refused the message after the final dot." "Remote host said: 552 5.3.4 too big"
deferral x@e451.example "Connected to 127.0.0.20 but it refused the message after the final dot./Remote host said: 451 4.3.0 try later/"
deferral x@stall.example "Connected to 127.0.0.22 but it timed out waiting for the reply to the end of the message." \
  "(possible duplicate). (#4.4.2)"
deferral x@gstall.example "Connected to 127.0.0.23 but it sent no greeting in time. (#4.4.2)"
deferral x@garbage.example "Connected to 127.0.0.24 but its reply to EHLO broke the SMTP reply syntax. (#4.5.0)"
deferral x@flood.example "Connected to 127.0.0.25 but it timed out waiting for the reply to EHLO."
# each text one sentence; a soft failure names the DNS server and what it did
DNS="127.0.0.1 port `cat "$T/dnsport"`"
deferral x@dnstimeout.example "A temporary DNS problem stopped the lookup of dnstimeout.example (no answer from $DNS). (#4.1.2)/"
deferral x@servfail.example "A temporary DNS problem stopped the lookup of servfail.example ($DNS answered SERVFAIL). (#4.1.2)/"
failure x@nx.example "The domain does not exist: nx.example" "The domain does not exist: nx.example. (#5.1.2)/"
failure x@nullmx.example "The domain accepts no mail (null MX): nullmx.example" \
  "The domain accepts no mail (null MX): nullmx.example. (#5.1.10)/"
failure x@self.example "This host is a best-preference MX of the domain, which is not in control/locals" \
  "This host is a best-preference MX of the domain, which is not in control/locals or control/virtualdomains: self.example. (#5.4.6)/"
failure x@loop.example "The domain cannot be looked up: loop.example" \
  "The domain cannot be looked up: loop.example (a CNAME chain that is too long, loops or leads to a name that is not a host name). (#5.1.2)/"
# no MX: the A record is the implicit MX
wait_result x@implicit.example success
has_text "127.0.0.27 accepted the message./Remote host said: 250 2.0.0 stored 1/" "$RESULT"
grep -q -x 'rcpt x@implicit.example' "$T/implicit/1.env" || fail "implicit MX: `cat "$T/implicit/1.env"`"

# RCPT 250/550/451: ok delivered once, no bounced, later retried alone
wait_result ok@rcpt.example success
has_text "127.0.0.16 accepted the message./Remote host said: 250 queued as 1/" "$RESULT"
wait_result no@rcpt.example failure
has_text "550 5.1.1 no such user" "$RESULT"
deferral later@rcpt.example "451 4.2.1 mailbox busy"
rec=$T/rcpt.rec.1
grep -c '^RCPT TO:' "$rec" | grep -q -x 3 || fail "RCPTs: `cat "$rec"`"
assert_eq 1 "`grep -c '^DATA' "$rec"`" "DATA commands"
assert_eq 1 "`grep -c '^body of rcpt' "$rec"`" "copies sent"
in_queue ok@rcpt.example && fail "ok@rcpt.example still queued"
in_queue no@rcpt.example && fail "no@rcpt.example still queued"
# the drop mid-DATA: deferred, nothing marked done
deferral x@drop.example "Connected to 127.0.0.21 but the connection died during the message transfer. (#4.4.2)/"
wait "$DROP_PID"
# the drop after the final dot, before the reply: deferred, possible duplicate
deferral x@dropdot.example "Connected to 127.0.0.28 but the connection died during the end of the message." \
  "(possible duplicate). (#4.4.2)"
wait "$DROPDOT_PID"
assert_eq 1 "`grep -c '^body of dropdot' "$T/dropdot.rec.1"`" "copies sent before the drop after the dot"
tail -c 5 "$T/dropdot.rec.1" | od -c | grep -q '\\r  \\n   .  \\r  \\n' || fail "the final dot was not sent"
dlg rcpt2 '220 fake' "$OK" '250 ok' '250 ok' '354 go' data '250 queued as 2'
fake 127.0.0.16 rcpt2
R2_PID=$FAKE_PID
sink 127.0.0.21 "$T/dropsink"
sink 127.0.0.28 "$T/dropdotsink"
svc -a "$I/service/qmail-send"
wait_result later@rcpt.example success
has_text "127.0.0.16 accepted the message./Remote host said: 250 queued as 2/" "$RESULT"
wait "$R2_PID" || fail "the second server: `cat "$T/rcpt2.err"`"
grep '^RCPT TO:' "$T/rcpt2.rec.1" > "$T/rcpts2"
assert_eq 'RCPT TO:<later@rcpt.example>' "`tr -d '\r' < "$T/rcpts2"`" "RCPTs of the retry"
assert_eq 1 "`results ok@rcpt.example | grep -c ' success: '`" "deliveries to ok@rcpt.example"
notice_for no@rcpt.example
grep -q -F 'Remote host said: 550 5.1.1 no such user' "$NOTICE" || fail "no reason in the notice for no@"
grep -q '^<\(ok\|later\)@rcpt.example>:$' "$NOTICE" && fail "the notice names more than no@rcpt.example"
# the retry after the drop: one complete copy
wait_result x@drop.example success
has_text "127.0.0.21 accepted the message." "$RESULT"
assert_eq 1 "`ls "$T/dropsink" | grep -c '\.env$'`" "transactions after the drop"
sed 's/$/\r/' "$T/dropmsg" > "$T/want"
tail -n +2 "$T/dropsink/1.data" | cmp -s "$T/want" - || fail "the copy after the drop differs"
# the retry after the drop after the dot: a second copy (RFC 1047)
wait_result x@dropdot.example success
has_text "127.0.0.28 accepted the message." "$RESULT"
sed 's/$/\r/' "$T/dropdotmsg" > "$T/want"
tail -n +2 "$T/dropdotsink/1.data" | cmp -s "$T/want" - || fail "the copy after the drop after the dot differs"

# the bounce refused: no notice to <>, one double bounce to postmaster
wait_result x@bb.example failure
has_text "550 5.1.1 no such user" "$RESULT"
wait_for 30 maildir_has "$PM" 1 || fail "no double bounce for postmaster"
find "$PM/new" -type f -exec grep -l -F -x '<x@bb.example>:' {} + > "$T/dbl"
assert_eq 1 "`grep -c . "$T/dbl"`" "double bounces naming x@bb.example"
grep -q -F 'Remote host said: 550 5.1.1 no such user' "`cat "$T/dbl"`" || fail "no reason in the double bounce"
[ -z "`notices_for x@bb.example`" ] || fail "a notice for the bounce went to the sender"
# once: another pass changes nothing
wait_for 20 sh -c "! grep -q -r -F -e 'Tx@bb.example' '$I/queue/remote'" || fail "x@bb.example still queued"
# (a pass has run once x@refused.example was deferred again)
nref=`results x@refused.example | grep -c ' deferral: '`
svc -a "$I/service/qmail-send"
more_deferrals() { [ "`results x@refused.example | grep -c ' deferral: '`" -gt "$nref" ]; }
wait_for 30 more_deferrals || fail "no pass after ALRM"
wait_for 5 sh -c "! ls '$I'/queue/bounce/*/* > /dev/null 2>&1" || fail "a bounce file is left"
[ -z "`notices_for x@bb.example`" ] || fail "a notice for the bounce went to the sender"
assert_eq 1 "`find "$PM/new" "$PM/cur" -type f -exec grep -l -F -x '<x@bb.example>:' {} + | wc -l | tr -d ' '`" "double bounces after another pass"
pass
