#!/bin/sh
# make up / make down end to end: `make up` into a directory under the test
# directory, a message to the invoking user and to postmaster is delivered
# into their Maildirs (never as root), mail to an unknown local address
# bounces back to the sender, a second `make up` starts nothing new and keeps
# the mail, a `make up` after a program changed restarts the services, `make
# down` stops every process, and `make up` again brings the same instance back
# with its mail.
# timeout: 300
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

U=$T/up
port=`free_port` || fail "no free port"
LIB_INSTANCES="$U"   # stopped at exit even if a step below fails

make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up.log" 2>&1 || { cat "$T/up.log"; fail "make up failed"; }
cat "$T/up.log"
assert_grep "$T/up.log" "postmaster@localhost goes to $U/mail/postmaster/Maildir/"
[ "`me`" = postmaster ] || assert_grep "$T/up.log" "`me`@localhost goes to $U/mail/`me`/Maildir/"
pid=`cat "$U/svscan.pid"` || fail "no svscan.pid"
kill -0 "$pid" || fail "svscan $pid is not running"
svok "$U/service/qmail-send" || fail "qmail-send is not supervised"
svok "$U/service/qmail-send/log" || fail "its logger is not supervised"
assert_eq localhost "`cat "$U/control/me"`" "control/me"
assert_eq ./Maildir/ "`cat "$U/control/defaultdelivery"`" "control/defaultdelivery"
[ -f "$U/users/cdb" ] || fail "no users/cdb"

MINE=`mailbox "$U"`
PM=`mailbox "$U" postmaster`
printf 'Subject: up test\n\nbody line\n' |
  queue_msg "$U" "`me`@localhost" "`me`@localhost" postmaster@localhost || fail "qmail-queue exited $?"
wait_for 20 maildir_has "$MINE" 1 || fail "nothing delivered to $MINE"
wait_for 20 maildir_has "$PM" 1 || fail "nothing delivered to $PM"
f=`find "$MINE/new" "$MINE/cur" -type f | head -n 1`
assert_grep "$f" '^Subject: up test$'
assert_grep "$f" '^body line$'
assert_grep "$f" "^Delivered-To: `me`@localhost$"
if [ "`id -u`" = 0 ]; then
  bad=`find "$U/mail" -user root -type f`
  [ -z "$bad" ] || fail "delivered as root: $bad"
  assert_eq "`sed -n 1p conf-users`" "`stat -c %U "$f"`" "owner of the delivered message"
fi

# An unknown address goes to the alias account, which has no .qmail file for
# it: the message bounces to the sender.
printf 'Subject: to nobody\n\nlost\n' |
  queue_msg "$U" "`me`@localhost" no-such-user@localhost || fail "qmail-queue exited $?"
wait_for 30 maildir_has "$MINE" 2 || fail "no bounce for no-such-user@localhost"
grep -l -r -q 'no-such-user@localhost' "$MINE/new" "$MINE/cur" || fail "the bounce does not name the address"

# make up again: same svscan, nothing restarted, mail kept.
send_pid() {
  svstat "$U/service/qmail-send" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'
}
spid=`send_pid`
[ -n "$spid" ] || fail "qmail-send is not up: `svstat "$U/service/qmail-send"`"
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up2.log" 2>&1 || { cat "$T/up2.log"; fail "second make up failed"; }
assert_eq "$pid" "`cat "$U/svscan.pid"`" "svscan pid after a second make up"
assert_eq "$spid" "`send_pid`" "qmail-send pid after a second make up"
assert_eq 2 "`maildir_count "$MINE"`" "messages after a second make up"

# A program newer than the running services: make up restarts them.
touch "$U/bin/qmail-send"
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up2b.log" 2>&1 || { cat "$T/up2b.log"; fail "make up after a change failed"; }
assert_grep "$T/up2b.log" "restarted qmail-send"
assert_eq "$pid" "`cat "$U/svscan.pid"`" "svscan pid after a restart"
[ -n "`send_pid`" ] && [ "`send_pid`" != "$spid" ] || fail "qmail-send was not restarted"

# make down: every supervised process and svscan are gone.
make -s down UP_DIR="$U" > "$T/down.log" 2>&1 || { cat "$T/down.log"; fail "make down failed"; }
kill -0 "$pid" 2>/dev/null && fail "svscan $pid still runs"
for s in "$U/service/qmail-send" "$U/service/qmail-send/log"; do
  svok "$s" 2>/dev/null && fail "$s is still supervised"
done
[ -f "$U/svscan.pid" ] && fail "svscan.pid left behind"

# And back up: the mail is still there.
make -s up UP_DIR="$U" UP_PORT="$port" > "$T/up3.log" 2>&1 || { cat "$T/up3.log"; fail "third make up failed"; }
[ "`cat "$U/svscan.pid"`" != "$pid" ] || fail "svscan was not restarted"
assert_eq 2 "`maildir_count "$MINE"`" "messages after make down and up"

# The test message command make up printed: through the instance's
# sendmail and qmail-inject into the Maildir.
cmd="printf 'Subject: test\\n\\nhello\\n' | $U/bin/sendmail -f `me`@localhost `me`@localhost"
grep -qxF "  $cmd" "$T/up3.log" || { cat "$T/up3.log"; fail "make up did not print: $cmd"; }
sh -c "$cmd" || fail "the printed command failed: $cmd"
wait_for 20 maildir_has "$MINE" 3 || fail "the printed command delivered nothing to $MINE"
f=`grep -l -r '^hello$' "$MINE/new" "$MINE/cur" | head -n 1`
[ -n "$f" ] || fail "no message with the line hello in $MINE"
assert_grep "$f" '^Subject: test$'
assert_eq "Return-Path: <`me`@localhost>" "`sed -n 1p "$f"`" "the test message's envelope sender"
assert_grep "$f" "^Delivered-To: `me`@localhost\$"
make -s down UP_DIR="$U" > "$T/down2.log" 2>&1 || { cat "$T/down2.log"; fail "second make down failed"; }
pass
