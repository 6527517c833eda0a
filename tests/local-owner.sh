#!/bin/sh
# Files another local user planted where a recipient's delivery looks
# (security-tests C7 and C10; Postfix CVE-2008-2936/2937). qmail-local
# runs here as a throwaway uid (the victim) and another (the attacker):
#  - an mbox in a world-writable spool that the attacker created first,
#    mode 0666, is refused (111) and stays empty: the attacker must not
#    read the victim's mail;
#  - a root-owned symbolic link with a second hard link (the planted one)
#    is not followed: the victim's file it points to is unchanged;
#  - a .qmail file the attacker wrote into a group-writable home is not
#    followed: its program does not run as the victim (111, #4.7.0);
# while the things a recipient does make work: the recipient's own spool
# mbox, and a .qmail file root wrote (as for the alias account).
. tests/lib.sh
need_root
need_programs qmail-local
need_cmd setpriv
. tests/lib_local.sh

# two numeric ids no account uses
free_id() {
  fi_n=$1
  while getent passwd "$fi_n" >/dev/null 2>&1 || getent group "$fi_n" >/dev/null 2>&1; do
    fi_n=$((fi_n + 1))
  done
  echo "$fi_n"
}
V=`free_id 23400`
A=`free_id $((V + 1))`
G=`free_id $((A + 1))`
S=a@b.org

chmod 0755 "$T"
victim_reset() {
  ql_reset
  chown -R "$V:$V" "$H" || fail "chown $H"
}
# qlv ARGS...: qmail-local as the victim (in group G too)
qlv() {
  env -i PATH="$QL_PATH" QMAILQUEUE="$QQ" INHERITED=yes \
    setpriv --reuid="$V" --regid="$V" --groups="$G" -- \
    "$TOP/qmail-local" -- victim "$H" "$@" < "$MSG" > "$T/out" 2>&1
  RC=$?
}
as_attacker() {
  setpriv --reuid="$A" --regid="$A" --groups="$G" -- sh -c "$1" || fail "as the attacker: $1"
}
vdotqmail() {
  dotqmail "$@"
  chown "$V:$V" "$H/$1" || fail chown
}

SP=$T/spool
mkdir "$SP" && chmod 1777 "$SP" || fail "mkdir $SP"

# --- the recipient's own spool mbox: delivered --------------------------------------------
victim_reset
setpriv --reuid="$V" --regid="$V" --clear-groups -- sh -c "umask 077; : > '$SP/own'" || fail "make $SP/own"
vdotqmail .qmail "$SP/own"
qlv joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "the recipient's own spool mbox"
grep -q '^Delivered-To: joe@example.com$' "$SP/own" || fail "the recipient's own spool mbox did not get the message"

# --- an mbox the attacker created first ---------------------------------------------------
victim_reset
as_attacker "umask 0; : > '$SP/victim'"
vdotqmail .qmail "$SP/victim"
qlv joe '' '' example.com "$S" ./Maildir/
[ -s "$SP/victim" ] && fail "the message went into an mbox another user owns (the attacker reads it)"
expect_rc 111 "an mbox another user owns"

# --- a second hard link to a root-owned symbolic link --------------------------------------
# (made by root here: with fs.protected_hardlinks=0 any user can make it)
victim_reset
printf 'precious\n' > "$T/vfile" && chown "$V:$V" "$T/vfile" && cp "$T/vfile" "$T/vfile.orig" || fail "make $T/vfile"
ln -s "$T/vfile" "$T/rootlink" && ln "$T/rootlink" "$SP/linked" || skip "this file system cannot hard-link a symbolic link"
[ "`stat -c %h "$SP/linked"`" = 2 ] || skip "no second link to the symbolic link"
vdotqmail .qmail "$SP/linked"
qlv joe '' '' example.com "$S" ./Maildir/
same "$T/vfile.orig" "$T/vfile" "the file a hard-linked root symbolic link points to"
expect_rc 111 "a root-owned symbolic link with two links"
rm -f "$SP/linked" "$T/rootlink"

# --- a .qmail file the attacker wrote into a group-writable home ---------------------------
victim_reset
chgrp "$G" "$H" && chmod 0770 "$H" || fail "chmod $H"
mkdir "$T/hit" && chmod 0777 "$T/hit" || fail "mkdir $T/hit"
as_attacker "printf '|id -u > $T/hit/ran\n' > '$H/.qmail-default'; chmod 0644 '$H/.qmail-default'"
qlv joe-x - x example.com "$S" ./Maildir/
[ -e "$T/hit/ran" ] && fail "a .qmail file another user wrote ran a program as the recipient (uid `cat "$T/hit/ran"`)"
expect_rc 111 "a .qmail file another user owns"
expect_out_re '#4\.7\.0'
maildir_empty "$H/Maildir"

# --- a .qmail file root wrote: followed -------------------------------------------------------
victim_reset
dotqmail .qmail-x ./Maildir/
chmod 0644 "$H/.qmail-x"
qlv joe-x - x example.com "$S" ./Maildir/
expect_rc 0 "a .qmail file root owns"
expect_maildir "$H/Maildir" "$S" joe-x@example.com

pass
