#!/bin/sh
# Which descriptors each program of a running instance gets. The instance is
# started from a shell holding a stray descriptor (fd 9, on the file
# $T/stray), as if `make up` had been run from a shell or editor with files
# open. Stand-ins that list /proc/self/fd and then exec the real program are
# put at three boundaries:
#   qmail-send -> $QMAILQUEUE for a bounce (then the real qmail-queue):
#       exactly 0 (message pipe), 1 (envelope pipe), 2 (/dev/null), 6 (error
#       text pipe), three different pipes;
#   qmail-lspawn -> bin/qmail-local (then the real qmail-local), for the
#       failing delivery and for the bounce: exactly 0 (the message file in
#       queue/mess), 1 and 2 (one report pipe);
#   qmail-rspawn -> qmail-remote (found through $PATH; reports a deferral):
#       exactly 0 (the message file), 1 and 2 (one report pipe).
# The daemons themselves: qmail-send holds fds 0-6, qmail-lspawn,
# qmail-rspawn and qmail-clean 0-2, each of them nothing else that a child
# could inherit (every higher descriptor is close-on-exec), and none of them
# the stray descriptor.
. tests/lib.sh
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-rspawn qmail-local qmail-clean qmail-newu
need_cmd svc svstat svscan multilog
[ -d /proc/self/fd ] || skip "no /proc/self/fd"

I=$T/inst
REC=$T/rec
ME=`me`
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}
mkdir -p "$REC" "$T/build" || fail "mkdir"
chmod 1777 "$REC"

instance_create "$I"

# fdlist: writes "FD TARGET" per open descriptor to $REC/ROLE.PID, then
# execs REAL with the same arguments or, without REAL, reports a deferral
# the way qmail-remote does
cat > "$T/build/fdlist.c" <<'EOF'
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  static char list[65536];
  char tmp[4096], fn[4096];
  size_t len = 0;
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int fd;

  (void)argc;
  (void)argv;
  if (!d) return 111;
  while ((e = readdir(d)) != 0) {
    char path[300], target[4096];
    ssize_t n;
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    n = readlink(path, target, sizeof target - 1);
    if (n < 0) return 111;
    target[n] = 0;
    n = snprintf(list + len, sizeof list - len, "%s %s\n", e->d_name, target);
    if (n < 0 || (size_t)n >= sizeof list - len) return 111;
    len += (size_t)n;
  }
  closedir(d);
  snprintf(tmp, sizeof tmp, "%s/%s.%ld.tmp", REC, ROLE, (long)getpid());
  snprintf(fn, sizeof fn, "%s/%s.%ld", REC, ROLE, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd == -1 || write(fd, list, len) != (ssize_t)len || close(fd) == -1
      || rename(tmp, fn) == -1)
    return 111;
#ifdef REAL
  execv(REAL, argv);
  return 111;
#else
  {
    static const char report[] = "Zfds test: deferred.\n";
    if (write(1, report, sizeof report) != (ssize_t)sizeof report) return 111;
  }
  return 0;
#endif
}
EOF
# build ROLE OUTPUT [REAL]
build() {
  if [ -n "$3" ]; then real=-DREAL="\"$3\""; else real=; fi
  $cc -DREC="\"$REC\"" -DROLE="\"$1\"" $real -c -o "$T/build/$1.o" "$T/build/fdlist.c" ||
    fail "compile fdlist for $1"
  $ld -o "$2.tmp" "$T/build/$1.o" || fail "link fdlist for $1"
  chmod 0755 "$2.tmp" && mv "$2.tmp" "$2" || fail "install $2"
}
mv "$I/bin/qmail-local" "$I/bin/qmail-local.real" || fail "unable to move qmail-local"
build local "$I/bin/qmail-local" "$I/bin/qmail-local.real"
build remote "$I/bin/qmail-remote"
build queue "$I/bin/fds-queue" "$I/bin/qmail-queue"

# qmail-start runs with an empty environment but for PATH: add $QMAILQUEUE
run=$I/service/qmail-send/run
sed "s|exec env - PATH=|exec env - QMAILQUEUE=$I/bin/fds-queue PATH=|" "$run" > "$run.tmp" &&
  chmod 0755 "$run.tmp" && mv "$run.tmp" "$run" || fail "unable to edit $run"
grep -q "QMAILQUEUE=$I/bin/fds-queue " "$run" || fail "QMAILQUEUE not set in $run"

: > "$T/stray" || fail "unable to create $T/stray"
exec 9< "$T/stray"
instance_start "$I"
exec 9<&-

MB=`mailbox "$I"`
printf 'Subject: to nobody\n\nbounce me\n' | queue_msg "$I" "$ME@localhost" nosuch@localhost ||
  fail "qmail-queue exited $?"
printf 'Subject: far away\n\nhello\n' | queue_msg "$I" "$ME@localhost" someone@remote.invalid ||
  fail "qmail-queue exited $?"

records() {
  ls "$REC" 2>/dev/null | grep -c "^$1\.[0-9]*\$"
}
# at least N records of ROLE
has_records() {
  [ "`records "$1"`" -ge "$2" ]
}
wait_for 30 has_records remote 1 || fail "qmail-remote did not run"
wait_for 30 has_records queue 1 || { cat "`log_file "$I"`"; fail "no bounce through \$QMAILQUEUE"; }
wait_for 30 maildir_has "$MB" 1 || { cat "`log_file "$I"`"; fail "the bounce was not delivered"; }
wait_for 30 has_records local 2 || fail "qmail-local did not run twice"
assert_eq 1 "`records queue`" "runs of \$QMAILQUEUE"
log_grep "$I" "bounce msg [0-9]* qp " || fail "no bounce in the log"

# shape FILE: the record with pipes as "pipe" and the message file as "mess",
# sorted by descriptor
shape() {
  sed "s,pipe:\[[0-9]*\]\$,pipe,; s,^\([0-9]*\) $I/queue/mess/[0-9]*/[0-9]*\$,\1 mess," "$1" | sort -n
}
# distinct FILE FD...: the number of different targets of those descriptors
distinct() {
  d_file=$1
  shift
  for d_fd in "$@"; do sed -n "s/^$d_fd //p" "$d_file"; done | sort -u | wc -l | tr -d ' '
}
# expect_shape FILE WHAT LINE...: FILE's shape is exactly LINEs
expect_shape() {
  e_file=$1
  e_what=$2
  shift 2
  e_want=`printf '%s\n' "$@"`
  e_got=`shape "$e_file"`
  [ "$e_got" = "$e_want" ] || {
    echo "--- $e_what got:"
    cat "$e_file"
    echo "--- expected:"
    printf '%s\n' "$e_want"
    fail "$e_what does not get exactly the descriptors of its protocol"
  }
}

for f in "$REC"/queue.*; do
  expect_shape "$f" "qmail-queue run by qmail-send" "0 pipe" "1 pipe" "2 /dev/null" "6 pipe"
  assert_eq 3 "`distinct "$f" 0 1 6`" "different pipes on fds 0, 1 and 6 of qmail-queue"
done
for f in "$REC"/local.*; do
  expect_shape "$f" "qmail-local" "0 mess" "1 pipe" "2 pipe"
  assert_eq 1 "`distinct "$f" 1 2`" "one pipe on fds 1 and 2 of qmail-local"
done
for f in "$REC"/remote.*; do
  expect_shape "$f" "qmail-remote" "0 mess" "1 pipe" "2 pipe"
  assert_eq 1 "`distinct "$f" 1 2`" "one pipe on fds 1 and 2 of qmail-remote"
done

# --- the daemons -------------------------------------------------------------------
send=`svstat "$I/service/qmail-send" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'`
[ -n "$send" ] || fail "qmail-send is not up"
assert_eq qmail-send "`cat /proc/$send/comm`" "the supervised program"
children=
for s in /proc/[0-9]*/stat; do
  # pid (comm) state ppid ...
  set -- `sed 's/^[0-9]* (\([^)]*\)) /\1 /' "$s" 2>/dev/null`
  [ "$3" = "$send" ] || continue
  case $1 in
    qmail-lspawn | qmail-rspawn | qmail-clean) children="$children ${s#/proc/}" ;;
  esac
done
children=`echo $children | sed 's,/stat,,g'`
assert_eq 3 "`echo $children | wc -w | tr -d ' '`" "daemons started with qmail-send"

# check_daemon PID TOP: fds 0..TOP open, every other one close-on-exec, none
# the stray file
check_daemon() {
  c_name=`cat /proc/$1/comm`
  c_fd=0
  while [ $c_fd -le $2 ]; do
    [ -e "/proc/$1/fd/$c_fd" ] || fail "$c_name has no fd $c_fd"
    c_fd=$((c_fd + 1))
  done
  for c_f in /proc/$1/fd/*; do
    c_fd=${c_f##*/}
    [ "`readlink "$c_f"`" = "$T/stray" ] && fail "the stray descriptor reached $c_name (fd $c_fd)"
    [ $c_fd -le $2 ] && continue
    c_flags=`sed -n 's/^flags:[[:space:]]*//p' "/proc/$1/fdinfo/$c_fd" 2>/dev/null` || continue
    [ -n "$c_flags" ] || continue   # closed in the meantime
    [ $((0$c_flags & 02000000)) -ne 0 ] ||
      fail "$c_name's fd $c_fd (`readlink "$c_f"`) is not close-on-exec"
  done
}
check_daemon "$send" 6
for p in $children; do
  check_daemon "$p" 2
done

# nor svscan, and so none of supervise and multilog (up.sh closes 3 to 9)
svscan_pid=`cat "$I/svscan.pid"`
for c_f in /proc/$svscan_pid/fd/*; do
  [ "`readlink "$c_f"`" = "$T/stray" ] && fail "the stray descriptor reached svscan (fd ${c_f##*/})"
done

pass
