#!/bin/sh
# mkinstance.sh DIR [SMTPPORT]
#
# Makes (or brings up to date) a self-contained instance of the mail system
# whose home is DIR (absolute): its own programs, compiled-in home DIR, queue,
# control files, users/assign, Maildirs and daemontools service directories.
# Needs a finished `make` in the source tree: only auto.c is built per
# instance, the program objects and libqmail.a are reused (musl/*.o and
# musl/libqmail.a for the programs musl/config.mk names, see conf-musl).
#
# Accounts: run as an ordinary user, every role is that user and both groups
# are the user's primary group. Run as root, the accounts of conf-users and
# conf-groups are used, and mail is delivered as the alias account, never as
# root; DIR and every directory above it must then be searchable by others.
# Those accounts are made by mkaccounts.sh exactly as `make accounts` makes
# them for a production install in conf-home: system accounts without a
# login shell whose homes are conf-home (HOME/alias for alias), not DIR, so
# a later production install keeps them as they are. The instance does not
# need their homes: users/assign names its own directories. mkaccounts.sh
# prints every account and group it creates (or whose home it corrects).
#
# bin/ has mailq and newaliases, links to sendmail.
#
# Mail for postmaster@localhost and <invoking user>@localhost goes to
# DIR/mail/<name>/Maildir/; any other local address bounces. With SMTPPORT a
# qmail-smtpd service listens on 127.0.0.1:SMTPPORT (when qmail-smtpd is
# built). Running it again keeps the queue, the mail and edited control files.
# Exit 0 done, 100 usage, 111 failure.

PROG=mkinstance.sh
TOP=`cd "\`dirname "$0"\`" && pwd`
umask 022

die() {
  echo "$PROG: fatal: $*" >&2
  exit 111
}

[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "$PROG: usage: mkinstance.sh DIR [SMTPPORT]" >&2; exit 100; }
dir=$1
port=$2
case $dir in
  /*) ;;
  *) echo "$PROG: fatal: DIR must be an absolute path: $dir" >&2; exit 100 ;;
esac
case $dir in
  *[!A-Za-z0-9._/+-]*)
    echo "$PROG: fatal: DIR may only contain the characters A-Z a-z 0-9 . _ / + -: $dir" >&2
    exit 100
    ;;
esac
dir=`echo "$dir" | sed 's,//*,/,g; s,/$,,'`
[ -n "$dir" ] || { echo "$PROG: fatal: DIR must not be /" >&2; exit 100; }
case $port in *[!0-9]*) echo "$PROG: fatal: bad port: $port" >&2; exit 100 ;; esac

# The build this instance reuses.
[ -n "${PROGRAMS+set}" ] || PROGRAMS=`sh "$TOP/programs.sh"`
cc=${CC_CMD:-`sed -n 1p "$TOP/conf-cc"`}
ld=${LD_CMD:-`sed -n 1p "$TOP/conf-ld"`}
# The programs that make linked statically against musl (musl/config.mk,
# written by trymusl.sh) are linked the same way here, from musl/*.o.
config=$TOP/musl/config.mk
musl_programs= musl_cc= musl_ld= musl_end=
if [ -f "$config" ]; then
  musl_programs=`sed -n 's/^MUSL_PROGRAMS = *//p' "$config"`
  musl_cc=`sed -n 's/^MUSL_CC = *//p' "$config"`
  musl_ld=`sed -n 's/^MUSL_LD = *//p' "$config"`
  musl_end=`sed -n 's/^MUSL_LD_END = *//p' "$config"`
fi
# is_musl PROGRAM: make linked PROGRAM against musl
is_musl() {
  case " $musl_programs " in *" $1 "*) return 0 ;; esac
  return 1
}
uses_musl=
for p in $PROGRAMS; do
  if is_musl "$p"; then
    [ -f "$TOP/musl/$p.o" ] || die "$TOP/musl/$p.o is missing: run make first"
    uses_musl=1
  else
    [ -f "$TOP/$p.o" ] || die "$TOP/$p.o is missing: run make first"
  fi
done
[ -f "$TOP/libqmail.a" ] || die "$TOP/libqmail.a is missing: run make first"
[ -z "$uses_musl" ] || [ -f "$TOP/musl/libqmail.a" ] || die "$TOP/musl/libqmail.a is missing: run make first"

me=`id -un` || die "unable to find the name of uid `id -u`"
if [ "`id -u`" = 0 ]; then asroot=1; else asroot=; fi

if [ -n "$asroot" ]; then
  # Every directory above DIR must let the mail accounts through.
  d=$dir
  while [ -n "$d" ]; do
    d=${d%/*}
    [ -d "${d:-/}" ] || continue
    m=`stat -L -c %a "${d:-/}"`
    case $((0$m & 1)) in
      0) die "${d:-/} is not searchable by others, so the mail accounts cannot reach $dir; choose a directory elsewhere (for example UP_DIR=/var/tmp/qmail) or run chmod o+x ${d:-/}" ;;
    esac
  done
fi

build=$dir/.build
mkdir -p "$build" || die "unable to create $build"
chmod 0755 "$dir" "$build" || die "unable to chmod $dir"

# Accounts.
if [ -n "$asroot" ]; then
  sed -n 1,8p "$TOP/conf-users" > "$build/users" || die "unable to write $build/users"
  sed -n 1,2p "$TOP/conf-groups" > "$build/groups" || die "unable to write $build/groups"
  sh "$TOP/mkaccounts.sh" "`sed -n 1p "$TOP/conf-home"`" "$build/users" "$build/groups" || exit 111
  deliver=`sed -n 1p "$build/users"`
else
  group=`id -gn` || die "unable to find the name of gid `id -g`"
  for i in 1 2 3 4 5 6 7 8; do echo "$me"; done > "$build/users" || die "unable to write $build/users"
  printf '%s\n%s\n' "$group" "$group" > "$build/groups" || die "unable to write $build/groups"
  deliver=$me
fi
deliver_uid=`id -u -- "$deliver"` && deliver_gid=`id -g -- "$deliver"` ||
  die "no account $deliver"
[ "$deliver_uid" != 0 ] || die "refusing to deliver mail as root ($deliver)"

# Programs, linked against this instance's auto.c.
# auto.o for glibc, auto-musl.o for musl (also remade when make's musl
# decision changed).
sh "$TOP/auto.sh" "$dir" "$build/users" "$build/groups" > "$build/auto.c.tmp" || exit 111
if [ -f "$build/auto.c" ] && cmp -s "$build/auto.c.tmp" "$build/auto.c" && [ -f "$build/auto.o" ]; then
  rm -f "$build/auto.c.tmp"
else
  mv -f "$build/auto.c.tmp" "$build/auto.c" || die "unable to move $build/auto.c.tmp"
  $cc -I"$TOP" -c -o "$build/auto.o" "$build/auto.c" || die "unable to compile $build/auto.c"
fi
if [ -n "$uses_musl" ] && { ! [ "$build/auto-musl.o" -nt "$build/auto.c" ] || ! [ "$build/auto-musl.o" -nt "$config" ]; }; then
  $musl_cc -I"$TOP" -c -o "$build/auto-musl.o" "$build/auto.c" || die "unable to compile $build/auto.c with musl"
fi
# newer PROGRAM FILE...: the instance's PROGRAM is newer than every FILE
newer() {
  n_p=$1
  shift
  for n_f in "$@"; do
    [ "$n_p" -nt "$n_f" ] || return 1
  done
  return 0
}
for p in $PROGRAMS; do
  if is_musl "$p"; then
    newer "$build/$p" "$TOP/musl/$p.o" "$TOP/musl/libqmail.a" "$build/auto-musl.o" "$config" && continue
    $musl_ld -o "$build/$p" "$TOP/musl/$p.o" "$build/auto-musl.o" "$TOP/musl/libqmail.a" $musl_end ||
      die "unable to link $p"
  else
    if [ -f "$config" ]; then
      newer "$build/$p" "$TOP/$p.o" "$TOP/libqmail.a" "$build/auto.o" "$config" && continue
    else
      newer "$build/$p" "$TOP/$p.o" "$TOP/libqmail.a" "$build/auto.o" && continue
    fi
    $ld -o "$build/$p" "$TOP/$p.o" "$build/auto.o" "$TOP/libqmail.a" || die "unable to link $p"
  fi
done

# The tree and the services.
PROGRAMS=$PROGRAMS sh "$TOP/install.sh" "$dir" "$build/users" "$build/groups" "$build" || exit 111
SMTP_PORT=$port SMTP_IP=127.0.0.1 sh "$TOP/mkservice.sh" "$dir" "$build/users" "$build/groups" || exit 111

# mailq and newaliases (sendmail(8)): sendmail acts on the name it is run as
if [ -f "$dir/bin/sendmail" ]; then
  for n in mailq newaliases; do
    [ "`readlink "$dir/bin/$n" 2>/dev/null`" = sendmail ] && continue
    rm -f "$dir/bin/$n" && ln -s sendmail "$dir/bin/$n" || die "unable to link $dir/bin/$n to sendmail"
  done
fi

owner=`sed -n 4p "$build/users"`
qgroup=`sed -n 1p "$build/groups"`

# control FILE LINE: writes control/FILE unless the file is already there
control() {
  [ -f "$dir/control/$1" ] && return 0
  echo "$2" > "$dir/control/$1.tmp" &&
    chown "$owner:$qgroup" "$dir/control/$1.tmp" &&
    chmod 0644 "$dir/control/$1.tmp" &&
    mv "$dir/control/$1.tmp" "$dir/control/$1" || die "unable to write $dir/control/$1"
}
control me localhost
control locals localhost
control rcpthosts localhost
control defaultdelivery ./Maildir/

# Mailboxes: DIR/mail/NAME is the home of each address, owned by the account
# that delivers there; Maildir/ is the default delivery.
mkdir -p "$dir/mail" && chown "$owner:$qgroup" "$dir/mail" && chmod 0755 "$dir/mail" ||
  die "unable to create $dir/mail"
# as the queue's directories (install.sh, spread): on ext4 the mailboxes go
# to block groups of their own, away from the queue's churn of freed inodes
# that a file created there would have to skip
chattr +T "$dir/mail" 2>/dev/null
names=postmaster
[ "$me" = postmaster ] || names="$names $me"
assign=
for n in $names; do
  case $n in
    *[!A-Za-z0-9._+-]* | '') die "unusable mailbox name: $n" ;;
  esac
  h=$dir/mail/$n
  for d in "$h" "$h/Maildir" "$h/Maildir/tmp" "$h/Maildir/new" "$h/Maildir/cur"; do
    [ -h "$d" ] && die "$d is a symbolic link"
    [ -d "$d" ] || mkdir "$d" || die "unable to create $d"
    chown "$deliver_uid:$deliver_gid" "$d" || die "unable to chown $d"
  done
  chmod 0755 "$h" && chmod 0700 "$h/Maildir" "$h/Maildir/tmp" "$h/Maildir/new" "$h/Maildir/cur" ||
    die "unable to chmod $h"
  lower=`echo "$n" | tr A-Z a-z`
  assign="$assign=$lower:$deliver:$deliver_uid:$deliver_gid:$h:::
"
done
alias_name=`sed -n 1p "$build/users"`
alias_uid=`id -u -- "$alias_name"` && alias_gid=`id -g -- "$alias_name"` || die "no account $alias_name"

# Every other local address goes to the alias account's .qmail-<address>
# files, and bounces when there is none.
{
  printf '%s' "$assign"
  echo "+:$alias_name:$alias_uid:$alias_gid:$dir/alias:-::"
  echo "."
} > "$dir/users/assign.tmp" &&
  chown "$owner:$qgroup" "$dir/users/assign.tmp" &&
  chmod 0644 "$dir/users/assign.tmp" &&
  mv -f "$dir/users/assign.tmp" "$dir/users/assign" || die "unable to write $dir/users/assign"

if [ -x "$dir/bin/qmail-newu" ]; then
  "$dir/bin/qmail-newu" || die "qmail-newu failed"
else
  echo "$PROG: warning: qmail-newu is not built yet; $dir/users/cdb not made" >&2
fi
exit 0
