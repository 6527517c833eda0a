#!/bin/sh
# qmail-remote against tests/fakesmtp.py: the exact bytes sent and the
# exact reports for a plain delivery, PIPELINING, 8BITMIME, the HELO
# fallback, a mixture of recipient replies, SIZE, SMTPUTF8, the line
# discipline of the body (SMTP smuggling, outbound), and an IPv6 relay.
. tests/lib.sh
. tests/lib_remote.sh
remote_setup

# a plain message, no PIPELINING: SIZE= given as the server offers SIZE
printf 'Subject: t\n\nhello\n' > "$T/msg"
script plain <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250 SIZE 1000\r\n
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
serve "$T/plain"
remote a@b.example x@example.com
out_is 'r\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example> SIZE=21\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n'

# PIPELINING, 8BITMIME, three recipients: 250, 550, 451
printf 'Subject: caf\303\251\n\n.x\n' > "$T/msg"
script pipe <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n
lines 5
send 250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n451 4.2.1 later\r\n354 go\r\n
data
reply 250 queued
eof
X
serve "$T/pipe"
remote '' a@example.com b@example.com c@example.com
out_is 'r\0h127.0.0.1 refused the recipient <b@example.com>.\nRemote host said: 550 5.1.1 no such user\n\0s127.0.0.1 refused the recipient <c@example.com>.\nRemote host said: 451 4.2.1 later\n\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\nSubject: caf\303\251\r\n\r\n..x\r\n.\r\nQUIT\r\n'

# pipelined, every recipient refused for good: D, DATA answered, no message
script allrefused <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250 PIPELINING\r\n
lines 4
send 250 ok\r\n550 no\r\n553 no\r\n554 no valid recipients\r\n
eof
X
serve "$T/allrefused"
remote s@example.org a@example.com b@example.com
out_is 'h127.0.0.1 refused the recipient <a@example.com>.\nRemote host said: 550 no\n\0h127.0.0.1 refused the recipient <b@example.com>.\nRemote host said: 553 no\n\0DConnected to 127.0.0.1 but it accepted none of the recipients. (#5.0.0)\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nQUIT\r\n'

# EHLO 502: HELO; 8-bit body sent as it is, no BODY=; a local part quoted
printf 'x\200y\n' > "$T/msg"
script helo <<'X'
reply 220 fake
line
reply 502 5.5.1 no EHLO here
line
reply 250 hi
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 250 ok
eof
X
serve "$T/helo"
remote 'a b@example.org' x@example.com
out_is 'r\0K127.0.0.1 accepted the message.\nRemote host said: 250 ok\n\0'
rec_is 'EHLO localhost\r\nHELO localhost\r\nMAIL FROM:<"a b"@example.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nx\200y\r\n.\r\nQUIT\r\n'

# the smuggling body: every bare CR, LF . CR, CR . CR LF becomes a
# dot-stuffed CR LF line; the message ends where qmail-remote ends it
printf 'a\r.\r\nMAIL FROM:<evil>\n.\nb\r\n.\r\nc\n.\rd\re\r\r\nlast' > "$T/msg"
serve "$T/plain"
remote a@b.example x@example.com
out_has 'accepted the message.'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example> SIZE=53\r\nRCPT TO:<x@example.com>\r\nDATA\r\na\r\n..\r\nMAIL FROM:<evil>\r\n..\r\nb\r\n..\r\nc\r\n..\r\nd\r\ne\r\n\r\nlast\r\n.\r\nQUIT\r\n'

# SIZE too small: D before MAIL
printf 'Subject: t\n\nhello\n' > "$T/msg"
script small <<'X'
reply 220 fake
line
send 250-fake\r\n250 SIZE 10\r\n
eof
X
serve "$T/small"
remote a@b.example x@example.com
out_is 'DConnected to 127.0.0.1 but the message is 21 bytes and the server takes at most 10 (SIZE). (#5.3.4)\n\0'
rec_is 'EHLO localhost\r\nQUIT\r\n'

# a UTF-8 recipient: SMTPUTF8 on MAIL when offered, D when not
script utf8 <<'X'
reply 220 fake
line
send 250-fake\r\n250 SMTPUTF8\r\n
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 250 ok
eof
X
serve "$T/utf8"
remote a@b.example "`printf 'j\303\270rn@example.com'`"
out_is 'r\0K127.0.0.1 accepted the message.\nRemote host said: 250 ok\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example> SMTPUTF8\r\nRCPT TO:<j\303\270rn@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n'
script noutf8 <<'X'
reply 220 fake
line
send 250-fake\r\n250 8BITMIME\r\n
eof
X
serve "$T/noutf8"
remote a@b.example "`printf 'j\303\270rn@example.com'`"
out_is 'DConnected to 127.0.0.1 but the message requires SMTPUTF8 (an address is not ASCII), which the server does not offer. (#5.6.7)\n\0'
rec_is 'EHLO localhost\r\nQUIT\r\n'

# an IPv6 relay
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
  serve "$T/plain" -H ::1
  echo "example.com:[::1]:$PORT" > "$I/control/smtproutes"
  remote a@b.example x@example.com
  out_is 'r\0K::1 accepted the message.\nRemote host said: 250 queued\n\0'
  rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example> SIZE=21\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n'
  v6=tested
else
  v6="skipped (::1 unusable)"
fi

# a suffix route wins over the catch-all; a bad route defers
serve "$T/plain"
printf ':127.0.0.1:1\n.com:127.0.0.1:%s\n' "$PORT" > "$I/control/smtproutes"
remote a@b.example x@example.com
out_has 'accepted the message.'
fake_done
printf 'example.com:127.0.0.1:99999\n' > "$I/control/smtproutes"
remote a@b.example x@example.com
out_is 'ZUnable to parse the control/smtproutes entry for this host. (#4.3.5)\n\0'

pass "IPv6 $v6"
