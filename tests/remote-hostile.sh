#!/bin/sh
# qmail-remote against a hostile tests/fakesmtp.py, and hostile argv:
# addresses carrying CR, LF or other control bytes never reach the wire
# (no command injection); DATA, MAIL and the final dot take only the
# replies RFC 5321 allows for success (a 250 to DATA never makes the body
# go out as commands; a 354 after the dot is no delivery); an EHLO reply
# cut at its size cap never yields a SIZE limit from a partial line; long
# refusals never push the message report out of what qmail-rspawn keeps.
. tests/lib.sh
. tests/lib_remote.sh
remote_setup
printf 'Subject: t\n\nRCPT TO:<evil@example.net>\n' > "$T/msg"
CR=`printf '\r'`
NL='
'

# a recipient with CR LF inside: refused for good before any connection,
# the good recipient still delivered, and no injected command on the wire
script inj <<'X'
reply 220 fake ESMTP
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
eof
X
serve "$T/inj"
remote a@b.example "a@b>$CR${NL}RCPT TO:<c@d" x@example.com
out_is 'hThe address <a@b>??RCPT TO:<c@d> holds a control character, which SMTP cannot carry. (#5.1.3)\n\0r\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nRCPT TO:<evil@example.net>\r\n.\r\nQUIT\r\n'

# the same, pipelined, with a bare CR and a TAB
script injp <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250 PIPELINING\r\n
lines 3
send 250 ok\r\n250 ok\r\n354 go\r\n
data
reply 250 queued
eof
X
serve "$T/injp"
remote a@b.example "c${CR}DATA@d" x@example.com "t	ab@example.com"
out_is 'hThe address <c?DATA@d> holds a control character, which SMTP cannot carry. (#5.1.3)\n\0r\0hThe address <t?ab@example.com> holds a control character, which SMTP cannot carry. (#5.1.3)\n\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: t\r\n\r\nRCPT TO:<evil@example.net>\r\n.\r\nQUIT\r\n'

# only bad recipients, or a bad sender: D without connecting
port=`free_port`
echo "example.com:127.0.0.1:$port" > "$I/control/smtproutes"
remote a@b.example "x${NL}y@example.com"
out_is 'hThe address <x?y@example.com> holds a control character, which SMTP cannot carry. (#5.1.3)\n\0DNone of the recipients can be sent by SMTP. (#5.1.3)\n\0'
remote "a@b${CR}${NL}RSET" x@example.com
out_is 'DThe sender <a@b??RSET> holds a control character, which SMTP cannot carry. (#5.1.3)\n\0'

# a 250 to DATA: the body is never sent, Z
script data250 <<'X'
reply 220 fake ESMTP
line
reply 250 fake
line
reply 250 ok
line
reply 250 ok
line
reply 250 DATA ok
eof
X
serve "$T/data250"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but it answered DATA with 250 instead of 354 (out of step). (#4.5.0)\nRemote host said: 250 DATA ok\n\0'
rec_is 'EHLO localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n'

# a 354 to MAIL is no success
script mail354 <<'X'
reply 220 fake ESMTP
line
reply 250 fake
line
reply 354 what
eof
X
serve "$T/mail354"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the sender was refused.\nRemote host said: 354 what\n\0'

# a 354 after the final dot is no delivery
script dot354 <<'X'
reply 220 fake ESMTP
line
reply 250 fake
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 354 again
eof
X
serve "$T/dot354"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but it refused the message after the final dot.\nRemote host said: 354 again\n\0'

# long refusals and a long final reply: the output still fits what
# qmail-rspawn keeps for three recipients (10000 + 2 * 1000 bytes), so the
# K report is never cut off (the accepted recipient would be sent again)
script long <<'X'
reply 220 fake ESMTP
line
send 250-fake\r\n250 PIPELINING\r\n
lines 5
send 250 ok\r\n250 ok\r\n550 x
flood 6000 n
send \r\n550 x
flood 6000 m
send \r\n354 go\r\n
data
send 250 x
flood 6000 q
send \r\n
eof
X
serve "$T/long"
remote a@b.example x@example.com "`awk 'BEGIN { while (n++ < 3000) printf "y" }'`@example.com" z@example.com
size=`wc -c < "$T/out" | tr -d ' '`
[ "$size" -le 12000 ] || fail "output of $size bytes for 3 recipients"
tr "\\0" "\\n" < "$T/out" | grep -q "^K127.0.0.1 accepted the message.$" || { tr "\\0" "\\n" < "$T/out" | cut -c1-100; fail "no K report"; }
[ "`tr -cd '\0' < "$T/out" | wc -c`" = 4 ] || fail "not four reports"
head -c 2 "$T/out" | od -c | grep -q 'r  \\0' || fail "first recipient not r"

# an EHLO reply cut at 5000 bytes in the middle of "SIZE 10000000": the
# partial line ("SIZE 100000") is no limit, and 200 KB go out (without
# SIZE=: the keyword was not seen whole)
head -c 204800 /dev/zero | tr '\0' 'x' | fold -w 70 > "$T/msg"
script ehlocut <<'X'
reply 220 fake ESMTP
line
send 250-
flood 4980 g
send \r\n250-SIZE 10000000\r\n250 8BITMIME\r\n
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
serve "$T/ehlocut"
remote a@b.example x@example.com
out_is 'r\0K127.0.0.1 accepted the message.\nRemote host said: 250 queued\n\0'
grep -q "^MAIL FROM:<a@b.example>`printf "\\r"`$" "$T/rec.1" || fail "MAIL: `grep MAIL "$T/rec.1"`"

pass
