#!/bin/sh
# qmail-local |program deliveries (reference 6.5, 6.4, 5.4): every exit code
# class (0 go on; 99 stop with earlier forwards still sent; 100 and
# 64/65/70/76/77/78/112 bounce; 111, 1 and every other code defer; a signal
# defers), each checked with what was delivered or forwarded before and
# what was not carried out after; the program's cwd (the home), its fd 0
# (the raw message rewound for every program, whatever the one before
# read), its descriptors (0, 1, 2 only), SIGPIPE at its default, and
# every environment variable of reference 5.4 with the worked example (joe,
# joe-list-help@lists.example.com, .qmail-list-default, a@b.org), HOST2-4
# and EXT2-4 with more and fewer parts, DEFAULT in its original case,
# NEWSENDER, RPLINE/UFLINE for the empty sender, and an inherited variable
# passed on.
. tests/lib.sh
need_programs qmail-local
need_cmd "$PYTHON"
. tests/lib_local.sh

S=a@b.org
DT=joe@example.com
deliver() { ql joe '' '' example.com "$S" ./Maildir/; }

# --- exit codes -------------------------------------------------------------------
# 0: go on with the next line
ql_reset
rm -f "$T/p1" "$T/p2"
dotqmail .qmail "|touch $T/p1; exit 0" "|touch $T/p2" ./Maildir/
deliver
expect_rc 0 "program exit 0"
expect_out 'did 1+0+2\n'
[ -f "$T/p1" ] && [ -f "$T/p2" ] || fail "exit 0: the programs did not both run"
expect_maildir "$H/Maildir" "$S" "$DT"

# 99: the forward before is sent, nothing after is carried out
ql_reset
rm -f "$T/after"
dotqmail .qmail '&before@example.net' '|echo stopping; exit 99' '&after@example.net' ./Maildir/ "|touch $T/after" ./mbox
deliver
expect_rc 0 "program exit 99"
expect_forward 1 "$S" "$DT" "$MSG" before@example.net
expect_out "stopping\\ndid 0+1+1\\nqp $QPN\\n"
[ "`qq_runs`" = 1 ] || fail "exit 99: qmail-queue ran `qq_runs` times"
maildir_empty "$H/Maildir"
[ -e "$T/after" ] && fail "exit 99: a later program ran"
[ -e "$H/mbox" ] && fail "exit 99: a later mbox line was carried out"

# 99 with nothing forwarded: no qmail-queue run, no qp line
ql_reset
dotqmail .qmail ./Maildir/ '|exit 99' '&after@example.net'
deliver
expect_rc 0 "program exit 99 after a Maildir"
expect_out 'did 1+0+1\n'
expect_maildir "$H/Maildir" "$S" "$DT"
expect_no_forward

# permanent: 100 and the sysexits codes; the earlier Maildir line was
# carried out (lines run in order), the earlier forward is not sent, later
# lines are not carried out; the program's words are in the report
for code in 100 64 65 70 76 77 78 112; do
  ql_reset
  rm -f "$T/after"
  dotqmail .qmail ./Maildir/ '&before@example.net' "|echo program failed with $code; exit $code" "|touch $T/after" ./mbox
  deliver
  expect_rc 100 "program exit $code"
  expect_out_re "^program failed with $code\$"
  expect_maildir "$H/Maildir" "$S" "$DT"
  expect_no_forward
  [ -e "$T/after" ] && fail "exit $code: a later program ran"
  [ -e "$H/mbox" ] && fail "exit $code: a later mbox line was carried out"
done

# temporary: 111 and every other code
for code in 111 1 2 63 66 69 71 75 98 101 110 113 126 127 255; do
  ql_reset
  rm -f "$T/after"
  dotqmail .qmail '&before@example.net' "|echo program failed with $code; exit $code" "|touch $T/after"
  deliver
  expect_rc 111 "program exit $code"
  expect_out_re "^program failed with $code\$"
  expect_no_forward
  [ -e "$T/after" ] && fail "exit $code: a later program ran"
done

# killed by a signal: temporary
for sig in KILL SEGV TERM; do
  ql_reset
  rm -f "$T/after"
  dotqmail .qmail '&before@example.net' "|kill -$sig \$\$; sleep 5" "|touch $T/after"
  deliver
  expect_rc 111 "program killed by SIG$sig"
  expect_no_forward
  [ -e "$T/after" ] && fail "SIG$sig: a later program ran"
done

# a command that does not exist: the shell's 127, temporary
ql_reset
dotqmail .qmail "|$T/no/such/program"
deliver
expect_rc 111 "a missing program"

# --- cwd and fd 0 -------------------------------------------------------------------
# the first program reads part of the message, the second all of it, the
# third none, the fourth all: each starts at byte 0 of the raw message
ql_reset
dotqmail .qmail "|pwd > $T/cwd" "|dd bs=7 count=1 of=$T/part 2>/dev/null" "|cat > $T/all1" ./Maildir/ '|true' "|cat > $T/all2" "|cat > /dev/null" "|cat > $T/all3"
deliver
expect_rc 0 "programs reading fd 0"
expect_out 'did 1+0+7\n'
assert_eq "$H" "`cat "$T/cwd"`" "the program's working directory"
head -c 7 "$MSG" > "$T/part.want"
same "$T/part.want" "$T/part" "the first 7 bytes read by a program"
same "$MSG" "$T/all1" "the message read by the second program"
same "$MSG" "$T/all2" "the message read by a program after a Maildir"
same "$MSG" "$T/all3" "the message read by a program after one that read it all"
expect_maildir "$H/Maildir" "$S" "$DT"

# the program has fds 0, 1 and 2 only: no mbox, Maildir, .qmail or
# qmail-queue descriptor leaks into it, even after such lines
cat > "$T/fds.py" <<'EOF'
import os, sys
fds = []
for n in range(4096):
    try:
        os.fstat(n)
    except OSError:
        continue
    fds.append(n)
with open(sys.argv[1], "w") as f:
    f.write(" ".join(map(str, fds)) + "\n")
EOF
ql_reset
dotqmail .qmail ./Maildir/ ./mbox '&fwd@example.net' "|exec $PYTHON $T/fds.py $T/fds"
deliver
expect_rc 0 "a program after a Maildir, an mbox and a forward"
echo '0 1 2' > "$T/fds.want"
same "$T/fds.want" "$T/fds" "the descriptors a program has"

# SIGPIPE is back to its default for the program, even when qmail-local
# was started with it ignored: a writer to a closed pipe dies of it (141)
ql_reset
rm -f "$T/yes.status"
dotqmail .qmail "|(yes; echo \$? > $T/yes.status) | head -c 1 > /dev/null"
(trap '' PIPE; deliver; echo $RC > "$T/rc")
RC=`cat "$T/rc"`
expect_rc 0 "a program writing into a closed pipe"
assert_eq 141 "`cat "$T/yes.status"`" "exit status of a program writing into a closed pipe (SIGPIPE)"

# --- the environment ----------------------------------------------------------------
SHOW=$T/showenv
cat > "$SHOW" <<'EOF'
#!/bin/sh
# showenv FILE: each variable as NAME=<value> (values may hold newlines),
# UNSET for a variable that is not set
for v in USER HOME LOCAL HOST HOST2 HOST3 HOST4 RECIPIENT EXT EXT2 EXT3 EXT4 DEFAULT SENDER NEWSENDER DTLINE RPLINE INHERITED; do
  eval "set=\${$v+x}"
  if [ -n "$set" ]; then eval "printf '%s=<%s>\n' $v \"\$$v\""; else printf '%s UNSET\n' $v; fi
done > "$1"
printf '%s' "$UFLINE" > "$1.ufline"
EOF
chmod 0755 "$SHOW"

# env_want USER HOME LOCAL HOST HOST2 HOST3 HOST4 EXT EXT2 EXT3 EXT4 DEFAULT SENDER NEWSENDER
# (DEFAULT "-" for unset)
env_want() {
  printf 'USER=<%s>\nHOME=<%s>\nLOCAL=<%s>\nHOST=<%s>\nHOST2=<%s>\nHOST3=<%s>\nHOST4=<%s>\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7"
  printf 'RECIPIENT=<%s@%s>\nEXT=<%s>\nEXT2=<%s>\nEXT3=<%s>\nEXT4=<%s>\n' "$3" "$4" "$8" "$9" "${10}" "${11}"
  if [ "${12}" = - ]; then printf 'DEFAULT UNSET\n'; else printf 'DEFAULT=<%s>\n' "${12}"; fi
  printf 'SENDER=<%s>\nNEWSENDER=<%s>\n' "${13}" "${14}"
  printf 'DTLINE=<Delivered-To: %s@%s\n>\n' "$3" "$4"
  printf 'RPLINE=<Return-Path: <%s>\n>\n' "${13}"
  printf 'INHERITED=<yes>\n'
}
# check_ufline SENDERWORD: $T/env.ufline is the From_ line, dated now
check_ufline() {
  { printf 'From %s DATE\n' "$1"; } > "$T/uf.want"
  expect_mbox "$T/env.ufline" "$T/uf.want" "$t0"
}

# the worked example of reference 5.4
ql_reset
QL_USER=joe
dotqmail .qmail-list-default "|$SHOW $T/env"
t0=`date +%s`
ql joe-list-help - list-help lists.example.com a@b.org ./Maildir/
expect_rc 0 "the worked example"
expect_out 'did 0+0+1\n'
env_want joe "$H" joe-list-help lists.example.com lists.example lists lists list-help help '' '' help a@b.org a@b.org > "$T/env.want"
same "$T/env.want" "$T/env" "the environment of the worked example"
check_ufline a@b.org

# more dots and dashes; DEFAULT keeps the case of ext, EXT too
ql_reset
dotqmail .qmail-a-default "|$SHOW $T/env"
ql Joe-A-B-C-D - A-B-C-D mx.a.b.c.example a@b.org ./Maildir/
expect_rc 0 "five-part host, four-part ext"
env_want joe "$H" Joe-A-B-C-D mx.a.b.c.example mx.a.b.c mx.a.b mx.a A-B-C-D B-C-D C-D D B-C-D a@b.org a@b.org > "$T/env.want"
same "$T/env.want" "$T/env" "the environment for A-B-C-D@mx.a.b.c.example"

# a host without dots; an exact file: no DEFAULT
ql_reset
dotqmail .qmail-x "|$SHOW $T/env"
ql joe-x - x localhost '' ./Maildir/
expect_rc 0 "a host without dots"
env_want joe "$H" joe-x localhost localhost localhost localhost x '' '' '' - '' '' > "$T/env.want"
same "$T/env.want" "$T/env" "the environment for joe-x@localhost from <>"
check_ufline MAILER-DAEMON

# .qmail-default: DEFAULT is all of ext, dots and case as given
ql_reset
dotqmail .qmail-default "|$SHOW $T/env"
ql joe-Foo.Bar - Foo.Bar example.com '#@[]' ./Maildir/
expect_rc 0 "the catch-all .qmail-default"
env_want joe "$H" joe-Foo.Bar example.com example example example Foo.Bar '' '' '' Foo.Bar '#@[]' '#@[]' > "$T/env.want"
same "$T/env.want" "$T/env" "the environment for joe-Foo.Bar (.qmail-default)"

# the plain address from the default delivery instructions
ql_reset
ql joe '' '' example.com a@b.org "|$SHOW $T/env"
expect_rc 0 "the default delivery running a program"
env_want joe "$H" joe example.com example example example '' '' '' '' - a@b.org a@b.org > "$T/env.want"
same "$T/env.want" "$T/env" "the environment of a default delivery program"
QL_USER=`id -un`

pass
