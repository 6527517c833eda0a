#!/bin/sh
# qmail-newrcpt builds users/rcpt.cdb from users/assign and the .qmail files
# in the homes it names (exact, -default, longer prefix hides shorter, an
# exact line hides prefixes, empty dash, control/validrcptto with local
# parts, full addresses and @virtual.domain), without hanging on a FIFO,
# following a symlink or failing on a missing home; the file is 0644 and
# replaced atomically; -q answers known/unknown and notices a source that
# changed. Then from a password database (libnss_wrapper) when users/cdb
# does not exist, and, as root, from real accounts.
. tests/lib.sh
. tests/lib_users.sh
need_programs qmail-newrcpt qmail-newu

H=$T/home
users_home "$H" qtalias qmail-newrcpt qmail-newu
mkdir -p "$H/control" || fail "mkdir control"
hm=$T/homes
mkdir -p "$hm/joe" "$hm/lists" "$hm/info" "$hm/virt" "$hm/alias" "$hm/plain" || fail "mkdir homes"
u=`id -u` g=`id -g`

touch "$hm/joe/.qmail-default" "$hm/joe/.qmail-list-b" "$hm/joe/.profile"
touch "$hm/lists/.qmail-joe-a" "$hm/lists/.qmail-joe-dept-default"
mkfifo "$hm/lists/.qmail-joe-fifo" || fail "mkfifo"
mkdir "$hm/lists/.qmail-joe-dir"
ln -s /nonexistent/target "$hm/lists/.qmail-joe-link"
touch "$hm/info/.qmail-in-default"
touch "$hm/virt/.qmail-sue" "$hm/virt/.qmail-a:b"
touch "$hm/alias/.qmail-postmaster" "$hm/alias/.qmail-Upper"
mkfifo "$T/fifohome" || fail "mkfifo"

cat > "$H/users/assign" <<EOF
+joe-:joe:$u:$g:$hm/joe:-::
+joe-list-:lists:$u:$g:$hm/lists:-:joe-:
=info:info:$u:$g:$hm/info:-:info:
=sales:info:$u:$g:$hm/info:-:in-sales:
+plain-:plain:$u:$g:$hm/plain:::
+v-:virt:$u:$g:$hm/virt:-::
+gone-:gone:$u:$g:$T/no/such/home:-::
+fifo-:fifo:$u:$g:$T/fifohome:-::
+:alias:$u:$g:$hm/alias:-::
.
EOF
"$H/bin/qmail-newu" || fail "qmail-newu"
printf 'here.example\n' > "$H/control/me"
printf 'here.example\nalso.example\n' > "$H/control/locals"
printf 'virt.example:v\nother.example:o\n' > "$H/control/virtualdomains"
printf '# always\nWebmaster\nbilling@virt.example\n@other.example\nx@remote.example\n' \
  > "$H/control/validrcptto"

"$H/bin/qmail-newrcpt" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "qmail-newrcpt exited $?"; }
[ -s "$T/out" ] && fail "output on success: `cat "$T/out"`"
assert_grep "$T/err" "^qmail-newrcpt: warning: unable to list home directory $T/no/such/home: .*; every address it handles is accepted\$"
assert_grep "$T/err" "^qmail-newrcpt: warning: unable to list home directory $T/fifohome: "
assert_grep "$T/err" "^qmail-newrcpt: warning: control/validrcptto: x@remote.example is not in a local or virtual domain; ignored\$"
assert_eq 3 "`wc -l < "$T/err" | tr -d ' '`" "warnings"
assert_eq "-rw-r--r--" "`ls -l "$H/users/rcpt.cdb" | cut -c1-10`" "mode of users/rcpt.cdb"
[ -e "$H/users/rcpt.cdb.tmp" ] && fail "users/rcpt.cdb.tmp left behind"

# known LOCAL...: each is known; unknown LOCAL...: each is not
known() {
  for a in "$@"; do
    out=`"$H/bin/qmail-newrcpt" -q "$a"` || fail "$a: exit $?: $out"
    case $out in "$a: known"*) ;; *) fail "$a: expected known, got '$out'" ;; esac
  done
}
unknown() {
  for a in "$@"; do
    out=`"$H/bin/qmail-newrcpt" -q "$a"`
    rc=$?
    assert_eq 100 $rc "exit code for $a ($out)"
    # other tests may change /etc/passwd meanwhile: then it is out of date
    [ -n "$PASSWD_MAY_CHANGE" ] && [ "$out" = "$a: unknown (database out of date: qmail-smtpd answers 450)" ] &&
      continue
    assert_eq "$a: unknown" "$out" "answer for $a"
  done
}
known joe-x joe-anything JOE-X joe-list-a joe-list-dept-1 Joe-List-Dept-
unknown joe-list-b joe-list-dept joe-list-c joe
# a FIFO and a directory count as absent, a symlink as present (not followed)
unknown joe-list-fifo joe-list-dir
known joe-list-link
known sales plain-x plain- v-sue v-a.b V-A:B gone-x fifo-x postmaster
unknown info v-bob stranger upper
# validrcptto: a local part, a full address (rewritten), a whole domain
known webmaster v-billing o-anyone o-
unknown o
# full addresses are rewritten as qmail-send would
out=`"$H/bin/qmail-newrcpt" -q sue@virt.example bob@virt.example x@remote.example`
assert_eq 100 $? "exit code for a mixed query"
assert_eq "sue@virt.example: known as v-sue
bob@virt.example: unknown as v-bob
x@remote.example: not local, not checked" "$out" "answers for full addresses"
out=`"$H/bin/qmail-newrcpt" -q joe-x@also.example`
assert_eq "joe-x@also.example: known as joe-x" "$out" "answer for a local domain"

# a changed source: unknown addresses are reported as out of date
printf '\n' >> "$H/control/validrcptto"
out=`"$H/bin/qmail-newrcpt" -q nobody`
assert_eq "nobody: unknown (database out of date: qmail-smtpd answers 450)" "$out" "stale answer"
"$H/bin/qmail-newrcpt" 2>/dev/null || fail "qmail-newrcpt again"
unknown nobody
printf '%s\n' "+:alias:$u:$g:$hm/alias:-::" "." > "$H/users/assign.new"
cat "$H/users/assign.new" > "$H/users/assign"
out=`"$H/bin/qmail-newrcpt" -q nobody`
assert_eq "nobody: unknown (database out of date: qmail-smtpd answers 450)" "$out" "stale after users/assign"
"$H/bin/qmail-newrcpt" 2>"$T/err"
assert_grep "$T/err" "users/assign is newer than users/cdb; run qmail-newu, then qmail-newrcpt"

# users/cdb exists but users/assign is bad: failure, the old table stays
cp "$H/users/rcpt.cdb" "$T/before"
printf '=a:a:1:1:/h::\n.\n' > "$H/users/assign"
"$H/bin/qmail-newrcpt" 2> "$T/err"
assert_eq 111 $? "exit code for a bad users/assign"
assert_grep "$T/err" "^qmail-newrcpt: fatal: bad format in users/assign line 1: "
cmp -s "$T/before" "$H/users/rcpt.cdb" || fail "users/rcpt.cdb changed after a failure"
[ -e "$H/users/rcpt.cdb.tmp" ] && fail "users/rcpt.cdb.tmp left after a failure"

# the order of the replacement
if command -v strace >/dev/null 2>&1 && [ -z "$SANITIZED" ]; then
  printf '+:alias:1:1:%s:-::\n.\n' "$hm/alias" > "$H/users/assign"
  strace -f -o "$T/trace" -e trace=openat,fsync,fdatasync,rename,renameat,renameat2,close \
    "$H/bin/qmail-newrcpt" 2>/dev/null || fail "qmail-newrcpt under strace"
  "$PYTHON" "$TOP/tests/replace_order.py" "$T/trace" users/rcpt.cdb.tmp users/rcpt.cdb users ||
    fail "qmail-newrcpt does not replace users/rcpt.cdb durably"
fi

# -q without a database: everything is accepted
rm -f "$H/users/rcpt.cdb"
out=`"$H/bin/qmail-newrcpt" -q nobody`
assert_eq 0 $? "exit code without a database"
assert_eq "users/rcpt.cdb does not exist: every address is accepted" "$out" "answer without a database"
"$H/bin/qmail-newrcpt" -x 2>/dev/null
assert_eq 100 $? "exit code for a usage error"

# --- the password database (users/cdb missing) --------------------------------
rm -f "$H/users/cdb" "$H/users/assign" "$H/control/validrcptto"
have_nss=
for f in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
  [ -f "$f" ] && have_nss=1
done
if [ -z "$SANITIZED" ] && [ -n "$have_nss" ]; then
  nss_wrap
  pu=$u
  [ "$pu" = 0 ] && pu=4242
  ph=$T/pw
  mkdir -p "$ph/ann" "$ph/bob" "$ph/www-data" "$ph/alias" "$ph/root" || fail "mkdir"
  touch "$ph/ann/.qmail-x" "$ph/ann/.qmail-y-default" "$ph/alias/.qmail-default" \
    "$ph/www-data/.qmail-q" "$ph/root/.qmail-default"
  [ "$u" = 0 ] && chown -R "$pu" "$ph"
  cat > "$T/passwd" <<EOF
root:x:0:0:root:$ph/root:/bin/sh
ann:x:$pu:$g::$ph/ann:/bin/sh
bob:x:$pu:$g::$ph/bob:/bin/sh
www-data:x:$pu:$g::$ph/www-data:/bin/sh
Carl:x:$pu:$g::$ph/bob:/bin/sh
dan:x:$pu:$g::$T/nohome:/bin/sh
eve:x:4343:$g::$ph/ann:/bin/sh
qtalias:x:$pu:$g::$ph/alias:/bin/sh
EOF
  printf 'g:x:%s:\n' "$g" > "$T/group"
  env $NSS_ENV "$H/bin/qmail-newrcpt" 2> "$T/err" || { cat "$T/err"; fail "qmail-newrcpt from passwd"; }
  [ -s "$T/err" ] && fail "warnings: `cat "$T/err"`"
  # alias has .qmail-default: so "unknown" only where an account owns the
  # address and has no file for it
  known ann ann-x ann-y-1 bob www-data www-data-q nobody carl root root-x dan eve eve-x
  unknown ann-z ann-y bob-x www-data-r
  rm "$ph/alias/.qmail-default"
  env $NSS_ENV "$H/bin/qmail-newrcpt" || fail "qmail-newrcpt from passwd"
  known qtalias
  unknown nobody carl root root-x dan eve
else
  echo "libnss_wrapper (Debian package libnss-wrapper) not usable: the password database part is not tested"
fi

# --- real accounts (root) ------------------------------------------------------
if [ "`id -u`" = 0 ]; then
  need_cmd useradd
  S=$T/src
  mkdir -p "$S"
  test_accounts "$S"
  set -- $TEST_ACCOUNTS
  ra=$1 ru=$2
  R=$T/rhome
  users_home "$R" "$ra" qmail-newrcpt
  lib_retry useradd -M -d "$T/ra" -s /usr/sbin/nologin "$ra" || fail "useradd $ra"
  lib_retry useradd -M -d "$T/ru" -s /usr/sbin/nologin "$ru" || fail "useradd $ru"
  mkdir -p "$T/ra" "$T/ru"
  touch "$T/ra/.qmail-help" "$T/ru/.qmail-list-default"
  chown "$ra" "$T/ra"
  chown "$ru" "$T/ru"
  "$R/bin/qmail-newrcpt" 2> "$T/err" || { cat "$T/err"; fail "qmail-newrcpt from real accounts"; }
  H=$R
  PASSWD_MAY_CHANGE=1
  known "$ru" "$ru-list-x" help
  unknown "$ru-x" "${ru}zz" nosuchuser
  # as qmail-getpw: a home owned by someone else does not count
  chown root "$T/ru"
  "$R/bin/qmail-newrcpt" 2>/dev/null || fail "qmail-newrcpt again"
  unknown "$ru" "$ru-list-x"
fi
pass
