#!/bin/sh
# End-to-end local delivery: a message queued with qmail-queue for
# postmaster@localhost and the invoking user arrives in each Maildir byte for
# byte as Return-Path, Delivered-To, qmail-queue's Received line, then the
# injected bytes unchanged (its own Received line, a long line, "From " and
# "." lines, CR, 8-bit bytes, no final newline). The Maildir file name
# (sec.MusecPpidVdevIino.host,S=size in new/, nothing in tmp/), the activity
# log lines of the message in their order (new msg, info msg with size, qp
# and uid, starting delivery, success, end msg) and an empty queue afterwards
# are checked; a second, empty, message checks the smallest case. Python's
# mailbox module reads the Maildirs as an independent reader.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog "$PYTHON"

I=$T/inst
instance_create "$I"
instance_start "$I"

ME=`me`
UID_NOW=`id -u`
# qmail-queue names the alias account (the catch-all of users/assign, which
# is the invoking user in an instance made by an ordinary user) by name
alias_uid=`sed -n 's/^+:[^:]*:\([0-9]*\):.*$/\1/p' "$I/users/assign"`
[ -n "$alias_uid" ] || fail "no catch-all line in $I/users/assign"
if [ "$alias_uid" = "$UID_NOW" ]; then INVOKED="by alias"; else INVOKED="by uid $UID_NOW"; fi
SENDER=a@example.com
t_start=`date +%s`

# --- the messages ---------------------------------------------------------------
M1=$T/msg1
{
  printf 'Received: from relay.example (relay.example [192.0.2.7])\n'
  printf '\tby mx.example with SMTP; 1 Jan 2000 00:00:00 -0000\n'
  printf 'From: A <a@example.com>\n'
  printf 'To: postmaster@localhost\n'
  printf 'Subject: end-to-end \303\251t\303\251\n'
  printf 'X-Eight-Bit: \200\377\376\n'
  printf '\n'
  printf 'first line of the body\n'
  printf 'From here a naive mbox reader would see a new message\n'
  printf '.\n'
  printf '..\n'
  printf '>From already quoted\n'
  printf 'a line with CRLF\r\n'
  printf '\n\n'
  head -c 12000 /dev/zero | tr '\0' L
  printf '\n'
  printf '8-bit: \344\366\374\337 \200\201\376\377\n'
  printf 'tab\there, trailing spaces   \n'
  printf 'Delivered-To: postmaster@localhost (in the body: not a loop)\n'
  printf 'the last line has no newline'
} > "$M1"
M2=$T/msg2
: > "$M2"

qmsg "$I" "$M1" "$SENDER" postmaster@localhost "$ME@localhost" || fail "qmail-queue exited $? for message 1"
QP1=$QP
qmsg "$I" "$M2" "$SENDER" "$ME@localhost" || fail "qmail-queue exited $? for the empty message"
QP2=$QP

# --- the log ----------------------------------------------------------------------
# (message IDs are inode numbers: the second message may get the ID of the
# first once that one is gone, so messages are named by their qmail-queue pid)
rcpts1="postmaster@localhost"
[ "$ME" = postmaster ] || rcpts1="$rcpts1 $ME@localhost"
for r in $rcpts1; do
  expect_delivery "$I" "$QP1" local "$r" "success: did_1+0+0/"
  eval "DNO1_`echo "$r" | tr -c 'A-Za-z0-9\n' _`=$DNO"
done
expect_delivery "$I" "$QP2" local "$ME@localhost" "success: did_1+0+0/"
DNO2=$DNO
wait_end "$I" "$QP1"
ID1=$ID
wait_end "$I" "$QP2"
ID2=$ID
t_end=`date +%s`

# exactly one delivery per recipient, no failure or deferral for them
set -- $rcpts1
assert_eq $# "`deliveries "$I" "$QP1"`" "deliveries of message $ID1 (qp $QP1)"
assert_eq 1 "`deliveries "$I" "$QP2"`" "deliveries of message $ID2 (qp $QP2)"
for qp in $QP1 $QP2; do
  msg_id "$I" "$qp"
  n=`msg_lines "$I" "$qp" | grep -c "^new msg $ID\$"`
  assert_eq 1 "$n" "'new msg $ID' lines (qp $qp)"
done
bad=`log_lines "$I" | grep -e '^delivery [0-9]*: failure' -e '^delivery [0-9]*: deferral' -e '^warning' -e '^alert'`
[ -z "$bad" ] || { show_log "$I"; fail "unexpected log lines: $bad"; }

# --- the Maildirs -----------------------------------------------------------------
# check_file FILE RCPT MSG QP ID: the delivered FILE of MSG, byte for byte,
# its name, and the log lines of its delivery (number DNO)
check_file() {
  f=$1 rcpt=$2 msg=$3 qp=$4 id=$5
  case $f in */Maildir/new/*) ;; *) fail "$f is not in new/" ;; esac
  recv=`sed -n 3p "$f"`
  printf '%s\n' "$recv" | grep -q -E "^Received: \\(qmail $qp invoked $INVOKED\\); ([1-9]|[12][0-9]|3[01]) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] -0000\$" ||
    fail "the third line of $f is not qmail-queue's Received line for pid $qp, invoked $INVOKED: $recv"
  # the date is now, in UTC
  d=${recv#*; }
  d=${d% -0000}
  ds=`date -u -d "$d" +%s` || fail "unable to parse the date '$d'"
  [ "$ds" -ge $((t_start - 1)) ] && [ "$ds" -le $((t_end + 1)) ] ||
    fail "the Received date '$d' is not the time of queueing (UTC)"
  { printf 'Return-Path: <%s>\nDelivered-To: %s\n%s\n' "$SENDER" "$rcpt" "$recv"; cat "$msg"; } > "$T/expected"
  cmp "$T/expected" "$f" || {
    od -c "$f" | head -n 20
    fail "$f differs from the expected bytes (kept in $T/expected)"
  }
  # the size in the log: the queue's copy is the Received line and the message
  size=$((`wc -c < "$msg"` + ${#recv} + 1))
  expect_msg_order "$I" "$qp" "new msg $id" \
    "info msg $id: bytes $size from <$SENDER> qp $qp uid $UID_NOW" \
    "starting delivery $DNO: msg $id to local $rcpt" \
    "delivery $DNO: success: did_1+0+0/" \
    "end msg $id"
  # the name: sec.MusecPpidVdevIino.host,S=size, checked against the file
  "$PYTHON" - "$f" "$t_start" "$t_end" <<'EOF' || fail "bad Maildir file name: $f"
import os, re, socket, sys
path, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
name = os.path.basename(path)
m = re.fullmatch(r'([0-9]+)\.M([0-9]+)P([0-9]+)V([0-9a-f]+)I([0-9a-f]+)\.(.+),S=([0-9]+)', name)
if not m:
    sys.exit("name does not match sec.MusecPpidVdevIino.host,S=size: " + name)
sec, usec, pid, dev, ino, host, size = m.groups()
st = os.stat(path)
host_want = socket.gethostname().replace('/', '\\057').replace(':', '\\072').replace(',', '\\054')
errors = []
if not t0 - 1 <= int(sec) <= t1 + 1: errors.append("seconds %s not between %d and %d" % (sec, t0, t1))
if int(usec) >= 1000000: errors.append("microseconds %s out of range" % usec)
if int(pid) <= 0: errors.append("pid %s" % pid)
if int(dev, 16) != st.st_dev: errors.append("V%s is not the device %x" % (dev, st.st_dev))
if int(ino, 16) != st.st_ino: errors.append("I%s is not the inode %x" % (ino, st.st_ino))
if host != host_want: errors.append("host %r is not %r" % (host, host_want))
if int(size) != st.st_size: errors.append("S=%s but the file has %d bytes" % (size, st.st_size))
if errors:
    sys.exit(name + ": " + "; ".join(errors))
EOF
}

PM=`mailbox "$I" postmaster`
UM=`mailbox "$I"`
DNO=$DNO1_postmaster_localhost
maildir_find "$PM" "first line of the body"
check_file "$FOUND" postmaster@localhost "$M1" "$QP1" "$ID1"
if [ "$ME" != postmaster ]; then
  eval "DNO=\$DNO1_`echo "$ME@localhost" | tr -c 'A-Za-z0-9\n' _`"
  maildir_find "$UM" "first line of the body"
  check_file "$FOUND" "$ME@localhost" "$M1" "$QP1" "$ID1"
fi
# the empty message: the three lines only
rm -f "$T/found"
for f in "$UM"/new/*; do
  [ "`wc -l < "$f"`" = 3 ] && [ "`sed -n 1p "$f"`" = "Return-Path: <$SENDER>" ] && echo "$f" >> "$T/found"
done
[ "`wc -l < "$T/found" 2>/dev/null`" = 1 ] || fail "the empty message is not in $UM/new exactly once"
DNO=$DNO2
check_file "`cat "$T/found"`" "$ME@localhost" "$M2" "$QP2" "$ID2"

# counts: nothing else arrived, nothing was left in tmp/ or cur/
want_pm=1 want_um=2
[ "$ME" = postmaster ] && want_pm=2
assert_eq "$want_pm" "`find "$PM/new" -type f | wc -l | tr -d ' '`" "files in $PM/new"
assert_eq "$want_um" "`find "$UM/new" -type f | wc -l | tr -d ' '`" "files in $UM/new"
for md in "$PM" "$UM"; do
  left=`find "$md/tmp" "$md/cur" -type f`
  [ -z "$left" ] || fail "files left in tmp/ or cur/: $left"
done

# an independent reader: Python's mailbox module sees the same messages
"$PYTHON" - "$PM" "$UM" "$ME" "$SENDER" "$M1" <<'EOF' || fail "Python's mailbox module disagrees"
import mailbox, sys
pm, um, me, sender, m1 = sys.argv[1:]
body = open(m1, 'rb').read()
def check(path, rcpt, count):
    md = mailbox.Maildir(path, factory=None, create=False)
    keys = md.keys()
    if len(keys) != count:
        sys.exit("%s: %d messages, expected %d" % (path, len(keys), count))
    hits = 0
    for k in keys:
        raw = md.get_bytes(k)
        if not raw.endswith(body) or not body:
            continue
        hits += 1
        msg = md.get_message(k)
        if msg['Return-Path'] != '<%s>' % sender: sys.exit("Return-Path: %r" % msg['Return-Path'])
        if msg['Delivered-To'] != rcpt: sys.exit("Delivered-To: %r" % msg['Delivered-To'])
        rcv = msg.get_all('Received')
        if len(rcv) != 2 or not rcv[0].startswith('(qmail ') or not rcv[1].startswith('from relay.example'):
            sys.exit("Received fields: %r" % rcv)
        if msg.get_flags() != '' or msg.get_subdir() != 'new':
            sys.exit("flags %r, subdir %r" % (msg.get_flags(), msg.get_subdir()))
    if hits != 1:
        sys.exit("%s: %d copies of the message" % (path, hits))
check(pm, 'postmaster@localhost', 2 if me == 'postmaster' else 1)
if me != 'postmaster':
    check(um, me + '@localhost', 2)
EOF

# --- the queue is empty -------------------------------------------------------------
wait_for 20 queue_empty "$I" || fail "files left in the queue: `queue_files "$I"`"
pass
