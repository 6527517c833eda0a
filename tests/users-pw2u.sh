#!/bin/sh
# qmail-pw2u on a password file made here: the default rules, every option
# and every users/ file, output compared byte for byte; bad users/ files
# and a missing alias account fail without output. Then its table goes
# through qmail-newu to a real qmail-lspawn and qmail-local, and each
# address is delivered to the Maildir its home and .qmail files name.
. tests/lib.sh
. tests/lib_users.sh
need_programs qmail-pw2u qmail-newu qmail-lspawn qmail-local
need_cmd "$PYTHON"

H=$T/home
users_home "$H" qtalias qmail-pw2u qmail-newu qmail-lspawn qmail-local
if [ "`id -u`" = 0 ]; then u=4001 g=4002; else u=`id -u` g=`id -g`; fi
for d in alias joe ann bob mixed; do
  mkdir -p "$T/h/$d/Maildir/tmp" "$T/h/$d/Maildir/new" "$T/h/$d/Maildir/cur" || fail "mkdir"
done
[ "`id -u`" = 0 ] && { chown -R $u:$g "$T/h" || fail "chown"; }
h=$T/h
cat > "$T/passwd" <<EOF2
root:x:0:0:root:/root:/bin/bash
joe:x:$u:$g:Joe:$h/joe:/bin/sh
ann:x:$u:$g::$h/ann:/bin/sh
Mixed:x:$u:$g::$h/mixed:/bin/sh
gone:x:$u:$g::$h/missing:/bin/sh
theirs:x:$u:$g::/:/bin/sh
broken:x:$u:$g:$h/joe
qtalias:x:$u:$g::$h/alias:/bin/false
bob:x:$u:$g::$h/bob:/bin/sh
EOF2

pw2u() {
  "$H/bin/qmail-pw2u" "$@" < "$T/passwd" > "$T/assign" 2> "$T/pw2u.err"
}
same() { # WHAT (expected table on stdin)
  cat > "$T/want"
  cmp -s "$T/want" "$T/assign" || { diff "$T/want" "$T/assign"; fail "table $1"; }
}

# --- defaults, without users/ files -------------------------------------------
pw2u || fail "qmail-pw2u exited $?: `cat "$T/pw2u.err"`"
same "by default" <<EOF2
=joe:joe:$u:$g:$h/joe:::
+joe-:joe:$u:$g:$h/joe:-::
=ann:ann:$u:$g:$h/ann:::
+ann-:ann:$u:$g:$h/ann:-::
+:qtalias:$u:$g:$h/alias:-::
=qtalias:qtalias:$u:$g:$h/alias:::
+qtalias-:qtalias:$u:$g:$h/alias:-::
=bob:bob:$u:$g:$h/bob:::
+bob-:bob:$u:$g:$h/bob:-::
.
EOF2
assert_eq "qmail-pw2u: warning: skipping line 7 of the password file: fewer than 6 colons" \
  "`cat "$T/pw2u.err"`" "warning"
cp "$T/want" "$T/want.default"
pw2u -h -H -o -U || fail "qmail-pw2u -o"
same "-o" < "$T/want.default"

# --- options ---------------------------------------------------------------------
pw2u -c. -/ -H -u -C
same "-H -u -C" <<EOF2
=joe:joe:$u:$g:$h/joe:::
=ann:ann:$u:$g:$h/ann:::
=Mixed:Mixed:$u:$g:$h/mixed:::
=gone:gone:$u:$g:$h/missing:::
=theirs:theirs:$u:$g:/:::
+:qtalias:$u:$g:$h/alias:-::
=qtalias:qtalias:$u:$g:$h/alias:::
=bob:bob:$u:$g:$h/bob:::
.
EOF2
grep -v -e '^gone' -e '^Mixed' -e '^theirs' "$T/passwd" > "$T/passwd.some"
"$H/bin/qmail-pw2u" -c . -/ < "$T/passwd.some" > "$T/assign" || fail "qmail-pw2u -c . -/"
same "-c . -/" <<EOF2
=joe:joe:$u:$g:$h/joe:::
+joe.:joe:$u:$g:$h/joe:-/::
=ann:ann:$u:$g:$h/ann:::
+ann.:ann:$u:$g:$h/ann:-/::
+:qtalias:$u:$g:$h/alias:-::
=qtalias:qtalias:$u:$g:$h/alias:::
+qtalias.:qtalias:$u:$g:$h/alias:-/::
=bob:bob:$u:$g:$h/bob:::
+bob.:bob:$u:$g:$h/bob:-/::
.
EOF2
pw2u -h
assert_eq 111 $? "exit code of -h with a missing home"
[ -s "$T/assign" ] && fail "-h wrote output"
grep -q "^qmail-pw2u: fatal: home directory does not exist: $h/missing\$" "$T/pw2u.err" ||
  fail "-h message: `cat "$T/pw2u.err"`"
pw2u -x
assert_eq 100 $? "exit code for -x"
pw2u -c:
assert_eq 100 $? "exit code for -c:"

# --- users/ files -----------------------------------------------------------------
printf 'joe\nann\nqtalias\nbob\nnosuch\n' > "$H/users/include"
printf 'ann\n' > "$H/users/exclude"
printf 'joe:jd:John.Doe\n' > "$H/users/mailnames"
printf 'help:bob:x:\n' > "$H/users/subusers"
printf '=postmaster:qtalias:%s:%s:%s:-:pm:\n' $u $g "$h/alias" > "$H/users/append"
pw2u || fail "qmail-pw2u with users/ files exited $?: `cat "$T/pw2u.err"`"
same "with users/ files" <<EOF2
=help:bob:$u:$g:$h/bob:-:x:
+help-:bob:$u:$g:$h/bob:-:x-:
=jd:joe:$u:$g:$h/joe:::
+jd-:joe:$u:$g:$h/joe:-::
=John.Doe:joe:$u:$g:$h/joe:::
+John.Doe-:joe:$u:$g:$h/joe:-::
+:qtalias:$u:$g:$h/alias:-::
=qtalias:qtalias:$u:$g:$h/alias:::
+qtalias-:qtalias:$u:$g:$h/alias:-::
=bob:bob:$u:$g:$h/bob:::
+bob-:bob:$u:$g:$h/bob:-::
=postmaster:qtalias:$u:$g:$h/alias:-:pm:
.
EOF2
cp "$T/assign" "$H/users/assign"

# bad users/ files, a missing alias: no output at all
printf 'sales:ann:work:\n' > "$H/users/subusers"
pw2u
assert_eq 111 $? "exit code for a subuser of an excluded account"
[ -s "$T/assign" ] && fail "output despite a bad users/subusers"
grep -q '^qmail-pw2u: fatal: bad format in users/subusers line 1: no such mail account ann$' "$T/pw2u.err" ||
  fail "subusers message: `cat "$T/pw2u.err"`"
printf 'help:bob:x:\n' > "$H/users/subusers"
printf 'joe\n' > "$H/users/include"
pw2u
assert_eq 111 $? "exit code without the alias account"
[ -s "$T/assign" ] && fail "output without the alias account"
grep -q '^qmail-pw2u: fatal: no usable alias account: qtalias is not listed in users/include$' "$T/pw2u.err" ||
  fail "alias message: `cat "$T/pw2u.err"`"
rm -f "$H/users/include"

# --- the table in use --------------------------------------------------------------
"$H/bin/qmail-newu" || fail "qmail-newu refused the table of qmail-pw2u"
mk() { # DIR: a Maildir
  mkdir -p "$1/tmp" "$1/new" "$1/cur" || fail "mkdir $1"
  [ "`id -u`" = 0 ] && chown -R $u:$g "$1"
}
mk "$h/joe/Maildir-ext"
echo ./Maildir-ext/ > "$h/joe/.qmail-ext"
mk "$h/bob/x-maildir"
echo ./x-maildir/ > "$h/bob/.qmail-x-sub"
mk "$h/alias/pm"
echo ./pm/ > "$h/alias/.qmail-pm"
mk "$h/alias/rest"
echo ./rest/ > "$h/alias/.qmail-default"
[ "`id -u`" = 0 ] && chown $u:$g "$h"/*/.qmail-*
"$PYTHON" tests/spawnclient.py -t 60 "$H/bin/qmail-lspawn" ./Maildir/ > "$T/out" 2>"$T/err" <<'EOF2'
req 0 8/123 s@x JD@example.com
req 1 8/123 s@x john.doe-Ext@example.com
req 2 8/123 s@x help-Sub@example.com
req 3 8/123 s@x Postmaster@example.com
req 4 8/123 s@x joe@example.com
req 5 8/123 s@x ann@example.com
req 6 8/123 s@x bob@example.com
EOF2
n=`grep -c '^report [0-9] K ' "$T/out"`
[ "$n" = 7 ] || { cat "$T/out" "$T/err"; fail "expected 7 deliveries"; }
count() { # MAILDIR N
  c=`ls "$1/new" | wc -l | tr -d ' '`
  assert_eq "$2" "$c" "messages in $1"
  for f in "$1"/new/*; do
    [ -f "$f" ] || continue
    tail -n 3 "$f" > "$T/tail"
    printf '%s' "$USERS_MSG" | cmp -s - "$T/tail" || fail "message in $f: `cat "$f"`"
  done
}
count "$h/joe/Maildir" 1            # JD (mailnames); joe itself is not an address
count "$h/joe/Maildir-ext" 1        # John.Doe-Ext -> .qmail-ext
count "$h/bob/x-maildir" 1          # help-Sub -> .qmail-x-sub (subuser)
count "$h/alias/pm" 1               # Postmaster (users/append)
count "$h/alias/rest" 2             # joe (renamed), ann (excluded): catch-all
count "$h/bob/Maildir" 1
count "$h/ann/Maildir" 0
pass
