#!/bin/sh
# An mbox locked by a mail reader makes qmail-local's delivery defer, and the
# delivery succeeds once the lock is released. Four mboxes in one home, each
# with one message delivered, are locked four ways, as Debian's readers
# lock (fcntl, then the dot-lock <mbox>.lock):
#   mbox.dotlockfile  dotlockfile -l mbox.dotlockfile.lock (liblockfile,
#                     Debian Policy's tool): a
#                     dot-lock alone, no fcntl lock
#   mbox.mutt         mutt_dotlock, mutt's own helper: a dot-lock alone
#   mbox.fcntl        an fcntl write lock on the whole file (the call
#                     Dovecot and mutt make), no dot-lock
#   mbox.dovecot      Dovecot itself, the INBOX of a Dovecot started here
#                     with Debian's mbox_write_locks = fcntl dotlock, while
#                     an IMAP APPEND into it waits for the rest of its
#                     literal: both locks, held by Dovecot
# The locks are seen to be held, then qmail-local delivers a second message
# to each mbox at once: each waits for the lock (MBOX_LOCK_WAIT in
# qmail-local.c, 30 s, so the four wait together) and exits 111 with the lock time-out text, leaves
# the mbox byte for byte as it was and the dot-lock in place. Once released
# (dotlockfile -u, mutt_dotlock -u, the fcntl lock dropped, the APPEND
# completed) the same delivery succeeds: Python's mailbox.mbox finds both
# messages exactly in each of the first three, and Dovecot serves its INBOX
# as the first message, its own appended one, then the second message.
# Last, a dot-lock 10 minutes old (stale for liblockfile and qmail-local)
# does not stop a delivery and is gone afterwards.
# timeout: 200

. tests/lib.sh
. tests/lib_dovecot.sh
reader_setup
need_cmd dotlockfile mutt_dotlock

H=$T/home
mail_home "$H"
reader_messages "$T/msgs"
cases="dotlockfile mutt fcntl dovecot"
S1=`cat "$T/msgs/sender.1"`
S2=`cat "$T/msgs/sender.2"`
expected_delivery "$H" "$S1" "$T/msgs/msg.1" > "$T/expected.1" &&
  expected_delivery "$H" "$S2" "$T/msgs/msg.2" > "$T/expected.2" || fail "unable to write $T/expected.*"

t0=`date +%s`
for c in $cases; do
  local_deliver "$H" "$S1" "./mbox.$c" "$T/msgs/msg.1" ||
    { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for the first message to mbox.$c"; }
  assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for mbox.$c"
done

# --- the locks --------------------------------------------------------------------
as_mail dotlockfile -l -r 0 "$H/mbox.dotlockfile.lock" || fail "dotlockfile -l exited $?"
as_mail mutt_dotlock "$H/mbox.mutt" || fail "mutt_dotlock exited $?"
"$PYTHON" "$TOP/tests/mailreaders.py" hold-fcntl "$H/mbox.fcntl" "$T/ready.fcntl" "$T/release.fcntl" &
FCNTL_PID=$!
track_pid $FCNTL_PID
dovecot_start "$T/dovecot" "$MAIL_UID" "$MAIL_GID" "$H" \
  "mbox:$H/dovecot-mail:INBOX=$H/mbox.dovecot:INDEX=$H/dovecot-index"
printf 'Subject: appended by Dovecot\n\nwhile qmail-local waited\n' > "$T/appended"
"$PYTHON" "$TOP/tests/mailreaders.py" hold-append "$DOVECOT_PORT" "$T/appended" \
  "$T/ready.dovecot" "$T/release.dovecot" &
APPEND_PID=$!
track_pid $APPEND_PID

# both_locks MBOX: the fcntl lock and the dot-lock are held
both_locks() {
  [ -e "$1.lock" ] && readers fcntl-held "$1"
}
wait_for 20 test -e "$T/ready.fcntl" || fail "the fcntl lock on mbox.fcntl was not taken"
wait_for 20 both_locks "$H/mbox.dovecot" || {
  tail -n 20 "$DOVECOT_LOG"
  fail "Dovecot did not lock mbox.dovecot (fcntl and dot-lock) during the APPEND"
}
readers fcntl-held "$H/mbox.fcntl" || fail "no fcntl lock seen on mbox.fcntl"
for c in dotlockfile mutt; do
  [ -e "$H/mbox.$c.lock" ] || fail "no dot-lock $H/mbox.$c.lock"
  readers fcntl-held "$H/mbox.$c" && fail "an fcntl lock on mbox.$c: only the dot-lock should be held"
done
[ -e "$H/mbox.fcntl.lock" ] && fail "a dot-lock on mbox.fcntl: only the fcntl lock should be held"
for c in $cases; do
  cp "$H/mbox.$c" "$T/before.$c" || fail "unable to copy mbox.$c"
  ls -l --time-style=+%s "$H/mbox.$c.lock" 2>/dev/null > "$T/lock.$c"
done

# --- deliveries while locked: all four wait at once ---------------------------------
t_locked=`date +%s`
pids=
for c in $cases; do
  ( local_deliver "$H" "$S2" "./mbox.$c" "$T/msgs/msg.2" "$T/out.$c"; echo $? > "$T/rc.$c" ) &
  pids="$pids $!"
  track_pid $!
done
for p in $pids; do
  wait "$p"
done
t_waited=$((`date +%s` - t_locked))
echo "qmail-local gave up after $t_waited s"
for c in $cases; do
  assert_eq 111 "`cat "$T/rc.$c"`" "qmail-local's exit code for the locked mbox.$c"
  assert_eq "Unable to lock mailbox ./mbox.$c: another program has held it locked too long; trying again later. (#4.3.0)" \
    "`cat "$T/out.$c"`" "qmail-local's report for the locked mbox.$c"
  cmp "$T/before.$c" "$H/mbox.$c" || fail "mbox.$c changed while it was locked"
  ls -l --time-style=+%s "$H/mbox.$c.lock" 2>/dev/null > "$T/lock.after"
  cmp -s "$T/lock.$c" "$T/lock.after" || fail "qmail-local touched the dot-lock of mbox.$c: `cat "$T/lock.$c"` / `cat "$T/lock.after"`"
done

# --- released ---------------------------------------------------------------------
as_mail dotlockfile -u "$H/mbox.dotlockfile.lock" || fail "dotlockfile -u exited $?"
as_mail mutt_dotlock -u "$H/mbox.mutt" || fail "mutt_dotlock -u exited $?"
: > "$T/release.fcntl"
wait "$FCNTL_PID" || fail "the fcntl lock holder exited $?"
: > "$T/release.dovecot"
wait "$APPEND_PID" || fail "the IMAP APPEND did not complete"
for c in $cases; do
  [ -e "$H/mbox.$c.lock" ] && fail "the dot-lock of mbox.$c is still there"
  local_deliver "$H" "$S2" "./mbox.$c" "$T/msgs/msg.2" ||
    { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc for mbox.$c once unlocked"; }
  assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report for mbox.$c once unlocked"
done

# a dot-lock left behind by a crashed program: untouched for 10 minutes, it is
# stale for liblockfile (5 minutes) and for qmail-local (MBOX_STALE in mbox.h)
as_mail dotlockfile -l -r 0 "$H/mbox.dotlockfile.lock" || fail "dotlockfile -l exited $?"
touch -d "@$((`date +%s` - 600))" "$H/mbox.dotlockfile.lock" || fail "unable to age the dot-lock"
S3=`cat "$T/msgs/sender.3"`
expected_delivery "$H" "$S3" "$T/msgs/msg.3" > "$T/expected.3" || fail "unable to write $T/expected.3"
local_deliver "$H" "$S3" ./mbox.dotlockfile "$T/msgs/msg.3" ||
  { rc=$?; cat "$T/local.out"; fail "qmail-local exited $rc with a stale dot-lock"; }
assert_eq "did 1+0+0" "`cat "$T/local.out"`" "qmail-local's report with a stale dot-lock"
[ -e "$H/mbox.dotlockfile.lock" ] && fail "the stale dot-lock is still there"
t1=`date +%s`

readers mbox "$H/mbox.dotlockfile" "$t0" "$t1" "$S1" "$T/expected.1" "$S2" "$T/expected.2" "$S3" "$T/expected.3" ||
  fail "Python's mailbox.mbox disagrees on mbox.dotlockfile"
for c in mutt fcntl; do
  readers mbox "$H/mbox.$c" "$t0" "$t1" "$S1" "$T/expected.1" "$S2" "$T/expected.2" ||
    fail "Python's mailbox.mbox disagrees on mbox.$c"
done
readers imap "$DOVECOT_PORT" mboxtexts "$T/expected.1" "$T/appended" "$T/expected.2" || {
  tail -n 20 "$DOVECOT_LOG"
  fail "Dovecot's INBOX is not the first message, its own, then the second"
}
dovecot_stop
dovecot_complaints && fail "Dovecot complained (above)"
pass
