#!/bin/sh
# bench/queue-to-maildir.sh [-r ROUNDS] [-n N] [-j INJECTORS] [-l SAMPLES] [-c CENSUS_N] [-d LINE] [-e new|queue] [-i qmail-queue|smtp [-k K] [-P]] [TREE...]
#
# The local path, qmail-queue to Maildir, of one build or of several side by
# side. Run from the top of a source tree (it builds the helpers of this
# bench/ directory; each TREE is measured with its own programs and scripts).
#   TREE      a source tree (a directory: `make` is run there first) or a git
#             revision of the repository of the current directory (checked
#             out into a temporary `git worktree`, built, removed at the end).
#             No TREE: the current directory. Trees are named A, B, C...
#   -r        rounds (default 5). Rounds alternate between the trees, A B A B
#             ..., so that noise on the machine hits every tree alike.
#   -n        messages per timed pass (default 1000), 4 KB each, queued by
#   -j        INJECTORS concurrent injectors (default 10), each a loop that
#             spawns qmail-queue as a server would (bench/inject.c).
#   -l        single-message latency samples per round (default 20).
#   -c        messages of the strace census (default 200; 0: no census).
#   -d        the delivery: LINE is written as the .qmail of the recipient
#             (its home is DIR/mail/USER), for example ./mbox (every message
#             appended to one mbox) or '|cat > /dev/null'. Default: no
#             .qmail, the instance's default delivery ./Maildir/.
#   -e        when a message counts as delivered: new (default) when its
#             file appears in Maildir/new; queue when it has left the queue
#             (its file in queue/mess/ is removed: the delivery is done and
#             reported). A delivery that is not to ./Maildir/ needs -e queue.
#   -i        how mail comes in: qmail-queue (default, as above) or smtp:
#             the instance also runs qmail-smtpd under tcpserver on a free
#             port of 127.0.0.1 (its service/qmail-smtpd), and one
#             bench/smtp-load keeps INJECTORS SMTP sessions open at once,
#   -k        K messages per connection (default 1), pipelining MAIL, RCPT
#   -P        and DATA with -P. Then "injection" is the rate of messages
#             accepted (until smtp-load has the last 250 and exits), the
#             CPU is the instance's alone (tcpserver, qmail-smtpd and
#             qmail-queue included, smtp-load not: it is printed apart as
#             "client"), a latency sample is one message sent by
#             smtp-load on a connection of its own, and the census also
#             traces the SMTP service (tcpserver and all it starts).
#   The old form `queue-to-maildir.sh N [INJECTORS]` still works.
#   CONCURRENCY=n sets control/concurrencylocal (default 10); KEEP=1 keeps
#   the temporary directory; QMBENCH_CPU=proc skips the cgroups (below).
#
# Each round of a tree starts its instance afresh (own directory, empty
# Maildir), warms it with 100 messages, waits until the queue is empty and
# runs `sync`, then measures:
#   msg/s     N messages, from the start of the injectors until the last
#             file is in Maildir/new, and injection alone (until the last
#             injector exits). bench/maildir-clock.c watches new/ with
#             inotify, so the end is seen when it happens, not at a poll.
#   local CPU user+sys per message of qmail-lspawn and everything it ran
#             and waited for (qmail-getpw, qmail-local, programs): the
#             change in utime+stime+cutime+cstime of its /proc/PID/stat.
#   CPU       user+sys per message of every process of the instance and of
#             the injectors (qmail-queue included), over the timed pass and
#             until the queue is empty again. Method, best first: a cgroup v2
#             of our own (cpu.stat: user_usec, system_usec), or a cgroup v1
#             cpuacct (cpuacct.usage_user/usage_sys); up.sh (so svscan and
#             everything under it) and each injector are moved into it, the
#             script and its clock are not. Without cgroups: the change in
#             utime+stime+cutime+cstime of every process working in the
#             instance (/proc/PID/stat; exited processes count through the
#             parent that waited for them), plus getrusage(RUSAGE_CHILDREN) of
#             the clock for the injectors. Its total agrees with the cgroup's
#             within a few per cent; its user/sys split does not (a process
#             that lives less than a 10 ms tick is all "user").
#   latency   SAMPLES single messages, each alone in an empty queue, 50 ms
#             apart: from the call of qmail-queue until its file appears in
#             Maildir/new (inotify; with -e queue: until it has left the
#             queue), median, min and max.
# After the rounds, a separate run per tree under strace (never timed)
# counts, over CENSUS_N messages, the fsync family (fsync, fdatasync,
# syncfs, sync, sync_file_range) and process creation (fork, vfork, clone
# and clone3 without CLONE_THREAD; execve, execveat that succeeded) per
# message, by program: qmail-start and everything it starts run under
# `strace -f --seccomp-bpf` from the service's run file, the injectors under
# another strace as the queue's owner (a traced setuid program loses its
# privilege); only calls made after the first message was injected count.
# It prints the numbers of every round, then per tree the medians over the
# rounds and the ratios of each tree to A (B/A for msg/s, latency, CPU).
# It measures; it never passes or fails. Needs gcc, daemontools, and strace
# for the census.

usage() {
  sed -n 2,3p "$0" | sed 's/^# //' >&2
  exit 100
}

ROUNDS=5
N=1000
P=10
SAMPLES=20
CENSUS_N=${FSYNC_N:-200}
WARMUP=100
GAP_MS=50
DELIVERY=
END=new
INJECT=qmail-queue
PER_CONN=1
PIPELINING=
while getopts r:n:j:l:c:d:e:i:k:P o; do
  case $o in
    r) ROUNDS=$OPTARG ;;
    n) N=$OPTARG ;;
    j) P=$OPTARG ;;
    l) SAMPLES=$OPTARG ;;
    c) CENSUS_N=$OPTARG ;;
    d) DELIVERY=$OPTARG ;;
    e) END=$OPTARG ;;
    i) INJECT=$OPTARG ;;
    k) PER_CONN=$OPTARG ;;
    P) PIPELINING=-P ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
# the old interface: N [INJECTORS]
case $1 in
  '' | *[!0-9]*) ;;
  *) if [ ! -d "$1" ]; then
       N=$1; shift
       case $1 in '' | *[!0-9]*) ;; *) [ -d "$1" ] || { P=$1; shift; } ;; esac
     fi ;;
esac
for v in "$ROUNDS" "$N" "$P" "$SAMPLES" "$CENSUS_N" "$PER_CONN"; do
  case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$ROUNDS" -ge 1 ] && [ "$P" -ge 1 ] && [ "$N" -ge "$P" ] || usage
case $END in new | queue) ;; *) usage ;; esac
case $INJECT in qmail-queue | smtp) ;; *) usage ;; esac
[ "$PER_CONN" -ge 1 ] || usage

UP_TIMEOUT=30
export UP_TIMEOUT
HERE=`pwd`
BENCH=`cd "\`dirname "$0"\`" && pwd`
[ -f "$HERE/bench/queue-to-maildir.sh" ] || { echo "run from the top of the source tree"; exit 100; }

T=`mktemp -d "${TMPDIR:-/tmp}/qmbench.XXXXXX"` || exit 111
[ "`id -u`" = 0 ] && chmod 0755 "$T"
WORKTREES=
CGROUPS=

# every process working in instance $1, whatever supervise knows of it
kill_instance() {
  for sig in TERM KILL; do
    for p in /proc/[0-9]*; do
      case `readlink "$p/cwd" 2>/dev/null` in
        "$1" | "$1"/*) kill -$sig "${p#/proc/}" 2>/dev/null ;;
      esac
    done
    [ $sig = TERM ] && sleep 1
  done
}
cleanup() {
  trap '' INT TERM
  for k in $TREES; do
    eval "i=\$INST_$k top=\$TOP_$k cg=\$CG_$k"
    [ -n "$i" ] || continue
    sh "$top/down.sh" "$i" >/dev/null 2>&1
    [ -n "$cg" ] && [ -f "$cg/cgroup.kill" ] && echo 1 > "$cg/cgroup.kill" 2>/dev/null
    kill_instance "$i"
  done
  for cg in $CGROUPS; do
    n=0
    while [ -s "$cg/cgroup.procs" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    rmdir "$cg" 2>/dev/null
  done
  for w in $WORKTREES; do
    git -C "$HERE" worktree remove --force "$w" >/dev/null 2>&1
  done
  [ -n "$WORKTREES" ] && git -C "$HERE" worktree prune >/dev/null 2>&1
  if [ -n "$KEEP" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the helpers, from this bench/ whatever the trees
gcc -O2 -o "$T/inject" "$BENCH/inject.c" &&
  gcc -O2 -o "$T/maildir-clock" "$BENCH/maildir-clock.c" || exit 111
CLOCK=$T/maildir-clock
if [ $INJECT = smtp ]; then
  gcc -O2 -o "$T/smtp-load" "$BENCH/smtp-load.c" || exit 111
fi

# a 4 KB message
user=`id -un`
{
  printf 'From: bench@example.com\nTo: %s@localhost\nSubject: benchmark\n\n' "$user"
  i=0
  while [ $i -lt 60 ]; do
    printf 'line %02d of a benchmark message, padded to about seventy bytes. xx\n' $i
    i=$((i + 1))
  done
} | head -c 4096 > "$T/msg"
printf 'Fbench@example.com\0T%s@localhost\0\0' "$user" > "$T/env"

# how CPU time is measured: a cgroup v2, a cgroup v1 cpuacct, or /proc
CGMODE=proc
CGBASE=
if [ "$QMBENCH_CPU" != proc ]; then
  v2=`awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts`
  own=`sed -n 's/^0:://p' /proc/self/cgroup`
  if [ -n "$v2" ] && mkdir "$v2$own/qmbench.probe.$$" 2>/dev/null; then
    [ -f "$v2$own/qmbench.probe.$$/cpu.stat" ] && { CGMODE=v2; CGBASE=$v2$own; }
    rmdir "$v2$own/qmbench.probe.$$"
  fi
  if [ $CGMODE = proc ]; then
    v1=`awk '$3 == "cgroup" && $4 ~ /(^|,)cpuacct(,|$)/ { print $2; exit }' /proc/mounts`
    own=`sed -n 's/^[0-9]*:[^:]*cpuacct[^:]*://p' /proc/self/cgroup`
    if [ -n "$v1" ] && mkdir "$v1$own/qmbench.probe.$$" 2>/dev/null; then
      [ -f "$v1$own/qmbench.probe.$$/cpuacct.usage_user" ] && { CGMODE=v1; CGBASE=$v1$own; }
      rmdir "$v1$own/qmbench.probe.$$"
    fi
  fi
fi
CGBASE=`echo "$CGBASE" | sed 's,/$,,'`
case $CGMODE in
  v2) CPU_METHOD="cgroup v2 cpu.stat" ;;
  v1) CPU_METHOD="cgroup v1 cpuacct" ;;
  proc) CPU_METHOD="/proc/PID/stat of the instance + getrusage of the injectors" ;;
esac

# cpu_us TREE: user and system microseconds so far ("USER SYS")
cpu_us() {
  eval "cg=\$CG_$1 i=\$INST_$1"
  case $CGMODE in
    v2) awk '$1 == "user_usec" { u = $2 } $1 == "system_usec" { s = $2 } END { print u, s }' "$cg/cpu.stat" ;;
    v1) echo "`cat "$cg/cpuacct.usage_user"` `cat "$cg/cpuacct.usage_sys"`" | awk '{ print int($1 / 1000), int($2 / 1000) }' ;;
    proc)
      hz=`getconf CLK_TCK`
      for p in /proc/[0-9]*; do
        case `readlink "$p/cwd" 2>/dev/null` in
          "$i" | "$i"/*) sed 's/.*) //' "$p/stat" 2>/dev/null ;;
        esac
      done | awk -v hz="$hz" '{ u += $12 + $14; s += $13 + $15 }
        END { printf "%.0f %.0f\n", u * 1e6 / hz, s * 1e6 / hz }' ;;
  esac
}

# in_cgroup TREE CMD...: runs CMD inside the tree's cgroup
in_cgroup() {
  eval "cg=\$CG_$1"
  shift
  if [ -n "$cg" ]; then
    sh -c 'echo 0 > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"
  else
    "$@"
  fi
}

# The trees: A, B, ... with TOP_x, NAME_x, INST_x, CG_x.
[ $# -gt 0 ] || set -- .
TREES=
k=0
for arg in "$@"; do
  label=`echo ABCDEFGHIJKLMNOPQRSTUVWXYZ | cut -c$((k + 1))`
  [ -n "$label" ] || { echo "at most 26 trees"; exit 100; }
  k=$((k + 1))
  if [ -d "$arg" ]; then
    top=`cd "$arg" && pwd`
    desc="$arg (`git -C "$top" describe --always --dirty 2>/dev/null || echo "not a git tree"`)"
  else
    rev=`git -C "$HERE" rev-parse --verify -q "$arg^{commit}"` ||
      { echo "$arg: neither a directory nor a git revision"; exit 100; }
    top=$T/src.$label
    git -C "$HERE" worktree add -q --detach "$top" "$rev" >"$T/worktree.log" 2>&1 ||
      { cat "$T/worktree.log"; exit 111; }
    WORKTREES="$WORKTREES $top"
    desc="$arg (`git -C "$HERE" rev-parse --short "$rev"`, built in a temporary worktree)"
  fi
  [ -f "$top/mkinstance.sh" ] && [ -f "$top/down.sh" ] || { echo "$arg: not a source tree"; exit 100; }
  echo "$label = $desc"
  make -s -C "$top" all >"$T/make.$label.log" 2>&1 ||
    { tail -n 20 "$T/make.$label.log"; echo "$arg: make failed"; exit 111; }
  inst=$T/inst.$label
  port=
  [ $INJECT = smtp ] && port=`"$CLOCK" port`
  sh "$top/mkinstance.sh" "$inst" $port >"$T/mkinstance.$label.log" 2>&1 ||
    { cat "$T/mkinstance.$label.log"; exit 111; }
  [ $INJECT = qmail-queue ] || [ -f "$inst/service/qmail-smtpd/run" ] ||
    { echo "$arg: no qmail-smtpd service (is qmail-smtpd built in that tree?)"; exit 100; }
  [ -n "$CONCURRENCY" ] && echo "$CONCURRENCY" > "$inst/control/concurrencylocal"
  if [ -n "$DELIVERY" ]; then
    home=$inst/mail/$user
    printf '%s\n' "$DELIVERY" > "$home/.qmail" && chown --reference="$home" "$home/.qmail" &&
      chmod 0644 "$home/.qmail" || exit 111
  fi
  cg=
  if [ $CGMODE != proc ]; then
    cg=$CGBASE/qmbench.$$.$label
    mkdir "$cg" || exit 111
    CGROUPS="$CGROUPS $cg"
  fi
  eval "TOP_$label=\$top DESC_$label=\$desc NAME_$label=\$arg INST_$label=\$inst CG_$label=\$cg PORT_$label=\$port"
  TREES="$TREES $label"
done
FIRST=`echo $TREES | cut -d' ' -f1`
per=$((N / P))
n=$((per * P))
wper=$(((WARMUP + P - 1) / P))
eval "first_inst=\$INST_$FIRST"
if [ $INJECT = smtp ]; then
  via="by SMTP from $P sessions, $PER_CONN per connection`[ -n "$PIPELINING" ] && echo ", pipelined"`"
else
  via="from $P injectors"
fi
echo "$n messages of 4096 bytes per pass $via, concurrencylocal `cat "$first_inst/control/concurrencylocal" 2>/dev/null || echo 10`;" \
  "$SAMPLES latency samples per round; $ROUNDS rounds; CPU: $CPU_METHOD"
echo "delivery: ${DELIVERY:-./Maildir/ (the default delivery)}; delivered: `[ $END = new ] && echo "its file is in Maildir/new" || echo "it has left the queue"`"

# watch TREE: what the clock watches (Maildir/new or the queue)
watch() {
  eval "i=\$INST_$1"
  if [ $END = queue ]; then echo "$i/queue"; else echo "$i/mail/$user/Maildir/new"; fi
}

# local_cpu_us TREE: user+sys microseconds of qmail-lspawn and its children
local_cpu_us() {
  eval "i=\$INST_$1"
  hz=`getconf CLK_TCK`
  for p in /proc/[0-9]*; do
    [ "`cat "$p/comm" 2>/dev/null`" = qmail-lspawn ] || continue
    case `readlink "$p/cwd" 2>/dev/null` in
      "$i" | "$i"/*) sed 's/.*) //' "$p/stat" 2>/dev/null ;;
    esac
  done | awk -v hz="$hz" '{ t += $12 + $13 + $14 + $15 } END { printf "%.0f\n", t * 1e6 / hz }'
}

# load TREE WANT [WRAPPER...]: a clock pass of WANT messages (a multiple
# of P) into the tree's instance, by qmail-queue or by SMTP; WRAPPER runs
# each qmail-queue injector (strace for the census). Prints the clock's line
# and, for SMTP, smtp-load's two lines before it.
load() {
  eval "i=\$INST_$1 cg=\$CG_$1 port=\$PORT_$1"
  lw=`watch "$1"`
  lwant=$2
  shift 2
  if [ $INJECT = smtp ]; then
    "$CLOCK" pass "$lw" "$lwant" 1 "$T/smtp-load" -s "$P" -m "$lwant" -k "$PER_CONN" $PIPELINING \
      -p "$port" -F "$T/msg" -f bench@example.com -t "$user@localhost"
  else
    QMBENCH_CGROUP=${cg:+$cg/cgroup.procs} \
      "$CLOCK" pass "$lw" "$lwant" "$P" "$@" "$T/inject" "$i/bin/qmail-queue" "$T/msg" "$T/env" $((lwant / P))
  fi
}

# start TREE, stop TREE: the tree's instance under svscan
start() {
  eval "top=\$TOP_$1 i=\$INST_$1"
  find "$i/mail/$user/Maildir/new" -type f -delete
  find "$i/mail/$user" -maxdepth 1 -type f ! -name .qmail -delete
  in_cgroup "$1" sh "$top/up.sh" -n -q "$i" ||
    { echo "the instance of $1 did not start"; exit 111; }
}
stop() {
  eval "top=\$TOP_$1 i=\$INST_$1 cg=\$CG_$1"
  sh "$top/down.sh" "$i" >/dev/null 2>&1
  if [ -n "$cg" ] && [ -s "$cg/cgroup.procs" ]; then
    [ -f "$cg/cgroup.kill" ] && echo 1 > "$cg/cgroup.kill"
  fi
  kill_instance "$i" 2>/dev/null
}

# round TREE R: one round of measurements, appended to $T/results.TREE
round() {
  eval "i=\$INST_$1 cg=\$CG_$1"
  w=`watch "$1"`
  start "$1"
  load "$1" $((wper * P)) >/dev/null || { echo "warm-up of $1 failed"; exit 1; }
  "$CLOCK" drain "$i/queue" 60 || exit 1
  sync
  c0=`cpu_us "$1"`
  l0=`local_cpu_us "$1"`
  out=`load "$1" "$n"` || { echo "$out"; echo "timed pass of $1 failed"; exit 1; }
  res=`echo "$out" | grep -v '^smtp-load:'`
  smtplat=`echo "$out" | sed -n 's/^smtp-load: latency ms median \([0-9.]*\),.*/\1/p'`
  "$CLOCK" drain "$i/queue" 60 || exit 1
  c1=`cpu_us "$1"`
  l1=`local_cpu_us "$1"`
  sync
  if [ $INJECT = smtp ]; then
    eval "port=\$PORT_$1"
    "$CLOCK" latency-cmd "$w" "$i/queue" "$SAMPLES" "$GAP_MS" "$T/smtp-load" -q -s 1 -m 1 \
      -p "$port" -F "$T/msg" -f bench@example.com -t "$user@localhost" > "$T/lat.$1.$2"
  else
    "$CLOCK" latency "$w" "$i/queue" "$SAMPLES" "$GAP_MS" "$i/bin/qmail-queue" "$T/msg" "$T/env" > "$T/lat.$1.$2"
  fi || { echo "latency of $1 failed"; exit 1; }
  # the message arrived whole: a delivered file ends with it
  if [ $END = new ] && [ -z "$DELIVERY" ]; then
    f=`ls "$w" | head -n 1`
    size=`wc -c < "$T/msg"`
    tail -c "$size" "$w/$f" | cmp -s - "$T/msg" ||
      { echo "$1: $w/$f does not end with the message sent"; exit 1; }
  fi
  stop "$1"
  # a delivery that failed or was deferred would be timed as done
  bad=`grep -c -e '^delivery [0-9]*: failure' -e '^delivery [0-9]*: deferral' "$i/log/qmail-send/current"`
  [ "$bad" = 0 ] || { grep -m 3 -e ': failure' -e ': deferral' "$i/log/qmail-send/current"; echo "$bad deliveries of $1 failed"; exit 1; }
  set -- "$1" "$2" $res $c0 $c1 $l0 $l1
  # $3 epoch, $4 inject ms, $5 total ms, $6 $7 injectors' user and sys ms,
  # $8..$11 user and sys us before and after, $12 $13 local us before and after
  sort -n "$T/lat.$1.$2" | awk -v t="$1" -v r="$2" -v n=$n -v inj="$4" -v tot="$5" \
    -v ku="$6" -v ks="$7" -v u0="$8" -v s0="$9" -v u1="${10}" -v s1="${11}" -v l0="${12}" -v l1="${13}" -v mode=$CGMODE \
    -v smtp="`[ $INJECT = smtp ] && echo 1`" -v smtplat="$smtplat" '
    { l[NR] = $1 }
    END {
      med = NR % 2 ? l[(NR + 1) / 2] : (l[NR / 2] + l[NR / 2 + 1]) / 2
      u = (u1 - u0) / 1000; s = (s1 - s0) / 1000
      if (mode == "proc" && !smtp) { u += ku; s += ks }   # the injectors
      lc = (l1 - l0) / 1000 / n
      printf "round %d %s: %6.0f msg/s end to end (%.0f ms), %6.0f msg/s %s; latency %.2f ms (min %.2f, max %.2f); CPU %.3f ms/msg (user %.3f, sys %.3f), local %.3f",
        r, t, n * 1000 / tot, tot, n * 1000 / inj, smtp ? "accepted" : "injection", med, l[1], l[NR], (u + s) / n, u / n, s / n, lc
      if (smtp) printf "; client CPU %.3f ms/msg, SMTP latency under load %.2f ms", (ku + ks) / n, smtplat
      printf "\n"
      print n * 1000 / tot, n * 1000 / inj, med, (u + s) / n, lc >> ("'"$T"'/results." t)
    }'
}

r=1
while [ $r -le "$ROUNDS" ]; do
  for k in $TREES; do
    round "$k" "$r"
  done
  r=$((r + 1))
done

# census TREE: a separate, untimed run under strace
census() {
  eval "top=\$TOP_$1 i=\$INST_$1"
  w=`watch "$1"`
  d=$T/census.$1
  mkdir -p "$d"
  chmod 0777 "$d"
  m=$(((CENSUS_N / P) * P))
  calls=fsync,fdatasync,syncfs,sync,sync_file_range,execve,execveat,fork,vfork,clone,clone3
  quser=`stat -c %U "$i/bin/qmail-queue"`
  if [ "`id -u`" = 0 ]; then asq="-u $quser"; else asq=; fi
  run=$i/service/qmail-send/run
  cp "$run" "$d/run.orig"
  sed "s|exec env - |exec strace -f -ff -ttt --seccomp-bpf -qq -e trace=$calls -o $d/send env - |" "$d/run.orig" > "$run"
  srun=$i/service/qmail-smtpd/run
  if [ $INJECT = smtp ]; then
    # tcpserver and all it starts under strace; as root, strace itself
    # becomes the SMTP account (-u, so that the setuid qmail-queue keeps
    # its privilege), not tcpserver. No --seccomp-bpf: its filter needs
    # no_new_privs in an unprivileged tracee, and that voids the setuid bit.
    cp "$srun" "$d/smtpd-run.orig"
    sacct=`sed -n 's/^uid=\`id -u \([^\`]*\)\`.*/\1/p' "$srun"`
    sed -e "s|exec env - |exec strace -f -ff -ttt -qq -e trace=$calls ${sacct:+-u $sacct} -o $d/smtpd env - |" \
      -e 's| -u "$uid" -g "$gid"||' "$d/smtpd-run.orig" > "$srun"
  fi
  start "$1"
  cp "$d/run.orig" "$run"
  [ $INJECT = smtp ] && cp "$d/smtpd-run.orig" "$srun"
  load "$1" $((wper * P)) >/dev/null || { echo "census warm-up of $1 failed"; return 1; }
  "$CLOCK" drain "$i/queue" 60 || return 1
  out=`load "$1" "$m" strace -f -ff -ttt --seccomp-bpf -qq -e trace=$calls $asq -o "$d/inject"` ||
    { echo "$out"; echo "census of $1 failed"; return 1; }
  set -- "$1" `echo "$out" | grep -v '^smtp-load:'`
  "$CLOCK" drain "$i/queue" 60
  if [ $INJECT = smtp ]; then
    svc -d "$i/service/qmail-smtpd"
    for p in /proc/[0-9]*; do
      [ "`cat "$p/comm" 2>/dev/null`" = tcpserver ] || continue
      case `readlink "$p/cwd" 2>/dev/null` in "$i" | "$i"/*) kill -TERM "${p#/proc/}" ;; esac
    done
  fi
  # supervise's child is strace, which does not act on TERM while it waits:
  # mark the service down, then stop qmail-send itself
  svc -d "$i/service/qmail-send"
  for p in /proc/[0-9]*; do
    [ "`cat "$p/comm" 2>/dev/null`" = qmail-send ] || continue
    case `readlink "$p/cwd" 2>/dev/null` in "$i" | "$i"/*) kill -TERM "${p#/proc/}" ;; esac
  done
  stop "$1"
  # per-process files NAME.PID, parents (smaller pids) first
  files=`ls "$d" | sed -n 's/^\(send\|inject\|smtpd\)\.\([0-9]*\)$/\2 \1.\2/p' | sort -n | cut -d' ' -f2`
  (cd "$d" && awk -v since="$2" -v m=$m '
      FNR == 1 { pid = FILENAME; sub(/.*\./, "", pid); prog = (pid in child) ? child[pid] : "?" }
      {
        t = $1 * 1000; call = $2; sub(/\(.*/, "", call)
        if (call ~ /^(execve|execveat)$/ && $NF == "0") {
          name = $2; sub(/^[a-z]*\("/, "", name); sub(/".*/, "", name); sub(/.*\//, "", name)
          prog = name
          if (t >= since && prog != "inject") execs[prog]++
        } else if (call ~ /^(fork|vfork|clone|clone3)$/ && $0 !~ /CLONE_THREAD/ && $NF ~ /^[0-9]+$/ && $NF > 0) {
          child[$NF] = prog
          if (t >= since) forks[prog]++
        } else if (call ~ /^(fsync|fdatasync|syncfs|sync|sync_file_range)$/ && $NF !~ /^-/ && t >= since) {
          if (call ~ /^(fsync|fdatasync)$/) fs[prog]++
          else if (call == "sync_file_range") sfr[prog]++
          else sfs[prog]++
        }
        seen[prog] = 1
      }
      END {
        printf "  %-14s %8s %8s %8s %8s %8s %8s\n", "per message", "fsync", "syncfs", "s_f_r", "family", "forks", "execs"
        for (p in seen) if (fs[p] + sfs[p] + sfr[p] + forks[p] + execs[p] > 0) {
          printf "  %-14s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f\n", p, fs[p] / m, sfs[p] / m, sfr[p] / m,
            (fs[p] + sfs[p] + sfr[p]) / m, forks[p] / m, execs[p] / m
          FS += fs[p]; SFS += sfs[p]; SFR += sfr[p]; F += forks[p]; E += execs[p]
        }
        printf "  %-14s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f\n", "total", FS / m, SFS / m, SFR / m, (FS + SFS + SFR) / m, F / m, E / m
        print (FS + SFS + SFR) / m, F / m, E / m, FS / m, SFS / m, SFR / m > "'"$d"'/totals"
      }' $files) > "$d/table"
  echo "census of $1 over $m messages (strace; not timed): fsync = fsync+fdatasync, syncfs = syncfs+sync,"
  echo "  s_f_r = sync_file_range, family = their sum; forks by the program that forks, execs of the program run"
  sed -n '1p' "$d/table"
  sed '1d;$d' "$d/table" | sort
  tail -n 1 "$d/table"
}

if [ "$CENSUS_N" -gt 0 ]; then
  if command -v strace >/dev/null 2>&1; then
    for k in $TREES; do
      census "$k"
    done
  else
    echo "no strace: no census of fsync calls and processes"
  fi
fi

# medians
median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median over $ROUNDS rounds (latency min and max over all samples):"
for k in $TREES; do
  f=$T/results.$k
  tp=`cut -d' ' -f1 "$f" | median`
  ip=`cut -d' ' -f2 "$f" | median`
  lat=`cut -d' ' -f3 "$f" | median`
  cpu=`cut -d' ' -f4 "$f" | median`
  lcpu=`cut -d' ' -f5 "$f" | median`
  lmin=`cat "$T"/lat.$k.* | sort -n | head -n 1 | cut -d' ' -f1`
  lmax=`cat "$T"/lat.$k.* | sort -n | tail -n 1 | cut -d' ' -f1`
  cen=
  [ -f "$T/census.$k/totals" ] && cen=`awk '{ printf "; per msg %.2f fsync-family (%.2f fsync, %.2f syncfs, %.2f sync_file_range), %.2f forks, %.2f execs", $1, $4, $5, $6, $2, $3 }' "$T/census.$k/totals"`
  eval "name=\$DESC_$k"
  inlabel=injection
  [ $INJECT = smtp ] && inlabel=accepted
  printf '%s %s: %.0f msg/s end to end, %.0f msg/s %s; latency %.2f ms (min %.2f, max %.2f); CPU %.3f ms/msg, local %.3f ms/msg%s\n' \
    "$k" "$name" "$tp" "$ip" "$inlabel" "$lat" "$lmin" "$lmax" "$cpu" "$lcpu" "$cen"
  eval "TP_$k=$tp LAT_$k=$lat CPU_$k=$cpu"
done
eval "ta=\$TP_$FIRST la=\$LAT_$FIRST ca=\$CPU_$FIRST"
for k in $TREES; do
  [ "$k" = "$FIRST" ] && continue
  eval "tb=\$TP_$k lb=\$LAT_$k cb=\$CPU_$k"
  awk -v k="$k/$FIRST" -v ta="$ta" -v tb="$tb" -v la="$la" -v lb="$lb" -v ca="$ca" -v cb="$cb" \
    'BEGIN { printf "%s: msg/s %.3f, latency %.3f, CPU %.3f (msg/s above 1, latency and CPU below 1: better than A)\n", k, tb / ta, lb / la, cb / ca }'
done
exit 0
