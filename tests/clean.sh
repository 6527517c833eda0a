#!/bin/sh
# qmail-clean: which files each request removes, the answers '+', '!' and
# 'x', answers in order for pipelined requests (written in few writes), a
# lone request answered at once, the 36-hour pid/ sweep every 30 requests,
# and the exit codes.
. tests/lib.sh
need_programs qmail-clean
need_cmd "$PYTHON"

H=$T/home
B=$H/.build
Q=$H/queue
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}

mkdir -p "$B" "$H/bin" "$Q/intd" "$Q/todo" "$Q/pid" "$Q/lock" || fail "mkdir"
i=0
while [ $i -lt 23 ]; do mkdir -p "$Q/mess/$i"; i=$((i + 1)); done
for i in 1 2 3 4 5 6 7 8; do id -un; done > "$B/users"
printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$B/groups"
sh auto.sh "$H" "$B/users" "$B/groups" > "$B/auto.c" || fail "auto.sh"
$cc -I"$TOP" -c -o "$B/auto.o" "$B/auto.c" || fail "compile auto.c"
$cc -I"$TOP" -c -o "$B/qmail-clean.o" qmail-clean.c || fail "compile"
$ld -o "$H/bin/qmail-clean" "$B/qmail-clean.o" "$B/auto.o" libqmail.a || fail "link"
split=`sed -n 1p conf-split`

answers() {
  "$H/bin/qmail-clean" > "$T/ans" 2> "$T/err"
  rc=$?
  cat "$T/ans"
  return $rc
}
gone() {
  for f in "$@"; do
    [ -e "$Q/$f" ] && fail "$f was not removed"
  done
  return 0
}
there() {
  for f in "$@"; do
    [ -e "$Q/$f" ] || fail "$f was removed"
  done
  return 0
}

# --- what each request removes -------------------------------------------------
touch "$Q/intd/123" "$Q/mess/$((123 % split))/123" "$Q/todo/123"
touch "$Q/intd/124" "$Q/todo/124" "$Q/mess/$((124 % split))/124"
mkdir -p "$Q/intd/130/x"
touch "$Q/mess/$((130 % split))/130"
touch "$Q/intd/0077" "$Q/todo/0077" "$Q/todo/7"
long=`printf '%0100d' 5`
out=`printf 'foop/123\0todo/124\0foop/999\0todo/1\0foop/130\0foop/12a\0bar/1234\0foop/\0todo/7/\0foop/-1\0todo/%s\0foop/../../x\0mess/1/123\0todo/0077\0' "$long" | answers`
assert_eq 0 $? "exit code at end of input"
assert_eq '++++!xxxxxxxx+' "$out" "answers"
gone intd/123 "mess/$((123 % split))/123" intd/124 todo/124 intd/0077 todo/0077
there todo/123 "mess/$((124 % split))/124" "mess/$((130 % split))/130" intd/130 todo/7

# a request of exactly 100 bytes with its NUL is fine, 101 is not
id94=`printf '%094d' 1`
touch "$Q/todo/$id94"
out=`printf 'todo/%s\0todo/0%s\0' "$id94" "$id94" | answers`
assert_eq '+x' "$out" "answers at the length limit"
gone "todo/$id94"

# an unterminated last request is dropped
out=`printf 'todo/5\0todo/6' | answers`
assert_eq '+' "$out" "answers with a partial last request"

# --- pipelining: answers in order, in few writes ---------------------------------
i=0
: > "$T/req"
while [ $i -lt 200 ]; do
  touch "$Q/todo/$((5000 + i))"
  if [ $((i % 10)) = 3 ]; then printf 'junk%d\0' $i >> "$T/req"; else printf 'todo/%d\0' $((5000 + i)) >> "$T/req"; fi
  i=$((i + 1))
done
want=`i=0; while [ $i -lt 200 ]; do if [ $((i % 10)) = 3 ]; then printf x; else printf +; fi; i=$((i + 1)); done`
out=`answers < "$T/req"`
assert_eq "$want" "$out" "answers to 200 pipelined requests"
if command -v strace > /dev/null 2>&1; then
  strace -o "$T/trace" -e trace=write "$H/bin/qmail-clean" < "$T/req" > /dev/null 2>&1
  if [ -s "$T/trace" ]; then
    writes=`grep -c '^write(1,' "$T/trace"`
    echo "200 pipelined requests: $writes write(s)"
    [ "$writes" -le 2 ] || fail "200 pipelined requests took $writes writes"
  fi
fi

# --- a lone request is answered while the input stays open --------------------------
touch "$Q/todo/42"
"$PYTHON" - "$H/bin/qmail-clean" <<'EOF' || fail "no prompt answer to a lone request"
import os, select, subprocess, sys
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"todo/42\0"); p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 10)
ok = bool(r) and os.read(p.stdout.fileno(), 10) == b"+"
p.stdin.write(b"todo/43\0todo/x\0"); p.stdin.flush()
data = b""
while len(data) < 2:
    r, _, _ = select.select([p.stdout], [], [], 10)
    if not r: break
    data += os.read(p.stdout.fileno(), 10)
ok = ok and data == b"+x"
p.stdin.close()
ok = ok and p.wait(10) == 0
sys.exit(0 if ok else 1)
EOF
gone todo/42

# --- pid/ files untouched for 36 hours go, every 30 requests -------------------------
touch "$Q/pid/new" "$Q/pid/old"
touch -a -d '@'$((`date +%s` - 129700)) "$Q/pid/old" || skip "touch cannot set an access time"
i=0
: > "$T/req"
while [ $i -lt 29 ]; do printf 'todo/9\0' >> "$T/req"; i=$((i + 1)); done
answers < "$T/req" > /dev/null
there pid/old pid/new
printf 'todo/9\0' >> "$T/req"
answers < "$T/req" > /dev/null
gone pid/old
there pid/new

# --- exit codes -----------------------------------------------------------------------
printf 'todo/9\0' | "$H/bin/qmail-clean" >&- 2> /dev/null
assert_eq 100 $? "exit code when answers cannot be written"
"$H/bin/qmail-clean" < /dev/null > /dev/null
assert_eq 0 $? "exit code on empty input"
mv "$Q" "$H/queue.off"
"$H/bin/qmail-clean" < /dev/null > /dev/null 2> "$T/err"
assert_eq 111 $? "exit code without a queue directory"
grep -q '^qmail-clean: fatal: unable to switch to ' "$T/err" || fail "no diagnostic: `cat "$T/err"`"
mv "$H/queue.off" "$Q"

pass
