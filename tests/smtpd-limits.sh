#!/bin/sh
# qmail-smtpd's limits, each with a clear reply: a command line of 1000
# bytes (CRLF included) is served, one of 1001 bytes or of 8 KiB gets
# 500 5.5.2 and the session goes on; a path (<address>) of 256 bytes is
# accepted, of 257 refused with a 5xx (MAIL and RCPT); 100 recipients are
# accepted, the 101st gets 452 4.5.3 and the message goes to the 100; a
# client that keeps sending unknown commands, or recipients we refuse, gets
# 421 4.7.0 and the close after at most 100 of them; a message whose header
# has 100 Received/Delivered-To fields is refused with 554 5.4.6 and not
# queued, one with 99 is delivered.
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
smtpd_start

# --- command lines -----------------------------------------------------------------------
x993=`head -c 993 /dev/zero | tr '\0' x`
smtp_ok "command line lengths" '<220' '>EHLO c\r\n' '<250' \
  ">NOOP $x993\r\n" '<250 2.0.0' \
  ">NOOP ${x993}x\r\n" '<500 5.5.2' \
  '>NOOP\r\n' '<250 2.0.0' \
  '>HELO ' '*8192:a' '>\r\n' '<500 5.5.2' \
  '>NOOP\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'

# --- paths -----------------------------------------------------------------------------------
# <LOCAL@localhost>: 1 + local + 10 + 1 bytes
l244=`head -c 244 /dev/zero | tr '\0' p`
smtp_ok "path lengths" '<220' '>EHLO c\r\n' '<250' \
  ">MAIL FROM:<${l244}x@localhost>\r\n" '<~5[0-9][0-9] 5\.[0-9]+\.[0-9]+.*' \
  ">MAIL FROM:<$l244@localhost>\r\n" '<250 2.1.0' \
  ">RCPT TO:<${l244}x@localhost>\r\n" '<~5[0-9][0-9] 5\.[0-9]+\.[0-9]+.*' \
  ">RCPT TO:<$l244@localhost>\r\n" '<250 2.1.5' \
  '>QUIT\r\n' '<221'

# --- recipients per message -------------------------------------------------------------------
set -- '<220' '>EHLO c\r\n' '<250' '>MAIL FROM:<many@example.com>\r\n' '<250 2.1.0'
i=0
while [ $i -lt 100 ]; do
  set -- "$@" ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5'
  i=$((i + 1))
done
smtp_ok "101 recipients" "$@" ">RCPT TO:<$ME@localhost>\r\n" '<452 4.5.3' \
  '>DATA\r\n' '<354' '>Subject: hundred\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
wait_for 60 maildir_has "$UM" 100 || fail "the 100 copies were not delivered"
settle
assert_eq 100 "`count_subject "$UM" hundred`" "copies of the message to 100 recipients"

# --- bad commands and refused recipients per connection ----------------------------------------
smtp '<220' '>HELO c\r\n' '<250' 'loop:1000:XYZZY\r\n' '<EOF' > "$T/bad1" || { cat "$T/bad1"; fail "unknown commands"; }
cat "$T/bad1" | tail -n 4
grep -q '^loop: [0-9]* replies, last: 421 4\.7\.0' "$T/bad1" || fail "no 421 4.7.0 after unknown commands"
k=`sed -n 's/^loop: \([0-9]*\) replies.*/\1/p' "$T/bad1"`
[ "$k" -le 101 ] || fail "421 came only after $k unknown commands"
smtp '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  'loop:1000:RCPT TO:<u@remote.example>\r\n' '<EOF' > "$T/bad2" || { cat "$T/bad2"; fail "refused recipients"; }
tail -n 4 "$T/bad2"
grep -q '^loop: [0-9]* replies, last: 421 4\.7\.0' "$T/bad2" || fail "no 421 4.7.0 after refused recipients"
k=`sed -n 's/^loop: \([0-9]*\) replies.*/\1/p' "$T/bad2"`
[ "$k" -le 101 ] || fail "421 came only after $k refused recipients"

# --- hop count --------------------------------------------------------------------------------
hops() {
  h_i=0
  while [ $h_i -lt $1 ]; do
    printf 'Received: from hop%s by hop%s; 1 Jan 2024 00:00:00 -0000\\r\\n' $h_i $h_i
    h_i=$((h_i + 1))
  done
  h_i=0
  while [ $h_i -lt $2 ]; do
    printf 'Delivered-To: hop%s@example.com\\r\\n' $h_i
    h_i=$((h_i + 1))
  done
}
smtp_ok "100 Received fields" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' \
  ">`hops 100 0`Subject: loop100\\r\\n\\r\\nx\\r\\n.\\r\\n" '<554 5.4.6' '>QUIT\r\n' '<221'
smtp_ok "60 Received and 40 Delivered-To fields" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' \
  ">`hops 60 40`Subject: loop60\\r\\n\\r\\nx\\r\\n.\\r\\n" '<554 5.4.6' '>QUIT\r\n' '<221'
smtp_ok "99 Received fields" '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250' '>DATA\r\n' '<354' \
  ">`hops 99 0`Subject: loop99\\r\\n\\r\\nx\\r\\n.\\r\\n" '<250 2.0.0' '>QUIT\r\n' '<221'
settle
find_subject "$UM" loop99
assert_eq 0 "`count_subject "$UM" loop100`" "messages with 100 Received fields delivered"
assert_eq 0 "`count_subject "$UM" loop60`" "messages with 100 Received/Delivered-To fields delivered"
pass
