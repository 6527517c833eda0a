#!/bin/sh
# bsd-mailx (mail) sends through a running instance: "set sendmail" in the
# file MAILRC names the instance's bin/sendmail (-n: no /etc/mail.rc).
#
# 1. mail -r sender -s subj -a 'Header: x' -b bcc rcpt: mailx passes
#    -i -t -f sender; both recipients (To and Bcc, taken from the header)
#    get exactly what mailx wrote, minus its Bcc field, plus Return-Path
#    (the -r sender), Delivered-To, Received, and the Date and Message-ID
#    mailx leaves to qmail-inject; the body (UTF-8, a lone dot, two dots, a
#    "From " line) byte for byte.
# 2. mail -s subj -c cc rcpt, no -r: mailx passes -i -t; the envelope
#    sender and the From field made are the user's (QMAILUSER@QMAILHOST).
. tests/lib.sh
. tests/lib_mua.sh
need_programs sendmail qmail-inject qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog bsd-mailx

mua_instance
mua_sendmail
MAILRC=$T/mailrc
export MAILRC
printf 'set sendmail=%s\n' "$SENDMAIL" > "$MAILRC"

# check NAME MAILDIR SENDER [FIELD]: one message in MAILDIR for NAME@D from
# SENDER, whose header is mailx's ($T/input) without Bcc, after Return-Path,
# Delivered-To, Received, Date, Message-ID and FIELD (a line), and whose
# body is mailx's
check() {
  c_name=$1 c_md=$2 c_sender=$3 c_field=$4
  one_message "$c_md"
  split_message "$T/input"
  grep -v '^Bcc: ' "$T/head" > "$T/want.head"
  mv "$T/body" "$T/want.body"
  split_message "$MSG"
  expect_envelope "$c_name" "$c_sender" "$c_name@$D"
  sed -n 4p "$T/head" | grep -Eq '^Date: [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000$' ||
    fail "$c_name: line 4 is not our Date: `sed -n 4p "$T/head"`"
  sed -n 5p "$T/head" | grep -Eq '^Message-ID: <[0-9]+\.[0-9]{9}\.[0-9]+\.[0-9a-f]{16}@[^>]+>$' ||
    fail "$c_name: line 5 is not our Message-ID: `sed -n 5p "$T/head"`"
  {
    [ -n "$c_field" ] && echo "$c_field"
    cat "$T/want.head"
  } > "$T/want"
  sed 1,5d "$T/head" > "$T/got"
  cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got"; fail "$c_name: the header"; }
  cmp -s "$T/want.body" "$T/body" || { od -c "$T/body"; fail "$c_name: the body"; }
  rm -f "$MSG"
}

# --- 1: -r, -a, -b -----------------------------------------------------------
printf 'caf\303\251 line one\n.\n..two dots\nFrom inside the body\n\nlast line\n' > "$T/text"
bsd-mailx -n -r mx@example.org -s 'mailx: report' -a 'X-Mailx-Test: yes' -b "postmaster@$D" "$ME@$D" \
  < "$T/text" > "$T/out" 2>&1 || { cat "$T/out"; fail "bsd-mailx exited $?"; }
expect_argv -i -t -f mx@example.org
split_message "$T/input"
for p in '^From: mx@example.org$' '^X-Mailx-Test: yes$' "^Bcc: postmaster@$D\$" "^To: $ME@$D\$" '^Subject: mailx: report$'; do
  grep -q -e "$p" "$T/head" || { cat "$T/head"; fail "mailx wrote no line matching $p"; }
done
cmp -s "$T/text" "$T/body" || { od -c "$T/body"; fail "mailx changed the body"; }
check "$ME" "$MINE" mx@example.org
check postmaster "$PM" mx@example.org

# --- 2: no -r, -c ------------------------------------------------------------
printf 'second\n' > "$T/text"
bsd-mailx -n -s 'mailx: second' -c "postmaster@$D" "$ME@$D" \
  < "$T/text" > "$T/out" 2>&1 || { cat "$T/out"; fail "bsd-mailx exited $?"; }
expect_argv -i -t
split_message "$T/input"
grep -q "^From: " "$T/head" && fail "mailx wrote a From field without -r"
check "$ME" "$MINE" "$ME@$D" "From: $ME@$D"
check postmaster "$PM" "$ME@$D" "From: $ME@$D"

assert_eq 0 "`maildir_count "$MINE"`" "stray messages for $ME"
assert_eq 0 "`maildir_count "$PM"`" "stray messages for postmaster"
pass
