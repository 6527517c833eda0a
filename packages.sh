#!/bin/sh
# packages.sh up|test: run as root on Debian, installs with apt-get the
# packages that `make up` (up) or `make test` (test) needs and that are
# missing, so that both work on a fresh machine that has only git and make.
# As an ordinary user, or without apt-get, it does nothing: a missing
# compiler stops the build with the compiler's message, a missing test tool
# makes the tests that need it skip, naming the package. A failed
# installation is a warning, not an error, for the same reason.

case $1 in
  up) want="gcc libc6-dev make daemontools musl-tools e2fsprogs" ;;
  test)
    want="gcc libc6-dev make daemontools musl-tools e2fsprogs ucspi-tcp swaks python3
      python3-aiosmtpd python3-dnslib libfaketime strace clang libclang-rt-14-dev
      libfuse3-dev fuse3 pkg-config perl procps util-linux passwd libnss-wrapper
      dovecot-core dovecot-imapd liblockfile-bin mutt"
    ;;
  *) echo "usage: sh packages.sh up|test" >&2; exit 100 ;;
esac
[ "`id -u`" = 0 ] || exit 0
command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 || exit 0

missing=
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "packages.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $missing; } ||
  echo "packages.sh: warning: unable to install some of:$missing"
exit 0
