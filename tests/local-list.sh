#!/bin/sh
# Mailing-list behaviour of qmail-local (reference 6.9, 6.2 step 4): the
# forwarded envelope sender NEWSENDER is the VERP template
# <local>-owner-@<domain>-@[] when .qmail<dash><ext>-owner and
# ...-owner-default both exist, <local>-owner@<domain> with -owner only,
# the sender otherwise, and never changes for the bounce senders "" and
# "#@[]"; the program of a list file sees the same NEWSENDER; the owner
# files are those of the whole extension (lower-cased), the local part
# keeps its case. The Delivered-To loop check: a header line equal to this
# recipient's Delivered-To bounces (#5.4.6) before anything is carried out,
# also past 64 KB of header; one in the body, or differing in case or by a
# trailing blank, does not; a message forwarded to itself comes back and
# bounces.
. tests/lib.sh
need_programs qmail-local
. tests/lib_local.sh

S=a@b.org
DOM=lists.example.com
NS=$T/newsender
# list_file NAME: a list file running a program that records NEWSENDER,
# then forwarding to two subscribers
list_file() {
  dotqmail "$1" "|printf '%s' \"\$NEWSENDER\" > $NS" '&sub1@example.net' 'sub2@example.org'
}
# check_list SENDER NEWSENDER LOCAL DASH EXT
check_list() {
  rm -f "$NS"
  ql "$3" "$4" "$5" "$DOM" "$1" ./Maildir/
  expect_rc 0 "list delivery from <$1> with `cd "$H" && ls -d .qmail* | tr '\n' ' '`"
  expect_forward 1 "$2" "$3@$DOM" "$MSG" sub1@example.net sub2@example.org
  expect_out "did 0+2+1\\nqp $QPN\\n"
  assert_eq "$2" "`cat "$NS"`" "NEWSENDER seen by the program (sender <$1>)"
}

# .qmail-list with -owner and -owner-default: the VERP template
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner ./Maildir/
dotqmail .qmail-list-owner-default ./Maildir/
check_list "$S" "joe-list-owner-@$DOM-@[]" joe-list - list
# bounces keep their sender
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner ./Maildir/
dotqmail .qmail-list-owner-default ./Maildir/
check_list "" "" joe-list - list
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner ./Maildir/
dotqmail .qmail-list-owner-default ./Maildir/
check_list '#@[]' '#@[]' joe-list - list

# -owner only
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner ./Maildir/
check_list "$S" "joe-list-owner@$DOM" joe-list - list
# -owner-default only: no owner
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner-default ./Maildir/
check_list "$S" "$S" joe-list - list
# neither
ql_reset
list_file .qmail-list
check_list "$S" "$S" joe-list - list

# the extension is lower-cased for the owner files; the local part keeps its case
ql_reset
list_file .qmail-list
dotqmail .qmail-list-owner ./Maildir/
dotqmail .qmail-list-owner-default ./Maildir/
check_list "$S" "Joe-List-owner-@$DOM-@[]" Joe-List - List

# the plain address: .qmail-owner and .qmail-owner-default
ql_reset
list_file .qmail
dotqmail .qmail-owner ./Maildir/
dotqmail .qmail-owner-default ./Maildir/
check_list "$S" "joe-owner-@$DOM-@[]" joe '' ''

# a list whose commands go to .qmail-list-default: the program runs for
# joe-list-help, with the owner of that whole extension
ql_reset
list_file .qmail-list-default
dotqmail .qmail-list-help-owner ./Maildir/
dotqmail .qmail-list-help-owner-default ./Maildir/
check_list "$S" "joe-list-help-owner-@$DOM-@[]" joe-list-help - list-help
ql_reset
list_file .qmail-list-default
dotqmail .qmail-list-help-owner ./Maildir/
check_list "$S" "joe-list-help-owner@$DOM" joe-list-help - list-help
# the owner files of joe-list do not make an owner for joe-list-help
ql_reset
list_file .qmail-list-default
dotqmail .qmail-list-owner ./Maildir/
dotqmail .qmail-list-owner-default ./Maildir/
check_list "$S" "$S" joe-list-help - list-help

# --- the Delivered-To loop check ------------------------------------------------------
DT="Delivered-To: joe@example.com"
# loopmsg FILE LINE...: a message whose header has these lines
loopmsg() {
  lm_f=$1
  shift
  {
    printf 'Received: (qmail 1 invoked by uid 7); 1 Jan 2024 00:00:00 -0000\n'
    printf '%s\n' "$@"
    printf 'Subject: loop test\n\nbody\n'
  } > "$lm_f"
}
deliver() { ql joe '' '' example.com "$S" ./Maildir/; }

for variant in first middle; do
  ql_reset
  rm -f "$T/ran"
  if [ $variant = first ]; then loopmsg "$T/loop" "$DT"
  else loopmsg "$T/loop" 'Delivered-To: other@example.com' "$DT" 'Delivered-To: joe@example.org'; fi
  dotqmail .qmail "|touch $T/ran" ./Maildir/ '&fwd@example.net'
  QL_MSG=$T/loop deliver
  expect_rc 100 "a message with my Delivered-To line ($variant)"
  expect_out_re '#5\.4\.6'
  maildir_empty "$H/Maildir"
  [ -e "$T/ran" ] && fail "the program ran for a looping message"
  expect_no_forward
done

# past 64 KB (and past 1 MB) of header
for size in 70000 1100000; do
  ql_reset
  {
    printf 'Received: (qmail 1 invoked by uid 7); 1 Jan 2024 00:00:00 -0000\n'
    { head -c $size /dev/zero | tr '\0' x | fold -w 70; echo; } | sed 's/^/X-Filler: /'
    printf '%s\nSubject: loop test\n\nbody\n' "$DT"
  } > "$T/loop"
  dotqmail .qmail ./Maildir/
  QL_MSG=$T/loop deliver
  expect_rc 100 "my Delivered-To line after $size bytes of header"
  expect_out_re '#5\.4\.6'
  maildir_empty "$H/Maildir"
done

# not loops: in the body, another case, a trailing blank, CRLF, another domain
for line in 'body' 'Delivered-To: JOE@example.com' 'Delivered-To: joe@example.com ' \
            "`printf 'Delivered-To: joe@example.com\r'`" 'Delivered-To: joe@example.co' 'X-Delivered-To: joe@example.com'; do
  ql_reset
  if [ "$line" = body ]; then
    printf 'Subject: loop test\n\n%s\n' "$DT" > "$T/loop"
  else
    loopmsg "$T/loop" "$line"
  fi
  dotqmail .qmail ./Maildir/
  QL_MSG=$T/loop deliver
  expect_rc 0 "not a loop: '$line'"
  expect_out 'did 1+0+0\n'
  expect_maildir "$H/Maildir" "$S" joe@example.com "$T/loop"
done

# a forward to itself: the copy comes back with my Delivered-To line
ql_reset
dotqmail .qmail '&joe@example.com'
deliver
expect_rc 0 "a forward to myself"
expect_forward 1 "$S" joe@example.com "$MSG" joe@example.com
cp "$T/qq/1/msg" "$T/again" || fail cp
QL_MSG=$T/again deliver
expect_rc 100 "the forwarded copy coming back"
expect_out_re '#5\.4\.6'
[ "`qq_runs`" = 1 ] || fail "the copy was forwarded again"

pass
