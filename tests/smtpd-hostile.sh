#!/bin/sh
# qmail-smtpd against a hostile client, beyond the relay battery and the
# smuggling matrix. A control byte (CR, TAB, ESC, DEL, \001, also quoted
# or after a backslash) in a MAIL or RCPT address is refused with 501 and
# nothing is delivered with it: RFC 5321 allows none in a mailbox, and
# downstream a bare CR would reach the Return-Path line and the next hop's
# MAIL FROM. With control/percenthack holding localhost and virt.example
# (a virtual domain), percent-hack chains, a % after a trailing dot, an
# upper-case domain and a [127.0.0.1] literal turned into localhost by
# localiphost still lead to a remote domain: 553 5.7.1, and nothing is
# queued for remote delivery. A client that goes away in the middle of
# the data gets no 250, and nothing of its message is delivered or left
# in the queue. A client that sends commands and never reads the replies
# is let go once a write has waited timeoutsmtpd (2) seconds. A SIZE
# parameter given twice counts as the last one, not as their digits run
# together (SIZE=5 SIZE=5 under DATABYTES=50 is not 55 bytes).
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
set_control "$I" rcpthosts localhost virt.example
set_control "$I" virtualdomains virt.example:vuser
set_control "$I" percenthack localhost virt.example
set_control "$I" localiphost localhost
set_control "$I" timeoutsmtpd 2
hup "$I"
smtpd_start

# --- control bytes in addresses ----------------------------------------------------
for a in 'a\rRSET\r@example.com' 'a\tb@example.com' '"a\rb"@example.com' 'a\\\rb@example.com' \
         'a\x1b[2Jb@example.com' 'a\x7f@example.com' 'a\x01@example.com' 'a@example.com\x0b'; do
  smtp_ok "MAIL FROM:<$a> is refused" '<220' '>HELO c\r\n' '<250' \
    ">MAIL FROM:<$a>\r\n" '<501' '>QUIT\r\n' '<221'
  smtp_ok "RCPT TO:<$a> is refused" '<220' '>HELO c\r\n' '<250' \
    '>MAIL FROM:<>\r\n' '<250 2.1.0' \
    ">RCPT TO:<`echo "$a" | sed 's/@example.com/@localhost/'`>\r\n" '<501' '>QUIT\r\n' '<221'
done
# the checks above would pass if each session broke before its MAIL; this
# one shows what is accepted around them
smtp_ok "a plain message between the refused addresses" '<220' '>HELO c\r\n' '<250' \
  '>MAIL FROM:<a\rb@example.com>\r\n' '<501' \
  '>MAIL FROM:<ab@example.com>\r\n' '<250 2.1.0' \
  ">RCPT TO:<$ME\\t@localhost>\\r\\n" '<501' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: control\r\n\r\nbody\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
settle
find_subject "$UM" control
[ "`sed -n 1p "$FOUND"`" = "Return-Path: <ab@example.com>" ] ||
  fail "Return-Path is not <ab@example.com>: `sed -n 1p "$FOUND" | od -c | head -3`"
n=`find "$UM/new" "$UM/cur" -type f | wc -l`
[ "$n" = 1 ] || fail "expected 1 delivered message, found $n"

# --- percent hack, virtual domains, literals ----------------------------------------
for r in 'u%remote.example@localhost' 'u%remote.example%localhost@localhost' \
         'u%remote.example%virt.example@localhost' 'u%remote.example@virt.example' \
         'u%remote.example.@localhost' 'u%REMOTE.example@LOCALHOST' 'u%remote.example@localhost.' \
         'u%remote.example@[127.0.0.1]' 'u%remote.example@[IPv6:127.0.0.1]' \
         '"u%remote.example"@localhost' 'u\%remote.example@localhost' '@localhost:u%remote.example@localhost' \
         'u%[10.9.9.9]@localhost' 'u%@localhost'; do
  smtp_ok "RCPT TO:<$r> is refused" '<220' '>HELO c\r\n' '<250' \
    '>MAIL FROM:<>\r\n' '<250 2.1.0' ">RCPT TO:<$r>\r\n" '<553 5.7.1' '>QUIT\r\n' '<221'
done
# and the same through a whole message: nothing goes out
smtp '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<postmaster@localhost>\r\n' '<250 2.1.0' \
  '>RCPT TO:<u%remote.example%virt.example@localhost>\r\n' '<*' \
  '>RCPT TO:<u%remote.example@[127.0.0.1]>\r\n' '<*' \
  ">RCPT TO:<postmaster%localhost@localhost>\r\n" '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: pct\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221' ||
  fail "the percent-hack message"
settle
no_relay "the percent-hack battery"
find_subject "$PM" pct

# --- a client that goes away in the middle of the data ---------------------------------
before=`find "$UM/new" "$UM/cur" -type f | wc -l`
smtp '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250 2.1.0' \
  ">RCPT TO:<$ME@localhost>\r\n" '<250 2.1.5' '>DATA\r\n' '<354' \
  '>Subject: cut\r\n\r\n' '*20000:0123456789012345678901234567890123456789\r\n' \
  'shut' '<EOF' > "$T/cut.out" || { cat "$T/cut.out"; fail "the session cut in the data"; }
grep -q '^S: 250 2.0.0' "$T/cut.out" && fail "a 250 for a message cut in the middle"
# qmail-queue has gone when nothing of it is left in queue/pid
wait_for 20 sh -c "[ -z \"\`find '$I/queue/pid' -type f\`\" ]" || fail "queue/pid keeps a file"
settle
after=`find "$UM/new" "$UM/cur" -type f | wc -l`
[ "$before" = "$after" ] || fail "a message cut in the middle was delivered"

# --- a client that never reads ------------------------------------------------------
"$PYTHON" - "$SMTP_PORT" > "$T/noread.out" <<'EOF' || { cat "$T/noread.out"; fail "a client that never reads was held"; }
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.2)
t0 = time.time()
closed = False
while time.time() - t0 < 60:
    try:
        s.send(b"NOOP\r\n" * 1000)
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
    time.sleep(0.05)
print("closed" if closed else "still open", "after %.1f s" % (time.time() - t0))
sys.exit(0 if closed and time.time() - t0 < 30 else 1)
EOF
cat "$T/noread.out"

# --- SIZE given twice: each is a size, not digits of one ----------------------------
smtpd_stop
smtpd_start -e DATABYTES=50
smtp_ok "SIZE=5 SIZE=5 under DATABYTES=50" '<220' '>EHLO c\r\n' '<250' \
  '>MAIL FROM:<a@example.com> SIZE=5 SIZE=5\r\n' '<250 2.1.0' '>QUIT\r\n' '<221'
smtp_ok "SIZE=5 SIZE=51 under DATABYTES=50" '<220' '>EHLO c\r\n' '<250' \
  '>MAIL FROM:<a@example.com> SIZE=5 SIZE=51\r\n' '<552 5.3.4' '>QUIT\r\n' '<221'
pass
