#!/usr/bin/env python3
"""tests/fakesmtp.py: a scripted fake SMTP server on raw sockets, the remote
end of the qmail-remote tests.

  fakesmtp.py [-H HOST] [-p PORT] [-n CONNS] [-r RECORD] [-t SECONDS] SCRIPT
  fakesmtp.py -H HOST --blackhole

Listens on HOST (default 127.0.0.1; ::1 for IPv6) and PORT (default: any
free one), prints the port on a line of its own, then serves CONNS
connections (default 1) one after another, each following SCRIPT from its
top, and exits. Every byte received on connection i (from 1) is appended,
as it arrives, to RECORD.i (default: not recorded). -t bounds the whole run
(default 120 s). Exit 0 when every connection was served, 1 on a script
error or when the client did not do what a step waited for.

SCRIPT: one step per line; '#' starts a comment line. TEXT takes Python
escapes (\\r \\n \\x00 \\\\).
  send TEXT        send TEXT at once
  reply TEXT       send TEXT followed by CR LF
  line             read one line (up to LF) from the client
  lines N          read N lines
  data             read up to and including CR LF . CR LF
  trickle S TEXT   send TEXT one byte every S seconds (a float)
  flood N TEXT     send TEXT repeated to N bytes, as fast as the client reads
  drop             close the connection now
  stall            send nothing more; wait for the client to close
  eof              read and record until the client closes

--blackhole: a listening socket whose accept queue is full, so that a
further connect gets no answer and times out; prints the port and waits
until killed.
"""
import socket
import sys
import time


def unescape(s):
    return s.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")


class Conn:
    def __init__(self, sock, record, deadline):
        self.sock = sock
        self.buf = b""
        self.record = record
        self.deadline = deadline

    def _recv(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("run time over")
        self.sock.settimeout(left)
        try:
            b = self.sock.recv(65536)
        except ConnectionResetError:
            b = b""
        if self.record and b:
            self.record.write(b)
            self.record.flush()
        return b

    def read_until(self, sep):
        while sep not in self.buf:
            b = self._recv()
            if not b:
                raise EOFError("client closed while waiting for %r" % sep)
            self.buf += b
        i = self.buf.index(sep) + len(sep)
        got, self.buf = self.buf[:i], self.buf[i:]
        return got

    def read_eof(self):
        while True:
            b = self._recv()
            if not b:
                return

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def parse(path):
    steps = []
    with open(path, encoding="latin-1") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            word, _, rest = raw.partition(" ")
            steps.append((word, rest))
    return steps


def run(conn, steps):
    for word, rest in steps:
        if word == "send":
            conn.send(unescape(rest))
        elif word == "reply":
            conn.send(unescape(rest) + b"\r\n")
        elif word == "line":
            conn.read_until(b"\n")
        elif word == "lines":
            for _ in range(int(rest)):
                conn.read_until(b"\n")
        elif word == "data":
            conn.read_until(b"\r\n.\r\n")
        elif word == "trickle":
            secs, _, text = rest.partition(" ")
            for c in unescape(text):
                conn.send(bytes([c]))
                time.sleep(float(secs))
        elif word == "flood":
            n, _, text = rest.partition(" ")
            n = int(n)
            unit = unescape(text) or b"x"
            chunk = (unit * (65536 // len(unit) + 1))[:65536]
            sent = 0
            while sent < n:
                k = min(len(chunk), n - sent)
                try:
                    conn.sock.sendall(chunk[:k])
                except (BrokenPipeError, ConnectionResetError):
                    return
                sent += k
        elif word == "drop":
            return
        elif word in ("stall", "eof"):
            conn.read_eof()
            return
        else:
            raise ValueError("unknown step: " + word)


def blackhole(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((host, 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    held = []
    # fill the accept queue until a connect goes unanswered
    for _ in range(64):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect((host, port))
        except BlockingIOError:
            pass
        held.append(c)
        import select
        _, w, _ = select.select([], [c], [], 0.5)
        if not w:
            break
    else:
        print("unable to fill the accept queue", file=sys.stderr)
        sys.exit(1)
    print(port, flush=True)
    while True:
        time.sleep(60)


def main():
    args = sys.argv[1:]
    host, port, conns, record, limit = "127.0.0.1", 0, 1, None, 120.0
    script = None
    while args:
        a = args.pop(0)
        if a == "-H":
            host = args.pop(0)
        elif a == "-p":
            port = int(args.pop(0))
        elif a == "-n":
            conns = int(args.pop(0))
        elif a == "-r":
            record = args.pop(0)
        elif a == "-t":
            limit = float(args.pop(0))
        elif a == "--blackhole":
            blackhole(host)
        else:
            script = a
    if script is None:
        print(__doc__, file=sys.stderr)
        sys.exit(100)
    steps = parse(script)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(5)
    print(ls.getsockname()[1], flush=True)
    deadline = time.monotonic() + limit
    status = 0
    for i in range(1, conns + 1):
        ls.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            s, _ = ls.accept()
        except socket.timeout:
            print("fakesmtp: no connection %d" % i, file=sys.stderr)
            sys.exit(1)
        rec = open("%s.%d" % (record, i), "ab") if record else None
        conn = Conn(s, rec, deadline)
        try:
            run(conn, steps)
        except (EOFError, TimeoutError, OSError) as e:
            print("fakesmtp: connection %d: %s" % (i, e), file=sys.stderr)
            status = 1
        finally:
            s.close()
            if rec:
                rec.close()
    sys.exit(status)


if __name__ == "__main__":
    main()
