#!/bin/sh
# qmail-start with stand-in daemons found through $PATH: the six pipes and
# which process holds which end, fds 0-6 of every process, a descriptor open
# in qmail-start's caller (fd 9) reaching none of them, the log (with and
# without a logger), the daemons' stderr going to the log, uids and gids,
# "/" and umask 077, the default ./Mailbox, and silent exit 111 on failure.
# As root the roles are given to the system accounts daemon, bin, sys and
# sync with the groups mail and nogroup, so every uid change is visible.
. tests/lib.sh
need_programs qmail-start

H=$T/home
B=$H/.build
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}
mkdir -p "$B" "$H/bin" "$T/fakebin" "$T/rec" || fail "mkdir"
chmod 1777 "$T/rec"

if [ "`id -u`" = 0 ]; then
  for a in daemon bin sys sync; do id -u "$a" > /dev/null 2>&1 || skip "no account $a"; done
  for g in mail nogroup; do getent group "$g" > /dev/null 2>&1 || skip "no group $g"; done
  printf 'root\nroot\ndaemon\nroot\nroot\nbin\nsys\nsync\n' > "$B/users"
  printf 'mail\nnogroup\n' > "$B/groups"
  uid_l=`id -u daemon`; uid_q=`id -u bin`; uid_r=`id -u sys`; uid_s=`id -u sync`
  gid_q=`getent group mail | cut -d: -f3`; gid_n=`getent group nogroup | cut -d: -f3`
  uid_root=0
else
  for i in 1 2 3 4 5 6 7 8; do id -un; done > "$B/users"
  printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$B/groups"
  uid_l=`id -u`; uid_q=$uid_l; uid_r=$uid_l; uid_s=$uid_l; uid_root=$uid_l
  gid_q=`id -g`; gid_n=$gid_q
fi

build() {
  sh auto.sh "$H" "$B/users" "$B/groups" > "$B/auto.c" || fail "auto.sh"
  $cc -I"$TOP" -c -o "$B/auto.o" "$B/auto.c" || fail "compile auto.c"
  $cc -I"$TOP" -c -o "$B/qmail-start.o" qmail-start.c || fail "compile"
  $ld -o "$H/bin/qmail-start" "$B/qmail-start.o" "$B/auto.o" libqmail.a || fail "link"
}
build

cat > "$T/fakebin/fake" <<'EOF'
#!/bin/sh
n=${0##*/}
# in a subshell, so that /proc/$$/fd shows this shell's own fds
(
  echo "args:$*"
  echo "uid:`id -u` gid:`id -g` groups:`id -G`"
  echo "pwd:`pwd` umask:`umask`"
  for fd in 0 1 2 3 4 5 6 9; do
    l=`readlink /proc/$$/fd/$fd 2>/dev/null` || l=closed
    echo "fd$fd:$l"
  done
) > "$REC/$n.tmp"
mv "$REC/$n.tmp" "$REC/$n"
case $n in
  qmail-send) echo "qmail-send: a log line" >&0 ;;
  qmail-lspawn) echo "qmail-lspawn: a diagnostic" >&2 ;;
  fake-logger) cat > "$REC/log.tmp"; mv "$REC/log.tmp" "$REC/log" ;;
esac
exit 0
EOF
chmod 755 "$T/fakebin/fake"
for n in qmail-send qmail-lspawn qmail-rspawn qmail-clean fake-logger; do
  ln -s fake "$T/fakebin/$n"
done
REC=$T/rec
export REC

all_there() {
  for n in "$@"; do [ -f "$REC/$n" ] || return 1; done
}
# val NAME KEY: the value recorded by NAME for KEY
val() {
  sed -n "s/^$2://p" "$REC/$1"
}
expect() {
  got=`val "$1" "$2"`
  [ "$got" = "$3" ] || { cat "$REC/$1"; fail "$1 $2: expected '$3', got '$got'"; }
}
pipe_of() {
  case `val "$1" "$2"` in
    pipe:*) val "$1" "$2" ;;
    *) cat "$REC/$1"; fail "$1 $2 is not a pipe" ;;
  esac
}
same_pipe() {
  a=`pipe_of "$1" "$2"`
  b=`pipe_of "$3" "$4"`
  [ "$a" = "$b" ] || fail "$1 $2 ($a) and $3 $4 ($b) are not the same pipe"
}

check_wiring() {
  same_pipe qmail-send fd1 qmail-lspawn fd0
  same_pipe qmail-send fd2 qmail-lspawn fd1
  same_pipe qmail-send fd3 qmail-rspawn fd0
  same_pipe qmail-send fd4 qmail-rspawn fd1
  same_pipe qmail-send fd5 qmail-clean fd0
  same_pipe qmail-send fd6 qmail-clean fd1
  for n in qmail-lspawn qmail-rspawn qmail-clean; do
    [ "`val $n fd2`" = "`val qmail-send fd0`" ] || fail "$n's stderr is not the log"
    for fd in 3 4 5 6; do expect $n fd$fd closed; done
  done
  for n in qmail-send qmail-lspawn qmail-rspawn qmail-clean; do
    expect $n pwd "/ umask:0077"
    expect $n fd9 closed
  done
  p=`for fd in 1 2 3 4 5 6; do val qmail-send fd$fd; done | sort -u | wc -l | tr -d ' '`
  assert_eq 6 "$p" "distinct descriptors of qmail-send"
  expect qmail-send uid "$uid_s gid:$gid_q groups:$gid_q"
  expect qmail-lspawn uid "$uid_root gid:$gid_q groups:$gid_q"
  expect qmail-clean uid "$uid_q gid:$gid_q groups:$gid_q"
  case `val qmail-rspawn uid` in
    "$uid_r gid:$gid_q groups:"*) ;;
    *) fail "qmail-rspawn runs as `val qmail-rspawn uid`" ;;
  esac
  expect qmail-send args ""
  expect qmail-rspawn args ""
  expect qmail-clean args ""
}

# --- without a logger: the log is qmail-start's fd 1 -------------------------------
: > "$T/stray"
PATH=$T/fakebin:$PATH "$H/bin/qmail-start" ./Maildir/ < /dev/null > "$T/log" 2> "$T/err" 9< "$T/stray"
assert_eq 0 $? "exit code of the stand-in qmail-send"
wait_for 20 all_there qmail-send qmail-lspawn qmail-rspawn qmail-clean || fail "not every daemon ran"
check_wiring
expect qmail-lspawn args ./Maildir/
case `val qmail-send fd0` in
  "$T/log") ;;
  *) fail "qmail-send's fd 0 is `val qmail-send fd0`, not the log" ;;
esac
wait_for 20 grep -q '^qmail-lspawn: a diagnostic$' "$T/log" || fail "the daemons' stderr is not in the log"
assert_grep "$T/log" '^qmail-send: a log line$'
[ -s "$T/err" ] && fail "qmail-start wrote to stderr: `cat "$T/err"`"

# --- with a logger -------------------------------------------------------------------
rm -f "$REC"/*
PATH=$T/fakebin:$PATH "$H/bin/qmail-start" ./Maildir/ fake-logger one two < /dev/null > "$T/log2" 2>&1 9< "$T/stray"
wait_for 20 all_there qmail-send qmail-lspawn qmail-rspawn qmail-clean fake-logger log ||
  fail "not every process ran"
check_wiring
same_pipe qmail-send fd0 fake-logger fd0
expect fake-logger args "one two"
expect fake-logger uid "$uid_l gid:$gid_n groups:$gid_n"
[ "`val fake-logger fd2`" = "$T/log2" ] || fail "the logger's stderr is not qmail-start's fd 1"
for fd in 3 4 5 6 9; do expect fake-logger fd$fd closed; done
assert_grep "$REC/log" '^qmail-send: a log line$'
assert_grep "$REC/log" '^qmail-lspawn: a diagnostic$'

# --- the default delivery ---------------------------------------------------------------
rm -f "$REC"/*
PATH=$T/fakebin:$PATH "$H/bin/qmail-start" < /dev/null > "$T/log" 2>&1
wait_for 20 all_there qmail-lspawn || fail "qmail-lspawn did not run"
expect qmail-lspawn args ./Mailbox

# --- failures: exit 111 and say nothing -----------------------------------------------------
PATH=/nonexistent "$H/bin/qmail-start" ./Maildir/ < /dev/null > "$T/out" 2>&1
assert_eq 111 $? "exit code without qmail-send"
[ -s "$T/out" ] && fail "qmail-start said something: `cat "$T/out"`"
sed '3s/.*/no-such-account-here/' "$B/users" > "$B/users.bad" && mv "$B/users.bad" "$B/users"
build
PATH=$T/fakebin:$PATH "$H/bin/qmail-start" ./Maildir/ < /dev/null > "$T/out" 2>&1
assert_eq 111 $? "exit code with a missing account"
[ -s "$T/out" ] && fail "qmail-start said something: `cat "$T/out"`"

pass
