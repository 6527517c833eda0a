#!/usr/bin/env python3
"""smtpd_smtplib.py: Python's smtplib as the client of qmail-smtpd, for
tests/smtpd-clients.sh.

Usage: smtpd_smtplib.py PORT RECIPIENT OUTDIR   (the three messages below)
       smtpd_smtplib.py PORT RECIPIENT size BYTES   (one message of BYTES)

The three messages, each sent in its own session after EHLO:
  plain  send_message() of an ASCII message with a line starting with "."
  utf8   send_message() from a UTF-8 address with a UTF-8 Subject (smtplib
         uses SMTPUTF8 and BODY=8BITMIME, as the server offers them)
  8bit   sendmail() of Latin-1 and UTF-8 body bytes with BODY=8BITMIME
For each, OUTDIR/NAME.want gets the bytes a Maildir copy must hold after the
Return-Path, Delivered-To and Received lines (what was sent, CRLF as LF),
and OUTDIR/NAME.from the envelope sender. Exit 0, or 1 with the exception.
In "size" mode smtplib adds SIZE=N to MAIL (the server offers SIZE); prints
"accepted" or "refused CODE ENHANCED" for the sender's reply.
"""
import email.generator
import email.message
import email.policy
import io
import smtplib
import sys


def flat(msg, utf8):
    b = io.BytesIO()
    pol = msg.policy.clone(utf8=True) if utf8 else msg.policy
    email.generator.BytesGenerator(b, policy=pol).flatten(msg, linesep="\r\n")
    return b.getvalue()


def main():
    port = int(sys.argv[1])
    rcpt = sys.argv[2]
    if sys.argv[3] == "size":
        n = int(sys.argv[4])
        body = b"Subject: big\r\n\r\n" + (b"y" * 70 + b"\r\n") * (n // 72 + 1)
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            s.ehlo("smtplib.example")
            if not s.has_extn("size"):
                print("no SIZE offered")
                return 1
            try:
                s.sendmail("big@example.com", [rcpt], body)
                print("accepted")
            except smtplib.SMTPSenderRefused as e:
                print("refused %d %s" % (e.smtp_code, e.smtp_error.decode("latin-1").split(" ")[0]))
        return 0
    out = sys.argv[3]

    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = "Plain Sender <plain@example.com>"
    m["To"] = rcpt
    m["Subject"] = "smtplib plain"
    m["Message-ID"] = "<plain.1@example.com>"
    m["Date"] = "Mon, 01 Jan 2024 00:00:00 +0000"
    m.set_content("first line\n.starts with a dot\n..two dots\n\nlast line\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("smtplib.example")
        s.send_message(m)
    open(out + "/plain.want", "wb").write(flat(m, False).replace(b"\r\n", b"\n"))
    open(out + "/plain.from", "w").write("plain@example.com")

    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = "Ñandú <ñandú@example.com>"
    m["To"] = rcpt
    m["Subject"] = "smtplib utf8 grüße"
    m["Message-ID"] = "<utf8.1@example.com>"
    m["Date"] = "Mon, 01 Jan 2024 00:00:00 +0000"
    m.set_content("Grüße aus Köln — ✓\n", cte="8bit")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("smtplib.example")
        if not s.has_extn("smtputf8"):
            print("SMTPUTF8 is not offered")
            return 1
        s.send_message(m)
    open(out + "/utf8.want", "wb").write(flat(m, True).replace(b"\r\n", b"\n"))
    open(out + "/utf8.from", "wb").write("ñandú@example.com".encode())

    raw = (b"From: eight@example.com\r\nTo: " + rcpt.encode() + b"\r\nSubject: smtplib 8bit\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9 \xff\xfe\x80 na\xefve\r\n\xc3\xa9t\xc3\xa9\r\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("smtplib.example")
        if not s.has_extn("8bitmime"):
            print("8BITMIME is not offered")
            return 1
        s.sendmail("eight@example.com", [rcpt], raw, mail_options=["BODY=8BITMIME"])
    open(out + "/8bit.want", "wb").write(raw.replace(b"\r\n", b"\n"))
    open(out + "/8bit.from", "w").write("eight@example.com")
    return 0


if __name__ == "__main__":
    sys.exit(main())
