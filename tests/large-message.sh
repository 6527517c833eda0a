#!/bin/sh
# A 300 MB message, run through qmail-local directly (as qmail-lspawn runs
# it, message on fd 0), is delivered in constant memory to a Maildir, to an
# mbox and to a |program. The message (tests/bigmsg.py pattern) is a header
# and a 70 KB block of lines repeated about 4,300 times: "From " and ">From "
# lines mbox quoting must change, "From" lines it must not, a 70,000-byte
# line, CRLF, NUL and 8-bit bytes, lines starting at every offset of a 64 KiB
# read, and a last line "From the end" without a newline. Checked: the
# Maildir file is Return-Path, Delivered-To and the message (size, ,S= and
# sha256); the mbox is one From_ line, then Return-Path, Delivered-To and the
# mboxrd-quoted message, a newline and an empty line (size and sha256, no
# dot-lock left); the program (sha256sum) read exactly the message; and
# qmail-local's peak RSS (wait4 ru_maxrss, tests/maxrss.c) stays under
# RSS_LIMIT_KB (default 8192) in each case. Needs 1.5 GB free in $TMPDIR;
# each file is removed as soon as it is checked.
# timeout: 600

. tests/lib.sh
. tests/lib_large.sh

large_setup 1500
large_message pattern 300000000

large_deliver ./Maildir/ 1+0+0
large_check_maildir

large_deliver ./mbox 1+0+0
large_check_mbox

large_deliver '|sha256sum > program.out' 0+0+1
assert_eq "$MSG_SHA  -" "`cat "$H/program.out"`" "what the program read (sha256sum)"

rm -f "$MSG"
pass
