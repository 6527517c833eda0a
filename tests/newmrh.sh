#!/bin/sh
# qmail-newmrh compiles control/morercpthosts into control/morercpthosts.cdb:
# one lowercased key with empty data per entry (comments, blank lines and
# trailing white space dropped), mode 0644, read back by an independent cdb
# reader; a missing source fails and leaves the old table; the replacement
# goes through control/morercpthosts.tmp, fsync, rename, fsync of control/.
. tests/lib.sh
. tests/lib_users.sh
need_programs qmail-newmrh
need_cmd "$PYTHON"

H=$T/home
users_home "$H" qtalias qmail-newmrh
mkdir -p "$H/control" || fail "mkdir"
printf '# hosts\nExample.COM  \n\n.Sub.Example.org\n[127.0.0.1]\n' > "$H/control/morercpthosts"
umask 077
"$H/bin/qmail-newmrh" > "$T/out" 2>&1 || { cat "$T/out"; fail "qmail-newmrh exited $?"; }
umask 022
[ -s "$T/out" ] && fail "output: `cat "$T/out"`"
assert_eq "-rw-r--r--" "`ls -l "$H/control/morercpthosts.cdb" | cut -c1-10`" "mode"
[ -e "$H/control/morercpthosts.tmp" ] && fail "temporary file left"

dump() {
  "$PYTHON" - "$1" <<'EOF2'
import struct, sys
d = open(sys.argv[1], "rb").read()
# records start after the 2048-byte header and end where the first table starts
end = min(struct.unpack_from("<I", d, 8 * i)[0] for i in range(256))
pos = 2048
while pos < end:
    klen, dlen = struct.unpack_from("<II", d, pos)
    key = d[pos + 8:pos + 8 + klen]
    data = d[pos + 8 + klen:pos + 8 + klen + dlen]
    print(key.decode("latin-1") + "=" + data.decode("latin-1"))
    pos += 8 + klen + dlen
EOF2
}
assert_eq "example.com=
.sub.example.org=
[127.0.0.1]=" "`dump "$H/control/morercpthosts.cdb"`" "records"

cp "$H/control/morercpthosts.cdb" "$T/before"
rm "$H/control/morercpthosts"
"$H/bin/qmail-newmrh" 2> "$T/err"
assert_eq 111 $? "exit code without control/morercpthosts"
assert_grep "$T/err" "^qmail-newmrh: fatal: unable to read control/morercpthosts"
cmp -s "$T/before" "$H/control/morercpthosts.cdb" || fail "the table changed after a failure"

: > "$H/control/morercpthosts"
"$H/bin/qmail-newmrh" || fail "qmail-newmrh on an empty list"
assert_eq "" "`dump "$H/control/morercpthosts.cdb"`" "records of an empty list"

if command -v strace >/dev/null 2>&1 && [ -z "$SANITIZED" ]; then
  echo example.net > "$H/control/morercpthosts"
  strace -f -o "$T/trace" -e trace=openat,fsync,fdatasync,rename,renameat,renameat2,close \
    "$H/bin/qmail-newmrh" || fail "qmail-newmrh under strace"
  "$PYTHON" "$TOP/tests/replace_order.py" "$T/trace" control/morercpthosts.tmp control/morercpthosts.cdb control ||
    fail "qmail-newmrh does not replace the table durably"
fi
pass
