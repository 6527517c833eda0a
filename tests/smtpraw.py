#!/usr/bin/env python3
"""smtpraw.py: a raw SMTP client for the qmail-smtpd tests. It sends exact
bytes (NUL, lone CR and LF included) and checks the exact replies.

Usage: smtpraw.py [-t SECONDS] [-e] [-6] HOST PORT STEP...
       smtpraw.py [-t SECONDS] [-e] -x COMMAND STEP...

With -e every reply must carry an enhanced status code (RFC 2034) on each
of its lines ("CODE X.Y.Z ", the class X equal to the first digit of CODE),
except the greeting, a 250 to HELO or EHLO (RFC 2034 exempts them) and
3xx replies (RFC 3463 has no class 3).

With -x, COMMAND is run by /bin/sh with one end of a socket pair as its fds
0 and 1 (as tcpserver runs qmail-smtpd) and the environment of smtpraw.py;
at the end smtpraw.py waits for it and prints "exit CODE". The steps:

  >TEXT       send TEXT; escapes \\r \\n \\t \\0 \\\\ \\xHH
  *N:TEXT     send TEXT N times, in large writes, never held whole in memory
  <SPEC       read one reply (all of its lines); its last line must start
              with SPEC followed by a space or the end of the line (for
              example "<250", "<550 5.1.1"); "<*" takes any reply
  <~REGEX     read one reply; its last line must match REGEX (whole line)
  <EOF        the server must close the connection (a reset counts) and
              send nothing more
  <CLOSE      read replies (printed) until the server closes the connection;
              each one must be 4xx or 5xx
  loop:N:TEXT send TEXT and read its reply, up to N times, until a reply is
              421 or the server closes the connection; prints
              "loop: K replies, last: LINE"
  <ALL        read replies (printed) until the server closes the connection
  has:TEXT    the last reply has a line that is TEXT after "CODE-"/"CODE "
  hasnot:TEXT the last reply has no such line
  codes:SPEC  every line of the last reply starts with a code and an
              enhanced status code "CODE X.Y.Z " (SPEC: "enh"), or only a
              code (SPEC: "plain")
  sleep:S     wait S seconds (pacing a slow client, not synchronisation)
  drip:S:TEXT send TEXT one byte every S seconds
  shut        shut down the sending half of the connection

Prints a transcript ("C: ..." for what was sent, "S: ..." for each reply
line). Exit 0 when every step held, 1 when one did not (the last line says
which), 2 on a usage error. Each read waits at most -t seconds (default 20).
A send that the server refuses by closing the connection is not an error:
"C: (closed by the server after N bytes)" is printed and the next step runs.
"""
import os
import re
import socket
import subprocess
import sys
import time


def unescape(s):
    b = s.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = chr(b[i + 1])
            if n == "x" and i + 3 < len(b):
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
            m = {"r": 13, "n": 10, "t": 9, "0": 0, "\\": 92}.get(n)
            if m is not None:
                out.append(m)
                i += 2
                continue
        out.append(c)
        i += 1
    return bytes(out)


def shown(b, limit=200):
    r = repr(b)[2:-1]
    if len(r) > limit:
        r = r[:limit] + "...(%d bytes)" % len(b)
    return r


class Failed(Exception):
    pass


class Client:
    """One SMTP connection; also used as a module by other test scripts."""

    def __init__(self, sock, timeout=20.0, out=sys.stdout):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""
        self.eof = False
        self.closed_on_send = False
        self.last = []
        self.out = out
        self.enhanced = False
        self.replies = 0
        self.lastline = b""
        self.partial = b""
        sock.settimeout(timeout)

    def log(self, s):
        if self.out:
            self.out.write(s + "\n")
            self.out.flush()

    def send(self, data, quiet=False):
        if not quiet:
            self.log("C: " + shown(data))
        lines = (self.partial + data[-4096:]).split(b"\r\n")
        if len(lines) > 1:
            self.lastline = lines[-2]
        self.partial = lines[-1][-4096:]
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.closed_on_send = True
            self.log("C: (closed by the server)")
            return False

    def send_repeat(self, chunk, count):
        self.log("C: %d x %s" % (count, shown(chunk, 60)))
        block = chunk * max(1, (1 << 20) // max(1, len(chunk)))
        per = len(block) // len(chunk)
        sent = 0
        left = count
        try:
            while left > 0:
                k = min(per, left)
                self.sock.sendall(block if k == per else chunk * k)
                left -= k
                sent += k * len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.closed_on_send = True
            self.log("C: (closed by the server after %d bytes)" % sent)
            return False
        return True

    def _fill(self, deadline):
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failed("timed out waiting for the server")
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            raise Failed("timed out waiting for the server")
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def line(self, deadline):
        """One reply line without CRLF, or None at the end of the stream."""
        while True:
            k = self.buf.find(b"\n")
            if k >= 0:
                ln = self.buf[:k]
                self.buf = self.buf[k + 1:]
                if not ln.endswith(b"\r"):
                    raise Failed("reply line not ended by CRLF: %s" % shown(ln))
                return ln[:-1]
            if len(self.buf) > 100000:
                raise Failed("reply line longer than 100000 bytes")
            if not self._fill(deadline):
                if self.buf:
                    raise Failed("connection closed inside a reply line: %s" % shown(self.buf))
                return None

    def reply(self):
        """Reads one reply: a list of lines (str, latin-1), or None at EOF."""
        deadline = time.monotonic() + self.timeout
        lines = []
        while True:
            ln = self.line(deadline)
            if ln is None:
                if lines:
                    raise Failed("connection closed inside a reply: %s" % lines)
                self.log("S: (connection closed)")
                self.last = []
                return None
            s = ln.decode("latin-1")
            self.log("S: " + s)
            lines.append(s)
            if not re.match(r"^[2-5][0-9][0-9][- ]|^[2-5][0-9][0-9]$", s):
                raise Failed("malformed reply line: %s" % shown(ln))
            if lines[0][:3] != s[:3]:
                raise Failed("codes differ inside one reply: %s" % lines)
            if len(s) == 3 or s[3] == " ":
                self.last = lines
                self.replies += 1
                if self.enhanced:
                    self.check_enhanced(lines)
                return lines

    def check_enhanced(self, lines):
        if self.replies == 1 or lines[0][0] == "3":
            return
        verb = self.lastline[:5].upper()
        if lines[0][:3] == "250" and verb in (b"HELO ", b"EHLO ", b"HELO", b"EHLO"):
            return
        for l in lines:
            if not re.match(r"^[2-5][0-9][0-9][- ][245]\.[0-9]{1,3}\.[0-9]{1,3}( |$)", l) or l[0] != l[4]:
                raise Failed("reply line without a matching enhanced status code: %s" % l)

    def wait_eof(self):
        deadline = time.monotonic() + self.timeout
        while self._fill(deadline):
            pass
        if self.buf:
            raise Failed("expected the connection to close, got %s" % shown(self.buf))
        self.log("S: (connection closed)")


def check_spec(lines, spec):
    last = lines[-1]
    if spec == "*":
        return True
    return last == spec or last.startswith(spec + " ")


def run_steps(c, steps):
    for step in steps:
        if step.startswith(">"):
            c.send(unescape(step[1:]))
        elif step.startswith("*"):
            n, _, text = step[1:].partition(":")
            c.send_repeat(unescape(text), int(n))
        elif step == "<EOF":
            c.wait_eof()
        elif step == "<CLOSE":
            while True:
                r = c.reply()
                if r is None:
                    break
                if r[-1][0] not in "45":
                    raise Failed("expected only 4xx/5xx replies before the close, got %s" % r)
        elif step == "<ALL":
            while c.reply() is not None:
                pass
        elif step.startswith("<~"):
            r = c.reply()
            if r is None:
                raise Failed("expected a reply matching %s, the connection was closed" % step[2:])
            if not re.fullmatch(step[2:], r[-1]):
                raise Failed("expected a reply matching %s, got %s" % (step[2:], r[-1]))
        elif step.startswith("<"):
            r = c.reply()
            if r is None:
                raise Failed("expected %s, the connection was closed" % step[1:])
            if not check_spec(r, step[1:]):
                raise Failed("expected %s, got %s" % (step[1:], r[-1]))
        elif step.startswith("has:") or step.startswith("hasnot:"):
            want = step.split(":", 1)[1]
            found = any(l[4:] == want for l in c.last)
            if found != step.startswith("has:"):
                raise Failed("%s: the last reply was %s" % (step, c.last))
        elif step.startswith("codes:"):
            pat = r"^[2-5][0-9][0-9][- ][245]\.[0-9]{1,3}\.[0-9]{1,3}( |$)" if step == "codes:enh" \
                else r"^[2-5][0-9][0-9]([- ]|$)"
            for l in c.last:
                if not re.match(pat, l):
                    raise Failed("%s: the line '%s' does not carry %s" % (step, l,
                                 "an enhanced status code" if step == "codes:enh" else "a code"))
                if step == "codes:enh" and l[0] != l[4]:
                    raise Failed("the enhanced code's class differs from the reply code: %s" % l)
        elif step.startswith("loop:"):
            _, n, text = step.split(":", 2)
            data = unescape(text)
            k = 0
            r = None
            for _ in range(int(n)):
                if not c.send(data, quiet=True):
                    break
                r = c.reply()
                if r is None:
                    break
                k += 1
                if r[-1][:3] == "421":
                    break
            c.log("loop: %d replies, last: %s" % (k, r[-1] if r else "(connection closed)"))
        elif step.startswith("sleep:"):
            time.sleep(float(step[6:]))
        elif step.startswith("drip:"):
            _, s, text = step.split(":", 2)
            data = unescape(text)
            c.log("C: dripping %s every %s s" % (shown(data), s))
            for i in range(len(data)):
                if not c.send(data[i:i + 1], quiet=True):
                    break
                time.sleep(float(s))
        elif step == "shut":
            c.log("C: (shutdown)")
            c.sock.shutdown(socket.SHUT_WR)
        else:
            raise Failed("unknown step: %s" % step)


def main(argv):
    timeout = 20.0
    family = socket.AF_INET
    command = None
    enhanced = False
    args = argv[1:]
    while args and args[0].startswith("-") and len(args[0]) > 1:
        a = args.pop(0)
        if a == "-t":
            timeout = float(args.pop(0))
        elif a == "-e":
            enhanced = True
        elif a == "-6":
            family = socket.AF_INET6
        elif a == "-x":
            command = args.pop(0)
        elif a == "--":
            break
        else:
            sys.stderr.write("smtpraw.py: unknown option %s\n" % a)
            return 2
    proc = None
    if command is not None:
        ours, theirs = socket.socketpair()
        proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=theirs, stdout=theirs)
        theirs.close()
        sock = ours
        steps = args
    else:
        if len(args) < 2:
            sys.stderr.write(__doc__)
            return 2
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect((args[0], int(args[1])))
        steps = args[2:]
    c = Client(sock, timeout)
    c.enhanced = enhanced
    rc = 0
    try:
        run_steps(c, steps)
    except Failed as e:
        print("smtpraw: FAIL: %s" % e)
        rc = 1
    sock.close()
    if proc is not None:
        try:
            code = proc.wait(timeout=timeout)
            print("exit %d" % code)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print("smtpraw: FAIL: the command did not exit")
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
