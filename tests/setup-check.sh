#!/bin/sh
# make setup check: installs a copy of the built tree into a home under the
# test directory (as an ordinary user every role is that user; as root
# accounts and groups of the test's own, made by `make accounts` and removed
# at the end), then checks that `make check` passes, that it reports a wrong
# mode, owner, a symbolic link, a missing file and an account whose home is
# not the installation's (exit non-zero), that `make accounts` gives that
# account its home back, that a second `make setup` repairs the rest without
# touching programs that did not change, and that queue files survive it.
# timeout: 300
. tests/lib.sh
need_programs qmail-queue

S=$T/src
H=$T/home
copy_tree "$S"
echo "$H" > "$S/conf-home"
if [ "`id -u`" = 0 ]; then
  test_accounts "$S"
  (cd "$S" && make accounts) > "$T/accounts.log" 2>&1 || { cat "$T/accounts.log"; fail "make accounts failed"; }
  cat "$T/accounts.log"
  alias=`sed -n 1p "$S/conf-users"`
  assert_grep "$T/accounts.log" "created system account $alias (uid [0-9]*, group `sed -n 2p "$S/conf-groups"`, home $H/alias, shell "
  asroot=1
else
  for i in 1 2 3 4 5 6 7 8; do id -un; done > "$S/conf-users"
  printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$S/conf-groups"
  asroot=
fi
user_q=`sed -n 6p "$S/conf-users"`
user_s=`sed -n 8p "$S/conf-users"`
group_q=`sed -n 1p "$S/conf-groups"`

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
  assert_eq "$user_q $group_q" "`stat -c '%U %G' "$H/bin/qmail-queue"`" "owner of qmail-queue"
  assert_eq "$user_s $group_q" "`stat -c '%U %G' "$H/queue/lock/trigger"`" "owner of trigger"
  assert_eq "$alias 2755" "`stat -c '%U %a' "$H/alias"`" "alias directory"
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
  broken "$H/queue/pid: owner root (0), want $user_q"
  chown "$user_q" "$H/queue/pid"
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

# An account whose home is not the installation's: make check names it and
# fails although the tree is right; make accounts gives it the right home.
if [ -n "$asroot" ]; then
  usermod -d "$T/elsewhere/alias" "$alias" || fail "usermod failed"
  broken "account $alias: home directory $T/elsewhere/alias, want $H/alias: mail for postmaster"
  assert_eq 2 "`grep -c '^instcheck.sh: ' "$T/check.log"`" "lines of make check with only the home wrong"
  (cd "$S" && make accounts) > "$T/accounts2.log" 2>&1 || { cat "$T/accounts2.log"; fail "make accounts failed to repair"; }
  assert_grep "$T/accounts2.log" "changed the home of account $alias from $T/elsewhere/alias to $H/alias"
  assert_eq "$H/alias" "`getent passwd "$alias" | cut -d: -f6`" "home of $alias after make accounts"
  (cd "$S" && make check) > "$T/check1.log" 2>&1 || { cat "$T/check1.log"; fail "make check after make accounts failed"; }
else
  # Every role is this user, which is not checked (a private instance):
  # name another account, root, for alias.
  sed '1s/.*/root/' "$S/conf-users" > "$T/users.other"
  sh "$S/instcheck.sh" "$H" "$T/users.other" "$S/conf-groups" > "$T/check.log" 2>&1 &&
    { cat "$T/check.log"; fail "instcheck passed with the wrong home of alias"; }
  assert_grep "$T/check.log" "^instcheck.sh: account root: home directory `getent passwd root | cut -d: -f6`, want $H/alias: mail for postmaster"
fi
pass
