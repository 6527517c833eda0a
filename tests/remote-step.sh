#!/bin/sh
# qmail-remote against a tests/fakesmtp.py whose replies are cut off or
# come unasked: a reply line that the close cuts before its LF ("250 ok"
# then a close) is a lost connection, never a success, at every step, and
# after the final dot a possible duplicate; replies beyond what was asked
# (more replies than pipelined commands, a second greeting, an EHLO reply
# followed by another) are a protocol error (out of step) before the next
# command or the body goes out, and the body never goes out then. The
# port of a refused connect is named unless it is 25.
. tests/lib.sh
. tests/lib_remote.sh
remote_setup
echo 3 > "$I/control/timeoutremote"
printf 'Subject: t\n\nhello\n' > "$T/msg"
DUP=' The message may have been delivered all the same: sending it again may make a duplicate (possible duplicate).'

# the final reply without CR LF, then a close: Z, possible duplicate (it
# was K, the cut line taken as a whole reply)
script cutdot <<'X'
reply 220 fake
line
reply 250 fake
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
send 250 ok
drop
X
serve "$T/cutdot"
remote a@b.example x@example.com
out_is "r\\0ZConnected to 127.0.0.1 but the connection died during the end of the message.$DUP (#4.4.2)\\n\\0"
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\n'

# with CR but no LF: the same
sed 's/^send 250 ok$/send 250 ok\\r/' "$T/cutdot" > "$T/cutdotcr"
serve "$T/cutdotcr"
remote a@b.example x@example.com
out_is "r\\0ZConnected to 127.0.0.1 but the connection died during the end of the message.$DUP (#4.4.2)\\n\\0"

# cut replies earlier: the greeting (next address: none left), EHLO, a
# pipelined RCPT, the 354 to DATA
printf 'send 220 fake\ndrop\n' > "$T/cutg"
serve "$T/cutg"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the connection died before the greeting. (#4.4.2)\n\0'
printf 'reply 220 fake\nline\nsend 250 fake\ndrop\n' > "$T/cute"
serve "$T/cute"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the connection died during EHLO. (#4.4.2)\n\0'
script cutp <<'X'
reply 220 fake
line
send 250-fake\r\n250 PIPELINING\r\n
lines 3
send 250 ok\r\n250 ok
drop
X
serve "$T/cutp"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the connection died during RCPT. (#4.4.2)\n\0'
script cutd <<'X'
reply 220 fake
line
reply 250 fake
line
reply 250 ok
line
reply 250 ok
line
send 354 go
drop
X
serve "$T/cutd"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but the connection died during DATA. (#4.4.2)\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n'

# pipelined MAIL, RCPT, DATA answered by one reply too many: out of step
# before the body, which never goes out (it went out, and the extra 250
# was taken as the reply to the final dot: K)
script extra <<'X'
reply 220 fake
line
send 250-fake\r\n250 PIPELINING\r\n
lines 3
send 250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 queued before the body came\r\n
eof
X
serve "$T/extra"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but it sent more than was asked for before the message (out of step). (#4.5.0)\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n'

# the same, with the extra bytes only the start of a line
sed 's/250 2.0.0 queued before the body came\\r\\n$/2/' "$T/extra" > "$T/extra2"
serve "$T/extra2"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but it sent more than was asked for before the message (out of step). (#4.5.0)\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n'

# without PIPELINING: an EHLO reply followed by another reply, and a
# greeting followed by a second one
printf 'reply 220 fake\nline\nsend 250 fake\\r\\n250 again\\r\\n\neof\n' > "$T/extrae"
serve "$T/extrae"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but it sent more than was asked for before MAIL (out of step). (#4.5.0)\n\0'
rec_is 'EHLO localhost\r\n'
printf 'send 220 fake\\r\\n220 again\\r\\n\neof\n' > "$T/extrag"
serve "$T/extrag"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but it sent more than was asked for before EHLO (out of step). (#4.5.0)\n\0'
rec_is ''

# a greeting that comes in pieces is one greeting: delivered
script slowg <<'X'
send 220-fake
trickle 0.05 \r\n220-more\r\n
send 220 end\r\n
line
reply 250 fake
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 250 queued
line
X
serve "$T/slowg"
remote a@b.example x@example.com
out_is 'r\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n'

# port 25 is not named (only checked when nothing listens on 127.0.0.9:25)
"$I/bin/qmail-remote" '[127.0.0.9]' a@b.example x@example.com < "$T/msg" > "$T/out"
case `head -c 40 "$T/out"` in
  'ZUnable to connect to 127.0.0.9'*)
    out_is 'ZUnable to connect to 127.0.0.9: Connection refused. (#4.4.1)\n\0' ;;
esac
pass
