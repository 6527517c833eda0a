# tests/lib.sh: helpers for the integration tests tests/*.sh (POSIX sh).
#
# A test is run from the top of the source tree after `make all unit`:
#   . tests/lib.sh
#   need_programs qmail-queue qmail-send
#   I=$T/inst
#   instance_create "$I"
#   instance_start "$I"
#   printf 'Subject: x\n\nhello\n' | queue_msg "$I" a@localhost "$(me)@localhost" ||
#     fail "qmail-queue exited $?"
#   wait_for 20 maildir_has "$(mailbox "$I")" 1 || fail "no delivery"
#   pass
#
# Variables: TOP (the source tree), T (this test's temporary directory,
# removed at exit; searchable by the mail accounts when run as root),
# PYTHON (a python3 that sees Debian's python3-* packages), SANITIZED (set
# when the suite runs built with ASan/UBSan by tests/run-sanitized: a test
# that LD_PRELOADs a library into the programs should skip then).
# Exit codes: 0 pass, 1 fail, 77 skip (the reason is the last line printed).
# At exit, even after a failure or a signal, every instance started with
# instance_start is stopped, every pid given to track_pid is killed and the
# accounts and groups named by test_accounts are removed.
# Set KEEP=1 to keep $T for a look afterwards. tests/run gives a test 300 s;
# one that needs longer says so with a line "# timeout: SECONDS".

TOP=`pwd`
[ -f "$TOP/tests/lib.sh" ] || { echo "tests/lib.sh: run tests from the top of the source tree"; exit 1; }
export TOP
umask 022

if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
# The sanitizer runtimes reserve far more address space than the memory
# limit of the SMTP service allows (mkservice.sh).
[ -n "$SANITIZED" ] && SMTP_MEMORY=0 && export SMTP_MEMORY

LIB_INSTANCES=
LIB_PIDS=
LIB_ACCOUNTS=
LIB_GROUPS=
T=`mktemp -d "${TMPDIR:-/tmp}/qmt.XXXXXX"` || { echo "tests/lib.sh: unable to make a temporary directory"; exit 1; }
# As root, the mail accounts must be able to reach instances made under $T.
[ "`id -u`" = 0 ] && chmod 0755 "$T"

lib_cleanup() {
  lib_status=$?
  trap '' INT TERM HUP
  for p in $LIB_PIDS; do
    kill -TERM "$p" 2>/dev/null
  done
  for i in $LIB_INSTANCES; do
    sh "$TOP/down.sh" "$i" ||
      echo "tests/lib.sh: warning: unable to stop the instance in $i"
  done
  for p in $LIB_PIDS; do
    lib_n=0
    while kill -0 "$p" 2>/dev/null && [ $lib_n -lt 50 ]; do
      sleep 0.1
      lib_n=$((lib_n + 1))
    done
    kill -KILL "$p" 2>/dev/null
  done
  for lib_a in $LIB_ACCOUNTS; do
    id -u -- "$lib_a" >/dev/null 2>&1 || continue
    lib_retry userdel "$lib_a" || echo "tests/lib.sh: warning: unable to remove the account $lib_a"
  done
  for lib_g in $LIB_GROUPS; do
    getent group -- "$lib_g" >/dev/null 2>&1 || continue
    lib_retry groupdel "$lib_g" || echo "tests/lib.sh: warning: unable to remove the group $lib_g"
  done
  if [ -n "$KEEP" ]; then
    echo "tests/lib.sh: kept $T"
  else
    rm -rf "$T"
  fi
  exit $lib_status
}
# lib_retry CMD...: run CMD, again for a few seconds while it fails (useradd,
# userdel and their kind fail while another one holds the lock on the files)
lib_retry() {
  lib_n=0
  until "$@" 2>/dev/null; do
    lib_n=$((lib_n + 1))
    [ $lib_n -ge 25 ] && { "$@"; return; }
    sleep 0.2
  done
}

trap lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- results -----------------------------------------------------------------

# pass [MESSAGE]: the test passed
pass() {
  [ $# -gt 0 ] && echo "$*"
  exit 0
}

# fail MESSAGE: the test failed
fail() {
  echo "FAIL: $*"
  exit 1
}

# skip REASON: the test cannot run here (the reason is shown by tests/run)
skip() {
  echo "$*"
  exit 77
}

# need_root: skip unless running as root
need_root() {
  [ "`id -u`" = 0 ] || skip "needs root"
}

# need_cmd CMD...: skip unless every command is installed; the reason names
# the Debian package (packages.sh test installs them as root)
need_cmd() {
  for lib_c in "$@"; do
    command -v "$lib_c" >/dev/null 2>&1 || skip "$lib_c is not installed (Debian package `lib_package "$lib_c"`)"
  done
}

# lib_package CMD: the Debian 12 package that installs CMD
lib_package() {
  case $1 in
    svscan | svok | svstat | svc | supervise | multilog | setuidgid | softlimit | tai64nlocal) echo daemontools ;;
    tcpserver | tcpclient | tcprules | tcprulescheck) echo ucspi-tcp ;;
    cc | gcc) echo gcc ;;
    python3 | */python3) echo python3 ;;
    setpriv) echo util-linux ;;
    getconf) echo libc-bin ;;
    timeout | stat | dd | mkfifo | od | sha256sum | yes | touch | sync | head | date) echo coreutils ;;
    cmp) echo diffutils ;;
    find) echo findutils ;;
    usermod | useradd | userdel) echo passwd ;;
    chattr) echo e2fsprogs ;;
    dotlockfile) echo liblockfile-bin ;;
    mutt_dotlock) echo mutt ;;
    dovecot) echo dovecot-core ;;
    ss) echo iproute2 ;;
    *) echo "$1" ;;
  esac
}

# need_programs NAME...: skip unless every program is built in the source tree
need_programs() {
  for lib_p in "$@"; do
    [ -x "$TOP/$lib_p" ] || skip "$lib_p is not built"
  done
}

# need_python_module MODULE...: skip unless $PYTHON can import each module
need_python_module() {
  for lib_m in "$@"; do
    "$PYTHON" -c "import $lib_m" 2>/dev/null || skip "python module $lib_m is not installed"
  done
}

# assert_eq EXPECTED ACTUAL WHAT: fail unless the two strings are equal
assert_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# assert_grep FILE PATTERN: fail unless a line of FILE matches the regex
assert_grep() {
  grep -q -e "$2" "$1" 2>/dev/null || fail "no line matching '$2' in $1"
}

# send_shim DIR SHIM.c [NAME=VALUE...]: builds tests/SHIM.c into an
# LD_PRELOAD library ($T/SHIM.so) and makes instance DIR (not yet started)
# run qmail-send with it and the given environment, through a wrapper first
# in the service's PATH. Skips under the sanitizer build.
send_shim() {
  ss_dir=$1
  ss_src=$2
  shift 2
  [ -z "$SANITIZED" ] || skip "the shim needs LD_PRELOAD, which the sanitizer build does not allow"
  need_cmd cc
  ss_lib=$T/`basename "$ss_src" .c`.so
  cc -shared -fPIC -O2 -o "$ss_lib" "$TOP/tests/$ss_src" -ldl || fail "unable to build tests/$ss_src"
  chmod 0755 "$ss_lib"
  mkdir -p "$ss_dir/shim" && chmod 0755 "$ss_dir/shim" || fail "unable to create $ss_dir/shim"
  {
    echo '#!/bin/sh'
    echo "LD_PRELOAD=$ss_lib"
    echo 'export LD_PRELOAD'
    for ss_v in "$@"; do
      echo "$ss_v"
      echo "export ${ss_v%%=*}"
    done
    echo "exec $ss_dir/bin/qmail-send"
  } > "$ss_dir/shim/qmail-send" && chmod 0755 "$ss_dir/shim/qmail-send" ||
    fail "unable to write the qmail-send wrapper"
  ss_run=$ss_dir/service/qmail-send/run
  sed "s|PATH=\"$ss_dir/bin:|PATH=\"$ss_dir/shim:$ss_dir/bin:|" "$ss_run" > "$ss_run.tmp" &&
    chmod 0755 "$ss_run.tmp" && mv -f "$ss_run.tmp" "$ss_run" || fail "unable to rewrite $ss_run"
  grep -q "PATH=\"$ss_dir/shim:" "$ss_run" || fail "unexpected PATH in $ss_run"
}

# --- processes and waiting ---------------------------------------------------

# track_pid PID: kill PID (TERM, then KILL) when the test exits
track_pid() {
  LIB_PIDS="$LIB_PIDS $1"
}

# wait_for TIMEOUT_SECONDS CMD [ARG...]: run CMD every 0.1 s until it
# succeeds (return 0) or TIMEOUT_SECONDS have passed (return 1)
wait_for() {
  lib_deadline=$((`date +%s` + $1))
  shift
  while :; do
    "$@" && return 0
    [ `date +%s` -ge $lib_deadline ] && break
    sleep 0.1
  done
  "$@"
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now,
# outside the kernel's range of ephemeral ports: a connection to a free port
# in that range can be given the same port as its source, and then connects
# to itself, and a port just released there is soon handed out again
free_port() {
  "$PYTHON" -c 'import random, socket
lo, hi = 32768, 60999
try:
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except (OSError, ValueError):
    pass
for _ in range(1000):
    p = random.randint(10000, 65000)
    if lo <= p <= hi:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("no free port outside %d-%d" % (lo, hi))'
}

# make ARGS: make in the source tree, one at a time across the tests that
# run in parallel (make up builds, and two builds at once race in the tree)
make() {
  if command -v flock >/dev/null 2>&1; then
    mkdir -p "$TOP/tests/out" 2>/dev/null
    flock "$TOP/tests/out/make.lock" make "$@"
  else
    command make "$@"
  fi
}

# --- instances ---------------------------------------------------------------

# me: the name mail for the invoking user is addressed to (NAME@localhost)
me() {
  id -un
}

# instance_create DIR [SMTPPORT]: a private instance in DIR (mkinstance.sh);
# with SMTPPORT a qmail-smtpd service on 127.0.0.1:SMTPPORT. Its resolver
# asks 127.0.0.1 port 9, where no DNS server is: remote deliveries defer at
# once, whatever the machine's network (tests that want DNS start
# tests/fakedns.py and set QMAILDNS with instance_env)
instance_create() {
  sh "$TOP/mkinstance.sh" "$@" || fail "mkinstance.sh $* failed"
  instance_env "$1" QMAILDNS=127.0.0.1:9
}

# instance_env DIR NAME=VALUE...: qmail-send and the programs it starts
# (qmail-lspawn, qmail-rspawn, qmail-remote, ...) in instance DIR get these
# environment variables, as files of service/qmail-send/env (envdir; a later
# call wins); before instance_start, or restart the service with svc -t
instance_env() {
  ie_dir=$1/service/qmail-send/env
  shift
  [ -d "$ie_dir" ] || fail "instance_env: no directory $ie_dir"
  for ie_a in "$@"; do
    case $ie_a in
      [A-Za-z_]*=*) ;;
      *) fail "instance_env: not NAME=VALUE: $ie_a" ;;
    esac
    printf '%s\n' "${ie_a#*=}" > "$ie_dir/${ie_a%%=*}" || fail "unable to write $ie_dir/${ie_a%%=*}"
  done
}


# remote_standin DIR: replaces qmail-remote in instance DIR (before
# instance_start) by a stand-in that defers every delivery and appends its
# argv, one line per run, to DIR/remote.runs: for tests of what reaches the
# remote channel, which must not ask real DNS servers or hosts anything
remote_standin() {
  : > "$1/remote.runs" && chmod 666 "$1/remote.runs" || fail "unable to make $1/remote.runs"
  cat > "$1/bin/qmail-remote.tmp" <<EOF || fail "unable to write $1/bin/qmail-remote"
#!/bin/sh
cat > /dev/null
printf '%s\n' "\$*" >> '$1/remote.runs'
printf 'Zstand-in qmail-remote: deferred. (#4.3.0)\n\0'
EOF
  chmod 755 "$1/bin/qmail-remote.tmp" && mv -f "$1/bin/qmail-remote.tmp" "$1/bin/qmail-remote" ||
    fail "unable to install $1/bin/qmail-remote"
}

# instance_start DIR: svscan DIR/service, wait until every service is up;
# stopped automatically when the test exits
instance_start() {
  LIB_INSTANCES="$LIB_INSTANCES $1"
  UP_TIMEOUT=${UP_TIMEOUT:-30} sh "$TOP/up.sh" -n -q "$1" || fail "the instance in $1 did not start"
}

# instance_stop DIR: take every service down and stop svscan (down.sh)
instance_stop() {
  sh "$TOP/down.sh" "$1" || fail "the instance in $1 did not stop"
}

# mailbox DIR [NAME]: the Maildir of NAME (default: the invoking user) in DIR
mailbox() {
  echo "$1/mail/${2:-`id -un`}/Maildir"
}

# maildir_count MAILDIR: the number of messages in MAILDIR's new/ and cur/
maildir_count() {
  find "$1/new" "$1/cur" -type f -printf x 2>/dev/null | wc -c | tr -d ' '
}

# maildir_has MAILDIR N: true when MAILDIR holds at least N messages
maildir_has() {
  [ "`maildir_count "$1"`" -ge "$2" ]
}

# log_file DIR: the current multilog file of qmail-send in instance DIR
log_file() {
  echo "$1/log/qmail-send/current"
}

# log_grep DIR PATTERN: true when a line of qmail-send's log matches PATTERN
log_grep() {
  grep -q -e "$2" "$1/log/qmail-send/current" 2>/dev/null
}

# queue_msg DIR SENDER RCPT... < MESSAGE: queues MESSAGE with DIR/bin/qmail-queue
# (envelope on fd 1); returns qmail-queue's exit code
queue_msg() {
  lib_dir=$1
  lib_sender=$2
  shift 2
  lib_env=`mktemp "$T/envelope.XXXXXX"` || fail "unable to make an envelope file"
  {
    printf 'F%s\0' "$lib_sender"
    for lib_r in "$@"; do
      printf 'T%s\0' "$lib_r"
    done
    printf '\0'
  } > "$lib_env"
  "$lib_dir/bin/qmail-queue" 1< "$lib_env"
  lib_rc=$?
  rm -f "$lib_env"
  return $lib_rc
}

# --- accounts (root only) ----------------------------------------------------

# test_accounts SRCDIR: writes SRCDIR/conf-users and SRCDIR/conf-groups with
# the names of seven accounts and two groups that do not exist now (the owner
# of the binaries stays root), for the test to make (make accounts, make up);
# those names are set in TEST_ACCOUNTS (conf-users order, without the owner)
# and TEST_GROUPS. Whichever of them exist when the test exits are removed then,
# the accounts first: only what the test made, never an account of the host.
test_accounts() {
  [ "`id -u`" = 0 ] || fail "test_accounts needs root"
  lib_n=0
  while :; do
    lib_tag=qt$$x$lib_n
    lib_free=1
    for lib_a in a d l p q r s; do
      id -u -- "$lib_tag$lib_a" >/dev/null 2>&1 && lib_free=
    done
    for lib_g in g n; do
      getent group -- "$lib_tag$lib_g" >/dev/null 2>&1 && lib_free=
    done
    [ -n "$lib_free" ] && break
    lib_n=$((lib_n + 1))
    [ $lib_n -lt 100 ] || fail "no free account names"
  done
  TEST_ACCOUNTS="${lib_tag}a ${lib_tag}d ${lib_tag}l ${lib_tag}p ${lib_tag}q ${lib_tag}r ${lib_tag}s"
  TEST_GROUPS="${lib_tag}g ${lib_tag}n"
  LIB_ACCOUNTS="$LIB_ACCOUNTS $TEST_ACCOUNTS"
  LIB_GROUPS="$LIB_GROUPS $TEST_GROUPS"
  printf '%s\n' ${lib_tag}a ${lib_tag}d ${lib_tag}l root ${lib_tag}p ${lib_tag}q ${lib_tag}r ${lib_tag}s \
    > "$1/conf-users" || fail "unable to write $1/conf-users"
  printf '%s\n' ${lib_tag}g ${lib_tag}n > "$1/conf-groups" || fail "unable to write $1/conf-groups"
}

# copy_tree DIR: a copy of the built source tree (with its objects, so only
# auto.c is built again when conf-home changes) in DIR
copy_tree() {
  mkdir -p "$1" || fail "mkdir $1"
  tar -C "$TOP" --exclude=./.git --exclude=./run --exclude=./tests --exclude=./bench -cf - . |
    tar -C "$1" -xpf - || fail "unable to copy the tree to $1"
}
