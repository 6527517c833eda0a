#!/bin/sh
# Power cuts under a running instance: every acknowledged message survives.
#
# The instance's queue/ and mail/ live on the power-cut file system
# (tests/powercut/pcfs.c), which keeps exactly what the durability model of
# DESIGN.md makes durable. tests/powercut_run.py cuts the power
# POWERCUT_CUTS times (default 200): at every counted operation of one
# message's path (a plain message, one to an mbox, one to two mailboxes,
# one that bounces)
# and at random moments or random operations under the load of concurrent
# injectors; after each cut every process of the instance and every
# qmail-queue is killed, the file system restored to its durable state and
# the instance started again on what survived. At the end the queue drains
# (a deferred recipient's messages are let through) and every acknowledged
# message must have reached each recipient, every file in a Maildir must be
# a whole queued message, the mbox a sequence of whole messages, and the queue must hold nothing the crash rules
# do not allow. Prints "cuts N, acknowledged N, delivered N, duplicates N,
# lost N". Needs root, /dev/fuse and libfuse3-dev (skips otherwise).
# POWERCUT_SEED repeats a run.
# timeout: 480

. tests/lib.sh
. tests/lib_powercut.sh
pcfs_need
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-rspawn qmail-clean qmail-local qmail-newu
need_cmd "$PYTHON"

CUTS=${POWERCUT_CUTS:-200}
I=$T/inst
M=$T/mnt
OUT=$T/out
mkdir -p "$OUT" || fail "mkdir $OUT"

instance_create "$I"
pcfs_mount "$M"
PCFS_BEFORE_UNMOUNT='"$PYTHON" "$TOP/tests/powercut_run.py" --kill "$I" "$M"'

# queue/ and mail/ move onto pcfs, and everything there is made durable
alias_user=`stat -c %U "$I/alias"` || fail "stat $I/alias"
alias_group=`stat -c %G "$I/alias"` || fail "stat $I/alias"
cp -a "$I/queue" "$M/queue" && cp -a "$I/mail" "$M/mail" || fail "unable to copy the queue onto pcfs"
rm -rf "$I/queue" "$I/mail" && ln -s "$M/queue" "$I/queue" && ln -s "$M/mail" "$I/mail" ||
  fail "unable to link the queue to pcfs"
L=$M/mail/later/Maildir
for d in "$M/mail/later" "$L" "$L/new" "$L/cur"; do
  mkdir "$d" && chown "$alias_user:$alias_group" "$d" && chmod 0700 "$d" || fail "mkdir $d"
done
chmod 0755 "$M/mail/later"
B=$M/mail/mboxer
mkdir "$B" && chown "$alias_user:$alias_group" "$B" && chmod 0700 "$B" || fail "mkdir $B"
find "$M" ! -type p -exec sync {} + || fail "unable to make the copied tree durable"

# later@localhost: its Maildir has no tmp/ until the drain, so deliveries
# there fail temporarily and its messages stay queued across cuts
printf '%s/\n' "$L" > "$I/alias/.qmail-later" &&
  chown "$alias_user:$alias_group" "$I/alias/.qmail-later" && chmod 0644 "$I/alias/.qmail-later" ||
  fail "unable to write .qmail-later"
# mboxer@localhost: an mbox on pcfs (created by the first delivery)
printf '%s/mbox\n' "$B" > "$I/alias/.qmail-mboxer" &&
  chown "$alias_user:$alias_group" "$I/alias/.qmail-mboxer" && chmod 0644 "$I/alias/.qmail-mboxer" ||
  fail "unable to write .qmail-mboxer"
chmod 0755 "$OUT"

started=`date +%s`
"$PYTHON" "$TOP/tests/powercut_run.py" "$I" "$M" "$OUT" "`me`" "$CUTS"
rc=$?
echo "`expr \`date +%s\` - $started` s"
[ $rc -eq 0 ] || {
  echo "the end of qmail-send's log:"
  tail -n 30 "$OUT/send.log"
  fail "acknowledged mail was lost or damaged by a power cut"
}
pass
