#!/bin/sh
# predate, datemail and mailsubj of an instance whose bin/qmail-inject is
# the recording stand-in (tests/lib_sendmail.sh): predate writes a Date:
# line in the zone TZ names, then its input, and returns the program's
# exit code; datemail is predate + the instance's sendmail (so the
# stand-in sees the Date: line first and sendmail's arguments); mailsubj
# gives qmail-inject Subject:, To: and the body, no arguments, and its exit
# code passes through; line breaks in a subject or recipient are refused.
. tests/lib.sh
. tests/lib_sendmail.sh
need_programs predate datemail mailsubj sendmail

I=$T/inst
instance_create "$I" > "$T/mkinstance.out" 2>&1 || { cat "$T/mkinstance.out"; fail "mkinstance"; }
standin "$I"

# predate
printf 'body\n' > "$T/body"
TZ=XYZ-05:30 "$I/bin/predate" cat < "$T/body" > "$T/out" 2> "$T/err"
assert_eq 0 $? "predate cat: exit"
sed -n 1p "$T/out" | grep -qE '^Date: [1-9][0-9]? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0530$' ||
  fail "predate's first line: `sed -n 1p "$T/out"`"
assert_eq body "`sed -n 2p "$T/out"`" "predate's second line"
assert_eq 2 "`wc -l < "$T/out" | tr -d ' '`" "predate's line count"
TZ=ABC+08 "$I/bin/predate" head -n 1 < "$T/body" | grep -qE ' -0800$' || fail "predate with TZ=ABC+08"
TZ=UTC0 "$I/bin/predate" head -n 1 < "$T/body" | grep -qE ' \+0000$' || fail "predate with TZ=UTC0"
# the hour agrees with date(1) in that zone (unless the minute turned)
h1=`TZ=XYZ-05:30 date +%H:%M`
h=`TZ=XYZ-05:30 "$I/bin/predate" head -n 1 < /dev/null | sed 's/^Date: [^:]* \([0-9][0-9]:[0-9][0-9]\):.*/\1/'`
h2=`TZ=XYZ-05:30 date +%H:%M`
[ "$h" = "$h1" ] || [ "$h" = "$h2" ] || fail "predate's time $h, date(1) says $h1"
"$I/bin/predate" sh -c 'cat > /dev/null; exit 7' < "$T/body"
assert_eq 7 $? "predate: the program's exit code"
"$I/bin/predate" > /dev/null 2>&1
assert_eq 100 $? "predate without a program"
"$I/bin/predate" "$T/no-such-program" < /dev/null > /dev/null 2>&1
assert_eq 111 $? "predate with a program that does not exist"

# datemail
si_reset
printf 'Subject: dm\n\nhello\n' | TZ=XYZ-05:30 "$I/bin/datemail" -f me@example.org you@example.org > "$T/out" 2> "$T/err"
assert_eq 0 $? "datemail: exit (`cat "$T/err"`)"
expect_argv -a -f me@example.org -- you@example.org
sed -n 1p "$SI/stdin" | grep -qE '^Date: .* \+0530$' || fail "datemail: first line `sed -n 1p "$SI/stdin"`"
assert_eq 'Subject: dm' "`sed -n 2p "$SI/stdin"`" "datemail: second line"
SI_EXIT=111 "$I/bin/datemail" you@example.org < "$T/body" > /dev/null 2>&1
assert_eq 75 $? "datemail: sendmail's exit code"

# mailsubj
si_reset
printf 'line 1\nline 2\n' | "$I/bin/mailsubj" 'the subject' a@example.org b@example.org > "$T/out" 2> "$T/err"
assert_eq 0 $? "mailsubj: exit (`cat "$T/err"`)"
expect_argv
expect_stdin 'Subject: the subject\nTo: a@example.org, b@example.org\n\nline 1\nline 2\n'
[ "`cat "$SI/cwd"`" = "$I" ] || fail "mailsubj ran qmail-inject in `cat "$SI/cwd"`"
SI_EXIT=100 "$I/bin/mailsubj" s a@example.org < "$T/body" > /dev/null 2>&1
assert_eq 100 $? "mailsubj: qmail-inject's 100"
SI_EXIT=111 "$I/bin/mailsubj" s a@example.org < "$T/body" > /dev/null 2>&1
assert_eq 111 $? "mailsubj: qmail-inject's 111"
si_reset
"$I/bin/mailsubj" 'a
Bcc: x@example.org' a@example.org < "$T/body" > /dev/null 2>&1
assert_eq 100 $? "mailsubj with a line break in the subject"
[ -f "$SI/argv" ] && fail "mailsubj ran qmail-inject for a subject with a line break"
"$I/bin/mailsubj" s > /dev/null 2>&1
assert_eq 100 $? "mailsubj without recipients"
pass
