#!/bin/sh
# sendmail's command line, checked at the qmail-inject boundary: an
# instance whose bin/qmail-inject is a stand-in that records its arguments,
# environment, working directory and input (tests/lib_sendmail.sh). The
# exact argv of every caller of ecosystem.md 1.1 (cron, anacron, mdadm,
# bsd-mailx, mailutils, s-nail, mutt with and without DSN, git send-email,
# PHP, Symfony, Email::Sender, ActionMailer, MIME::Lite, busybox), glued and
# separate values, grouped letters, "--", the null sender spellings, -F,
# the input rules (CR LF, a "From " first line, the "." line and "..", -i),
# usage errors (64), the translation of qmail-inject's exit codes (never
# 100 or 111), a read error (74, nothing queued), -bi/newaliases, -bp/mailq,
# -q (ALRM through supervise's control pipe), -bs through the real
# qmail-smtpd into the queue, and argv0 dispatch through links.
. tests/lib.sh
. tests/lib_sendmail.sh
need_programs sendmail qmail-queue qmail-smtpd
need_cmd mkfifo od

I=$T/inst
instance_create "$I" > "$T/mkinstance.out" 2>&1 || { cat "$T/mkinstance.out"; fail "mkinstance"; }
standin "$I"
ME=`me`
MSG='Subject: s\n\nbody\n'
printf "$MSG" > "$T/msg"

# --- callers of ecosystem 1.1, exact argv ---------------------------------
sm -FCronDaemon -i -B8BITMIME -oem "$ME" < "$T/msg"
assert_eq 0 "$RC" "cron: exit"
expect_argv -a -- "$ME"
expect_stdin "$MSG"
expect_env MAILNAME CronDaemon
[ "`cat "$SI/cwd"`" = "$I" ] || fail "qmail-inject ran in `cat "$SI/cwd"`, not $I"

sm -FCronDaemon -i -odi -oem -oi -t -f '<>' < "$T/msg"
assert_eq 0 "$RC" "cronie: exit"
expect_argv -h -f '<>' --
expect_env MAILNAME CronDaemon

sm -FAnacron -odi root < "$T/msg"
assert_eq 0 "$RC" "anacron: exit"
expect_argv -a -- root
expect_env MAILNAME Anacron

printf 'From: mdadm monitoring <root>\nTo: root\nSubject: Fail event on /dev/md0:h\n\nbody\n' > "$T/mdadm"
sm -t < "$T/mdadm"
assert_eq 0 "$RC" "mdadm: exit"
expect_argv -h --
expect_stdin 'From: mdadm monitoring <root>\nTo: root\nSubject: Fail event on /dev/md0:h\n\nbody\n'

for args in "-oi -t" "-i -t" "-t -i"; do
  sm $args < "$T/msg"
  assert_eq 0 "$RC" "$args: exit"
  expect_argv -h --
done

sm -i -t -f sender@example.org < "$T/msg"   # bsd-mailx -r
expect_argv -h -f sender@example.org --
expect_env QMAILUSER sender
expect_env QMAILHOST example.org
expect_env MAILNAME '(unset)'

sm -oi -f "$ME@localhost" -t < "$T/msg"     # mailutils
assert_eq 0 "$RC" "mailutils: exit"
expect_argv -h -f "$ME@localhost" --

sm -i -- a@example.org -b@example.org < "$T/msg"   # s-nail
expect_argv -a -- a@example.org -b@example.org
sm -i -f r@example.org -- a@example.org < "$T/msg"
expect_argv -a -f r@example.org -- a@example.org

sm -oem -oi -- a@example.org b@example.org < "$T/msg"   # mutt
assert_eq 0 "$RC" "mutt: exit"
expect_argv -a -- a@example.org b@example.org
sm -oem -oi -B8BITMIME -f me@example.org -N success,failure -R hdrs -- a@example.org < "$T/msg"
assert_eq 0 "$RC" "mutt with DSN: exit"
expect_argv -a -f me@example.org -- a@example.org
sm -oem -oi -N never -- a@example.org < "$T/msg"
assert_eq 0 "$RC" "mutt -N never: exit"

sm -f me@example.org -i a@example.org b@example.org < "$T/msg"   # git send-email
expect_argv -a -f me@example.org -- a@example.org b@example.org
sm -i a@example.org < "$T/msg"
expect_argv -a -- a@example.org

printf 'To: a@example.org\r\nSubject: php\r\n\r\nline one\nline two\n' > "$T/php"
sm -t -i -fbounce@example.org < "$T/php"          # PHP mail() with a 5th argument
assert_eq 0 "$RC" "PHP: exit"
expect_argv -h -f bounce@example.org --
expect_stdin 'To: a@example.org\nSubject: php\n\nline one\nline two\n'

printf 'To: a@example.org\nSubject: sy\n\n..leading dot\n.\nafter\n' > "$T/symfony"
sm -t -f'<s@example.org>' -- a@example.org < "$T/symfony"   # Symfony -t mode, no -i: dots doubled
expect_argv -H -f s@example.org -- a@example.org
expect_stdin 'To: a@example.org\nSubject: sy\n\n.leading dot\n'

sm -i -f '' -- a@example.org < "$T/msg"      # Email::Sender, null sender
expect_argv -a -f '<>' -- a@example.org
expect_env QMAILUSER '(unset)'
sm -i -t -f x@example.org -- a@example.org < "$T/msg"   # old ActionMailer
expect_argv -H -f x@example.org -- a@example.org
sm -i -f x@example.org -- a@example.org < "$T/msg"      # ActionMailer
expect_argv -a -f x@example.org -- a@example.org
sm -t -oi -oem -ffrom@example.org < "$T/msg"            # MIME::Lite
expect_argv -h -f from@example.org --
sm -t -oem -i < "$T/msg"                                # busybox crond
expect_argv -h --
sm -ti < "$T/msg"                                       # busybox grouped
expect_argv -h --
sm -i -B 8BITMIME a@example.org < "$T/msg"              # asphalt-mailer
expect_argv -a -- a@example.org
sm -f "<s@example.org>" "d@example.org" < "$T/msg"      # fail2ban
expect_argv -a -f s@example.org -- d@example.org

# --- separate and glued forms, accepted-and-ignored letters ---------------
sm -F Cron -o i -r r@x.example -B 8BITMIME -N never -R full -V id -L tag -h 3 -C /etc/x -X /tmp/x -p smtp -e m -Ac -O Timeout=5 -v -G -U -m -n -x -E -J -d0.1 u@x.example < "$T/msg"
assert_eq 0 "$RC" "every ignored option: exit (`cat "$T/err"`)"
expect_argv -a -f r@x.example -- u@x.example
expect_env MAILNAME Cron
sm -f x@example.org -F 'Some Body' u < "$T/msg"
expect_env MAILNAME 'Some Body'
expect_env QMAILUSER x
QMAILNAME=Other NAME=N sm -F Who u < "$T/msg"
expect_env MAILNAME Who
expect_env QMAILNAME '(unset)'
sm -f plain u < "$T/msg"
expect_env QMAILUSER plain
expect_env QMAILHOST '(unset)'

# --- the input rules ------------------------------------------------------
printf 'From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: s\n\nFrom here\n' | sm -i u
expect_stdin 'Subject: s\n\nFrom here\n'
printf 'Subject: s\n\na\n.\nnot read\n' | sm u
expect_stdin 'Subject: s\n\na\n'
printf 'Subject: s\r\n\r\na\r\n.\r\nnot read\r\n' | sm u
expect_stdin 'Subject: s\n\na\n'
printf 'Subject: s\n\na\n.\nstill read\n..two\n' | sm -i u
expect_stdin 'Subject: s\n\na\n.\nstill read\n..two\n'
printf 'Subject: s\n\na\n.\nstill read\n' | sm -oi u
expect_stdin 'Subject: s\n\na\n.\nstill read\n'
printf 'Subject: s\n\n...x\n.y\nbare\rcr\nno newline' | sm u
expect_stdin 'Subject: s\n\n..x\n.y\nbare\rcr\nno newline'
[ -f "$SI/done" ] || fail "the stand-in did not see the end of its input"

# --- usage errors: 64, qmail-inject not run -------------------------------
check_usage() {
  sm "$@" < "$T/msg"
  assert_eq 64 "$RC" "exit of sendmail $*"
  [ -f "$SI/argv" ] && fail "qmail-inject ran for sendmail $*"
  grep -q '^sendmail: fatal: ' "$T/err" || fail "no message for sendmail $*: `cat "$T/err"`"
}
check_usage -k u
check_usage -bd
check_usage -bv u
check_usage -bt
check_usage -bh
check_usage -bz u
check_usage -f
check_usage -i
check_usage
check_usage --
check_usage -F x
check_usage "a
b"
check_usage -f "a
b" u
assert_grep "$T/err" 'line break'
# a control character: named as -f, not as the environment qmail-inject
# would otherwise have blamed (sendmail puts -f into QMAILUSER)
check_usage -f "`printf 'a\001b@example.com'`" u
assert_grep "$T/err" 'the sender (-f) contains a control character'
check_usage -i -FCron
assert_grep "$T/err" 'no recipients'
sm u -t < "$T/msg"          # options end at the first recipient
assert_eq 0 "$RC" "u -t: exit"
expect_argv -a -- u -t

# --- exit codes of qmail-inject, translated -------------------------------
for pair in 0:0 100:65 111:75 3:70 1:70; do
  SI_EXIT=${pair%:*} sm u < "$T/msg"
  assert_eq "${pair#*:}" "$RC" "exit of sendmail when qmail-inject exits ${pair%:*}"
  [ "${pair%:*}" = 0 ] || grep -q '^sendmail: fatal: qmail-inject' "$T/err" || fail "no message for exit ${pair%:*}: `cat "$T/err"`"
done
# killed by a signal
cp "$SM_INJECT" "$T/standin.keep"
printf '#!/bin/sh\ncat > /dev/null\nkill -9 $$\n' > "$SM_INJECT"
sm u < "$T/msg"
assert_eq 70 "$RC" "exit of sendmail when qmail-inject is killed"
assert_grep "$T/err" 'killed by signal 9'
# an early exit without reading: EPIPE is not sendmail's error
printf '#!/bin/sh\nexit 111\n' > "$SM_INJECT"
head -c 300000 /dev/zero | tr '\0' 'x' > "$T/big"
sm u < "$T/big"
assert_eq 75 "$RC" "exit of sendmail when qmail-inject exits 111 without reading"
# missing
rm -f "$SM_INJECT"
sm u < "$T/msg"
assert_eq 69 "$RC" "exit of sendmail without qmail-inject"
assert_grep "$T/err" "unable to run $SM_INJECT"
cp "$T/standin.keep" "$SM_INJECT"
# a read error: 74, and qmail-inject is killed before its input ends
sm u < "$T"
assert_eq 74 "$RC" "exit of sendmail on a read error"
[ -f "$SI/done" ] && fail "qmail-inject saw the end of a message that could not be read"

# --- modes ----------------------------------------------------------------
sm -bi < /dev/null
assert_eq 0 "$RC" "-bi: exit"
sm -I < /dev/null
assert_eq 0 "$RC" "-I: exit"
ln -s "$SM" "$T/mailq" || fail "ln"
# the instance's bin/newaliases, a link made by mkinstance.sh
[ "`readlink "$I/bin/newaliases"`" = sendmail ] || fail "$I/bin/newaliases is not a link to sendmail"
"$I/bin/newaliases" > "$T/out" 2> "$T/err" < /dev/null
assert_eq 0 "$?" "newaliases: exit"
[ -s "$T/out" ] || [ -s "$T/err" ] && fail "newaliases printed something"
# without qmail-qread (tests/qread.sh runs it through -bp and mailq)
[ -e "$I/bin/qmail-qread" ] && { mv "$I/bin/qmail-qread" "$T/qread.keep" || fail "mv qmail-qread"; }
sm -bp < /dev/null
assert_eq 69 "$RC" "-bp without qmail-qread: exit"
assert_grep "$T/err" "qmail-qread is not installed"
"$T/mailq" > "$T/out" 2> "$T/err" < /dev/null
assert_eq 69 "$?" "mailq without qmail-qread: exit"
[ -e "$T/qread.keep" ] && { mv "$T/qread.keep" "$I/bin/qmail-qread" || fail "mv qmail-qread back"; }
sm -q30m < /dev/null
assert_eq 0 "$RC" "-q30m: exit"
[ -f "$SI/argv" ] && fail "-q30m ran qmail-inject"
# -q without a supervise: nothing to do
sm -q < /dev/null
assert_eq 0 "$RC" "-q without supervise: exit"
# -q with a supervise: "a" on its control pipe (the test holds a reader open)
C=$I/service/qmail-send/supervise
mkdir -p "$C" && mkfifo "$C/control" || fail "mkfifo"
exec 3<> "$C/control"
sm -q < /dev/null
assert_eq 0 "$RC" "-q: exit (`cat "$T/err"`)"
got=`dd bs=1 count=1 <&3 2>/dev/null`
assert_eq a "$got" "the command -q wrote to supervise"
sm -qRexample.org < /dev/null
got=`dd bs=1 count=1 <&3 2>/dev/null`
assert_eq a "$got" "the command -qR wrote to supervise"
exec 3<&-
rm -rf "$C"

# -bs: the real qmail-smtpd as a local relay client, into the queue
printf 'EHLO test\r\nMAIL FROM:<bs@example.org>\r\nRCPT TO:<far@remote.example>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' |
  "$SM" -bs > "$T/smtp" 2> "$T/err"
assert_eq 0 "$?" "-bs: exit (`cat "$T/err"`)"
tr -d '\r' < "$T/smtp" > "$T/smtp.lf"
grep -q '^220 ' "$T/smtp.lf" || fail "-bs: no greeting: `cat "$T/smtp.lf"`"
grep -q '^250 .*ok' "$T/smtp.lf" || fail "-bs: the recipient or the message was refused: `cat "$T/smtp.lf"`"
grep -q '^221 ' "$T/smtp.lf" || fail "-bs: no 221: `cat "$T/smtp.lf"`"
todo=`find "$I/queue/todo" -type f | head -n 1`
[ -n "$todo" ] || fail "-bs: nothing queued"
tr '\0' '\n' < "$todo" > "$T/todo"
assert_grep "$T/todo" '^Fbs@example.org$'
assert_grep "$T/todo" '^Tfar@remote.example$'
m=`find "$I/queue/mess" -type f | head -n 1`
grep -qxF 'Received: from localhost (HELO test) (sendmail-bs@127.0.0.1)' "$m" ||
  fail "-bs: no Received line for the local client: `head -n 3 "$m"`"
assert_grep "$m" '^via -bs$'
pass
