#!/usr/bin/env python3
"""mailreaders.py: read what qmail-local delivered with readers no one here
wrote (Python's mailbox module, a Dovecot over IMAP with imaplib) and
compare it byte for byte with what it should be. Exit 0 when all agree, 1
(with the reason on stderr) when not.

Every FILE below holds the exact bytes qmail-local is to deliver for one
message: its Return-Path and Delivered-To lines, then the message.

  maildir DIR FILE...
      mailbox.Maildir reads DIR: exactly one message per FILE, each in new/
      without flags, and the messages' bytes are the FILEs' bytes (in any
      order: a Maildir has none).

  mbox MBOX T0 T1 SENDER FILE [SENDER FILE]...
      mailbox.mbox reads MBOX: the messages, in this order. Each one's From_
      line is "From SENDER DATE" (MAILER-DAEMON for an empty SENDER) with
      DATE in the 24-character asctime form, UTC, between the Unix times T0
      and T1; its text is the FILE with mboxrd quoting (">" before every line
      matching ^>*From ) and a newline added when the last line had none;
      removing one ">" from every line matching ^>+From  gives the FILE back
      (with that newline); and the whole MBOX is exactly these From_ lines,
      texts and one empty line after each.

  imap PORT maildir FILE...
  imap PORT mbox MBOX SENDER FILE [SENDER FILE]...
      imaplib logs in to 127.0.0.1:PORT as "reader" (password "secret"),
      EXAMINEs INBOX (read-only: nothing is changed), finds one message per
      FILE and FETCHes BODY.PEEK[], RFC822.SIZE and INTERNALDATE of each.
      IMAP sends lines ending in CRLF: Dovecot turns every LF that has no CR
      before it into CRLF and changes nothing else, so the expected text is
      the stored text with exactly that change (a CRLF already in the
      message stays as it is). RFC822.SIZE must be the length of what was
      sent. For a Maildir the stored text is the FILE (any order). For an
      mbox it is the quoted text above, in order: Dovecot serves the mbox
      text as stored and does not undo the quoting (its documentation,
      MailboxFormat/mbox, "From Escaping"); INTERNALDATE must be the date
      of the message's From_ line, which shows that Dovecot parsed it.

  imap PORT mboxtexts FILE...
      as imap ... mbox, for mbox messages not all written by qmail-local
      (no From_ date check): each FILE's quoted text, in order.

The mbox lock tests use these to hold and test locks the way mail readers
take them:

  hold-fcntl FILE READY RELEASE
      takes an fcntl(2) write lock on all of FILE (F_SETLKW, as Dovecot and
      mutt do), creates READY, waits for RELEASE to exist (at most 10
      minutes), then unlocks and exits 0.

  hold-append PORT FILE READY RELEASE
      logs in to Dovecot as imap does and APPENDs FILE (its LFs sent as
      CRLF) to INBOX, but sends only part of the literal: Dovecot holds its
      mbox write locks while it waits for the rest. Creates READY then,
      waits for RELEASE, sends the rest and exits 0 when Dovecot says OK.

  fcntl-held FILE
      exits 0 when another process holds an fcntl lock on FILE (F_GETLK:
      nothing is locked by asking), 1 when none does.
"""

import calendar
import collections
import datetime
import fcntl
import imaplib
import mailbox
import os
import re
import socket
import struct
import sys
import time

FROM_QUOTED = re.compile(rb'^(>*From )', re.M)
FROM_UNQUOTE = re.compile(rb'^>(>*From )', re.M)
LONE_LF = re.compile(rb'(?<!\r)\n')
ASCTIME = re.compile(
    r'(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) '
    r'([0-3][0-9]) ([0-2][0-9]):([0-5][0-9]):([0-6][0-9]) ([0-9]{4})')
MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()


def die(text):
    sys.stderr.write('mailreaders.py: %s\n' % text)
    sys.exit(1)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def first_difference(a, b):
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return 'differ at byte %d (lengths %d, %d): %r / %r' % (
        n, len(a), len(b), a[max(0, n - 20):n + 20], b[max(0, n - 20):n + 20])


def mbox_text(delivered):
    """the text qmail-local stores in an mbox for these delivered bytes"""
    text = FROM_QUOTED.sub(rb'>\1', delivered)
    if text and not text.endswith(b'\n'):
        text += b'\n'
    return text


def from_time(line):
    """Unix time of the date in a From_ line's rest ("SENDER DATE")"""
    m = ASCTIME.fullmatch(line[-24:])
    if not m or line[-25:-24] != ' ':
        return None
    _, mon, day, hh, mm, ss, year = m.groups()
    return calendar.timegm((int(year), MONTHS.index(mon) + 1, int(day),
                            int(hh), int(mm), int(ss), 0, 0, 0))


def compare_unordered(what, got, want):
    if len(got) != len(want):
        die('%s: %d messages, expected %d' % (what, len(got), len(want)))
    missing = collections.Counter(want) - collections.Counter(got)
    extra = collections.Counter(got) - collections.Counter(want)
    if missing or extra:
        m = next(iter(missing))
        best = min(extra, key=lambda e: abs(len(e) - len(m)))
        die('%s: %d messages differ from the expected ones; e.g. %s' % (
            what, sum(missing.values()), first_difference(best, m)))


def check_maildir(path, files):
    want = [read(f) for f in files]
    md = mailbox.Maildir(path, factory=None, create=False)
    got = []
    for key in md.keys():
        msg = md.get_message(key)
        if msg.get_subdir() != 'new' or msg.get_flags() != '':
            die('%s: message %s: subdir %r, flags %r' % (path, key, msg.get_subdir(), msg.get_flags()))
        got.append(md.get_bytes(key))
    compare_unordered('Maildir ' + path, got, want)


def mbox_pairs(args):
    if len(args) % 2:
        die('SENDER FILE pairs expected')
    return [(args[i], read(args[i + 1])) for i in range(0, len(args), 2)]


def check_mbox(path, t0, t1, pairs):
    mb = mailbox.mbox(path, factory=None, create=False)
    keys = mb.keys()
    if len(keys) != len(pairs):
        die('mbox %s: %d messages, expected %d' % (path, len(keys), len(pairs)))
    whole = b''
    for n, (key, (sender, delivered)) in enumerate(zip(keys, pairs), 1):
        text = mb.get_bytes(key)
        want = mbox_text(delivered)
        if text != want:
            die('mbox %s: message %d: %s' % (path, n, first_difference(text, want)))
        back = FROM_UNQUOTE.sub(rb'\1', text)
        want_back = delivered if delivered.endswith(b'\n') or not delivered else delivered + b'\n'
        if back != want_back:
            die('mbox %s: message %d: unquoted, %s' % (path, n, first_difference(back, want_back)))
        line = mb.get_message(key).get_from()
        who = sender or 'MAILER-DAEMON'
        if not line.startswith(who + ' ') or len(line) != len(who) + 25:
            die('mbox %s: message %d: From_ line %r, expected "From %s DATE"' % (path, n, line, who))
        t = from_time(line)
        if t is None or not t0 <= t <= t1:
            die('mbox %s: message %d: From_ date in %r is not asctime between %d and %d' % (path, n, line, t0, t1))
        whole += b'From ' + line.encode('ascii') + b'\n' + text + b'\n'
    mb.close()
    data = read(path)
    if data != whole:
        die('mbox %s: the file is not exactly its messages: %s' % (path, first_difference(data, whole)))


def imap_fetch(port, count):
    """[(bytes, rfc822.size, internaldate as Unix time)] of INBOX, in order"""
    c = imaplib.IMAP4('127.0.0.1', port)
    try:
        c.login('reader', 'secret')
        typ, data = c.select('INBOX', readonly=True)
        if typ != 'OK':
            die('EXAMINE INBOX: %r %r' % (typ, data))
        exists = int(data[0])
        if exists != count:
            die('IMAP: INBOX has %d messages, expected %d' % (exists, count))
        result = []
        for n in range(1, exists + 1):
            typ, data = c.fetch(str(n), '(BODY.PEEK[])')
            if typ != 'OK' or not isinstance(data[0], tuple):
                die('FETCH %d BODY.PEEK[]: %r' % (n, data))
            body = data[0][1]
            typ, data = c.fetch(str(n), '(RFC822.SIZE INTERNALDATE)')
            m = re.search(rb'RFC822\.SIZE ([0-9]+)', data[0] or b'')
            d = re.search(rb'INTERNALDATE "([^"]+)"', data[0] or b'')
            if typ != 'OK' or not m or not d:
                die('FETCH %d RFC822.SIZE INTERNALDATE: %r' % (n, data))
            when = datetime.datetime.strptime(d.group(1).decode().strip(), '%d-%b-%Y %H:%M:%S %z')
            result.append((body, int(m.group(1)), int(when.timestamp())))
        c.close()
    finally:
        c.logout()
    return result


def check_imap(port, kind, args):
    if kind == 'maildir':
        want = [LONE_LF.sub(b'\r\n', read(f)) for f in args]
        got = imap_fetch(port, len(want))
    elif kind == 'mbox':
        mb = mailbox.mbox(args[0], factory=None, create=False)
        dates = [from_time(mb.get_message(k).get_from()) for k in mb.keys()]
        mb.close()
        pairs = mbox_pairs(args[1:])
        want = [LONE_LF.sub(b'\r\n', mbox_text(d)) for _, d in pairs]
        got = imap_fetch(port, len(want))
        if len(dates) != len(want):
            die('%s: %d messages, expected %d' % (args[0], len(dates), len(want)))
        for n, ((_, _, when), date) in enumerate(zip(got, dates), 1):
            if when != date:
                die('IMAP: message %d: INTERNALDATE %d, its From_ line says %r' % (n, when, date))
    elif kind == 'mboxtexts':
        want = [LONE_LF.sub(b'\r\n', mbox_text(read(f))) for f in args]
        got = imap_fetch(port, len(want))
    else:
        die('unknown kind ' + kind)
    for n, (body, size, _) in enumerate(got, 1):
        if size != len(body):
            die('IMAP: message %d: RFC822.SIZE %d, but %d bytes were sent' % (n, size, len(body)))
    bodies = [g[0] for g in got]
    if kind == 'maildir':
        compare_unordered('IMAP', bodies, want)
    else:
        for n, (body, w) in enumerate(zip(bodies, want), 1):
            if body != w:
                die('IMAP: message %d: %s' % (n, first_difference(body, w)))


def wait_file(path, seconds=600):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            die('%s did not appear within %d s' % (path, seconds))
        time.sleep(0.05)


def touch(path):
    with open(path, 'wb'):
        pass


def hold_fcntl(path, ready, release):
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    touch(ready)
    wait_file(release)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)


def hold_append(port, path, ready, release):
    msg = LONE_LF.sub(b'\r\n', read(path))
    if len(msg) < 20:
        die('the message to append is too short to split')
    s = socket.create_connection(('127.0.0.1', port), timeout=900)
    f = s.makefile('rb')

    def expect(tag):
        while True:
            line = f.readline()
            if not line:
                die('Dovecot closed the connection')
            if line.startswith(tag + b' '):
                if not line.startswith(tag + b' OK'):
                    die('Dovecot: %r' % line)
                return line
    expect(b'*')
    s.sendall(b'a LOGIN reader secret\r\n')
    expect(b'a')
    s.sendall(b'b APPEND INBOX {%d}\r\n' % len(msg))
    line = f.readline()
    if not line.startswith(b'+'):
        die('APPEND: %r' % line)
    s.sendall(msg[:-10])
    touch(ready)
    wait_file(release)
    s.sendall(msg[-10:] + b'\r\n')
    expect(b'b')
    s.sendall(b'c LOGOUT\r\n')
    expect(b'c')
    s.close()


def fcntl_held(path):
    fd = os.open(path, os.O_RDONLY)
    req = struct.pack('hhqqi', fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    got = fcntl.fcntl(fd, fcntl.F_GETLK, req)
    os.close(fd)
    sys.exit(0 if struct.unpack('hhqqi', got)[0] != fcntl.F_UNLCK else 1)


def main(argv):
    if len(argv) >= 3 and argv[1] == 'maildir':
        check_maildir(argv[2], argv[3:])
    elif len(argv) >= 5 and argv[1] == 'mbox':
        check_mbox(argv[2], int(argv[3]), int(argv[4]), mbox_pairs(argv[5:]))
    elif len(argv) >= 4 and argv[1] == 'imap':
        check_imap(int(argv[2]), argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == 'hold-fcntl':
        hold_fcntl(argv[2], argv[3], argv[4])
    elif len(argv) == 6 and argv[1] == 'hold-append':
        hold_append(int(argv[2]), argv[3], argv[4], argv[5])
    elif len(argv) == 3 and argv[1] == 'fcntl-held':
        fcntl_held(argv[2])
    else:
        die('usage: see the comment at the top')


if __name__ == '__main__':
    main(sys.argv)
