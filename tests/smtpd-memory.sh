#!/bin/sh
# qmail-smtpd streams: a 100 MB message (databytes unset: no limit, SIZE=
# announced) is accepted with 250 and delivered intact (size and sha256 of
# the Maildir copy), and a 64 MiB command line without LF is cut off (500
# 5.5.2, or 421/500 and the close; never a 250 for it); a 64 MiB DATA line
# without LF is stored whole or refused with a 5xx. In each case the peak
# RSS of qmail-smtpd (tests/maxrss.c around it under tcpserver: the larger
# of its VmHWM and wait4's ru_maxrss, which also covers the qmail-queue it
# waited for) stays under RSS_LIMIT_KB (default 8192). Needs 600 MB free.
# timeout: 600

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

RSS_LIMIT_KB=${RSS_LIMIT_KB:-8192}
smtpd_setup
need_cmd sha256sum
free_kb=`df -Pk "$T" | awk 'NR == 2 { print $4 }'`
[ "$free_kb" -ge 614400 ] || skip "only $((free_kb / 1024)) MB free in ${T%/*}, 600 MB needed"
cc=${CC_CMD:-`sed -n 1p conf-cc`}
ld=${LD_CMD:-`sed -n 1p conf-ld`}
$cc -c -o "$T/maxrss.o" tests/maxrss.c && $ld -o "$T/maxrss" "$T/maxrss.o" || fail "unable to build tests/maxrss.c"
chmod 0755 "$T/maxrss"
mkdir "$T/rss" && chmod 0777 "$T/rss" || fail "mkdir $T/rss"
printf '#!/bin/sh\nexec %s %s/rss/$$ "$@"\n' "$T/maxrss" "$T" > "$T/rsswrap" && chmod 0755 "$T/rsswrap" ||
  fail "unable to write $T/rsswrap"
smtpd_start -w "$T/rsswrap"
SMTP_TIMEOUT=180
export SMTP_TIMEOUT

# rss_of WHAT: waits for the result of the one session since the last call,
# prints it and fails when the peak is over the limit
rss_file() {
  set -- "$T"/rss/*
  RSSF=$1
  [ $# = 1 ] && [ -s "$1" ]
}
rss_of() {
  wait_for 60 rss_file || fail "$1: no result from tests/maxrss.c: `ls "$T/rss"`"
  read -r code maxrss hwm self ms < "$RSSF"
  rm -f "$T"/rss/*
  peak=$maxrss
  [ "$hwm" -gt "$peak" ] && peak=$hwm
  echo "$1: qmail-smtpd exit $code, $ms ms, peak RSS $peak kB (VmHWM $hwm kB, ru_maxrss with qmail-queue $maxrss kB)"
  if [ -n "$SANITIZED" ]; then
    echo "(sanitized build: the bound of $RSS_LIMIT_KB kB is not checked)"
  elif [ "$peak" -gt "$RSS_LIMIT_KB" ]; then
    fail "$1: peak RSS $peak kB, above $RSS_LIMIT_KB kB"
  fi
}

# --- a 100 MB message ------------------------------------------------------------------------
line=`head -c 70 /dev/zero | tr '\0' y`
n=1400000
size=$((17 + n * 71))
smtp '<220' '>EHLO big.example\r\n' '<250' \
  ">MAIL FROM:<big@example.com> SIZE=$((size + n))\r\n" '<250 2.1.0' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' '>DATA\r\n' '<354' \
  '>Subject: big100\r\n\r\n' "*$n:$line\\r\\n" '>.\r\n' '<~250 2\.0\.0 ok [0-9]+ qp [0-9]+' \
  '>QUIT\r\n' '<221' > "$T/big.out"
st=$?
cat "$T/big.out"
[ $st = 0 ] || fail "the 100 MB message"
rss_of "100 MB message"
wait_for 120 maildir_has "$UM" 1 || fail "the 100 MB message was not delivered"
settle
find_subject "$UM" big100
message_split "$FOUND"
rm -f "$FOUND"
assert_eq "$size" "`wc -c < "$T/body" | tr -d ' '`" "bytes of the 100 MB message as delivered"
want=`{ printf 'Subject: big100\n\n'; yes "$line" | head -n $n; } | sha256sum`
assert_eq "$want" "`sha256sum < "$T/body"`" "sha256 of the 100 MB message as delivered"
rm -f "$T/body"

# --- a 64 MiB command line without LF ------------------------------------------------------------
smtp '<220' '>EHLO c\r\n' '<250' '*67108864:A' '>\r\nNOOP\r\nQUIT\r\n' '<ALL' > "$T/line.out"
st=$?
cat "$T/line.out"
[ $st = 0 ] || fail "the 64 MiB command line"
rss_of "64 MiB command line"
replies=`sed -n 's/^S: \([0-9][0-9][0-9]\) \([0-9.]*\).*/\1 \2/p' "$T/line.out" | tr '\n' ,`
echo "replies: $replies"
case $replies in
  "220 ,250 ,500 5.5.2,250 2.0.0,221 2.0.0,") echo "cut off with 500 5.5.2; the session went on" ;;
  "220 ,250 ,500 5.5.2,"* | "220 ,250 ,421 4."*) echo "cut off and closed" ;;
  "220 ,250 ,")
    grep -q '^C: (closed by the server' "$T/line.out" || fail "the 64 MiB line got no reply"
    echo "closed without a reply while the line was sent" ;;
  *) fail "the 64 MiB command line: unexpected replies $replies" ;;
esac

# --- a 64 MiB DATA line without LF -----------------------------------------------------------------
smtp '<220' '>EHLO c\r\n' '<250' '>MAIL FROM:<line@example.com>\r\n' '<250' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' '>Subject: longline\r\n\r\n' \
  '*67108864:B' '>\r\n.\r\nQUIT\r\n' '<ALL' > "$T/dline.out"
st=$?
cat "$T/dline.out"
[ $st = 0 ] || fail "the 64 MiB DATA line"
rss_of "64 MiB DATA line"
if grep -q '^S: 250 2\.0\.0 ok' "$T/dline.out"; then
  settle
  find_subject "$UM" longline
  message_split "$FOUND"
  assert_eq "$((19 + 67108864 + 1))" "`wc -c < "$T/body" | tr -d ' '`" "bytes of the message with a 64 MiB line"
else
  grep -q -E '^S: 5[0-9][0-9] 5\.' "$T/dline.out" || fail "the 64 MiB DATA line was neither stored nor refused with a 5xx"
fi
pass
