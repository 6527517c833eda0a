# tests/lib_rewrite.sh: helpers shared by the delivery and recipient-rewriting
# tests (deliver, virtualdomains, percenthack, envnoathost, verp). Source it
# after tests/lib.sh.
#
#   qmsg DIR MSGFILE SENDER RCPT...  queue MSGFILE; QP = qmail-queue's pid,
#                                    which names the message in the log
#   log_lines DIR                    qmail-send's log without timestamps
#   show_log DIR                     its last lines, for a failure message
#   msg_lines DIR QP                 the log lines of one message
#   msg_id DIR QP                    ID = its message ID (waits)
#   expect_msg_log DIR QP LINE       wait for a line of that message
#   expect_msg_order DIR QP LINE...  its lines appear in this order
#   expect_delivery DIR QP CHANNEL ADDR RESULT
#                                    wait until its delivery to ADDR has
#                                    started and ended with
#                                    "delivery N: RESULT"; DNO = N
#   expect_delivery_match DIR QP CHANNEL ADDR BRE
#                                    the same, RESULT matching a regex
#   deliveries DIR QP                how many deliveries it started
#   wait_end DIR QP                  wait for its "end msg ID"
#   hup DIR                          make qmail-send reread its control files
#   send_down DIR, send_up DIR       stop and start qmail-send
#   set_control DIR NAME [LINE...]   write control/NAME (no LINE: remove it)
#   assign_add DIR LINE...           add users/assign lines, run qmail-newu
#   postmaster_account DIR           ACCT = "ACCOUNT:UID:GID" of postmaster
#   make_home DIR PATH [QMAILFILE LINE]
#                                    a home with a Maildir, owned by the
#                                    postmaster account
#   maildir_find MAILDIR LINE        FOUND = the one message with that line
#   header_of FILE NAME              the first NAME: header field value
#   queue_empty DIR                  no message left in the queue
#
# Helpers that can fail set variables instead of printing, so that they are
# never run in a command substitution (where fail would only end a subshell).

# byte-wise text tools: messages hold 8-bit bytes
LC_ALL=C
export LC_ALL

# qmsg DIR MSGFILE SENDER RCPT...: queues MSGFILE with DIR/bin/qmail-queue,
# envelope on fd 1; sets QP to qmail-queue's pid and returns its exit code
qmsg() {
  rw_dir=$1 rw_msg=$2 rw_sender=$3
  shift 3
  rw_env=`mktemp "$T/envelope.XXXXXX"` || fail "unable to make an envelope file"
  {
    printf 'F%s\0' "$rw_sender"
    for rw_r in "$@"; do
      printf 'T%s\0' "$rw_r"
    done
    printf '\0'
  } > "$rw_env"
  # a simple command in the background: $! is qmail-queue itself
  "$rw_dir/bin/qmail-queue" < "$rw_msg" 1< "$rw_env" &
  QP=$!
  wait $QP
  rw_rc=$?
  rm -f "$rw_env"
  return $rw_rc
}

# log_lines DIR: qmail-send's log without the multilog timestamps
log_lines() {
  sed 's/^@[0-9a-f]* //' "$1/log/qmail-send/current" 2>/dev/null
}

# show_log DIR: the log, for a failure message
show_log() {
  echo "--- qmail-send log ---"
  log_lines "$1" | tail -n 60
  echo "---"
}

# order_ok LINE... < LOG: true when the lines appear in LOG in this order
# (other lines may come between); else prints the first one missing
order_ok() {
  printf '%s\n' "$@" > "$T/order.want"
  awk '
    NR == FNR { want[++n] = $0; next }
    i < n && $0 == want[i + 1] { i++ }
    END { if (i < n) { print want[i + 1]; exit 1 } }' "$T/order.want" -
}

# A message is named by QP, the pid of the qmail-queue that queued it: message
# IDs are inode numbers and come back once a message has left the queue, so
# the lines of one message are those from the "new msg ID" before its
# "info msg ID: ... qp QP ..." line to the first "end msg ID" after it.

# msg_lines DIR QP: those lines (with the lines of other messages between
# them); false when the info line is not there yet
msg_lines() {
  log_lines "$1" | awk -v qp="$2" '
    { line[NR] = $0 }
    END {
      re = "^info msg [0-9]+: bytes [0-9]+ from <.*> qp " qp " uid [0-9]+$"
      for (k = 1; k <= NR; k++) if (line[k] ~ re) break
      if (k > NR) exit 1
      id = line[k]
      sub(/^info msg /, "", id)
      sub(/:.*$/, "", id)
      # its "new msg" line: not before the "end msg" of an earlier message
      for (s = k; s >= 1 && line[s] != "new msg " id && line[s] != "end msg " id; s--) ;
      if (s < 1 || line[s] != "new msg " id) s = k
      for (e = s; e <= NR; e++) {
        print line[e]
        if (e > k && line[e] == "end msg " id) break
      }
    }'
}

# msg_id DIR QP: waits for the "info msg" line of the message and sets ID
msg_id() {
  wait_for 20 msg_lines "$1" "$2" > /dev/null ||
    { show_log "$1"; fail "no 'info msg' line with qp $2"; }
  ID=`rw_id "$1" "$2"`
}

# rw_id DIR QP: prints the message ID (empty when not there yet)
rw_id() {
  msg_lines "$1" "$2" | sed -n "s/^info msg \([0-9][0-9]*\): bytes [0-9]* from <.*> qp $2 uid [0-9]*\$/\1/p"
}

# msg_has DIR QP LINE: true when LINE is among the lines of the message
msg_has() {
  msg_lines "$1" "$2" | grep -q -F -x -e "$3"
}

# expect_msg_log DIR QP LINE: waits for LINE among the lines of the message
expect_msg_log() {
  wait_for 20 msg_has "$1" "$2" "$3" || { show_log "$1"; fail "no log line '$3' (qp $2)"; }
}

# expect_msg_order DIR QP LINE...: the lines of the message have these lines
# in this order
expect_msg_order() {
  rw_dir=$1 rw_qp=$2
  shift 2
  rw_missing=`msg_lines "$rw_dir" "$rw_qp" | order_ok "$@"` ||
    { show_log "$rw_dir"; fail "log line '$rw_missing' missing or out of order (qp $rw_qp)"; }
}

# delivery_no DIR QP CHANNEL ADDR: prints N of the first line
# "starting delivery N: msg ID to CHANNEL ADDR" of the message (ADDR in its
# log-safe form)
delivery_no() {
  rw_i=`rw_id "$1" "$2"`
  msg_lines "$1" "$2" | awk -v tail=": msg $rw_i to $3 $4" '
    substr($0, 1, 18) == "starting delivery " {
      rest = substr($0, 19)
      k = index(rest, ":")
      if (k > 1 && substr(rest, k) == tail) { print substr(rest, 1, k - 1); found = 1; exit }
    }
    END { exit !found }'
}

# deliveries DIR QP: the number of deliveries started for the message
deliveries() {
  rw_i=`rw_id "$1" "$2"`
  msg_lines "$1" "$2" | grep -c "^starting delivery [0-9]*: msg $rw_i to "
}

# expect_delivery DIR QP CHANNEL ADDR RESULT: waits for the delivery of the
# message to ADDR to start and to end with the line "delivery N: RESULT";
# sets DNO to N and ID to the message ID. RESULT "-" only waits for the start.
expect_delivery() {
  msg_id "$1" "$2"
  wait_for 20 delivery_no "$1" "$2" "$3" "$4" > /dev/null ||
    { show_log "$1"; fail "no line 'starting delivery N: msg $ID to $3 $4'"; }
  DNO=`delivery_no "$1" "$2" "$3" "$4"`
  if [ "$5" != - ]; then
    wait_for 20 msg_has "$1" "$2" "delivery $DNO: $5" ||
      { show_log "$1"; fail "no line 'delivery $DNO: $5' (msg $ID to $3 $4)"; }
    expect_msg_order "$1" "$2" "starting delivery $DNO: msg $ID to $3 $4" "delivery $DNO: $5"
  fi
}

# expect_delivery_match DIR QP CHANNEL ADDR BRE: like expect_delivery, but the
# result ("delivery N: RESULT") only has to match the basic regex BRE
expect_delivery_match() {
  expect_delivery "$1" "$2" "$3" "$4" -
  wait_for 20 rw_match "$1" "$2" "$5" ||
    { show_log "$1"; fail "no line matching 'delivery $DNO: $5' (msg $ID to $3 $4)"; }
}

# rw_match DIR QP BRE: the message has a line "delivery DNO: " + BRE
rw_match() {
  msg_lines "$1" "$2" | grep -q -x -e "delivery $DNO: $3"
}

# wait_end DIR QP: waits for the "end msg ID" line of the message
wait_end() {
  msg_id "$1" "$2"
  expect_msg_log "$1" "$2" "end msg $ID"
}

# qmail_send_pid DIR: the pid of qmail-send (supervise runs qmail-start,
# which becomes qmail-send)
qmail_send_pid() {
  svstat "$1/service/qmail-send" | sed -n 's/^.*: up (pid \([0-9][0-9]*\)).*$/\1/p'
}

# status_lines DIR: how many "status:" lines qmail-send has logged
status_lines() {
  log_lines "$1" | grep -c '^status: '
}

# hup DIR: sends HUP to qmail-send and waits until it has reread its control
# files, which it follows with a status line. The wait matters: a HUP that
# arrives while qmail-send is busy stays pending until it next waits idle, so
# a message queued straight after the signal may still be routed with the
# old files. Use it only while no delivery is in progress (nothing else
# logs a status line then).
hup() {
  rw_pid=`qmail_send_pid "$1"`
  [ -n "$rw_pid" ] || fail "qmail-send is not running: `svstat "$1/service/qmail-send"`"
  rw_before=`status_lines "$1"`
  kill -HUP "$rw_pid" || fail "unable to send HUP to qmail-send ($rw_pid)"
  wait_for 20 rw_more_status "$1" "$rw_before" ||
    { show_log "$1"; fail "qmail-send logged no status line after HUP"; }
}
rw_more_status() {
  [ "`status_lines "$1"`" -gt "$2" ]
}

# send_down DIR / send_up DIR: stop qmail-send (svc -d: it finishes the
# deliveries in progress and exits) and start it again; it reads its control
# files at start-up, before it looks at todo/, so whatever is queued after a
# change made in between is routed with the new files
send_down() {
  svc -d "$1/service/qmail-send" || fail "svc -d failed"
  wait_for 30 rw_svstat "$1" ': down ' ||
    fail "qmail-send did not stop: `svstat "$1/service/qmail-send"`"
}
send_up() {
  svc -u "$1/service/qmail-send" || fail "svc -u failed"
  wait_for 30 rw_svstat "$1" ': up (pid ' ||
    fail "qmail-send did not start: `svstat "$1/service/qmail-send"`"
}
rw_svstat() {
  svstat "$1/service/qmail-send" | grep -q -F -e "$2"
}

# set_control DIR NAME [LINE...]: control/NAME gets the lines (replaced
# atomically); without LINE the file is removed
set_control() {
  rw_f=$1/control/$2
  shift 2
  if [ $# -eq 0 ]; then
    rm -f "$rw_f" || fail "unable to remove $rw_f"
    return 0
  fi
  printf '%s\n' "$@" > "$rw_f.tmp" && chmod 0644 "$rw_f.tmp" && mv -f "$rw_f.tmp" "$rw_f" ||
    fail "unable to write $rw_f"
}

# postmaster_account DIR: sets ACCT to ACCOUNT:UID:GID of the =postmaster
# line of DIR/users/assign (the account local deliveries run as)
postmaster_account() {
  ACCT=`sed -n 's/^=postmaster:\([^:]*:[0-9]*:[0-9]*\):.*$/\1/p' "$1/users/assign" | head -n 1`
  [ -n "$ACCT" ] || fail "no =postmaster line in $1/users/assign"
}

# assign_add DIR LINE...: adds the lines before the final "." of
# DIR/users/assign and runs qmail-newu
assign_add() {
  rw_dir=$1
  shift
  {
    sed '/^\.$/,$d' "$rw_dir/users/assign"
    printf '%s\n' "$@"
    echo .
  } > "$rw_dir/users/assign.tmp" && mv -f "$rw_dir/users/assign.tmp" "$rw_dir/users/assign" ||
    fail "unable to write $rw_dir/users/assign"
  "$rw_dir/bin/qmail-newu" || fail "qmail-newu failed"
}

# make_home DIR PATH [QMAILFILE LINE]: PATH becomes a home with PATH/Maildir
# and, when given, PATH/QMAILFILE holding LINE; all owned by the postmaster
# account of DIR
make_home() {
  postmaster_account "$1"
  rw_ug=${ACCT#*:}
  rw_h=$2
  mkdir -p "$rw_h/Maildir/tmp" "$rw_h/Maildir/new" "$rw_h/Maildir/cur" || fail "unable to make $rw_h"
  chmod 0755 "$rw_h" && chmod 0700 "$rw_h/Maildir" "$rw_h/Maildir/tmp" "$rw_h/Maildir/new" "$rw_h/Maildir/cur" ||
    fail "unable to chmod $rw_h"
  if [ $# -ge 4 ]; then
    printf '%s\n' "$4" > "$rw_h/$3" && chmod 0644 "$rw_h/$3" || fail "unable to write $rw_h/$3"
  fi
  chown -R "$rw_ug" "$rw_h" || fail "unable to chown $rw_h"
}

# maildir_find MAILDIR LINE: sets FOUND to the path of the one message in
# new/ or cur/ that has LINE as a whole line; fails when there is none or
# several
maildir_find() {
  FOUND=`find "$1/new" "$1/cur" -type f -exec grep -l -F -x -e "$2" {} + 2>/dev/null`
  rw_count=`printf '%s' "$FOUND" | grep -c .`
  [ "$rw_count" = 1 ] || fail "expected one message with the line '$2' in $1, found $rw_count"
}

# header_of FILE NAME: the value of the first NAME: line of FILE's header
header_of() {
  sed -n "/^\$/q; s/^$2: //p" "$1" | head -n 1
}

# queue_files DIR: the files left in the queue of instance DIR
queue_files() {
  find "$1/queue/mess" "$1/queue/info" "$1/queue/local" "$1/queue/remote" \
    "$1/queue/todo" "$1/queue/intd" "$1/queue/bounce" ! -type d -print 2>/dev/null
}

# queue_empty DIR: true when no message is left in the queue
queue_empty() {
  [ -z "`queue_files "$1"`" ]
}
