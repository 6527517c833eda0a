#!/bin/sh
# Failure notices from qmail-send, checked on what is delivered (parsed with
# tests/qsbmf.py) and on the log, with qmail-send on a faked clock
# (tests/lib_clock.sh):
#  (a) queuelifetime 1000: at age exactly 1000 s a temporary failure is still
#      a deferral; the expiry does not shorten the retry interval; at the
#      first due time after it the deferral becomes a failure with one added
#      sentence, a bounce is queued ("bounce msg ID qp P", P the qmail-queue
#      of the new message, whose envelope sender is <>) and delivered to the
#      sender's Maildir in QSBMF: headers, intro, the recipient paragraph
#      with the report as logged, the break paragraph, "Return-Path: <S>"
#      and the original queue file byte for byte; the bounce file goes;
#  (b) a permanent failure (unknown local user) bounces at once;
#  in (a) and (b) the recipient paragraph is qmail-local's report as plain
#  sentences ("Sorry, no mailbox here by that name. (#5.1.1)"), with no
#  "qmail-local: fatal:" diagnostics prefix;
#  (c) a bounce that fails becomes a double bounce from <#@[]> to
#      postmaster@localhost, carrying the original bounce;
#  (d) with control/doublebounceto an unknown name the double bounce fails
#      too and is discarded: "triple bounce: discarding bounce/ID", nothing
#      more is queued and the queue ends empty.
# timeout: 120

. tests/lib.sh
. tests/lib_clock.sh
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-newu
need_cmd svc svstat svscan multilog stat dd cmp "$PYTHON"
need_faketime

I=$T/inst
Q=$I/queue
instance_create "$I"
clock_install "$I"
split=`sed -n 1p "$TOP/conf-split"`
ME=`me`
echo 1000 > "$I/control/queuelifetime" || fail "unable to write control/queuelifetime"
chmod 0644 "$I/control/queuelifetime"

start=$((`date +%s` - 30))
clock_set "$I" "$start"
instance_start "$I"
clock_check "$I"

PM=`mailbox "$I" postmaster`
MB=`mailbox "$I"`

# --- helpers ---------------------------------------------------------------------

queue_files() {
  find "$Q/mess" "$Q/info" "$Q/local" "$Q/remote" "$Q/todo" "$Q/intd" "$Q/bounce" ! -type d -print 2>/dev/null
}
queue_empty() {
  [ -z "`queue_files`" ]
}

# maildir_list MAILDIR: its message files, sorted
maildir_list() {
  find "$1/new" "$1/cur" -type f -print 2>/dev/null | sort
}

# new_file MAILDIR BEFORE: the one message file of MAILDIR not listed in the
# file BEFORE (fails unless there is exactly one)
new_file() {
  maildir_list "$1" | comm -13 "$2" - > "$T/new.list"
  [ "`wc -l < "$T/new.list" | tr -d ' '`" = 1 ] || fail "expected one new message in $1, found: `cat "$T/new.list"`"
  cat "$T/new.list"
}

# rfc822_date SECONDS: the Date: value qmail-send writes for SECONDS
rfc822_date() {
  LC_ALL=C TZ=UTC date -u -d "@$1" '+%-d %b %Y %H:%M:%S -0000'
}

# qsbmf FILE DIR: parses the failure notice FILE into DIR (fails when FILE
# does not follow QSBMF)
qsbmf() {
  rm -rf "$2"
  "$PYTHON" "$TOP/tests/qsbmf.py" "$1" "$2" || { cat "$1"; fail "$1 does not follow QSBMF"; }
}

# header DIR NAME: the value of the header field NAME parsed into DIR
header() {
  sed -n "s/^$2: //p" "$1/headers"
}

# check_notice DIR TO: the header and intro of a notice parsed into DIR (TO
# is its To:)
check_notice() {
  assert_eq "MAILER-DAEMON@localhost" "`header "$1" From`" "From: of the notice to $2"
  assert_eq "$2" "`header "$1" To`" "To: of the notice to $2"
  assert_eq "failure notice" "`header "$1" Subject`" "Subject: of the notice to $2"
  assert_eq "`rfc822_date "$CLOCK_NOW"`" "`header "$1" Date`" "Date: of the notice to $2 (the faked clock)"
  for h in From To Subject Date; do
    assert_eq 1 "`grep -c "^$h:" "$1/headers"`" "$h: fields in the notice to $2"
  done
  assert_eq "Hi. This is the qmail-send program at localhost." "`sed -n 1p "$1/intro"`" \
    "first line of the notice to $2"
  [ "`wc -l < "$1/intro"`" -ge 2 ] || fail "the notice to $2 has no explanation after its first line"
  assert_eq "-" "`head -c 1 "$1/break"`" "first character of the break paragraph"
}

# check_original DIR SENDER QP MSGFILE: after the break paragraph of the notice
# parsed into DIR: "Return-Path: <SENDER>", the Received line written by the
# qmail-queue with pid QP, then the bytes of MSGFILE
check_original() {
  sed -n 1p "$1/original" > "$T/rp"
  assert_eq "Return-Path: <$2>" "`cat "$T/rp"`" "the line after the break paragraph"
  sed -n 2p "$1/original" > "$T/rcvd"
  grep -q "^Received: (qmail $3 invoked [a-z0-9 ]*); [0-9]" "$T/rcvd" ||
    fail "the copy does not start with the Received line of qmail-queue $3: `cat "$T/rcvd"`"
  tail -n +3 "$1/original" | cmp -s - "$4" || fail "the copy in the notice differs from $4"
}

# envelope_lines FILE SENDER RCPT: qmail-local's first two lines of FILE
envelope_lines() {
  assert_eq "Return-Path: <$2>" "`sed -n 1p "$1"`" "Return-Path of $1"
  assert_eq "Delivered-To: $3" "`sed -n 2p "$1"`" "Delivered-To of $1"
}

# A message ID is the inode number of its mess file, so a new message can get
# the ID of one that has left the queue (a double bounce often gets the ID of
# the message whose bounce failed). Each message is therefore looked for in
# the log only after the line where it was preprocessed: its "mark".

# msg_id MARK: the ID of the first message preprocessed after MARK
msg_id() {
  log_since "$I" "$1" | sed -n 's/^new msg \([0-9]*\)$/\1/p' | head -n 1
}

# info_of MARK ID: "from <S> qp P" of message ID logged after MARK
info_of() {
  log_since "$I" "$1" | sed -n "s/^info msg $2: bytes [0-9]* \\(from <.*> qp [0-9]*\\) uid [0-9]*\$/\\1/p" | head -n 1
}

# bounce_qp MARK ID: the qp of "bounce msg ID qp P" after MARK
bounce_qp() {
  log_since "$I" "$1" | sed -n "s/^bounce msg $2 qp \\([0-9]*\\)\$/\\1/p"
}

# bounced_as MARK ID: waits for the bounce of message ID (preprocessed after
# MARK) and its end. Sets bqp to the pid of the qmail-queue that queued the
# bounce, bid to the bounce's ID and bmark to the bounce's mark, and checks
# that the bounce was queued by that qmail-queue from <> (a single bounce)
# or from <#@[]> (a double bounce: the bounced message was from <>).
bounced_as() {
  wait_for 20 log_has_since "$I" "$1" "^end msg $2\$" || { log_since "$I" "$1"; fail "no 'end msg $2'"; }
  bqp=`bounce_qp "$1" "$2"`
  [ -n "$bqp" ] || { log_since "$I" "$1"; fail "no 'bounce msg $2 qp P' line"; }
  assert_eq 1 "`log_count_since "$I" "$1" "^bounce msg $2 "`" "bounce lines for $2"
  re="^info msg [0-9]*: bytes [0-9]* from <[^>]*> qp $bqp uid [0-9]*\$"
  wait_for 20 log_has_since "$I" "$1" "$re" || fail "no message queued by qmail-queue $bqp"
  n=`log_since "$I" "$1" | grep -n -e "$re" | sed 's/:.*//'`
  case $n in *[!0-9]* | '') fail "more than one message queued by qmail-queue $bqp" ;; esac
  bmark=$(($1 + n - 2))
  bid=`msg_id "$bmark"`
  assert_eq "$bid" "`log_since "$I" "$bmark" | sed -n 2p | sed 's/^info msg \([0-9]*\):.*/\1/'`" \
    "the message queued by qmail-queue $bqp"
  from=`info_of "$1" "$2" | sed 's/^from <\(.*\)> qp.*/\1/'`
  case $from in
    '') assert_eq "from <#@[]> qp $bqp" "`info_of "$bmark" "$bid"`" "the double bounce of $2" ;;
    *) assert_eq "from <> qp $bqp" "`info_of "$bmark" "$bid"`" "the bounce of $2" ;;
  esac
}

# failed_for MARK ID RCPT: RCPT of message ID failed; sets ftext to the text
failed_for() {
  wait_for 20 log_has_since "$I" "$1" "^starting delivery [0-9]*: msg $2 to local $3\$" ||
    { log_since "$I" "$1"; fail "no delivery of $2 to $3"; }
  dn=`log_since "$I" "$1" | sed -n "s/^starting delivery \\([0-9]*\\): msg $2 to local $3\$/\\1/p"`
  wait_for 20 log_has_since "$I" "$1" "^delivery $dn: " || fail "no result of delivery $dn"
  ftext=`log_since "$I" "$1" | sed -n "s/^delivery $dn: failure: //p"`
  [ -n "$ftext" ] || { log_since "$I" "$1"; fail "delivery $dn of $2 to $3 did not fail"; }
}

# delivered_for MARK ID RCPT: RCPT of message ID succeeded
delivered_for() {
  wait_for 20 log_has_since "$I" "$1" "^starting delivery [0-9]*: msg $2 to local $3\$" ||
    { log_since "$I" "$1"; fail "no delivery of $2 to $3"; }
  dn=`log_since "$I" "$1" | sed -n "s/^starting delivery \\([0-9]*\\): msg $2 to local $3\$/\\1/p"`
  wait_for 20 log_has_since "$I" "$1" "^delivery $dn: " || fail "no result of delivery $dn"
  log_has_since "$I" "$1" "^delivery $dn: success: " ||
    { log_since "$I" "$1"; fail "delivery $dn of $2 to $3 did not succeed"; }
}

# =================================================================================
# (a) queuelifetime
# =================================================================================

chmod 000 "$PM/tmp" || fail "unable to chmod $PM/tmp"
maildir_list "$MB" > "$T/mb.before"
printf 'Subject: too old\nX-Test: lifetime\n\nthis message will expire\n' > "$T/msg.a"
m0=`log_mark "$I"`
queue_msg "$I" "$ME@localhost" postmaster@localhost < "$T/msg.a" || fail "qmail-queue exited $?"
wait_for 20 log_has_since "$I" "$m0" '^delivery [0-9]*: ' || fail "no first attempt"
id=`msg_id "$m0"`
log_has_since "$I" "$m0" '^delivery [0-9]*: deferral: ' || { log_since "$I" "$m0"; fail "the first attempt did not defer"; }
S=$((id % split))
birth=`stat -c %Y "$Q/info/$S/$id"` || fail "unable to stat info/$S/$id"
qp0=`info_of "$m0" "$id" | sed 's/.* qp //'`
cp "$Q/mess/$S/$id" "$T/mess.a" || fail "unable to copy mess/$S/$id"

# at age 1000 s = queuelifetime, the message has not yet outlived it
clock_set "$I" $((birth + 1000))
m=`log_mark "$I"`
clock_trigger "$I"
wait_for 20 log_has_since "$I" "$m" "^delivery [0-9]*: " || fail "no attempt at age 1000 s"
dtext=`log_since "$I" "$m" | sed -n 's/^delivery [0-9]*: deferral: //p'`
[ -n "$dtext" ] || { log_since "$I" "$m"; fail "the attempt at age 1000 s did not defer"; }
assert_eq 1 "`log_count_since "$I" "$m" '^starting delivery '`" "attempts at age 1000 s"

# next due: birth + (floor(sqrt(1000)) + 10)^2 = birth + 1681; at 1680 nothing
clock_set "$I" $((birth + 1680))
m=`log_mark "$I"`
clock_trigger "$I"
clock_settle "$I"
log_has_since "$I" "$m" '^starting delivery ' && { log_since "$I" "$m"; fail "an attempt at age 1680 s, before it was due"; }
[ -f "$Q/info/$S/$id" ] || fail "the message left the queue before its last attempt"
[ -f "$Q/bounce/$id" ] && fail "a bounce file before the last attempt"

clock_set "$I" $((birth + 1681))
m=`log_mark "$I"`
clock_trigger "$I"
failed_for "$m" "$id" postmaster@localhost
case $ftext in
  "$dtext"?*) ;;
  *) fail "the failure text does not extend the deferral text: deferral '$dtext', failure '$ftext'" ;;
esac
extra=${ftext#"$dtext"}
echo "$extra" | grep -qi queue || fail "the added sentence does not mention the queue: $extra"
assert_eq 1 "`log_count_since "$I" "$m" '^starting delivery [0-9]*: msg '"$id "`" "attempts at age 1681 s"
bounced_as "$m0" "$id"
delivered_for "$bmark" "$bid" "$ME@localhost"
wait_for 20 log_has_since "$I" "$bmark" "^end msg $bid\$" || fail "no 'end msg $bid'"
wait_for 20 queue_empty || fail "the queue is not empty: `queue_files`"
[ ! -e "$Q/bounce/$id" ] || fail "bounce/$id is still there"

f=`new_file "$MB" "$T/mb.before"`
envelope_lines "$f" "" "$ME@localhost"
qsbmf "$f" "$T/a"
check_notice "$T/a" "$ME@localhost"
assert_eq "postmaster@localhost" "`cat "$T/a/rcpts"`" "recipients in the notice"
assert_eq "$ftext" "`cat "$T/a/rcpt.1.logsafe"`" "the recipient paragraph, as logged"
grep -q '(#4\.' "$T/a/rcpt.1" || fail "the report lost its status code: `cat "$T/a/rcpt.1"`"
sed -n 1p "$T/a/rcpt.1" > "$T/a/first"
grep -q -x -e 'Unable to create file in tmp/ (maildir \./Maildir/): .*\. (#4\.[0-9]\.[0-9])' "$T/a/first" ||
  fail "qmail-local's report is not a plain sentence: `cat "$T/a/rcpt.1"`"
sed -n 1p "$T/a/original" > "$T/rp"
assert_eq "Return-Path: <$ME@localhost>" "`cat "$T/rp"`" "the line after the break paragraph"
tail -n +2 "$T/a/original" | cmp -s - "$T/mess.a" || fail "the copy in the notice is not the queued mess file"
check_original "$T/a" "$ME@localhost" "$qp0" "$T/msg.a"
chmod 0700 "$PM/tmp" || fail "unable to chmod $PM/tmp"
assert_eq 0 "`maildir_count "$PM"`" "messages for postmaster after (a)"

# =================================================================================
# (b) a permanent failure bounces at once
# =================================================================================

maildir_list "$MB" > "$T/mb.before"
printf 'Subject: to nobody\n\nno such user here\n' > "$T/msg.b"
m=`log_mark "$I"`
queue_msg "$I" "$ME@localhost" nosuch@localhost < "$T/msg.b" || fail "qmail-queue exited $?"
wait_for 20 log_has_since "$I" "$m" '^new msg ' || fail "(b) not preprocessed"
id=`msg_id "$m"`
qp0=`info_of "$m" "$id" | sed 's/.* qp //'`
failed_for "$m" "$id" nosuch@localhost
case $ftext in *"(#5.1.1)"*) ;; *) fail "(b) the failure has no #5.1.1: $ftext" ;; esac
bounced_as "$m" "$id"
delivered_for "$bmark" "$bid" "$ME@localhost"
wait_for 20 queue_empty || fail "(b) the queue is not empty: `queue_files`"
[ ! -e "$Q/bounce/$id" ] || fail "(b) bounce/$id is still there"
assert_eq 1 "`log_count_since "$I" "$m" "^starting delivery [0-9]*: msg $id "`" "(b) attempts for the original"
f=`new_file "$MB" "$T/mb.before"`
envelope_lines "$f" "" "$ME@localhost"
qsbmf "$f" "$T/b"
check_notice "$T/b" "$ME@localhost"
assert_eq "nosuch@localhost" "`cat "$T/b/rcpts"`" "(b) recipients in the notice"
assert_eq "$ftext" "`cat "$T/b/rcpt.1.logsafe"`" "(b) the recipient paragraph, as logged"
assert_eq "Sorry, no mailbox here by that name. (#5.1.1)" "`cat "$T/b/rcpt.1"`" "(b) the recipient paragraph"
check_original "$T/b" "$ME@localhost" "$qp0" "$T/msg.b"

# =================================================================================
# (c) double bounce
# =================================================================================

maildir_list "$MB" > "$T/mb.before"
maildir_list "$PM" > "$T/pm.before"
printf 'Subject: from nowhere\n\nneither sender nor recipient exists\n' > "$T/msg.c"
m=`log_mark "$I"`
queue_msg "$I" nobody-here@localhost nosuch@localhost < "$T/msg.c" || fail "qmail-queue exited $?"
wait_for 20 log_has_since "$I" "$m" '^new msg ' || fail "(c) not preprocessed"
id1=`msg_id "$m"`
qp1=`info_of "$m" "$id1" | sed 's/.* qp //'`
failed_for "$m" "$id1" nosuch@localhost
f1text=$ftext
bounced_as "$m" "$id1"
id2=$bid m2=$bmark qp2=$bqp
failed_for "$m2" "$id2" nobody-here@localhost
f2text=$ftext
case $f2text in *"(#5.1.1)"*) ;; *) fail "(c) the bounce's failure has no #5.1.1: $f2text" ;; esac
bounced_as "$m2" "$id2"
id3=$bid m3=$bmark
delivered_for "$m3" "$id3" postmaster@localhost
wait_for 20 log_has_since "$I" "$m3" "^end msg $id3\$" || fail "(c) no 'end msg $id3'"
wait_for 20 queue_empty || fail "(c) the queue is not empty: `queue_files`"
assert_eq 0 "`log_count_since "$I" "$m3" "^bounce msg $id3 "`" "(c) bounces of the double bounce"
assert_eq 3 "`log_count_since "$I" "$m" '^new msg '`" "(c) messages queued"
maildir_list "$MB" | cmp -s - "$T/mb.before" || fail "(c) something was delivered to $ME"

f=`new_file "$PM" "$T/pm.before"`
envelope_lines "$f" "#@[]" postmaster@localhost
qsbmf "$f" "$T/c"
check_notice "$T/c" postmaster@localhost
assert_eq "nobody-here@localhost" "`cat "$T/c/rcpts"`" "(c) recipients in the double bounce"
assert_eq "$f2text" "`cat "$T/c/rcpt.1.logsafe"`" "(c) the recipient paragraph, as logged"
# what follows the break: the original bounce, itself a notice
sed -n 1p "$T/c/original" > "$T/rp"
assert_eq "Return-Path: <>" "`cat "$T/rp"`" "(c) the line after the break paragraph"
sed -n 2p "$T/c/original" > "$T/rcvd"
grep -q "^Received: (qmail $qp2 invoked [a-z0-9 ]*); [0-9]" "$T/rcvd" ||
  fail "(c) the copy does not start with the Received line of qmail-queue $qp2: `cat "$T/rcvd"`"
tail -n +2 "$T/c/original" > "$T/c.inner"
qsbmf "$T/c.inner" "$T/c2"
check_notice "$T/c2" nobody-here@localhost
assert_eq "nosuch@localhost" "`cat "$T/c2/rcpts"`" "(c) recipients in the original bounce"
assert_eq "$f1text" "`cat "$T/c2/rcpt.1.logsafe"`" "(c) the original bounce's paragraph, as logged"
check_original "$T/c2" nobody-here@localhost "$qp1" "$T/msg.c"
cmp -s "$T/c/intro" "$T/c2/intro" && fail "(c) the double bounce explains itself like a single bounce"

# =================================================================================
# (d) triple bounce
# =================================================================================

echo nobody-at-all > "$I/control/doublebounceto.tmp" && chmod 0644 "$I/control/doublebounceto.tmp" &&
  mv -f "$I/control/doublebounceto.tmp" "$I/control/doublebounceto" || fail "unable to write control/doublebounceto"
m=`log_mark "$I"`
svc -h "$I/service/qmail-send" || fail "svc -h failed"
wait_for 20 log_has_since "$I" "$m" '^status: ' || fail "no status line after HUP"

maildir_list "$MB" > "$T/mb.before"
maildir_list "$PM" > "$T/pm.before"
m=`log_mark "$I"`
queue_msg "$I" nobody-here@localhost nosuch@localhost < "$T/msg.c" || fail "qmail-queue exited $?"
wait_for 20 log_has_since "$I" "$m" '^new msg ' || fail "(d) not preprocessed"
id1=`msg_id "$m"`
failed_for "$m" "$id1" nosuch@localhost
bounced_as "$m" "$id1"
id2=$bid m2=$bmark
failed_for "$m2" "$id2" nobody-here@localhost
bounced_as "$m2" "$id2"
id3=$bid m3=$bmark
failed_for "$m3" "$id3" nobody-at-all@localhost
case $ftext in *"(#5.1.1)"*) ;; *) fail "(d) the double bounce's failure has no #5.1.1: $ftext" ;; esac
wait_for 20 log_has_since "$I" "$m3" "^end msg $id3\$" || { log_since "$I" "$m"; fail "(d) no 'end msg $id3'"; }
assert_eq 1 "`log_count_since "$I" "$m3" "^triple bounce: discarding bounce/$id3\$"`" "(d) triple bounce lines"
assert_eq 0 "`log_count_since "$I" "$m3" "^bounce msg $id3 "`" "(d) bounces of the double bounce"
wait_for 20 queue_empty || fail "(d) the queue is not empty: `queue_files`"
# nothing more comes: a full pass of the main loop later, still three messages
clock_trigger "$I"
clock_settle "$I"
assert_eq 3 "`log_count_since "$I" "$m" '^new msg '`" "(d) messages queued"
assert_eq 3 "`log_count_since "$I" "$m" '^end msg '`" "(d) messages ended"
assert_eq 0 "`log_count_since "$I" "$m" '^delivery [0-9]*: success'`" "(d) successful deliveries"
queue_empty || fail "(d) the queue is not empty: `queue_files`"
maildir_list "$MB" | cmp -s - "$T/mb.before" || fail "(d) something was delivered to $ME"
maildir_list "$PM" | cmp -s - "$T/pm.before" || fail "(d) something was delivered to postmaster"

pass
