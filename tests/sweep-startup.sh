#!/bin/sh
# The stale-file sweep runs at start-up too: a message file more than 36
# hours old with no todo, intd or info entry (a qmail-queue killed before it
# committed; any local user can leave one) is removed soon after
# qmail-send starts, not only a day later, so a qmail-send restarted often
# still cleans up. A younger leftover and a queued message stay.
# timeout: 120

. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
split=`head -n 1 "$TOP/conf-split"`
owner=`stat -c %u "$I/queue/mess"`
# two leftovers: one old, one young (IDs that no real message has)
old=999999001
young=999999002
for id in $old $young; do
  f=$I/queue/mess/$((id % split))/$id
  printf 'Subject: leftover\n\nnever committed\n' > "$f"
  [ "`id -u`" = 0 ] && chown "$owner" "$f"
done
touch -a -d '3 days ago' "$I/queue/mess/$((old % split))/$old"

instance_start "$I"
gone() { [ ! -e "$I/queue/mess/$((old % split))/$old" ]; }
wait_for 30 gone || fail "the 3-day-old leftover mess/$((old % split))/$old is still there"
[ -e "$I/queue/mess/$((young % split))/$young" ] || fail "the young leftover was removed"
# the queue still works
PM=`mailbox "$I" postmaster`
printf 'Subject: after sweep\n\nhello\n' | queue_msg "$I" a@example.com postmaster@localhost ||
  fail "qmail-queue exited $?"
wait_for 30 maildir_has "$PM" 1 || fail "no delivery after the sweep"
pass
