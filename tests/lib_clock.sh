# tests/lib_clock.sh: a faked clock for qmail-send in a private instance, and
# helpers to watch its log. Source it after tests/lib.sh:
#   . tests/lib.sh
#   . tests/lib_clock.sh
#   need_faketime
#   instance_create "$I"
#   clock_install "$I"          # before instance_start
#   clock_set "$I" 1700000000   # seconds since the epoch, frozen there
#   instance_start "$I"
#   clock_check "$I"            # libfaketime is really loaded in qmail-send
#
# The clock comes from libfaketime (Debian package libfaketime): qmail-send
# sees time() frozen at the value in DIR/clock/now until the test writes
# another one (the qmail-queue it runs for bounces inherits the environment,
# but a setuid qmail-queue ignores LD_PRELOAD, so its Received line may show
# the real time). File timestamps are not
# faked (NO_FAKE_STAT=1), so the birth of a message (the mtime of its
# queue/info file) is the real time it was preprocessed, and a test moves
# the clock relative to it. qmail-lspawn, qmail-local, qmail-clean and the
# logger run on the real clock. Only time() and friends are faked: poll
# timeouts are real durations, so after moving the clock the test wakes
# qmail-send with clock_trigger.

# Run on its own (tests/run runs every tests/*.sh), it is no test: skip.
if ! command -v lib_cleanup > /dev/null 2>&1; then
  echo "tests/lib_clock.sh holds helpers for other tests; source it after tests/lib.sh"
  exit 77
fi

# need_faketime: skip unless libfaketime is installed; sets FAKETIME_LIB.
# Skips in a sanitizer build too: the ASan runtime must be the first library
# of a process and refuses to run after a preloaded one.
need_faketime() {
  [ -z "$SANITIZED" ] || skip "the faked clock needs LD_PRELOAD, which the sanitizer build does not allow"
  FAKETIME_LIB=
  for lc_f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
    /usr/local/lib/faketime/libfaketime.so.1 /usr/lib64/faketime/libfaketime.so.1; do
    if [ -f "$lc_f" ]; then FAKETIME_LIB=$lc_f; break; fi
  done
  [ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (apt-get install libfaketime)"
}

# clock_install DIR: makes qmail-send of instance DIR (made by instance_create,
# not yet started) run under libfaketime with the clock file DIR/clock/now.
# qmail-start finds qmail-send through $PATH: the service's run file gets
# DIR/clock/bin first in $PATH, where qmail-send is a wrapper that adds the
# libfaketime environment and runs DIR/bin/qmail-send.
clock_install() {
  lc_d=$1
  [ -n "$FAKETIME_LIB" ] || fail "clock_install: call need_faketime first"
  lc_run=$lc_d/service/qmail-send/run
  [ -f "$lc_run" ] || fail "clock_install: no $lc_run"
  mkdir -p "$lc_d/clock/bin" || fail "unable to create $lc_d/clock/bin"
  chmod 0755 "$lc_d/clock" "$lc_d/clock/bin" || fail "unable to chmod $lc_d/clock"
  clock_set "$lc_d" "`date +%s`"
  cat > "$lc_d/clock/bin/qmail-send" <<EOF || fail "unable to write the qmail-send wrapper"
#!/bin/sh
# qmail-send on the faked clock of $lc_d/clock/now (tests/lib_clock.sh)
LD_PRELOAD=$FAKETIME_LIB
FAKETIME_TIMESTAMP_FILE=$lc_d/clock/now
FAKETIME_NO_CACHE=1
NO_FAKE_STAT=1
TZ=UTC
export LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE NO_FAKE_STAT TZ
exec $lc_d/bin/qmail-send
EOF
  chmod 0755 "$lc_d/clock/bin/qmail-send" || fail "unable to chmod the qmail-send wrapper"
  grep -q "PATH=\"$lc_d/bin:" "$lc_run" || fail "clock_install: unexpected PATH in $lc_run"
  sed "s|PATH=\"$lc_d/bin:|PATH=\"$lc_d/clock/bin:$lc_d/bin:|" "$lc_run" > "$lc_run.tmp" &&
    chmod 0755 "$lc_run.tmp" && mv -f "$lc_run.tmp" "$lc_run" || fail "unable to rewrite $lc_run"
  grep -q "PATH=\"$lc_d/clock/bin:" "$lc_run" || fail "clock_install: $lc_run was not changed"
}

# clock_set DIR SECONDS: qmail-send's time() returns SECONDS from now on
clock_set() {
  # libfaketime reads "YYYY-MM-DD hh:mm:ss" in the process's zone (TZ=UTC)
  TZ=UTC date -u -d "@$2" '+%Y-%m-%d %H:%M:%S' > "$1/clock/now.tmp" &&
    chmod 0644 "$1/clock/now.tmp" && mv -f "$1/clock/now.tmp" "$1/clock/now" ||
    fail "unable to set the clock to $2"
  CLOCK_NOW=$2
}

# qmail_send_pid DIR: the pid of the running qmail-send of instance DIR
qmail_send_pid() {
  svstat "$1/service/qmail-send" 2>/dev/null | sed -n 's/.*: up (pid \([0-9][0-9]*\)).*/\1/p'
}

# clock_check DIR: fails unless the running qmail-send has libfaketime loaded
clock_check() {
  lc_pid=`qmail_send_pid "$1"`
  [ -n "$lc_pid" ] || fail "qmail-send of $1 is not running"
  [ "`readlink "/proc/$lc_pid/exe" 2>/dev/null`" = "$1/bin/qmail-send" ] ||
    fail "pid $lc_pid is not $1/bin/qmail-send"
  grep -q "$FAKETIME_LIB" "/proc/$lc_pid/maps" 2>/dev/null ||
    fail "libfaketime is not loaded in qmail-send (pid $lc_pid)"
}

# clock_trigger DIR: one byte into DIR/queue/lock/trigger (as qmail-queue
# does); fails when nobody reads the trigger
clock_trigger() {
  printf '\0' | dd of="$1/queue/lock/trigger" oflag=nonblock 2>/dev/null ||
    fail "unable to pull the trigger of $1"
}

# trigger_pending DIR: prints the number of unread bytes in the trigger FIFO
trigger_pending() {
  "$PYTHON" - "$1/queue/lock/trigger" <<'EOF'
import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
n = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
os.close(fd)
print(n)
EOF
}

trigger_drained() {
  [ "`trigger_pending "$1"`" = 0 ]
}

# --- the log ------------------------------------------------------------------------

# log_lines DIR: qmail-send's log without the multilog timestamps
log_lines() {
  sed 's/^@[0-9a-f]* //' "$1/log/qmail-send/current" 2>/dev/null
}

# log_mark DIR: prints the number of lines logged so far (for log_since)
log_mark() {
  log_lines "$1" | wc -l | tr -d ' '
}

# log_since DIR MARK: the log lines after the first MARK lines
log_since() {
  log_lines "$1" | tail -n +$(($2 + 1))
}

# log_count_since DIR MARK REGEX: how many lines after MARK match REGEX
log_count_since() {
  log_since "$1" "$2" | grep -c -e "$3"
}

# log_has_since DIR MARK REGEX: true when a line after MARK matches REGEX
log_has_since() {
  log_since "$1" "$2" | grep -q -e "$3"
}

# clock_settle DIR: returns once qmail-send has finished a full pass of its
# main loop after the last clock_trigger and everything it logged in that
# pass is in the log file. It waits until the trigger byte was read, then
# sends HUP: the status line qmail-send logs for the HUP comes after the
# output of the pass that followed the trigger.
clock_settle() {
  wait_for 20 trigger_drained "$1" || fail "qmail-send did not read the trigger"
  lc_m=`log_mark "$1"`
  svc -h "$1/service/qmail-send" || fail "svc -h failed"
  wait_for 20 log_has_since "$1" "$lc_m" '^status: ' || fail "qmail-send did not log a status line after HUP"
}
