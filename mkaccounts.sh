#!/bin/sh
# mkaccounts.sh HOME USERSFILE GROUPSFILE  (run as root)
#
# Creates the two groups of GROUPSFILE and the accounts of USERSFILE that do
# not exist yet, as system accounts without a login shell: alias, qmaild,
# qmaill and qmailp in the second group (nofiles), qmailq, qmailr and qmails
# in the first (qmail). alias gets HOME/alias as its home, the others HOME
# (directories are not created here; install.sh makes them). Existing
# accounts are left exactly as they are. The fourth account (root, the owner
# of the binaries) must already exist. Exit 0 done, 100 usage, 111 failure.

PROG=mkaccounts.sh

[ $# -eq 3 ] || { echo "$PROG: usage: mkaccounts.sh HOME USERSFILE GROUPSFILE" >&2; exit 100; }
home=$1
users=$2
groups=$3

die() {
  echo "$PROG: fatal: $*" >&2
  exit 111
}

[ "`id -u`" = 0 ] || die "only root can create accounts"
[ -r "$users" ] || die "unable to read $users"
[ -r "$groups" ] || die "unable to read $groups"

shell=/usr/sbin/nologin
[ -x $shell ] || shell=/bin/false

# useradd and groupadd lock the account files and fail when another run holds
# the lock; try a few times, and accept an account someone else just made.
attempt() {
  check=$1
  shift
  n=0
  while :; do
    $check >/dev/null 2>&1 && return 0
    "$@" >/dev/null 2>&1 && return 0
    $check >/dev/null 2>&1 && return 0
    n=$((n + 1))
    [ $n -ge 20 ] && break
    sleep 0.2
  done
  "$@" || die "unable to run: $*"
}

qmail=`sed -n 1p "$groups"`
nofiles=`sed -n 2p "$groups"`
for g in "$qmail" "$nofiles"; do
  [ -n "$g" ] || die "$groups needs two group names"
  attempt "getent group $g" groupadd --system "$g"
done

i=1
for role in alias qmaild qmaill root qmailp qmailq qmailr qmails; do
  name=`sed -n "${i}p" "$users"`
  i=$((i + 1))
  [ -n "$name" ] || die "$users needs eight account names"
  case $role in
    root)
      id -u -- "$name" >/dev/null 2>&1 || die "the owner of the binaries ($name) does not exist"
      continue
      ;;
    alias) dir=$home/alias group=$nofiles ;;
    qmaild | qmaill | qmailp) dir=$home group=$nofiles ;;
    *) dir=$home group=$qmail ;;
  esac
  attempt "id -u -- $name" useradd --system --no-create-home --home-dir "$dir" \
    --gid "$group" --shell "$shell" "$name"
done
exit 0
