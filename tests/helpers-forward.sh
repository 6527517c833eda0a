#!/bin/sh
# forward: the message queued is exactly $DTLINE and fd 0 from its offset
# to its end (NUL, 8-bit, CR, "From " lines, no final newline kept), the
# envelope exactly F$NEWSENDER and one T per argument in order, and
# "forward: qp PID" names the queue program's pid; the queue program runs
# in the home directory. Missing NEWSENDER or DTLINE and usage give 100 with
# their sentence and queue nothing; the queue program's exit codes (31
# permanent, 71 temporary, 82 with an fd-6 text, a queue program that
# rejects before reading a large message, one that cannot be run) give
# 100/111 with the texts of the report; a 30 MB message passes with a
# 40 MB address-space limit (never held in memory).

. tests/lib.sh
. tests/lib_helpers.sh
need_programs forward qmail-queue

helpers_instance
recorder
F=$I/bin/forward
DT='Delivered-To: joe-list@example.com
'
fwd() {
  env -i PATH="$PATH" REC="$REC" QMAILQUEUE="$T/qq" NEWSENDER="$NS" DTLINE="$DT" \
    ${REC_EXIT:+REC_EXIT=$REC_EXIT} ${REC_EARLY:+REC_EARLY=$REC_EARLY} \
    "$F" "$@"
}

M=$T/msg
{
  printf 'Received: from a.example by b.example; 1 Jan 2000 00:00:00 -0000\n'
  printf 'Subject: \303\251t\303\251 \200\377\n'
  printf 'X-Nul: a\000b\n'
  printf '\n'
  printf 'From the start\n>From quoted\r\n.\n'
  printf 'no newline at the end'
} > "$M"

# --- the bytes and the envelope ----------------------------------------------
NS='owner-list@example.com'
run fwd 'a@example.net' 'b c@example.org' '' '-x@example.net' < "$M"
qp=`cat "$REC/pid"` || fail "the queue program did not run"
expect_run 0 "forward: qp $qp"
{ printf '%s' "$DT"; cat "$M"; } > "$T/want"
same_file "$T/want" "$REC/message" "the queued message"
printf 'F%s\0Ta@example.net\0Tb c@example.org\0T\0T-x@example.net\0\0' "$NS" > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope"
assert_eq "$I" "`cat "$REC/cwd"`" "the queue program's working directory"

# an empty sender (a bounce being forwarded), an empty message, an empty DTLINE
rec_reset
NS= DT= run fwd x@example.net < /dev/null
expect_run 0 "forward: qp `cat "$REC/pid"`"
[ -f "$REC/message" ] && [ ! -s "$REC/message" ] || fail "the empty message is not empty"
printf 'F\0Tx@example.net\0\0' > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope of the empty message"
NS='owner-list@example.com'

# fd 0 at an offset: only the rest is forwarded
rec_reset
( exec < "$M"; dd bs=9 count=1 of=/dev/null 2>/dev/null; fwd z@example.net ) > "$T/out" 2> "$T/err"
RC=$?
expect_run 0 "forward: qp `cat "$REC/pid"`"
{ printf '%s' "$DT"; tail -c +10 "$M"; } > "$T/want"
same_file "$T/want" "$REC/message" "the message from offset 9"

# --- refusals before anything is queued --------------------------------------
rec_reset
run env -i PATH="$PATH" QMAILQUEUE="$T/qq" REC="$REC" DTLINE="$DT" "$F" a@example.net < "$M"
expect_run 100 "forward found no NEWSENDER in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
run env -i PATH="$PATH" QMAILQUEUE="$T/qq" REC="$REC" NEWSENDER="$NS" "$F" a@example.net < "$M"
expect_run 100 "forward found no DTLINE in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
run fwd < "$M"
expect_run 100 "forward: fatal: usage: forward address ..."
[ -f "$REC/pid" ] && fail "the queue program ran for a refused call"

# --- the queue program's answers ---------------------------------------------
REC_EXIT=31 run fwd a@example.net < "$M"
expect_run 100 "forward was unable to queue the message: mail server permanently rejected the message (#5.3.0)"
REC_EXIT=71 run fwd a@example.net < "$M"
expect_run 111 "forward was unable to queue the message: mail server temporarily rejected the message (#4.3.0)"
run env -i PATH="$PATH" REC="$REC" QMAILQUEUE="$T/qq" NEWSENDER="$NS" DTLINE="$DT" \
  REC_EXIT=82 REC_TEXT='Dlisted in a blocklist (#5.7.1)' "$F" a@example.net < "$M"
expect_run 100 "forward was unable to queue the message: listed in a blocklist (#5.7.1)"
run env -i PATH="$PATH" REC="$REC" QMAILQUEUE="$T/qq" NEWSENDER="$NS" DTLINE="$DT" \
  REC_EXIT=82 REC_TEXT='Zgreylisted, try later (#4.7.1)' "$F" a@example.net < "$M"
expect_run 111 "forward was unable to queue the message: greylisted, try later (#4.7.1)"
# a filter that rejects at once: the writes fail (EPIPE, no SIGPIPE death)
head -c 3000000 /dev/zero | tr '\0' 'x' > "$T/big"
REC_EARLY=1 REC_EXIT=31 run fwd a@example.net < "$T/big"
expect_run 100 "forward was unable to queue the message: mail server permanently rejected the message (#5.3.0)"
REC_EARLY=1 REC_EXIT=0 run fwd a@example.net < "$T/big"
expect_run 111 "forward was unable to queue the message: queue read error (#4.3.0)"
run env -i PATH="$PATH" QMAILQUEUE="$T/nonexistent" NEWSENDER="$NS" DTLINE="$DT" "$F" a@example.net < "$M"
expect_run 111 "forward was unable to queue the message: unable to run the queue program (#4.3.0)"
# a read error on fd 0 (a directory): nothing is queued
rec_reset
run fwd a@example.net < "$T"
expect_run 111 "forward was unable to read the message: Is a directory. (#4.3.0)"
[ -s "$REC/envelope" ] && fail "an envelope was written after a read error"

# --- bounded memory ----------------------------------------------------------
rec_reset
head -c 30000000 /dev/zero | tr '\0' 'y' > "$T/huge"
# (not under the sanitizers, whose shadow memory needs far more address space)
( if [ -z "$SANITIZED" ]; then ulimit -v 40000 || exit 120; fi; fwd a@example.net < "$T/huge" ) > "$T/out" 2> "$T/err"
RC=$?
expect_run 0 "forward: qp `cat "$REC/pid"`"
assert_eq $((30000000 + ${#DT})) "`wc -c < "$REC/message" | tr -d ' '`" "bytes queued of the 30 MB message"
pass
