# tests/lib_large.sh: helpers for the large-message tests (sourced after
# tests/lib.sh by tests/large-message.sh and tests/large/message-4gib.sh).
# qmail-local is run directly, the way qmail-lspawn runs it, under
# tests/maxrss.c, which reports its peak resident size.
#
#   large_setup NEED_MB      skip unless $T's file system has NEED_MB free;
#                            builds $T/maxrss, makes the home $H with
#                            Maildir/, the lines file $LINES
#   large_message KIND BYTES writes $MSG with tests/bigmsg.py KIND and sets
#                            SIZE, MSG_SHA (pattern only), MAILDIR_SIZE,
#                            MAILDIR_SHA, MBOX_SIZE, MBOX_SHA
#   large_deliver WHAT DID   delivers $MSG with the default delivery WHAT
#                            (no .qmail file), asserts exit 0 and the
#                            report "did DID", prints time and peak RSS (the
#                            larger of wait4's ru_maxrss and the VmHWM polls)
#                            and fails when the peak is above $RSS_LIMIT_KB
#                            (not checked when SANITIZED is set)
#   large_check_maildir      the one file in $H/Maildir/new: name, size, hash
#   large_check_mbox         $H/mbox: From_ line, size and hash of the rest
# Each check removes what it checked, to give the disk back at once.

SENDER=big@example.com
RSS_LIMIT_KB=${RSS_LIMIT_KB:-8192}

large_setup() {
  need_programs qmail-local
  need_cmd sha256sum "$PYTHON"
  free_kb=`df -Pk "$T" | awk 'NR == 2 { print $4 }'`
  [ -n "$free_kb" ] || fail "unable to read the free space of $T (df)"
  [ "$free_kb" -ge $(($1 * 1024)) ] ||
    skip "only $((free_kb / 1024)) MB free in ${T%/*}, $1 MB needed (set TMPDIR to a roomier file system)"
  echo "temporary files in $T ($((free_kb / 1024)) MB free)"
  cc=${CC_CMD:-`sed -n 1p conf-cc`}
  ld=${LD_CMD:-`sed -n 1p conf-ld`}
  $cc -c -o "$T/maxrss.o" tests/maxrss.c && $ld -o "$T/maxrss" "$T/maxrss.o" ||
    fail "unable to build tests/maxrss.c"
  ME=`me`
  H=$T/home
  mkdir -p "$H/Maildir/tmp" "$H/Maildir/new" "$H/Maildir/cur" || fail "mkdir $H"
  chmod 0755 "$H" || fail "chmod $H"
  LINES=$T/lines
  printf 'Return-Path: <%s>\nDelivered-To: %s@localhost\n' "$SENDER" "$ME" > "$LINES"
  MSG=$T/message
}

large_message() {
  "$PYTHON" tests/bigmsg.py "$1" "$MSG" "$2" "$LINES" > "$T/sums" ||
    fail "tests/bigmsg.py $1 failed"
  SIZE=`awk '$1 == "size" { print $2 }' "$T/sums"`
  MSG_SHA=`awk '$1 == "message" { print $2 }' "$T/sums"`
  MAILDIR_SIZE=`awk '$1 == "maildir" { print $2 }' "$T/sums"`
  MAILDIR_SHA=`awk '$1 == "maildir" { print $3 }' "$T/sums"`
  MBOX_SIZE=`awk '$1 == "mbox" { print $2 }' "$T/sums"`
  MBOX_SHA=`awk '$1 == "mbox" { print $3 }' "$T/sums"`
  [ -n "$MBOX_SHA" ] || fail "tests/bigmsg.py printed no sums: `cat "$T/sums"`"
  assert_eq "$SIZE" "`wc -c < "$MSG" | tr -d ' '`" "bytes of the message file"
  echo "message: $SIZE bytes (`du -k "$MSG" | cut -f1` kB on disk)"
}

large_deliver() {
  "$T/maxrss" "$T/rss" "$TOP/qmail-local" -- "$ME" "$H" "$ME" '' '' localhost "$SENDER" "$1" \
    < "$MSG" > "$T/report" 2>&1 || fail "tests/maxrss.c could not run qmail-local"
  read -r code maxrss hwm self ms < "$T/rss"
  [ "$code" = 0 ] || fail "qmail-local exited $code delivering to $1: `cat "$T/report"`"
  assert_eq "did $2" "`cat "$T/report"`" "qmail-local's report for $1"
  peak=$maxrss
  [ "$hwm" -gt "$peak" ] && peak=$hwm
  awk -v w="$1" -v n="$SIZE" -v ms="$ms" -v peak="$peak" -v rss="$maxrss" -v hwm="$hwm" 'BEGIN {
    printf "%s: %.0f bytes in %.1f s (%.0f MB/s); peak RSS %d kB (wait4 ru_maxrss %d kB, VmHWM of qmail-local %d kB)\n",
      w, n, ms / 1000, (ms > 0 ? n / ms / 1000 : 0), peak, rss, hwm }'
  if [ -n "$SANITIZED" ]; then
    echo "(sanitized build: the RSS bound of $RSS_LIMIT_KB kB is not checked)"
  elif [ "$peak" -gt "$RSS_LIMIT_KB" ]; then
    fail "qmail-local's peak RSS delivering $SIZE bytes to $1 was $peak kB, above $RSS_LIMIT_KB kB"
  fi
}

large_check_maildir() {
  set -- "$H"/Maildir/new/*
  [ $# = 1 ] && [ -f "$1" ] || fail "not exactly one file in $H/Maildir/new: $*"
  left=`find "$H/Maildir/tmp" "$H/Maildir/cur" -type f`
  [ -z "$left" ] || fail "files left in tmp/ or cur/: $left"
  case $1 in *",S=$MAILDIR_SIZE") ;; *) fail "the name ${1##*/} does not end in ,S=$MAILDIR_SIZE" ;; esac
  assert_eq "$MAILDIR_SIZE" "`stat -c %s "$1"`" "bytes of the Maildir file"
  got=`sha256sum < "$1" | cut -d' ' -f1`
  rm -f "$1"
  assert_eq "$MAILDIR_SHA" "$got" "sha256 of the Maildir file (Return-Path, Delivered-To, message)"
}

large_check_mbox() {
  f=$H/mbox
  [ -f "$f" ] || fail "no mbox $f"
  from=`head -n 1 "$f"`
  printf '%s\n' "$from" | grep -q -E "^From $SENDER (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}\$" ||
    fail "the mbox does not start with a From_ line: $from"
  assert_eq $((${#from} + 1 + MBOX_SIZE)) "`stat -c %s "$f"`" "bytes of the mbox (From_ line, quoted message, blank line)"
  got=`tail -c +$((${#from} + 2)) "$f" | sha256sum | cut -d' ' -f1`
  [ -e "$f.lock" ] && fail "the dot-lock $f.lock was left behind"
  rm -f "$f"
  assert_eq "$MBOX_SHA" "$got" "sha256 of the mbox after its From_ line (lines, quoted message, blank line)"
}
