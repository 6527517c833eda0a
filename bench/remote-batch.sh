#!/bin/sh
# bench/remote-batch.sh [-n RCPTS] [-b "LIST"]: what batching several
# recipients per SMTP transaction does for one message to RCPTS recipients
# (default 1000) at one domain. For each value of LIST (default "1 100"),
# a fresh instance of this tree, with control/maxrcptremote set to it and
# control/smtproutes sending the domain to Postfix's smtp-sink on loopback,
# gets the message from qmail-queue; printed: the SMTP transactions the
# sink saw and the seconds from queueing until qmail-send had logged
# RCPTS successes. Run from the top of a built tree (make), as root or as
# an ordinary user; needs smtp-sink (package postfix), svscan, python3.
set -u
n=1000 list="1 100"
while getopts n:b: o; do case $o in n) n=$OPTARG ;; b) list=$OPTARG ;; *) exit 2 ;; esac; done
sink=`command -v smtp-sink || echo /usr/sbin/smtp-sink`
[ -x "$sink" ] || { echo "remote-batch.sh: smtp-sink not found (apt-get install postfix)"; exit 1; }
[ -x qmail-remote ] || { echo "remote-batch.sh: run make first, from the top of the tree"; exit 1; }
top=`pwd`
t=`mktemp -d "${TMPDIR:-/tmp}/remote-batch.XXXXXX"` || exit 111
chmod 755 "$t"
sinkpid=
cleanup() {
  [ -n "$sinkpid" ] && kill "$sinkpid" 2>/dev/null
  for d in "$t"/i*; do [ -d "$d/service" ] && sh "$top/down.sh" "$d" > /dev/null 2>&1; done
  rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port=`python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'`
now() { date +%s.%N; }
successes() { cat "$1"/log/qmail-send/@* "$1/log/qmail-send/current" 2>/dev/null | grep -c ': success: '; }

python3 - "$n" > "$t/env" <<'EOP'
import sys
out = sys.stdout.buffer
out.write(b"Fbench@bench.local\0")
for i in range(int(sys.argv[1])):
    out.write(b"Tuser%d@remote.test\0" % i)
out.write(b"\0")
EOP
head -c 3000 /dev/urandom | base64 -w 72 | sed '1i Subject: bench\n' > "$t/msg"

i=0
for b in $list; do
  i=$((i + 1))
  d=$t/i$i
  sh mkinstance.sh "$d" > "$t/mk.log" 2>&1 || { cat "$t/mk.log"; exit 1; }
  echo "$b" > "$d/control/maxrcptremote"
  echo "remote.test:127.0.0.1:$port" > "$d/control/smtproutes"
  : > "$t/sink.out"
  if [ "`id -u`" = 0 ]; then "$sink" -u nobody -c "127.0.0.1:$port" 1000 > "$t/sink.out" 2>&1 &
  else "$sink" -c "127.0.0.1:$port" 1000 > "$t/sink.out" 2>&1 & fi
  sinkpid=$!
  UP_TIMEOUT=30 sh up.sh -n -q "$d" || { echo "remote-batch.sh: the instance did not start"; exit 1; }
  sleep 0.3
  s=`now`
  "$d/bin/qmail-queue" < "$t/msg" 1< "$t/env" || { echo "remote-batch.sh: qmail-queue exited $?"; exit 1; }
  k=0
  until [ "`successes "$d"`" -ge "$n" ]; do
    sleep 0.05
    k=$((k + 1))
    [ $k -lt 6000 ] || { echo "remote-batch.sh: maxrcptremote $b: only `successes "$d"` of $n delivered in 300 s"; exit 1; }
  done
  e=`now`
  kill "$sinkpid" 2>/dev/null; wait "$sinkpid" 2>/dev/null; sinkpid=
  mesg=`tr '\r' '\n' < "$t/sink.out" | grep -o 'mesg=[0-9]*' | tail -n 1 | cut -d= -f2`
  sh down.sh "$d" > /dev/null 2>&1
  printf 'maxrcptremote %s: %s recipients, %s SMTP transactions, %.2f s\n' "$b" "$n" "${mesg:-?}" "`echo "$e - $s" | bc -l`"
done
