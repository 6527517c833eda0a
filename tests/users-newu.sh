#!/bin/sh
# qmail-newu and the users/cdb lookup of a real qmail-lspawn (stand-in
# qmail-local and qmail-getpw): simple beats wildcard, the longer prefix
# beats the shorter, the first of duplicate keys wins, only prefixes ending
# in a wildchar are tried (any last character of a prefix is one), the catch-all comes last, the local part is
# matched without case and its rest is appended to ext in its own case.
# Then every kind of bad users/assign leaves users/cdb byte for byte as it
# was and names the line, and (with strace) the new table is written to
# users/cdb.tmp, synced, renamed and users/ synced, in that order.
. tests/lib.sh
. tests/lib_users.sh
need_programs qmail-lspawn qmail-newu
need_cmd "$PYTHON"

H=$T/home
users_home "$H" qtalias qmail-lspawn qmail-newu
if [ "`id -u`" = 0 ]; then u=`id -u nobody` g=`id -g nobody`; else u=`id -u` g=`id -g`; fi
cat > "$H/bin/qmail-local" <<'EOF2'
#!/bin/sh
shift
printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5"
EOF2
cat > "$H/bin/qmail-getpw" <<EOF2
#!/bin/sh
printf '%s\0%s\0%s\0%s\0%s\0%s\0' getpw $u $g /gp - "\$1"
EOF2
chmod 755 "$H/bin/qmail-local" "$H/bin/qmail-getpw"

cat > "$H/users/assign" <<EOF2
=joe:joe:$u:$g:/h/joe:::
+joe-:joe:$u:$g:/h/joe:-::
+joe-list-:lists:$u:$g:/h/lists:-:joe-:
=Info:first:$u:$g:/h/first:-:info:
=info:second:$u:$g:/h/second:::
+Sales.:sales:$u:$g:/h/sales:-:in-:
+sales.:sales2:$u:$g:/h/sales2:-::
+abc:abc:$u:$g:/h/abc:-::
+:catch:$u:$g:/h/alias:-::
.
EOF2
"$H/bin/qmail-newu" || fail "qmail-newu"

run() {
  "$PYTHON" tests/spawnclient.py -t 60 "$H/bin/qmail-lspawn" ./Maildir/ > "$T/out" 2>"$T/err"
}
n=0
: > "$T/script"
: > "$T/want"
want() { # LOCAL ANSWER
  echo "req $n 8/123 s@x $1@example.com" >> "$T/script"
  printf 'report %s K %s\\n\n' "$n" "$2" >> "$T/want"
  n=$((n + 1))
}
want joe 'joe|/h/joe|joe||'                      # simple beats wildcard
want JoE 'joe|/h/joe|JoE||'                      # without case
want joe-Ext 'joe|/h/joe|joe-Ext|-|Ext'          # rest of local, its own case
want joe-list-X 'lists|/h/lists|joe-list-X|-|joe-X'  # longer prefix wins
want JOE-LIST- 'lists|/h/lists|JOE-LIST-|-|joe-'
want joe-list 'joe|/h/joe|joe-list|-|list'
want INFO 'first|/h/first|INFO|-|info'           # first duplicate wins
want sales.Q1 'sales|/h/sales|sales.Q1|-|in-Q1'  # and for prefixes
want abc 'abc|/h/abc|abc|-|'
want abcd 'abc|/h/abc|abcd|-|d'                  # any last character
want ab 'catch|/h/alias|ab|-|ab'
want Nobody 'catch|/h/alias|Nobody|-|Nobody'     # catch-all last
run < "$T/script"
for i in `seq 0 $((n - 1))`; do
  line=`sed -n "$((i + 1))p" "$T/want"`
  grep -q -F -x -e "$line" "$T/out" || { cat "$T/out" "$T/err"; fail "no line '$line'"; }
done

# without a catch-all an address no line covers falls to qmail-getpw
# (the wildchars rule itself, for tables qmail-newu did not make, is in
# tests/unit/test_assign.c)
cat > "$H/users/assign" <<EOF2
+abc:abc:$u:$g:/h/abc:-::
+xc:xc:$u:$g:/h/xc:-::
.
EOF2
"$H/bin/qmail-newu" || fail "qmail-newu"
printf 'req 0 8/123 s@x abcd@x\nreq 1 8/123 s@x xcd@x\nreq 2 8/123 s@x ab@x\n' | run
grep -q -F -x 'report 0 K abc|/h/abc|abcd|-|d\n' "$T/out" || { cat "$T/out"; fail "abcd"; }
grep -q -F -x 'report 1 K xc|/h/xc|xcd|-|d\n' "$T/out" || { cat "$T/out"; fail "xcd"; }
grep -q -F -x 'report 2 K getpw|/gp|ab|-|ab\n' "$T/out" || { cat "$T/out"; fail "ab"; }

# --- bad users/assign: users/cdb stays as it was ------------------------------
cp "$H/users/cdb" "$T/cdb.before"
good="=joe:joe:$u:$g:/h/joe:::"
bad() { # LINE WHAT (users/assign on stdin)
  cat > "$H/users/assign"
  "$H/bin/qmail-newu" > "$T/newu.out" 2> "$T/newu.err"
  rc=$?
  assert_eq 111 $rc "exit code for $2"
  cmp -s "$T/cdb.before" "$H/users/cdb" || fail "users/cdb changed after $2"
  [ -e "$H/users/cdb.tmp" ] && fail "users/cdb.tmp left after $2"
  grep -q "^qmail-newu: fatal: bad format in users/assign line $1: .*; users/cdb left unchanged\$" "$T/newu.err" ||
    fail "no message naming line $1 for $2: `cat "$T/newu.err"`"
}
printf '%s\n=a:a:1:1:/h::\n.\n' "$good" | bad 2 "6 colons"
printf '%s\n%s\n=a:a:1:1:/h\0:::\n.\n' "$good" "$good" | bad 3 "a NUL byte"
printf '%s\n' "$good" | bad 2 "no dot line"
printf '%s' "$good" | bad 1 "no newline at the end"
: | bad 1 "an empty file"
printf '%s\n=a:a:x:1:/h:::\n.\n' "$good" | bad 2 "a bad uid"
printf '%s\n=a:a:1:1::::\n.\n' "$good" | bad 2 "an empty home"
printf '%s\n\n.\n' "$good" | bad 2 "an empty line"
printf '%s\n-a:a:1:1:/h:::\n.\n' "$good" | bad 2 "a bad first character"
rm -f "$H/users/assign"
"$H/bin/qmail-newu" 2> "$T/newu.err"
assert_eq 111 $? "exit code without users/assign"
cmp -s "$T/cdb.before" "$H/users/cdb" || fail "users/cdb changed without users/assign"

# --- the order of the replacement -----------------------------------------------
if command -v strace >/dev/null 2>&1 && [ -z "$SANITIZED" ]; then
  printf '%s\n.\n' "$good" > "$H/users/assign"
  strace -f -o "$T/trace" -e trace=openat,fsync,fdatasync,rename,renameat,renameat2,close \
    "$H/bin/qmail-newu" || fail "qmail-newu under strace"
  "$PYTHON" "$TOP/tests/replace_order.py" "$T/trace" users/cdb.tmp users/cdb users ||
    fail "qmail-newu does not replace users/cdb durably"
fi
pass
