#!/bin/sh
# A .qmail program that leaves a process behind holding its output (a
# daemon started with "&", which keeps fds 1 and 2: the report pipe) must
# not hold the delivery (security-tests C13, "forks a daemon holding
# stdout: no hang"). Otherwise any local user holds every local delivery
# slot for as long as they like, by mailing themselves. Run by a real
# qmail-lspawn (built for a home where every role is the invoking user; as
# root the delivery runs as nobody), the report comes within 10 s of
# qmail-local's exit, while the process left behind still runs (it sleeps
# 60 s): status K, and the text is what the program printed before
# qmail-local exited, then qmail-local's "did 0+0+1".
. tests/lib.sh
need_programs qmail-local qmail-lspawn
need_cmd "$PYTHON"
. tests/lib_local.sh

lspawn_home "$T/lhome"
L=$T/lhome
UH=$T/uhome
BG=$T/bg
mkdir -p "$UH" "$BG" || fail "mkdir $UH"
# the daemon writes its pid where the test can kill it
printf '%s\n' "|echo before; sh -c 'echo \$\$ > $BG/pid; exec sleep 60' &" > "$UH/.qmail" &&
  chmod 0700 "$UH" && chmod 0600 "$UH/.qmail" && chmod 0777 "$BG" &&
  chown -R "$uid:$gid" "$UH" || fail "unable to make $UH"
cat > "$L/bin/qmail-getpw" <<EOF
#!/bin/sh
printf '%s\0%s\0%s\0%s\0%s\0%s\0' acct $uid $gid $UH '' ''
EOF
chmod 0755 "$L/bin/qmail-local" "$L/bin/qmail-getpw" "$L/bin/qmail-lspawn"
cp "$MSG" "$L/queue/mess/8/123" || fail "copy the message"
chmod 0755 "$T" "$L" "$L/bin"

kill_daemon() {
  [ -s "$BG/pid" ] && kill "`cat "$BG/pid"`" 2>/dev/null
}
echo 'req 0 8/123 a@b.org joe@example.com' > "$T/script"
"$PYTHON" tests/spawnclient.py -t 10 "$L/bin/qmail-lspawn" ./Maildir/ \
  < "$T/script" > "$T/spawn.out" 2> "$T/spawn.err" &
client=$!
track_pid $client
wait $client
[ -s "$BG/pid" ] && kill -0 "`cat "$BG/pid"`" 2>/dev/null || { kill_daemon; fail "the program's daemon did not start"; }
kill_daemon
if grep -q '^timeout' "$T/spawn.out"; then
  cat "$T/spawn.out" "$T/spawn.err"
  fail "qmail-lspawn held the delivery while a process the program left behind held its output"
fi
{
  printf '%s\n' 'report 0 K before\ndid 0+0+1\n'
  echo 'exit 0'
} > "$T/spawn.want"
grep -v '^handshake ' "$T/spawn.out" > "$T/spawn.got"
same "$T/spawn.want" "$T/spawn.got" "the output of qmail-lspawn"
pass
