#!/bin/sh
# Which .qmail file qmail-local follows (reference 6.2, 6.3): every worked
# example of the search-order table, each candidate made to exist in turn
# from the least to the most specific, shown by the Maildir it delivers to
# and by the -n listing; the extension lower-cased with '.' as ':'; a
# directory in place of a candidate is skipped; no file with a non-empty
# dash bounces (#5.1.1) while an empty dash uses the default delivery; the
# exact -n output for every instruction type; the sticky-bit home defers
# (#4.2.1) but -n only warns; a world-writable home or .qmail defers
# (#4.7.0) and delivers nothing.
. tests/lib.sh
need_programs qmail-local
. tests/lib_local.sh

S=a@b.org

# which DASH EXT: delivers to joe<DASH><EXT>@example.com; WHICH = the one
# Maildir name (md-<file>) that got the message, "" if none
which() {
  ql "joe$1$2" "$1" "$2" example.com "$S" ./Maildir/
  WHICH=
  for d in "$H"/md-*; do
    [ -d "$d" ] || continue
    n=`find "$d/new" -type f | wc -l | tr -d ' '`
    case $n in
      0) ;;
      1) [ -z "$WHICH" ] || fail "delivered to $WHICH and ${d##*/}"; WHICH=${d##*/} ;;
      *) fail "$n messages in $d" ;;
    esac
    rm -f "$d/new/"*
  done
}
# candidate NAME: a .qmail file NAME delivering to the Maildir md-NAME
candidate() {
  mkdir -p "$H/md-$1/new" "$H/md-$1/tmp" "$H/md-$1/cur" || fail mkdir
  dotqmail "$1" "./md-$1/"
}

# check_order DASH EXT FILE...: the FILEs are the candidates, most specific
# first; made to exist from the last to the first, each new one must win,
# both in a delivery and in the -n listing
check_order() {
  co_dash=$1 co_ext=$2
  shift 2
  ql_reset
  which "$co_dash" "$co_ext"
  if [ -n "$co_dash" ]; then
    expect_rc 100 "ext '$co_ext' with no .qmail file"
    expect_out_re '#5\.1\.1'
  else
    expect_rc 0 "the plain address with no .qmail file"
    expect_maildir "$H/Maildir" "$S" joe@example.com
    rm -f "$H/Maildir/new/"*
  fi
  co_list=
  for co_f in "$@"; do co_list="$co_f $co_list"; done
  for co_f in $co_list; do
    candidate "$co_f"
    which "$co_dash" "$co_ext"
    expect_rc 0 "ext '$co_ext' with $co_f"
    expect_out 'did 1+0+0\n'
    assert_eq "md-$co_f" "$WHICH" "the file followed for ext '$co_ext' when $co_f exists"
    ql -n "joe$co_dash$co_ext" "$co_dash" "$co_ext" example.com "$S" ./Maildir/
    expect_rc 0 "-n for ext '$co_ext' with $co_f"
    expect_out "maildir ./md-$co_f/\\ndid 1+0+0\\n"
  done
}

# the table of reference 6.3
check_order - '' .qmail- .qmail-default
check_order - foo .qmail-foo .qmail-default
check_order - foo-bar .qmail-foo-bar .qmail-foo-default .qmail-default
check_order - a-b-c .qmail-a-b-c .qmail-a-b-default .qmail-a-default .qmail-default
check_order - a-b- .qmail-a-b- .qmail-a-b-default .qmail-a-default .qmail-default
# the plain address: only .qmail, never a default file
check_order '' '' .qmail
ql_reset
candidate .qmail-default
candidate .qmail-
which '' ''
expect_rc 0 "the plain address with only .qmail-default and .qmail-"
assert_eq "" "$WHICH" "the file followed by the plain address"
expect_maildir "$H/Maildir" "$S" joe@example.com

# the extension is lower-cased and each '.' becomes ':'
check_order - Foo.Bar-BAZ .qmail-foo:bar-baz .qmail-foo:bar-default .qmail-default
ql_reset
candidate .qmail-foo.bar
candidate .qmail-Foo.Bar
which - Foo.Bar
expect_rc 100 "ext Foo.Bar with only .qmail-foo.bar and .qmail-Foo.Bar"
expect_out_re '#5\.1\.1'

# a directory (or a FIFO) where a candidate would be: not a .qmail, keep looking
ql_reset
candidate .qmail-default
mkdir "$H/.qmail-foo" || fail mkdir
mkfifo "$H/.qmail-foo-default" || fail mkfifo
which - foo-x
expect_rc 0 "a directory and a FIFO among the candidates"
assert_eq md-.qmail-default "$WHICH" "the file followed past a directory and a FIFO"
which - foo
expect_rc 0 "a directory named like the exact candidate"
assert_eq md-.qmail-default "$WHICH" "the file followed past a directory"

# an empty file found with a dash: the default delivery
ql_reset
: > "$H/.qmail-foo"
chmod 0600 "$H/.qmail-foo"
ql joe-foo - foo example.com "$S" ./Maildir/
expect_rc 0 "an empty .qmail-foo"
expect_out 'did 1+0+0\n'
expect_maildir "$H/Maildir" "$S" joe-foo@example.com

# an unreadable candidate defers (not as root, who reads everything)
if [ "`id -u`" != 0 ]; then
  ql_reset
  candidate .qmail-default
  candidate .qmail-foo
  chmod 0 "$H/.qmail-foo"
  which - foo
  expect_rc 111 "an unreadable .qmail-foo"
  assert_eq "" "$WHICH" "delivery with an unreadable .qmail-foo"
fi

# --- -n lists every instruction, in order --------------------------------------
ql_reset
dotqmail .qmail-list '# comment' ./Maildir/ '' "$T/abs/Maildir/" ./mbox /var/mail/joe \
  '|preline /usr/bin/procmail -f-' '&one@example.net' 'two@example.org' '+ignored' '|exit 99'
rm -f "$H/mbox"
ql -n joe-list - list example.com "$S" ./Maildir/
expect_rc 0 "-n"
expect_out 'maildir ./Maildir/\nmaildir '"$T"'/abs/Maildir/\nmbox ./mbox\nmbox /var/mail/joe\nprogram preline /usr/bin/procmail -f-\nforward one@example.net\nforward two@example.org\nprogram exit 99\ndid 4+2+2\n'
maildir_empty "$H/Maildir"
[ -e "$H/mbox" ] && fail "-n wrote the mbox"
expect_no_forward

# -n of the default delivery
ql_reset
ql -n joe '' '' example.com "$S" "./Maildir/
|echo x"
expect_rc 0 "-n of the default delivery"
expect_out 'maildir ./Maildir/\nprogram echo x\ndid 1+0+1\n'

# --- the home and the .qmail modes --------------------------------------------------
# the sticky bit: the owner is editing; defer, and -n only warns
ql_reset
dotqmail .qmail ./Maildir/
chmod 1700 "$H" || fail "chmod +t"
ql joe '' '' example.com "$S" ./Maildir/
expect_rc 111 "a sticky home"
expect_out_re '#4\.2\.1'
maildir_empty "$H/Maildir"
ql -n joe '' '' example.com "$S" ./Maildir/
expect_rc 0 "-n with a sticky home"
expect_out_re '^maildir \./Maildir/$'
expect_out_re '^did 1\+0\+0$'
chmod 0700 "$H"

# a world-writable home: defer, deliver nothing, even by default
for mode in 0702 0777 0703; do
  ql_reset
  dotqmail .qmail ./Maildir/ '&fwd@example.net'
  chmod $mode "$H" || fail chmod
  ql joe '' '' example.com "$S" ./Maildir/
  expect_rc 111 "a home of mode $mode"
  expect_out_re '#4\.7\.0'
  maildir_empty "$H/Maildir"
  expect_no_forward
  rm -f "$H/.qmail"
  ql joe '' '' example.com "$S" ./Maildir/
  expect_rc 111 "a home of mode $mode without .qmail"
  maildir_empty "$H/Maildir"
  chmod 0700 "$H"
done

# a world-writable .qmail, exact or default: defer
for f in .qmail .qmail-default; do
  ql_reset
  dotqmail $f ./Maildir/ '&fwd@example.net'
  chmod 0602 "$H/$f" || fail chmod
  if [ $f = .qmail ]; then ql joe '' '' example.com "$S" ./Maildir/
  else ql joe-x - x example.com "$S" ./Maildir/; fi
  expect_rc 111 "a world-writable $f"
  expect_out_re '#4\.7\.0'
  maildir_empty "$H/Maildir"
  expect_no_forward
done

pass
