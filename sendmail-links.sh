#!/bin/sh
# sendmail-links.sh install|remove [HOME]
#
# Makes the mail system the host's sendmail: links /usr/sbin/sendmail,
# /usr/lib/sendmail, /usr/bin/mailq and /usr/bin/newaliases to
# HOME/bin/sendmail (HOME: line 1 of conf-home unless given). Whatever was
# at such a path (a file or a link) is renamed NAME.pre-qmail first, and
# `remove` removes our links and puts those back. A path that already
# holds our link is left alone, so both may run twice. With DESTDIR set
# every path is below DESTDIR (for packaging, and for the tests).
# A directory on the way (DESTDIR's own included) that is a symbolic link
# owned by neither root nor the invoking user is refused: mv and ln would
# follow it wherever its owner pointed it. DESTDIR must not be writable by
# others either (nothing can check that in time).
# Exit 0 done, 100 usage, 111 failure (what was done before it stays).

PROG=sendmail-links.sh
TOP=`dirname "$0"`

die() {
  echo "$PROG: fatal: $*" >&2
  exit 111
}

usage() {
  echo "$PROG: usage: sendmail-links.sh install|remove [HOME]" >&2
  exit 100
}

[ $# -eq 1 ] || [ $# -eq 2 ] || usage
action=$1
home=${2:-`sed -n 1p "$TOP/conf-home"`}
case $home in /*) ;; *) die "HOME must be an absolute path: $home" ;; esac
target=$home/bin/sendmail
root=${DESTDIR%/}

# ours PATH: PATH is a symbolic link to our sendmail
ours() {
  [ -h "$1" ] && [ "`readlink "$1"`" = "$target" ]
}

# safe_dirs DIR: no component of DIR is a symbolic link that someone other
# than root or the invoking user owns
myuid=`id -u` || die "unable to find my uid"
safe_dirs() {
  s_rest=${1#/}
  s_path=
  while [ -n "$s_rest" ]; do
    s_path=$s_path/${s_rest%%/*}
    case $s_rest in */*) s_rest=${s_rest#*/} ;; *) s_rest= ;; esac
    [ -h "$s_path" ] || continue
    s_uid=`stat -c %u "$s_path"` || die "unable to stat $s_path"
    [ "$s_uid" = 0 ] || [ "$s_uid" = "$myuid" ] ||
      die "$s_path is a symbolic link owned by uid $s_uid (neither root nor uid $myuid): refusing to follow it"
  done
}

# exists PATH: something is there, even a dangling link
exists() {
  [ -e "$1" ] || [ -h "$1" ]
}

case $action in
  install)
    if [ ! -x "$root$target" ]; then
      [ -z "$root" ] && die "$target is not installed (make setup first)"
      # make setup knows no DESTDIR: it would install into the real HOME
      die "$root$target is not there: put the installed tree below DESTDIR=$root first (make setup installs into $home itself, not below DESTDIR)"
    fi
    for p in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases; do
      f=$root$p
      safe_dirs "${f%/*}"
      ours "$f" && continue
      if exists "$f"; then
        exists "$f.pre-qmail" && die "$f and $f.pre-qmail both exist: move one away first"
        mv "$f" "$f.pre-qmail" || die "unable to rename $f to $f.pre-qmail"
        echo "$PROG: kept the old $p as $p.pre-qmail"
      fi
      mkdir -p "${f%/*}" || die "unable to create ${f%/*}"
      ln -s "$target" "$f" || die "unable to link $f to $target"
      echo "$PROG: $p -> $target"
    done
    ;;
  remove)
    for p in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases; do
      f=$root$p
      safe_dirs "${f%/*}"
      if ours "$f"; then
        rm -f "$f" || die "unable to remove $f"
        echo "$PROG: removed $p"
      elif exists "$f"; then
        echo "$PROG: warning: $p is not a link to $target; left as it is" >&2
        continue
      fi
      if exists "$f.pre-qmail"; then
        mv "$f.pre-qmail" "$f" || die "unable to rename $f.pre-qmail to $f"
        echo "$PROG: put back the old $p"
      fi
    done
    ;;
  *) usage ;;
esac
exit 0
