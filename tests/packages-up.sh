#!/bin/sh
# packages.sh up, the first step of `make up`, on the machines it must
# handle, made with a PATH of stand-ins (id, apt-get, sudo and the programs
# the packages install) so that it runs as any user and installs nothing:
#   - an ordinary user on a fresh machine (only make's own tools): it names
#     the missing packages, prints the one command to run as root (su -c
#     without sudo, sudo with it; apt-get update first when there are no
#     package lists) and exits 111;
#   - an ordinary user with only daemontools missing: it names only that;
#   - an ordinary user with everything: silent, exit 0;
#   - root: it says which packages it installs, apt-get installs exactly
#     those (the optional musl-tools, e2fsprogs and swaks too), exit 0; when
#     apt-get fails (also after apt-get update), or there is no apt-get, it
#     names the needed packages still missing and exits 111.
. tests/lib.sh

# The host's package lists, as they are (both cases are made below).
APT_LISTS=/var/lib/apt/lists
export APT_LISTS

F=$T/bin
mkdir -p "$F" || fail "mkdir $F"
log=$T/apt.log

# stub NAME [BODY]: a program NAME in $F (default: does nothing)
stub() {
  { echo '#!/bin/sh'; echo "${2:-exit 0}"; } > "$F/$1" && chmod 0755 "$F/$1" || fail "unable to write $F/$1"
}
# uid N: id -u prints N
uid() {
  stub id "echo $1"
}
# run: packages.sh up with PATH=$F only; output in $T/out, status in $rc
run() {
  PATH=$F /bin/sh "$TOP/packages.sh" up > "$T/out" 2>&1
  rc=$?
  cat "$T/out"
}

# libc6-dev is found by /usr/include/stdio.h, which the stand-ins cannot hide.
if [ -f /usr/include/stdio.h ]; then libc=; else libc=" libc6-dev"; fi

# A fresh machine, as an ordinary user.
uid 1000
run
assert_eq 111 "$rc" "exit status without the packages"
assert_eq "packages.sh: make up needs the Debian packages gcc$libc make daemontools ucspi-tcp, which are not installed.
packages.sh: install them as root with this command, then run make up again:
    su -c 'apt-get install gcc$libc make daemontools ucspi-tcp'" "`cat "$T/out"`" "output for an ordinary user"

# With sudo the command uses it.
stub sudo
run
assert_eq 111 "$rc" "exit status with sudo"
assert_grep "$T/out" "^    sudo apt-get install gcc$libc make daemontools ucspi-tcp\$"

# A machine without package lists: apt-get update first.
APT_LISTS=$T/lists
export APT_LISTS
mkdir "$APT_LISTS" || fail "mkdir $APT_LISTS"
run
assert_eq 111 "$rc" "exit status without package lists"
assert_grep "$T/out" "^    sudo sh -c 'apt-get update && apt-get install gcc$libc make daemontools ucspi-tcp'\$"
rm -f "$F/sudo"
run
assert_grep "$T/out" "^    su -c 'apt-get update && apt-get install gcc$libc make daemontools ucspi-tcp'\$"
touch "$APT_LISTS/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
stub sudo

# Only daemontools missing (tcpserver and tcprules are there).
for c in gcc make tcpserver tcprules; do stub $c; done
run
assert_eq 111 "$rc" "exit status with daemontools missing"
assert_grep "$T/out" "^    sudo apt-get install${libc} daemontools\$"

# Everything there: nothing said, nothing done.
for c in svscan setuidgid; do stub $c; done
run
assert_eq 0 "$rc" "exit status with every package"
assert_eq "" "`cat "$T/out"`" "output with every package"

# Root on a fresh machine: apt-get installs what is missing, and is told to
# install exactly that; the programs appear as a real installation would
# make them.
rm -f "$F"/gcc "$F"/make "$F"/svscan "$F"/setuidgid "$F"/tcpserver "$F"/tcprules "$F"/sudo
uid 0
stub apt-get "echo \"\$*\" >> $log
for p in \"\$@\"; do
  case \$p in
    gcc) n=gcc ;; make) n=make ;; daemontools) n='svscan setuidgid' ;;
    ucspi-tcp) n='tcpserver tcprules' ;; musl-tools) n=musl-gcc ;; e2fsprogs) n=chattr ;; swaks) n=swaks ;;
    *) continue ;;
  esac
  for c in \$n; do printf '#!/bin/sh\n' > $F/\$c; /bin/chmod 0755 $F/\$c; done
done"
run
assert_eq 0 "$rc" "exit status as root"
assert_eq "packages.sh: installing with apt-get: gcc$libc make daemontools ucspi-tcp musl-tools e2fsprogs swaks" \
  "`cat "$T/out"`" "output as root"
assert_eq "install -y -q --no-install-recommends gcc$libc make daemontools ucspi-tcp musl-tools e2fsprogs swaks" \
  "`cat "$log"`" "apt-get's arguments"
run
assert_eq 0 "$rc" "exit status as root with every package"
assert_eq "" "`cat "$T/out"`" "output as root with every package"

# apt-get fails, also after apt-get update: the needed ones are named.
rm -f "$F"/svscan "$F"/setuidgid "$log"
stub apt-get "echo \"\$*\" >> $log; [ \"\$1\" = update ] && exit 0; echo 'E: Unable to locate package daemontools'; exit 100"
run
assert_eq 111 "$rc" "exit status when apt-get fails"
assert_grep "$T/out" "^packages.sh: installing with apt-get: daemontools\$"
assert_grep "$T/out" "^E: Unable to locate package daemontools\$"
assert_grep "$T/out" "^packages.sh: fatal: make up needs these packages, which apt-get did not install: daemontools\$"
assert_eq "install -y -q --no-install-recommends daemontools
update -q
install -y -q --no-install-recommends daemontools" "`cat "$log"`" "apt-get's calls when it fails"

# Root without apt-get.
rm -f "$F/apt-get"
run
assert_eq 111 "$rc" "exit status without apt-get"
assert_eq "packages.sh: fatal: make up needs these packages, and there is no apt-get to install them: daemontools" \
  "`cat "$T/out"`" "output without apt-get"
pass
