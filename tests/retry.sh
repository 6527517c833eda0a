#!/bin/sh
# Retries of a temporary local failure on qmail-send's quadratic schedule,
# with qmail-send on a faked clock (libfaketime, tests/lib_clock.sh):
# next attempt = birth + (floor(sqrt(now - birth)) + 10)^2 for the local
# channel, birth = mtime of queue/info/S/ID. A message to postmaster@localhost
# whose Maildir/tmp is unwritable defers and stays queued with nothing
# delivered; with the clock one second before each due time a trigger starts
# no attempt, at the due time it starts exactly one; SIGALRM (svc -a) makes
# the waiting message due at once; once the Maildir is writable again the
# attempt at the next due time delivers it exactly once and the queue empties.
# timeout: 120

. tests/lib.sh
. tests/lib_clock.sh
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-newu
need_cmd svc svstat svscan multilog stat dd "$PYTHON"
need_faketime

I=$T/inst
Q=$I/queue
instance_create "$I"
clock_install "$I"
split=`sed -n 1p "$TOP/conf-split"`
C=10   # the local channel's constant

# the clock starts before the message is born: the first attempt happens
# at an age below 0, which counts as 0
start=$((`date +%s` - 30))
clock_set "$I" "$start"
instance_start "$I"
clock_check "$I"

MB=`mailbox "$I" postmaster`
[ -d "$MB/tmp" ] || fail "no $MB/tmp"
chmod 000 "$MB/tmp" || fail "unable to chmod $MB/tmp"

# --- helpers ---------------------------------------------------------------------

# isqrt N: floor(sqrt(N)) for N >= 0
isqrt() {
  r=0
  while [ $(((r + 1) * (r + 1))) -le "$1" ]; do r=$((r + 1)); done
  echo $r
}

# next_due BIRTH NOW: the schedule's next attempt after a pass at NOW
next_due() {
  age=$(($2 - $1))
  [ $age -lt 0 ] && age=0
  s=`isqrt $age`
  echo $(($1 + (s + C) * (s + C)))
}

# queue_files: every file in the queue's message directories
queue_files() {
  find "$Q/mess" "$Q/info" "$Q/local" "$Q/remote" "$Q/todo" "$Q/intd" "$Q/bounce" ! -type d -print 2>/dev/null
}
queue_empty() {
  [ -z "`queue_files`" ]
}

# still_queued WHAT: the message waits: its info and local files are there,
# no remote file, and nothing was delivered
still_queued() {
  [ -f "$Q/info/$((id % split))/$id" ] || fail "$1: info/$((id % split))/$id is gone"
  [ -f "$Q/local/$((id % split))/$id" ] || fail "$1: local/$((id % split))/$id is gone"
  [ -f "$Q/mess/$((id % split))/$id" ] || fail "$1: mess/$((id % split))/$id is gone"
  [ ! -e "$Q/remote/$((id % split))/$id" ] || fail "$1: a remote file for a local message"
  assert_eq 0 "`maildir_count "$MB"`" "$1: messages in the Maildir"
}

# nothing_at TIME WHAT: with the clock at TIME, a trigger starts nothing
nothing_at() {
  clock_set "$I" "$1"
  m=`log_mark "$I"`
  clock_trigger "$I"
  clock_settle "$I"
  if log_has_since "$I" "$m" '^starting delivery '; then
    log_since "$I" "$m"
    fail "$2: a delivery started at age $(($1 - birth)) s"
  fi
}

# no_attempt_at TIME WHAT: nothing_at, and the message still waits
no_attempt_at() {
  nothing_at "$@"
  still_queued "$2"
}

# attempt WHAT: waits for exactly one attempt after log mark $m and for its
# result; sets result to the text after "delivery N: "
attempt() {
  wait_for 20 log_has_since "$I" "$m" "^starting delivery [0-9]*: msg $id to local postmaster@localhost\$" ||
    { log_since "$I" "$m"; fail "$1: no delivery started"; }
  n=`log_since "$I" "$m" | sed -n "s/^starting delivery \([0-9]*\): msg $id to local postmaster@localhost\$/\1/p"`
  case $n in
    *[!0-9]* | '') log_since "$I" "$m"; fail "$1: more than one delivery started" ;;
  esac
  wait_for 20 log_has_since "$I" "$m" "^delivery $n: " || fail "$1: no result for delivery $n"
  result=`log_since "$I" "$m" | sed -n "s/^delivery $n: //p"`
  assert_eq 1 "`log_count_since "$I" "$m" '^starting delivery '`" "$1: deliveries started"
}

# attempt_at TIME WHAT: with the clock at TIME, a trigger starts one attempt
attempt_at() {
  clock_set "$I" "$1"
  m=`log_mark "$I"`
  clock_trigger "$I"
  attempt "$2"
}

# deferred WHAT: the last attempt was a temporary failure
deferred() {
  case $result in
    "deferral: "*"(#4."*) ;;
    *) fail "$1: expected a deferral with a #4.x.x code, got: $result" ;;
  esac
  still_queued "$1"
}

# --- the first attempt, at preprocessing ----------------------------------------

printf 'Subject: retry me\n\nbody of the retried message\n' > "$T/msg"
m=`log_mark "$I"`
queue_msg "$I" "`me`@localhost" postmaster@localhost < "$T/msg" || fail "qmail-queue exited $?"
wait_for 20 log_has_since "$I" "$m" '^new msg [0-9]*$' || fail "the message was not preprocessed"
id=`log_since "$I" "$m" | sed -n 's/^new msg \([0-9]*\)$/\1/p'`
attempt "first attempt"
deferred "first attempt"
birth=`stat -c %Y "$Q/info/$((id % split))/$id"` || fail "unable to stat the info file"
[ "$birth" -ge "$start" ] || fail "birth $birth is before the fake clock's start $start"

# attempt 1 was at $start (age <= 0): next at birth + 100
due=`next_due "$birth" "$start"`
assert_eq $((birth + 100)) "$due" "the first retry time"
no_attempt_at $((birth + 99)) "age 99 s"
no_attempt_at $((due - 1)) "one second before the first retry"

# --- second attempt at age 101 ----------------------------------------------------

t=$((birth + 101))
attempt_at "$t" "age 101 s"
deferred "age 101 s"
due=`next_due "$birth" "$t"`
assert_eq $((birth + 400)) "$due" "the retry time after an attempt at age 101 s"
no_attempt_at $((birth + 101)) "a trigger at the same time again"
no_attempt_at $((due - 1)) "one second before the retry at age 400 s"

# --- third attempt at its due time -----------------------------------------------

t=$due
attempt_at "$t" "the due time, age $((t - birth)) s"
deferred "age $((t - birth)) s"
due=`next_due "$birth" "$t"`
assert_eq $((birth + 900)) "$due" "the retry time after an attempt at age 400 s"

# --- SIGALRM: due at once -------------------------------------------------------------

t=$((birth + 500))
no_attempt_at "$t" "age 500 s, before SIGALRM"
m=`log_mark "$I"`
svc -a "$I/service/qmail-send" || fail "svc -a failed"
attempt "SIGALRM at age 500 s"
deferred "SIGALRM at age 500 s"
due=`next_due "$birth" "$t"`
assert_eq $((birth + 1024)) "$due" "the retry time after an attempt at age 500 s"

# --- the Maildir is fixed: the next attempt delivers -------------------------------------

chmod 0700 "$MB/tmp" || fail "unable to chmod $MB/tmp"
no_attempt_at $((due - 1)) "one second before the retry at age 1024 s, Maildir fixed"
m=`log_mark "$I"`
attempt_at "$due" "age 1024 s"
case $result in
  "success: "*) ;;
  *) fail "age 1024 s: expected success, got: $result" ;;
esac
wait_for 20 log_has_since "$I" "$m" "^end msg $id\$" || fail "no 'end msg $id' after the delivery"
wait_for 20 queue_empty || fail "the queue is not empty: `queue_files`"
assert_eq 1 "`maildir_count "$MB"`" "messages in the Maildir"
assert_eq 5 "`log_lines "$I" | grep -c "^starting delivery [0-9]*: msg $id to local "`" "attempts in all"
assert_eq 4 "`log_lines "$I" | grep -c "^delivery [0-9]*: deferral: "`" "deferrals in all"
assert_eq 1 "`log_lines "$I" | grep -c "^delivery [0-9]*: success: "`" "successes in all"

# the delivered message: envelope lines from qmail-local, then the queued bytes
f=`find "$MB/new" "$MB/cur" -type f`
sed -n 1p "$f" > "$T/line1"
assert_eq "Return-Path: <`me`@localhost>" "`cat "$T/line1"`" "first line of the delivered message"
assert_eq "Delivered-To: postmaster@localhost" "`sed -n 2p "$f"`" "second line of the delivered message"
sed -n '3s/^\(Received: (qmail [0-9]* invoked \).*$/\1/p' "$f" | grep -q . ||
  fail "third line is not qmail-queue's Received line: `sed -n 3p "$f"`"
tail -n +4 "$f" | cmp -s - "$T/msg" || fail "the delivered message differs from the one queued"

# after the success nothing is retried, even long after
nothing_at $((birth + 5000)) "long after the delivery"
assert_eq 1 "`maildir_count "$MB"`" "messages in the Maildir at the end"
pass
