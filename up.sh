#!/bin/sh
# up.sh [-n] [-q] DIR
#
# Starts the instance in DIR under daemontools: makes or updates it with
# mkinstance.sh (unless -n; SMTP on 127.0.0.1:$UP_PORT when UP_PORT is set),
# starts `svscan DIR/service` in its own session unless one already runs for
# DIR (its pid is kept in DIR/svscan.pid), and waits until every service is up
# and has stayed up for a second. With an SMTP service (qmail-smtpd under
# tcpserver) it first makes sure that no other process listens on its port
# (else it names the port and what holds it, and starts nothing), and at the
# end waits until qmail-smtpd greets on it. A service whose run script or
# programs changed since it started is restarted. Then it says where mail
# goes and how to send a test message, by SMTP too (unless -q).
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

# As root, the mail accounts must reach the instance. A new one below a
# directory they cannot enter (a checkout in /root, say) is made in
# /var/lib/qmail-up instead, and DIR becomes a symbolic link to it.
if [ -n "$make" ] && [ "`id -u`" = 0 ] && [ ! -e "$dir" ] && [ ! -h "$dir" ]; then
  d=$dir
  while [ -n "$d" ]; do
    d=${d%/*}
    [ -d "${d:-/}" ] || continue
    case $((0`stat -L -c %a "${d:-/}"` & 1)) in
      0)
        alt=/var/lib/qmail-up$dir
        (umask 022 && mkdir -p "$alt") && ln -s "$alt" "$dir" ||
          die "unable to make $alt and the link $dir to it"
        echo "$PROG: ${d:-/} is closed to the mail accounts: the instance is in $alt, and $dir links to it"
        break
        ;;
    esac
  done
fi
# A link made above: the instance is where it points (processes work there).
if [ -h "$dir" ]; then
  dir=`readlink -f "$dir"` || die "unable to resolve the link $dir"
fi

for c in svscan svok svstat; do
  command -v $c >/dev/null 2>&1 || die "$c not found: install daemontools (apt-get install daemontools)"
done

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

# smtp_port: the port in the run script of the SMTP service, if there is one
smtp_port() {
  sed -n 's/^ *[0-9.:]* \([0-9][0-9]*\) qmail-smtpd .*/\1/p' "$dir/service/qmail-smtpd/run" 2>/dev/null
}

# listening PORT: a process accepts connections on 127.0.0.1 PORT
listening() {
  tcpclient -RHl0 -T 5 127.0.0.1 "$1" true >/dev/null 2>&1
}

# holders PORT: what listens on PORT, as far as ss (iproute2) can tell
holders() {
  command -v ss >/dev/null 2>&1 || { echo "(ss of iproute2 would show which process)"; return; }
  h_out=`ss -H -l -t -n -p "sport = :$1" 2>/dev/null`
  h_who=`printf '%s\n' "$h_out" | sed -n 's/.*users:((\(.*\)))[[:space:]]*$/\1/p' |
    sed 's/),(/\n/g' | sed -n 's/^"\([^"]*\)",pid=\([0-9]*\),.*/\1 (pid \2)/p' | sort -u | tr '\n' ' '`
  h_where=`printf '%s\n' "$h_out" | awk 'NF >= 4 { print $4 }' | sort -u | tr '\n' ' '`
  if [ -n "$h_who" ]; then
    echo "held by ${h_who% } on ${h_where% }"
  elif [ -n "$h_where" ]; then
    echo "listened on at ${h_where% } by a process of another user (ss -ltnp as root names it)"
  fi
}

# greeting PORT: the first line the SMTP server on 127.0.0.1 PORT sends
greeting() {
  timeout 10 tcpclient -RHl0 -T 5 127.0.0.1 "$1" sh -c \
    'IFS= read -r line <&6 && printf "%s\n" "$line" && printf "QUIT\r\n" >&7' 2>/dev/null | tr -d '\r'
}

# The SMTP port must be free, unless this instance's own qmail-smtpd, up and
# running with the same port, holds it.
port=
if [ -n "$make" ]; then
  [ -n "$UP_PORT" ] && [ -x "$TOP/qmail-smtpd" ] && port=$UP_PORT
else
  port=`smtp_port`
fi
if [ -n "$port" ]; then
  command -v tcpserver >/dev/null 2>&1 && command -v tcpclient >/dev/null 2>&1 ||
    die "tcpserver not found: install ucspi-tcp (apt-get install ucspi-tcp)"
  if ! { running && is_up "$dir/service/qmail-smtpd" && [ "`smtp_port`" = "$port" ]; } && listening "$port"; then
    echo "$PROG: fatal: port $port on 127.0.0.1 is taken: `holders "$port"`" >&2
    echo "$PROG: nothing started; stop that process or choose another port: make up UP_PORT=NUMBER" >&2
    exit 111
  fi
fi

if [ -n "$make" ]; then
  sh "$TOP/mkinstance.sh" "$dir" $UP_PORT || exit 111
fi
[ -d "$dir/service/qmail-send" ] || die "$dir is not an instance (no service/qmail-send)"

stamp=$dir/.build/started
if running; then
  [ -n "$quiet" ] || echo "$PROG: svscan already runs for $dir (pid $pid)"
  # Programs rebuilt since the services started: restart them so the new
  # programs run (qmail-send finishes its current deliveries first).
  # So are services whose run script changed (a new SMTP port, say).
  if [ -f "$stamp" ]; then
    changed=`find "$dir/bin" -type f -newer "$stamp" 2>/dev/null`
    for s in "$dir"/service/*/; do
      s=${s%/}
      [ -n "$changed" ] || [ -n "`find "$s/run" -newer "$stamp" 2>/dev/null`" ] || continue
      old=`svc_pid "$s"`
      [ -n "$old" ] || continue
      svc -t "$s"
      start=`date +%s`
      while [ "`svc_pid "$s"`" = "$old" ]; do
        [ $((`date +%s` - start)) -ge "$timeout" ] && die "$s did not restart within $timeout seconds"
        sleep 0.1
      done
      if [ -n "$changed" ]; then why="its programs changed"; else why="its run script changed"; fi
      [ -n "$quiet" ] || echo "$PROG: restarted ${s##*/}: $why"
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

# qmail-smtpd answers when tcpserver listens and can run it: wait for its
# greeting.
port=
[ -f "$dir/service/qmail-smtpd/run" ] && port=`smtp_port`
if [ -n "$port" ]; then
  start=`date +%s`
  until answer=`greeting "$port"` && case $answer in 220[\ -]*) true ;; *) false ;; esac; do
    if [ $((`date +%s` - start)) -ge "$timeout" ]; then
      echo "$PROG: fatal: qmail-smtpd does not greet on 127.0.0.1 port $port within $timeout seconds (its answer: '$answer')" >&2
      if [ -f "$dir/log/qmail-smtpd/current" ]; then
        echo "$PROG: the end of $dir/log/qmail-smtpd/current:" >&2
        tail -n 20 "$dir/log/qmail-smtpd/current" >&2
      fi
      echo "$PROG: it is still supervised; stop it with: sh $TOP/down.sh $dir" >&2
      exit 111
    fi
    sleep 0.1
  done
fi

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
printf '%s\n' "  printf 'Subject: test\\n\\nhello\\n' | $dir/bin/sendmail -f $me@localhost $me@localhost"
if [ -n "$port" ]; then
  noswaks=
  command -v swaks >/dev/null 2>&1 || noswaks="   (apt-get install swaks)"
  printf '%s\n' "  or by SMTP to 127.0.0.1 port $port (the log is $dir/log/qmail-smtpd/current):" \
    "  swaks --server 127.0.0.1:$port --from $me@localhost --to $me@localhost$noswaks" \
    "  python3 -c 'import smtplib; smtplib.SMTP(\"127.0.0.1\", $port).sendmail(\"$me@localhost\", [\"$me@localhost\"], \"Subject: test\\n\\nhello\\n\")'"
fi
echo "  then: ls $dir/mail/$me/Maildir/new/"
echo "Stop it with: make down UP_DIR=$dir"
