#!/bin/sh
# qmail-inject: no two Message-IDs alike across 100,000 runs of
# `qmail-inject -n` from 10 concurrent loops (real processes, so pids are
# reused while the clock moves on); every run counted, every value of the
# documented form <seconds.nanoseconds.pid.16 hex digits@idhost>. Prints
# the time taken. INJECT_RUNS (default 100000) sets the total.
# timeout: 600

. tests/lib.sh
. tests/lib_helpers.sh
need_programs qmail-inject

helpers_instance
echo id.example > "$I/control/idhost"
Q=$I/bin/qmail-inject
RUNS=${INJECT_RUNS:-100000}
LOOPS=10
PER=$((RUNS / LOOPS))
printf 'To: a@b.example\n\nx\n' > "$T/in"

start=`date +%s`
k=0
pids=
while [ $k -lt $LOOPS ]; do
  (
    n=0
    while [ $n -lt $PER ]; do
      "$Q" -n < "$T/in" || exit 1
      n=$((n + 1))
    done
  ) > "$T/out.$k" 2> "$T/err.$k" &
  pids="$pids $!"
  track_pid $!
  k=$((k + 1))
done
for p in $pids; do
  wait "$p" || fail "a loop of qmail-inject failed: `cat "$T"/err.*`"
done
end=`date +%s`

cat "$T"/out.* | sed -n 's/^Message-ID: //p' > "$T/ids"
total=`wc -l < "$T/ids" | tr -d ' '`
assert_eq $((PER * LOOPS)) "$total" "Message-IDs written"
bad=`grep -cv '^<[0-9]\{10,\}\.[0-9]\{9\}\.[0-9]\{1,\}\.[0-9a-f]\{16\}@id\.example>$' "$T/ids"`
assert_eq 0 "$bad" "Message-IDs not of the documented form"
unique=`sort -u "$T/ids" | wc -l | tr -d ' '`
assert_eq "$total" "$unique" "distinct Message-IDs"
pids_seen=`sed 's/^<[0-9]*\.[0-9]*\.\([0-9]*\)\..*$/\1/' "$T/ids" | sort -u | wc -l | tr -d ' '`
pass "$total runs, $unique distinct Message-IDs, $pids_seen distinct pids, $((end - start)) s"
