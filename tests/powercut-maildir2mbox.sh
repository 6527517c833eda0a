#!/bin/sh
# Power cuts under maildir2mbox: no message is ever lost.
#
# On the power-cut file system (tests/powercut/pcfs.c, which keeps exactly
# what the durability model of DESIGN.md makes durable) a Maildir holds six
# distinct messages in new/ and cur/ (a unique token each; body lines
# "From " and ">From ", a Status field to drop, last lines without a
# newline, one of 160 kB) and the mbox MAIL two old messages, all durable.
# One uncut run of maildir2mbox counts K, the counted operations it takes;
# then for every N in 1..K (80 of them spread evenly when K is larger) the
# state is made again, the power cut at the Nth operation of a run, and
# after the restore:
#   - MAIL is the two old messages, byte for byte, followed by a sequence
#     of whole messages each exactly as maildir2mbox writes it (From_ line,
#     mboxrd quoting, final newline, empty line), none twice: no partial
#     tail;
#   - every Maildir message is in MAIL or still in the Maildir with its
#     bytes, or both (never neither); nothing else is in the Maildir;
#   - a dot-lock left behind names a process that is gone (so the next
#     locker removes it at once);
#   - a run that exited 0 before the cut left the final state: every
#     message in MAIL once, the Maildir empty, no MAILTMP, no dot-lock;
#   - a second run then exits 0 and leaves every message in MAIL, the
#     Maildir empty, no MAILTMP, and no dot-lock when it had anything to
#     move (with nothing to move it locks nothing: a stale one stays). A message that was both in
#     MAIL and in the Maildir after the cut is then in MAIL twice: counted
#     as duplicated (moving a message again rather than losing it is the
#     documented behaviour), never more than twice.
# One more cut comes after a whole run that exited 0. Prints "cuts N, lost
# 0, duplicated D". Needs root, /dev/fuse and libfuse3-dev (skips
# otherwise).

. tests/lib.sh
. tests/lib_powercut.sh
pcfs_need
need_programs maildir2mbox
need_cmd "$PYTHON" timeout touch date

M=$T/mnt
U=$M/u
E=$T/expect
mkdir -p "$E" || fail "mkdir $E"
pcfs_mount "$M"

# --- the messages and what MAIL must hold for each --------------------------

# stamp MTIME: the date of a From_ line for that mtime
stamp() {
  LC_ALL=C date -u -d "@$1" '+%a %b %d %H:%M:%S %Y'
}
# message NAME MTIME SENDER: a message from stdin; $E/NAME.want gets what
# maildir2mbox appends for it, from the rendering on the descriptor 3
: > "$E/list"
message() {
  m_file=`echo "$1" | tr / _`
  cat > "$E/$m_file.msg" || fail "unable to write $E/$m_file.msg"
  echo "$1 $2 $m_file" >> "$E/list"
  { printf 'From %s %s\n' "$3" "`stamp "$2"`"; cat <&3; } > "$E/$m_file.want" ||
    fail "unable to write $E/$m_file.want"
}

printf 'Return-Path: <alice@example.com>\nSubject: one\n\ntoken-1\nFrom the beginning\n>From quoted once\n' |
  message new/1000000001.M1P1.pc 1000000001 alice@example.com 3<<'EOF'
Return-Path: <alice@example.com>
Subject: one

token-1
>From the beginning
>>From quoted once

EOF
printf 'Return-Path: <>\nSubject: two\nStatus: RO\n\ntoken-2\nno final newline, From' |
  message cur/1000000002.M2P1.pc:2,S 1000000002 MAILER-DAEMON 3<<'EOF'
Return-Path: <>
Subject: two

token-2
no final newline, From

EOF
printf 'Subject: three\n\ntoken-3\nFrom\n>>From deep\nends with F\nF' |
  message new/1000000003.M3P1.pc 1000000003 MAILER-DAEMON 3<<'EOF'
Subject: three

token-3
From
>>>From deep
ends with F
F

EOF
# 160 kB: several writes of MAILTMP
awk 'BEGIN {
  printf "Return-Path: <bob@example.org>\nSubject: four\n\ntoken-4\n"
  for (i = 1; i <= 4000; i++)
    if (i % 3 == 0) printf "From line %d of a long message\n", i
    else printf ">From line %d, padded to some length ........\n", i
}' > "$T/big" || fail "unable to write $T/big"
sed 's/^\(>*From \)/>\1/' "$T/big" > "$T/big.want" && echo >> "$T/big.want" ||
  fail "unable to write $T/big.want"
message cur/1000000004.M4P1.pc:2, 1000000004 bob@example.org < "$T/big" 3< "$T/big.want"
printf 'Return-Path: <carol@example.net>\nSubject: five\n\ntoken-5\n' |
  message new/1000000005.M5P1.pc 1000000005 carol@example.net 3<<'EOF'
Return-Path: <carol@example.net>
Subject: five

token-5

EOF
printf 'Subject: six\n\ntoken-6\nFrom the end' |
  message cur/1000000006.M6P1.pc:2,RS 1000000006 MAILER-DAEMON 3<<'EOF'
Subject: six

token-6
>From the end

EOF
cat > "$E/old" <<'EOF' || fail "unable to write $E/old"
From old1@example.com Sat Jan 01 00:00:00 2000
Subject: old one

old-token-1
>From old

From old2@example.com Sat Jan 01 00:00:01 2000
Subject: old two

old-token-2

EOF

# state: the Maildir and MAIL as they were, all durable
state() {
  rm -rf "$U" || fail "unable to remove $U"
  mkdir "$U" "$U/Maildir" "$U/Maildir/new" "$U/Maildir/cur" "$U/Maildir/tmp" || fail "mkdir $U"
  while read -r s_name s_mtime s_file; do
    cp "$E/$s_file.msg" "$U/Maildir/$s_name" && touch -d "@$s_mtime" "$U/Maildir/$s_name" ||
      fail "unable to write $U/Maildir/$s_name"
  done < "$E/list"
  cp "$E/old" "$U/mbox" && chmod 0600 "$U/mbox" || fail "unable to write $U/mbox"
  find "$U" -exec sync {} + && sync "$M" || fail "unable to make $U durable"
}

m2m() {
  timeout -s KILL 60 env -i PATH="$PATH" MAILDIR="$U/Maildir" MAIL="$U/mbox" MAILTMP="$U/mbox.tmp" \
    "$TOP/maildir2mbox" 2> "$T/m2m.err"
}

# check MODE [ARG]: the restored state (see the top of this file)
#   cut STATUS   after a cut in a run that exited STATUS; writes where
#                each message is to $T/both
#   again        after the second run; prints the number of duplicates
cat > "$T/check.py" <<'PY'
import os, sys

u, e, mode, arg, both_file = sys.argv[1:6]
maildir = os.path.join(u, "Maildir")
mail = os.path.join(u, "mbox")

def bad(why):
    print("FAIL: " + why)
    sys.exit(1)

def read(path):
    with open(path, "rb") as f:
        return f.read()

msgs = []
for line in read(os.path.join(e, "list")).decode().splitlines():
    name, mtime, file = line.split()
    msgs.append((name, read(os.path.join(e, file + ".msg")), read(os.path.join(e, file + ".want"))))
old = read(os.path.join(e, "old"))

# MAIL: the old messages, then whole messages as maildir2mbox writes them
data = read(mail)
if not data.startswith(old):
    bad("MAIL does not start with its two old messages (%d bytes: %r)" % (len(data), data[:200]))
count = {name: 0 for name, _, _ in msgs}
pos = len(old)
while pos < len(data):
    for name, _, want in msgs:
        if data.startswith(want, pos):
            count[name] += 1
            pos += len(want)
            break
    else:
        bad("MAIL holds something that is not a whole message at byte %d: %r" % (pos, data[pos:pos + 200]))
if data.count(b"old-token-1") != 1 or data.count(b"old-token-2") != 1:
    bad("an old message is in MAIL more than once")

# the Maildir: its messages with their bytes, nothing else
present = set()
for sub in ("new", "cur", "tmp"):
    for f in sorted(os.listdir(os.path.join(maildir, sub))):
        name = sub + "/" + f
        for n, msg, _ in msgs:
            if n == name:
                if read(os.path.join(maildir, name)) != msg:
                    bad("the Maildir's %s is damaged" % name)
                present.add(name)
                break
        else:
            bad("the Maildir holds %s, which was never there" % name)

for name, _, _ in msgs:
    if count[name] == 0 and name not in present:
        bad("%s is lost: neither in MAIL nor in the Maildir" % name)

tmp = os.path.exists(os.path.join(u, "mbox.tmp"))
lock = os.path.join(u, "mbox.lock")
others = sorted(set(os.listdir(u)) - {"Maildir", "mbox", "mbox.tmp", "mbox.lock"})
if others:
    bad("unexpected files beside MAIL: %s" % " ".join(others))

if os.path.exists(lock):
    text = read(lock)
    # a lock the next locker takes for stale at once: the pid of a
    # process that is gone (else it blocks MAIL for 300 s)
    if not text.endswith(b"\n") or not text[:-1].isdigit():
        bad("a dot-lock holding %r is left: it blocks every writer of MAIL for 300 s" % text)
    try:
        os.kill(int(text[:-1]), 0)
        bad("the dot-lock left names the running process %s" % text[:-1].decode())
    except ProcessLookupError:
        pass

if mode == "cut":
    for name in count:
        if count[name] > 1:
            bad("one run put %s in MAIL %d times" % (name, count[name]))
    if arg == "0":
        # exit 0 promised the move
        if any(count[n] != 1 for n in count) or present or tmp or os.path.exists(lock):
            bad("maildir2mbox exited 0 but after the cut MAIL has %s, the Maildir still %s%s%s"
                % (sorted(n for n in count if count[n]), sorted(present),
                   ", MAILTMP is there" if tmp else "", ", the dot-lock is there" if os.path.exists(lock) else ""))
    with open(both_file, "w") as f:
        for name in sorted(count):
            f.write("%s %d %d\n" % (name, count[name], name in present))
    print("in MAIL %d, in the Maildir %d, in both %d%s%s" % (
        sum(1 for n in count if count[n]), len(present),
        sum(1 for n in count if count[n] and n in present),
        ", MAILTMP" if tmp else "", ", dot-lock" if os.path.exists(lock) else ""))
else:
    after_cut = [line.split() for line in read(both_file).decode().splitlines()]
    both = set(n for n, inmail, inmaildir in after_cut if inmail != "0" and inmaildir == "1")
    if present:
        bad("the second run left %s in the Maildir" % " ".join(sorted(present)))
    present_before = any(inmaildir == "1" for _, _, inmaildir in after_cut)
    if tmp:
        bad("the second run left MAILTMP")
    if os.path.exists(lock) and present_before:
        bad("the second run, which moved messages, left the dot-lock")
    dups = 0
    for name in count:
        if count[name] == 2 and name in both:
            dups += 1
        elif count[name] != 1:
            bad("after the second run %s is in MAIL %d times" % (name, count[name]))
    print(dups)
PY

check() {
  "$PYTHON" "$T/check.py" "$U" "$E" "$1" "$2" "$T/both"
}

# --- K: the counted operations of one whole run --------------------------------
state
before=`pcfs_get ops`
m2m
rc=$?
[ $rc -eq 0 ] || { cat "$T/m2m.err"; fail "maildir2mbox exited $rc without a cut"; }
after=`pcfs_get ops`
K=$((after - before))
[ "$K" -gt 0 ] || fail "maildir2mbox took no counted operation"
check cut 0 > /dev/null || fail "the uncut run"
points=`awk -v k="$K" 'BEGIN {
  if (k <= 80) for (i = 1; i <= k; i++) print i
  else { last = 0; for (i = 0; i < 80; i++) { n = 1 + int(i * (k - 1) / 79); if (n != last) print n; last = n } }
}'`
echo "maildir2mbox takes $K counted operations; cutting at `echo $points | wc -w` of them and after a whole run"

cuts=0 dup=0 started=`date +%s`
for n in $points after; do
  state
  if [ "$n" = after ]; then
    m2m
    rc=$?
    pcfs_ctl cut
  else
    pcfs_ctl "freeze-at $n"
    m2m
    rc=$?
    [ "`pcfs_get cut`" = 1 ] || pcfs_ctl cut
  fi
  # timeout killed whatever was left; every process using pcfs is gone
  pcfs_ctl restore
  cuts=$((cuts + 1))
  what=`check cut "$rc"` || { echo "$what"; fail "cut at $n (maildir2mbox exited $rc): see above"; }
  echo "cut at $n: exit $rc; $what"
  m2m
  rc=$?
  [ $rc -eq 0 ] || { cat "$T/m2m.err"; fail "cut at $n: the run after the restore exited $rc"; }
  d=`check again` || { echo "$d"; fail "cut at $n: after the second run"; }
  dup=$((dup + d))
done
ended=`date +%s`
echo "$((ended - started)) s"
echo "cuts $cuts, lost 0, duplicated $dup"
pass
