#!/bin/sh
# make up when another process listens on UP_PORT (a Python listener on
# 127.0.0.1, then one on every address): make up fails, names the port and,
# where ss can tell, the process that holds it, and starts nothing (no
# svscan, no instance directory; for an existing instance that is down, no
# svscan either). Once the port is free, make up starts the instance and
# qmail-smtpd greets on the port.
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid softlimit tcpserver tcpclient tcprules
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu qmail-smtpd

U=$T/up
LIB_INSTANCES="$U"

# listen ADDRESS: a Python process listening on ADDRESS and a free port;
# sets port and listener
listen() {
  rm -f "$T/port"
  "$PYTHON" -c 'import socket, sys, time
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(5)
print(s.getsockname()[1], flush=True)
time.sleep(600)' "$1" > "$T/port" &
  listener=$!
  track_pid $listener
  wait_for 10 test -s "$T/port" || fail "the listener did not start"
  port=`cat "$T/port"`
}

# svscans: the pids of svscan processes whose arguments or working
# directory name the instance
svscans() {
  for f in `grep -l -x svscan /proc/[0-9]*/comm 2>/dev/null`; do
    p=${f#/proc/}
    p=${p%/comm}
    { tr '\0' '\n' < /proc/$p/cmdline; readlink /proc/$p/cwd; } 2>/dev/null | grep -q -F "$U" && echo $p
  done
}

# refused WHAT ADDRESS: make up fails with the port taken by a listener on
# ADDRESS and starts nothing
refused() {
  listen "$2"
  make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up.log" 2>&1 && { cat "$T/up.log"; fail "$1: make up succeeded on a taken port"; }
  cat "$T/up.log"
  assert_grep "$T/up.log" "^up.sh: fatal: port $port on 127.0.0.1 is taken"
  assert_grep "$T/up.log" "^up.sh: nothing started; "
  if command -v ss >/dev/null 2>&1; then
    assert_grep "$T/up.log" "taken: held by python3 (pid $listener) on $2:$port\$"
  fi
  [ -f "$U/svscan.pid" ] && fail "$1: svscan.pid written"
  [ -z "`svscans`" ] || fail "$1: svscan started: `svscans`"
  kill "$listener"
  wait "$listener" 2>/dev/null
}

refused "a new instance, 127.0.0.1" 127.0.0.1
[ -e "$U" ] && fail "make up made $U"
refused "a new instance, every address" 0.0.0.0

# The instance exists and is down.
port=`free_port` || fail "no free port"
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up1.log" 2>&1 || { cat "$T/up1.log"; fail "make up failed"; }
make -s down UP_DIR="$U" > "$T/down.log" 2>&1 || { cat "$T/down.log"; fail "make down failed"; }
refused "an existing instance" 127.0.0.1
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up2.log" 2>&1 || { cat "$T/up2.log"; fail "make up on the freed port failed"; }
greeting=`timeout 10 tcpclient -RHl0 127.0.0.1 "$port" sh -c 'IFS= read -r l <&6; printf "%s\n" "$l"; printf "QUIT\r\n" >&7' | tr -d '\r'`
case $greeting in
  220\ *) ;;
  *) fail "no greeting on port $port: '$greeting'" ;;
esac
pass
