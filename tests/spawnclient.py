#!/usr/bin/env python3
"""spawnclient.py: plays qmail-send's side of the spawner protocol, for tests.

Usage: spawnclient.py [-t SECONDS] PROGRAM [ARG...] < SCRIPT

Starts PROGRAM with pipes on its fds 0 and 1, reads its two handshake bytes,
then follows SCRIPT line by line:
  req SLOT MESSPATH SENDER RCPT...    send one request (fields may use \\xNN,
                                      \\t and \\\\ escapes; "-" is empty),
                                      whose report has one item per RCPT
  raw HEX                             send these bytes as they are (a report
                                      to such a request is read as one item)
  wait N                              wait until N reports have arrived in all
  close                               close PROGRAM's fd 0 (also done at the end)
Then reads until PROGRAM closes fd 1 and waits for it. Prints
  handshake N
  report SLOT STATUS TEXT       one line per item (TEXT with \\n for LF, \\\\ for \\, \\xNN for
                                 other bytes below 32 or above 126)
  exit CODE                     (or "signal N")
Everything is bounded by the time limit (default 60 s): past it PROGRAM is
killed and "timeout" is printed.
"""
import os
import subprocess
import sys
import threading
import time


def unescape(s):
    if s == "-":
        return b""
    out = bytearray()
    i = 0
    b = s.encode("utf-8", "surrogateescape")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = b[i + 1]
            if n == ord("x") and i + 3 < len(b):
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
            if n == ord("t"):
                out.append(9)
                i += 2
                continue
            out.append(n)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def show(b):
    out = []
    for c in b:
        if c == 10:
            out.append("\\n")
        elif c == 0x5C:
            out.append("\\\\")
        elif c < 32 or c > 126:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def main():
    args = sys.argv[1:]
    limit = 60.0
    if len(args) >= 2 and args[0] == "-t":
        limit = float(args[1])
        args = args[2:]
    if not args:
        sys.stderr.write("usage: spawnclient.py [-t SECONDS] PROGRAM [ARG...]\n")
        return 100
    deadline = time.time() + limit
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    reports = []
    cond = threading.Condition()
    state = {"handshake": None, "eof": False}
    items = {}  # slot -> the number of items its report has

    def reader():
        buf = b""
        first = True
        while True:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if first:
                if len(buf) < 2:
                    continue
                with cond:
                    state["handshake"] = buf[0] * 256 + buf[1]
                    cond.notify_all()
                buf = buf[2:]
                first = False
            while True:
                # a report is a 2-byte slot, then per recipient status,
                # text, NUL: the slot bytes may be 0
                if len(buf) < 3:
                    break
                slot = buf[0] * 256 + buf[1]
                with cond:
                    n = items.get(slot, 1)
                pos = 2
                got = []
                for _ in range(n):
                    j = buf.find(b"\0", pos)
                    if j < 0:
                        break
                    got.append(buf[pos:j])
                    pos = j + 1
                if len(got) < n:
                    break
                with cond:
                    for text in got:
                        reports.append((slot, text))
                    cond.notify_all()
                buf = buf[pos:]
        with cond:
            if buf:
                reports.append((None, buf))
            state["eof"] = True
            cond.notify_all()

    t = threading.Thread(target=reader, daemon=True)
    t.start()

    def wait_until(pred):
        with cond:
            while not pred():
                left = deadline - time.time()
                if left <= 0:
                    return False
                cond.wait(min(left, 0.5))
        return True

    timed_out = False
    if not wait_until(lambda: state["handshake"] is not None or state["eof"]):
        timed_out = True
    closed = False
    try:
        for line in sys.stdin:
            if timed_out:
                break
            words = line.split()
            if not words:
                continue
            if words[0] == "req" and len(words) >= 5:
                slot = int(words[1])
                data = bytes([slot >> 8, slot & 255]) + unescape(words[2]) + \
                    b"\0" + unescape(words[3]) + b"\0"
                for r in words[4:]:
                    data += unescape(r) + b"\0"
                data += b"\0"
                with cond:
                    items[slot] = max(len(words) - 4, 1)
                p.stdin.write(data)
                p.stdin.flush()
            elif words[0] == "raw" and len(words) == 2:
                p.stdin.write(bytes.fromhex(words[1]))
                p.stdin.flush()
            elif words[0] == "wait" and len(words) == 2:
                n = int(words[1])
                if not wait_until(lambda: len(reports) >= n or state["eof"]):
                    timed_out = True
            elif words[0] == "close":
                p.stdin.close()
                closed = True
            else:
                sys.stderr.write("spawnclient.py: bad script line: %s" % line)
                return 100
    except BrokenPipeError:
        pass
    if not closed:
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
    if not timed_out and not wait_until(lambda: state["eof"]):
        timed_out = True
    if not timed_out:
        try:
            p.wait(max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            timed_out = True
    if timed_out:
        p.kill()
        p.wait()
    if state["handshake"] is not None:
        print("handshake %d" % state["handshake"])
    with cond:
        for slot, text in reports:
            if slot is None:
                print("partial %s" % show(text))
            else:
                status = chr(text[0]) if text else "?"
                print("report %d %s %s" % (slot, status, show(text[1:])))
    if timed_out:
        print("timeout")
    elif p.returncode < 0:
        print("signal %d" % -p.returncode)
    else:
        print("exit %d" % p.returncode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
