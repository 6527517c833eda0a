#!/bin/sh
# SMTP smuggling (CVE-2023-51764/5/6; security-tests 2.7, A5-A7): for each
# candidate end-of-data of tests/smtpd_smuggle.py (\n.\n, \r.\r, \r\n.\n,
# \n.\r\n, \r\n.\r\r\n, \r\n\0.\r\n, bare CR and LF inside lines and more),
# sent inside a DATA body and followed by a whole second transaction and
# QUIT in one write: a candidate holding a bare CR or bare LF is refused
# (a 4xx/5xx with an enhanced status code, or none, and the connection
# closed) and nothing of that session is delivered; the others are kept
# inside one message, delivered once with every byte after the candidate
# in its body. Never a second message: no delivered message has the header
# "Subject: smuggled N", and no session sees a second 250 or a 354.
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
smtpd_start

"$PYTHON" tests/smtpd_smuggle.py "$SMTP_PORT" "$ME@localhost" > "$T/matrix" ||
  fail "tests/smtpd_smuggle.py failed"
cat "$T/matrix"
# a last honest message, so that the queue has seen every session's message
smtp_ok "the last message" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' '>Subject: last\r\n\r\nlast\r\n.\r\n' '<250' \
  '>QUIT\r\n' '<221'
settle
find_subject "$UM" last

bad=
total=1
while IFS='	' read -r n kind outcome replies rest; do
  smug=`count_subject "$UM" "smug $n"`
  smuggled=`count_subject "$UM" "smuggled $n"`
  [ "$smuggled" = 0 ] || bad="$bad
candidate $n $rest: $smuggled messages with the header 'Subject: smuggled $n' (a second message)"
  case $kind:$outcome in
    bare:refused)
      [ "$smug" = 0 ] || bad="$bad
candidate $n $rest: refused, yet $smug messages delivered"
      case $replies in
        "(closed without a reply)") ;;
        *)
          echo "$replies" | grep -q -E '^[45][0-9][0-9] [45]\.[0-9]+\.[0-9]+( |$)' || bad="$bad
candidate $n $rest: refused with '$replies', not a 4xx/5xx with an enhanced status code"
          ;;
      esac
      ;;
    clean:one)
      total=$((total + 1))
      if [ "$smug" != 1 ]; then
        bad="$bad
candidate $n $rest: accepted, but $smug messages delivered"
        continue
      fi
      find_subject "$UM" "smug $n"
      message_split "$FOUND"
      grep -q -x -F "Subject: smuggled $n" "$T/body" || bad="$bad
candidate $n $rest: the text after the candidate is not in the message body"
      ;;
    bare:*) bad="$bad
candidate $n $rest (bare CR or LF): expected refused and closed, got $outcome: $replies" ;;
    *) bad="$bad
candidate $n $rest: expected one message, got $outcome: $replies" ;;
  esac
done < "$T/matrix"

# the two clean candidates, byte for byte: ".\0" is unstuffed to "\0"
# (candidate 9), "\0." is an ordinary line (candidate 12)
for c in 9 12; do
  grep -q "^$c	clean	one	" "$T/matrix" || continue
  find_subject "$UM" "smug $c"
  message_split "$FOUND"
  case $c in
    9) printf 'Subject: smug 9\n\nbody\n\0\nMAIL FROM:<spoof@victim.example>\nRCPT TO:<%s@localhost>\nDATA\nSubject: smuggled 9\n\nx\n' "$ME" > "$T/want" ;;
    12) printf 'Subject: smug 12\n\nbody\n\0.\nMAIL FROM:<spoof@victim.example>\nRCPT TO:<%s@localhost>\nDATA\nSubject: smuggled 12\n\nx\n' "$ME" > "$T/want" ;;
  esac
  cmp -s "$T/want" "$T/body" || { od -c "$T/body"; bad="$bad
candidate $c: the message is not the bytes sent"; }
done
assert_eq "$total" "`maildir_count "$UM"`" "messages delivered"
[ -z "$bad" ] || fail "smuggling matrix:$bad"
pass
