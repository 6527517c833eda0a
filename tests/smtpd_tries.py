#!/usr/bin/env python3
"""smtpd_tries.py: many short SMTP transactions, one per input line, for the
open-relay battery (tests/smtpd-relay.sh).

Usage: smtpd_tries.py PORT < LINES

Each line is "TAG<TAB>MAIL-ARGUMENT<TAB>RCPT-ARGUMENT" (smtpraw.py escapes
allowed). For each: connect, EHLO, "MAIL FROM:" + MAIL-ARGUMENT, "RCPT TO:"
+ RCPT-ARGUMENT; when the RCPT reply is 2xx, DATA with the message
"Subject: try TAG", then QUIT. Prints one line per try:
  TAG<TAB>MAIL-REPLY<TAB>RCPT-REPLY<TAB>DATA-REPLY ("-" when not reached)
with the last line of each reply. Exit 0, or 1 when a session broke
(a timeout, a malformed reply).
"""
import io
import socket
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import smtpraw  # noqa: E402


def one(port, tag, mail, rcpt):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    c = smtpraw.Client(s, 20, out=io.StringIO())
    out = [tag, "-", "-", "-"]
    try:
        c.reply()
        c.send(b"EHLO tries.example\r\n")
        c.reply()
        c.send(b"MAIL FROM:" + smtpraw.unescape(mail) + b"\r\n")
        r = c.reply()
        out[1] = r[-1] if r else "(closed)"
        if r and r[-1][0] == "2":
            c.send(b"RCPT TO:" + smtpraw.unescape(rcpt) + b"\r\n")
            r = c.reply()
            out[2] = r[-1] if r else "(closed)"
            if r and r[-1][0] == "2":
                c.send(b"DATA\r\n")
                r = c.reply()
                if r and r[-1][:3] == "354":
                    c.send(b"Subject: try " + tag.encode() + b"\r\n\r\nrelay try\r\n.\r\n")
                    r = c.reply()
                out[3] = r[-1] if r else "(closed)"
        if not c.eof:
            c.send(b"QUIT\r\n")
            c.reply()
    finally:
        s.close()
    return out


def main():
    port = int(sys.argv[1])
    rc = 0
    for line in sys.stdin.read().split("\n"):
        if not line:
            continue
        tag, mail, rcpt = line.split("\t")
        try:
            out = one(port, tag, mail, rcpt)
        except (smtpraw.Failed, OSError) as e:
            out = [tag, "(error: %s)" % e, "-", "-"]
            rc = 1
        print("\t".join(out))
        sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
