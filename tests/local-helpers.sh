#!/bin/sh
# The helper programs run from real .qmail lines by qmail-local, with the
# environment qmail-local gives them: preline hands a program the From_,
# Return-Path and Delivered-To lines and the message; bouncesaying and
# except turn a program's verdict into a bounce (100, their text in the
# report) or a deferral; condredirect forwards (sender $SENDER) and stops
# the later lines with 99; forward queues with $NEWSENDER, the owner
# address of a list. Each case asserts qmail-local's exit code, the report
# and the bytes delivered or queued.
. tests/lib.sh
need_programs qmail-local preline bouncesaying except condredirect forward
. tests/lib_local.sh

QL_PATH=$TOP:/usr/bin:/bin
S=a@b.org

# preline: the three lines, then the message; the program's 0 goes on
ql_reset
dotqmail .qmail '|preline sh -c "cat > got"' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "|preline"
expect_out 'did 1+0+1\n'
head -n 1 "$H/got" | grep -qE '^From a@b\.org [A-Z][a-z]{2} [A-Z][a-z]{2} [0-9 ][0-9] [0-9:]{8} [0-9]{4}$' ||
  fail "preline's first line is not the From_ line: `head -n 1 "$H/got"`"
{ rpline "$S"; printf 'Delivered-To: joe@example.com\n'; cat "$MSG"; } > "$T/want"
tail -n +2 "$H/got" > "$T/got.rest"
same "$T/want" "$T/got.rest" "what preline gave the program"
maildir_only "$H/Maildir"

# preline -f -d: only the Return-Path line
ql_reset
dotqmail .qmail '|preline -f -d sh -c "cat > got"'
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "|preline -f -d"
{ rpline "$S"; cat "$MSG"; } > "$T/want"
same "$T/want" "$H/got" "what preline -f -d gave the program"

# bouncesaying without a program: the text is the bounce, nothing after runs
ql_reset
dotqmail .qmail '|bouncesaying "This address is closed."' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 100 "|bouncesaying text"
expect_out 'This address is closed.\n'
maildir_empty "$H/Maildir"

# bouncesaying with a program that says no (1): go on to the Maildir
ql_reset
dotqmail .qmail '|bouncesaying "Spam." grep -q "^Subject: buy now"' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "|bouncesaying with a program that does not match"
expect_out 'did 1+0+1\n'
maildir_only "$H/Maildir"

# except: a program that matches (0) becomes a bounce
ql_reset
dotqmail .qmail '|except grep -q "^Subject: local delivery"' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 100 "|except with a matching program"
maildir_empty "$H/Maildir"

# condredirect: the program matches, the message goes to the other address
# (sender $SENDER, our Delivered-To first) and the Maildir line is skipped
ql_reset
dotqmail .qmail '|condredirect other@example.org grep -q "^Subject: local"' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "|condredirect with a matching program"
expect_forward 1 "$S" joe@example.com "$MSG" other@example.org
expect_out_re "^condredirect: forwarded qp $QPN\$"
expect_out_re '^did 0\+0\+1$'
maildir_empty "$H/Maildir"
# ... and when it does not match, nothing is forwarded and the Maildir gets it
ql_reset
dotqmail .qmail '|condredirect other@example.org grep -q "^Subject: nothing"' ./Maildir/
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "|condredirect with a program that does not match"
expect_no_forward
maildir_only "$H/Maildir"

# forward from a list address with an owner: the sender is the owner's
ql_reset
dotqmail .qmail-list '|forward ann@example.org bob@example.net'
dotqmail .qmail-list-owner '&joe@example.com'
ql joe-list - list example.com "$S" ./Maildir/
expect_rc 0 "|forward"
expect_forward 1 joe-list-owner@example.com joe-list@example.com "$MSG" ann@example.org bob@example.net
expect_out_re "^forward: qp $QPN\$"
expect_out_re '^did 0\+0\+1$'

pass
