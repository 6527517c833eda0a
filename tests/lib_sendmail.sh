# tests/lib_sendmail.sh: helpers for tests/sendmail-*.sh. Source it after
# tests/lib.sh.
#
#   standin DIR             replaces DIR/bin/qmail-inject (an instance made
#                           for the test, never committed anywhere) with a
#                           script that records into $SI: its arguments, one
#                           "[ARG]" a line (argv), the environment variables
#                           qmail-inject reads (env), its working directory
#                           (cwd) and its input (stdin), then "done" once the
#                           input ended, and exits $SI_EXIT (default 0)
#   si_reset                empties $SI
#   sm ARG...               runs DIR/bin/sendmail (SM = its path) with fd 0
#                           as the caller redirects it: RC its exit code,
#                           $T/out and $T/err its output
#   expect_argv ARG...      the stand-in's arguments were exactly
#                           $SM_INJECT and then ARG...
#   expect_stdin TEXT       its input was exactly TEXT (printf format)

LC_ALL=C
export LC_ALL

standin() {
  SI=$T/si
  SM_INJECT=$1/bin/qmail-inject
  SM=$1/bin/sendmail
  mkdir -p "$SI" && chmod 0777 "$SI" || fail "mkdir $SI"
  rm -f "$SM_INJECT"
  cat > "$SM_INJECT" <<'EOS'
#!/bin/sh
# a stand-in for qmail-inject: records what sendmail passed
for a in "$0" "$@"; do printf '[%s]\n' "$a"; done > "$SI/argv"
for v in QMAILUSER QMAILHOST QMAILNAME MAILNAME NAME MAILHOST MAILUSER; do
  eval "printf '%s=%s\n' $v \"\${$v-(unset)}\""
done > "$SI/env"
pwd > "$SI/cwd"
cat > "$SI/stdin" || exit 111
touch "$SI/done"
exit "${SI_EXIT:-0}"
EOS
  chmod 0755 "$SM_INJECT" || fail "chmod $SM_INJECT"
  export SI
}

si_reset() {
  rm -f "$SI"/*
}

sm() {
  si_reset
  "$SM" "$@" > "$T/out" 2> "$T/err"
  RC=$?
}

expect_argv() {
  for a in "$SM_INJECT" "$@"; do printf '[%s]\n' "$a"; done > "$T/want_argv"
  cmp -s "$T/want_argv" "$SI/argv" || {
    echo "expected arguments:"; cat "$T/want_argv"
    echo "got:"; cat "$SI/argv" 2>/dev/null
    echo "stderr:"; cat "$T/err"
    fail "qmail-inject's arguments"
  }
}

expect_stdin() {
  printf "$1" > "$T/want_stdin"
  cmp -s "$T/want_stdin" "$SI/stdin" || {
    echo "expected input:"; od -c "$T/want_stdin"
    echo "got:"; od -c "$SI/stdin" 2>/dev/null
    fail "qmail-inject's input"
  }
}

# expect_env NAME VALUE: the stand-in saw NAME=VALUE ("(unset)": not set)
expect_env() {
  grep -qxF "$1=$2" "$SI/env" || { cat "$SI/env"; fail "qmail-inject's $1: expected '$2'"; }
}
