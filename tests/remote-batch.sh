#!/bin/sh
# Several recipients per remote transaction: qmail-send hands the remote
# recipients of one message with the same domain to one qmail-remote (a
# stand-in here that records its argv and answers r/h/s by local part,
# then K), up to control/maxrcptremote, and gives each recipient its own
# result: r done, h bounced (the notice names only it), s retried alone.
# timeout: 240
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-start
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
R=$T/runs
mkdir -p "$R" && chmod 777 "$R" || fail "mkdir $R"
cat > "$I/bin/qmail-remote" <<EOF
#!/bin/sh
# stand-in: one file per run with its argv; r/h/s by local part, then K
cat > /dev/null
printf '%s\n' "\$*" > "$R/run.\$\$"
shift 2
for a in "\$@"; do
  case \$a in
    hard*) printf 'h%s refused.\nRemote host said: 550 no such user\n\0' "\$a" ;;
    soft*) if [ -e "$T/softok" ]; then printf 'r\0'; else printf 's%s deferred.\nRemote host said: 451 later\n\0' "\$a"; fi ;;
    *) printf 'r\0' ;;
  esac
done
printf 'K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0'
EOF
chmod 755 "$I/bin/qmail-remote"
instance_start "$I"
ME=`me`
MB=`mailbox "$I"`

runs() { ls "$R" | wc -l | tr -d ' '; }
# every log file: multilog rotates current at 100 kB
logs() { cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null; }
successes() { logs | grep -c 'delivery [0-9]*: success: 1.2.3.4_accepted_message./Remote_host_said:_250_ok/'; }
wait_successes() { wait_for 30 sh -c "[ \`cat '$I'/log/qmail-send/@* '$I/log/qmail-send/current' 2>/dev/null | grep -c 'delivery [0-9]*: success:'\` -ge $1 ]"; }

# 5 recipients at one domain, 2 at another: 2 runs
printf 'Subject: batch\n\nhello\n' | queue_msg "$I" "$ME@localhost" \
  a1@one.example a2@one.example a3@ONE.example a4@one.example b1@two.example a5@one.example b2@two.example ||
  fail "qmail-queue exited $?"
wait_successes 7 || fail "7 recipients were not delivered"
assert_eq 2 "`runs`" "qmail-remote runs"
cat "$R"/run.* | sort > "$T/argv"
printf '%s\n' \
  "one.example $ME@localhost a1@one.example a2@one.example a3@ONE.example a4@one.example a5@one.example" \
  "two.example $ME@localhost b1@two.example b2@two.example" > "$T/want"
cmp "$T/want" "$T/argv" || { cat "$T/argv"; fail "qmail-remote's argv"; }
assert_eq 7 "`successes`" "success lines"
# qmailanalog: one starting line per recipient, numbers matched by results
n=`grep -c 'starting delivery [0-9]*: msg [0-9]* to remote [ab][0-9]@' "\`log_file "$I"\`"`
assert_eq 7 "$n" "starting delivery lines"
rm -f "$R"/run.*

# r, h, s, r in one run: done, bounced, retried alone, done
printf 'Subject: mix\n\nhello\n' | queue_msg "$I" "$ME@localhost" \
  ok1@mix.example hard1@mix.example soft1@mix.example ok2@mix.example ||
  fail "qmail-queue exited $?"
wait_for 30 log_grep "$I" 'delivery [0-9]*: deferral: soft1@mix.example_deferred' || fail "no deferral for soft1"
assert_eq 1 "`runs`" "qmail-remote runs"
assert_eq "mix.example $ME@localhost ok1@mix.example hard1@mix.example soft1@mix.example ok2@mix.example" "`cat "$R"/run.*`" "argv"
assert_eq 1 "`grep -c 'delivery [0-9]*: failure: hard1@mix.example_refused' "\`log_file "$I"\`"`" "failure lines"
rm -f "$R"/run.*
svc -a "$I/service/qmail-send"
wait_for 30 sh -c "[ \`grep -c 'deferral: soft1@mix.example' '`log_file "$I"`'\` -ge 2 ]" || fail "no second deferral"
assert_eq "mix.example $ME@localhost soft1@mix.example" "`cat "$R"/run.*`" "argv of the retry"
rm -f "$R"/run.*
# now soft1 is taken: the message is done and its notice names only hard1
touch "$T/softok"
svc -a "$I/service/qmail-send"
wait_for 30 maildir_has "$MB" 1 || fail "no failure notice"
assert_eq "mix.example $ME@localhost soft1@mix.example" "`cat "$R"/run.*`" "argv of the last retry"
notice=`ls "$MB"/new/* | head -n 1`
grep -q '^<hard1@mix.example>:$' "$notice" || fail "hard1 not in the notice"
grep -q 'Remote host said: 550 no such user' "$notice" || fail "no remote text in the notice"
grep -q '^<\(ok1\|ok2\|soft1\)@mix.example>:$' "$notice" && fail "the notice names more than hard1"
rm -f "$R"/run.*

# maxrcptremote 1: one recipient per run, as qmail
echo 1 > "$I/control/maxrcptremote"
svc -h "$I/service/qmail-send"
wait_for 10 log_grep "$I" 'status: local' || :
sleep 1 # HUP is asynchronous; the next message must see the new value
before=`successes`
printf 'Subject: one\n\nhello\n' | queue_msg "$I" "$ME@localhost" c1@one.example c2@one.example c3@one.example ||
  fail "qmail-queue exited $?"
wait_for 30 sh -c "[ \`ls '$R' | wc -l\` -ge 3 ]" || fail "not 3 runs"
wait_successes $((before + 3)) || fail "3 recipients not delivered"
assert_eq 3 "`runs`" "qmail-remote runs with maxrcptremote 1"
for f in "$R"/run.*; do
  set -- `cat "$f"`
  assert_eq 3 "$#" "arguments of one run"
done
rm -f "$R"/run.*

# 1,000 recipients at one domain, 100 per run: 10 runs
rm -f "$I/control/maxrcptremote"
svc -h "$I/service/qmail-send"
sleep 1
before=`successes`
i=0
set --
while [ $i -lt 1000 ]; do set -- "$@" "u$i@big.example"; i=$((i + 1)); done
printf 'Subject: big\n\nhello\n' | queue_msg "$I" "$ME@localhost" "$@" || fail "qmail-queue exited $?"
wait_successes $((before + 1000)) || fail "1000 recipients not delivered"
assert_eq 10 "`runs`" "qmail-remote runs for 1000 recipients"
for f in "$R"/run.*; do
  set -- `cat "$f"`
  assert_eq 102 "$#" "arguments of one run"
done
assert_eq 1000 "`cat "$R"/run.* | tr ' ' '\n' | grep -c '@big.example$'`" "recipients over all runs"
assert_eq 1000 "`cat "$R"/run.* | tr ' ' '\n' | grep '@big.example$' | sort -u | wc -l | tr -d ' '`" "distinct recipients"
pass
