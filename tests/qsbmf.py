#!/usr/bin/env python3
"""qsbmf.py FILE OUTDIR: parse a failure notice in the qmail-send bounce
message format (QSBMF) and write its parts into OUTDIR for the shell tests.

FILE is a whole message (header, blank line, body), for example a file
delivered into a Maildir. The body must follow QSBMF's structure:
  - it begins with the exact characters "Hi. This is the";
  - an intro paragraph, then zero or more recipient paragraphs whose first
    line is "<address>:", then a break paragraph whose first line starts
    with "-", then the original message;
  - a paragraph is one or more non-blank lines followed by exactly one
    blank line.
Any violation is reported on stderr and the exit code is 1.

Written into OUTDIR:
  headers        the header lines as they are (no unfolding)
  intro          the intro paragraph's lines
  rcpts          one address per recipient paragraph, in order
  rcpt.N         recipient paragraph N (from 1) without its "<address>:" line
  rcpt.N.logsafe rcpt.N as qmail-send's log would show it: LF becomes "/",
                 bytes below 33 or above 126 and "%" become "_"
  break          the break paragraph's lines
  original       every byte after the break paragraph's blank line
"""

import os
import re
import sys


def die(msg):
    sys.stderr.write("qsbmf.py: %s\n" % msg)
    sys.exit(1)


def logsafe(b):
    out = bytearray()
    for c in b:
        if c == 10:
            out.append(ord("/"))
        elif c < 33 or c > 126 or c == ord("%"):
            out.append(ord("_"))
        else:
            out.append(c)
    return bytes(out)


class Lines:
    """reads LF-terminated lines from bytes, keeping the position"""

    def __init__(self, data, pos):
        self.data = data
        self.pos = pos

    def next(self):
        if self.pos >= len(self.data):
            return None
        end = self.data.find(b"\n", self.pos)
        if end == -1:
            die("the body ends without a final newline inside the notice")
        line = self.data[self.pos:end]
        self.pos = end + 1
        return line

    def paragraph(self, what):
        """the lines of one paragraph: non-blank lines, then one blank line"""
        lines = []
        while True:
            line = self.next()
            if line is None:
                die("%s: the message ends inside the paragraph" % what)
            if line == b"":
                break
            lines.append(line)
        if not lines:
            die("%s: an empty paragraph (two blank lines in a row)" % what)
        return lines


def main():
    if len(sys.argv) != 3:
        die("usage: qsbmf.py FILE OUTDIR")
    data = open(sys.argv[1], "rb").read()
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)

    def put(name, b):
        with open(os.path.join(out, name), "wb") as f:
            f.write(b)

    sep = data.find(b"\n\n")
    if sep == -1:
        die("no blank line between header and body")
    head = data[: sep + 1]
    for line in head.split(b"\n")[:-1]:
        if not line:
            die("an empty header line")
        if not (line[:1] in (b" ", b"\t") or re.match(rb"^[!-9;-~]+:", line)):
            die("not a header line: %r" % line)
    put("headers", head)

    body = data[sep + 2:]
    if not body.startswith(b"Hi. This is the"):
        die("the body does not begin with 'Hi. This is the': %r" % body[:40])
    r = Lines(data, sep + 2)

    intro = r.paragraph("intro")
    put("intro", b"".join(l + b"\n" for l in intro))

    rcpts = []
    n = 0
    while True:
        save = r.pos
        first = r.next()
        if first is None:
            die("the message ends before the break paragraph")
        m = re.match(rb"^<([^<>]*)>:$", first)
        if not m:
            r.pos = save
            break
        n += 1
        rcpts.append(m.group(1))
        rest = []
        while True:
            line = r.next()
            if line is None:
                die("recipient paragraph %d: the message ends inside it" % n)
            if line == b"":
                break
            rest.append(line)
        text = b"".join(l + b"\n" for l in rest)
        put("rcpt.%d" % n, text)
        put("rcpt.%d.logsafe" % n, logsafe(text))
    put("rcpts", b"".join(a + b"\n" for a in rcpts))

    brk = r.paragraph("break")
    if not brk[0].startswith(b"-"):
        die("the paragraph after the recipients does not start with '-': %r" % brk[0])
    put("break", b"".join(l + b"\n" for l in brk))
    put("original", data[r.pos:])


if __name__ == "__main__":
    main()
