#!/bin/sh
# instcheck.sh HOME USERSFILE GROUPSFILE [BINDIR]
#
# Verifies the tree that hier.sh describes under HOME: every entry exists with
# the right type, owner, group and mode (symbolic links are never accepted),
# queue/lock/tcpto has its size, and with BINDIR every installed program and
# document equals its source. Verifies the accounts too: the home directory
# of each one in the passwd file must be HOME/alias for alias and HOME for
# qmaild, qmaill, qmailp, qmailq, qmailr and qmails (qmail-getpw finds the
# alias account's .qmail files, those for postmaster and root, in its home).
# An account that is also the owner of the binaries (the fourth line of
# USERSFILE) is not checked: that is a private instance where every role is
# one user. Prints one line per mismatch and exits 111 if there was any, 0 if
# everything is correct, 100 on a usage error.

PROG=instcheck.sh
TOP=`cd "\`dirname "$0"\`" && pwd`

[ $# -eq 3 ] || [ $# -eq 4 ] || {
  echo "$PROG: usage: instcheck.sh HOME USERSFILE GROUPSFILE [BINDIR]" >&2
  exit 100
}
home=$1
usersfile=$2
bindir=$4

hier=`sh "$TOP/hier.sh" "$2" "$3"` || exit 111

bad=0
total=0
report() {
  echo "$PROG: $*"
  bad=$((bad + 1))
}

while read -r type owner group mode path source; do
  total=$((total + 1))
  if [ "$path" = . ]; then p=$home; else p=$home/$path; fi
  case $type in
    d) want=directory ;;
    f | g | z | e) want=file ;;
    p) want=fifo ;;
    *) report "bad hier line: $type $path"; continue ;;
  esac
  if [ -h "$p" ]; then
    report "$p: is a symbolic link, want a $want"
    continue
  fi
  if [ ! -e "$p" ]; then
    report "$p: missing ($want)"
    continue
  fi
  case $want in
    directory) [ -d "$p" ] ;;
    file) [ -f "$p" ] ;;
    fifo) [ -p "$p" ] ;;
  esac || { report "$p: is not a $want"; continue; }

  set -- `stat -c '%u %g %a %s %U %G' "$p"`
  wantmode=`printf '%o' "0$mode"`
  [ "$1" = "${owner#*:}" ] || report "$p: owner $5 ($1), want ${owner%%:*} (${owner#*:})"
  [ "$2" = "${group#*:}" ] || report "$p: group $6 ($2), want ${group%%:*} (${group#*:})"
  [ "$3" = "$wantmode" ] || report "$p: mode $3, want $wantmode"
  if [ "$type" = z ] && [ "$4" != "$source" ]; then
    report "$p: size $4, want $source"
  fi
  if [ "$type" = f ] && [ -n "$bindir" ]; then
    case $source in
      bin:*) src=$bindir/${source#bin:} ;;
      top:*) src=$TOP/${source#top:} ;;
    esac
    cmp -s "$src" "$p" || report "$p: differs from $src (install again)"
  fi
done <<EOF
$hier
EOF

# The accounts' homes. A wrong one is silent until mail is lost: a tree
# that is right in every other way still bounces postmaster's mail when the
# alias account's home is elsewhere.
want_home=`echo "$home" | sed 's,//*,/,g; s,/$,,'`
owner_name=`sed -n 4p "$usersfile"`
i=1
for role in alias qmaild qmaill root qmailp qmailq qmailr qmails; do
  name=`sed -n "${i}p" "$usersfile"`
  i=$((i + 1))
  [ "$role" = root ] && continue
  [ "$name" = "$owner_name" ] && continue
  total=$((total + 1))
  case $role in
    alias) want=$want_home/alias ;;
    *) want=$want_home ;;
  esac
  have=`getent passwd -- "$name" | cut -d: -f6`
  have_clean=`echo "$have" | sed 's,//*,/,g; s,\(.\)/$,\1,'`
  [ "$have_clean" = "$want" ] && continue
  case $role in
    alias) why="mail for postmaster, root and unknown local addresses would be looked for in $have" ;;
    *) why="the installation is in $want" ;;
  esac
  report "account $name: home directory $have, want $want: $why; run make accounts (or usermod -d $want $name)"
done

if [ $bad -gt 0 ]; then
  echo "$PROG: $bad problems in $home ($total entries checked)"
  exit 111
fi
echo "$PROG: $home: $total entries correct"
exit 0
