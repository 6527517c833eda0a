#!/bin/sh
# Outbound SMTP smuggling end to end: a message queued by qmail-queue whose
# body holds CR . CR LF, LF . LF, CR LF . CR LF, a lone CR before a dot and
# a smuggled MAIL command goes qmail-send -> qmail-rspawn -> qmail-remote
# (MX from tests/fakedns.py) to tests/fakesmtp.py recording the raw bytes:
# between DATA and the final dot come exactly qmail-queue's Received line
# and the body with every line end made CR LF and every leading dot
# doubled, in one transaction; aiosmtpd, a real server, then stores one
# message holding the same lines.
. tests/lib.sh
. tests/lib_mx.sh
mx_setup
need_python_module aiosmtpd
{
  echo "smuggle.example MX 10 mx.smuggle.example"
  echo "mx.smuggle.example A 127.0.0.2"
  echo "real.example MX 10 mx.real.example"
  echo "mx.real.example A 127.0.0.3"
} > "$ZONE"
mx_start

printf 'Subject: s\n\na\r.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\nb\n.\nc\r\n.\r\nd\r.e\n.\rf\r\r\nlast' > "$T/msg"
# what must go between DATA and the final dot (after the Received line);
# a lone CR ends a line, so the dot after it is stuffed too
printf 'Subject: s\r\n\r\na\r\n..\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\nb\r\n..\r\nc\r\n..\r\nd\r\n..e\r\n..\r\nf\r\n\r\nlast\r\n' > "$T/want"

cat > "$T/srv" <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250 8BITMIME\r\n
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 250 queued
eof
X
fake 127.0.0.2 srv
send x@smuggle.example < "$T/msg"
wait_result x@smuggle.example success
has_text "127.0.0.2 accepted the message./Remote host said: 250 queued/" "$RESULT"
wait "$FAKE_PID" || fail "fakesmtp: `cat "$T/srv.err"`"
"$PYTHON" - "$T/srv.rec.1" "$T/want" <<'P' || fail "the bytes sent differ"
import re, sys
rec = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
m = re.fullmatch(rb"EHLO localhost\r\nMAIL FROM:<[^>\r\n]*@localhost>\r\nRCPT TO:<x@smuggle\.example>\r\nDATA\r\n"
                 rb"(Received: \(qmail [0-9]+ invoked [^)\r\n]*\); [^\r\n]*\r\n)(.*)\.\r\nQUIT\r\n", rec, re.S)
if not m:
    sys.exit("unexpected dialogue: %r" % rec)
if m.group(2) != want:
    sys.exit("data: %r\nwanted: %r" % (m.group(2), want))
P

# a real server sees one message, with those lines
sink 127.0.0.3 "$T/real"
send x@real.example < "$T/msg"
wait_result x@real.example success
assert_eq "1.data 1.env" "`ls "$T/real" | tr '\n' ' ' | sed 's/ $//'`" "files of the real server"
grep -q -x 'rcpt x@real.example' "$T/real/1.env" || fail "envelope: `cat "$T/real/1.env"`"
# aiosmtpd undoes the stuffing
sed 's/^\.\././' "$T/want" > "$T/unstuffed"
tail -n +2 "$T/real/1.data" | cmp -s "$T/unstuffed" - || { od -c "$T/real/1.data"; fail "aiosmtpd stored other bytes"; }
wait_for 20 queue_empty || fail "left in the queue: `queue_files`"
pass
