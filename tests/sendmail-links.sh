#!/bin/sh
# sendmail-links.sh under DESTDIR (never the real /usr): install links
# /usr/sbin/sendmail, /usr/lib/sendmail, /usr/bin/mailq and
# /usr/bin/newaliases to HOME/bin/sendmail and keeps what was there as
# NAME.pre-qmail (a file and a link), a second install changes nothing,
# remove puts everything back as it was, and a second remove too; a path
# someone else replaced meanwhile is left alone. Through the links, mailq
# and newaliases act as -bp and -bi. As root: a directory on the way that
# is a symbolic link owned by another user is refused.
. tests/lib.sh
need_programs sendmail

D=$T/root
H=/var/qmail-test-home
mkdir -p "$D$H/bin" "$D/usr/sbin" "$D/usr/bin" || fail "mkdir"
cp "$TOP/sendmail" "$D$H/bin/sendmail" || fail "cp"
printf 'old sendmail\n' > "$D/usr/sbin/sendmail"
ln -s ../sbin/sendmail "$D/usr/bin/mailq"
# (no /usr/lib/sendmail, no newaliases before)

state() {
  for p in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases; do
    for f in "$D$p" "$D$p.pre-qmail"; do
      if [ -h "$f" ]; then echo "$f -> `readlink "$f"`"
      elif [ -f "$f" ]; then echo "$f: `cat "$f"`"
      elif [ -e "$f" ]; then echo "$f: other"
      fi
    done
  done
}
state > "$T/before"

DESTDIR=$D sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1 || { cat "$T/out"; fail "install failed"; }
state > "$T/after"
cat > "$T/want" <<EOW
$D/usr/sbin/sendmail -> $H/bin/sendmail
$D/usr/sbin/sendmail.pre-qmail: old sendmail
$D/usr/lib/sendmail -> $H/bin/sendmail
$D/usr/bin/mailq -> $H/bin/sendmail
$D/usr/bin/mailq.pre-qmail -> ../sbin/sendmail
$D/usr/bin/newaliases -> $H/bin/sendmail
EOW
cmp -s "$T/want" "$T/after" || { diff "$T/want" "$T/after"; fail "after install"; }
DESTDIR=$D sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1 || { cat "$T/out"; fail "second install failed"; }
state > "$T/after2"
cmp -s "$T/want" "$T/after2" || { diff "$T/want" "$T/after2"; fail "after a second install"; }

DESTDIR=$D sh "$TOP/sendmail-links.sh" remove "$H" > "$T/out" 2>&1 || { cat "$T/out"; fail "remove failed"; }
state > "$T/removed"
cmp -s "$T/before" "$T/removed" || { diff "$T/before" "$T/removed"; fail "after remove"; }
DESTDIR=$D sh "$TOP/sendmail-links.sh" remove "$H" > "$T/out" 2>&1 || { cat "$T/out"; fail "second remove failed"; }
state > "$T/removed2"
cmp -s "$T/before" "$T/removed2" || { diff "$T/before" "$T/removed2"; fail "after a second remove"; }

# someone replaced our link: remove leaves it and the saved one alone
DESTDIR=$D sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1 || fail "third install failed"
rm "$D/usr/sbin/sendmail" && printf 'another MTA\n' > "$D/usr/sbin/sendmail"
DESTDIR=$D sh "$TOP/sendmail-links.sh" remove "$H" > "$T/out" 2>&1 || fail "remove after a replacement failed"
assert_grep "$T/out" 'not a link to'
assert_eq 'another MTA' "`cat "$D/usr/sbin/sendmail"`" "a replaced /usr/sbin/sendmail"
assert_eq 'old sendmail' "`cat "$D/usr/sbin/sendmail.pre-qmail"`" "the saved one"
# and install refuses to overwrite a saved one
DESTDIR=$D sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1 && fail "install over a .pre-qmail succeeded"
assert_grep "$T/out" 'both exist'

# under a DESTDIR without the program: the error does not send the
# administrator to make setup, which ignores DESTDIR
DESTDIR=$T/empty sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1
assert_eq 111 $? "exit of an install below an empty DESTDIR"
assert_eq "sendmail-links.sh: fatal: $T/empty$H/bin/sendmail is not there: put the installed tree below DESTDIR=$T/empty first (make setup installs into $H itself, not below DESTDIR)" \
  "`cat "$T/out"`" "an install below an empty DESTDIR"
[ -e "$T/empty" ] && fail "an install below an empty DESTDIR made $T/empty"

# a directory on the way that is a symbolic link another user owns: refused
# before anything is moved or made (only root can give a link away)
if [ "`id -u`" = 0 ] && nobody_uid=`id -u nobody 2>/dev/null` && [ "$nobody_uid" != 0 ]; then
  D2=$T/root2
  mkdir -p "$D2$H/bin" "$T/elsewhere/sbin" || fail "mkdir"
  cp "$TOP/sendmail" "$D2$H/bin/sendmail" || fail "cp"
  ln -s "$T/elsewhere" "$D2/usr" && chown -h nobody "$D2/usr" || fail "ln usr"
  DESTDIR=$D2 sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1
  assert_eq 111 $? "exit of an install through a link owned by nobody"
  assert_eq "sendmail-links.sh: fatal: $D2/usr is a symbolic link owned by uid $nobody_uid (neither root nor uid 0): refusing to follow it" \
    "`cat "$T/out"`" "an install through a link owned by nobody"
  [ -z "`ls -A "$T/elsewhere/sbin"`" ] || fail "the install wrote through the link: `ls -A "$T/elsewhere/sbin"`"
  DESTDIR=$D2 sh "$TOP/sendmail-links.sh" remove "$H" > "$T/out" 2>&1
  assert_eq 111 $? "exit of a remove through a link owned by nobody"
  # one of root's own: followed
  chown -h 0 "$D2/usr" || fail "chown -h"
  DESTDIR=$D2 sh "$TOP/sendmail-links.sh" install "$H" > "$T/out" 2>&1 || { cat "$T/out"; fail "install through root's link failed"; }
  assert_eq "$H/bin/sendmail" "`readlink "$T/elsewhere/sbin/sendmail"`" "the link made through root's link"
else
  echo "not root (or no nobody account): the link owned by another user is not tried"
fi

# usage
sh "$TOP/sendmail-links.sh" > /dev/null 2>&1
assert_eq 100 $? "exit without arguments"
sh "$TOP/sendmail-links.sh" frob "$H" > /dev/null 2>&1
assert_eq 100 $? "exit of an unknown action"

# mailq and newaliases through links: -bp and -bi
ln -s "$TOP/sendmail" "$T/newaliases" && ln -s "$TOP/sendmail" "$T/mailq" || fail "ln"
"$T/newaliases" < /dev/null > "$T/out" 2>&1
assert_eq 0 $? "newaliases: exit"
pass
