#!/bin/sh
# qmail-qread and qmail-qstat on a live queue, and sendmail -bp and mailq
# (the instance's bin/mailq, a link to sendmail) printing the same: a
# message deferred for a local recipient; one for remote recipients of which one was delivered,
# one failed (bouncing) and one deferred; one on its first delivery attempt
# (a .qmail program that waits), known only by todo/ID since qmail-send
# keeps it in memory; one not yet preprocessed (qmail-send down). As root
# also as the qmails account, a member of the qmail group and nobody.
# timeout: 240
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start \
  qmail-qread qmail-qstat sendmail
need_cmd svscan svc svstat multilog stat date comm
LC_ALL=C
export LC_ALL

I=$T/inst
instance_create "$I"
# stand-in qmail-remote: ok* delivered, hard* refused, soft* deferred
cat > "$I/bin/qmail-remote" <<'EOF'
#!/bin/sh
cat > /dev/null
shift 2
for a in "$@"; do
  case $a in
    hard*) printf 'h%s refused.\nRemote host said: 550 no such user\n\0' "$a" ;;
    soft*) printf 's%s deferred.\nRemote host said: 451 later\n\0' "$a" ;;
    *) printf 'r\0' ;;
  esac
done
printf 'K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0'
EOF
chmod 755 "$I/bin/qmail-remote" || fail "chmod qmail-remote"
alias_user=`stat -c %U "$I/alias"` && alias_group=`stat -c %G "$I/alias"` || fail "stat $I/alias"
dotqmail() {
  printf '%s\n' "$2" > "$I/alias/.qmail-$1" &&
    chown "$alias_user:$alias_group" "$I/alias/.qmail-$1" && chmod 0644 "$I/alias/.qmail-$1" ||
    fail "unable to write .qmail-$1"
}
dotqmail defer '|exit 111'
# waits for $T/go (at most 60 s, so that a failed test does not hang)
dotqmail wait "|i=0; while [ ! -e $T/go ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done"
# the instance's own mailq: a link to sendmail, run by its full path
[ "`readlink "$I/bin/mailq"`" = sendmail ] || fail "$I/bin/mailq is not a link to sendmail"
instance_start "$I"
ME=`me`
split=`head -n 1 "$TOP/conf-split"`
Q=$I/queue
EXP=$T/expected
mkdir "$EXP" || fail "mkdir $EXP"

mess_ids() { find "$Q/mess" -type f -printf '%f\n' | sort; }
# queue SENDER RCPT...: queues a message, ID = its queue ID
queue() {
  mess_ids > "$T/before"
  printf 'Subject: qread\n\nhello\n' | queue_msg "$I" "$@" || fail "qmail-queue exited $?"
  mess_ids > "$T/after"
  ID=`comm -13 "$T/before" "$T/after"`
  case $ID in '' | *[!0-9]*) fail "no single new message: $ID" ;; esac
}
# header ID FILE SENDER [bouncing]: the first line of a message's listing,
# with the time of FILE
header() {
  h_date=`date -u -d "@\`stat -c %Y "$2"\`" '+%-d %b %Y %H:%M:%S'` || fail "date of $2"
  h_size=`stat -c %s "$Q/mess/$(($1 % split))/$1"` || fail "size of message $1"
  printf '%s GMT  #%s  %s  <%s> %s\n' "$h_date" "$1" "$h_size" "$3" "${4:+ bouncing}"
}
# expect: $T/want, the blocks of $EXP in the order of their IDs
expect() {
  : > "$T/want"
  for e in `ls "$EXP" | sort -n`; do cat "$EXP/$e" >> "$T/want"; done
}
# same WHAT FILE: FILE equals $T/want
same() {
  cmp -s "$T/want" "$2" || {
    echo "expected:"; cat -A "$T/want"; echo "got:"; cat -A "$2"
    fail "$1"
  }
}
# listings: qmail-qread, sendmail -bp and mailq all print $T/want
listings() {
  "$I/bin/qmail-qread" > "$T/got" 2> "$T/err" || fail "qmail-qread exited $?: `cat "$T/err"`"
  [ -s "$T/err" ] && fail "qmail-qread said: `cat "$T/err"`"
  same "qmail-qread $1" "$T/got"
  "$I/bin/sendmail" -bp > "$T/got" 2>&1 || fail "sendmail -bp exited $?"
  same "sendmail -bp $1" "$T/got"
  "$I/bin/mailq" > "$T/got" 2>&1 || fail "mailq exited $?"
  same "mailq $1" "$T/got"
}
# qstat N M
qstat() {
  "$I/bin/qmail-qstat" > "$T/got" 2>&1 || fail "qmail-qstat exited $?"
  printf 'messages in queue: %s\nmessages in queue but not yet preprocessed: %s\n' "$1" "$2" > "$T/want"
  same "qmail-qstat" "$T/got"
}
committed() { [ ! -e "$Q/todo/$1" ] && [ -e "$Q/info/$(($1 % split))/$1" ]; }

"$I/bin/qmail-qread" > "$T/got" 2>&1 || fail "qmail-qread of an empty queue exited $?"
[ -s "$T/got" ] && fail "qmail-qread of an empty queue printed: `cat "$T/got"`"
qstat 0 0

# 1: deferred local delivery: info and local files
queue "$ME@localhost" defer@localhost
M1=$ID
wait_for 30 log_grep "$I" "delivery [0-9]*: deferral: " || fail "no deferral for defer@localhost"
wait_for 30 committed $M1 || fail "message $M1 not committed"
{ header $M1 "$Q/info/$((M1 % split))/$M1" "$ME@localhost"; printf '\tlocal\tdefer@localhost\n'; } > "$EXP/$M1"

# 2: remote: one delivered, one failed (its text in bounce/ID), one deferred
queue "$ME@localhost" ok1@mix.example hard1@mix.example soft1@mix.example
M2=$ID
wait_for 30 log_grep "$I" "delivery [0-9]*: deferral: soft1@mix.example_deferred" || fail "no deferral for soft1"
wait_for 30 committed $M2 || fail "message $M2 not committed"
[ -e "$Q/bounce/$M2" ] || fail "no bounce/$M2"
{
  header $M2 "$Q/info/$((M2 % split))/$M2" "$ME@localhost" bouncing
  printf '  done\tremote\tok1@mix.example\n  done\tremote\thard1@mix.example\n\tremote\tsoft1@mix.example\n'
} > "$EXP/$M2"

# 3: on its first delivery attempt: mess and todo only
queue "$ME@localhost" wait@localhost
M3=$ID
wait_for 30 log_grep "$I" "starting delivery [0-9]*: msg $M3 to local wait@localhost" ||
  fail "no delivery of message $M3 started"
[ -e "$Q/todo/$M3" ] || fail "todo/$M3 is gone during the first attempt"
[ -e "$Q/info/$((M3 % split))/$M3" ] && fail "message $M3 has an info file during its first attempt"
{ header $M3 "$Q/todo/$M3" "$ME@localhost"; printf '\ttodo\twait@localhost\n'; } > "$EXP/$M3"
expect
listings "with a message on its first attempt"
qstat 3 1

touch "$T/go"
wait_for 60 log_grep "$I" "end msg $M3\$" || fail "message $M3 not finished"
wait_for 30 sh -c "[ ! -e '$Q/mess/$((M3 % split))/$M3' ]" || fail "message $M3 not removed"
rm "$EXP/$M3"

# 4: not yet preprocessed: qmail-send is down
svc -d "$I/service/qmail-send"
wait_for 60 sh -c "svstat '$I/service/qmail-send' | grep -q ': down '" || fail "qmail-send did not stop"
queue '' postmaster@localhost Remote@Example.COM
M4=$ID
{ header $M4 "$Q/todo/$M4" ""; printf '\ttodo\tpostmaster@localhost\n\ttodo\tRemote@Example.COM\n'; } > "$EXP/$M4"
expect
listings "with a message not yet preprocessed"
qstat 3 1

if [ "`id -u`" = 0 ]; then
  need_cmd setpriv
  qmails=`stat -c %u "$Q/info"` && qgid=`stat -c %g "$Q"` || fail "stat $Q"
  nobody_uid=`id -u nobody` || fail "no account nobody"
  # qmails: the same listing
  expect
  setpriv --reuid="$qmails" --regid="$qgid" --clear-groups "$I/bin/qmail-qread" > "$T/got" 2> "$T/err" ||
    fail "qmail-qread as qmails exited $?: `cat "$T/err"`"
  same "qmail-qread as qmails" "$T/got"
  # a member of the qmail group: counts, but no listing
  setpriv --reuid="$nobody_uid" --regid="$qgid" --clear-groups "$I/bin/qmail-qstat" > "$T/got" 2>&1 ||
    fail "qmail-qstat in the qmail group exited $?"
  printf 'messages in queue: 3\nmessages in queue but not yet preprocessed: 1\n' > "$T/want"
  same "qmail-qstat in the qmail group" "$T/got"
  setpriv --reuid="$nobody_uid" --regid="$qgid" --clear-groups "$I/bin/qmail-qread" > "$T/got" 2> "$T/err"
  assert_eq 111 $? "exit code of qmail-qread in the qmail group"
  [ -s "$T/got" ] && fail "qmail-qread in the qmail group printed: `cat "$T/got"`"
  assert_eq "qmail-qread: fatal: unable to read queue/info/0: permission denied (qmail-qread must run as root or as the qmails account)" \
    "`cat "$T/err"`" "qmail-qread in the qmail group"
  # anyone else
  nobody_gid=`id -g nobody`
  setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups "$I/bin/qmail-qread" > "$T/got" 2> "$T/err"
  assert_eq 111 $? "exit code of qmail-qread as nobody"
  assert_eq "qmail-qread: fatal: unable to switch to $I/queue: permission denied (qmail-qread must run as root or as the qmails account)" \
    "`cat "$T/err"`" "qmail-qread as nobody"
  setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups "$I/bin/mailq" > "$T/got" 2> "$T/err"
  assert_eq 111 $? "exit code of mailq as nobody"
  assert_eq "qmail-qread: fatal: unable to switch to $I/queue: permission denied (qmail-qread must run as root or as the qmails account)" \
    "`cat "$T/err"`" "mailq as nobody"
  setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups "$I/bin/qmail-qstat" > "$T/got" 2> "$T/err"
  assert_eq 111 $? "exit code of qmail-qstat as nobody"
  assert_eq "qmail-qstat: fatal: unable to switch to $I/queue: permission denied (qmail-qstat must run as root, as qmailq or in the qmail group)" \
    "`cat "$T/err"`" "qmail-qstat as nobody"
fi

# qmail-send back: message 4 is delivered (Remote@Example.COM by the
# stand-in) and goes; 1 and 2 stay as they were
svc -u "$I/service/qmail-send"
wait_for 60 log_grep "$I" "end msg $M4\$" || fail "message $M4 not finished"
wait_for 30 sh -c "[ ! -e '$Q/mess/$((M4 % split))/$M4' ]" || fail "message $M4 not removed"
rm "$EXP/$M4"
expect
listings "after qmail-send took up the message again"
qstat 2 0

# while messages come and go: every run exits 0, says nothing on fd 2
# and prints only well-formed lines
(
  n=0
  while [ $n -lt 200 ]; do
    printf 'Subject: flow %s\n\nhello\n' $n | queue_msg "$I" "$ME@localhost" postmaster@localhost || exit 1
    n=$((n + 1))
  done
) &
flow=$!
track_pid $flow
runs=0
while kill -0 $flow 2>/dev/null || [ `maildir_count "\`mailbox "$I" postmaster\`"` -lt 200 ]; do
  "$I/bin/qmail-qread" > "$T/got" 2> "$T/err" || fail "qmail-qread exited $? during the flow: `cat "$T/err"`"
  [ -s "$T/err" ] && fail "qmail-qread said during the flow: `cat "$T/err"`"
  bad=`grep -v -E -e '^[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT  #[0-9]+  [0-9]+  <[^>]*> ( bouncing)?$' \
    -e '^(	|  done	)(local|remote|todo)	[ -~]+$' "$T/got"`
  [ -n "$bad" ] && fail "malformed lines during the flow: $bad"
  runs=$((runs + 1))
  grep -q "	todo	" "$T/got" && seen_todo=1
  [ $runs -lt 3000 ] || fail "200 messages not delivered"
done
wait $flow || fail "queueing the flow failed"
echo "$runs listings during the flow${seen_todo:+, with todo lines}"
pass
