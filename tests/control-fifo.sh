#!/bin/sh
# A control file that is not a regular file must not stop qmail-send. With
# control/concurrencylocal replaced by a FIFO that a writer holds open (a
# read of it would wait forever), a HUP makes qmail-send log
#   warning: unable to reread control/concurrencylocal: ...
#   warning: keeping the previous configuration
# and go on with the configuration it had (the status line still shows the
# old local concurrency). A message queued afterwards is delivered, a second
# HUP once the file is regular again takes its new value, and svc -d makes
# qmail-send exit within a few seconds.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog mkfifo

I=$T/inst
instance_create "$I"
set_control "$I" concurrencylocal 3
instance_start "$I"
ME=`me`
MB=`mailbox "$I"`

last_status() {
  log_lines "$I" | grep '^status: ' | tail -n 1
}
case `last_status` in
  "status: local 0/3 "*) ;;
  *) show_log "$I"; fail "qmail-send did not start with concurrencylocal 3: `last_status`" ;;
esac

# --- the FIFO, held open by a writer that never writes ---------------------------
F=$I/control/concurrencylocal
rm -f "$F" && mkfifo -m 0644 "$F" || fail "unable to make the FIFO $F"
# a simple command in the background: $! is sleep itself, which holds the
# FIFO open (read-write, so the open does not wait for a reader)
sleep 600 3<> "$F" &
WRITER=$!
track_pid $WRITER

m=`log_lines "$I" | wc -l`
hup "$I"
log_lines "$I" | tail -n +$((m + 1)) > "$T/after-hup"
grep -q -x -e 'warning: unable to reread control/concurrencylocal: .*' "$T/after-hup" ||
  { show_log "$I"; fail "qmail-send did not name the FIFO control/concurrencylocal"; }
grep -q -x -e 'warning: keeping the previous configuration' "$T/after-hup" ||
  { show_log "$I"; fail "qmail-send did not say it keeps the previous configuration"; }
case `last_status` in
  "status: local 0/3 "*) ;;
  *) show_log "$I"; fail "the previous configuration was not kept: `last_status`" ;;
esac
kill -0 "`qmail_send_pid "$I"`" 2>/dev/null || fail "qmail-send is not running after the HUP"

# --- still delivering ---------------------------------------------------------------
printf 'Subject: after the FIFO\n\nstill delivering\n' > "$T/msg1"
qmsg "$I" "$T/msg1" a@example.com "$ME@localhost" || fail "qmail-queue exited $?"
expect_delivery "$I" "$QP" local "$ME@localhost" "success: did_1+0+0/"
wait_end "$I" "$QP"
maildir_find "$MB" "Subject: after the FIFO"
assert_eq "Delivered-To: $ME@localhost" "`sed -n 2p "$FOUND"`" "second line of the delivered message"

# --- a regular file again: the next HUP reads it ----------------------------------
set_control "$I" concurrencylocal 4
hup "$I"
case `last_status` in
  "status: local 0/4 "*) ;;
  *) show_log "$I"; fail "the reread after the FIFO was gone did not take concurrencylocal 4: `last_status`" ;;
esac

# --- the FIFO again, then TERM: qmail-send exits promptly ----------------------------
rm -f "$F" && mkfifo -m 0644 "$F" || fail "unable to make the FIFO $F"
kill "$WRITER" 2>/dev/null
sleep 600 3<> "$F" &
WRITER=$!
track_pid $WRITER
hup "$I"
t0=`date +%s`
svc -d "$I/service/qmail-send" || fail "svc -d failed"
wait_for 10 rw_svstat "$I" ': down ' ||
  fail "qmail-send did not exit within 10 s of svc -d: `svstat "$I/service/qmail-send"`"
wait_for 5 log_grep "$I" ' status: exiting$' || { show_log "$I"; fail "no 'status: exiting' line"; }
echo "qmail-send exited $((`date +%s` - t0)) s after svc -d"
pass
