#!/bin/sh
# make setup check: installs a copy of the built tree into a home under the
# test directory (as an ordinary user every role is that user; as root the
# accounts of conf-users/conf-groups), then checks that `make check` passes,
# that it reports a wrong mode, owner, a symbolic link and a missing file,
# that a second `make setup` repairs them without touching programs that did
# not change, and that queue files survive it.
# timeout: 300
. tests/lib.sh
need_programs qmail-queue

S=$T/src
H=$T/home
mkdir -p "$S" || fail "mkdir $S"
# The built tree with its objects, so only auto.c is rebuilt for the new home.
tar -C "$TOP" --exclude=./.git --exclude=./run --exclude=./tests --exclude=./bench -cf - . |
  tar -C "$S" -xpf - || fail "unable to copy the tree"
echo "$H" > "$S/conf-home"
if [ "`id -u`" = 0 ]; then
  sh "$TOP/mkaccounts.sh" /var/qmail "$S/conf-users" "$S/conf-groups" || fail "mkaccounts.sh failed"
  asroot=1
else
  for i in 1 2 3 4 5 6 7 8; do id -un; done > "$S/conf-users"
  printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$S/conf-groups"
  asroot=
fi

(cd "$S" && make setup check) > "$T/setup.log" 2>&1 || { cat "$T/setup.log"; fail "make setup check failed"; }
grep -q "auto_home\[\] = \"$H\"" "$S/auto.c" || fail "auto.c does not have the new home"
assert_grep "$T/setup.log" "instcheck.sh: $H: [0-9]* entries correct"
[ -p "$H/queue/lock/trigger" ] || fail "no trigger fifo"
assert_eq 1024 "`stat -c %s "$H/queue/lock/tcpto"`" "size of tcpto"
assert_eq 4711 "`stat -c %a "$H/bin/qmail-queue"`" "mode of qmail-queue"
assert_eq 0 "`cat "$H"/queue/lock/tcpto | tr -d '\000' | wc -c`" "non-zero bytes in tcpto"
n=`sed -n 1p "$S/conf-split"`
[ -d "$H/queue/mess/$((n - 1))" ] || fail "no queue/mess/$((n - 1))"
[ -d "$H/queue/mess/$n" ] && fail "queue/mess/$n should not exist"
if [ -n "$asroot" ]; then
  assert_eq "qmailq qmail" "`stat -c '%U %G' "$H/bin/qmail-queue"`" "owner of qmail-queue"
  assert_eq "qmails qmail" "`stat -c '%U %G' "$H/queue/lock/trigger"`" "owner of trigger"
  assert_eq "alias 2755" "`stat -c '%U %a' "$H/alias"`" "alias directory"
fi

# check CMD: make check must fail and print a line matching each pattern
broken() {
  (cd "$S" && make check) > "$T/check.log" 2>&1 && { cat "$T/check.log"; fail "make check passed a broken tree"; }
  for pat in "$@"; do
    assert_grep "$T/check.log" "$pat"
  done
}

chmod 0755 "$H/queue/lock/trigger"
broken "$H/queue/lock/trigger: mode 755, want 622"
chmod 0644 "$H/queue/lock/trigger"
rm -f "$H/queue/lock/sendmutex"
rmdir "$H/queue/info/0" || fail "rmdir info/0"
ln -s /tmp "$H/queue/info/0"
broken "$H/queue/lock/trigger: mode 644, want 622" "$H/queue/lock/sendmutex: missing" \
  "$H/queue/info/0: is a symbolic link"
if [ -n "$asroot" ]; then
  chown root "$H/queue/pid"
  broken "$H/queue/pid: owner root (0), want qmailq"
fi

# A message in the queue, a stale program: setup must keep the first and
# replace the second, and leave the other programs alone.
rm "$H/queue/info/0"
echo "queued bytes" > "$H/queue/mess/0/4242"
echo "stale" >> "$H/bin/qmail-send"
before=`stat -c %Y.%i "$H/bin/qmail-queue"`
(cd "$S" && make setup) > "$T/setup2.log" 2>&1 || { cat "$T/setup2.log"; fail "second make setup failed"; }
(cd "$S" && make check) > "$T/check2.log" 2>&1 || { cat "$T/check2.log"; fail "make check after repair failed"; }
assert_eq "queued bytes" "`cat "$H/queue/mess/0/4242"`" "queue file after setup"
assert_eq "$before" "`stat -c %Y.%i "$H/bin/qmail-queue"`" "qmail-queue was replaced although unchanged"
cmp -s "$S/qmail-send" "$H/bin/qmail-send" || fail "stale qmail-send not replaced"
pass
