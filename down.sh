#!/bin/sh
# down.sh DIR
#
# Stops what up.sh started for the instance in DIR: ends the svscan whose pid
# is in DIR/svscan.pid, then takes every service down and makes its supervise
# exit (svc -dx), the services first and their loggers after them so the last
# log lines are written, and waits until every supervise is gone. qmail-send
# gets TERM and finishes its current deliveries; after DOWN_TIMEOUT seconds
# (default 60) a service still running gets KILL. Exit 0 stopped (or nothing
# was running), 100 usage, 111 something is still running.

PROG=down.sh

[ $# -eq 1 ] || { echo "$PROG: usage: down.sh DIR" >&2; exit 100; }
case $1 in
  /*) dir=$1 ;;
  *) dir=`pwd`/$1 ;;
esac
dir=`echo "$dir" | sed 's,//*,/,g; s,/$,,'`
timeout=${DOWN_TIMEOUT:-60}
[ -d "$dir/service" ] || exit 0

# svscan first, so it does not restart the supervise processes we stop.
if [ -f "$dir/svscan.pid" ]; then
  pid=`cat "$dir/svscan.pid"`
  case $pid in
    '' | *[!0-9]*) ;;
    *)
      if [ "`cat /proc/$pid/comm 2>/dev/null`" = svscan ] &&
        [ "`readlink /proc/$pid/cwd 2>/dev/null`" = "$dir/service" ]; then
        kill -TERM "$pid" 2>/dev/null
        n=0
        while kill -0 "$pid" 2>/dev/null; do
          n=$((n + 1))
          [ $n -eq 50 ] && kill -KILL "$pid" 2>/dev/null
          [ $n -gt 100 ] && { echo "$PROG: fatal: svscan $pid does not exit" >&2; exit 111; }
          sleep 0.1
        done
      fi
      ;;
  esac
  rm -f "$dir/svscan.pid"
fi

# stop DIR...: svc -dx each supervised one and wait until its supervise is gone
stop() {
  list=
  for s in "$@"; do
    [ -d "$s" ] || continue
    svok "$s" 2>/dev/null || continue
    svc -dx "$s" 2>/dev/null
    list="$list $s"
  done
  start=`date +%s`
  killed=
  for s in $list; do
    while svok "$s" 2>/dev/null; do
      elapsed=$((`date +%s` - start))
      if [ $elapsed -ge "$timeout" ] && [ -z "$killed" ]; then
        echo "$PROG: warning: $s still running after $timeout seconds: sending KILL" >&2
        svc -k "$s" 2>/dev/null
        killed=1
      fi
      if [ $elapsed -ge $((timeout + 10)) ]; then
        echo "$PROG: fatal: $s does not stop" >&2
        return 1
      fi
      sleep 0.1
    done
  done
  return 0
}

stop "$dir"/service/* || exit 111
stop "$dir"/service/*/log || exit 111
exit 0
