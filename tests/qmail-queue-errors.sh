#!/bin/sh
# qmail-queue in a private instance: the exit code for each kind of bad
# envelope (91, 11, 54) and for each queue directory it cannot use (62-66),
# that no file is left in queue/pid, mess, intd or todo after any of those
# failures, and the exact bytes of the mess and todo files of messages that
# were queued (Received line, envelope records, 1002/1003-byte boundary,
# bodies and envelopes larger than one pipe buffer), plus the trigger byte.
# timeout: 300

. tests/lib.sh
need_programs qmail-queue
need_cmd od cmp stat find dd timeout

PROGRAMS=qmail-queue
export PROGRAMS
I=$T/inst
instance_create "$I"
Q=$I/queue
QQ=$I/bin/qmail-queue
[ -x "$QQ" ] || fail "$QQ was not installed"
[ -p "$Q/lock/trigger" ] || fail "$Q/lock/trigger is not a named pipe"
owner=`stat -c %U "$Q"`
owner_uid=`stat -c %u "$Q"`
owner_gid=`stat -c %g "$Q"`

# --- helpers -------------------------------------------------------------------

# leftovers: the non-directories under the four directories qmail-queue writes
leftovers() {
  find "$Q/pid" "$Q/mess" "$Q/intd" "$Q/todo" ! -type d -print
}

# envelope FILE ARG...: FILE gets the bytes of printf ARG... (\0 allowed)
envelope() {
  f=$1
  shift
  printf "$@" > "$f" || fail "unable to write $f"
}

# long N CHAR: N copies of CHAR
long() {
  head -c "$1" /dev/zero | tr '\0' "$2"
}

MSG=$T/message
printf 'Subject: test\n\nbody\n' > "$MSG"

# run_qq ENVFILE [MSGFILE]: runs qmail-queue as the invoking user; prints
# its exit code
run_qq() {
  "$QQ" < "${2:-$MSG}" 1< "$1"
  echo $?
}

# run_as_owner ENVFILE: runs qmail-queue as the queue's owner. As root the
# permission bits would not stop us, so switch to that account; otherwise
# the invoking user owns the queue already.
run_as_owner() {
  if [ "`id -u`" = 0 ]; then
    setpriv --reuid="$owner_uid" --regid="$owner_gid" --clear-groups \
      "$QQ" < "$MSG" 1< "$1"
    echo $?
  else
    run_qq "$1"
  fi
}

# expect_failure CODE WHAT: the last run gave CODE and left nothing behind
expect_failure() {
  assert_eq "$1" "$rc" "exit code for $2"
  left=`leftovers`
  [ -z "$left" ] || fail "$2 left files behind: $left"
}

[ -z "`leftovers`" ] || fail "the new queue is not empty"

# --- bad envelopes -------------------------------------------------------------

E=$T/env

envelope "$E" 'Xa@b\0Tc@d\0\0'
rc=`run_qq "$E"`; expect_failure 91 "an envelope without F"
envelope "$E" 'Fa@b\0Xc@d\0\0'
rc=`run_qq "$E"`; expect_failure 91 "a record starting with X"
envelope "$E" '\0'
rc=`run_qq "$E"`; expect_failure 91 "an envelope starting with NUL"

{ printf F; long 1003 a; printf '\0Tc@d\0\0'; } > "$E"
rc=`run_qq "$E"`; expect_failure 11 "a 1003-byte sender"
{ printf 'Fa@b\0T'; long 1003 r; printf '\0\0'; } > "$E"
rc=`run_qq "$E"`; expect_failure 11 "a 1003-byte recipient"
{ printf 'Fa@b\0Tc@d\0T'; long 5000 r; } > "$E"
rc=`run_qq "$E"`; expect_failure 11 "a 5000-byte recipient without NUL"

envelope "$E" 'Fa@b\0Tc@d\0'
rc=`run_qq "$E"`; expect_failure 54 "an envelope without its final NUL"
envelope "$E" 'Fa@b\0Tc@'
rc=`run_qq "$E"`; expect_failure 54 "end of file inside an address"
: > "$E"
rc=`run_qq "$E"`; expect_failure 54 "an empty envelope"
# a message larger than a pipe buffer, then no envelope at all
head -c 300000 /dev/urandom > "$T/bigmsg"
rc=`run_qq "$E" "$T/bigmsg"`; expect_failure 54 "a large message without envelope"
# descriptor 1 closed
rc=`"$QQ" < "$MSG" 1>&-; echo $?`; expect_failure 54 "a closed descriptor 1"

# --- a queue it cannot use ------------------------------------------------------

command -v setpriv >/dev/null 2>&1 || [ "`id -u`" != 0 ] ||
  skip "setpriv is not installed: as root the unwritable-queue cases need it to run as $owner"
envelope "$E" 'Fa@b\0Tc@d\0\0'

mv "$Q" "$Q.away" || fail "unable to move the queue away"
rc=`run_qq "$E"`
mv "$Q.away" "$Q" || fail "unable to move the queue back"
expect_failure 62 "a missing queue directory"

# unwritable DIR... CODE WHAT: with DIRs read-only, qmail-queue exits CODE
unwritable() {
  code=$1 what=$2
  shift 2
  chmod u-w "$@" || fail "unable to chmod $*"
  rc=`run_as_owner "$E"`
  chmod u+w "$@" || fail "unable to chmod $*"
  expect_failure "$code" "$what"
}
unwritable 63 "an unwritable pid/" "$Q/pid"
unwritable 64 "unwritable mess/ subdirectories" "$Q"/mess/*
unwritable 65 "an unwritable intd/" "$Q/intd"
unwritable 66 "an unwritable todo/" "$Q/todo"

# --- messages that are queued ---------------------------------------------------

# the class of the Received line for the invoking user: mkinstance gives every
# role to an ordinary user; as root the roles are the accounts of conf-users
uid=`id -u`
if [ "$uid" != 0 ]; then
  who="by alias"
else
  who="by uid $uid"
  n=0
  for role in "by alias" "from network" "" "" "" "" "" "for bounce"; do
    n=$((n + 1))
    [ -n "$role" ] || continue
    name=`sed -n "${n}p" "$TOP/conf-users"`
    if [ "`id -u "$name" 2>/dev/null`" = "$uid" ]; then who=$role; break; fi
  done
fi

# queued ENVFILE MSGFILE WHAT [RECORDS]: qmail-queue exits 0 and commits
# exactly one message whose todo file holds the envelope records (RECORDS,
# default ENVFILE, without its final NUL) and whose mess file is the
# Received line plus MSGFILE; the queue is emptied afterwards
queued() {
  before=`date +%s`
  rc=`run_qq "$1" "$2"`
  assert_eq 0 "$rc" "exit code for $3"
  records=${4:-$1}
  set -- "$1" "$2" "$3" `ls "$Q/todo"`
  [ $# -eq 4 ] || fail "$3: expected one entry in todo/, found: `ls "$Q/todo"`"
  id=$4
  case $id in *[!0-9]*) fail "$3: todo entry $id is not a number" ;; esac
  split=`sed -n 1p "$TOP/conf-split"`
  mess=$Q/mess/$((id % split))/$id
  [ -f "$mess" ] || fail "$3: $mess is missing"
  [ -f "$Q/intd/$id" ] || fail "$3: intd/$id is missing"
  assert_eq "$id" "`stat -c %i "$mess"`" "$3: message ID = inode of the mess file"
  assert_eq "2 `stat -c %i "$Q/intd/$id"`" "`stat -c '%h %i' "$Q/todo/$id"`" "$3: todo and intd are one file"
  assert_eq "644 $owner" "`stat -c '%a %U' "$mess"`" "$3: mode and owner of mess"
  assert_eq "644 $owner" "`stat -c '%a %U' "$Q/todo/$id"`" "$3: mode and owner of todo"
  [ -z "`ls "$Q/pid"`" ] || fail "$3: pid/ is not empty"

  # Received line: exact form, pid as in the envelope file, a current date
  head -n 1 "$mess" > "$T/received"
  line=`cat "$T/received"`
  pid=`echo "$line" | sed -n 's/^Received: (qmail \([1-9][0-9]*\) invoked .*$/\1/p'`
  [ -n "$pid" ] || fail "$3: bad Received line: $line"
  months='Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec'
  echo "$line" | grep -Eq "^Received: \\(qmail $pid invoked $who\\); [1-9][0-9]? ($months) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] -0000\$" ||
    fail "$3: Received line '$line' is not 'Received: (qmail $pid invoked $who); D Mon YYYY HH:MM:SS -0000'"
  when=`date -u -d "${line#*; }" +%s` || fail "$3: unreadable date in '$line'"
  after=`date +%s`
  [ "$when" -ge $((before - 1)) ] && [ "$when" -le $((after + 1)) ] ||
    fail "$3: date in '$line' is not the time of queueing"

  # mess = Received line + message, byte for byte
  { cat "$T/received"; cat "$2"; } > "$T/expect.mess"
  cmp "$T/expect.mess" "$mess" > /dev/null || fail "$3: mess/$id differs from the Received line plus the message"

  # todo = u<uid>\0p<pid>\0 + the envelope without its final NUL
  { printf 'u%s\0p%s\0' "$uid" "$pid"; head -c $((`stat -c %s "$records"` - 1)) "$records"; } > "$T/expect.todo"
  cmp "$T/expect.todo" "$Q/todo/$id" > /dev/null || {
    od -c "$Q/todo/$id" | head -n 5
    fail "$3: todo/$id is not u, p and the envelope records"
  }

  rm -f "$mess" "$Q/intd/$id" "$Q/todo/$id"
}

envelope "$E" 'Fsender@example.org\0Ta@example.com\0Tb@example.net\0\0'
queued "$E" "$MSG" "a plain message"

envelope "$E" 'F\0Tpostmaster@example.com\0\0'
queued "$E" "$MSG" "an empty sender"

envelope "$E" 'F#@[]\0\0'
queued "$E" "$MSG" "a double bounce without recipients"

{ printf F; long 1002 s; printf '\0T'; long 1002 r; printf '\0\0'; } > "$E"
queued "$E" "$MSG" "1002-byte addresses"

# a body with NULs and no final newline, larger than the copy buffer
head -c 200000 /dev/urandom > "$T/bigmsg"
n=0
{
  printf 'Fbulk@example.org\0'
  while [ $n -lt 5000 ]; do
    printf 'Trecipient-number-%s@example.com\0' $n
    n=$((n + 1))
  done
  printf '\0'
} > "$E"
queued "$E" "$T/bigmsg" "a large message with 5000 recipients"

# bytes after the final NUL are not part of the envelope
envelope "$T/env.short" 'Fa@b\0Tc@d\0\0'
envelope "$E" 'Fa@b\0Tc@d\0\0Tjunk\0\0'
queued "$E" "$MSG" "bytes after the final NUL" "$T/env.short"

# the trigger: one byte for a reader of lock/trigger (opened read-write here
# so the open does not wait for a writer)
exec 5<> "$Q/lock/trigger" || fail "unable to open the trigger"
rc=`run_qq "$T/env.short"`
assert_eq 0 "$rc" "exit code with a trigger reader"
byte=`timeout 10 dd bs=1 count=1 <&5 2>/dev/null | od -An -tx1 | tr -d ' '`
exec 5<&-
assert_eq 00 "$byte" "the byte written to lock/trigger"

pass
