#!/bin/sh
# make up as root, then a production install from the same tree: `make up`
# prints every group and account it creates, with its home; they are system
# accounts without a login shell whose homes are those of conf-home
# (HOME/alias for alias), never inside the instance; the instance still
# delivers (as the alias account, through users/assign). An alias account
# with its home in the instance (as an earlier `make up` made it) gets its
# home in conf-home back from the next `make up`. After `make down`,
# `make accounts` keeps them unchanged and `make setup check` accepts them.
# An account left with its home in the instance (what an earlier `make up`
# made) fails `make check`, and `make accounts` gives it the right home.
# The tree is a copy whose conf-users and conf-groups name accounts of this
# test only (removed at the end) and whose conf-home is under the test
# directory, so nothing of the host's own accounts or /var/qmail changes.
# timeout: 300
. tests/lib.sh
need_root
need_cmd svscan svok svstat svc multilog setuidgid usermod
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

S=$T/src
H=$T/home
U=$T/up
copy_tree "$S"
echo "$H" > "$S/conf-home"
test_accounts "$S"
port=`free_port` || fail "no free port"
LIB_INSTANCES="$U"

(cd "$S" && make -s up UP_DIR="$U" UP_PORT="$port") > "$T/up.log" 2>&1 ||
  { cat "$T/up.log"; fail "make up failed"; }
cat "$T/up.log"

# Every group and account made is named, with its home.
set -- $TEST_ACCOUNTS
alias=$1
qgroup=`sed -n 1p "$S/conf-groups"`
ngroup=`sed -n 2p "$S/conf-groups"`
for g in $qgroup $ngroup; do
  assert_grep "$T/up.log" "^mkaccounts.sh: created system group $g (gid [0-9]*)$"
  gid=`getent group "$g" | cut -d: -f3`
  [ -n "$gid" ] && [ "$gid" -lt 1000 ] || fail "$g is not a system group (gid '$gid')"
done
for a in $TEST_ACCOUNTS; do
  if [ "$a" = "$alias" ]; then want=$H/alias; else want=$H; fi
  case $a in *[dlpa]) group=$ngroup ;; *) group=$qgroup ;; esac
  assert_grep "$T/up.log" "^mkaccounts.sh: created system account $a (uid [0-9]*, group $group, home $want, shell /usr/sbin/nologin)$"
  entry=`getent passwd "$a"` || fail "no account $a"
  assert_eq "$want" "`echo "$entry" | cut -d: -f6`" "home of $a"
  assert_eq /usr/sbin/nologin "`echo "$entry" | cut -d: -f7`" "shell of $a"
  assert_eq "`getent group "$group" | cut -d: -f3`" "`echo "$entry" | cut -d: -f4`" "group of $a"
  [ "`echo "$entry" | cut -d: -f3`" -lt 1000 ] || fail "$a is not a system account: $entry"
done
assert_eq 9 "`grep -c '^mkaccounts.sh: created ' "$T/up.log"`" "groups and accounts made by make up"
grep -q "$U" /etc/passwd && fail "an account has its home in the instance: `grep "$U" /etc/passwd`"
[ -e "$H" ] && fail "make up made $H"

# The instance delivers, as the alias account.
PM=`mailbox "$U" postmaster`
printf 'Subject: up as root\n\nhello\n' |
  queue_msg "$U" postmaster@localhost postmaster@localhost || fail "qmail-queue exited $?"
wait_for 20 maildir_has "$PM" 1 || fail "nothing delivered to $PM"
f=`find "$PM/new" "$PM/cur" -type f | head -n 1`
assert_eq "$alias" "`stat -c %U "$f"`" "owner of the delivered message"

# The alias account as an earlier make up made it, with its home in the
# instance: make up gives it its home in conf-home and says so; a third
# make up changes nothing.
usermod -d "$U/alias" "$alias" || fail "usermod failed"
(cd "$S" && make -s up UP_DIR="$U" UP_PORT="$port") > "$T/up2.log" 2>&1 ||
  { cat "$T/up2.log"; fail "second make up failed"; }
assert_grep "$T/up2.log" "^mkaccounts.sh: changed the home of account $alias from $U/alias to $H/alias$"
assert_eq 1 "`grep -c '^mkaccounts.sh' "$T/up2.log"`" "lines of mkaccounts.sh in the second make up"
(cd "$S" && make -s up UP_DIR="$U" UP_PORT="$port") > "$T/up3.log" 2>&1 ||
  { cat "$T/up3.log"; fail "third make up failed"; }
grep '^mkaccounts.sh' "$T/up3.log" && fail "the third make up changed accounts"

(cd "$S" && make -s down UP_DIR="$U") > "$T/down.log" 2>&1 || { cat "$T/down.log"; fail "make down failed"; }

# The production install keeps the accounts as they are and accepts them.
(cd "$S" && make accounts) > "$T/accounts.log" 2>&1 || { cat "$T/accounts.log"; fail "make accounts failed"; }
grep '^mkaccounts.sh' "$T/accounts.log" && fail "make accounts changed what make up made"
(cd "$S" && make setup check) > "$T/setup.log" 2>&1 || { cat "$T/setup.log"; fail "make setup check failed"; }
assert_grep "$T/setup.log" "instcheck.sh: $H: [0-9]* entries correct"
assert_eq "$alias" "`stat -c %U "$H/alias"`" "owner of $H/alias"

# Accounts as an earlier make up left them (homes in the instance): make
# check fails and names them; make accounts gives them the homes of the
# installation, and make check passes again.
q=`sed -n 6p "$S/conf-users"`
usermod -d "$U/alias" "$alias" && usermod -d "$U" "$q" || fail "usermod failed"
(cd "$S" && make check) > "$T/check.log" 2>&1 && { cat "$T/check.log"; fail "make check passed accounts with wrong homes"; }
cat "$T/check.log"
assert_grep "$T/check.log" "^instcheck.sh: account $alias: home directory $U/alias, want $H/alias: mail for postmaster"
assert_grep "$T/check.log" "^instcheck.sh: account $q: home directory $U, want $H: "
assert_grep "$T/check.log" "^instcheck.sh: 2 problems in $H"
(cd "$S" && make accounts) > "$T/accounts2.log" 2>&1 || { cat "$T/accounts2.log"; fail "make accounts failed"; }
cat "$T/accounts2.log"
assert_grep "$T/accounts2.log" "^mkaccounts.sh: changed the home of account $alias from $U/alias to $H/alias$"
assert_grep "$T/accounts2.log" "^mkaccounts.sh: changed the home of account $q from $U to $H$"
assert_eq 2 "`grep -c '^mkaccounts.sh: ' "$T/accounts2.log"`" "lines of make accounts"
(cd "$S" && make check) > "$T/check2.log" 2>&1 || { cat "$T/check2.log"; fail "make check after make accounts failed"; }
pass
