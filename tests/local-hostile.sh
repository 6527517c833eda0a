#!/bin/sh
# Hostile input to qmail-local (DESIGN.md, Security): extensions with '/',
# '..' or a leading '.' never make it follow a .qmail file outside the home
# (canary files planted where a path built naively would lead, next to a
# directory .qmail- that such a path would pass through); a symbolic link
# another user planted in place of an mbox (to an existing file, dangling,
# relative, absolute; as root) is refused and its target neither changed
# nor created, while the recipient's own link is followed one level; a FIFO in place of
# an mbox makes the delivery fail (111) at once instead of hanging; an
# envelope sender "$(touch canary)@example.org" and a local part with
# backquotes reach a |program through the environment, and the Maildir,
# mbox and forward, byte for byte and without running anything.
. tests/lib.sh
need_programs qmail-local
need_cmd timeout
. tests/lib_local.sh

S=a@b.org
HIT=$T/canary-hit

# --- extensions that try to leave the home --------------------------------------------
# plant: canary .qmail files outside the home, where ".qmail-" + ext (or a
# default name) would lead if '.' were kept and '/' followed
plant() {
  for f in "$T/canary" "$T/canary-default" "$T/.qmail-canary" "$T/.qmail-default" "$T/.qmail-x" \
           "$T/qmail-default" "$T/x" "$T/x-default" "$T/default"; do
    printf '|touch %s\n' "$HIT" > "$f" && chmod 0600 "$f" || fail "unable to plant $f"
  done
  # a directory .qmail- in the home makes ".qmail-/../.." a real path
  mkdir -p "$H/.qmail-" "$H/.qmail-x" || fail mkdir
  chmod 0700 "$H/.qmail-" "$H/.qmail-x"
  rm -f "$HIT"
}

for ext in '/../../canary' '/../../canary-x' '/../..' '/../../.qmail-canary' '../canary' '..' '../../x' \
           '.' '.x' '..-x' 'x/../../x' 'x/../../x-y' '/../../default' '../.qmail-default' '-/../../x' \
           "/../..$T/canary" "/../../../../../../../..$T/canary" './../../canary' '..%2f..%2fcanary'; do
  # no .qmail file in the home: no such mailbox
  ql_reset
  plant
  ql "joe-$ext" - "$ext" example.com "$S" ./Maildir/
  [ -e "$HIT" ] && fail "extension '$ext': a .qmail file outside the home was followed"
  expect_rc 100 "extension '$ext' with no .qmail file in the home"
  expect_out_re '#5\.1\.1'
  # with a catch-all in the home: that one
  ql_reset
  plant
  dotqmail .qmail-default ./Maildir/
  ql "joe-$ext" - "$ext" example.com "$S" ./Maildir/
  [ -e "$HIT" ] && fail "extension '$ext': a .qmail file outside the home was followed"
  expect_rc 0 "extension '$ext' with .qmail-default"
  expect_maildir "$H/Maildir" "$S" "joe-$ext@example.com"
  # -n lists it the same way, and follows nothing outside
  ql -n "joe-$ext" - "$ext" example.com "$S" ./Maildir/
  expect_rc 0 "-n for extension '$ext'"
  expect_out 'maildir ./Maildir/\ndid 1+0+0\n'
done
# the plain dash "" with an extension (never made by qmail-lspawn): still inside
for ext in '/../canary' '/../../canary' '::/../canary'; do
  ql_reset
  plant
  ql "joe$ext" '' "$ext" example.com "$S" ./Maildir/
  [ -e "$HIT" ] && fail "dash '' and extension '$ext': a .qmail file outside the home was followed"
done

# --- a symbolic link in place of an mbox ------------------------------------------------
# One planted by another user is refused (root makes it and gives it away);
# one the recipient made is followed, one level only.
printf 'precious\n' > "$T/target"
cp "$T/target" "$T/target.orig"
if [ "`id -u`" = 0 ]; then
  for how in existing dangling relative absolute; do
    ql_reset
    rm -f "$T/dangling" "$T/abs-mbox"
    case $how in
      existing) ln -s "$T/target" "$H/mbox" ;;
      dangling) ln -s "$T/dangling" "$H/mbox" ;;
      relative) ln -s ../target "$H/mbox" ;;
      absolute) ln -s "$T/target" "$T/abs-mbox" ;;
    esac
    if [ $how = absolute ]; then
      chown -h nobody "$T/abs-mbox" || fail "chown -h"
      dotqmail .qmail "$T/abs-mbox"
    else
      chown -h nobody "$H/mbox" || fail "chown -h"
      dotqmail .qmail ./mbox
    fi
    ql joe '' '' example.com "$S" ./Maildir/
    expect_rc 111 "an mbox that is another user's symbolic link ($how)"
    same "$T/target.orig" "$T/target" "the target of a planted mbox link ($how)"
    [ -e "$T/dangling" ] && fail "a dangling planted mbox link made its target"
    [ $how = absolute ] || [ -h "$H/mbox" ] || fail "the planted link was replaced"
  done
  rm -f "$T/abs-mbox"
else
  echo "not root: another user's symbolic link cannot be made here; only the recipient's own are tried"
fi
# the recipient's own link: followed, the target gets the message
ql_reset
ln -s ../target "$H/mbox"
dotqmail .qmail ./mbox
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "an mbox that is the recipient's own symbolic link"
[ -h "$H/mbox" ] || fail "the recipient's link was replaced"
head -n 1 "$T/target" | grep -qx precious || fail "the link's target lost its first line"
sed -n 2p "$T/target" | grep -q '^From ' || fail "the link's target did not get the message"
cp "$T/target.orig" "$T/target"
# a link to a link is not followed
ql_reset
ln -s target "$T/link2"
ln -s ../link2 "$H/mbox"
dotqmail .qmail ./mbox
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 111 "an mbox that is a link to a link"
same "$T/target.orig" "$T/target" "the target of a link to a link"
rm -f "$T/link2"

# --- a FIFO in place of an mbox ----------------------------------------------------------
ql_reset
mkfifo "$H/mbox" || fail mkfifo
dotqmail .qmail ./mbox
t0=`date +%s`
env -i PATH="$QL_PATH" QMAILQUEUE="$QQ" timeout -k 2 20 "$TOP/qmail-local" -- "$QL_USER" "$H" \
  joe '' '' example.com "$S" ./Maildir/ < "$MSG" > "$T/out" 2>&1
RC=$?
t1=`date +%s`
[ "$RC" = 124 ] || [ "$RC" = 137 ] && fail "qmail-local hangs on a FIFO in place of an mbox"
expect_rc 111 "a FIFO in place of an mbox"
[ $((t1 - t0)) -le 5 ] || fail "qmail-local took $((t1 - t0)) s to give up on a FIFO"
[ -p "$H/mbox" ] || fail "the FIFO was replaced"

# --- shell metacharacters in the envelope -------------------------------------------------
CAN=$T/canary-shell
BAD_SENDER='$(touch '"$CAN"'1)@example.org'
BAD_EXT='`touch '"$CAN"'2`;touch${IFS}'"$CAN"'3|x'
BAD_LOCAL="joe-$BAD_EXT"
ql_reset
rm -f "$CAN"1 "$CAN"2 "$CAN"3
dotqmail .qmail-default \
  "|printf '%s\\n' \"\$SENDER\" \"\$LOCAL\" \"\$EXT\" \"\$DEFAULT\" \"\$RECIPIENT\" \"\$NEWSENDER\" > $T/seen; echo \$SENDER \$LOCAL \$RPLINE \$DTLINE > /dev/null" \
  ./Maildir/ ./mbox '&fwd@example.net'
ql "$BAD_LOCAL" - "$BAD_EXT" example.com "$BAD_SENDER" ./Maildir/
for n in 1 2 3; do
  [ -e "$CAN$n" ] && fail "a shell ran part of the envelope (canary $n)"
done
expect_rc 0 "a hostile sender and local part"
printf '%s\n' "$BAD_SENDER" "$BAD_LOCAL" "$BAD_EXT" "$BAD_EXT" "$BAD_LOCAL@example.com" "$BAD_SENDER" > "$T/seen.want"
same "$T/seen.want" "$T/seen" "the envelope as the program saw it"
expect_forward 1 "$BAD_SENDER" "$BAD_LOCAL@example.com" "$MSG" fwd@example.net
expect_out "did 2+1+1\\nqp $QPN\\n"
# the local part of the sender has a space and parentheses: RFC 5321 quotes it
maildir_only "$H/Maildir"
{
  printf 'Return-Path: <"%s"@example.org>\n' '$(touch '"$CAN"'1)'
  printf 'Delivered-To: %s@example.com\n' "$BAD_LOCAL"
  cat "$MSG"
} > "$T/want.md"
same "$T/want.md" "$FOUND" "the Maildir copy for a hostile envelope"
for n in 1 2 3; do
  [ -e "$CAN$n" ] && fail "a shell ran part of the envelope (canary $n)"
done

pass
