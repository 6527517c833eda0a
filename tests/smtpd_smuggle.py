#!/usr/bin/env python3
"""smtpd_smuggle.py: the SMTP smuggling matrix (security-tests 2.7, A5-A7)
against a qmail-smtpd, for tests/smtpd-smuggling.sh.

Usage: smtpd_smuggle.py PORT RECIPIENT

For each candidate end-of-data N (listed below), one session: EHLO, MAIL,
RCPT TO:<RECIPIENT>, DATA, then in one write "Subject: smug N", an empty
line, "body", the candidate, a whole second transaction (MAIL FROM
<spoof@victim.example>, RCPT, DATA, "Subject: smuggled N", "x", CRLF . CRLF)
and QUIT. Prints one line per candidate:
  N<TAB>BARE<TAB>OUTCOME<TAB>REPLIES<TAB>CANDIDATE
BARE is "bare" when the candidate holds a CR not followed by LF or an LF
not preceded by CR, else "clean". OUTCOME is "one" (250, then 221 to the
QUIT, then the close: the server saw one message), "refused" (a 4xx/5xx or
nothing, then the close, no 2xx) or "BROKEN" (anything else, e.g. a second
250 or a 354: the smuggled transaction ran). REPLIES are the reply lines
seen after the 354, joined by "|".
"""
import socket
import io
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import smtpraw  # noqa: E402

CANDIDATES = [
    b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\r.\r\n",
    b"\r\n.\r", b"\r\n.\x00\r\n", b"\r\r\n.\r\r\n", b"\r\n.\r\r\n", b"\r\n\x00.\r\n",
    b"\n\r\n.\r\n", b"\r\nx\ny\r\n.\r\n", b"\r\nx\ry\r\n.\r\n",
    b"\r\n.x\r\n.\n", b"\r\n..\n",
]


def bare(c):
    for i, ch in enumerate(c):
        if ch == 13 and (i + 1 >= len(c) or c[i + 1] != 10):
            return True
        if ch == 10 and (i == 0 or c[i - 1] != 13):
            return True
    return False


def one(port, n, cand, rcpt):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    c = smtpraw.Client(s, 20, out=io.StringIO())
    try:
        c.reply()
        for cmd in (b"EHLO smuggler.example", b"MAIL FROM:<honest@example.com>",
                    b"RCPT TO:<" + rcpt + b">", b"DATA"):
            c.send(cmd + b"\r\n")
            r = c.reply()
            if r is None or r[-1][0] not in "23":
                return "SETUP", ["%s -> %s" % (cmd.decode(), r)]
        tag = str(n).encode()
        data = (b"Subject: smug " + tag + b"\r\n\r\nbody" + cand +
                b"MAIL FROM:<spoof@victim.example>\r\nRCPT TO:<" + rcpt + b">\r\nDATA\r\n"
                b"Subject: smuggled " + tag + b"\r\n\r\nx\r\n.\r\nQUIT\r\n")
        c.send(data)
        replies = []
        while True:
            try:
                r = c.reply()
            except smtpraw.Failed as e:
                replies.append("(%s)" % e)
                return "BROKEN", replies
            if r is None:
                break
            replies.append(r[-1])
    finally:
        s.close()
    codes = [x[:3] for x in replies]
    if codes == ["250", "221"]:
        return "one", replies
    if all(x[0] in "45" for x in codes):
        return "refused", replies or ["(closed without a reply)"]
    return "BROKEN", replies


def main():
    port = int(sys.argv[1])
    rcpt = sys.argv[2].encode()
    for n, cand in enumerate(CANDIDATES, 1):
        try:
            outcome, replies = one(port, n, cand, rcpt)
        except (OSError, smtpraw.Failed) as e:
            outcome, replies = "BROKEN", ["(%s)" % e]
        print("%d\t%s\t%s\t%s\t%s" % (n, "bare" if bare(cand) else "clean", outcome,
                                      "|".join(replies), repr(cand)))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
