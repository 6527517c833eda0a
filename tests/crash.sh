#!/bin/sh
# Crash safety of the queue (states and crash rules of section 4.3, recovery
# of 4.9), in two parts.
#
# Part 1: with qmail-send stopped, messages are queued and their files are
# put by hand into the state a crash at each step of preprocessing and
# delivery leaves; started once, qmail-send must deliver each exactly as
# the rules say, within 10 s (no waiting for a trigger or a timer).
#
# Part 2: 1,000 messages are queued by 10 concurrent injectors (one
# qmail-queue per message; each carries its number in an X-Test-Id header and
# in its first and last body lines, and goes to postmaster, to the invoking
# user or to both) while qmail-send gets SIGKILL after every start, and
# supervise restarts it: half of the kills 50-300 ms after the start, a
# quarter within the first 50 ms (rebuild and the todo entries that piled up
# meanwhile), a quarter as soon as a delivery runs. When the injectors are
# done the killing stops and the queue must drain. Asserts: every qmail-queue
# exit was 0 (a temporary failure only counts if retried), every (message,
# recipient) was delivered at least once, each delivered file is byte for
# byte Return-Path, Delivered-To, qmail-queue's Received line and the queued
# message, no file is in the wrong Maildir or left in tmp/, the queue holds
# nothing but mess files of delivered messages (the S2 leftover of a crash
# between removing info and removing mess, which the crash rules allow and
# the 36-hour sweep removes; their number is printed), kills landed while
# todo entries were half preprocessed and while deliveries ran, no
# qmail-send exited by itself, and the log has no alert and no line other
# than qmail-send's own and the spawners' and qmail-clean's report that
# qmail-send is gone. Prints "1000 delivered, D duplicates, K kills of
# qmail-send" (D: extra copies). CRASH_MESSAGES, CRASH_JOBS and
# CRASH_SECONDS (the injection time, default 25) change the load.
# timeout: 240

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-rspawn qmail-clean qmail-local qmail-newu
need_cmd svscan supervise svstat svc multilog
need_cmd "$PYTHON"
need_python_module mailbox json

N=${CRASH_MESSAGES:-1000}
JOBS=${CRASH_JOBS:-10}
DURATION=${CRASH_SECONDS:-25}
HELPER=$TOP/tests/crash_inject.py
I=$T/inst
Q=$I/queue
OUT=$T/out
mkdir -p "$OUT" || fail "mkdir $OUT"

# --- part 1: the states a crash leaves, made by hand ---------------------------------
#
# With qmail-send stopped, messages are queued and their queue files are put
# into the state a crash at one point of the life cycle leaves (section 4.3,
# transitions 5-10), then qmail-send starts once and must finish every one of
# them within a few seconds, without waiting for a trigger or a timer:
#   todo-info-local  crash after preprocessing, before todo/ went: deliver once
#   todo-local       crash while a second preprocessing removed the first
#                    attempt's files (info gone, local not yet): deliver once
#   todo-info        crash after info/ was written: deliver once
#   s5-pending       preprocessed, crash before the delivery: deliver once
#   s5-partly        two recipients, the first marked done: only the second
#   s5-done          every recipient marked done, crash before local/ went:
#                    no delivery, every file removed
#   info-only        crash after local/ went, before info/: no delivery,
#                    every file removed
S=$T/states
instance_create "$S"
instance_start "$S"
SQ=$S/queue
qowner=`stat -c %u:%g "$SQ/info"` || fail "unable to stat $SQ/info"
svc -d "$S/service/qmail-send" || fail "svc -d failed"
send_down() {
  svstat "$S/service/qmail-send" | grep -q ': down '
}
wait_for 30 send_down || fail "qmail-send did not stop: `svstat "$S/service/qmail-send"`"

user=`me`
[ "$user" = postmaster ] && skip "the invoking user is called postmaster; the cases need two mailboxes"

# state_msg CASE RCPT...: queues a message marked CASE; its queue id goes
# into $id
state_msg() {
  sm_case=$1
  shift
  sm_before=" `ls "$SQ/todo" | tr '\n' ' '`"
  printf 'Subject: %s\nX-State-Case: %s\n\nstate case %s\n' "$sm_case" "$sm_case" "$sm_case" |
    queue_msg "$S" "state-$sm_case@example.com" "$@" || fail "qmail-queue failed for $sm_case"
  for sm_id in `ls "$SQ/todo"`; do
    case $sm_before in *" $sm_id "*) ;; *) id=$sm_id; return 0 ;; esac
  done
  fail "no new todo entry for $sm_case"
}

# put FILE PRINTF-ARGS...: a queue file of qmail-send's, as qmail-send makes it
put() {
  pf=$1
  shift
  printf "$@" > "$pf" && chown "$qowner" "$pf" && chmod 0600 "$pf" || fail "unable to write $pf"
}

# preprocessed ID: todo and intd go, as qmail-clean removes them
preprocessed() {
  rm -f "$SQ/todo/$1" "$SQ/intd/$1" || fail "unable to remove todo/$1"
}

split=`ls "$SQ/info" | wc -l | tr -d ' '`
P=postmaster@localhost
U=$user@localhost

state_msg todo-info-local "$P"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-todo-info-local@example.com
put "$SQ/local/$((id % split))/$id" 'T%s\0' "$P"

state_msg todo-local "$P"
put "$SQ/local/$((id % split))/$id" 'T%s\0' "$P"

state_msg todo-info "$U"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-todo-info@example.com

state_msg s5-pending "$U"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-s5-pending@example.com
put "$SQ/local/$((id % split))/$id" 'T%s\0' "$U"
preprocessed $id

state_msg s5-partly "$P" "$U"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-s5-partly@example.com
put "$SQ/local/$((id % split))/$id" 'D%s\0T%s\0' "$P" "$U"
preprocessed $id

state_msg s5-done "$P" "$U"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-s5-done@example.com
put "$SQ/local/$((id % split))/$id" 'D%s\0D%s\0' "$P" "$U"
preprocessed $id

state_msg info-only "$P"
put "$SQ/info/$((id % split))/$id" 'F%s\0' state-info-only@example.com
preprocessed $id

# delivered CASE NAME: how many files in NAME's Maildir are of CASE
delivered() {
  grep -l -x -F "X-State-Case: $1" "`mailbox "$S" "$2"`"/new/* "`mailbox "$S" "$2"`"/cur/* 2>/dev/null |
    wc -l | tr -d ' '
}
states_done() {
  [ -z "`find "$SQ/todo" "$SQ/intd" "$SQ/info" "$SQ/local" "$SQ/remote" "$SQ/mess" ! -type d -print`" ] &&
    [ "`delivered todo-info-local postmaster`" -ge 1 ] && [ "`delivered todo-local postmaster`" -ge 1 ] &&
    [ "`delivered todo-info "$user"`" -ge 1 ] && [ "`delivered s5-pending "$user"`" -ge 1 ] &&
    [ "`delivered s5-partly "$user"`" -ge 1 ]
}
svc -u "$S/service/qmail-send" || fail "svc -u failed"
states_failed=
if ! wait_for 10 states_done; then
  echo "the hand-made crash states were not all finished within 10 s of the start:"
  find "$SQ/todo" "$SQ/intd" "$SQ/info" "$SQ/local" "$SQ/remote" "$SQ/mess" ! -type d -print | sed 's/^/  left: /'
  grep -e warning -e alert "`log_file "$S"`" | sed 's/^/  log: /'
  states_failed=1
fi
for c in todo-info-local:postmaster:1 todo-local:postmaster:1 todo-info:$user:1 \
  s5-pending:$user:1 s5-partly:$user:1 s5-partly:postmaster:0 \
  s5-done:postmaster:0 s5-done:$user:0 info-only:postmaster:0; do
  name=${c#*:}
  want=${name#*:}
  name=${name%:*}
  got=`delivered "${c%%:*}" "$name"`
  if [ "$got" != "$want" ]; then
    echo "crash state ${c%%:*}: $got deliveries to $name, expected $want"
    states_failed=1
  fi
done
[ -z "$states_failed" ] && echo "every hand-made crash state was finished correctly"
instance_stop "$S"

# --- part 2: SIGKILL at random moments under load ---------------------------------------

instance_create "$I"
instance_start "$I"

# The helper runs the injectors and the killer; it needs to see the queue.
"$PYTHON" "$HELPER" run "$I" "$OUT" "$N" "$JOBS" "$DURATION" "`me`" ||
  fail "not every message was queued"

# --- the queue drains ------------------------------------------------------------

# queue_files DIR...: the files under queue/DIR...
queue_files() {
  for d in "$@"; do
    find "$Q/$d" ! -type d -print
  done
}

drained() {
  [ -z "`queue_files todo intd info local remote bounce pid`" ] &&
    "$PYTHON" "$HELPER" pending "$I" "$OUT"
}

if ! wait_for 60 drained; then
  echo "the queue did not drain within 60 s after the last kill; left:"
  for d in todo intd info local remote bounce pid mess; do
    echo "  $d: `queue_files $d | wc -l | tr -d ' '` files"
  done
  svstat "$I/service/qmail-send"
  "$PYTHON" "$HELPER" check "$I" "$OUT"
  "$PYTHON" "$HELPER" evidence "$I" "$OUT"
  "$PYTHON" "$HELPER" log "$I" "$OUT"
  echo "the end of the log:"
  tail -n 30 "`log_file "$I"`"
  fail "messages were not delivered after qmail-send was killed"
fi

# The last mess files go just after their info file: wait until qmail-clean
# has caught up (two looks in a row find the same number).
mess_prev=
mess_settled() {
  mess_now=`queue_files mess | wc -l | tr -d ' '`
  [ "$mess_now" = "$mess_prev" ] && return 0
  mess_prev=$mess_now
  return 1
}
wait_for 10 mess_settled

# --- what was delivered ----------------------------------------------------------

if ! "$PYTHON" "$HELPER" check "$I" "$OUT"; then
  "$PYTHON" "$HELPER" evidence "$I" "$OUT"
  "$PYTHON" "$HELPER" log "$I" "$OUT"
  fail "the Maildirs do not hold exactly the messages queued"
fi

# --- what is left in the queue ---------------------------------------------------

# Left may be only mess files of delivered messages (S2).
"$PYTHON" "$HELPER" leftovers "$I" "$OUT" || fail "files were left in the queue"

# --- the kills landed where they matter --------------------------------------------

"$PYTHON" "$HELPER" log "$I" "$OUT" > "$OUT/log.txt" || fail "unable to read the log"
cat "$OUT/log.txt"
summary=`"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1] + "/run.json"))
c = json.load(open(sys.argv[1] + "/check.json"))
k = r["kills"]
print(len(k), sum(1 for x in k if x["half"]), sum(1 for x in k if x["inflight"]),
      c["extra_copies"], c["complete"], len(r["unexpected_exits"]))' "$OUT"` ||
  fail "unable to read the results"
set -- $summary
kills=$1 kills_half=$2 kills_delivering=$3 dups=$4 complete=$5 unexpected=$6

[ "$unexpected" = 0 ] || {
  tail -n 40 "`log_file "$I"`"
  fail "$unexpected qmail-send processes exited without being killed"
}
[ "$kills" -ge 5 ] || fail "only $kills kills of qmail-send: the test did not exercise crashes"
[ "$kills_half" -ge 1 ] || fail "no kill landed while todo entries were being preprocessed"
[ "$kills_delivering" -ge 1 ] || fail "no kill landed while deliveries were running"

# --- the log ------------------------------------------------------------------------

# SIGKILL gives qmail-send no chance to say anything; the spawners and
# qmail-clean find it gone when they write to it and say so. Nothing else
# is expected: no alert, and no line that is not qmail-send's own.
if grep -q '^log alert' "$OUT/log.txt"; then
  fail "the log has alerts"
fi
if grep -q '^log other' "$OUT/log.txt"; then
  fail "the log has unexpected lines"
fi

[ "$complete" = "$N" ] || fail "only $complete of $N messages were completely delivered"
[ -z "$states_failed" ] || fail "qmail-send did not finish every hand-made crash state (see above)"
pass "$N delivered, $dups duplicates, $kills kills of qmail-send"
