#!/bin/sh
# control/envnoathost: an envelope recipient without @ gets @envnoathost.
# With control/me = mehost.test and locals = localhost, mehost.test:
#  - envnoathost = localhost: recipient "postmaster" is delivered to
#    postmaster's Maildir with Delivered-To: postmaster@localhost;
#  - envnoathost removed (qmail-send restarted): the default is me, so
#    Delivered-To: postmaster@mehost.test;
#  - me removed as well (HUP): the literal default "envnoathost", a remote
#    domain, so the log shows "to remote postmaster@envnoathost".
# Recipients that have an @ are never changed.
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
set_control "$I" me mehost.test
set_control "$I" locals localhost mehost.test
set_control "$I" envnoathost localhost
instance_start "$I"
PM=`mailbox "$I" postmaster`

# deliver N RCPT DELIVEREDTO: message N to RCPT arrives in postmaster's
# Maildir with this Delivered-To line, and the log names that address
deliver() {
  printf 'Subject: envnoathost %s\n\nto %s\n' "$1" "$2" > "$T/msg$1"
  qmsg "$I" "$T/msg$1" "s$1@example.com" "$2" || fail "qmail-queue exited $? for $2"
  expect_delivery "$I" "$QP" local "$3" "success: did_1+0+0/"
  wait_end "$I" "$QP"
  assert_eq 1 "`deliveries "$I" "$QP"`" "deliveries of message $1"
  maildir_find "$PM" "Subject: envnoathost $1"
  assert_eq "Return-Path: <s$1@example.com>" "`sed -n 1p "$FOUND"`" "first line of message $1"
  assert_eq "Delivered-To: $3" "`sed -n 2p "$FOUND"`" "second line of message $1"
}

# --- envnoathost = localhost ---------------------------------------------------------
deliver 1 postmaster postmaster@localhost
deliver 2 postmaster@mehost.test postmaster@mehost.test

# --- no envnoathost: me (read at start-up) --------------------------------------------
send_down "$I"
set_control "$I" envnoathost
send_up "$I"
deliver 3 postmaster postmaster@mehost.test
deliver 4 postmaster@localhost postmaster@localhost

# --- neither envnoathost nor me: the literal "envnoathost" (reread on HUP) -------------
set_control "$I" me
hup "$I"
printf 'Subject: envnoathost 5\n\nto postmaster\n' > "$T/msg5"
qmsg "$I" "$T/msg5" s5@example.com postmaster || fail "qmail-queue exited $?"
expect_delivery "$I" "$QP" remote postmaster@envnoathost -
assert_eq 1 "`deliveries "$I" "$QP"`" "deliveries of message 5"

assert_eq 4 "`maildir_count "$PM"`" "messages in $PM"
bad=`log_lines "$I" | grep -e '^delivery [0-9]*: failure' -e '^bounce msg' -e '^alert' -e '^warning'`
[ -z "$bad" ] || { show_log "$I"; fail "unexpected log lines: $bad"; }
pass
