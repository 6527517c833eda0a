# tests/lib_helpers.sh: helpers for the tests of the programs meant for
# .qmail lines (tests/helpers-*.sh). Source it after tests/lib.sh.
#
#   helpers_instance        I = an instance, made but not started, whose
#                           bin/ holds the programs with I compiled in as
#                           their home (queue_client changes to it)
#   recorder                writes $T/qq, a queue program that records what
#                           it is given into the directory $REC: message,
#                           envelope, pid (its own, which forward prints as
#                           qp), cwd; then exits $REC_EXIT (default 0),
#                           first writing $REC_TEXT on fd 6 when set. With
#                           REC_EARLY set it exits at once, reading nothing.
#   rec_reset               empties $REC
#   run CMD [ARG...]        runs CMD (stdin as the caller redirects it), RC =
#                           its exit code, $T/out and $T/err its output
#   expect_run RC [LINE]    RC as expected, $T/err exactly LINE and a newline
#                           (no LINE: empty), $T/out empty
#   same_file EXPECTED ACTUAL WHAT   cmp, with a dump on failure
#
# Environments are passed with env -i, so a test sees only what it sets
# (and PATH), as a program run by qmail-local sees what qmail-local sets.

LC_ALL=C
export LC_ALL

helpers_instance() {
  I=$T/inst
  instance_create "$I" > "$T/mkinstance.out" 2>&1
}

recorder() {
  REC=$T/rec
  mkdir -p "$REC" || fail "mkdir $REC"
  cat > "$T/qq" <<'EOS'
#!/bin/sh
# records its input: the message on fd 0, the envelope on fd 1
echo $$ > "$REC/pid"
pwd > "$REC/cwd"
[ -n "$REC_EARLY" ] && exit "${REC_EXIT:-0}"
cat > "$REC/message" || exit 54
cat <&1 > "$REC/envelope" || exit 54
[ -n "$REC_TEXT" ] && printf '%s' "$REC_TEXT" >&6
exit "${REC_EXIT:-0}"
EOS
  chmod 0755 "$T/qq" || fail "chmod $T/qq"
}

rec_reset() {
  rm -f "$REC"/* || fail "unable to empty $REC"
}

run() {
  "$@" > "$T/out" 2> "$T/err"
  RC=$?
}

expect_run() {
  if [ $# -ge 2 ]; then
    printf '%s\n' "$2" > "$T/err.want"
  else
    : > "$T/err.want"
  fi
  [ "$RC" = "$1" ] || { cat "$T/err"; fail "exit code $RC, expected $1"; }
  cmp -s "$T/err.want" "$T/err" || fail "fd 2: expected '`cat "$T/err.want"`', got '`cat "$T/err"`'"
  [ -s "$T/out" ] && fail "unexpected output on fd 1: `cat "$T/out"`"
  return 0
}

same_file() {
  cmp "$1" "$2" || {
    echo "--- expected ($1)"; od -c "$1" | head -n 20
    echo "--- got ($2)"; od -c "$2" | head -n 20
    fail "$3: the bytes differ"
  }
}
