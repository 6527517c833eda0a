#!/bin/sh
# bench/spawn-cost.sh [COUNT]
#
# What one start of our programs costs a spawner, by C library and link:
# an empty program, qmail-queue (its cheap path: start, getpwuid of the
# caller for the Received line, then exit 61 because the compiled-in home
# does not exist) and qmail-local (a whole delivery of a 100-byte message
# into a Maildir on tmpfs, where fsync costs nothing), each built
#
#   glibc-pie         conf-cc, conf-ld: dynamic PIE (the default without musl)
#   glibc-static      conf-cc, gcc -static
#   glibc-static-pie  conf-cc, gcc -static-pie
#   musl-static       conf-cc-musl, musl-gcc -static
#   musl-static-pie   conf-cc-musl and the link trymusl.sh chose (make's build)
#
# and started COUNT times (default 2000) by bench/spawn-cost (fork, execv,
# waitpid). Then fork, vfork and posix_spawn of the musl-static-pie
# qmail-queue are compared from parents with resident sizes of 2 to 512 MB,
# the choice the long-running spawners (qmail-lspawn, qmail-rspawn,
# qmail-send through queue_client.c) face.
# Run from the top of the source tree. Numbers, not pass/fail.

N=${1:-2000}
TOP=`pwd`
[ -f "$TOP/bench/spawn-cost.sh" ] || { echo "run from the top of the source tree"; exit 100; }

T=`mktemp -d "${TMPDIR:-/tmp}/spawncost.XXXXXX"` || exit 111
trap 'rm -rf "$T"; [ -n "$SHM" ] && rm -rf "$SHM"' EXIT
trap 'exit 130' INT TERM

cc=`sed -n 1p conf-cc`
ld=`sed -n 1p conf-ld`
gcc -std=c99 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$T/spawn-cost" bench/spawn-cost.c || exit 111
sh auto.sh "$T/nohome" conf-users conf-groups > "$T/auto.c" || exit 111
sh trymusl.sh > "$T/musl.mk" || exit 111
mcc=`sed -n 's/^MUSL_CC = //p' "$T/musl.mk"`
mld=`sed -n 's/^MUSL_LD = //p' "$T/musl.mk"`
mend=`sed -n 's/^MUSL_LD_END = //p' "$T/musl.mk"`
printf 'int main(void) { return 0; }\n' > "$T/empty.c"

# objects LIBC CC: every library module, auto.c, the programs, in $T/LIBC
objects() {
  mkdir -p "$T/$1"
  for f in *.c "$T/auto.c" "$T/empty.c"; do
    case $f in
      try*.c) continue ;;
      qmail-*.c) case $f in qmail-queue.c | qmail-local.c) ;; *) continue ;; esac ;;
    esac
    b=${f##*/}
    $2 -I"$TOP" -c -o "$T/$1/${b%.c}.o" "$f" || exit 111
  done
  ( cd "$T/$1" && ar cr lib.a `ls *.o | grep -v '^qmail-\|^auto\.o$\|^empty\.o$'` ) || exit 111
}

# link FLAVOUR LIBC LD [END]
link() {
  mkdir -p "$T/$1.bin"
  for p in empty qmail-queue qmail-local; do
    if [ $p = empty ]; then extra=; else extra="$T/$2/auto.o $T/$2/lib.a"; fi
    $3 -o "$T/$1.bin/$p" "$T/$2/$p.o" $extra $4 2>> "$T/link.log" || { echo "link $1 $p failed"; return 1; }
  done
  flavours="$flavours $1"
}

echo "building (glibc: $cc)"
objects glibc "$cc"
flavours=
link glibc-pie glibc "$ld"
link glibc-static glibc "gcc -static -Wl,-z,relro,-z,now -Wl,-z,noexecstack"
link glibc-static-pie glibc "gcc -static-pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack"
if [ -n "$mcc" ]; then
  echo "building (musl: $mcc)"
  objects musl "$mcc"
  link musl-static musl "`set -- $mcc; echo $1` -static -Wl,-z,relro,-z,now -Wl,-z,noexecstack"
  link musl-static-pie musl "$mld" "$mend"
else
  echo "musl is not used (`sed -n 's/^# musl is not used: //p' "$T/musl.mk"`): glibc only"
fi

# qmail-local delivers into a Maildir on tmpfs when there is one
SHM=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM=`mktemp -d /dev/shm/spawncost.XXXXXX` && H=$SHM || H=$T/home
else
  H=$T/home
fi
chmod 0755 "$H" 2>/dev/null
printf 'From: a@example.com\nSubject: spawn cost\n\nOne line of a message.\n' > "$T/msg"
me=`id -un`

echo "fork+execv+waitpid, $N starts each; per start: min and median of 5 rounds' means"
printf '%-18s %-22s %-22s %-22s\n' flavour empty qmail-queue qmail-local
for f in $flavours; do
  b=$T/$f.bin
  rm -rf "$H/Maildir" && mkdir -p "$H/Maildir/tmp" "$H/Maildir/new" "$H/Maildir/cur" && chmod -R 0700 "$H/Maildir"
  e=`"$T/spawn-cost" -n "$N" "$b/empty" | sed 's/.*: min \([0-9]*\) us, median \([0-9]*\) us.*(.*exit \(.*\))/\1 \2 \3/'`
  q=`"$T/spawn-cost" -n "$N" "$b/qmail-queue" | sed 's/.*: min \([0-9]*\) us, median \([0-9]*\) us.*(.*exit \(.*\))/\1 \2 \3/'`
  l=`"$T/spawn-cost" -n "$N" -i "$T/msg" "$b/qmail-local" -- "$me" "$H" "$me" "" "" localhost a@example.com ./Maildir/ |
    sed 's/.*: min \([0-9]*\) us, median \([0-9]*\) us.*(.*exit \(.*\))/\1 \2 \3/'`
  show() { set -- $1; echo "$1 / $2 us (exit $3)"; }
  printf '%-18s %-22s %-22s %-22s\n' "$f" "`show "$e"`" "`show "$q"`" "`show "$l"`"
done
n=`find "$H/Maildir/new" -type f | wc -l`
echo "(the last qmail-local run delivered $n messages)"
for f in $flavours; do
  printf '%-18s %s\n' "$f" "`ls -l "$T/$f.bin/qmail-queue" | awk '{print $5}'` bytes (qmail-queue)"
done

# fork, vfork, posix_spawn from parents of different resident sizes
last=`echo $flavours | awk '{print $NF}'`
echo "the way a parent of resident size RSS starts $last/qmail-queue, per start:"
printf '%-8s %-14s %-14s %-14s\n' RSS fork vfork posix_spawn
for mb in 2 32 128 512; do
  row=
  for way in fork vfork posix_spawn; do
    x=`"$T/spawn-cost" -n "$N" -m "$mb" -w $way "$T/$last.bin/qmail-queue" | sed 's/.*median \([0-9]*\) us.*/\1/'`
    row="$row `printf '%-14s' "$x us"`"
  done
  printf '%-8s%s\n' "${mb} MB" "$row"
done
