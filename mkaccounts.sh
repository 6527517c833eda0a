#!/bin/sh
# mkaccounts.sh HOME USERSFILE GROUPSFILE  (run as root)
#
# Makes the accounts of USERSFILE and the groups of GROUPSFILE what an
# installation in HOME needs:
#   - creates the two groups when missing, as system groups;
#   - creates the missing accounts as system accounts without a login shell
#     (/usr/sbin/nologin) and without making their home directories
#     (install.sh does): alias, qmaild, qmaill and qmailp in the second group
#     (nofiles), qmailq, qmailr and qmails in the first (qmail); alias gets
#     HOME/alias as its home, the others HOME;
#   - gives an existing account whose home is not that one the right home
#     (usermod -d; nothing is moved). qmail-getpw finds the alias account's
#     .qmail files in its home from the passwd file, so a wrong home there
#     bounces mail for postmaster and root.
# Every group and account it creates or changes is printed on stdout, one
# line each. Group, uid and shell of existing accounts are left as they are.
# The fourth account (root, the owner of the binaries) must already exist.
# Exit 0 done, 100 usage, 111 failure.

PROG=mkaccounts.sh

[ $# -eq 3 ] || { echo "$PROG: usage: mkaccounts.sh HOME USERSFILE GROUPSFILE" >&2; exit 100; }
home=$1
users=$2
groups=$3

die() {
  echo "$PROG: fatal: $*" >&2
  exit 111
}

case $home in
  /*) ;;
  *) echo "$PROG: fatal: HOME must be an absolute path: $home" >&2; exit 100 ;;
esac
home=`echo "$home" | sed 's,//*,/,g; s,/$,,'`
[ -n "$home" ] || { echo "$PROG: fatal: HOME must not be /" >&2; exit 100; }

[ "`id -u`" = 0 ] || die "only root can create accounts"
[ -r "$users" ] || die "unable to read $users"
[ -r "$groups" ] || die "unable to read $groups"

shell=/usr/sbin/nologin
[ -x $shell ] || shell=/bin/false

# useradd, groupadd and usermod lock the account files and fail when another
# run holds the lock: try a few times. attempt CHECK NAME VALUE CMD...: run
# CMD until `CHECK NAME VALUE` succeeds; return 0 if CMD made it so, 1 if it
# held already (or someone else made it so meanwhile), 2 if it never does
# (CMD's error is in $errors).
attempt() {
  check=$1 check_name=$2 check_value=$3
  shift 3
  $check "$check_name" "$check_value" && return 1
  n=0
  while :; do
    "$@" >/dev/null 2>"$errors" && return 0
    $check "$check_name" "$check_value" && return 1
    n=$((n + 1))
    [ $n -ge 20 ] && break
    sleep 0.2
  done
  return 2
}

errors=`mktemp "${TMPDIR:-/tmp}/mkaccounts.XXXXXX"` || die "unable to make a temporary file"
trap 'rm -f "$errors"' EXIT

# home_of NAME: the home directory of account NAME in the passwd file
home_of() {
  getent passwd -- "$1" | cut -d: -f6
}

group_exists() {
  getent group -- "$1" >/dev/null 2>&1
}

account_exists() {
  id -u -- "$1" >/dev/null 2>&1
}

# home_is NAME DIR
home_is() {
  [ "`home_of "$1"`" = "$2" ]
}

# valid NAME: a name useradd and groupadd accept
valid() {
  case $1 in
    '' | -* | *[!A-Za-z0-9._-]*) die "bad account or group name: '$1'" ;;
  esac
}

qmail=`sed -n 1p "$groups"`
nofiles=`sed -n 2p "$groups"`
for g in "$qmail" "$nofiles"; do
  [ -n "$g" ] || die "$groups needs two group names"
  valid "$g"
  attempt group_exists "$g" '' groupadd --system "$g"
  case $? in
    0) echo "$PROG: created system group $g (gid `getent group -- "$g" | cut -d: -f3`)" ;;
    2) die "unable to create the group $g: `cat "$errors"`" ;;
  esac
done

i=1
for role in alias qmaild qmaill root qmailp qmailq qmailr qmails; do
  name=`sed -n "${i}p" "$users"`
  i=$((i + 1))
  [ -n "$name" ] || die "$users needs eight account names"
  valid "$name"
  case $role in
    root)
      id -u -- "$name" >/dev/null 2>&1 || die "the owner of the binaries ($name) does not exist"
      continue
      ;;
    alias) dir=$home/alias group=$nofiles ;;
    qmaild | qmaill | qmailp) dir=$home group=$nofiles ;;
    *) dir=$home group=$qmail ;;
  esac
  attempt account_exists "$name" '' useradd --system --no-create-home --home-dir "$dir" \
    --gid "$group" --shell "$shell" "$name"
  case $? in
    0)
      echo "$PROG: created system account $name (uid `id -u -- "$name"`, group $group, home $dir, shell $shell)"
      continue
      ;;
    2) die "unable to create the account $name: `cat "$errors"`" ;;
  esac
  old=`home_of "$name"`
  [ "$old" = "$dir" ] && continue
  attempt home_is "$name" "$dir" usermod --home "$dir" "$name"
  case $? in
    0) echo "$PROG: changed the home of account $name from $old to $dir" ;;
    2) die "unable to change the home of account $name from $old to $dir: `cat "$errors"` (stop what runs as $name first, for example an instance made by make up: make down)" ;;
  esac
done
exit 0
