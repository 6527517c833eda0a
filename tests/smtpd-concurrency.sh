#!/bin/sh
# qmail-smtpd under load, under tcpserver -c taken from
# control/concurrencyincoming. 500 sessions at once (limit 510): all 500
# are greeted while all are open, each qmail-smtpd stays under
# RSS_LIMIT_KB (default 8192) of resident memory, then all 500 send a
# message at the same time and all 500 are delivered, each once. Then with
# the limit at 20: 10 slowloris clients (one byte a second into a command
# line, never ending it) and 5 slow clients (a line every 0.5 s) hold
# slots, and 20 ordinary sessions one after the other are each served
# within 5 s; the slow clients' messages are delivered too (nothing lost),
# no qmail-smtpd grows past the bound meanwhile, and the session deadline
# (control/timeoutsmtpdsession 10) ends every slowloris within 15 s.
# timeout: 400

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

RSS_LIMIT_KB=${RSS_LIMIT_KB:-8192}
smtpd_setup
[ "`ulimit -n`" = unlimited ] || [ "`ulimit -n`" -ge 1100 ] || ulimit -n 4096 2>/dev/null ||
  skip "needs 1100 open files (ulimit -n is `ulimit -n`)"
set_control "$I" concurrencyincoming 510
# a backlog for the burst of 500 connects (tcpserver's default of 20 lets
# the kernel drop the handshakes past it, and those clients wait for a
# greeting that never comes)
smtpd_start -b 600

# children_rss: "COUNT MAX_KB TOTAL_KB" of the qmail-smtpd processes of tcpserver
children_rss() {
  for p in `pgrep -P "$SMTPD_PID"`; do
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null
  done | awk '{ n++; t += $1; if ($1 > m) m = $1 } END { printf "%d %d %d\n", n, m, t }'
}

# --- 500 at once ----------------------------------------------------------------------------
"$PYTHON" tests/smtpd_load.py "$SMTP_PORT" "$ME@localhost" hold 500 "$T/ready" "$T/go" > "$T/hold.out" 2>&1 &
LOAD=$!
track_pid $LOAD
wait_for 120 test -f "$T/ready" || { cat "$T/hold.out"; fail "the 500 connections were not made"; }
grep '^greeted' "$T/hold.out"
grep -q '^greeted 500$' "$T/hold.out" || { cat "$T/hold.out"; fail "not all 500 sessions were greeted"; }
set -- `children_rss`
echo "500 sessions open: $1 qmail-smtpd processes, largest RSS $2 kB, total $3 kB"
assert_eq 500 "$1" "qmail-smtpd processes with 500 sessions open"
[ "$2" -le "$RSS_LIMIT_KB" ] || fail "a qmail-smtpd holding an idle session has $2 kB resident"
touch "$T/go"
wait $LOAD
st=$?
cat "$T/hold.out"
[ $st = 0 ] || fail "not every one of the 500 messages was accepted"
wait_for 240 maildir_has "$UM" 500 || fail "only `maildir_count "$UM"` of 500 messages delivered"
settle
got=`find "$UM/new" "$UM/cur" -type f -exec grep -h '^Subject: load [0-9]*$' {} + | sort | uniq | wc -l`
assert_eq 500 "$got" "distinct messages 'load K' delivered"
assert_eq 500 "`maildir_count "$UM"`" "messages delivered"
rm -f "$UM"/new/* "$UM"/cur/*

# --- slow clients and slowloris within a limit of 20 --------------------------------------------
smtpd_stop
set_control "$I" concurrencyincoming 20
set_control "$I" timeoutsmtpdsession 10
smtpd_start
"$PYTHON" tests/smtpd_load.py "$SMTP_PORT" "$ME@localhost" slow 10 5 20 20 > "$T/slow.out" 2>&1 &
LOAD=$!
track_pid $LOAD
peak=0
n=0
while kill -0 $LOAD 2>/dev/null && [ $n -lt 1200 ]; do
  set -- `children_rss`
  [ "$2" -gt "$peak" ] && peak=$2
  sleep 0.1
  n=$((n + 1))
done
wait $LOAD
st=$?
cat "$T/slow.out"
echo "largest qmail-smtpd RSS during the slow clients: $peak kB"
[ $st = 0 ] || fail "a slow or fast client's message was not accepted"
[ "$peak" -le "$RSS_LIMIT_KB" ] || fail "a qmail-smtpd grew to $peak kB during the slow clients"
awk '$1 == "fast" && $3 > 5000 { bad = bad " " $2 "(" $3 " ms)" } END { if (bad) { print "slow fast sessions:" bad; exit 1 } }' "$T/slow.out" ||
  fail "an ordinary session took more than 5 s while slow clients held slots"
grep -q '^slow sent 5$' "$T/slow.out" || fail "not all 5 slow clients' messages were accepted"
# the session deadline (control/timeoutsmtpdsession 10) ends every loris
assert_eq 10 "`grep -c '^loris closed-by-server ' "$T/slow.out"`" "slowloris sessions ended by the server"
awk '$1 == "loris" && $2 == "closed-by-server" && $5 > 15000 { print; bad = 1 } END { exit bad }' "$T/slow.out" ||
  fail "a slowloris session outlived timeoutsmtpdsession 10 by more than 5 s"
wait_for 60 maildir_has "$UM" 25 || fail "only `maildir_count "$UM"` of 25 messages delivered"
settle
assert_eq 25 "`maildir_count "$UM"`" "messages delivered (20 fast, 5 slow)"
pass
