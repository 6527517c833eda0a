#!/bin/sh
# More than 255 deliveries at once: an instance whose qmail-lspawn is built
# with conf-spawn 400 and concurrencylocal 300 runs 300 local deliveries
# (a .qmail program that waits for a release file) together, as the
# status line "local 300/300" shows; after the release each is done once.
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
# qmail-lspawn again, with 400 slots (its auto.o from a conf-spawn of 400)
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}
mkdir "$T/a" && cp auto.sh "$T/a/" && cp conf-split "$T/a/" && echo 400 > "$T/a/conf-spawn" || fail "copy auto.sh"
sh "$T/a/auto.sh" "$I" "$I/.build/users" "$I/.build/groups" > "$T/a/auto.c" || fail "auto.sh"
$cc -I"$TOP" -c -o "$T/a/auto.o" "$T/a/auto.c" || fail "compile auto.c"
$ld -o "$T/a/qmail-lspawn" qmail-lspawn.o "$T/a/auto.o" libqmail.a || fail "link qmail-lspawn"
cp "$T/a/qmail-lspawn" "$I/bin/qmail-lspawn.new" && mv -f "$I/bin/qmail-lspawn.new" "$I/bin/qmail-lspawn" ||
  fail "install qmail-lspawn"
alias_user=`stat -c %U "$I/alias"` && alias_group=`stat -c %G "$I/alias"` || fail "stat $I/alias"
printf '|n=0; while [ ! -e %s/release ] && [ $n -lt 600 ]; do sleep 0.2; n=$((n + 1)); done\n' "$T" > "$I/alias/.qmail-slow" &&
  chown "$alias_user:$alias_group" "$I/alias/.qmail-slow" && chmod 0644 "$I/alias/.qmail-slow" || fail "write .qmail-slow"
echo 300 > "$I/control/concurrencylocal"
instance_start "$I"
ME=`me`
logs() { cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null; }
log_grep "$I" 'status: local 0/300 ' || fail "the local channel has not 300 slots: `grep status: "\`log_file "$I"\`" | head -n 1`"
i=0
while [ $i -lt 300 ]; do
  printf 'Subject: l%s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "slow@localhost" || fail "qmail-queue exited $?"
  i=$((i + 1))
done
full() { logs | grep -q 'status: local 300/300 '; }
wait_for 60 full || fail "never 300 local deliveries at once: `logs | grep status: | tail -n 1`"
echo "300 local deliveries in flight at once"
touch "$T/release"
done300() { [ "`logs | grep -c 'delivery [0-9]*: success'`" -ge 300 ]; }
wait_for 90 done300 || fail "not 300 deliveries: `logs | grep -c 'delivery [0-9]*: success'`"
assert_eq 300 "`logs | grep -c 'starting delivery'`" "deliveries started"
assert_eq 300 "`logs | grep -c 'delivery [0-9]*: success'`" "successes"
assert_eq 0 "`logs | grep -c 'deferral'`" "deferral lines"
pass
