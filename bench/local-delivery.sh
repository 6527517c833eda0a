#!/bin/sh
# bench/local-delivery.sh [-r ROUNDS] [-n N] [-j INJECTORS] [-l SAMPLES] [-c CENSUS_N]
#
# Local deliveries per second, latency and CPU per delivery for the three
# kinds of .qmail line, through the real path: qmail-queue, qmail-send,
# qmail-lspawn and qmail-local with concurrencylocal 10 (CONCURRENCY=n
# changes it), in a private instance. Run from the top of the source tree.
# The loads, each the .qmail of the one recipient:
#   maildir   ./Maildir/
#   mbox      ./mbox              every message into the same mbox, so the
#                                 concurrent deliveries contend for its locks
#   program   |cat > /dev/null
# Each round runs bench/queue-to-maildir.sh once per load (-d LINE -e queue:
# a fresh instance, a warm-up of 100 messages, then N messages of 4 KB from
# INJECTORS concurrent qmail-queue loops, then SAMPLES single messages for
# the latency; a message counts as delivered when it has left the queue);
# rounds alternate between the loads so that noise on the machine hits
# each alike. The first round also runs its strace census (CENSUS_N
# messages: fsync calls and processes per message). Defaults: -r 5 -n 2000
# -j 10 -l 20 -c 200. Prints every round, then per load the medians:
#   msg/s      N messages over the time from the start of the injectors
#              until the last one has left the queue
#   latency    one message alone: from the call of qmail-queue until it has
#              left the queue; median (min, max)
#   CPU        user+sys ms per message of the whole instance and the
#              injectors (qmail-queue, qmail-send, qmail-clean, ...)
#   local      user+sys ms per message of qmail-lspawn and everything it ran:
#              qmail-getpw, qmail-local, and for program the shell and cat
# It measures; it never passes or fails. Needs what queue-to-maildir.sh
# needs (gcc, daemontools; strace for the census).

usage() {
  sed -n 2p "$0" | sed 's/^# //' >&2
  exit 100
}

ROUNDS=5
N=2000
P=10
SAMPLES=20
CENSUS_N=200
while getopts r:n:j:l:c: o; do
  case $o in
    r) ROUNDS=$OPTARG ;;
    n) N=$OPTARG ;;
    j) P=$OPTARG ;;
    l) SAMPLES=$OPTARG ;;
    c) CENSUS_N=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || usage
for v in "$ROUNDS" "$N" "$P" "$SAMPLES" "$CENSUS_N"; do
  case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$ROUNDS" -ge 1 ] || usage
[ -f bench/queue-to-maildir.sh ] || { echo "run from the top of the source tree"; exit 100; }

T=`mktemp -d "${TMPDIR:-/tmp}/qmlocal.XXXXXX"` || exit 111
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

LOADS="maildir mbox program"
line() {
  case $1 in
    maildir) echo ./Maildir/ ;;
    mbox) echo ./mbox ;;
    program) echo '|cat > /dev/null' ;;
  esac
}

echo "local delivery: $N messages of 4 KB per pass from $P injectors, concurrencylocal ${CONCURRENCY:-10}," \
  "$SAMPLES latency samples, $ROUNDS rounds; loads: maildir (./Maildir/), mbox (./mbox, one file), program (|cat > /dev/null)"
r=1
while [ $r -le "$ROUNDS" ]; do
  for load in $LOADS; do
    c=0
    [ $r = 1 ] && c=$CENSUS_N
    sh bench/queue-to-maildir.sh -r 1 -n "$N" -j "$P" -l "$SAMPLES" -c "$c" -d "`line $load`" -e queue \
      > "$T/out.$load.$r" 2>&1 || { cat "$T/out.$load.$r"; echo "the $load load failed in round $r"; exit 1; }
    # round 1 A: MSGS msg/s end to end (..), .. injection; latency MED ms (min MIN, max MAX); CPU C ms/msg (..), local L
    sed -n 's/^round 1 A: *\([0-9.]*\) msg\/s end to end.*; latency \([0-9.]*\) ms (min \([0-9.]*\), max \([0-9.]*\)); CPU \([0-9.]*\) ms\/msg.*, local \([0-9.]*\)$/\1 \2 \3 \4 \5 \6/p' \
      "$T/out.$load.$r" > "$T/row"
    [ -s "$T/row" ] || { cat "$T/out.$load.$r"; echo "no figures from the $load load"; exit 1; }
    cat "$T/row" >> "$T/results.$load"
    read -r tp lat lmin lmax cpu lcpu < "$T/row"
    printf 'round %d %-8s %6.0f msg/s; latency %.2f ms (min %.2f, max %.2f); CPU %.3f ms/msg, local %.3f ms/msg\n' \
      $r $load "$tp" "$lat" "$lmin" "$lmax" "$cpu" "$lcpu"
  done
  r=$((r + 1))
done

for load in $LOADS; do
  if grep -q '^census' "$T/out.$load.1"; then
    echo "census of $load (first round, strace, not timed):"
    sed -n '/^census/,/^median/p' "$T/out.$load.1" | sed '/^median/d; /^census/d'
  fi
done

median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median over $ROUNDS rounds (latency min and max over all rounds):"
printf '  %-8s %8s %12s %18s %12s %12s\n' load msg/s "latency ms" "(min - max)" "CPU ms/msg" "local ms/msg"
for load in $LOADS; do
  f=$T/results.$load
  printf '  %-8s %8.0f %12.2f %18s %12.3f %12.3f\n' $load \
    "`cut -d' ' -f1 "$f" | median`" "`cut -d' ' -f2 "$f" | median`" \
    "`cut -d' ' -f3 "$f" | sort -n | head -n 1` - `cut -d' ' -f4 "$f" | sort -n | tail -n 1`" \
    "`cut -d' ' -f5 "$f" | median`" "`cut -d' ' -f6 "$f" | median`"
done
exit 0
