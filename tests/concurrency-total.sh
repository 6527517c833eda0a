#!/bin/sh
# concurrencytotal 3 over both channels: 5 local deliveries (a .qmail
# program that waits for a release file) and 5 remote ones (a stand-in
# qmail-remote that waits too) never have more than 3 in flight together,
# as the status lines show; after the release everything is delivered once.
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
cat > "$I/bin/qmail-remote" <<EOF
#!/bin/sh
cat > /dev/null
n=0
while [ ! -e "$T/release" ] && [ \$n -lt 1200 ]; do sleep 0.1; n=\$((n + 1)); done
printf 'r\0K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0'
EOF
chmod 755 "$I/bin/qmail-remote"
alias_user=`stat -c %U "$I/alias"` && alias_group=`stat -c %G "$I/alias"` || fail "stat $I/alias"
printf '|n=0; while [ ! -e %s/release ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done\n' "$T" > "$I/alias/.qmail-slow" &&
  chown "$alias_user:$alias_group" "$I/alias/.qmail-slow" && chmod 0644 "$I/alias/.qmail-slow" || fail "write .qmail-slow"
echo 3 > "$I/control/concurrencytotal"
instance_start "$I"
ME=`me`
logs() { cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null; }
i=0
while [ $i -lt 5 ]; do
  printf 'Subject: l%s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "slow@localhost" || fail "qmail-queue exited $?"
  printf 'Subject: r%s\n\nhello\n' $i | queue_msg "$I" "$ME@localhost" "u$i@r$i.example" || fail "qmail-queue exited $?"
  i=$((i + 1))
done
busy() { [ "`logs | grep -c 'starting delivery'`" -ge 3 ]; }
wait_for 30 busy || fail "not 3 deliveries started"
# nothing else starts while 3 are in flight
sleep 1
assert_eq 3 "`logs | grep -c 'starting delivery'`" "deliveries started while 3 are in flight"
touch "$T/release"
done10() { [ "`logs | grep -c 'delivery [0-9]*: success'`" -ge 10 ]; }
wait_for 60 done10 || fail "not 10 deliveries"
assert_eq 10 "`logs | grep -c 'starting delivery'`" "deliveries started"
logs | sed -n 's/.*status: local \([0-9]*\)\/[0-9]* remote \([0-9]*\)\/[0-9]*.*/\1 \2/p' > "$T/status"
max=`awk '{ s = $1 + $2; if (s > m) m = s } END { print m + 0 }' "$T/status"`
echo "status lines: `wc -l < "$T/status" | tr -d ' '`, most in flight at once: $max"
assert_eq 3 "$max" "most deliveries in flight at once"
awk '$1 > 0 && $2 > 0 { both = 1 } END { exit !both }' "$T/status" || fail "never local and remote at once"
assert_eq 0 "`logs | grep -c 'deferral'`" "deferral lines"
pass
