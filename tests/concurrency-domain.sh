#!/bin/sh
# Per-domain concurrency: with concurrencyremote 20 and concurrencydomain 5,
# 50 messages to a destination that hangs (a stand-in qmail-remote that
# waits for a release file) never have more than 5 deliveries in flight,
# a message to another domain queued behind them is delivered within a
# second, and once the destination answers every waiting message goes at
# once (no retry schedule: a skipped recipient is not a failure) with no
# deferral logged.
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
R=$T/runs
mkdir -p "$R/inflight" && chmod -R 777 "$R" || fail "mkdir $R"
cat > "$I/bin/qmail-remote" <<EOF
#!/bin/sh
# stand-in: dead.example hangs until $T/release exists; others succeed
cat > /dev/null
case \$1 in
  dead.example)
    : > "$R/inflight/\$\$"
    echo "\`ls "$R/inflight" | wc -l\`" >> "$R/counts"
    n=0
    while [ ! -e "$T/release" ] && [ \$n -lt 1200 ]; do sleep 0.1; n=\$((n + 1)); done
    rm -f "$R/inflight/\$\$"
    ;;
  *) date +%s%N > "$R/ok.\$\$" ;;
esac
printf 'r\0K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0'
EOF
chmod 755 "$I/bin/qmail-remote"
echo 20 > "$I/control/concurrencyremote"
echo 5 > "$I/control/concurrencydomain"
instance_start "$I"
ME=`me`

logs() { cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null; }
inflight() { ls "$R/inflight" | wc -l | tr -d ' '; }

i=0
while [ $i -lt 50 ]; do
  printf 'Subject: dead %s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "u$i@dead.example" ||
    fail "qmail-queue exited $?"
  i=$((i + 1))
done
wait_for 30 sh -c "[ \`ls '$R/inflight' | wc -l\` -ge 5 ]" || fail "not 5 deliveries to dead.example in flight"
# every message has had its pass: 45 wait for dead.example
wait_for 30 sh -c "[ \`grep -c ' new msg' '`log_file "$I"`'\` -ge 50 ]" || fail "not 50 messages seen"
t0=`date +%s%N`
printf 'Subject: ok\n\nhello\n' | queue_msg "$I" "$ME@localhost" a@ok.example || fail "qmail-queue exited $?"
wait_for 10 sh -c "ls '$R'/ok.* >/dev/null 2>&1" || fail "ok.example not delivered"
t1=`cat "$R"/ok.*`
ms=$(( (t1 - t0) / 1000000 ))
echo "ok.example delivered ${ms} ms after it was queued, with `inflight` deliveries to dead.example in flight"
[ $ms -lt 1000 ] || fail "ok.example took $ms ms"
assert_eq 5 "`inflight`" "deliveries to dead.example in flight"
# the 45 waiting for a slot were kept in memory: nothing written for them
# (syncing their files for every wait made one busy domain slow)
assert_eq 0 "`find "$I/queue/info" "$I/queue/remote" -type f | wc -l | tr -d ' '`" "info and remote files of waiting messages"
assert_eq 5 "`grep -c 'starting delivery [0-9]*: msg [0-9]* to remote u[0-9]*@dead.example' "\`log_file "$I"\`"`" "deliveries to dead.example started"

touch "$T/release"
# the retry schedule would put 45 of them 400 s away
wait_for 60 sh -c "[ \`cat '$I'/log/qmail-send/@* '$I/log/qmail-send/current' 2>/dev/null | grep -c 'delivery [0-9]*: success: 1.2.3.4_accepted'\` -ge 51 ]" ||
  fail "not every message delivered: `logs | grep -c 'success:'` successes"
max=`sort -n "$R/counts" | tail -n 1`
echo "at most $max deliveries to dead.example at once"
[ "$max" -le 5 ] || fail "$max deliveries to dead.example at once"
assert_eq 50 "`wc -l < "$R/counts" | tr -d ' '`" "runs for dead.example"
assert_eq 0 "`logs | grep -c 'deferral'`" "deferral lines"
assert_eq 51 "`logs | grep -c 'starting delivery'`" "starting delivery lines"
pass
