#!/bin/sh
# qmail-remote against a hostile or failing tests/fakesmtp.py (F1-F10,
# F14): refusals at every step, drops before and after the final dot,
# stalls, trickles, garbage and mismatched reply codes, huge replies, a
# refused connect, and the timeout table with qmail-tcpto and qmail-tcpok.
. tests/lib.sh
. tests/lib_remote.sh
remote_setup
need_programs qmail-tcpto qmail-tcpok
echo 3 > "$I/control/timeoutremote"
printf 'Subject: t\n\nhello\n' > "$T/msg"
G='reply 220 fake'
E='line
reply 250 fake'

# step REPLY...: a server that answers the greeting, EHLO, MAIL, RCPT,
# DATA and the final dot with the first, second ... argument; "-" drops
dialogue() {
  {
    for r in "$@"; do
      case $r in
        -) echo drop; break ;;
        data) echo data ;;
        *) echo "reply $r"; echo line ;;
      esac
    done
    echo eof
  } > "$T/dlg"
  serve "$T/dlg"
}

# greeting refusals: 554 bounces, 421 defers (one address: it is the last)
dialogue '554 5.7.1 go away'
remote a@b.example x@example.com
out_is 'DConnected to 127.0.0.1 but its greeting was a refusal.\nRemote host said: 554 5.7.1 go away\n\0'
rec_is 'QUIT\r\n'
dialogue '421 busy'
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but its greeting was a refusal.\nRemote host said: 421 busy\n\0'

# MAIL, RCPT, DATA, final dot
dialogue '220 fake' '250 fake' '451 4.3.0 later'
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the sender was refused.\nRemote host said: 451 4.3.0 later\n\0'
dialogue '220 fake' '250 fake' '550 5.7.1 no'
remote a@b.example x@example.com
out_is 'DConnected to 127.0.0.1 but the sender was refused.\nRemote host said: 550 5.7.1 no\n\0'
dialogue '220 fake' '250 fake' '250 ok' '250 ok' '554 no data'
remote a@b.example x@example.com
out_is 'r\0DConnected to 127.0.0.1 but it refused the DATA command.\nRemote host said: 554 no data\n\0'
for c in '451 4.3.0 try later:Z' '552 5.3.4 too big:D'; do
  {
    echo "$G"; echo line; echo 'reply 250 fake'; echo line; echo 'reply 250 ok'; echo line
    echo 'reply 250 ok'; echo line; echo 'reply 354 go'; echo data; echo "reply ${c%:*}"; echo eof
  } > "$T/dlg"
  serve "$T/dlg"
  remote a@b.example x@example.com
  out_is "r\\0${c##*:}Connected to 127.0.0.1 but it refused the message after the final dot.\\nRemote host said: ${c%:*}\\n\\0"
done

# drop mid-DATA: Z. After 1 KB of a 1 MB message the kernel's socket
# buffers may have taken all of it, the final dot included, before the
# server's reset comes back: Z then, possibly with "possible duplicate"
# (the client cannot know). With 32 MB the writes must fail: Z, no
# "possible duplicate".
head -c 1048576 /dev/zero | tr '\0' 'x' | fold -w 70 > "$T/msg"
printf '%s\nline\nreply 250 fake\nline\nreply 250 ok\nline\nreply 250 ok\nline\nreply 354 go\nline\ndrop\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
head -c 3 "$T/out" | od -c | grep -q 'r  \\0   Z' || { od -c "$T/out" | head; fail "drop mid-DATA (1 MB) was not Z"; }
head -c 33554432 /dev/zero | tr '\0' 'x' | fold -w 70 > "$T/msg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but the connection died during the message transfer. (#4.4.2)\n\0'
printf 'Subject: t\n\nhello\n' > "$T/msg"
printf '%s\nline\nreply 250 fake\nline\nreply 250 ok\nline\nreply 250 ok\nline\nreply 354 go\ndata\ndrop\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but the connection died during the end of the message. The message may have been delivered all the same: sending it again may make a duplicate (possible duplicate). (#4.4.2)\n\0'
# a server that stalls after the dot: Z within timeoutremote, possible duplicate
printf '%s\nline\nreply 250 fake\nline\nreply 250 ok\nline\nreply 250 ok\nline\nreply 354 go\ndata\nstall\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'r\0ZConnected to 127.0.0.1 but it timed out waiting for the reply to the end of the message. The message may have been delivered all the same: sending it again may make a duplicate (possible duplicate). (#4.4.2)\n\0'
[ $SECS -le 6 ] || fail "the stall took $SECS s with timeoutremote 3"

# a greeting that trickles one byte a second never ends: the whole-reply
# deadline (3 s) cuts it although no single read waits that long
printf 'trickle 1 220 a very slow greeting indeed\\r\\n\n' > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but it sent no greeting in time. (#4.4.2)\n\0'
[ $SECS -le 6 ] || fail "the trickle took $SECS s with timeoutremote 3"

# garbage codes are never a success
for g in 'abc ok' '2' '' '250ok' '999 x' '2500 x' '-250' '250-a\r\n550 b' '250-x\r\n2\r\n250 ok' '250-a\r\n\r\n250 ok'; do
  printf '%s\nline\nsend %s\\r\\n\neof\n' "$G" "$g" > "$T/dlg"
  serve "$T/dlg"
  remote a@b.example x@example.com
  tr '\0' '\n' < "$T/out" > "$T/outl"
  head -c 1 "$T/out" | grep -q Z || fail "garbage '$g' gave `cat "$T/outl"`"
  grep -q -F 'its reply to EHLO broke the SMTP reply syntax. (#4.5.0)' "$T/outl" || fail "garbage '$g': `cat "$T/outl"`"
  [ "`tr -cd '\0' < "$T/out" | wc -c`" = 1 ] || fail "garbage '$g': not one report"
done
# a good multi-line reply passes
printf '%s\nline\nsend 250-a\\r\\n250-b\\r\\n250 c\\r\\n\nline\nreply 421 bye\neof\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'ZConnected to 127.0.0.1 but the sender was refused.\nRemote host said: 421 bye\n\0'

# hostile bytes in a reply are made '?' and never break the framing
printf '%s\nline\nreply 250 fake\nline\nreply 550 a\\x00b\\x1b[1m\\xffTfake@evil %%s%%n\neof\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_is 'DConnected to 127.0.0.1 but the sender was refused.\nRemote host said: 550 a?b?[1m?Tfake@evil %%s%%n\n\0'

# a 100 KB reply line: kept to 5000 bytes; 10 MB without LF: cut by the deadline
printf '%s\nline\nsend 250 \nflood 102400 y\nsend \\r\\n\nline\nreply 550 no\neof\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_has 'Remote host said: 550 no'
printf '%s\nline\nsend 250 \nflood 10485760 y\nstall\n' "$G" > "$T/dlg"
serve "$T/dlg"
remote a@b.example x@example.com
out_has 'it timed out waiting for the reply to EHLO.'
[ $SECS -le 6 ] || fail "10 MB without LF took $SECS s"

# connect refused: Z (#4.4.1), the port named (not 25), and no tcpto entry
fake_done
port=`free_port`
echo "example.com:127.0.0.1:$port" > "$I/control/smtproutes"
remote a@b.example x@example.com
out_is "ZUnable to connect to 127.0.0.1 port $port: Connection refused. (#4.4.1)\\n\\0"
[ -z "`$I/bin/qmail-tcpto`" ] || fail "a refused connect went into the table"

# an outgoingip address this host does not have: the report names it and
# control/outgoingip (not the server), and the table stays empty
printf '# not ours\n192.0.2.1\n' > "$I/control/outgoingip"
remote a@b.example x@example.com
out_is "ZUnable to use the source address 192.0.2.1 of control/outgoingip to connect to 127.0.0.1 port $port: Cannot assign requested address. (#4.4.1)\\n\\0"
[ -z "`$I/bin/qmail-tcpto`" ] || fail "a failed bind went into the table"
rm -f "$I/control/outgoingip"

# a connect timeout (a listening socket whose accept queue is full) goes
# into the table; an address marked twice lately is skipped; qmail-tcpok
# clears the table
echo 1 > "$I/control/timeoutconnect"
"$PYTHON" "$TOP/tests/fakesmtp.py" --blackhole > "$T/bport" 2>"$T/bh.err" &
track_pid $!
wait_for 10 test -s "$T/bport" || skip "unable to fill an accept queue: `cat "$T/bh.err"`"
echo "example.com:127.0.0.1:`cat "$T/bport"`" > "$I/control/smtproutes"
remote a@b.example x@example.com
out_is "ZUnable to connect to 127.0.0.1 port `cat "$T/bport"`: Connection timed out. (#4.4.1)\\n\\0"
"$I/bin/qmail-tcpto" > "$T/tcpto" || fail "qmail-tcpto failed"
grep -q '^127\.0\.0\.1 timed out 1 time, last [0-9]* seconds ago$' "$T/tcpto" || fail "table: `cat "$T/tcpto"`"
# a second timeout within 120 s counts once; make it older by hand
"$PYTHON" - "$I/queue/lock/tcpto" <<'P'
import struct, sys, time
f = open(sys.argv[1], "r+b")
rec = bytes([4, 2]) + bytes(6) + struct.pack(">Q", int(time.time()) - 10) + bytes([127, 0, 0, 1]) + bytes(12)
f.write(rec)
P
"$I/bin/qmail-tcpto" | grep -q '^127\.0\.0\.1 timed out 2 times, last .* seconds ago; skipped$' || fail "not skipped: `$I/bin/qmail-tcpto`"
remote a@b.example x@example.com
out_is 'ZConnection to 127.0.0.1 skipped: its connects timed out lately (queue/lock/tcpto). (#4.4.1)\n\0'
[ $SECS -le 1 ] || fail "a skipped address took $SECS s"
"$I/bin/qmail-tcpok" || fail "qmail-tcpok failed"
[ -z "`$I/bin/qmail-tcpto`" ] || fail "qmail-tcpok left `$I/bin/qmail-tcpto`"
assert_eq 1024 "`wc -c < "$I/queue/lock/tcpto" | tr -d ' '`" "size of the table"

# someone who may not reach the table is told which file and who may
# (as root: nobody; otherwise the queue's lock/ made unreachable)
if [ "`id -u`" = 0 ]; then
  need_cmd setpriv
  as_other() { setpriv --reuid="`id -u nobody`" --regid="`id -g nobody`" --clear-groups "$@"; }
else
  chmod 0 "$I/queue/lock"
  as_other() { "$@"; }
fi
as_other "$I/bin/qmail-tcpto" > "$T/got" 2> "$T/err"
assert_eq 111 $? "exit code of qmail-tcpto without permission"
assert_eq "qmail-tcpto: fatal: unable to read $I/queue/lock/tcpto: permission denied (qmail-tcpto must run as root or in the qmail group)" \
  "`cat "$T/err"`" "qmail-tcpto without permission"
as_other "$I/bin/qmail-tcpok" > "$T/got" 2> "$T/err"
assert_eq 111 $? "exit code of qmail-tcpok without permission"
assert_eq "qmail-tcpok: fatal: unable to clear $I/queue/lock/tcpto: permission denied (qmail-tcpok must run as root or as qmailr)" \
  "`cat "$T/err"`" "qmail-tcpok without permission"
[ "`id -u`" = 0 ] || chmod 0750 "$I/queue/lock"
pass
