# tests/lib_users.sh: helpers for the tests of address assignment
# (tests/users-*.sh), sourced after tests/lib.sh.

# users_home DIR ALIAS PROGRAM...: a qmail home in DIR in which every role
# is the invoking user except alias, which is named ALIAS (an account that
# need not exist), with PROGRAMs built for that home in DIR/bin and a queue
# with one message, DIR/queue/mess/8/123 (its text in $USERS_MSG).
users_home() {
  uh_dir=$1
  uh_alias=$2
  shift 2
  uh_b=$uh_dir/.build
  uh_cc=${CC_CMD:-`sed -n 1p conf-cc`}
  uh_ld=${LD_CMD:-`sed -n 1p conf-ld`}
  mkdir -p "$uh_b" "$uh_dir/bin" "$uh_dir/users" "$uh_dir/queue/lock" || fail "mkdir $uh_dir"
  uh_i=0
  while [ $uh_i -lt `sed -n 1p conf-split` ]; do
    mkdir -p "$uh_dir/queue/mess/$uh_i" || fail "mkdir"
    uh_i=$((uh_i + 1))
  done
  { echo "$uh_alias"; for uh_i in 2 3 4 5 6 7 8; do id -un; done; } > "$uh_b/users"
  printf '%s\n%s\n' "`id -gn`" "`id -gn`" > "$uh_b/groups"
  sh auto.sh "$uh_dir" "$uh_b/users" "$uh_b/groups" > "$uh_b/auto.c" || fail "auto.sh"
  $uh_cc -I"$TOP" -c -o "$uh_b/auto.o" "$uh_b/auto.c" || fail "compile auto.c"
  for uh_p in "$@"; do
    $uh_ld -o "$uh_dir/bin/$uh_p" "$TOP/$uh_p.o" "$uh_b/auto.o" "$TOP/libqmail.a" ||
      fail "link $uh_p"
  done
  USERS_MSG='Subject: assignment

hello
'
  printf '%s' "$USERS_MSG" > "$uh_dir/queue/mess/8/123" || fail "write the message"
}

# nss_wrap: sets up libnss_wrapper (Debian package libnss-wrapper) so that
# programs started with "env $NSS_ENV PROGRAM" see the password and group
# files $T/passwd and $T/group instead of the system's; skips without it
nss_wrap() {
  [ -z "$SANITIZED" ] || skip "libnss_wrapper needs LD_PRELOAD, which the sanitizer build does not allow"
  NSS_LIB=
  for nw_f in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
    [ -f "$nw_f" ] && { NSS_LIB=$nw_f; break; }
  done
  [ -n "$NSS_LIB" ] || skip "libnss_wrapper is not installed (Debian package libnss-wrapper)"
  NSS_ENV="LD_PRELOAD=$NSS_LIB NSS_WRAPPER_PASSWD=$T/passwd NSS_WRAPPER_GROUP=$T/group"
}
