#!/bin/sh
# bench/backlog-latency.sh [BACKLOG] [SAMPLES]
#
# Does a big queue slow down fresh mail? In a private instance it measures
# the latency of single local messages (qmail-queue call to the file in
# Maildir/new, seen with inotify by bench/maildir-clock.c; median, min, max
# of SAMPLES, default 20) on an idle queue, then queues BACKLOG messages
# (default 100000) to a remote address (the instance has no qmail-remote, so
# every one is deferred and stays queued, durable), and measures again with
# the backlog in place. Also prints qmail-send's resident memory with the
# backlog. Run from the top of the source tree after `make`. Measures; never
# passes or fails.

B=${1:-100000}
S=${2:-20}
TOP=`pwd`
[ -f "$TOP/bench/backlog-latency.sh" ] || { echo "run from the top of the source tree"; exit 100; }
[ -x "$TOP/qmail-queue" ] || { echo "run make first"; exit 100; }
T=`mktemp -d "${TMPDIR:-/tmp}/qmbacklog.XXXXXX"` || exit 111
[ "`id -u`" = 0 ] && chmod 0755 "$T"
I=$T/inst
trap 'sh "$TOP/down.sh" "$I" >/dev/null 2>&1; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$T/maildir-clock" "$TOP/bench/maildir-clock.c" || exit 111
cc -O2 -o "$T/inject" "$TOP/bench/inject.c" || exit 111
sh "$TOP/mkinstance.sh" "$I" >/dev/null || exit 111
UP_TIMEOUT=30 sh "$TOP/up.sh" -n -q "$I" || exit 111
NEW=$I/mail/postmaster/Maildir/new
chmod 0644 "$T" 2>/dev/null; chmod 0755 "$T"
printf 'Subject: latency\n\nhello\n' > "$T/msg"
printf 'Fbench@example.com\0Tpostmaster@localhost\0\0' > "$T/env.local"
printf 'Fbench@example.com\0Tsomeone@remote.example\0\0' > "$T/env.remote"
chmod 0644 "$T/msg" "$T/env.local" "$T/env.remote"

# summary: median min max of the first column
summary() {
  sort -n | awk '{ v[NR] = $1 } END { printf "median %.2f ms (min %.2f, max %.2f) over %d\n", v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
send_pid() { svstat "$I/service/qmail-send" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'; }

printf 'idle queue:         '
"$T/maildir-clock" latency "$NEW" "$I/queue" "$S" 50 "$I/bin/qmail-queue" "$T/msg" "$T/env.local" | summary

start=`date +%s`
per=$((B / 10))
n=0
pids=
while [ $n -lt 10 ]; do
  "$T/inject" "$I/bin/qmail-queue" "$T/msg" "$T/env.remote" $per &
  pids="$pids $!"
  n=$((n + 1))
done
wait $pids
# every message preprocessed, tried once, and its files made durable
until [ -z "`ls "$I/queue/todo"`" ]; do sleep 1; done
queued=`find "$I/queue/remote" -type f | wc -l`
echo "backlog: $queued deferred messages queued in $((`date +%s` - start)) s"

printf 'with the backlog:   '
"$T/maildir-clock" latency "$NEW" - "$S" 50 "$I/bin/qmail-queue" "$T/msg" "$T/env.local" | summary
echo "qmail-send resident memory: `sed -n 's/^VmRSS:[[:space:]]*//p' /proc/\`send_pid\`/status` (peak `sed -n 's/^VmHWM:[[:space:]]*//p' /proc/\`send_pid\`/status`)"

# a restart rebuilds the schedule from info/: how long until fresh mail flows
svc -t "$I/service/qmail-send"
sleep 0.2
printf 'right after restart: '
"$T/maildir-clock" latency "$NEW" - 5 50 "$I/bin/qmail-queue" "$T/msg" "$T/env.local" | summary
