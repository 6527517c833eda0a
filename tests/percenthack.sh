#!/bin/sh
# control/percenthack: with relay.test listed, the recipient
# postmaster%localhost@relay.test becomes postmaster@localhost and is
# delivered locally (Delivered-To: postmaster@localhost), repeatedly
# (postmaster%localhost%relay.test@relay.test), with the domain matched
# without regard to case; x%elsewhere.test@relay.test becomes the remote
# x@elsewhere.test. Addresses whose domain (after the last @) is not listed
# keep their %, and the log shows the % as _ (its log-safe form).
# timeout: 120

. tests/lib.sh
. tests/lib_rewrite.sh
need_programs qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog

I=$T/inst
instance_create "$I"
remote_standin "$I"
# qmail reads percenthack when qmail-send starts
set_control "$I" percenthack relay.test
instance_start "$I"
PM=`mailbox "$I" postmaster`

# local RCPT DELIVEREDTO: a message to RCPT arrives in postmaster's Maildir
# with this Delivered-To line
n=0
local_case() {
  n=$((n + 1))
  printf 'Subject: percenthack %s\n\nto %s\n' "$n" "$1" > "$T/msg$n"
  qmsg "$I" "$T/msg$n" "s$n@example.com" "$1" || fail "qmail-queue exited $? for $1"
  expect_delivery "$I" "$QP" local "$2" "success: did_1+0+0/"
  wait_end "$I" "$QP"
  assert_eq 1 "`deliveries "$I" "$QP"`" "deliveries of the message to $1"
  maildir_find "$PM" "Subject: percenthack $n"
  assert_eq "Return-Path: <s$n@example.com>" "`sed -n 1p "$FOUND"`" "first line of the copy for $1"
  assert_eq "Delivered-To: $2" "`sed -n 2p "$FOUND"`" "second line of the copy for $1"
}
local_case 'postmaster%localhost@relay.test' postmaster@localhost
local_case 'postmaster%localhost%relay.test@relay.test' postmaster@localhost
local_case 'postmaster%LocalHost@Relay.TEST' postmaster@LocalHost

# not rewritten, or rewritten to a remote address: the remote channel, with
# '%' logged as '_'
printf 'Subject: percenthack remote\n\nremote\n' > "$T/msgr"
qmsg "$I" "$T/msgr" r@example.com 'x%localhost@notlisted.test' 'x%elsewhere.test@relay.test' \
  'postmaster%localhost@relay.test@other.test' 'postmaster%localhost@sub.relay.test' ||
  fail "qmail-queue exited $?"
QR=$QP
for a in x_localhost@notlisted.test x@elsewhere.test postmaster_localhost@relay.test@other.test \
  postmaster_localhost@sub.relay.test; do
  expect_delivery "$I" "$QR" remote "$a" -
done
assert_eq 4 "`deliveries "$I" "$QR"`" "deliveries of the message with remote recipients"
# the remote channel file holds the addresses as rewritten, '%' included
# (they stay T records: the stand-in qmail-remote defers them)
msg_id "$I" "$QR"
rf=`find "$I/queue/remote" -type f -name "$ID"`
[ -n "$rf" ] || fail "no file queue/remote/*/$ID"
printf 'T%s\0' 'x%localhost@notlisted.test' x@elsewhere.test \
  'postmaster%localhost@relay.test@other.test' 'postmaster%localhost@sub.relay.test' > "$T/remote.want"
cmp "$T/remote.want" "$rf" || { od -c "$rf"; fail "$rf does not hold the expected recipients"; }

assert_eq 3 "`maildir_count "$PM"`" "messages in $PM"
bad=`log_lines "$I" | grep -e '^delivery [0-9]*: failure' -e '^bounce msg' -e '^alert' -e '^warning'`
[ -z "$bad" ] || { show_log "$I"; fail "unexpected log lines: $bad"; }
pass
