# tests/lib_local.sh: helpers for the tests that run qmail-local directly
# (tests/local-*.sh), as the invoking user, with a temporary home. Source it
# after tests/lib.sh; it makes the home and the recording qmail-queue.
#
#   H                      the home ($T/home, mode 0700) with Maildir/
#   MSG                    the standard message ($T/msg)
#   QQ                     a recording qmail-queue (QMAILQUEUE of every run):
#                          each run makes $T/qq/N/ (N = 1, 2, ...) holding
#                          msg (its fd 0), env (its fd 1: the envelope) and
#                          pid; it exits with the number in $T/qq.exit, or 0
#   ql [-n] LOCAL DASH EXT DOMAIN SENDER DEFAULTDELIVERY
#                          runs qmail-local -- $QL_USER $H ... < ${QL_MSG:-$MSG}
#                          with fds 1 and 2 both to $T/out (as qmail-lspawn
#                          wires them) and a clean environment (PATH,
#                          QMAILQUEUE, INHERITED=yes); RC = its exit code
#   ql_reset               empties the home (a fresh Maildir), $T/qq and
#                          $T/qq.exit
#   dotqmail NAME [LINE...]
#                          writes $H/NAME with these lines, mode 0600
#   expect_rc N WHAT       fail unless RC is N (shows the report)
#   expect_out TEXT        fail unless the report is exactly TEXT (printf %b)
#   expect_out_re ERE      fail unless a line of the report matches ERE
#   maildir_only DIR       FOUND = the one file in DIR/new (nothing in tmp/)
#   maildir_empty DIR      fail unless DIR/new and DIR/tmp are empty
#   expect_maildir DIR SENDER RCPT [MSGFILE]
#                          DIR holds exactly one message: Return-Path,
#                          Delivered-To, then MSGFILE (default $MSG)
#   expect_forward N SENDER RCPT_DT MSGFILE RCPT...
#                          the Nth qmail-queue run got Delivered-To: RCPT_DT
#                          then MSGFILE, envelope sender SENDER, recipients
#                          RCPT... in this order; QPN = its pid
#   qq_runs                the number of qmail-queue runs
#   expect_no_forward      fail if qmail-queue ran
#   rpline SENDER          prints the Return-Path line (no quoting needed)
#   same FILE1 FILE2 WHAT  fail unless the files are byte for byte equal
#   lspawn_home DIR        a home DIR for a real qmail-lspawn (DIR/bin/
#                          qmail-lspawn built with DIR as its home, every
#                          role the invoking user; DIR/bin/qmail-local);
#                          uid and gid = the account deliveries run as
#                          (nobody as root, else the invoking user)

LC_ALL=C
export LC_ALL

QL_USER=`id -un`
H=$T/home
MSG=$T/msg
QQ=$T/qqrecord
QL_PATH=/usr/local/bin:/usr/bin:/bin

# the standard message: a queued message as qmail-local sees it
{
  printf 'Received: (qmail 4242 invoked from network); 1 Jan 2024 00:00:00 -0000\n'
  printf 'From: A <a@b.org>\n'
  printf 'To: joe@example.com\n'
  printf 'Subject: local delivery test\n'
  printf '\n'
  printf 'body line one\n'
  printf '8-bit \303\251 \200\377 and a tab\there\n'
  printf '.\n'
  printf 'last line\n'
} > "$MSG" || fail "unable to write $MSG"

cat > "$QQ" <<EOF || fail "unable to write $QQ"
#!/bin/sh
d=$T/qq
mkdir -p "\$d"
n=1
while ! mkdir "\$d/\$n" 2>/dev/null; do n=\$((n + 1)); done
echo \$\$ > "\$d/\$n/pid"
cat > "\$d/\$n/msg" || exit 81
cat <&1 > "\$d/\$n/env" || exit 81
code=0
[ -f "$T/qq.exit" ] && code=\`cat "$T/qq.exit"\`
exit \$code
EOF
chmod 0755 "$QQ" || fail "chmod $QQ"

ql_reset() {
  chmod -R u+rwx "$H" 2>/dev/null
  rm -rf "$H" "$T/qq" "$T/qq.exit" || fail "unable to remove $H"
  mkdir -p "$H/Maildir/tmp" "$H/Maildir/new" "$H/Maildir/cur" "$T/qq" || fail "unable to make $H"
  chmod 0700 "$H" "$H/Maildir" "$H/Maildir/tmp" "$H/Maildir/new" "$H/Maildir/cur" || fail "chmod $H"
}
ql_reset

ql() {
  ql_flag=
  if [ "$1" = -n ]; then ql_flag=-n; shift; fi
  [ $# = 6 ] || fail "ql: 6 arguments expected, got $#"
  env -i PATH="$QL_PATH" QMAILQUEUE="$QQ" INHERITED=yes \
    "$TOP/qmail-local" $ql_flag -- "$QL_USER" "$H" "$@" < "${QL_MSG:-$MSG}" > "$T/out" 2>&1
  RC=$?
}

dotqmail() {
  dq_name=$1
  shift
  if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi > "$H/$dq_name" || fail "unable to write $H/$dq_name"
  chmod 0600 "$H/$dq_name" || fail "chmod $H/$dq_name"
}

show_out() {
  echo "--- the report of qmail-local (exit $RC):"
  head -c 2000 "$T/out"
  echo
  echo "---"
}

expect_rc() {
  [ "$RC" = "$1" ] || { show_out; fail "$2: qmail-local exited $RC, expected $1"; }
}

expect_out() {
  printf '%b' "$1" > "$T/out.want"
  cmp -s "$T/out.want" "$T/out" || {
    show_out
    echo "--- expected:"
    cat "$T/out.want"
    echo "---"
    fail "the report is not the expected text"
  }
}

expect_out_re() {
  grep -q -E -e "$1" "$T/out" || { show_out; fail "no line of the report matches '$1'"; }
}

maildir_only() {
  [ -z "`find "$1/tmp" -type f`" ] || fail "files left in $1/tmp: `ls "$1/tmp"`"
  FOUND=`find "$1/new" -type f`
  mo_n=`printf '%s' "$FOUND" | grep -c .`
  [ "$mo_n" = 1 ] || { show_out; fail "expected one message in $1/new, found $mo_n"; }
}

maildir_empty() {
  mo_left=`find "$1/new" "$1/tmp" -type f 2>/dev/null`
  [ -z "$mo_left" ] || fail "expected nothing in $1, found: $mo_left"
}

same() {
  cmp -s "$1" "$2" || {
    echo "--- $2:"
    od -c "$2" | head -n 30
    echo "--- expected ($1):"
    od -c "$1" | head -n 30
    fail "$3: bytes differ"
  }
}

rpline() {
  printf 'Return-Path: <%s>\n' "$1"
}

expect_maildir() {
  maildir_only "$1"
  { rpline "$2"; printf 'Delivered-To: %s\n' "$3"; cat "${4:-$MSG}"; } > "$T/want.md"
  same "$T/want.md" "$FOUND" "the message in $1"
}

qq_runs() {
  find "$T/qq" -mindepth 1 -maxdepth 1 -type d | wc -l | tr -d ' '
}

expect_no_forward() {
  [ "`qq_runs`" = 0 ] || fail "qmail-queue was run (`qq_runs` times): a forward was sent"
}

expect_forward() {
  ef_n=$1 ef_sender=$2 ef_dt=$3 ef_msg=$4
  shift 4
  [ -d "$T/qq/$ef_n" ] || { show_out; fail "no qmail-queue run number $ef_n"; }
  { printf 'Delivered-To: %s\n' "$ef_dt"; cat "$ef_msg"; } > "$T/want.fwd"
  same "$T/want.fwd" "$T/qq/$ef_n/msg" "the forwarded message"
  {
    printf 'F%s\0' "$ef_sender"
    for ef_r in "$@"; do printf 'T%s\0' "$ef_r"; done
    printf '\0'
  } > "$T/want.env"
  cmp -s "$T/want.env" "$T/qq/$ef_n/env" || {
    echo "--- envelope:"; od -c "$T/qq/$ef_n/env" | head -n 20
    echo "--- expected:"; od -c "$T/want.env" | head -n 20
    fail "the forward's envelope differs"
  }
  QPN=`cat "$T/qq/$ef_n/pid"`
}

# expect_mbox FILE WANT T0: FILE holds exactly WANT, where WANT writes each
# From_ line as "From SENDER DATE"; every From_ line of FILE must carry a
# date as "Www Mmm DD HH:MM:SS YYYY" (UTC, day zero-padded) between T0 and now
expect_mbox() {
  em_re='^From ([^ ]*) ((Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] [0-9]{4})$'
  [ -f "$1" ] || { show_out; fail "no mbox $1"; }
  sed -E "s/$em_re/From \\1 DATE/" "$1" > "$T/mbox.norm"
  same "$2" "$T/mbox.norm" "the mbox $1 (From_ dates replaced by DATE)"
  em_now=`date +%s`
  grep -E "$em_re" "$1" | sed -E "s/$em_re/\\2/" > "$T/mbox.dates"
  while read -r em_d; do
    em_s=`date -u -d "$em_d" +%s` || fail "unable to parse the From_ date '$em_d'"
    [ "$em_s" -ge $(($3 - 1)) ] && [ "$em_s" -le $((em_now + 1)) ] ||
      fail "the From_ date '$em_d' is not the time of delivery in UTC"
    # the weekday is right too
    [ "`date -u -d "@$em_s" '+%a %b %d %H:%M:%S %Y'`" = "$em_d" ] || fail "the From_ date '$em_d' is inconsistent"
  done < "$T/mbox.dates"
}

lspawn_home() {
  lh_b=$1/.build
  lh_cc=${CC_CMD:-`sed -n 1p conf-cc`}
  lh_ld=${LD_CMD:-`sed -n 1p conf-ld`}
  mkdir -p "$lh_b" "$1/bin" "$1/users" "$1/queue/lock" "$1/queue/mess/8" || fail "mkdir $1"
  for i in 1 2 3 4 5 6 7 8; do id -un; done > "$lh_b/users"
  printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$lh_b/groups"
  sh auto.sh "$1" "$lh_b/users" "$lh_b/groups" > "$lh_b/auto.c" || fail "auto.sh"
  $lh_cc -I"$TOP" -c -o "$lh_b/auto.o" "$lh_b/auto.c" || fail "compile auto.c"
  $lh_cc -I"$TOP" -c -o "$lh_b/qmail-lspawn.o" qmail-lspawn.c || fail "compile qmail-lspawn"
  $lh_ld -o "$1/bin/qmail-lspawn" "$lh_b/qmail-lspawn.o" "$lh_b/auto.o" libqmail.a || fail "link qmail-lspawn"
  cp "$TOP/qmail-local" "$1/bin/qmail-local" || fail "copy qmail-local"
  if [ "`id -u`" = 0 ]; then
    uid=`id -u nobody` && gid=`id -g nobody` || skip "no account nobody"
  else
    uid=`id -u` gid=`id -g`
  fi
}
