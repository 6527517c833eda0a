#!/bin/sh
# qmail-inject gives each envelope recipient once, as sendmail and Postfix
# do: the exact envelope ($QMAILQUEUE recorder) when an address is in To:
# and Bcc: (sendmail -t), twice in To:, in the arguments and the header
# (sendmail -t with arguments: -H), spelled with another domain case or
# rewritten to the same address; a different local part case stays two;
# first-seen order. A real instance delivers one copy of a message that
# names its recipient in To: and Bcc:. 1,000,000 recipients (16 MB header)
# stay fast (the time is printed, not asserted). An address echoed in an
# error shows control bytes as \ooo (no raw ESC reaches the terminal).
. tests/lib.sh
. tests/lib_helpers.sh
need_programs qmail-inject qmail-queue sendmail qmail-send
need_cmd awk od

helpers_instance || { cat "$T/mkinstance.out"; fail "mkinstance"; }
recorder
echo dh > "$I/control/defaulthost"
echo example.com > "$I/control/defaultdomain"
Q=$I/bin/qmail-inject
ME=`me`

# inj PROGRAM ARGS...: PROGRAM (qmail-inject or sendmail of the instance)
# with USER=joe and the recorder as queue program
inj() {
  p=$1
  shift
  (
    unset QMAILUSER MAILUSER LOGNAME QMAILHOST MAILHOST QMAILNAME MAILNAME NAME \
      QMAILSUSER QMAILSHOST QMAILINJECT QMAILMFTFILE QMAILDEFAULTDOMAIN \
      QMAILDEFAULTHOST QMAILPLUSDOMAIN QMAILIDHOST
    USER=joe QMAILQUEUE=$T/qq
    export USER QMAILQUEUE REC
    exec "$I/bin/$p" "$@"
  ) > "$T/out" 2> "$T/err"
  RC=$?
}

inj_in() {
  inj "$@" < "$T/in"
}

# expect_env WHAT RECIPIENT...: the recorded envelope is F joe's address
# and exactly these T records
expect_env() {
  what=$1
  shift
  {
    printf 'Fjoe@dh.example.com\0'
    for r in "$@"; do printf 'T%s\0' "$r"; done
    printf '\0'
  } > "$T/want"
  same_file "$T/want" "$REC/envelope" "the envelope of $what"
}

# --- duplicates ---------------------------------------------------------------
printf 'To: ann@example.org\nBcc: ann@example.org\nSubject: s\n\nbody\n' > "$T/in"
inj_in sendmail -t
assert_eq 0 "$RC" "sendmail -t: exit (`cat "$T/err"`)"
expect_env "sendmail -t, To: and Bcc: the same" ann@example.org
grep -q '^Bcc' "$REC/message" && fail "the Bcc field was queued"

rec_reset
printf 'To: ann@example.org, bob@example.org, ann@example.org\nCc: Bob@example.org\n\nb\n' > "$T/in"
inj_in qmail-inject -h
assert_eq 0 "$RC" "twice in To: exit (`cat "$T/err"`)"
expect_env "twice in To:" ann@example.org bob@example.org Bob@example.org
# the header keeps what the sender wrote
grep -q '^To: ann@example.org, bob@example.org, ann@example.org$' "$REC/message" ||
  fail "the To field changed: `cat "$REC/message"`"

rec_reset
printf 'To: carl@EXAMPLE.org, ann\nBcc: dan@example.org\n\nb\n' > "$T/in"
inj_in sendmail -t dan@example.org carl@example.ORG ann@dh.example.com
assert_eq 0 "$RC" "sendmail -t with arguments: exit (`cat "$T/err"`)"
expect_env "sendmail -t with arguments (-H)" dan@example.org carl@example.ORG ann@dh.example.com

rec_reset
printf 'Subject: s\n\nb\n' > "$T/in"
inj_in sendmail ann@example.org ann@Example.Org ann ann@dh.example.com
assert_eq 0 "$RC" "sendmail with repeated arguments: exit (`cat "$T/err"`)"
expect_env "repeated arguments" ann@example.org ann@dh.example.com

# --- a real delivery: one copy ------------------------------------------------
instance_start "$I"
printf 'To: %s@localhost\nBcc: %s@LOCALHOST\nSubject: once\n\nbody\n' "$ME" "$ME" |
  "$I/bin/sendmail" -t > "$T/out" 2> "$T/err" || fail "sendmail -t exited $?: `cat "$T/err"`"
M=`mailbox "$I"`
wait_for 30 maildir_has "$M" 1 || fail "no delivery"
# qmail-send is done with the message when its queue files are gone
queue_empty() {
  [ -z "`find "$I/queue/mess" -type f 2>/dev/null`" ]
}
wait_for 30 queue_empty || fail "the message is still in the queue"
assert_eq 1 "`maildir_count "$M"`" "messages delivered for To: and Bcc: naming one mailbox"
grep -q '^Bcc' "$M"/new/* && fail "the delivered message has a Bcc field"

# --- 1,000,000 recipients -------------------------------------------------------
# 100 To: fields of 10,000 addresses; the Bcc repeats one (another domain
# case) and adds one
awk 'BEGIN {
  printf "Subject: many\n"
  for (f = 0; f < 100; f++) {
    printf "To: "
    for (i = 0; i < 10000; i++) { n = f * 10000 + i; printf "%su%d@Ex%d.org", (i ? ", " : ""), n, n % 7 }
    printf "\n"
  }
  printf "Bcc: u5@ex5.ORG, u999999@EX1.org\n\nbody\n"
}' > "$T/big" || fail "awk"
rec_reset
start=`date +%s.%N`
inj qmail-inject -h < "$T/big"
end=`date +%s.%N`
assert_eq 0 "$RC" "1,000,000 recipients: exit (`cat "$T/err"`)"
echo "1,000,000 recipients: `echo "$start $end" | awk '{ printf "%.2f", $2 - $1 }'` s"
tr '\0' '\n' < "$REC/envelope" > "$T/env.txt"
assert_eq 1000001 "`grep -c '^T' "$T/env.txt"`" "recipients of 1,000,000 + 1 distinct"
assert_eq 'Tu0@Ex0.org Tu1@Ex1.org Tu999999@Ex0.org Tu999999@EX1.org' \
  "`sed -n '2p;3p;1000001p;1000002p' "$T/env.txt" | tr '\n' ' ' | sed 's/ $//'`" \
  "the first and the last recipients"


# --- control bytes in an echoed address -----------------------------------------
esc=`printf '\033'`
for p in qmail-inject sendmail; do
  rec_reset
  printf 'Subject: s\n\nb\n' > "$T/in"
  inj_in "$p" "<a${esc}[2Jb"
  [ "$RC" = 0 ] && fail "$p queued for an unparsable recipient"
  [ -f "$REC/envelope" ] && fail "$p queued for an unparsable recipient"
  assert_grep "$T/err" 'qmail-inject: fatal: unable to parse the recipient address <a\\033\[2Jb$'
  od -An -c "$T/err" | grep -q '033' && fail "$p: a raw ESC on stderr: `od -c "$T/err"`"
done
printf 'Subject: s\n\nb\n' > "$T/in"
inj_in qmail-inject "`printf '"a\001b"@example.org'`"
assert_eq 100 "$RC" "a control character in a recipient: exit"
assert_eq 'qmail-inject: fatal: a control character in the recipient address "a\001b"@example.org' \
  "`cat "$T/err"`" "the message for a control character in a recipient"
pass
