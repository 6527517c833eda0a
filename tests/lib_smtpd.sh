# tests/lib_smtpd.sh: helpers for the qmail-smtpd tests (tests/smtpd-*.sh).
# Source it after tests/lib.sh and tests/lib_rewrite.sh.
#
#   smtpd_setup                  a private instance $I (started), with
#                                qmail-smtpd required; ME, UM (the invoking
#                                user's Maildir), PM (postmaster's)
#   smtpd_start [-r RELAYCLIENT] [-x RULES.cdb] [-c N] [-b N] [-w WRAPPER]
#               [-e NAME=VALUE]...
#                                tcpserver on 127.0.0.1, a port of its own
#                                choosing (SMTP_PORT), running
#                                $I/bin/qmail-smtpd in $I with a clean
#                                environment (PATH and the tcpserver
#                                variables; RELAYCLIENT with -r; each -e).
#                                -c: the connection limit (default: the
#                                first line of control/concurrencyincoming,
#                                else 40). -b: tcpserver's listen backlog
#                                (its default is 20). -w: a command put before
#                                qmail-smtpd (e.g. "$T/maxrss FILE"). As
#                                root qmail-smtpd runs as the qmaild account.
#                                SMTPD_PID is tcpserver's pid; it is killed
#                                when the test exits.
#   smtpd_stop                   stop that tcpserver (sessions go on)
#   smtpd_free_port              a TCP port on 127.0.0.1 that nothing uses
#   smtp STEP...                 one session with tests/smtpraw.py -e (see its
#                                usage for STEP); the transcript goes to
#                                stdout, the status is smtpraw's
#   smtp_ok WHAT STEP...         smtp, failing the test with WHAT if a step
#                                did not hold
#   smtp_stream FILE STEP...     like smtp with the transcript kept in FILE
#   settle                       wait (60 s) until the queue of $I is empty
#   remote_recipients            the recipients queued for remote delivery
#                                (queue/remote), one per line
#   no_relay WHAT                fail unless nothing is queued for remote
#                                delivery and qmail-send's log shows no
#                                remote delivery
#   message_split FILE           from a delivered Maildir file: RP (its
#                                Return-Path line), DT (Delivered-To),
#                                RCVD (qmail-smtpd's Received field, its
#                                lines joined by a space) and $T/body (the
#                                message as the client sent it, after
#                                qmail-queue's and qmail-smtpd's Received
#                                fields); fails when they are not there
#   find_subject MAILDIR SUBJECT FOUND = the one file whose header has the
#                                line "Subject: SUBJECT"

smtpd_setup() {
  need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
  # qmail-smtpd is what these tests are about: its absence is a failure
  [ -x "$TOP/qmail-smtpd" ] || fail "qmail-smtpd is not built"
  need_cmd svscan svc svstat multilog tcpserver
  I=$T/inst
  instance_create "$I"
  remote_standin "$I"
  instance_start "$I"
  ME=`me`
  UM=`mailbox "$I"`
  PM=`mailbox "$I" postmaster`
  SMTPD_PIDS=
}

smtpd_free_port() {
  free_port
}

smtpd_start() {
  sd_limit=`head -n 1 "$I/control/concurrencyincoming" 2>/dev/null`
  sd_limit=${sd_limit:-40}
  sd_rules=
  sd_wrap=
  sd_env=
  sd_backlog=
  while [ $# -gt 0 ]; do
    case $1 in
      -r) sd_env="$sd_env RELAYCLIENT=$2" ;;
      -x) sd_rules=$2 ;;
      -c) sd_limit=$2 ;;
      -b) sd_backlog="-b $2" ;;
      -w) sd_wrap=$2 ;;
      -e) sd_env="$sd_env $2" ;;
      *) fail "smtpd_start: unknown option $1" ;;
    esac
    shift 2
  done
  sd_ids=
  if [ "`id -u`" = 0 ]; then
    sd_user=`sed -n 2p "$I/.build/users"`
    sd_ids="-u `id -u "$sd_user"` -g `id -g "$sd_user"`"
  fi
  rm -f "$T/smtpd.port"
  # -1: tcpserver prints the port it bound (port 0: one the kernel chose), so
  # no other program can take it between choosing and binding
  ( cd "$I" && exec env - PATH="$I/bin:/usr/bin:/bin" $sd_env \
      tcpserver -1 -q -R -H -l localhost ${sd_rules:+-x "$sd_rules"} -c "$sd_limit" $sd_backlog $sd_ids \
      127.0.0.1 0 $sd_wrap "$I/bin/qmail-smtpd" > "$T/smtpd.port" 2> "$T/smtpd.err" ) &
  SMTPD_PID=$!
  track_pid $SMTPD_PID
  wait_for 10 sd_port_known || fail "tcpserver did not start: `cat "$T/smtpd.err"`"
  SMTP_PORT=`head -n 1 "$T/smtpd.port"`
  echo "qmail-smtpd on 127.0.0.1:$SMTP_PORT (tcpserver $SMTPD_PID, -c $sd_limit${sd_env:+,$sd_env})"
}
sd_port_known() {
  grep -q '^[0-9][0-9]*$' "$T/smtpd.port" 2>/dev/null
}

smtpd_stop() {
  [ -n "$SMTPD_PID" ] || return 0
  kill -TERM "$SMTPD_PID" 2>/dev/null
  wait "$SMTPD_PID" 2>/dev/null
  SMTPD_PID=
}

smtp() {
  "$PYTHON" "$TOP/tests/smtpraw.py" -e -t "${SMTP_TIMEOUT:-20}" 127.0.0.1 "$SMTP_PORT" "$@"
}

smtp_ok() {
  sm_what=$1
  shift
  smtp "$@" || fail "$sm_what"
}

smtp_stream() {
  sm_file=$1
  shift
  smtp "$@" > "$sm_file"
}

settle() {
  wait_for 60 queue_empty "$I" || { show_log "$I"; queue_files "$I"; fail "the queue did not empty"; }
}

remote_recipients() {
  find "$I/queue/remote" -type f -exec cat {} + 2>/dev/null | tr '\0' '\n' | sed -n 's/^[TD]//p'
}

no_relay() {
  sd_r=`remote_recipients`
  [ -z "$sd_r" ] || fail "$1: queued for remote delivery: $sd_r"
  if log_lines "$I" | grep -q '^starting delivery [0-9]*: msg [0-9]* to remote '; then
    log_lines "$I" | grep '^starting delivery [0-9]*: msg [0-9]* to remote '
    fail "$1: qmail-send started a remote delivery"
  fi
}

message_split() {
  RP=`sed -n 1p "$1"`
  DT=`sed -n 2p "$1"`
  case $RP in "Return-Path: <"*">") ;; *) fail "$1: first line is not a Return-Path: $RP" ;; esac
  case $DT in "Delivered-To: "*) ;; *) fail "$1: second line is not a Delivered-To: $DT" ;; esac
  # line 3: qmail-queue's "Received: (qmail PID invoked ...)"; then
  # qmail-smtpd's Received field with its continuation lines; then the
  # message, taken with tail so that its bytes (NUL too) stay as they are
  sd_n=`sed -n '3,200p' "$1" | LC_ALL=C awk -v rcvd="$T/rcvd" '
    NR == 1 { if ($0 !~ /^Received: \(qmail [0-9]+ invoked /) { print "x3"; exit } next }
    NR == 2 { if ($0 !~ /^Received: from /) { print "x4"; exit } printf "%s", $0 > rcvd; next }
    /^[ \t]/ { printf " %s", $0 > rcvd; next }
    { print NR + 2; exit }
    END { printf "\n" > rcvd }'`
  case $sd_n in
    x3) fail "$1: third line is not qmail-queue's Received line: `sed -n 3p "$1"`" ;;
    x4) fail "$1: no Received field of qmail-smtpd after qmail-queue's: `sed -n 4p "$1"`" ;;
    '') : > "$T/body" ;;
    *) tail -n +"$sd_n" "$1" > "$T/body" ;;
  esac
  RCVD=`cat "$T/rcvd"`
  rm -f "$T/rcvd"
}

find_subject() {
  FOUND=`find "$1/new" "$1/cur" -type f 2>/dev/null | while read -r f; do
    sed -n '/^$/q; p' "$f" | grep -q -F -x -e "Subject: $2" && echo "$f"
  done`
  sd_count=`printf '%s' "$FOUND" | grep -c .`
  [ "$sd_count" = 1 ] || fail "expected one message with 'Subject: $2' in $1, found $sd_count"
}

# count_subject MAILDIR SUBJECT: how many messages have that Subject header
count_subject() {
  find "$1/new" "$1/cur" -type f 2>/dev/null | while read -r f; do
    sed -n '/^$/q; p' "$f" | grep -q -F -x -e "Subject: $2" && echo "$f"
  done | grep -c .
}
