#!/bin/sh
# qmail-rspawn against a stand-in qmail-remote ($QMAILREMOTE): the command
# line, the conversion of r/h/s/K/Z/D reports into one report, crashes, exit
# codes, a missing program (deferred, not bounced) and the clearing of
# queue/lock/tcpto at start-up.
. tests/lib.sh
need_programs qmail-rspawn
need_cmd "$PYTHON"

H=$T/home
B=$H/.build
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}

mkdir -p "$B" "$H/bin" "$H/queue/lock" "$H/queue/mess/8" || fail "mkdir"
for i in 1 2 3 4 5 6 7 8; do id -un; done > "$B/users"
printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$B/groups"
sh auto.sh "$H" "$B/users" "$B/groups" > "$B/auto.c" || fail "auto.sh"
$cc -I"$TOP" -c -o "$B/auto.o" "$B/auto.c" || fail "compile auto.c"
$cc -I"$TOP" -c -o "$B/qmail-rspawn.o" qmail-rspawn.c || fail "compile"
$ld -o "$H/bin/qmail-rspawn" "$B/qmail-rspawn.o" "$B/auto.o" libqmail.a || fail "link"
slots=`sed -n 1p conf-spawn`

cat > "$H/bin/fake-remote" <<'EOF'
#!/bin/sh
size=`wc -c | tr -d ' '`
case $3 in
  ok*) printf 'r\0K%s accepted %s bytes from <%s> for <%s> (%s).\n\0' "$1" "$size" "$2" "$3" "$0" ;;
  hard*) printf 'h%s does not like recipient.\nRemote host said: 550 no\n\0DGiving up on %s.\n\0' "$1" "$1" ;;
  soft*) printf 's%s said 451 later\n\0Dno recipients\n\0' "$1" ;;
  conn*) printf 'ZNo host answered.\n\0' ;;
  fake*) printf 'r\0Kfine\0Dbogus\0\001Kinjected\0' ;;
  exit3*) exit 3 ;;
  crash*) kill -KILL $$ ;;
esac
exit 0
EOF
chmod 755 "$H/bin/fake-remote"
printf 'Subject: t\n\nhello\n' > "$H/queue/mess/8/123"
head -c 1024 /dev/urandom | tr '\0' x > "$H/queue/lock/tcpto"

run() {
  rm -f "$T/out"
  "$PYTHON" tests/spawnclient.py -t 60 "$H/bin/qmail-rspawn" > "$T/out" 2>"$T/err"
  cat "$T/out"
}
has() {
  grep -q -F -x -e "$1" "$T/out" || { cat "$T/err"; fail "no line '$1'"; }
}
has_re() {
  grep -q -e "$1" "$T/out" || { cat "$T/err"; fail "no line matching '$1'"; }
}

QMAILREMOTE=$H/bin/fake-remote run <<'EOF'
req 0 8/123 s@a.example ok@b.example
req 1 8/123 s@a.example hard@b.example
req 2 8/123 s@a.example soft@b.example
req 3 8/123 s@a.example conn@x@c.example
req 4 8/123 - fake@b.example
req 5 8/123 s@a.example exit3@b.example
req 6 8/123 s@a.example crash@b.example
req 7 8/123 s@a.example empty@b.example
EOF
has "handshake $slots"
has "report 0 K b.example accepted 18 bytes from <s@a.example> for <ok@b.example> ($H/bin/fake-remote).\\n"
has "report 1 D b.example does not like recipient.\\nRemote host said: 550 no\\nGiving up on b.example.\\n"
has "report 2 Z b.example said 451 later\\nno recipients\\n"
has "report 3 Z No host answered.\\n"
has "report 4 K fine"
has_re "^report 5 D "
has_re "^report 6 Z qmail-remote crashed"
has_re "^report 7 Z qmail-remote produced no output"
has "exit 0"
assert_eq 8 "`grep -c '^report ' "$T/out"`" "number of reports"

# the timeout table was cleared
nonzero=`tr -d '\0' < "$H/queue/lock/tcpto" | wc -c | tr -d ' '`
assert_eq 0 "$nonzero" "non-zero bytes left in queue/lock/tcpto"
assert_eq 1024 "`wc -c < "$H/queue/lock/tcpto" | tr -d ' '`" "size of queue/lock/tcpto"

# a relative $QMAILREMOTE is found from the home directory
echo 'req 0 8/123 s@a.example ok@b.example' | QMAILREMOTE=bin/fake-remote run > /dev/null
has "report 0 K b.example accepted 18 bytes from <s@a.example> for <ok@b.example> (bin/fake-remote).\\n"

# qmail-remote missing, or not executable: defer
echo 'req 0 8/123 s@a.example ok@b.example' | QMAILREMOTE=$H/bin/none run > /dev/null
has_re "^report 0 Z Unable to run qmail-remote. (#4.3.0)\\\\nqmail-rspawn: fatal: unable to run $H/bin/none: "
chmod 644 "$H/bin/fake-remote"
echo 'req 0 8/123 s@a.example ok@b.example' | QMAILREMOTE=$H/bin/fake-remote run > /dev/null
has_re "^report 0 Z Unable to run qmail-remote. (#4.3.0)\\\\nqmail-rspawn: fatal: unable to run $H/bin/fake-remote: "
chmod 755 "$H/bin/fake-remote"
PY=`command -v "$PYTHON"` || fail "no $PYTHON"
rm -f "$T/out"
echo 'req 0 8/123 s@a.example ok@b.example' |
  QMAILREMOTE= PATH=/nonexistent "$PY" tests/spawnclient.py -t 60 "$H/bin/qmail-rspawn" > "$T/out" 2>"$T/err"
has_re "^report 0 Z Unable to run qmail-remote. (#4.3.0)\\\\nqmail-rspawn: fatal: unable to run qmail-remote: "

# without queue/lock/tcpto it starts all the same
rm -f "$H/queue/lock/tcpto"
echo 'req 0 8/123 s@a.example ok@b.example' | QMAILREMOTE=$H/bin/fake-remote run > /dev/null
has_re "^report 0 K "
[ -e "$H/queue/lock/tcpto" ] && fail "qmail-rspawn created queue/lock/tcpto"

pass
