#!/bin/sh
# maildir2mbox: the messages of new/ and cur/ (oldest mtime first, then by
# name) are appended to $MAIL after its old bytes, each as
# "From SENDER DATE" (sender from the first line Return-Path, MAILER-DAEMON
# when empty or absent; DATE the mtime in UTC), the message with mboxrd
# quoting, a newline where the last line lacked one, an empty line; the
# bytes are checked exactly, and Python's mailbox module reads the result.
# Afterwards the Maildir is empty but for what is not a message ('.' names,
# a symbolic link, which is never followed), MAIL keeps its mode, no
# MAILTMP or MAIL.lock is left. A missing MAIL is created; an empty Maildir
# leaves MAIL alone (not even created). Refusals: a missing variable and
# MAILTMP = MAIL (100); MAILTMP in a missing directory or on another file
# system (111) leave MAIL, the Maildir and the lock as they were. A held
# fcntl lock on MAIL is waited for, and what its holder appended is kept; a
# stale dot-lock is taken over. A 30 MB message passes with a 40 MB
# address-space limit.

. tests/lib.sh
. tests/lib_helpers.sh
need_programs maildir2mbox maildirmake
need_cmd "$PYTHON"

M2=$TOP/maildir2mbox
MD=$T/Maildir
MB=$T/mbox
m2m() {
  env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$MB.tmp" "$M2" "$@"
}

# msg DIR/NAME MTIME: a message file from stdin with that mtime
msg() {
  cat > "$MD/$1" && touch -d "@$2" "$MD/$1" || fail "unable to write $MD/$1"
}
fill() {
  rm -rf "$MD"
  "$TOP/maildirmake" "$MD" || fail "maildirmake"
  printf 'Return-Path: <owner-list@example.com>\nDelivered-To: joe@example.com\nSubject: one\n\nFrom here\n>From there\n>>From everywhere\nFrom\nFromage\nno newline, held From' |
    msg new/1000000002.M1P1.host 1000000002
  printf 'Return-Path: <>\nSubject: bounce \200\377\n\nbody\n' | msg cur/1000000001.M1P1.host:2,S 1000000001
  printf 'Subject: no return path\n\nlast line ends with F\nF' | msg new/1000000003.M1P1.host 1000000003
  printf 'Return-Path: <a b\tc@example.org>\n\nsame mtime, name b\n' | msg new/b 1000000004
  printf 'Return-Path: <x@example.org>\n\nsame mtime, name a\n' | msg cur/a:2, 1000000004
  : | msg new/1000000005.empty 1000000005
}
# want OLDMBOX: the mbox expected from OLDMBOX and the messages of fill
want() {
  cat "$1"
  printf 'From MAILER-DAEMON Sun Sep 09 01:46:41 2001\nReturn-Path: <>\nSubject: bounce \200\377\n\nbody\n\n'
  printf 'From owner-list@example.com Sun Sep 09 01:46:42 2001\nReturn-Path: <owner-list@example.com>\nDelivered-To: joe@example.com\nSubject: one\n\n>From here\n>>From there\n>>>From everywhere\nFrom\nFromage\nno newline, held From\n\n'
  printf 'From MAILER-DAEMON Sun Sep 09 01:46:43 2001\nSubject: no return path\n\nlast line ends with F\nF\n\n'
  printf 'From x@example.org Sun Sep 09 01:46:44 2001\nReturn-Path: <x@example.org>\n\nsame mtime, name a\n\n'
  printf 'From a-b-c@example.org Sun Sep 09 01:46:44 2001\nReturn-Path: <a b\tc@example.org>\n\nsame mtime, name b\n\n'
  printf 'From MAILER-DAEMON Sun Sep 09 01:46:45 2001\n\n'
}
# left: what is in the Maildir's subdirectories
left() {
  find "$MD/new" "$MD/cur" "$MD/tmp" ! -type d | sort | tr '\n' ' '
}

# --- the bytes ------------------------------------------------------------------
fill
printf 'From old@example.com Sat Jan 01 00:00:00 2000\nSubject: old\n\n>From old\n\n' > "$MB"
cp "$MB" "$T/old"
chmod 0640 "$MB"
printf 'a dot file\n' > "$MD/new/.hidden"
printf 'secret\n' > "$T/secret"
ln -s "$T/secret" "$MD/new/1000000000.link"
run m2m
expect_run 0
want "$T/old" > "$T/want"
same_file "$T/want" "$MB" "the mbox"
assert_eq "$MD/new/.hidden $MD/new/1000000000.link " "`left`" "what is left in the Maildir"
assert_eq 640 "`stat -c %a "$MB"`" "the mode of the new mbox"
[ -e "$MB.tmp" ] && fail "MAILTMP is left"
[ -e "$MB.lock" ] && fail "the dot-lock is left"
cat > "$T/read.py" <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
froms = [m.get_from() for m in box]
want = ['old@example.com Sat Jan 01 00:00:00 2000',
        'MAILER-DAEMON Sun Sep 09 01:46:41 2001',
        'owner-list@example.com Sun Sep 09 01:46:42 2001',
        'MAILER-DAEMON Sun Sep 09 01:46:43 2001',
        'x@example.org Sun Sep 09 01:46:44 2001',
        'a-b-c@example.org Sun Sep 09 01:46:44 2001',
        'MAILER-DAEMON Sun Sep 09 01:46:45 2001']
if froms != want:
    sys.exit("From_ lines: %r" % froms)
if box[2]['Subject'] != 'one' or box[3]['Subject'] != 'no return path':
    sys.exit("subjects: %r %r" % (box[2]['Subject'], box[3]['Subject']))
PY
"$PYTHON" "$T/read.py" "$MB" || fail "Python's mailbox module reads the mbox differently"

# nothing to move: MAIL untouched, and not created when missing
cp "$MB" "$T/before"
run m2m
expect_run 0
same_file "$T/before" "$MB" "the mbox after an empty run"
rm -f "$MB"
run m2m
expect_run 0
[ -e "$MB" ] && fail "MAIL was created for nothing"

# a missing MAIL is made, mode 0600
fill
run m2m
expect_run 0
: > "$T/empty"
want "$T/empty" > "$T/want"
same_file "$T/want" "$MB" "the mbox made new"
assert_eq 600 "`stat -c %a "$MB"`" "the mode of a new mbox"
assert_eq "" "`left`" "what is left in the Maildir"

# the header fields readers keep their state in are dropped (mbox.c's
# filter), in the header only; MAIL as our own symbolic link: the file it
# names gets the messages, the link stays
rm -rf "$MD"
"$TOP/maildirmake" "$MD" || fail "maildirmake"
printf 'Return-Path: <s@example.org>\nStatus: RO\nSubject: flags\nX-UID: 7\n  continued\nX-Keywords: a\n\nStatus: in the body\n' |
  msg new/1.flags 1000000000
printf 'From old@example.com Sat Jan 01 00:00:00 2000\n\nold\n\n' > "$T/real"
cp "$T/real" "$T/old"
rm -f "$MB"
ln -s "$T/real" "$MB"
run m2m
expect_run 0
{ cat "$T/old"; printf 'From s@example.org Sun Sep 09 01:46:40 2001\nReturn-Path: <s@example.org>\nSubject: flags\n\nStatus: in the body\n\n'; } > "$T/want"
same_file "$T/want" "$T/real" "the mbox behind the link"
[ -L "$MB" ] || fail "the symbolic link MAIL was replaced"
[ -e "$T/real.lock" ] || [ -e "$MB.lock" ] && fail "a dot-lock is left"
rm -f "$MB" "$T/real"
fill
: > "$MB"

# --- refusals and failures change nothing --------------------------------------
for v in MAILDIR MAIL MAILTMP; do
  run env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$MB.tmp" $v= "$M2"
  expect_run 100 "maildir2mbox: fatal: $v is not set: maildir2mbox reads MAILDIR (the Maildir), MAIL (the mbox) and MAILTMP (a temporary file beside it)"
done
run env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$MB" "$M2"
expect_run 100 "maildir2mbox: fatal: MAILTMP must not be MAIL"
run env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$MB.lock" "$M2"
expect_run 100 "maildir2mbox: fatal: MAILTMP must not be the lock of MAIL"
run m2m extra
expect_run 100 "maildir2mbox: fatal: usage: maildir2mbox (it reads MAILDIR, MAIL and MAILTMP)"
fill
cp "$MB" "$T/before"
before=`left`
run env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$T/nodir/tmp" "$M2"
expect_run 111 "maildir2mbox: fatal: unable to create $T/nodir/tmp: No such file or directory"
same_file "$T/before" "$MB" "the mbox after a failure"
assert_eq "$before" "`left`" "the Maildir after a failure"
[ -e "$MB.lock" ] && fail "the dot-lock is left after a failure"
# another file system, when /dev/shm is one: the rename fails
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "`stat -c %d /dev/shm`" != "`stat -c %d "$T"`" ]; then
  other=`mktemp /dev/shm/m2m.XXXXXX` && rm -f "$other" || fail "mktemp in /dev/shm"
  run env -i PATH="$PATH" MAILDIR="$MD" MAIL="$MB" MAILTMP="$other" "$M2"
  expect_run 111 "maildir2mbox: fatal: unable to rename $other over MAIL (MAILTMP must be on the file system of MAIL): Invalid cross-device link"
  same_file "$T/before" "$MB" "the mbox after a cross-device MAILTMP"
  assert_eq "$before" "`left`" "the Maildir after a cross-device MAILTMP"
  [ -e "$other" ] && { rm -f "$other"; fail "MAILTMP left on the other file system"; }
  [ -e "$MB.lock" ] && fail "the dot-lock is left after a failure"
fi

# --- a lock held by another writer is waited for -----------------------------------
# the holder locks MAIL (fcntl), says so, appends a message when told to and
# lets go; maildir2mbox must neither finish before that nor lose the message
rm -f "$MB"
: > "$MB"
mkfifo "$T/go" "$T/ready" || fail "mkfifo"
cat > "$T/hold.py" <<'PY'
import fcntl, os, sys
mb, go, ready = sys.argv[1:]
fd = os.open(mb, os.O_WRONLY | os.O_APPEND)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(ready, 'w').close()
open(go).read()
os.write(fd, b'From holder@example.com Sat Jan 01 00:00:00 2000\n\nappended under the lock\n\n')
os.fsync(fd)
os.close(fd)
PY
"$PYTHON" "$T/hold.py" "$MB" "$T/go" "$T/ready" &
holder=$!
track_pid $holder
cat "$T/ready" > /dev/null
( m2m > "$T/out" 2> "$T/err"; echo $? > "$T/m2m.rc" ) &
m2m_pid=$!
track_pid $m2m_pid
# a bounded look: unhindered, the run takes milliseconds
if wait_for 2 test -e "$T/m2m.rc"; then fail "maildir2mbox did not wait for the lock"; fi
echo go > "$T/go"
wait $holder || fail "the lock holder failed"
wait $m2m_pid
RC=`cat "$T/m2m.rc"`
expect_run 0
printf 'From holder@example.com Sat Jan 01 00:00:00 2000\n\nappended under the lock\n\n' > "$T/held"
want "$T/held" > "$T/want"
same_file "$T/want" "$MB" "the mbox after waiting for the lock"

# a stale dot-lock (older than 300 s) is taken over
fill
: > "$MB"
: > "$MB.lock"
touch -d '@1000000000' "$MB.lock"
run m2m
expect_run 0
want "$T/empty" > "$T/want"
same_file "$T/want" "$MB" "the mbox after a stale dot-lock"
[ -e "$MB.lock" ] && fail "the dot-lock is left"

# --- bounded memory ------------------------------------------------------------
rm -rf "$MD" "$MB"
"$TOP/maildirmake" "$MD" || fail "maildirmake"
head -c 30000000 /dev/zero | tr '\0' y > "$MD/new/1.big"
# (not under the sanitizers, whose shadow memory needs far more address space)
( if [ -z "$SANITIZED" ]; then ulimit -v 40000 || exit 120; fi; m2m ) > "$T/out" 2> "$T/err"
RC=$?
expect_run 0
assert_eq $((30000000 + 2 + `sed -n 1p "$MB" | wc -c`)) "`wc -c < "$MB" | tr -d ' '`" "bytes of the mbox with the 30 MB message"
pass
