#!/bin/sh
# maildirmake: makes DIR, DIR/tmp, DIR/new, DIR/cur, each a directory of
# mode 0700 whatever the umask (000, 022, 0777), with a relative path, an
# absolute one and a trailing slash; Python's mailbox module opens the
# result without creating anything. An existing DIR (empty, a Maildir, a
# file, a symbolic link) is refused with 111 and left as it was; a missing
# parent gives 111; usage gives 100.

. tests/lib.sh
need_programs maildirmake
need_cmd "$PYTHON"

MM=$TOP/maildirmake

# check_maildir DIR: the four directories with mode 0700, nothing else
check_maildir() {
  for d in "$1" "$1/tmp" "$1/new" "$1/cur"; do
    [ -d "$d" ] && [ ! -L "$d" ] || fail "$d is not a directory"
    assert_eq 700 "`stat -c %a "$d"`" "mode of $d"
    assert_eq "`id -u`" "`stat -c %u "$d"`" "owner of $d"
  done
  assert_eq "cur new tmp" "`ls -A "$1" | tr '\n' ' ' | sed 's/ $//'`" "contents of $1"
  for d in tmp new cur; do
    [ -z "`ls -A "$1/$d"`" ] || fail "$1/$d is not empty"
  done
  "$PYTHON" -c 'import mailbox, sys
md = mailbox.Maildir(sys.argv[1], create=False)
assert len(md) == 0, len(md)' "$1" || fail "Python's mailbox module cannot read $1"
}

# expect RC [LINE]: the exit code and exact fd 2 of the last run
expect() {
  [ "$rc" = "$1" ] || { cat "$T/err"; fail "exit code $rc, expected $1"; }
  if [ $# -ge 2 ]; then printf '%s\n' "$2" > "$T/err.want"; else : > "$T/err.want"; fi
  cmp -s "$T/err.want" "$T/err" || fail "fd 2: expected '`cat "$T/err.want"`', got '`cat "$T/err"`'"
  [ -s "$T/out" ] && fail "output on fd 1: `cat "$T/out"`"
  return 0
}

for u in 000 022 077 0777; do
  ( umask $u && "$MM" "$T/md$u" ) > "$T/out" 2> "$T/err"
  rc=$?
  expect 0
  check_maildir "$T/md$u"
done
( cd "$T" && "$MM" rel ) > "$T/out" 2> "$T/err"
rc=$?
expect 0
check_maildir "$T/rel"
"$MM" "$T/slash//" > "$T/out" 2> "$T/err"
rc=$?
expect 0
check_maildir "$T/slash"

# existing: refused, left alone
mkdir "$T/empty"
"$MM" "$T/empty" > "$T/out" 2> "$T/err"
rc=$?
expect 111 "maildirmake: fatal: unable to mkdir $T/empty: File exists"
[ -z "`ls -A "$T/empty"`" ] || fail "maildirmake wrote into an existing directory"
echo mail > "$T/md022/new/1.2.host"
"$MM" "$T/md022" > "$T/out" 2> "$T/err"
rc=$?
expect 111 "maildirmake: fatal: unable to mkdir $T/md022: File exists"
assert_eq mail "`cat "$T/md022/new/1.2.host"`" "the message in the existing Maildir"
: > "$T/file"
"$MM" "$T/file" > "$T/out" 2> "$T/err"
rc=$?
expect 111 "maildirmake: fatal: unable to mkdir $T/file: File exists"
mkdir "$T/target"
ln -s "$T/target" "$T/link"
"$MM" "$T/link" > "$T/out" 2> "$T/err"
rc=$?
expect 111 "maildirmake: fatal: unable to mkdir $T/link: File exists"
[ -z "`ls -A "$T/target"`" ] || fail "maildirmake followed a symbolic link"
"$MM" "$T/no/such/parent" > "$T/out" 2> "$T/err"
rc=$?
expect 111 "maildirmake: fatal: unable to mkdir $T/no/such/parent: No such file or directory"

# usage
for args in "" "a b" "''"; do
  eval "\"\$MM\" $args" > "$T/out" 2> "$T/err"
  rc=$?
  expect 100 "maildirmake: fatal: usage: maildirmake directory"
done
pass
