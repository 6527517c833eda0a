#!/bin/sh
# qmail-smtpd's control files and environment, read per connection:
# smtpgreeting (220/250/221 text); rcpthosts (a domain and .suffix; others
# 553 5.7.1) and morercpthosts.cdb made by qmail-newmrh; badmailfrom (an
# address and @domain: every RCPT then 553 5.7.1); badrcptto (that
# recipient 553 5.7.1, the others of the message still accepted);
# localiphost ([127.0.0.1] becomes localhost); databytes and DATABYTES (EHLO
# advertises SIZE N; SIZE=N+1 at MAIL is 552 5.3.4 before any upload; a
# message larger than N is 552 5.3.4 after the dot and not queued; DATABYTES
# overrides the control); SIZE= beyond the free space of the queue's file
# system is 452 4.3.1 (also for an 18-digit value: RFC 1870 allows 20); timeoutsmtpd (an idle client gets 451 4.4.2 and the
# close after about that many seconds).
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
[ -x "$TOP/qmail-newmrh" ] || fail "qmail-newmrh is not built"

# --- smtpgreeting ------------------------------------------------------------------------
set_control "$I" smtpgreeting "mx.example.test Welcome"
smtpd_start
smtp_ok "smtpgreeting" '<~220 mx\.example\.test Welcome.*' '>EHLO c\r\n' '<~250 .*' \
  '>HELO c\r\n' '<~250 mx\.example\.test Welcome.*' '>QUIT\r\n' '<~221 2\.0\.0 mx\.example\.test.*'
set_control "$I" smtpgreeting

# --- rcpthosts and morercpthosts ---------------------------------------------------------------
set_control "$I" rcpthosts localhost .sub.example
set_control "$I" morercpthosts more.example '# a comment' Mixed.Example
"$I/bin/qmail-newmrh" || fail "qmail-newmrh exited $?"
[ -f "$I/control/morercpthosts.cdb" ] || fail "qmail-newmrh made no control/morercpthosts.cdb"
smtp_ok "rcpthosts and morercpthosts" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250 2.1.0' \
  '>RCPT TO:<u@localhost>\r\n' '<250 2.1.5' \
  '>RCPT TO:<u@a.sub.example>\r\n' '<250 2.1.5' \
  '>RCPT TO:<u@sub.example>\r\n' '<553 5.7.1' \
  '>RCPT TO:<u@more.example>\r\n' '<250 2.1.5' \
  '>RCPT TO:<u@MORE.example>\r\n' '<250 2.1.5' \
  '>RCPT TO:<u@mixed.example>\r\n' '<250 2.1.5' \
  '>RCPT TO:<u@x.more.example>\r\n' '<553 5.7.1' \
  '>RCPT TO:<u@elsewhere.example>\r\n' '<553 5.7.1' \
  '>QUIT\r\n' '<221'
set_control "$I" rcpthosts localhost

# --- badmailfrom ---------------------------------------------------------------------
set_control "$I" badmailfrom spammer@example.com @bad.example
smtp_ok "badmailfrom" '<220' '>HELO c\r\n' '<250' \
  '>MAIL FROM:<Spammer@Example.COM>\r\n' '<250' '>RCPT TO:<postmaster@localhost>\r\n' '<553 5.7.1' \
  '>RSET\r\n' '<250' '>MAIL FROM:<x@bad.example>\r\n' '<250' '>RCPT TO:<postmaster@localhost>\r\n' '<553 5.7.1' \
  '>RSET\r\n' '<250' '>MAIL FROM:<x@notbad.example>\r\n' '<250' '>RCPT TO:<postmaster@localhost>\r\n' '<250 2.1.5' \
  '>QUIT\r\n' '<221'
set_control "$I" badmailfrom

# --- badrcptto --------------------------------------------------------------------------
set_control "$I" badrcptto nobody@localhost @unwanted.localhost
set_control "$I" rcpthosts localhost unwanted.localhost
smtp_ok "badrcptto" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  '>RCPT TO:<NoBody@localhost>\r\n' '<553 5.7.1' \
  '>RCPT TO:<x@unwanted.localhost>\r\n' '<553 5.7.1' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: badrcptto\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
set_control "$I" badrcptto
set_control "$I" rcpthosts localhost
settle
find_subject "$UM" badrcptto

# --- localiphost ------------------------------------------------------------------------------
set_control "$I" localiphost localhost
smtp_ok "localiphost" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  '>RCPT TO:<postmaster@[127.0.0.1]>\r\n' '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: localiphost\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
settle
find_subject "$PM" localiphost
assert_eq "Delivered-To: postmaster@localhost" "`sed -n 2p "$FOUND"`" "Delivered-To of the message to postmaster@[127.0.0.1]"
set_control "$I" localiphost

# --- databytes and SIZE ---------------------------------------------------------------------
set_control "$I" databytes 1000
smtp_ok "databytes 1000" '<220' '>EHLO c\r\n' '<250' 'has:SIZE 1000' \
  '>MAIL FROM:<a@example.com> SIZE=1001\r\n' '<552 5.3.4' \
  '>MAIL FROM:<a@example.com> SIZE=99999999999999999999999\r\n' '<~5[0-9][0-9] 5\.[0-9]+\.[0-9]+.*' \
  '>MAIL FROM:<a@example.com> SIZE=1000\r\n' '<250 2.1.0' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' \
  '>DATA\r\n' '<354' "*2000:x" '>\r\n.\r\n' '<552 5.3.4' \
  '>RSET\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250 2.1.0' ">RCPT TO:<$ME@localhost>\r\n" '<250' \
  '>DATA\r\n' '<354' '>Subject: small enough\r\n\r\nx\r\n.\r\n' '<250 2.0.0' \
  '>QUIT\r\n' '<221'
# DATABYTES overrides the control
smtpd_stop
smtpd_start -e DATABYTES=5000
smtp_ok "DATABYTES 5000" '<220' '>EHLO c\r\n' '<250' 'has:SIZE 5000' \
  '>MAIL FROM:<a@example.com> SIZE=4000\r\n' '<250 2.1.0' '>RSET\r\n' '<250' \
  '>MAIL FROM:<a@example.com> SIZE=5001\r\n' '<552 5.3.4' '>QUIT\r\n' '<221'
smtpd_stop
set_control "$I" databytes
smtpd_start
# no limit: a SIZE beyond the free space of the queue is a temporary failure
smtp_ok "SIZE beyond the free space" '<220' '>EHLO c\r\n' '<250' \
  '>MAIL FROM:<a@example.com> SIZE=900000000000000\r\n' '<452 4.3.1' \
  '>MAIL FROM:<a@example.com> SIZE=1000\r\n' '<250 2.1.0' '>QUIT\r\n' '<221'
settle
find_subject "$UM" "small enough"
assert_eq 2 "`maildir_count "$UM"`" "messages delivered (the one over databytes must not be)"

# --- timeoutsmtpd ---------------------------------------------------------------------------
set_control "$I" timeoutsmtpd 2
start=`date +%s`
smtp_ok "timeoutsmtpd 2" '<220' '>HELO c\r\n' '<250' '<451 4.4.2' '<EOF'
took=$((`date +%s` - start))
echo "idle session closed after $took s"
[ $took -le 6 ] || fail "an idle session was closed after $took s, with timeoutsmtpd 2"
set_control "$I" timeoutsmtpd

# RFC 1870: a SIZE value has up to 20 digits; one of 18 beyond the free
# space is a temporary failure, not a syntax error
smtp_ok "an 18-digit SIZE" '<220' '>EHLO c\r\n' '<250' \
  '>MAIL FROM:<a@example.com> SIZE=999999999999999999\r\n' '<452 4.3.1' '>QUIT\r\n' '<221'
pass
