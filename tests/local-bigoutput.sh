#!/bin/sh
# A .qmail program that writes 1 GB to its output (reference 6.5: a
# program's fds 1 and 2 are qmail-local's, the report pipe). Run directly,
# qmail-local delivers (exit 0), its peak resident memory (VmHWM, polled
# from /proc) stays small, and what it adds to the program's output is
# just "did 0+0+1". Run by a real qmail-lspawn (built for a home where
# every role is the invoking user; as root the delivery runs as nobody),
# the report qmail-send would get is the first 3000 bytes and the
# "report too long" note, status K, and qmail-lspawn's own peak memory
# stays small too.
# timeout: 200
. tests/lib.sh
need_programs qmail-local qmail-lspawn
need_cmd "$PYTHON" yes head
[ -r /proc/self/status ] || skip "no /proc/PID/status to read peak memory from"
. tests/lib_local.sh

GB=1000000000
LIMIT_KB=32768    # peak resident memory allowed, either program

# --- qmail-local alone -------------------------------------------------------------------
ql_reset
dotqmail .qmail "|yes 0123456789 | head -c $GB"
"$PYTHON" - "$TOP/qmail-local" "$QL_USER" "$H" "$MSG" "$QQ" "$QL_PATH" > "$T/result" <<'EOF' || fail "the measurement failed"
import os, subprocess, sys, threading, time
ql, user, home, msg, qq, path = sys.argv[1:]
args = [ql, "--", user, home, "joe", "", "", "example.com", "a@b.org", "./Maildir/"]
env = {"PATH": path, "QMAILQUEUE": qq}
r, w = os.pipe()
p = subprocess.Popen(args, stdin=open(msg, "rb"), stdout=w, stderr=w, env=env)
os.close(w)
count = 0
tail = b""
peak = 0
def reader():
    global count, tail
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        count += len(b)
        tail = (tail + b)[-200:]
t = threading.Thread(target=reader)
t.start()
deadline = time.time() + 150
while p.poll() is None:
    try:
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    if time.time() > deadline:
        p.kill()
        print("timeout")
        sys.exit(1)
    time.sleep(0.01)
t.join()
print(p.returncode)
print(peak)
print(count)
sys.stdout.flush()
os.write(1, tail + b"\n")
EOF
rc=`sed -n 1p "$T/result"`
peak=`sed -n 2p "$T/result"`
count=`sed -n 3p "$T/result"`
[ "$rc" = timeout ] && fail "qmail-local did not finish within 150 s"
assert_eq 0 "$rc" "exit code of qmail-local for a program writing 1 GB"
[ "$peak" -gt 0 ] || fail "no peak memory was read for qmail-local"
echo "qmail-local peak resident memory: $peak kB; output $count bytes"
[ "$peak" -le $LIMIT_KB ] || fail "qmail-local's peak resident memory was $peak kB (limit $LIMIT_KB kB)"
# the program's output, then exactly the did line
tail -c 11 "$T/result" > "$T/tail"
printf 'did 0+0+1\n\n' > "$T/tail.want"
# (the result file ends with a newline of its own)
same "$T/tail.want" "$T/tail" "the end of qmail-local's output"
[ "$count" -le $((GB + 4096)) ] || fail "qmail-local wrote $count bytes for a program's $GB"

# --- under qmail-lspawn --------------------------------------------------------------------
lspawn_home "$T/lhome"
L=$T/lhome
UH=$T/uhome
mkdir -p "$UH" && printf '|yes 0123456789 | head -c %s\n' $GB > "$UH/.qmail" &&
  chmod 0700 "$UH" && chmod 0600 "$UH/.qmail" && chown -R "$uid:$gid" "$UH" || fail "unable to make $UH"
cat > "$L/bin/qmail-getpw" <<EOF
#!/bin/sh
printf '%s\0%s\0%s\0%s\0%s\0%s\0' acct $uid $gid $UH '' ''
EOF
chmod 0755 "$L/bin/qmail-local" "$L/bin/qmail-getpw" "$L/bin/qmail-lspawn"
cp "$MSG" "$L/queue/mess/8/123" || fail "copy the message"
chmod 0755 "$T" "$L" "$L/bin"

# qmail-lspawn's pid is written by the shell that becomes it
echo 'req 0 8/123 a@b.org joe@example.com' > "$T/script"
"$PYTHON" tests/spawnclient.py -t 150 sh -c 'echo $$ > "$1"; exec "$2" ./Maildir/' sh "$T/lspawn.pid" "$L/bin/qmail-lspawn" \
  < "$T/script" > "$T/spawn.out" 2> "$T/spawn.err" &
client=$!
track_pid $client
peak=0
while kill -0 $client 2>/dev/null; do
  if [ -s "$T/lspawn.pid" ]; then
    v=`sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/\`cat "$T/lspawn.pid"\`/status" 2>/dev/null`
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
  fi
  sleep 0.02
done
wait $client
[ "$peak" -gt 0 ] || fail "no peak memory was read for qmail-lspawn"
echo "qmail-lspawn peak resident memory: $peak kB"
grep -q '^timeout' "$T/spawn.out" && { cat "$T/spawn.err"; fail "qmail-lspawn did not finish within 150 s"; }
[ "$peak" -le $LIMIT_KB ] || fail "qmail-lspawn's peak resident memory was $peak kB (limit $LIMIT_KB kB)"
"$PYTHON" - "$T/spawn.out" <<'EOF' || { cat "$T/spawn.out" | cut -c 1-300; cat "$T/spawn.err"; fail "the report of qmail-lspawn is not the expected one"; }
import sys
lines = open(sys.argv[1], encoding="latin-1").read().split("\n")
reports = [l for l in lines if l.startswith("report ")]
if len(reports) != 1:
    sys.exit("%d reports" % len(reports))
kept = (b"0123456789\n" * 300)[:3000]
text = kept + b"\n(report too long: cut after 3000 bytes by qmail-lspawn)\n"
want = "report 0 K " + text.decode().replace("\n", "\\n")
if reports[0] != want:
    sys.exit("report: %r..., %d characters" % (reports[0][:100], len(reports[0])))
if "exit 0" not in lines:
    sys.exit("qmail-lspawn did not exit 0")
EOF
pass
