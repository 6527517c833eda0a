#!/bin/sh
# make test-large: a message of 4.1 GiB (4,402,341,478 bytes, past every
# 32-bit length and offset), run through qmail-local directly, is delivered
# once to a Maildir and once to an mbox. The source is a sparse file
# (tests/bigmsg.py sparse): a header, NUL bytes, and marker lines at
# 2 GiB - 1, across 4 GiB ("From ", which mbox quoting must change) and past
# it (">From "), then a last line; a length or offset cut to 32 bits moves
# or loses them. Checked as in tests/large-message.sh: exact size, ,S= in
# the Maildir name, sha256 of the Maildir file and of the mbox after its
# From_ line, qmail-local's peak RSS (under RSS_LIMIT_KB, default 8192),
# and the time. Not part of make test: it writes 4.1 GB twice (each copy is
# removed once checked) and needs 5 GB free in $TMPDIR (default /tmp).
# Run from the top of the source tree: sh tests/large/message-4gib.sh

. tests/lib.sh
. tests/lib_large.sh

large_setup 5000
large_message sparse 4402341478

large_deliver ./Maildir/ 1+0+0
large_check_maildir

large_deliver ./mbox 1+0+0
large_check_mbox

rm -f "$MSG"
pass "delivered $SIZE bytes to a Maildir and to an mbox"
