#!/bin/sh
# packages.sh up|test: the Debian packages that `make up` (up) or `make test`
# (test) needs, so that both work on a fresh Debian 12 that has only git and
# make.
#
# up: the build and the instance need a C compiler and its headers (gcc,
# libc6-dev), make, daemontools (svscan) and ucspi-tcp (tcpserver, or
# ucspi-tcp-ipv6's); musl-tools and e2fsprogs are used when present, and
# swaks sends the test message make up suggests. Each is
# found by a program (or header) it installs, so the ucspi-tcp-ipv6 variant
# counts too. As root, the missing ones are installed with apt-get, and it
# says which; if a needed one is still missing after that, or there is no
# apt-get, it names them and exits 111. As an ordinary user, when a needed
# one is missing, it prints the one command to run as root and exits 111;
# the optional ones are left alone.
#
# test: as root with apt-get and dpkg-query, the missing test packages are
# installed (a failure is a warning). As an ordinary user it does nothing:
# a test whose tool is missing skips, naming the package.
#
# Exit 0 ready, 100 usage, 111 a package make up needs is missing.

PROG=packages.sh

# have PACKAGE: something PACKAGE installs is there
have() {
  case $1 in
    gcc) command -v gcc >/dev/null 2>&1 ;;
    libc6-dev) [ -f /usr/include/stdio.h ] ;;
    make) command -v make >/dev/null 2>&1 ;;
    daemontools) command -v svscan >/dev/null 2>&1 && command -v setuidgid >/dev/null 2>&1 ;;
    ucspi-tcp) command -v tcpserver >/dev/null 2>&1 && command -v tcprules >/dev/null 2>&1 ;;
    musl-tools) command -v musl-gcc >/dev/null 2>&1 ;;
    e2fsprogs) command -v chattr >/dev/null 2>&1 ;;
    swaks) command -v swaks >/dev/null 2>&1 ;;
    *)
      # installed by dpkg; Debian's ucspi-tcp-ipv6 provides ucspi-tcp
      dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$' && return 0
      [ "$1" = ucspi-tcp ] && dpkg-query -W -f='${Status}' ucspi-tcp-ipv6 2>/dev/null | grep -q ' installed$'
      ;;
  esac
}

# missing PACKAGE...: prints those of the PACKAGEs that are not there
missing() {
  m_out=
  for m_p in "$@"; do
    have "$m_p" || m_out="$m_out $m_p"
  done
  echo "${m_out# }"
}

# install PACKAGE...: apt-get install, after apt-get update if the lists
# are stale or empty (as on a fresh machine); its output only on failure
install() {
  echo "$PROG: installing with apt-get: $*"
  DEBIAN_FRONTEND=noninteractive
  export DEBIAN_FRONTEND
  apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "$@"; }
}

case $1 in
  up)
    needed="gcc libc6-dev make daemontools ucspi-tcp"
    optional="musl-tools e2fsprogs swaks"
    ;;
  test)
    needed=
    optional="gcc libc6-dev make daemontools musl-tools e2fsprogs ucspi-tcp swaks python3
      python3-aiosmtpd python3-dnslib libfaketime strace clang libclang-rt-14-dev
      libfuse3-dev fuse3 pkg-config perl procps util-linux passwd libnss-wrapper
      dovecot-core dovecot-imapd liblockfile-bin mutt bsd-mailx git-email libmailtools-perl"
    ;;
  *) echo "usage: sh packages.sh up|test" >&2; exit 100 ;;
esac

lack=`missing $needed`
if [ "`id -u`" != 0 ]; then
  [ -n "$lack" ] || exit 0
  # Without package lists (a fresh container) apt-get must fetch them first.
  apt="apt-get install $lack"
  lists=
  for f in "${APT_LISTS:-/var/lib/apt/lists}"/*_Packages*; do
    [ -e "$f" ] && lists=1
    break
  done
  [ -n "$lists" ] || apt="apt-get update && $apt"
  if command -v sudo >/dev/null 2>&1; then
    case $apt in
      *"&&"*) cmd="sudo sh -c '$apt'" ;;
      *) cmd="sudo $apt" ;;
    esac
  else
    cmd="su -c '$apt'"
  fi
  echo "$PROG: make $1 needs the Debian packages $lack, which are not installed." >&2
  echo "$PROG: install them as root with this command, then run make $1 again:" >&2
  echo "    $cmd" >&2
  exit 111
fi

if [ "$1" = test ]; then
  command -v dpkg-query >/dev/null 2>&1 || exit 0
fi
want=`missing $needed $optional`
[ -n "$want" ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  [ -n "$lack" ] || exit 0
  echo "$PROG: fatal: make $1 needs these packages, and there is no apt-get to install them: $lack" >&2
  exit 111
fi
install $want || echo "$PROG: warning: unable to install some of: $want" >&2
lack=`missing $needed`
if [ -n "$lack" ]; then
  echo "$PROG: fatal: make $1 needs these packages, which apt-get did not install: $lack" >&2
  exit 111
fi
exit 0
