# tests/lib_remote.sh: helpers for the qmail-remote tests (sourced after
# tests/lib.sh). An instance in $I whose qmail-remote is run directly, with
# control/smtproutes sending example.com to tests/fakesmtp.py.
#   remote_setup                  the instance; timeoutremote 5
#   serve SCRIPT [fakesmtp args]  starts fakesmtp on SCRIPT (a file), records
#                                 the bytes it receives in $T/rec.1, sets PORT
#                                 and routes example.com to 127.0.0.1:PORT
#   remote SENDER RCPT...         runs qmail-remote example.com on $T/msg,
#                                 output in $T/out, seconds taken in SECS
#   fake_done                     waits for fakesmtp to exit
#   out_is FORMAT                 $T/out equals printf FORMAT (exact bytes)
#   rec_is FORMAT                 $T/rec.1 equals printf FORMAT
#   out_has TEXT                  $T/out contains TEXT (fixed string)

remote_setup() {
  need_programs qmail-remote
  need_cmd "$PYTHON" cmp od
  I=$T/inst
  instance_create "$I"
  echo 5 > "$I/control/timeoutremote"
  echo 5 > "$I/control/timeoutconnect"
  FAKE=
}

serve() {
  rs_script=$1
  shift
  rm -f "$T"/rec.* "$T/port"
  "$PYTHON" "$TOP/tests/fakesmtp.py" -r "$T/rec" "$@" "$rs_script" > "$T/port" 2> "$T/fake.err" &
  FAKE=$!
  track_pid $FAKE
  wait_for 10 test -s "$T/port" || fail "fakesmtp did not start: `cat "$T/fake.err"`"
  PORT=`head -n 1 "$T/port"`
  echo "example.com:127.0.0.1:$PORT" > "$I/control/smtproutes"
}

remote() {
  rs_t0=`date +%s`
  "$I/bin/qmail-remote" example.com "$@" < "$T/msg" > "$T/out"
  rs_rc=$?
  SECS=$((`date +%s` - rs_t0))
  [ $rs_rc = 0 ] || fail "qmail-remote exited $rs_rc"
}

fake_done() {
  [ -n "$FAKE" ] || return 0
  wait "$FAKE" 2>/dev/null
  FAKE=
}

out_is() {
  printf "$1" > "$T/want"
  cmp -s "$T/want" "$T/out" || {
    echo "expected:"; od -c "$T/want"; echo "got:"; od -c "$T/out"
    fail "report differs${2:+: $2}"
  }
}

rec_is() {
  fake_done
  printf "$1" > "$T/wantrec"
  cmp -s "$T/wantrec" "$T/rec.1" || {
    echo "expected:"; od -c "$T/wantrec"; echo "got:"; od -c "$T/rec.1"
    fail "bytes received differ${2:+: $2}"
  }
}

out_has() {
  tr '\0' '\n' < "$T/out" | grep -q -F -e "$1" || { od -c "$T/out"; fail "no '$1' in the report"; }
}

# script NAME <<EOF ... : writes $T/NAME
script() {
  cat > "$T/$1"
}
