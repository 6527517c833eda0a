# tests/lib_mua.sh: helpers for tests/mua-*.sh, where a real mail user
# agent sends through an instance's bin/sendmail. Source it after
# tests/lib.sh.
#
#   mua_instance            I = a running instance whose local domain is
#                           mail.test (D), as in tests/sendmail-callers.sh;
#                           ME the invoking user, MINE and PM the Maildirs of
#                           ME and postmaster; HOME=$T for the agent, the
#                           environment qmail-inject reads set to ME@D
#   mua_sendmail            writes $T/sendmail (SENDMAIL), which appends its
#                           arguments to $T/argv, one "[ARG]" each, a line
#                           per run, and pipes its input through tee (a copy
#                           in $T/input) to $I/bin/sendmail with the same
#                           arguments, exiting as that does: the agent is
#                           pointed at it, never at /usr/sbin/sendmail
#   expect_argv ARG...      the one run recorded had exactly ARG... (printed
#                           into the log either way)
#   one_message MAILDIR     waits for MAILDIR to hold exactly one message;
#                           MSG = its file name
#   split_message FILE      $T/head (the header, without its empty line) and
#                           $T/body (what follows the empty line)
#   expect_envelope WHAT SENDER RCPT
#                           $T/head begins with Return-Path <SENDER>,
#                           Delivered-To RCPT and qmail-queue's Received
#                           (whose "invoked by" depends on the uid: in an
#                           instance made by an ordinary user, every role is
#                           that user and the alias account is named)
#
# The checks of MIME structure and decoded parts use Python's email module.

LC_ALL=C
export LC_ALL

mua_instance() {
  I=$T/inst
  instance_create "$I" > "$T/mkinstance.out" 2>&1 || { cat "$T/mkinstance.out"; fail "mkinstance"; }
  D=mail.test
  printf 'localhost\n%s\n' "$D" > "$I/control/locals"
  printf 'localhost\n%s\n' "$D" > "$I/control/rcpthosts"
  echo "$D" > "$I/control/defaulthost"
  echo "$D" > "$I/control/defaultdomain"
  instance_start "$I"
  ME=`me`
  MINE=`mailbox "$I"`
  PM=`mailbox "$I" postmaster`
  HOME=$T
  QMAILUSER=$ME QMAILHOST=$D
  export HOME QMAILUSER QMAILHOST
  unset QMAILNAME MAILNAME NAME QMAILINJECT MAILRC EMAIL
}

mua_sendmail() {
  SENDMAIL=$T/sendmail
  {
    echo '#!/bin/sh'
    echo "for a in \"\$@\"; do printf '[%s]' \"\$a\"; done >> '$T/argv'"
    echo "echo >> '$T/argv'"
    echo "tee '$T/input' | '$I/bin/sendmail' \"\$@\""
  } > "$SENDMAIL" && chmod 0755 "$SENDMAIL" || fail "unable to write $SENDMAIL"
  : > "$T/argv"
}

expect_argv() {
  echo "argv: `cat "$T/argv"`"
  for a in "$@"; do printf '[%s]' "$a"; done > "$T/want_argv"
  echo >> "$T/want_argv"
  cmp -s "$T/want_argv" "$T/argv" || fail "sendmail's arguments: expected `cat "$T/want_argv"`"
  : > "$T/argv"
}

one_message() {
  wait_for 30 maildir_has "$1" 1 || fail "nothing delivered to $1"
  assert_eq 1 "`maildir_count "$1"`" "messages in $1"
  MSG=`find "$1/new" "$1/cur" -type f`
}

split_message() {
  sed '/^$/q' "$1" | sed '$d' > "$T/head"
  sed '1,/^$/d' "$1" > "$T/body"
}

expect_envelope() {
  assert_eq "Return-Path: <$2>" "`sed -n 1p "$T/head"`" "$1: envelope sender"
  assert_eq "Delivered-To: $3" "`sed -n 2p "$T/head"`" "$1: recipient"
  sed -n 3p "$T/head" | grep -Eq '^Received: \(qmail [0-9]+ invoked (by uid [0-9]+|by alias)\); ' ||
    fail "$1: line 3 is not qmail-queue's Received: `sed -n 3p "$T/head"`"
}
