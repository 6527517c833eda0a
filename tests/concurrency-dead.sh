#!/bin/sh
# A dead destination does not hold back a healthy one: 1,000 messages for
# dead.example, routed to a listener whose connects time out (fakesmtp.py
# --blackhole on 127.0.0.2, timeoutconnect 5), then 10 messages for
# ok.example (a fakesmtp.py that accepts, on 127.0.0.1) queued one after
# another while the dead ones are in flight: the real qmail-remote
# delivers each within a second of its queuing. Default limits.
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-remote qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog "$PYTHON"

I=$T/inst
instance_create "$I"
"$PYTHON" "$TOP/tests/fakesmtp.py" -H 127.0.0.2 --blackhole > "$T/deadport" 2> "$T/dead.err" &
track_pid $!
wait_for 10 test -s "$T/deadport" || fail "the blackhole did not start: `cat "$T/dead.err"`"
cat > "$T/ok.script" <<'EOF'
reply 220 fake ESMTP
line
send 250-fake\r\n250 SIZE 1000000\r\n
line
reply 250 ok
line
reply 250 ok
line
reply 354 go
data
reply 250 queued
eof
EOF
"$PYTHON" "$TOP/tests/fakesmtp.py" -n 10 -t 250 -r "$T/rec" "$T/ok.script" > "$T/okport" 2> "$T/ok.err" &
track_pid $!
wait_for 10 test -s "$T/okport" || fail "fakesmtp did not start: `cat "$T/ok.err"`"
printf 'dead.example:127.0.0.2:%s\nok.example:127.0.0.1:%s\n' "`head -n 1 "$T/deadport"`" "`head -n 1 "$T/okport"`" \
  > "$I/control/smtproutes"
echo 5 > "$I/control/timeoutconnect"
echo 10 > "$I/control/timeoutremote"
instance_start "$I"
ME=`me`
logs() { cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null; }

t0=`date +%s`
i=0
while [ $i -lt 1000 ]; do
  printf 'Subject: dead %s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "u$i@dead.example" ||
    fail "qmail-queue exited $?"
  i=$((i + 1))
done
echo "1000 messages queued in $((`date +%s` - t0)) s"
seen() { [ "`logs | grep -c ' new msg'`" -ge 1000 ]; }
wait_for 60 seen || fail "not 1000 messages seen"

okdone() { logs | grep -c 'delivery [0-9]*: success: 127.0.0.1_accepted_the_message'; }
worst=0
i=1
while [ $i -le 10 ]; do
  t0=`date +%s%N`
  printf 'Subject: ok %s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "a$i@ok.example" ||
    fail "qmail-queue exited $?"
  while [ "`okdone`" -lt $i ]; do
    [ $(( (`date +%s%N` - t0) / 1000000 )) -gt 10000 ] && fail "ok.example message $i not delivered in 10 s"
    sleep 0.02
  done
  ms=$(( (`date +%s%N` - t0) / 1000000 ))
  dead=`logs | grep -c 'starting delivery [0-9]*: msg [0-9]* to remote u[0-9]*@dead.example'`
  echo "ok.example message $i: ${ms} ms (deliveries to dead.example started so far: $dead)"
  [ $ms -gt $worst ] && worst=$ms
  i=$((i + 1))
done
echo "deferrals logged meanwhile: `logs | grep -c 'deferral:'`"
[ $worst -lt 1000 ] || fail "a message to ok.example took $worst ms"
assert_eq 10 "`cat "$T"/rec.* | grep -c '^RCPT TO:<a[0-9]*@ok.example>'`" "RCPT commands at ok.example"
pass "slowest of 10: $worst ms"
