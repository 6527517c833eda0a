# tests/lib_mx.sh: helpers for the end-to-end remote delivery tests (sourced
# after tests/lib.sh): a running instance in $I whose qmail-send hands
# remote mail to qmail-rspawn and the real qmail-remote, which asks
# tests/fakedns.py (QMAILDNS, QMAILDNSTIMEOUT=1) and connects to MX hosts on
# port $MXPORT (QMAILREMOTEPORT). The MX servers listen on 127.0.0.2,
# 127.0.0.3, ... (127.0.0.1 is one of this host's own addresses: an MX there
# bounces), all on $MXPORT.
#   mx_setup                 $I made (not started), $ZONE to fill, MXPORT;
#                            timeoutremote and timeoutconnect 5
#   mx_start                 fakedns on $ZONE, instance_env, instance_start
#   sink IP DIR [args]       tests/aiosmtpd_sink.py on IP:$MXPORT into DIR
#   fake IP SCRIPT [args]    tests/fakesmtp.py on IP:$MXPORT (SCRIPT a file
#                            in $T), recording into $T/SCRIPT.rec.N
#   send RCPT... < MSG       queues MSG from $ME@localhost
#   wait_result RCPT WHAT    waits for a result (success, deferral, failure)
#                            of a delivery to RCPT; its line in RESULT
#   results RCPT             every result line of deliveries to RCPT
#   has_text TEXT LINE       LINE holds TEXT (as logged: spaces as _)
#   notice_for RCPT          waits for the failure notice naming RCPT in the
#                            sender's Maildir (exactly one); its file in NOTICE
#   in_queue RCPT            a message to RCPT is still queued (remote/)
#   queue_empty              no message left in the queue

mx_setup() {
  need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-rspawn qmail-remote qmail-local qmail-clean
  need_cmd svscan svc svstat multilog "$PYTHON" cmp od sha256sum
  need_python_module dnslib
  I=$T/inst
  instance_create "$I"
  echo 5 > "$I/control/timeoutremote"
  echo 5 > "$I/control/timeoutconnect"
  ZONE=$T/zone
  : > "$ZONE"
  MXPORT=`free_port`
  ME=`me`
  MB=`mailbox "$I"`
}

mx_start() {
  "$PYTHON" "$TOP/tests/fakedns.py" "$ZONE" "$T/dnsport" > /dev/null 2> "$T/dnslog" &
  track_pid $!
  wait_for 20 test -s "$T/dnsport" || fail "fakedns.py did not start: `cat "$T/dnslog"`"
  instance_env "$I" QMAILDNS=127.0.0.1:`cat "$T/dnsport"` QMAILDNSTIMEOUT=1 QMAILREMOTEPORT=$MXPORT
  instance_start "$I"
}

# mx_listen NAME IP CMD...: starts CMD (which prints its port), waits for it
mx_listen() {
  ml_name=$1
  ml_ip=$2
  shift 2
  "$@" > "$T/$ml_name.port" 2> "$T/$ml_name.err" &
  ml_pid=$!
  track_pid $ml_pid
  wait_for 20 test -s "$T/$ml_name.port" ||
    fail "$ml_name on $ml_ip did not start: `cat "$T/$ml_name.err"`"
  assert_eq "$MXPORT" "`head -n 1 "$T/$ml_name.port"`" "port of $ml_name"
}

sink() {
  sk_ip=$1
  sk_dir=$2
  shift 2
  mkdir -p "$sk_dir" || fail "mkdir $sk_dir"
  chmod 0755 "$sk_dir"
  mx_listen "`basename "$sk_dir"`" "$sk_ip" "$PYTHON" "$TOP/tests/aiosmtpd_sink.py" -H "$sk_ip" -p "$MXPORT" "$@" "$sk_dir"
  SINK_PID=$ml_pid
}

fake() {
  fk_ip=$1
  fk_script=$2
  shift 2
  mx_listen "$fk_script" "$fk_ip" "$PYTHON" "$TOP/tests/fakesmtp.py" -H "$fk_ip" -p "$MXPORT" -r "$T/$fk_script.rec" "$@" "$T/$fk_script"
  FAKE_PID=$ml_pid
}

send() {
  queue_msg "$I" "$ME@localhost" "$@" || fail "qmail-queue exited $?"
}

# every log line of qmail-send (multilog rotates current at 100 kB)
mx_logs() {
  cat "$I"/log/qmail-send/@* "$I/log/qmail-send/current" 2>/dev/null
}

results() {
  mx_logs | awk -v r="$1" '
    $2 == "starting" && $3 == "delivery" && $8 == "remote" && $9 == r { n[$4] = 1 }
    $2 == "delivery" && ($3 in n) { sub(/^[^ ]* /, ""); print }'
}

has_result() {
  results "$1" | grep -q " $2: "
}

wait_result() {
  wait_for 60 has_result "$1" "$2" || { results "$1"; fail "no $2 for $1"; }
  RESULT=`results "$1" | grep " $2: " | tail -n 1`
}

has_text() {
  ht_want=`printf '%s' "$1" | tr ' ' '_'`
  case $2 in
    *"$ht_want"*) return 0 ;;
  esac
  fail "'$ht_want' not in: $2"
}

# notices_for RCPT: the files in the sender's Maildir naming <RCPT>:
notices_for() {
  find "$MB/new" "$MB/cur" -type f -exec grep -l -F -x -e "<$1>:" {} + 2>/dev/null
}
has_notice() {
  [ -n "`notices_for "$1"`" ]
}

notice_for() {
  wait_for 30 has_notice "$1" || fail "no failure notice for $1"
  NOTICE=`notices_for "$1"`
  assert_eq 1 "`echo "$NOTICE" | wc -l | tr -d ' '`" "notices naming $1"
}

in_queue() {
  grep -r -q -F -e "T$1" "$I/queue/remote" 2>/dev/null
}

queue_files() {
  find "$I/queue/mess" "$I/queue/info" "$I/queue/local" "$I/queue/remote" "$I/queue/todo" \
    "$I/queue/intd" "$I/queue/bounce" ! -type d -print 2>/dev/null
}

queue_empty() {
  [ -z "`queue_files`" ]
}
