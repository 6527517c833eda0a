#!/bin/sh
# up.sh [-n] [-q] DIR
#
# Starts the instance in DIR under daemontools: makes or updates it with
# mkinstance.sh (unless -n; SMTP on 127.0.0.1:$UP_PORT when UP_PORT is set),
# starts `svscan DIR/service` in its own session unless one already runs for
# DIR (its pid is kept in DIR/svscan.pid), and waits until every service is up
# and has stayed up for a second. Then it says where mail goes (unless -q).
# The queue, the mail and the control files of an existing instance are kept.
# Stop it with down.sh DIR. Exit 0 running, 100 usage, 111 failure.

PROG=up.sh
TOP=`cd "\`dirname "$0"\`" && pwd`

die() {
  echo "$PROG: fatal: $*" >&2
  exit 111
}

make=1
quiet=
while [ $# -gt 0 ]; do
  case $1 in
    -n) make= ;;
    -q) quiet=1 ;;
    -*) echo "$PROG: usage: up.sh [-n] [-q] DIR" >&2; exit 100 ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || { echo "$PROG: usage: up.sh [-n] [-q] DIR" >&2; exit 100; }
case $1 in
  /*) dir=$1 ;;
  *) dir=`pwd`/$1 ;;
esac
dir=`echo "$dir" | sed 's,//*,/,g; s,/$,,'`
timeout=${UP_TIMEOUT:-30}

for c in svscan svok svstat; do
  command -v $c >/dev/null 2>&1 || die "$c not found: install daemontools (apt-get install daemontools)"
done

if [ -n "$make" ]; then
  sh "$TOP/mkinstance.sh" "$dir" $UP_PORT || exit 111
fi
[ -d "$dir/service/qmail-send" ] || die "$dir is not an instance (no service/qmail-send)"

# running: the pid in svscan.pid is an svscan working in DIR/service
running() {
  [ -f "$dir/svscan.pid" ] || return 1
  pid=`cat "$dir/svscan.pid"`
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  [ "`cat /proc/$pid/comm 2>/dev/null`" = svscan ] || return 1
  [ "`readlink /proc/$pid/cwd 2>/dev/null`" = "$dir/service" ]
}

# is_up SERVICEDIR: supervise runs it and it has been up for a second
is_up() {
  svok "$1" 2>/dev/null || return 1
  case `svstat "$1" 2>/dev/null` in
    *": up (pid "*") 0 seconds"*) return 1 ;;
    *": up (pid "*) return 0 ;;
  esac
  return 1
}

# svc_pid SERVICEDIR: the pid supervise reports for the service, if up
svc_pid() {
  svstat "$1" 2>/dev/null | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'
}

stamp=$dir/.build/started
if running; then
  [ -n "$quiet" ] || echo "$PROG: svscan already runs for $dir (pid $pid)"
  # Programs rebuilt since the services started: restart them so the new
  # programs run (qmail-send finishes its current deliveries first).
  if [ -f "$stamp" ] && [ -n "`find "$dir/bin" -type f -newer "$stamp" 2>/dev/null`" ]; then
    for s in "$dir"/service/*/; do
      s=${s%/}
      old=`svc_pid "$s"`
      [ -n "$old" ] || continue
      svc -t "$s"
      start=`date +%s`
      while [ "`svc_pid "$s"`" = "$old" ]; do
        [ $((`date +%s` - start)) -ge "$timeout" ] && die "$s did not restart within $timeout seconds"
        sleep 0.1
      done
      [ -n "$quiet" ] || echo "$PROG: restarted ${s##*/}: its programs changed"
    done
    touch "$stamp"
  fi
else
  touch "$stamp" || die "unable to write $stamp"
  rm -f "$dir/svscan.pid"
  # The new session keeps svscan out of the caller's process group and
  # terminal; the pid is written by the process that becomes svscan.
  # Descriptors the caller had open stay with the caller (sh can name only
  # 3 to 9; qmail-start closes every other one before the daemons start).
  setsid sh -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
    echo $$ > "$1/svscan.pid" && exec svscan "$1/service"' svscan "$dir" \
    </dev/null >>"$dir/svscan.log" 2>&1 &
  n=0
  until running; do
    n=$((n + 1))
    [ $n -gt 50 ] && die "svscan did not start; see $dir/svscan.log"
    sleep 0.1
  done
fi

services=
for s in "$dir"/service/*/; do
  s=${s%/}
  [ -f "$s/run" ] || continue
  services="$services $s"
  [ -f "$s/log/run" ] && services="$services $s/log"
done
start=`date +%s`
for s in $services; do
  until is_up "$s"; do
    if [ $((`date +%s` - start)) -ge "$timeout" ]; then
      echo "$PROG: fatal: $s did not come up within $timeout seconds" >&2
      svstat "$s" >&2 2>/dev/null
      name=${s%/log}
      name=${name##*/}
      if [ -f "$dir/log/$name/current" ]; then
        echo "$PROG: the end of $dir/log/$name/current:" >&2
        tail -n 20 "$dir/log/$name/current" >&2
      fi
      echo "$PROG: it is still supervised; stop it with: sh $TOP/down.sh $dir" >&2
      exit 111
    fi
    sleep 0.1
  done
done

[ -n "$quiet" ] && exit 0

me=`id -un`
cat <<EOF
The mail system runs in $dir (svscan pid `cat "$dir/svscan.pid"`).
  Mail for postmaster@localhost goes to $dir/mail/postmaster/Maildir/
EOF
[ "$me" = postmaster ] || echo "  Mail for $me@localhost goes to $dir/mail/$me/Maildir/"
cat <<EOF
  Other local addresses bounce. The activity log is $dir/log/qmail-send/current
  (read it with: tai64nlocal < $dir/log/qmail-send/current).
Send a test message:
EOF
if [ -x "$dir/bin/qmail-inject" ]; then
  printf '%s\n' "  printf 'Subject: test\\n\\nhello\\n' | $dir/bin/qmail-inject $me@localhost"
else
  printf '%s\n' "  printf 'F%s\\0T%s\\0\\0' $me@localhost $me@localhost > /tmp/envelope" \
    "  printf 'Subject: test\\n\\nhello\\n' | $dir/bin/qmail-queue 1</tmp/envelope"
fi
if [ -d "$dir/service/qmail-smtpd" ]; then
  port=`sed -n 's/.* \([0-9][0-9]*\) qmail-smtpd .*/\1/p' "$dir/service/qmail-smtpd/run"`
  echo "  or by SMTP: swaks --server 127.0.0.1:$port --to $me@localhost"
fi
echo "  then: ls $dir/mail/$me/Maildir/new/"
echo "Stop it with: make down UP_DIR=$dir"
