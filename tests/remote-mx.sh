#!/bin/sh
# Remote delivery end to end: messages queued in a running instance go
# qmail-send -> qmail-rspawn -> qmail-remote -> DNS (tests/fakedns.py) ->
# a real SMTP server no one here wrote (aiosmtpd, tests/aiosmtpd_sink.py) on
# the MX host. What the server got must be the queued message with LF made
# CR LF, byte for byte (aiosmtpd undoes the dot-stuffing): a plain message,
# 8-bit (BODY=8BITMIME), UTF-8 envelope and header (SMTPUTF8), 50 MB; three
# recipients at one domain in one transaction; IPv6 through smtproutes
# [::1]:PORT; MX failover when the better MX refuses connections or greets
# 421. Each message leaves the queue, and the sender gets no notice.
# timeout: 400
. tests/lib.sh
. tests/lib_mx.sh
mx_setup
need_python_module aiosmtpd
S=$T/sink
{
  for d in plain 8bit utf8 big three; do
    echo "$d.example MX 10 mx.$d.example"
    echo "mx.$d.example A 127.0.0.2"
  done
  # failover: the better MX has nothing listening, or greets 421
  echo "refuse.example MX 10 mx1.refuse.example"
  echo "refuse.example MX 20 mx2.refuse.example"
  echo "mx1.refuse.example A 127.0.0.3"
  echo "mx2.refuse.example A 127.0.0.2"
  echo "busy.example MX 20 mx2.busy.example"
  echo "busy.example MX 5 mx1.busy.example"
  echo "mx1.busy.example A 127.0.0.4"
  echo "mx2.busy.example A 127.0.0.2"
} > "$ZONE"
mx_start
sink 127.0.0.2 "$S"

# envelope_of RCPT: EF, the sink's .env file holding RCPT (exactly one)
envelope_of() {
  EF=`grep -l -F -x -e "rcpt $1" "$S"/*.env 2>/dev/null`
  assert_eq 1 "`echo "$EF" | grep -c .`" "transactions with $1"
}
# data_is RCPT MSG: the server got the Received line of qmail-queue, then
# MSG with every LF made CR LF
data_is() {
  envelope_of "$1"
  di=${EF%.env}.data
  head -n 1 "$di" | grep -q '^Received: (qmail [0-9]* invoked [^)]*); .*'"`printf '\r'`"'$' ||
    fail "first line for $1: `head -n 1 "$di" | od -c | head -n 3`"
  sed 's/$/\r/' "$2" > "$T/want"
  tail -n +2 "$di" > "$T/got"
  cmp -s "$T/want" "$T/got" || { od -c "$T/want" | head; od -c "$T/got" | head; fail "data for $1 differs"; }
}
# delivered RCPT: a success through 127.0.0.2 (the sink), no deferral
delivered() {
  wait_result "$1" success
  has_text "127.0.0.2 accepted the message./Remote host said: 250 2.0.0 stored" "$RESULT"
  [ -z "`results "$1" | grep -v ' success: '`" ] || fail "other results for $1: `results "$1"`"
}

# plain
printf 'Subject: plain\nTo: a@plain.example\n\nhello\n.\n..two dots\n' > "$T/m1"
send a@plain.example < "$T/m1"
delivered a@plain.example
data_is a@plain.example "$T/m1"
envelope_of a@plain.example
e=$EF
grep -q -x "from $ME@localhost" "$e" || fail "sender: `cat "$e"`"
grep -q -x 'helo localhost' "$e" || fail "helo: `cat "$e"`"
assert_eq "`wc -c < "${e%.env}.data" | tr -d ' '`" "`sed -n 's/^mailopt SIZE=//p' "$e"`" "SIZE (CR LF, no dot-stuffing)"
grep -q '^mailopt BODY=' "$e" && fail "BODY for a 7-bit message: `cat "$e"`"

# 8-bit body: BODY=8BITMIME
printf 'Subject: 8bit\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf\351 \377\200\n' > "$T/m2"
send b@8bit.example < "$T/m2"
delivered b@8bit.example
data_is b@8bit.example "$T/m2"
envelope_of b@8bit.example
grep -q -x 'mailopt BODY=8BITMIME' "$EF" || fail "no BODY=8BITMIME"

# UTF-8 sender, recipient and header: SMTPUTF8
printf 'Subject: gr\303\274\303\237e\nFrom: j\303\266rg@localhost\n\n\342\202\254 100\n' > "$T/m3"
us=`printf 'j\303\266rg@localhost'`
ur=`printf 'd\303\251p\303\264t@utf8.example'`
queue_msg "$I" "$us" "$ur" < "$T/m3" || fail "qmail-queue exited $?"
wait_for 60 sh -c "ls '$S'/*.env | wc -l | grep -q -x 3" || fail "the UTF-8 message did not arrive"
mx_logs | grep -q 'delivery [0-9]*: success: 127.0.0.2_accepted_the_message./Remote_host_said:_250_2.0.0_stored_3/' ||
  fail "no success for the UTF-8 message: `mx_logs | tail -n 5`"
data_is "$ur" "$T/m3"
envelope_of "$ur"
e=$EF
grep -q -x "from $us" "$e" || fail "UTF-8 sender: `cat "$e"`"
grep -q -x 'mailopt SMTPUTF8' "$e" || fail "no SMTPUTF8: `cat "$e"`"
grep -q -x 'mailopt BODY=8BITMIME' "$e" || fail "no BODY=8BITMIME with SMTPUTF8: `cat "$e"`"

# three recipients at one domain: one transaction, three RCPTs, in order
printf 'Subject: three\n\nfor three\n' > "$T/m4"
send r1@three.example r2@three.example r3@THREE.example < "$T/m4"
for r in r1@three.example r2@three.example r3@THREE.example; do delivered $r; done
envelope_of r1@three.example
e=$EF
envelope_of r2@three.example
[ "$EF" = "$e" ] || fail "not one transaction"
envelope_of r3@THREE.example
[ "$EF" = "$e" ] || fail "not one transaction"
assert_eq 'r1@three.example r2@three.example r3@THREE.example' "`sed -n 's/^rcpt //p' "$e" | tr '\n' ' ' | sed 's/ $//'`" "RCPTs"
data_is r2@three.example "$T/m4"

# MX failover: nothing listens on the better MX; the better MX greets 421
printf 'Subject: refuse\n\nfailover 1\n' > "$T/m5"
send c@refuse.example < "$T/m5"
delivered c@refuse.example
data_is c@refuse.example "$T/m5"
printf 'reply 421 4.3.2 mx1 busy\nline\neof\n' > "$T/busy"
fake 127.0.0.4 busy
printf 'Subject: busy\n\nfailover 2\n' > "$T/m6"
send d@busy.example < "$T/m6"
delivered d@busy.example
data_is d@busy.example "$T/m6"
wait "$FAKE_PID" || fail "the 421 server: `cat "$T/busy.err"`"
printf 'QUIT\r\n' | cmp -s - "$T/busy.rec.1" || { od -c "$T/busy.rec.1"; fail "the 421 server got more than QUIT"; }

# 50 MB, with dot lines and 8-bit bytes, byte for byte
"$PYTHON" - "$T/m7" <<'P'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"Subject: big\nContent-Transfer-Encoding: 8bit\n\n")
    n, i = 0, 0
    while n < 50 * 1024 * 1024:
        line = (b"." if i % 7 == 0 else b"") + (b"%08d " % i) + bytes((32 + (i * 13 + k) % 224) % 256 for k in range(i % 90)) + b"\n"
        line = line.replace(b"\x7f", b"~")
        f.write(line)
        n += len(line)
        i += 1
P
send e@big.example < "$T/m7"
wait_result e@big.example success
has_text "127.0.0.2 accepted the message." "$RESULT"
envelope_of e@big.example
e=$EF
d=${e%.env}.data
want=`sed 's/$/\r/' "$T/m7" | sha256sum | cut -d' ' -f1`
got=`tail -n +2 "$d" | sha256sum | cut -d' ' -f1`
assert_eq "$want" "$got" "sha256 of the 50 MB message"
head -n 1 "$d" | grep -q '^Received: (qmail ' || fail "no Received line on the 50 MB message"
assert_eq "`wc -c < "$d" | tr -d ' '`" "`sed -n 's/^mailopt SIZE=//p' "$e"`" "SIZE of the 50 MB message"

# IPv6: smtproutes [::1]:PORT to aiosmtpd on ::1
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
  S6=$T/sink6
  sink ::1 "$S6"
  echo "v6.example:[::1]:$MXPORT" > "$I/control/smtproutes"
  printf 'Subject: v6\n\nover IPv6\n' > "$T/m8"
  send f@v6.example < "$T/m8"
  wait_result f@v6.example success
  has_text "::1 accepted the message." "$RESULT"
  e=`grep -l -F -x 'rcpt f@v6.example' "$S6"/*.env` || fail "nothing on ::1"
  grep -q -x 'peer ::1' "$e" || fail "peer: `cat "$e"`"
  sed 's/$/\r/' "$T/m8" > "$T/want"
  tail -n +2 "${e%.env}.data" | cmp -s "$T/want" - || fail "data over IPv6"
  v6=ok
else
  v6="skipped (no ::1)"
fi

# every message left the queue; no notice came back
wait_for 30 queue_empty || fail "left in the queue: `queue_files`"
assert_eq 0 "`maildir_count "$MB"`" "notices in the sender's Maildir"
pass "IPv6: $v6"
