#!/bin/sh
# Every caller of ecosystem.md 1.1 replayed through a running instance with
# the real qmail-inject: the caller's exact argv and the input it writes go
# to the instance's bin/sendmail; the test then finds the message in the
# Maildir of each recipient and checks the envelope (Return-Path, written
# by qmail-local from the envelope sender, and Delivered-To) and the exact
# body bytes, plus the header facts each caller depends on (Bcc removed,
# -F name in a made From:, CR LF gone, a "From " first line gone).
# The instance's local domain is mail.test (control/defaulthost), so that
# qmail-inject's rewriting of names without a dot plays no part.
# timeout: 200
. tests/lib.sh
. tests/lib_sendmail.sh
need_programs sendmail qmail-queue qmail-send qmail-smtpd qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
[ -x "$TOP/qmail-inject" ] || skip "qmail-inject not built"
need_cmd svscan svc svstat multilog

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
SM=$I/bin/sendmail
# the invoking user as qmail-inject's default sender
QMAILUSER=$ME QMAILHOST=$D
export QMAILUSER QMAILHOST
unset QMAILNAME MAILNAME NAME QMAILINJECT
mkdir -p "$T/seen"

# send NAME INPUT ARG...: runs sendmail with ARG... on the file INPUT, exit 0
send() {
  s_name=$1 s_in=$2
  shift 2
  "$SM" "$@" < "$s_in" > "$T/out" 2> "$T/err"
  s_rc=$?
  [ $s_rc = 0 ] || fail "$s_name: sendmail $* exited $s_rc: `cat "$T/err"`"
  LAST=$s_name
}

# got MAILDIR SENDER RCPT BODY [PATTERN...]: one new message in MAILDIR,
# from SENDER to RCPT, with exactly BODY (printf format) after its header
# and a header line matching each PATTERN ("!PATTERN": no line matches);
# the message is then moved away, to $T/seen
got() {
  g_md=$1 g_sender=$2 g_rcpt=$3 g_body=$4
  shift 4
  wait_for 30 maildir_has "$g_md" 1 || fail "$LAST: nothing delivered to $g_md"
  g_f=`find "$g_md/new" "$g_md/cur" -type f | head -n 1`
  assert_eq 1 "`maildir_count "$g_md"`" "$LAST: messages in $g_md"
  assert_eq "Return-Path: <$g_sender>" "`sed -n 1p "$g_f"`" "$LAST: envelope sender"
  assert_eq "Delivered-To: $g_rcpt" "`sed -n 2p "$g_f"`" "$LAST: recipient"
  sed '1,/^$/d' "$g_f" > "$T/body.got"
  printf '%b' "$g_body" > "$T/body.want"
  cmp -s "$T/body.want" "$T/body.got" || { od -c "$T/body.want"; od -c "$T/body.got"; fail "$LAST: the body"; }
  sed '/^$/q' "$g_f" > "$T/head.got"
  for g_p in "$@"; do
    case $g_p in
      !*) grep -q -e "${g_p#!}" "$T/head.got" && { cat "$T/head.got"; fail "$LAST: a header line matches ${g_p#!}"; } ;;
      *) grep -q -e "$g_p" "$T/head.got" || { cat "$T/head.got"; fail "$LAST: no header line matches $g_p"; } ;;
    esac
  done
  mv "$g_f" "$T/seen/" || fail "mv $g_f"
}

# Debian cron: -FCronDaemon -i -B8BITMIME -oem MAILTO (a bare name)
printf 'From: root (Cron Daemon)\nTo: %s\nSubject: Cron <%s@h> ls\nMIME-Version: 1.0\n\nout\n.\nmore\n' "$ME" "$ME" > "$T/m"
send cron "$T/m" -FCronDaemon -i -B8BITMIME -oem "$ME"
got "$MINE" "$ME@$D" "$ME@$D" 'out\n.\nmore\n' '^Subject: Cron <'

# anacron: -FAnacron -odi MAILTO, no -i, no From: (the -F name is used)
printf 'To: %s\nSubject: Anacron job\n\njob output\n' "$ME" > "$T/m"
send anacron "$T/m" -FAnacron -odi "$ME"
got "$MINE" "$ME@$D" "$ME@$D" 'job output\n' '^From: .*Anacron'

# mdadm: -t, From: in the header, LF
printf 'From: mdadm monitoring <root@%s>\nTo: %s@%s\nSubject: Fail event on /dev/md0:h\n\nThis is an automatically generated mail message\n' "$D" "$ME" "$D" > "$T/m"
send mdadm "$T/m" -t
got "$MINE" "$ME@$D" "$ME@$D" 'This is an automatically generated mail message\n' '^Subject: Fail event'

# bsd-mailx -r: -i -t -f addr; To and Cc
printf 'From: s@example.org\nTo: %s@%s\nCc: postmaster@%s\nSubject: mailx\nMIME-Version: 1.0\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: 8bit\n\n\303\251t\303\251\n' "$ME" "$D" "$D" > "$T/m"
send bsd-mailx "$T/m" -i -t -f s@example.org
got "$MINE" s@example.org "$ME@$D" '\303\251t\303\251\n'
got "$PM" s@example.org "postmaster@$D" '\303\251t\303\251\n'

# GNU mailutils: -oi -f sender -t
printf 'To: %s@%s\nSubject: mailutils\n\nmu\n' "$ME" "$D" > "$T/m"
send mailutils "$T/m" -oi -f "$ME@$D" -t
got "$MINE" "$ME@$D" "$ME@$D" 'mu\n'

# s-nail: -i -- rcpts; with -r: -i -f addr -- rcpts
printf 'Subject: s-nail\n\nsn\n' > "$T/m"
send s-nail "$T/m" -i -- "$ME@$D"
got "$MINE" "$ME@$D" "$ME@$D" 'sn\n'
send s-nail-r "$T/m" -i -f r@example.org -- "$ME@$D"
got "$MINE" r@example.org "$ME@$D" 'sn\n'

# mutt: -oem -oi -- To+Cc+Bcc (Bcc header already removed)
printf 'From: m@example.org\nTo: %s@%s\nSubject: mutt\n\nmutt body\n' "$ME" "$D" > "$T/m"
send mutt "$T/m" -oem -oi -- "$ME@$D" "postmaster@$D"
got "$MINE" "$ME@$D" "$ME@$D" 'mutt body\n'
got "$PM" "$ME@$D" "postmaster@$D" 'mutt body\n'
# mutt with use_envelope_from, 8-bit body and DSN
send mutt-dsn "$T/m" -oem -oi -B8BITMIME -f m@example.org -N success,failure -R hdrs -- "$ME@$D"
got "$MINE" m@example.org "$ME@$D" 'mutt body\n'

# git send-email: -f sender -i rcpts (no --)
printf 'From: g@example.org\nTo: %s@%s\nSubject: [PATCH] x\n\n---\n.\n diff\n' "$ME" "$D" > "$T/m"
send git "$T/m" -f g@example.org -i "$ME@$D"
got "$MINE" g@example.org "$ME@$D" '---\n.\n diff\n'

# PHP 8 mail(): -t -i and the 5th argument glued; CR LF header, LF body
printf 'To: %s@%s\r\nSubject: php\r\nX-Mailer: PHP\r\n\r\nline one\nline two\n' "$ME" "$D" > "$T/m"
send php "$T/m" -t -i -fbounce@example.org
got "$MINE" bounce@example.org "$ME@$D" 'line one\nline two\n' '^X-Mailer: PHP$' '!'"`printf '\r'`"

# Symfony -t mode without -i: -f'<sender>' -- rcpt, dots doubled by Symfony
printf 'From: s@example.org\nTo: %s@%s\nSubject: sy\n\n..leading dot\nend\n' "$ME" "$D" > "$T/m"
send symfony "$T/m" '-f<s@example.org>' -- "$ME@$D"
got "$MINE" s@example.org "$ME@$D" '.leading dot\nend\n'

# Symfony/Laravel default: -bs (and -bs -i)
printf 'EHLO x\r\nMAIL FROM:<sy@example.org>\r\nRCPT TO:<%s@%s>\r\nDATA\r\nSubject: bs\r\n\r\nvia smtp\r\n.\r\nQUIT\r\n' "$ME" "$D" > "$T/m"
send symfony-bs "$T/m" -bs -i
got "$MINE" sy@example.org "$ME@$D" 'via smtp\n'

# Email::Sender: -i -f '' -- rcpt (null sender), LF
printf 'From: e@example.org\nSubject: es\n\nnull sender\n' > "$T/m"
send email-sender "$T/m" -i -f '' -- "$ME@$D"
got "$MINE" '' "$ME@$D" 'null sender\n'

# ActionMailer, old defaults: -i -t -f x -- rcpts (union with To:)
printf 'From: a@example.org\nTo: postmaster@%s\nSubject: am\n\nunion\n' "$D" > "$T/m"
send actionmailer-old "$T/m" -i -t -f a@example.org -- "$ME@$D"
got "$MINE" a@example.org "$ME@$D" 'union\n'
got "$PM" a@example.org "postmaster@$D" 'union\n'
# ActionMailer now: -i -f x -- rcpts (header To: not used)
send actionmailer "$T/m" -i -f a@example.org -- "$ME@$D"
got "$MINE" a@example.org "$ME@$D" 'union\n'

# -t with Bcc: the Bcc recipient gets it, nobody sees the field
printf 'From: b@example.org\nTo: %s@%s\nBcc: postmaster@%s\nSubject: bcc\n\nblind\n' "$ME" "$D" "$D" > "$T/m"
send bcc "$T/m" -oi -t
got "$MINE" "$ME@$D" "$ME@$D" 'blind\n' '!^Bcc:'
got "$PM" "$ME@$D" "postmaster@$D" 'blind\n' '!^Bcc:'

# a message re-sent from an mbox: the "From " line goes, CR LF too
printf 'From someone@example.org Mon Jan  1 00:00:00 2024\r\nSubject: mbox\r\n\r\nFrom inside\r\n' > "$T/m"
send from-line "$T/m" -i "$ME@$D"
got "$MINE" "$ME@$D" "$ME@$D" 'From inside\n' '!^From ' '!MBOX-Line'

# -t and no recipient anywhere: refused, nothing queued
printf 'Subject: nobody\n\nx\n' > "$T/m"
"$SM" -t < "$T/m" > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 65 ] || fail "-t without recipients: exit $rc, expected 65 (`cat "$T/err"`)"

# nothing else arrived
assert_eq 0 "`maildir_count "$MINE"`" "stray messages for $ME"
assert_eq 0 "`maildir_count "$PM"`" "stray messages for postmaster"
pass
