#!/bin/sh
# tests/mutate-fsync.sh [NAME...]: proves that the power-cut test
# (tests/powercut.sh) notices the loss of each durability call of the hot
# path. Run by hand as root (not part of make test); it takes about as long
# as one power-cut run per mutation, plus one.
#
# Every such call carries a marker comment on its line:
#     if (fsync(fd) == -1) die(EXIT_WRITE); /* fsync-point: NAME */
# First the tree is copied and the power-cut test run unmutated: it must
# pass. Then, for each marker in *.c (or each NAME given), the tree is
# copied again into a temporary directory, the fsync, fdatasync, fsync_dir
# or syncfs call on the marker's line is replaced by 0 (success), the copy
# is rebuilt and tests/powercut.sh runs there. Prints "NAME: detected" when
# the test fails, "NAME: NOT DETECTED" when it passes, and exits 1 if the
# unmutated run failed or any mutation went undetected (0 otherwise, 77
# when the power-cut test cannot run here). POWERCUT_CUTS and
# POWERCUT_SEED are passed on; logs stay in tests/out/mutate/NAME.log.

cd "`dirname "$0"`/.." || exit 111
TOP=`pwd`
OUT=$TOP/tests/out/mutate
rm -rf "$OUT"
mkdir -p "$OUT" || exit 111

if [ $# -gt 0 ]; then
  names="$*"
else
  names=`sed -n 's,.*/\* fsync-point: \([A-Za-z0-9_-]*\) \*/.*,\1,p' *.c | sort -u`
fi
[ -n "$names" ] || { echo "mutate-fsync: no fsync-point markers found"; exit 111; }

WORK=`mktemp -d "${TMPDIR:-/tmp}/mutate.XXXXXX"` || exit 111
chmod 0755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# copy DIR: the source tree, without build products, into DIR
copy() {
  mkdir -p "$1" &&
    tar --exclude=./.git --exclude=./run --exclude=./tests/out --exclude='*.o' --exclude='*.d' \
      --exclude='*.a' --exclude=./auto.c -cf - . | tar -C "$1" -xf -
}

# powercut DIR LOG: builds DIR and runs the power-cut test there; its status
powercut() {
  (
    cd "$1" || exit 111
    make -s clean > /dev/null 2>&1
    make > "$2" 2>&1 || { echo "mutate-fsync: build failed" >> "$2"; exit 111; }
    if [ "`id -u`" = 0 ]; then
      sh ./mkaccounts.sh "`head -n 1 conf-home`" conf-users conf-groups >> "$2" 2>&1 || exit 111
    fi
    limit=`sed -n 's/^# timeout: *\([0-9][0-9]*\) *$/\1/p' tests/powercut.sh | head -n 1`
    TMPDIR=$1 timeout -k 20 "${limit:-600}" sh tests/powercut.sh >> "$2" 2>&1 < /dev/null
  )
}

echo "unmutated: running tests/powercut.sh (log: tests/out/mutate/unmutated.log)"
copy "$WORK/unmutated" || exit 111
powercut "$WORK/unmutated" "$OUT/unmutated.log"
rc=$?
rm -rf "$WORK/unmutated"
case $rc in
  0) echo "unmutated: passes (`grep '^cuts ' "$OUT/unmutated.log"`)" ;;
  77) echo "unmutated: skipped: `tail -n 1 "$OUT/unmutated.log"`"; exit 77 ;;
  *)
    echo "unmutated: FAILS (exit $rc); a mutation run would prove nothing"
    tail -n 30 "$OUT/unmutated.log"
    exit 1
    ;;
esac

undetected=0
for name in $names; do
  d=$WORK/$name
  copy "$d" || exit 111
  files=`grep -l "/\* fsync-point: $name \*/" "$d"/*.c`
  if [ -z "$files" ]; then
    echo "$name: no such marker"
    undetected=$((undetected + 1))
    rm -rf "$d"
    continue
  fi
  # the call (with arguments up to one level of parentheses) becomes 0;
  # each replacement is noted in $d/.changed
  for f in $files; do
    NAME=$name perl -i -pe '
      if (m{/\* fsync-point: \Q$ENV{NAME}\E \*/} &&
          s/\b(?:fsync_dir|fsync|fdatasync|syncfs)\s*\((?:[^()]|\([^()]*\))*\)/0/g) {
        print STDERR "$ARGV: $_";
      }' "$f" 2>> "$d/.changed" || exit 111
  done
  if [ ! -s "$d/.changed" ]; then
    echo "$name: the marker's line has no fsync, fdatasync, fsync_dir or syncfs call"
    undetected=$((undetected + 1))
    rm -rf "$d"
    continue
  fi
  powercut "$d" "$OUT/$name.log"
  rc=$?
  rm -rf "$d"
  case $rc in
    0) echo "$name: NOT DETECTED (`grep '^cuts ' "$OUT/$name.log"`)"; undetected=$((undetected + 1)) ;;
    77) echo "$name: skipped: `tail -n 1 "$OUT/$name.log"`"; undetected=$((undetected + 1)) ;;
    111) echo "$name: could not be built or set up (see tests/out/mutate/$name.log)"; undetected=$((undetected + 1)) ;;
    *) echo "$name: detected (`grep '^cuts ' "$OUT/$name.log" || echo "exit $rc"`)" ;;
  esac
done
[ $undetected -eq 0 ]
