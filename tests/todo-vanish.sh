#!/bin/sh
# A message whose todo/ID disappears between qmail-send's scan of todo/ and
# its preprocessing (a qmail-clean request of an earlier qmail-send that
# finishes late) lives on in its info and channel files: qmail-send must
# schedule it from them, not forget it until the next restart.
# The disappearance is simulated in qmail-send alone by an LD_PRELOAD shim
# (tests/vanish_shim.c): the first todo/ entry it opens looks gone.
# timeout: 120

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
PM=`mailbox "$I" postmaster`

# the state an earlier qmail-send left: preprocessed (info, local), its
# todo entry not yet removed
printf 'Subject: vanish\n\nhello\n' | queue_msg "$I" sender@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
id=`ls "$I/queue/todo"`
[ -n "$id" ] || fail "no message in queue/todo"
split=$((id % `head -n 1 "$TOP/conf-split"`))
printf 'Fsender@example.com\0' > "$I/queue/info/$split/$id"
printf 'Tpostmaster@localhost\0' > "$I/queue/local/$split/$id"
if [ "`id -u`" = 0 ]; then
  chown "`stat -c %u "$I/queue/info"`" "$I/queue/info/$split/$id" "$I/queue/local/$split/$id"
fi

send_shim "$I" vanish_shim.c

instance_start "$I"
shim_loaded() {
  for p in /proc/[0-9]*; do
    [ "`readlink "$p/exe" 2>/dev/null`" = "$I/bin/qmail-send" ] &&
      grep -q vanish_shim "$p/maps" 2>/dev/null && return 0
  done
  return 1
}
wait_for 10 shim_loaded || fail "the shim is not loaded in qmail-send"
wait_for 30 maildir_has "$PM" 1 || fail "the message whose todo entry vanished was not delivered"
wait_for 30 log_grep "$I" "end msg $id\$" || fail "no end msg $id in the log"
assert_eq 1 "`maildir_count "$PM"`" "messages for postmaster"
pass
