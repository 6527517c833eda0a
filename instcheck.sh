#!/bin/sh
# instcheck.sh HOME USERSFILE GROUPSFILE [BINDIR]
#
# Verifies the tree that hier.sh describes under HOME: every entry exists with
# the right type, owner, group and mode (symbolic links are never accepted),
# queue/lock/tcpto has its size, and with BINDIR every installed program and
# document equals its source. Prints one line per mismatch and exits 111 if
# there was any, 0 if the tree is correct, 100 on a usage error.

PROG=instcheck.sh
TOP=`cd "\`dirname "$0"\`" && pwd`

[ $# -eq 3 ] || [ $# -eq 4 ] || {
  echo "$PROG: usage: instcheck.sh HOME USERSFILE GROUPSFILE [BINDIR]" >&2
  exit 100
}
home=$1
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

if [ $bad -gt 0 ]; then
  echo "$PROG: $bad problems in $home ($total entries checked)"
  exit 111
fi
echo "$PROG: $home: $total entries correct"
exit 0
