#!/bin/sh
# down.sh DIR
#
# Stops what up.sh started for the instance in DIR: ends every svscan working
# in DIR/service (up.sh's, whose pid is in DIR/svscan.pid, and any other),
# then takes every service down and makes its supervise exit (svc -dx), the
# services first and their loggers after them so the last log lines are
# written, and waits until every supervise is gone. qmail-send gets TERM and
# finishes its current deliveries; after DOWN_TIMEOUT seconds (default 60) a
# service still running gets KILL.
#
# It stops what it can and names on stderr what it could not:
#   - an instance of another user: only that user or root can stop it;
#   - the services, when svc or svok (daemontools) is not in PATH; svscan is
#     stopped all the same, so nothing restarts them;
#   - DIR is not an instance (no DIR/service): an svscan or supervise still
#     working in DIR/service after it was removed is stopped by signals
#     (svscan, then each supervise and its service, loggers last); one that
#     works in another instance below DIR, or was started for DIR and moved,
#     is named with the DIR to give instead, and left alone.
# Processes are found through /proc: svscan by its working directory or an
# argument in DIR (also when DIR was removed), supervise by its working
# directory (or, when that cannot be read, by its svscan).
# Exit 0 stopped (or nothing was running), 100 usage, 111 something may
# still run, or DIR is not an instance (also when what still ran from it
# was stopped by signals: a removed instance cannot be stopped in order).

PROG=down.sh

[ $# -eq 1 ] || { echo "$PROG: usage: down.sh DIR" >&2; exit 100; }
case $1 in
  /*) dir=$1 ;;
  *) dir=`pwd`/$1 ;;
esac
dir=`echo "$dir" | sed 's,//*,/,g; s,/$,,'`
# up.sh may have made DIR a link to the instance (as root, below /root).
if [ -h "$dir" ]; then
  dir=`readlink -f "$dir"` || { echo "$PROG: fatal: unable to resolve the link $dir" >&2; exit 111; }
fi
[ -n "$dir" ] || { echo "$PROG: usage: DIR must not be /" >&2; exit 100; }
timeout=${DOWN_TIMEOUT:-60}
myuid=`id -u`

status=0
# problem TEXT: something is not stopped; the exit status will say so
problem() {
  echo "$PROG: $*" >&2
  status=111
}

# --- processes ---------------------------------------------------------------

# under PATH: PATH is DIR or below it
under() {
  case $1 in "$dir" | "$dir"/*) return 0 ;; esac
  return 1
}

# cwd_of PID: the working directory of PID, without the " (deleted)" the
# kernel appends once it was removed; empty when it cannot be read
cwd_of() {
  c=`readlink "/proc/$1/cwd" 2>/dev/null` || return 0
  echo "${c% (deleted)}"
}

# removed PID: the working directory of PID no longer exists
removed() {
  case `readlink "/proc/$1/cwd" 2>/dev/null` in *" (deleted)") return 0 ;; esac
  return 1
}

# args_under PID: an argument of PID is a path in or below DIR
args_under() {
  tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | {
    while read -r a; do
      under "$a" && exit 0
    done
    exit 1
  }
}

# args_has PID PATH: an argument of PID is PATH
args_has() {
  tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | grep -q -x -F -e "$2"
}

# field PID NAME: a field of /proc/PID/status (first word)
field() {
  sed -n "s/^$2:[[:space:]]*\([^[:space:]]*\).*/\1/p" "/proc/$1/status" 2>/dev/null
}

# alive PID: PID exists and is not a zombie waiting for its parent
alive() {
  s=`field "$1" State`
  [ -n "$s" ] && [ "$s" != Z ]
}

# user UID: the name of UID, or UID
user() {
  n=`getent passwd "$1" | cut -d: -f1`
  echo "${n:-uid $1}"
}

# args PID: the command line of PID, one line
args() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | sed 's/ $//'
}

# scan: sets svscans and supervises to the pids of the svscan and supervise
# processes working in DIR
scan() {
  svscans=
  supervises=
  unknown=
  for f in `grep -l -x -e svscan -e supervise /proc/[0-9]*/comm 2>/dev/null`; do
    p=${f#/proc/}
    p=${p%/comm}
    c=`cwd_of "$p"`
    case `cat "$f" 2>/dev/null` in
      svscan)
        if { [ -n "$c" ] && under "$c"; } || args_under "$p"; then
          svscans="$svscans $p"
        fi
        ;;
      supervise)
        if [ -n "$c" ]; then
          under "$c" && supervises="$supervises $p"
        else
          unknown="$unknown $p"
        fi
        ;;
    esac
  done
  # supervise of another user: its working directory cannot be read, but its
  # parent can be one of the svscan processes found above
  for p in $unknown; do
    child_of_svscan "$p" && supervises="$supervises $p"
  done
}

# child_of_svscan PID: the parent of PID is one of $svscans
child_of_svscan() {
  pp=`field "$1" PPid`
  case $pp in '' | *[!0-9]*) return 1 ;; esac
  case " $svscans " in *" $pp "*) return 0 ;; esac
  return 1
}

# only_this: keeps of $svscans and $supervises only those of the instance in
# DIR, not those of another instance below it
only_this() {
  keep=
  for p in $svscans; do
    c=`cwd_of "$p"`
    if [ "$c" = "$dir/service" ] || { [ -z "$c" ] && args_has "$p" "$dir/service"; }; then
      keep="$keep $p"
    fi
  done
  svscans=$keep
  keep=
  for p in $supervises; do
    c=`cwd_of "$p"`
    case $c in
      "$dir"/service/*) keep="$keep $p" ;;
      '') child_of_svscan "$p" && keep="$keep $p" ;;
    esac
  done
  supervises=$keep
}

# service_of PID: the service directory a supervise works in, or "supervise PID"
service_of() {
  c=`cwd_of "$1"`
  echo "${c:-supervise $1}"
}

# wait_gone SECONDS PID...: wait until every PID is gone (and reaped, so a
# caller's kill -0 fails too); KILL what is left after SECONDS, and return 1
# if something still runs 10 seconds later (a zombie whose parent does not
# reap it is gone enough)
wait_gone() {
  limit=$1
  shift
  start=`date +%s`
  killed=
  for p in "$@"; do
    while kill -0 "$p" 2>/dev/null; do
      elapsed=$((`date +%s` - start))
      if [ $elapsed -ge "$limit" ] && [ -z "$killed" ]; then
        for q in "$@"; do alive "$q" && kill -KILL "$q" 2>/dev/null; done
        killed=1
      fi
      if [ $elapsed -ge $((limit + 10)) ]; then
        alive "$p" && return 1
        break
      fi
      sleep 0.1
    done
  done
  return 0
}

# stop_svscan PID...: TERM each svscan (KILL after 5 seconds)
stop_svscan() {
  for p in "$@"; do
    kill -TERM "$p" 2>/dev/null
  done
  wait_gone 5 "$@" || problem "svscan $* does not exit"
}

# stop_by_signals PID...: supervise processes whose service directory is gone
# (so svc cannot reach them): end each supervise, then TERM its service, the
# services first and their loggers after them
stop_by_signals() {
  for kind in service log; do
    list=
    for p in "$@"; do
      case `service_of "$p"` in
        */log) [ $kind = log ] || continue ;;
        *) [ $kind = service ] || continue ;;
      esac
      kids=`ps -o pid= --ppid "$p" 2>/dev/null`
      kill -TERM "$p" 2>/dev/null
      for k in $kids; do
        kill -TERM "$k" 2>/dev/null
        kill -CONT "$k" 2>/dev/null
      done
      list="$list $p $kids"
    done
    [ -n "$list" ] || continue
    wait_gone "$timeout" $list || {
      for p in $list; do alive "$p" && problem "pid $p (`args "$p"`) does not stop"; done
    }
  done
}

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
        problem "$s does not stop"
        break
      fi
      sleep 0.1
    done
  done
}

scan

# --- DIR is not an instance ---------------------------------------------------

if [ ! -d "$dir/service" ]; then
  if [ -z "$svscans$supervises" ]; then
    problem "fatal: $dir is not an instance (no $dir/service) and no svscan or supervise works in it: nothing stopped; is the directory right?"
    exit 111
  fi
  mine_svscan=
  mine_supervise=
  for p in $svscans; do
    c=`cwd_of "$p"`
    u=`field "$p" Uid`
    if [ "$c" = "$dir/service" ]; then
      if [ "$myuid" != 0 ] && [ "$u" != "$myuid" ]; then
        problem "unable to stop svscan $p of the removed $dir: it runs as `user "$u"`; only that user or root can stop it"
      else
        mine_svscan="$mine_svscan $p"
      fi
    elif [ -z "$c" ]; then
      problem "$dir is not an instance; svscan $p (`args "$p"`) runs as `user "$u"` and was started for it; only that user or root can stop it"
    else
      case $c in
        */service) inst=${c%/service} ;;
        *) inst=$c ;;
      esac
      problem "$dir is not an instance, but svscan $p runs the instance in $inst: stop it with make down UP_DIR=$inst (or sh down.sh $inst)"
    fi
  done
  for p in $supervises; do
    c=`cwd_of "$p"`
    case $c in
      "$dir"/service/*)
        u=`field "$p" Uid`
        if [ "$myuid" != 0 ] && [ "$u" != "$myuid" ]; then
          problem "unable to stop supervise $p ($c): it runs as `user "$u"`"
        else
          mine_supervise="$mine_supervise $p"
        fi
        ;;
    esac
    # supervise of another instance below DIR: named with its svscan above
  done
  if [ -n "$mine_svscan$mine_supervise" ]; then
    [ -n "$mine_svscan" ] && stop_svscan $mine_svscan
    [ -n "$mine_supervise" ] && stop_by_signals $mine_supervise
    what=
    for p in $mine_svscan; do what="$what, svscan $p"; done
    for p in $mine_supervise; do what="$what, supervise $p"; done
    problem "$dir/service was removed while the instance ran; stopped by signals instead of svc:${what#,}"
  fi
  exit $status
fi

# --- DIR is an instance --------------------------------------------------------

only_this

owner=`stat -c %u "$dir/service"`
if [ "$myuid" != 0 ] && [ "$owner" != "$myuid" ]; then
  who=`user "$owner"`
  if [ "$owner" = 0 ]; then can="only root"; else can="only $who or root"; fi
  running=
  for p in $svscans $supervises; do running="$running $p"; done
  if [ -n "$running" ]; then
    problem "fatal: the instance in $dir belongs to $who, not to `user "$myuid"`, and runs (svscan and supervise pids$running): $can can stop it; nothing stopped"
  else
    problem "fatal: the instance in $dir belongs to $who, not to `user "$myuid"`: $can can stop it (or tell whether it runs); nothing stopped"
  fi
  exit 111
fi

# Another user's processes in an instance of ours are named, not touched.
if [ "$myuid" != 0 ]; then
  keep=
  for p in $svscans; do
    u=`field "$p" Uid`
    if [ "$u" = "$myuid" ]; then keep="$keep $p"
    else problem "unable to stop svscan $p: it runs as `user "$u"`"
    fi
  done
  svscans=$keep
  keep=
  for p in $supervises; do
    u=`field "$p" Uid`
    if [ "$u" = "$myuid" ]; then keep="$keep $p"
    else problem "unable to stop `service_of "$p"` (supervise $p): it runs as `user "$u"`"
    fi
  done
  supervises=$keep
fi

# svscan first, so it does not restart the supervise processes we stop.
if [ -n "$svscans" ]; then
  stop_svscan $svscans
fi
alive_svscan=
for p in $svscans; do alive "$p" && alive_svscan=1; done
[ -n "$alive_svscan" ] || rm -f "$dir/svscan.pid"

missing=
for c in svc svok; do
  command -v $c >/dev/null 2>&1 || missing="$missing $c"
done
if [ -n "$missing" ]; then
  if [ -n "$supervises" ]; then
    problem "${missing# } not found in PATH: install daemontools (apt-get install daemontools) or add it to PATH, then run down.sh again"
    for p in $supervises; do
      problem "still running: `service_of "$p"` (supervise $p)"
    done
  fi
  exit $status
fi

stop "$dir"/service/*
stop "$dir"/service/*/log

# Supervise processes svc could not reach: their service directory was
# removed (and made again) while they ran.
scan
only_this
gone=
left=
for p in $supervises; do
  if removed "$p"; then
    gone="$gone $p"
  elif [ "$myuid" = 0 ] || [ "`field "$p" Uid`" = "$myuid" ]; then
    left="$left $p"
  fi
done
if [ -n "$gone" ]; then
  stop_by_signals $gone
fi
# A supervise told to exit by svc -dx closes supervise/ok just before it
# exits: give those a moment.
deadline=$((`date +%s` + 5))
for p in $left; do
  while alive "$p" && [ `date +%s` -lt $deadline ]; do
    sleep 0.1
  done
  alive "$p" && problem "still running: `service_of "$p"` (supervise $p)"
done
exit $status
