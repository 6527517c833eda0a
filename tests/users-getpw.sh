#!/bin/sh
# qmail-getpw against a password file of our own (through libnss_wrapper):
# the cut points right to left at '-', names of 32 bytes or more, the
# lower-cased lookup, uid 0, a home that is missing or owned by another
# uid, the fallback to alias with dash "-" and the whole local part, no
# alias account, usage; then the real qmail-getpw behind a real
# qmail-lspawn, with and without a users/cdb that assigns nothing.
. tests/lib.sh
. tests/lib_users.sh
need_programs qmail-getpw qmail-lspawn qmail-newu
need_cmd "$PYTHON"
nss_wrap

H=$T/home
users_home "$H" qtalias qmail-getpw qmail-lspawn qmail-newu

me=`id -un`
if [ "`id -u`" = 0 ]; then u=4001 g=4002; else u=`id -u` g=`id -g`; fi
mkdir -p "$T/h/alias" "$T/h/joe" "$T/h/joefoo" "$T/h/rootish" "$T/h/mixed" \
  "$T/h/a31" "$T/h/a32" || fail "mkdir"
[ "`id -u`" = 0 ] && { chown -R $u:$g "$T/h" || fail "chown"; }
a31=abcdefghijabcdefghijabcdefghija
a32=${a31}b
cat > "$T/passwd" <<EOF2
$me:x:`id -u`:`id -g`::/nonexistent:/bin/sh
qtalias:x:$u:$g::$T/h/alias:/bin/false
joe:x:$u:$g:Joe:$T/h/joe:/bin/sh
joe-foo:x:$u:$g::$T/h/joefoo:/bin/sh
rootish:x:0:$g::$T/h/rootish:/bin/sh
gone:x:$u:$g::$T/h/missing:/bin/sh
elsewhere:x:$u:$g::/:/bin/sh
Mixed:x:$u:$g::$T/h/mixed:/bin/sh
$a31:x:$u:$g::$T/h/a31:/bin/sh
$a32:x:$u:$g::$T/h/a32:/bin/sh
EOF2
printf '%s:x:%s:\n' "`id -gn`" "`id -g`" > "$T/group"

getpw() {
  env $NSS_ENV "$H/bin/qmail-getpw" "$@" > "$T/gp" 2> "$T/gp.err"
  gp_rc=$?
  gp_out=`tr '\0' '|' < "$T/gp"`
}
expect() { # LOCAL USER HOME DASH EXT
  getpw "$1"
  assert_eq 0 "$gp_rc" "exit code for $1"
  assert_eq "$2|$u|$g|$3|$4|$5|" "$gp_out" "answer for $1"
}
alias=$T/h/alias

expect joe joe "$T/h/joe" "" ""
expect JoE joe "$T/h/joe" "" ""
expect joe-bar joe "$T/h/joe" - bar
expect joe-Bar-Baz joe "$T/h/joe" - Bar-Baz
expect joe-foo joe-foo "$T/h/joefoo" "" ""
expect JOE-FOO-Baz-Q joe-foo "$T/h/joefoo" - Baz-Q
expect joe-foox-1 joe "$T/h/joe" - foox-1
expect joex qtalias "$alias" - joex
expect rootish qtalias "$alias" - rootish
expect rootish-x qtalias "$alias" - rootish-x
expect gone qtalias "$alias" - gone
expect elsewhere-y qtalias "$alias" - elsewhere-y
expect Mixed qtalias "$alias" - Mixed
expect mixed qtalias "$alias" - mixed
expect $a31 $a31 "$T/h/a31" "" ""
expect $a31-x $a31 "$T/h/a31" - x
expect $a32 qtalias "$alias" - $a32
expect $a32-x qtalias "$alias" - $a32-x
expect -joe qtalias "$alias" - -joe
expect joe- joe "$T/h/joe" - ""
expect qtalias qtalias "$alias" "" ""
expect qtalias-Sub qtalias "$alias" - Sub
[ -s "$T/gp.err" ] && fail "qmail-getpw wrote to stderr: `cat "$T/gp.err"`"

getpw
assert_eq 100 "$gp_rc" "exit code without an argument"

# no alias account
grep -v '^qtalias:' "$T/passwd" > "$T/passwd.new" && mv "$T/passwd.new" "$T/passwd"
getpw nosuch
assert_eq 116 "$gp_rc" "exit code without the alias account"
getpw joe-x
assert_eq 0 "$gp_rc" "exit code for joe-x without the alias account"
echo "qtalias:x:$u:$g::$T/h/alias:/bin/false" >> "$T/passwd"

# --- behind qmail-lspawn: the stand-in qmail-local shows its arguments -----
cat > "$H/bin/qmail-local" <<'EOF2'
#!/bin/sh
shift
printf 'args:%s|%s|%s|%s|%s|%s|%s|%s\n' "$@"
exit 0
EOF2
chmod 755 "$H/bin/qmail-local"
if [ "`id -u`" = 0 ]; then
  # qmail-local runs as the account found, and needs to read the home
  chmod 755 "$H" "$H/bin"
fi
run() {
  env $NSS_ENV "$PYTHON" tests/spawnclient.py -t 60 "$H/bin/qmail-lspawn" ./Maildir/ > "$T/out" 2>"$T/err"
}
has() {
  grep -q -F -x -e "$1" "$T/out" || { cat "$T/out" "$T/err"; fail "no line '$1'"; }
}
script='req 0 8/123 s@x Joe-Foo-List@example.com
req 1 8/123 s@x nobody-Here@example.com
req 2 8/123 s@x rootish@example.com'
echo "$script" | run
has "report 0 K args:joe-foo|$T/h/joefoo|Joe-Foo-List|-|List|example.com|s@x|./Maildir/\\n"
has "report 1 K args:qtalias|$alias|nobody-Here|-|nobody-Here|example.com|s@x|./Maildir/\\n"
has "report 2 K args:qtalias|$alias|rootish|-|rootish|example.com|s@x|./Maildir/\\n"

# a users/cdb that assigns other addresses only: qmail-getpw still answers
printf '=other:%s:%s:%s:/o:::\n.\n' joe $u $g > "$H/users/assign"
"$H/bin/qmail-newu" || fail "qmail-newu"
echo "$script" | run
has "report 0 K args:joe-foo|$T/h/joefoo|Joe-Foo-List|-|List|example.com|s@x|./Maildir/\\n"
echo 'req 0 8/123 s@x OTHER@example.com' | run
has "report 0 K args:joe|/o|OTHER|||example.com|s@x|./Maildir/\\n"

# no alias account: deferred with qmail-getpw's code
grep -v '^qtalias:' "$T/passwd" > "$T/passwd.new" && mv "$T/passwd.new" "$T/passwd"
echo 'req 0 8/123 s@x nobody@example.com' | run
grep -q -F -e 'report 0 Z Unable to find the alias account. (#4.3.0)\nqmail-getpw: fatal: alias account qtalias does not exist\n' "$T/out" ||
  { cat "$T/out"; fail "no report of the missing alias account"; }
pass
