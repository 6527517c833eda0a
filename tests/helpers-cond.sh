#!/bin/sh
# condredirect, bouncesaying, except: every exit code of the program they
# run maps as the reference says (0, 1, 100, 111, 112, a signal, cannot be
# run by errno), with the exact sentence on fd 2. condredirect forwards
# exactly $DTLINE and the whole message (from fd 0's starting offset, after
# the program read it all) to the address with sender $SENDER, prints
# "condredirect: forwarded qp PID" and exits 99; it refuses a
# non-seekable fd 0 before running the program, and a missing SENDER or
# DTLINE. The program reads the message on fd 0 and gets its arguments as
# they are (no shell).

. tests/lib.sh
. tests/lib_helpers.sh
need_programs condredirect bouncesaying except qmail-queue

helpers_instance
recorder
C=$I/bin/condredirect
B=$I/bin/bouncesaying
X=$I/bin/except
DT='Delivered-To: joe-cond@example.com
'
S='a@example.org'
hx() {
  env -i PATH="$PATH" REC="$REC" QMAILQUEUE="$T/qq" SENDER="$S" DTLINE="$DT" \
    ${REC_EXIT:+REC_EXIT=$REC_EXIT} "$@"
}
M=$T/msg
{
  printf 'Subject: urgent \200\377\n'
  printf 'X-Nul: a\000b\n'
  printf '\n'
  printf 'From the start\n.\n'
  printf 'no newline at the end'
} > "$M"
GOT=$T/got
# the program: copies its fd 0 into $GOT, exits with $1 (or kills itself)
cat > "$T/prog" <<EOS
#!/bin/sh
cat > "$GOT" || exit 98
case \$1 in kill) kill -KILL \$\$ ;; esac
exit \$1
EOS
chmod 0755 "$T/prog"
printf '#!/bin/sh\nexit 0\n' > "$T/noexec"
chmod 0644 "$T/noexec"

# --- condredirect ------------------------------------------------------------
run hx "$C" 'boss@example.net' "$T/prog" 0 < "$M"
qp=`cat "$REC/pid"` || fail "condredirect did not queue"
expect_run 99 "condredirect: forwarded qp $qp"
same_file "$M" "$GOT" "what the program read"
{ printf '%s' "$DT"; cat "$M"; } > "$T/want"
same_file "$T/want" "$REC/message" "the forwarded message"
printf 'F%s\0Tboss@example.net\0\0' "$S" > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope"
# from the offset fd 0 had at the start, although the program read to the end
rec_reset
( exec < "$M"; dd bs=9 count=1 of=/dev/null 2>/dev/null; hx "$C" b@example.net "$T/prog" 0 ) > "$T/out" 2> "$T/err"
RC=$?
expect_run 99 "condredirect: forwarded qp `cat "$REC/pid"`"
tail -c +10 "$M" > "$T/want.rest"
same_file "$T/want.rest" "$GOT" "what the program read from offset 9"
{ printf '%s' "$DT"; cat "$T/want.rest"; } > "$T/want"
same_file "$T/want" "$REC/message" "the message forwarded from offset 9"
# an empty sender stays empty
rec_reset
S= run hx "$C" b@example.net "$T/prog" 0 < "$M"
expect_run 99 "condredirect: forwarded qp `cat "$REC/pid"`"
printf 'F\0Tb@example.net\0\0' > "$T/want.env"
same_file "$T/want.env" "$REC/envelope" "the envelope with an empty sender"

# no: nothing is queued, nothing said
rec_reset
for c in 1 100 112 99; do
  run hx "$C" b@example.net "$T/prog" "$c" < "$M"
  expect_run 0
done
run hx "$C" b@example.net "$T/prog" 111 < "$M"
expect_run 111 "condredirect: $T/prog failed temporarily. (#4.3.0)"
run hx "$C" b@example.net "$T/prog" kill < "$M"
expect_run 111 "condredirect: $T/prog was killed by signal 9. (#4.3.0)"
run hx "$C" b@example.net "$T/nonexistent" < "$M"
expect_run 100 "condredirect was unable to run $T/nonexistent: No such file or directory. (#5.3.0)"
run hx "$C" b@example.net "$T/noexec" < "$M"
expect_run 100 "condredirect was unable to run $T/noexec: Permission denied. (#5.3.0)"
[ -f "$REC/pid" ] && fail "condredirect queued without the program's yes"

# refused before the program runs
rm -f "$GOT"
cat "$M" | hx "$C" b@example.net "$T/prog" 0 > "$T/out" 2> "$T/err"
RC=$?
expect_run 111 "condredirect needs the message on a seekable descriptor: Illegal seek. (#4.3.0)"
run env -i PATH="$PATH" DTLINE="$DT" "$C" b@example.net "$T/prog" 0 < "$M"
expect_run 100 "condredirect found no SENDER in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
run env -i PATH="$PATH" SENDER="$S" "$C" b@example.net "$T/prog" 0 < "$M"
expect_run 100 "condredirect found no DTLINE in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
for args in "" "b@example.net"; do
  run hx "$C" $args < "$M"
  expect_run 100 "condredirect: fatal: usage: condredirect address program [argument ...]"
done
[ -f "$GOT" ] && fail "the program ran for a refused call"
[ -f "$REC/pid" ] && fail "condredirect queued for a refused call"

# the queue program's refusals
REC_EXIT=31 run hx "$C" b@example.net "$T/prog" 0 < "$M"
expect_run 100 "condredirect was unable to queue the message: mail server permanently rejected the message (#5.3.0)"
REC_EXIT=71 run hx "$C" b@example.net "$T/prog" 0 < "$M"
expect_run 111 "condredirect was unable to queue the message: mail server temporarily rejected the message (#4.3.0)"

# arguments as they are, no shell
run hx "$C" b@example.net sh -c 'printf "[%s]" "$@"; echo; exit 1' zero 'a b' '$HOME' '`id`' ';' < "$M"
[ "$RC" = 0 ] || fail "condredirect with sh -c: exit $RC"
assert_eq '[a b][$HOME][`id`][;]' "`cat "$T/out"`" "the program's arguments"

# --- bouncesaying ------------------------------------------------------------
TEXT='This address is no longer in use; write to joe@example.net. (#5.1.1)'
run hx "$B" "$TEXT" < "$M"
expect_run 100 "$TEXT"
rm -f "$GOT"
run hx "$B" "$TEXT" "$T/prog" 0 < "$M"
expect_run 100 "$TEXT"
same_file "$M" "$GOT" "what bouncesaying's program read"
for c in 1 100 112 99; do
  run hx "$B" "$TEXT" "$T/prog" "$c" < "$M"
  expect_run 0
done
run hx "$B" "$TEXT" "$T/prog" 111 < "$M"
expect_run 111 "bouncesaying: $T/prog failed temporarily. (#4.3.0)"
run hx "$B" "$TEXT" "$T/prog" kill < "$M"
expect_run 111 "bouncesaying: $T/prog was killed by signal 9. (#4.3.0)"
run hx "$B" "$TEXT" "$T/nonexistent" < "$M"
expect_run 100 "bouncesaying was unable to run $T/nonexistent: No such file or directory. (#5.3.0)"
run hx "$B" < "$M"
expect_run 100 "bouncesaying: fatal: usage: bouncesaying text [program [argument ...]]"
run hx "$B" '' < "$M"
expect_run 100 ""
# the text is written as it is: 8-bit bytes, a leading dash, %s
run hx "$B" "-% s \303\251" < "$M"
expect_run 100 "-% s \303\251"

# --- except ------------------------------------------------------------------
rm -f "$GOT"
run hx "$X" "$T/prog" 0 < "$M"
expect_run 100
same_file "$M" "$GOT" "what except's program read"
for c in 1 100 112 99; do
  run hx "$X" "$T/prog" "$c" < "$M"
  expect_run 0
done
run hx "$X" "$T/prog" 111 < "$M"
expect_run 111 "except: $T/prog failed temporarily. (#4.3.0)"
run hx "$X" "$T/prog" kill < "$M"
expect_run 111 "except: $T/prog was killed by signal 9. (#4.3.0)"
run hx "$X" "$T/nonexistent" < "$M"
expect_run 100 "except was unable to run $T/nonexistent: No such file or directory. (#5.3.0)"
run hx "$X" "$T/noexec" < "$M"
expect_run 100 "except was unable to run $T/noexec: Permission denied. (#5.3.0)"
run hx "$X" < "$M"
expect_run 100 "except: fatal: usage: except program [argument ...]"
# the program's output is the text of the bounce
run hx "$X" sh -c 'echo "No mail from you, thanks. (#5.7.1)" >&2; exit 0' < "$M"
expect_run 100 "No mail from you, thanks. (#5.7.1)"
pass
