#!/bin/sh
# preline: the program reads exactly UFLINE, RPLINE, DTLINE (as the flags
# -f -r -d -F -R -D and -- say) and then the message of fd 0, bytes as they
# are; preline exits with the program's code (0, 7, 100, 111), 111 with a
# sentence when it is killed by a signal, 100 or 111 by errno when it cannot
# be run (no such file, not executable: 100; text file busy: 111), 100 when
# a needed variable is missing or for usage. A program that exits at once
# without reading a 20 MB message gives its own code (no SIGPIPE death); a
# read error on fd 0 gives 111 and SIGTERM before the program's input
# ends; a 30 MB message passes with a 40 MB address-space limit.

. tests/lib.sh
. tests/lib_helpers.sh
need_programs preline

P=$TOP/preline
UF='From owner-list@example.com Thu Jan  1 00:00:00 1970
'
RP='Return-Path: <owner-list@example.com>
'
DT='Delivered-To: joe-list@example.com
'
pl() {
  env -i PATH="$PATH" UFLINE="$UF" RPLINE="$RP" DTLINE="$DT" "$P" "$@"
}
M=$T/msg
{
  printf 'Subject: \303\251t\303\251 \200\377\n'
  printf 'X-Nul: a\000b\n'
  printf '\n'
  printf 'From the start\n>From quoted\r\n.\n'
  printf 'no newline at the end'
} > "$M"
GOT=$T/got
# the program: copies its fd 0 into $GOT and exits with $1
CAT="$T/cat"
cat > "$CAT" <<EOS
#!/bin/sh
cat > "$GOT" || exit 99
exit \${1:-0}
EOS
chmod 0755 "$CAT"

# check_lines FLAGS... -- LINES: with FLAGS, the program reads LINES + message
check_lines() {
  cl_flags=
  while [ "$1" != -- ]; do cl_flags="$cl_flags $1"; shift; done
  shift
  rm -f "$GOT"
  run pl $cl_flags "$CAT" < "$M"
  expect_run 0
  { for cl_l in "$@"; do
      case $cl_l in u) printf '%s' "$UF" ;; r) printf '%s' "$RP" ;; d) printf '%s' "$DT" ;; esac
    done
    cat "$M"
  } > "$T/want"
  same_file "$T/want" "$GOT" "preline$cl_flags"
}
check_lines -- u r d
check_lines -f -- r d
check_lines -r -- u d
check_lines -d -- u r
check_lines -frd --
check_lines -f -r -d --
check_lines -fF -- u r d
check_lines -fd -D -- r d
check_lines -frd -FRD -- u r d
check_lines -- -- u r d

# a missing variable is refused only when its line is wanted
rm -f "$GOT"
run env -i PATH="$PATH" RPLINE="$RP" DTLINE="$DT" "$P" "$CAT" < "$M"
expect_run 100 "preline found no UFLINE in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
[ -f "$GOT" ] && fail "the program ran without UFLINE"
run env -i PATH="$PATH" UFLINE="$UF" DTLINE="$DT" "$P" "$CAT" < "$M"
expect_run 100 "preline found no RPLINE in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
run env -i PATH="$PATH" UFLINE="$UF" RPLINE="$RP" "$P" "$CAT" < "$M"
expect_run 100 "preline found no DTLINE in its environment: it is meant to run from a .qmail file, where qmail-local sets it. (#5.3.0)"
run env -i PATH="$PATH" "$P" -frd "$CAT" < "$M"
expect_run 0
same_file "$M" "$GOT" "preline -frd without any variable"

# usage
for args in "" "-f" "-x $CAT" "- $CAT" "-f --"; do
  run pl $args < "$M"
  expect_run 100 "preline: fatal: usage: preline [-frdFRD] program [argument ...]"
done

# the program's exit code, as it is
for c in 0 1 7 99 100 111 112 255; do
  run pl "$CAT" "$c" < "$M"
  expect_run "$c"
done
# arguments reach the program as they are, from $PATH, no shell
run pl sh -c 'printf "[%s]" "$@" >&2; echo >&2; cat > /dev/null' zero 'a b' '$HOME' '`id`' ';' < "$M"
expect_run 0 '[a b][$HOME][`id`][;]'
# killed by a signal
run pl sh -c 'kill -KILL $$' < "$M"
expect_run 111 "preline: sh was killed by signal 9. (#4.3.0)"

# cannot be run
run pl "$T/nonexistent" < "$M"
expect_run 100 "preline was unable to run $T/nonexistent: No such file or directory. (#5.3.0)"
# (a PATH without directories this user cannot search: those make it EACCES)
run env -i PATH=/usr/bin:/bin UFLINE="$UF" RPLINE="$RP" DTLINE="$DT" "$P" no-such-program-in-path < "$M"
expect_run 100 "preline was unable to run no-such-program-in-path: No such file or directory. (#5.3.0)"
printf '#!/bin/sh\nexit 0\n' > "$T/noexec"
chmod 0644 "$T/noexec"
run pl "$T/noexec" < "$M"
expect_run 100 "preline was unable to run $T/noexec: Permission denied. (#5.3.0)"
# open for writing (here on fd 3, by this shell): ETXTBSY, temporary
cp "$CAT" "$T/busy" && chmod 0755 "$T/busy"
exec 3>> "$T/busy"
run pl "$T/busy" < "$M"
exec 3>&-
expect_run 111 "preline was unable to run $T/busy: Text file busy. (#4.3.0)"

# a program that exits without reading: its own code, at once
head -c 20000000 /dev/zero > "$T/big"
for c in 0 3 100; do
  run pl sh -c "exit $c" < "$T/big"
  expect_run "$c"
done
run pl head -c 5 < "$T/big"
[ "$RC" = 0 ] || fail "preline head -c 5: exit $RC: `cat "$T/err"`"
assert_eq "From " "`cat "$T/out"`" "what head read"

# a read error on fd 0 (a directory): 111, and the program is stopped before
# its input ends, so it never finishes with a cut message
printf '#!/bin/sh\ncat > "%s"\necho finished > "%s"\n' "$GOT" "$T/finished" > "$T/slow"
chmod 0755 "$T/slow"
run pl "$T/slow" < "$T"
expect_run 111 "preline was unable to read the message: Is a directory. (#4.3.0)"
[ -f "$T/finished" ] && fail "the program finished after a read error"

# bounded memory
head -c 30000000 /dev/zero | tr '\0' y > "$T/huge"
# (not under the sanitizers, whose shadow memory needs far more address space)
( if [ -z "$SANITIZED" ]; then ulimit -v 40000 || exit 120; fi; pl -fr "$CAT" < "$T/huge" ) > "$T/out" 2> "$T/err"
RC=$?
expect_run 0
assert_eq $((30000000 + ${#DT})) "`wc -c < "$GOT" | tr -d ' '`" "bytes the program read of the 30 MB message"
pass
