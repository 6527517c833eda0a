#!/bin/sh
# bench/queue-to-maildir.sh [N] [INJECTORS]
#
# Throughput of the local path: N messages of 4 KB (default 2000) are queued
# through qmail-queue by INJECTORS concurrent injectors (default 10, each a
# loop spawning qmail-queue: bench/inject.c) into a private instance; the
# clock stops when the last one is in the Maildir. CONCURRENCY=n sets
# control/concurrencylocal (default 10).
# Prints messages per second for injection alone and end to end, then runs a
# second, smaller pass under strace (seccomp-filtered, so only the traced
# calls stop) to count fsync/fdatasync/syncfs calls per message, by program.
# Run from the top of the source tree after `make`. Numbers, not pass/fail.

N=${1:-2000}
P=${2:-10}
TOP=`pwd`
[ -f "$TOP/bench/queue-to-maildir.sh" ] || { echo "run from the top of the source tree"; exit 100; }
[ -x "$TOP/qmail-queue" ] || { echo "run make first"; exit 100; }

T=`mktemp -d "${TMPDIR:-/tmp}/qmbench.XXXXXX"` || exit 111
[ "`id -u`" = 0 ] && chmod 0755 "$T"
I=$T/inst
# every process working in the instance, whatever supervise knows of it (the
# fsync census runs qmail-start under strace, so supervise signals strace)
stop_all() {
  sh "$TOP/down.sh" "$I" >/dev/null 2>&1
  for sig in TERM KILL; do
    for p in /proc/[0-9]*; do
      case `readlink "$p/cwd" 2>/dev/null` in
        "$I"*) kill -$sig "${p#/proc/}" 2>/dev/null ;;
      esac
    done
    [ $sig = TERM ] && sleep 1
  done
}
cleanup() {
  stop_all
  [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh "$TOP/mkinstance.sh" "$I" >/dev/null || exit 111
# the injectors: a small C program that spawns qmail-queue as a server would
gcc -O2 -o "$T/inject" "$TOP/bench/inject.c" || exit 111
[ -n "$CONCURRENCY" ] && echo "$CONCURRENCY" > "$I/control/concurrencylocal"
user=`id -un`
MD=$I/mail/$user/Maildir

# a 4 KB message
{
  printf 'From: bench@example.com\nTo: %s@localhost\nSubject: benchmark\n\n' "$user"
  i=0
  while [ $i -lt 60 ]; do
    printf 'line %02d of a benchmark message, padded to about seventy bytes. xx\n' $i
    i=$((i + 1))
  done
} | head -c 4096 > "$T/msg"
printf 'Fbench@example.com\0T%s@localhost\0\0' "$user" > "$T/env"

count() {
  find "$MD/new" -type f -printf x | wc -c
}

now_ms() {
  date +%s%3N
}

# run_pass N: queue N messages with P injectors, wait for delivery;
# prints "inject_ms total_ms"
run_pass() {
  n=$1
  base=`count`
  per=$((n / P))
  t0=`now_ms`
  j=0
  while [ $j -lt $P ]; do
    $INJECT_WRAP${INJECT_WRAP:+.$j} "$T/inject" "$I/bin/qmail-queue" "$T/msg" "$T/env" "$per" &
    j=$((j + 1))
  done
  wait
  t1=`now_ms`
  want=$((base + per * P))
  deadline=$(( `date +%s` + 600 ))
  while [ "`count`" -lt $want ]; do
    [ `date +%s` -gt $deadline ] && { echo "timed out waiting for delivery" >&2; exit 1; }
    sleep 0.02
  done
  t2=`now_ms`
  echo "$((t1 - t0)) $((t2 - t0))"
}

UP_TIMEOUT=30 sh "$TOP/up.sh" -n -q "$I" || { echo "instance did not start"; exit 111; }
run_pass 100 >/dev/null   # warm-up

set -- `run_pass "$N"`
n=$(( (N / P) * P ))
echo "messages: $n of 4096 bytes, $P concurrent injectors, concurrencylocal `cat "$I/control/concurrencylocal" 2>/dev/null || echo 10`"
awk -v n=$n -v a=$1 -v b=$2 'BEGIN {
  printf "injection:  %.0f messages/s (%d ms)\n", n * 1000 / a, a
  printf "end to end: %.0f messages/s (%d ms, queue-in to Maildir)\n", n * 1000 / b, b }'

# fsync census
if command -v strace >/dev/null 2>&1; then
  M=${FSYNC_N:-200}
  sh "$TOP/down.sh" "$I" >/dev/null 2>&1
  # qmail-queue is setuid: a traced setuid program loses its privilege, so
  # the injectors themselves run under strace as the queue's owner instead
  quser=`stat -c %U "$I/bin/qmail-queue"`
  if [ "`id -u`" = 0 ]; then asq="-u $quser"; else asq=; fi
  INJECT_WRAP="strace -f --seccomp-bpf -qq -e trace=fsync,fdatasync,syncfs,sync $asq -o $T/trace.queue"
  run=$I/service/qmail-send/run
  cp "$run" "$T/run.orig"
  sed "s|exec env - |exec strace -f --seccomp-bpf -qq -e trace=fsync,fdatasync,syncfs,sync -o $T/trace.send env - |" "$T/run.orig" > "$run"
  UP_TIMEOUT=30 sh "$TOP/up.sh" -n -q "$I" >/dev/null || { echo "instance did not start under strace"; exit 111; }
  run_pass "$M" > /dev/null
  stop_all
  m=$(( (M / P) * P ))
  q=`cat "$T"/trace.queue* | grep -c -E '^[0-9]+ +(fsync|fdatasync|syncfs|sync)\('`
  cat "$T"/trace.send* 2>/dev/null > "$T/send.all"
  s=`grep -c -E '^[0-9]+ +syncfs\(' "$T/send.all"`
  l=`grep -c -E '^[0-9]+ +(fsync|fdatasync)\(' "$T/send.all"`
  awk -v m=$m -v q=$q -v s=$s -v l=$l 'BEGIN {
    printf "fsync census over %d messages (strace):\n", m
    printf "  qmail-queue:          %.2f fsync per message\n", q / m
    printf "  qmail-send:           %.2f syncfs per message (%d calls: one per preprocessing batch)\n", s / m, s
    printf "  qmail-send children:  %.2f fsync per message (qmail-local, bounces)\n", l / m
    printf "  total:                %.2f per message\n", (q + s + l) / m }'
fi
