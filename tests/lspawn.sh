#!/bin/sh
# qmail-lspawn against stand-in qmail-local and qmail-getpw programs: the
# handshake, request validation, user lookup through qmail-getpw and through
# users/cdb, the qmail-local command line, the uid it runs as, the mapping of
# exit codes to reports, truncation, slot handling and the end of input.
# As root the deliveries run as nobody, and uid 0 is checked to be refused.
. tests/lib.sh
need_programs qmail-lspawn qmail-newu
need_cmd "$PYTHON"

H=$T/home
B=$H/.build
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}

# a home whose every role is the invoking user, with these programs
mkdir -p "$B" "$H/bin" "$H/users" "$H/queue/lock" || fail "mkdir"
i=0
while [ $i -lt 23 ]; do mkdir -p "$H/queue/mess/$i"; i=$((i + 1)); done
for i in 1 2 3 4 5 6 7 8; do id -un; done > "$B/users"
printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$B/groups"
sh auto.sh "$H" "$B/users" "$B/groups" > "$B/auto.c" || fail "auto.sh"
$cc -I"$TOP" -c -o "$B/auto.o" "$B/auto.c" || fail "compile auto.c"
for p in qmail-lspawn qmail-newu; do
  $cc -I"$TOP" -c -o "$B/$p.o" "$p.c" || fail "compile $p"
  $ld -o "$H/bin/$p" "$B/$p.o" "$B/auto.o" libqmail.a || fail "link $p"
done
slots=`sed -n 1p conf-spawn`

if [ "`id -u`" = 0 ]; then
  uid=`id -u nobody` && gid=`id -g nobody` || skip "no account nobody"
else
  uid=`id -u`
  gid=`id -g`
fi

cat > "$H/bin/qmail-local" <<'EOF'
#!/bin/sh
[ "$1" = -- ] || exit 112
shift
size=`wc -c | tr -d ' '`
printf 'args:%s|%s|%s|%s|%s|%s|%s|%s uid:%s bytes:%s\n' "$@" "`id -u`" "$size"
case $3 in
  exit*) exit ${3#exit} ;;
  crash*) kill -KILL $$ ;;
  big*) head -c 5000 /dev/zero | tr '\0' y ;;
  sleep*) sleep 1 ;;
esac
exit 0
EOF
cat > "$H/bin/qmail-getpw" <<EOF
#!/bin/sh
case \$1 in
  nfs*) exit 115 ;;
esac
printf '%s\0%s\0%s\0%s\0%s\0%s\0' acct $uid $gid /home/gp - "\$1"
EOF
chmod 755 "$H/bin/qmail-local" "$H/bin/qmail-getpw"

msg='Subject: t

hello
'
printf '%s' "$msg" > "$H/queue/mess/8/123"
bytes=`printf '%s' "$msg" | wc -c | tr -d ' '`
ln -s 123 "$H/queue/mess/10/125"
mkfifo "$H/queue/mess/12/126"

run() {
  rm -f "$T/out"
  "$PYTHON" tests/spawnclient.py -t 60 "$H/bin/qmail-lspawn" ./Maildir/ > "$T/out" 2>"$T/err"
  cat "$T/out"
}
has() {
  grep -q -F -x -e "$1" "$T/out" || { cat "$T/err"; fail "no line '$1'"; }
}
has_re() {
  grep -q -e "$1" "$T/out" || { cat "$T/err"; fail "no line matching '$1'"; }
}

# --- without users/cdb: qmail-getpw ------------------------------------------
run <<'EOF'
req 0 8/123 sender@x alice@example.com
req 1 8/123 sender@x @example.com
req 2 8/123 sender@x nfs@example.com
req 3 8/123 sender@x exit111@example.com
req 4 8/123 sender@x exit100@example.com
req 5 8/123 sender@x exit99@example.com
req 6 8/123 sender@x exit75@example.com
req 7 8/123 sender@x crash@example.com
req 8 8/123 sender@x big@example.com
req 9 8/123 - a@b@example.org
req 200 8/123 sender@x alice@example.com
req 10 x/123 sender@x alice@example.com
req 11 8/123 sender@x nohost
req 12 11/999 sender@x alice@example.com
req 13 10/125 sender@x alice@example.com
req 14 12/126 sender@x alice@example.com
req 15 8/123/ sender@x alice@example.com
EOF
has "handshake $slots"
has "report 0 K args:acct|/home/gp|alice|-|alice|example.com|sender@x|./Maildir/ uid:$uid bytes:$bytes\\n"
has "report 1 K "
has "report 2 Z NFS failure while looking up the recipient. (#4.3.0)\\n"
has_re "^report 3 Z args:.*|exit111|"
has_re "^report 4 D args:.*|exit100|"
has_re "^report 5 D args:.*|exit99|"
has_re "^report 6 Z args:.*|exit75|"
has_re "^report 7 Z qmail-local crashed\.\\\\nargs:"
has_re "^report 8 K args:.*yyyy\\\\n(report too long: cut after 3000 bytes by qmail-lspawn)\\\\n$"
kept=`sed -n 's/^report 8 K //p' "$T/out" | sed 's/\\\\n(report too long.*$//; s/\\\\n/N/g'`
assert_eq 3000 "${#kept}" "bytes of qmail-local output kept"
has "report 9 K args:acct|/home/gp|a@b|-|a@b|example.org||./Maildir/ uid:$uid bytes:$bytes\\n"
has_re "^report 200 Z .*(#4.3.5)"
has_re "^report 10 D .*(#5.3.5)"
has_re "^report 11 D .*(#5.1.3)"
has_re "^report 12 Z Unable to open the message file: .*(#4.3.0)"
has_re "^report 13 Z Unable to open the message file: .*(#4.3.0)"
has_re "^report 14 Z .*not a regular file. (#4.3.5)"
has_re "^report 15 D .*(#5.3.5)"
has "exit 0"
n=`grep -c '^report ' "$T/out"`
assert_eq 17 "$n" "number of reports"

# a message file not owned by the queue owner
if [ "`id -u`" = 0 ]; then
  cp "$H/queue/mess/8/123" "$H/queue/mess/9/124"
  chown nobody "$H/queue/mess/9/124"
  echo 'req 0 9/124 s@x alice@example.com' | run > /dev/null
  has_re "^report 0 Z .*not owned by the queue owner. (#4.3.5)"
fi

# --- with users/cdb ------------------------------------------------------------
cat > "$H/users/assign" <<EOF
=bob:acct:$uid:$gid:/home/bob:-:x:
+wild-:acct:$uid:$gid:/home/w:-:pre-:
=rootie:root:0:0:/root:::
.
EOF
"$H/bin/qmail-newu" || fail "qmail-newu"
run <<'EOF'
req 0 8/123 s@x Bob@example.com
req 1 8/123 s@x wild-Foo@example.com
req 2 8/123 s@x rootie@example.com
req 3 8/123 s@x carol@example.com
EOF
has "report 0 K args:acct|/home/bob|Bob|-|x|example.com|s@x|./Maildir/ uid:$uid bytes:$bytes\\n"
has "report 1 K args:acct|/home/w|wild-Foo|-|pre-Foo|example.com|s@x|./Maildir/ uid:$uid bytes:$bytes\\n"
has "report 2 Z Refusing to deliver as root. (#4.3.0)\\n"
has "report 3 K args:acct|/home/gp|carol|-|carol|example.com|s@x|./Maildir/ uid:$uid bytes:$bytes\\n"

# a corrupt users/cdb defers
cp "$H/users/cdb" "$T/cdb.good"
printf 'garbage' > "$H/users/cdb"
echo 'req 0 8/123 s@x bob@example.com' | run > /dev/null
has_re "^report 0 Z Unable to read users/cdb. (#4.3.0)"
cp "$T/cdb.good" "$H/users/cdb"

# --- a busy slot, many slots, end of input --------------------------------------
run <<'EOF'
req 5 8/123 s@x sleep@example.com
req 5 8/123 s@x bob@example.com
close
EOF
first=`grep '^report' "$T/out" | head -n 1`
case $first in
  "report 5 Z "*"(#4.3.5)\\n") ;;
  *) fail "a request for a busy slot was not refused at once: $first" ;;
esac
has_re "^report 5 K args:acct|/home/gp|sleep|"
has "exit 0"

i=0
: > "$T/script"
while [ $i -lt $slots ]; do
  echo "req $i 8/123 s@x sleep$i@example.com" >> "$T/script"
  i=$((i + 1))
done
run < "$T/script" > /dev/null
n=`grep -c '^report \([0-9]*\) K args:acct|/home/gp|sleep\1|' "$T/out"`
assert_eq "$slots" "$n" "reports of concurrent deliveries"
has "exit 0"

# --- qmail-local missing: defer, never bounce ---------------------------------------
mv "$H/bin/qmail-local" "$H/bin/qmail-local.off"
echo 'req 0 8/123 s@x bob@example.com' | run > /dev/null
has_re "^report 0 Z Unable to run qmail-local. (#4.3.0)\\\\nqmail-lspawn: fatal: unable to run bin/qmail-local: "
mv "$H/bin/qmail-local.off" "$H/bin/qmail-local"

# --- usage ------------------------------------------------------------------------
"$H/bin/qmail-lspawn" < /dev/null > /dev/null 2>&1
assert_eq 100 $? "exit code without defaultdelivery"

pass
