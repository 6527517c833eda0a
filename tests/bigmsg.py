"""tests/bigmsg.py: large messages for tests/large-message.sh and
tests/large/message-4gib.sh, and the bytes a correct delivery of them holds,
computed while the message is written (nothing large is held in memory).

  bigmsg.py pattern MESSAGE BYTES LINES
    Writes about BYTES bytes to MESSAGE: a header, then a block of body lines
    repeated (ordinary lines, "From " lines and ">From " lines that mbox
    quoting must change, "From" lines it must not, a 70,000-byte line, CRLF,
    NUL and 8-bit bytes; the block's length is odd, so over the repetitions
    its lines start at every offset of a 64 KiB read), then a last line
    "From the end" without a newline.
  bigmsg.py sparse MESSAGE BYTES LINES
    Writes a sparse MESSAGE of exactly BYTES bytes (more than 4 GiB): a
    header, NUL bytes, and marker lines at 2 GiB, across 4 GiB and past it
    (two of them "From " lines), ending with a line and a newline. Only the
    header and the markers take disk space.

  LINES is a file holding the Return-Path and Delivered-To lines qmail-local
  writes first. Prints, one per line:
    size N             bytes of MESSAGE
    message SHA256     MESSAGE itself (what a |program reads)
    maildir N SHA256   LINES then MESSAGE (a Maildir file)
    mbox N SHA256      an mbox append after its From_ line: LINES and MESSAGE
                       with mboxrd quoting (a line matching ^>*From  gets one
                       more '>'), a newline if the last line lacks one, and
                       an empty line
  ("message" is printed by pattern only.)
"""
import hashlib
import re
import sys

QUOTE = re.compile(rb'>*From ')
ZEROS = bytes(1 << 20)


class Quoter:
    """mboxrd quoting of a stream fed in pieces that never split a line's
    leading '>*From ' (true of everything written here)."""

    def __init__(self):
        self.linestart = True
        self.lastlf = True

    def quote(self, data):
        out = []
        i = 0
        while i < len(data):
            if self.linestart and QUOTE.match(data, i):
                out.append(b'>')
            lf = data.find(b'\n', i)
            end = len(data) if lf < 0 else lf + 1
            out.append(data[i:end])
            self.linestart = lf >= 0
            i = end
        if data:
            self.lastlf = data.endswith(b'\n')
        return b''.join(out)

    def zeros(self):
        # a run of NUL bytes: a line that starts with NUL is never quoted
        self.linestart = False
        self.lastlf = False

    def end(self):
        return (b'' if self.lastlf else b'\n') + b'\n'


class Hashes:
    """the message, the Maildir file and the mbox append, hashed as the
    message is written; while the quoted stream still equals the plain one
    a single hash serves both"""

    def __init__(self, lines, want_message):
        self.q = Quoter()
        qlines = self.q.quote(lines)
        assert qlines == lines
        self.message = hashlib.sha256() if want_message else None
        self.shared = hashlib.sha256(lines)
        self.maildir = self.mbox = None
        self.size = 0
        self.maildir_size = self.mbox_size = len(lines)

    def _split(self):
        if self.shared is not None:
            self.maildir = self.shared
            self.mbox = self.shared.copy()
            self.shared = None

    def data(self, raw):
        quoted = self.q.quote(raw)
        if self.message is not None:
            self.message.update(raw)
        if quoted != raw:
            self._split()
        if self.shared is not None:
            self.shared.update(raw)
        else:
            self.maildir.update(raw)
            self.mbox.update(quoted)
        self.size += len(raw)
        self.maildir_size += len(raw)
        self.mbox_size += len(quoted)

    def zeros(self, n):
        self.q.zeros()
        hs = [h for h in (self.message, self.shared, self.maildir, self.mbox) if h is not None]
        left = n
        while left:
            k = min(left, len(ZEROS))
            chunk = ZEROS if k == len(ZEROS) else ZEROS[:k]
            for h in hs:
                h.update(chunk)
            left -= k
        self.size += n
        self.maildir_size += n
        self.mbox_size += n

    def report(self):
        tail = self.q.end()
        self._split()
        self.mbox.update(tail)
        self.mbox_size += len(tail)
        print('size', self.size)
        if self.message is not None:
            print('message', self.message.hexdigest())
        print('maildir', self.maildir_size, self.maildir.hexdigest())
        print('mbox', self.mbox_size, self.mbox.hexdigest())


HEADER = (b'Received: from big.example (big.example [192.0.2.9])\n'
          b'\tby mx.example with SMTP; 1 Jan 2000 00:00:00 -0000\n'
          b'From: Big <big@example.com>\n'
          b'Subject: a large message\n'
          b'Delivered-To: someone-else@example.org\n'
          b'\n')


def block():
    lines = [
        b'an ordinary line of the body, about seventy bytes long, no more.\n',
        b'From the middle of the body: a line a naive reader splits on\n',
        b'>From already quoted once\n',
        b'>>From quoted twice\n',
        b'From\n',
        b'>From\n',
        b'From:not a separator\n',
        b' From with a leading space\n',
        b'Fro\n',
        b'x' * 70000 + b'\n',
        b'From after the long line\n',
        b'\n',
        b'From \n',
        b'.\n',
        b'a line with CRLF\r\n',
        b'From with CRLF\r\n',
        b'8-bit \x80\xff\xfe and a NUL \x00 byte\n',
    ]
    return b''.join(lines)


def make_block():
    b = block()
    if len(b) % 2 == 0:
        b = b[:-1] + b'.\n'  # the last line one byte longer: an odd length
    assert len(b) % 2 == 1
    return b


def pattern(path, want, lines):
    h = Hashes(lines, True)
    b = make_block()
    tail = b'From the end, without a newline'
    reps = max(1, (want - len(HEADER) - len(tail)) // len(b))
    with open(path, 'wb') as f:
        f.write(HEADER)
        h.data(HEADER)
        for _ in range(reps):
            f.write(b)
            h.data(b)
        f.write(tail)
        h.data(tail)
    h.report()


def sparse(path, total, lines):
    g = 1 << 30
    markers = [
        (2 * g - 1, b'\nat 2 GiB - 1 (2^31 - 1): a marker line\n'),
        (4 * g - 3, b'\nFrom a line across 4 GiB (2^32): it must be quoted\n'),
        (4 * g + 4099, b'\n>From past 4 GiB, quoted once already\nanother marker line\n'),
    ]
    last = b'\nthe last line, past 4 GiB\n'
    if total < markers[-1][0] + 4096 + len(last):
        sys.exit('bigmsg.py: sparse: BYTES must be above 4 GiB + 8 KiB')
    h = Hashes(lines, False)
    with open(path, 'wb') as f:
        f.write(HEADER)
        h.data(HEADER)
        pos = len(HEADER)
        for off, data in markers + [(total - len(last), last)]:
            f.seek(off)
            h.zeros(off - pos)
            f.write(data)
            h.data(data)
            pos = off + len(data)
        f.truncate(total)
    assert h.size == total
    h.report()


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] in ('pattern', 'sparse'):
        with open(a[3], 'rb') as f:
            lines = f.read()
        (pattern if a[0] == 'pattern' else sparse)(a[1], int(a[2]), lines)
    else:
        sys.exit(__doc__)


main()
