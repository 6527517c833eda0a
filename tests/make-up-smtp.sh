#!/bin/sh
# make up with SMTP: qmail-smtpd runs under tcpserver on 127.0.0.1:UP_PORT
# as a supervised service with a multilog logger; the swaks and Python
# commands make up prints deliver when run as printed; messages sent with
# swaks and with Python's smtplib arrive in the Maildir byte for byte (dots
# unstuffed, CRLF made LF) under the trace lines; control/tcp.smtp lets
# 127.0.0.1 relay, so mail for a remote domain is accepted and queued for
# remote delivery (seen in the queue with qmail-send stopped); after
# tcp.smtp is compiled again without RELAYCLIENT, the remote recipient is
# refused with 553 and the local one still accepted, without a restart; a
# second make up keeps the running tcpserver; make down stops it and frees
# the port.
# timeout: 300
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid softlimit tcpserver tcpclient tcprules swaks
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu qmail-smtpd

U=$T/up
port=`free_port` || fail "no free port"
LIB_INSTANCES="$U"
ME=`me`

make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up.log" 2>&1 || { cat "$T/up.log"; fail "make up failed"; }
cat "$T/up.log"
for s in "$U/service/qmail-smtpd" "$U/service/qmail-smtpd/log"; do
  svok "$s" || fail "$s is not supervised"
done
tcp_pid=`svstat "$U/service/qmail-smtpd" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`
[ -n "$tcp_pid" ] || fail "qmail-smtpd is not up: `svstat "$U/service/qmail-smtpd"`"
assert_eq tcpserver "`cat /proc/$tcp_pid/comm`" "the program of the qmail-smtpd service"
if [ "`id -u`" = 0 ]; then
  assert_eq "`sed -n 2p conf-users`" "`ps -o user= -p $tcp_pid`" "the account tcpserver runs as"
fi
if [ -z "$SANITIZED" ]; then
  assert_grep /proc/$tcp_pid/limits '^Max address space  *12000000 '
fi

# The rules: 127.0.0.1 (and ::1 for an IPv6 tcpserver) relay, others may
# connect.
case `tcpserver 2>&1` in
  *"-I interface"*) v6='::1:allow,RELAYCLIENT=""
' ;;
  *) v6= ;;
esac
assert_eq "127.0.0.1:allow,RELAYCLIENT=\"\"
$v6:allow" "`grep -v '^#' "$U/control/tcp.smtp"`" "rules in control/tcp.smtp"
assert_eq 'rule 127.0.0.1:
set environment variable RELAYCLIENT=
allow connection' "`TCPREMOTEIP=127.0.0.1 tcprulescheck "$U/control/tcp.smtp.cdb"`" "the compiled rule for 127.0.0.1"

# The commands make up prints, run as printed.
swaks_cmd=`sed -n 's/^  \(swaks --server .*\)$/\1/p' "$T/up.log"`
py_cmd=`sed -n 's/^  \(python3 -c .*\)$/\1/p' "$T/up.log"`
assert_eq "swaks --server 127.0.0.1:$port --from $ME@localhost --to $ME@localhost" "$swaks_cmd" "printed swaks command"
[ -n "$py_cmd" ] || fail "make up printed no Python command"
MINE=`mailbox "$U"`
before=`maildir_count "$MINE"`
(eval "$swaks_cmd") > "$T/swaks1.log" 2>&1 || { cat "$T/swaks1.log"; fail "the printed swaks command failed"; }
wait_for 20 maildir_has "$MINE" $((before + 1)) || fail "the printed swaks command delivered nothing"
(PATH=`dirname "$PYTHON"`:$PATH; eval "$py_cmd") > "$T/py1.log" 2>&1 ||
  { cat "$T/py1.log"; fail "the printed Python command failed"; }
wait_for 20 maildir_has "$MINE" $((before + 2)) || fail "the printed Python command delivered nothing"
grep -l -r -q '^This is a test mailing' "$MINE/new" || fail "no message from swaks in $MINE/new"
grep -l -r -q '^hello$' "$MINE/new" || fail "no message from Python in $MINE/new"

# newest_file MAILDIR: the message in MAILDIR/new not listed in $T/seen
newest_file() {
  for f in "$1"/new/*; do
    grep -q -x -F "$f" "$T/seen" 2>/dev/null || echo "$f"
  done
}
ls -d "$MINE"/new/* > "$T/seen"

# body FILE: FILE without the lines qmail adds above the message
# (Return-Path, Delivered-To, Received and its continuation lines)
body() {
  awk 'top && /^(Return-Path|Delivered-To|Received): |^[ \t]/ { next } { top = 0; print }' top=1 "$1"
}

# check_delivery WHAT SENDER EXPECTED: one new message whose envelope sender
# is SENDER, a Received line from 127.0.0.1 and EXPECTED as its bytes
check_delivery() {
  f=`newest_file "$MINE"`
  [ -n "$f" ] || fail "$1: nothing delivered"
  [ `echo "$f" | wc -l` = 1 ] || fail "$1: more than one message: $f"
  echo "$f" >> "$T/seen"
  assert_eq "Return-Path: <$2>" "`sed -n 1p "$f"`" "$1: Return-Path"
  assert_eq "Delivered-To: $ME@localhost" "`sed -n 2p "$f"`" "$1: Delivered-To"
  grep -q '^Received: from .*127\.0\.0\.1' "$f" || { cat "$f"; fail "$1: no Received line naming 127.0.0.1"; }
  body "$f" > "$T/got"
  printf "$3" > "$T/want"
  cmp "$T/want" "$T/got" || { od -c "$f"; fail "$1: the delivered bytes differ"; }
}

# swaks, exact bytes (swaks stuffs the leading dot).
swaks --server "127.0.0.1:$port" --from "sw@example.org" --to "$ME@localhost" \
  --data 'Subject: by swaks\n\n.leading dot\nbody line\nlast' > "$T/swaks2.log" 2>&1 ||
  { cat "$T/swaks2.log"; fail "swaks failed"; }
wait_for 20 maildir_has "$MINE" $((before + 3)) || fail "nothing delivered from swaks"
check_delivery swaks sw@example.org 'Subject: by swaks\n\n.leading dot\nbody line\nlast\n'

# Python smtplib, exact bytes, two recipients.
PM=`mailbox "$U" postmaster`
pm_before=`maildir_count "$PM"`
"$PYTHON" - "$port" "$ME" > "$T/py2.log" 2>&1 <<'EOF' || { cat "$T/py2.log"; fail "smtplib failed"; }
import smtplib, sys
port, me = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    refused = s.sendmail("py@example.org", [me + "@localhost", "postmaster@localhost"],
                         b"Subject: by smtplib\r\n\r\n.one dot\r\n..two dots\r\nlast line\r\n")
    assert refused == {}, refused
EOF
wait_for 20 maildir_has "$MINE" $((before + 4)) || fail "nothing delivered from smtplib"
check_delivery smtplib py@example.org 'Subject: by smtplib\n\n.one dot\n..two dots\nlast line\n'
wait_for 20 maildir_has "$PM" $((pm_before + 1)) || fail "nothing delivered to postmaster from smtplib"

# Relaying, with qmail-send stopped so the message stays in the queue.
svc -d "$U/service/qmail-send"
wait_for 60 sh -c "svstat '$U/service/qmail-send' | grep -q ': down '" || fail "qmail-send does not stop"

# todo_with TEXT: the number of envelopes in queue/todo with a line TEXT
todo_with() {
  for f in "$U"/queue/todo/*; do
    [ -f "$f" ] && tr '\0' '\n' < "$f" | grep -q -x -F "$1" && echo "$f"
  done | wc -l | tr -d ' '
}
# relay_try NAME: smtplib to a local and a remote recipient; prints the
# recipients refused, one "ADDRESS CODE" per line
relay_try() {
  "$PYTHON" - "$port" "$ME" "$1" <<'EOF'
import smtplib, sys
port, me, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    refused = s.sendmail("relay-" + tag + "@example.org", [tag + "@remote.invalid", me + "@localhost"],
                         "Subject: relay " + tag + "\r\n\r\nrelayed?\r\n")
for address, (code, text) in sorted(refused.items()):
    print(address, code)
EOF
}

out=`relay_try allowed` || fail "smtplib failed to relay: $out"
assert_eq "" "$out" "recipients refused from 127.0.0.1 with RELAYCLIENT"
assert_eq 1 "`todo_with Tallowed@remote.invalid`" "queued envelopes for allowed@remote.invalid"
assert_eq 1 "`todo_with Frelay-allowed@example.org`" "queued envelopes from relay-allowed@example.org"

# tcp.smtp without RELAYCLIENT, compiled as INSTALL says; tcpserver reads it
# at the next connection.
printf '127.0.0.1:allow\n:allow\n' > "$U/control/tcp.smtp"
tcprules "$U/control/tcp.smtp.cdb" "$U/control/tcp.smtp.tmp" < "$U/control/tcp.smtp" || fail "tcprules failed"
out=`relay_try refused` || fail "smtplib failed: $out"
assert_eq "refused@remote.invalid 553" "$out" "recipients refused from 127.0.0.1 without RELAYCLIENT"
assert_eq 0 "`todo_with Trefused@remote.invalid`" "queued envelopes for refused@remote.invalid"
assert_eq 1 "`todo_with Frelay-refused@example.org`" "queued envelopes from relay-refused@example.org (to the local recipient)"
assert_eq "$tcp_pid" "`svstat "$U/service/qmail-smtpd" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`" "tcpserver pid after the new rules"
assert_grep "$U/log/qmail-smtpd/current" "tcpserver: ok [0-9]* "

svc -u "$U/service/qmail-send"

# A second make up keeps the running tcpserver (its port is its own).
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up2.log" 2>&1 || { cat "$T/up2.log"; fail "second make up failed"; }
assert_eq "$tcp_pid" "`svstat "$U/service/qmail-smtpd" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`" "tcpserver pid after a second make up"

# make down stops tcpserver and frees the port.
make -s down UP_DIR="$U" > "$T/down.log" 2>&1 || { cat "$T/down.log"; fail "make down failed"; }
kill -0 "$tcp_pid" 2>/dev/null && fail "tcpserver $tcp_pid still runs"
svok "$U/service/qmail-smtpd" 2>/dev/null && fail "qmail-smtpd is still supervised"
tcpclient -RHl0 127.0.0.1 "$port" true 2>/dev/null && fail "something still listens on port $port"
pass
