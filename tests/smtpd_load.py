#!/usr/bin/env python3
"""smtpd_load.py: many concurrent and slow SMTP clients, for
tests/smtpd-concurrency.sh. Every loop is bounded in count and time.

Usage: smtpd_load.py PORT RECIPIENT hold N READYFILE GOFILE
  Opens N connections at once and reads each greeting; then writes
  READYFILE and waits (at most 120 s) for GOFILE to exist; then each
  connection sends one message "Subject: load K" (K = 1..N) and QUIT, all
  at the same time. Prints "greeted G", "sent S", and one line per failure.

Usage: smtpd_load.py PORT RECIPIENT slow LORIS SLOW FAST SECONDS
  LORIS connections drip "HELO " and then one byte a second, never ending
  the line; SLOW connections send a message "Subject: slow K" one line
  every 0.5 s; meanwhile FAST sessions one after the other send "Subject:
  fast K", each timed. After SECONDS (or when all else is done, whichever
  is later) the loris connections are closed. Prints "fast K MS" for each
  fast session, "slow sent S", "loris closed-by-server C after MS" for
  each loris the server closed, and "loris open L" for those still open.
Exit 0, or 1 when a message that should have been accepted was not.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import smtpraw  # noqa: E402


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    return smtpraw.Client(s, 60, out=None)


def transaction(c, rcpt, subject, pace=0.0):
    lines = [b"EHLO load.example", b"MAIL FROM:<load@example.com>", b"RCPT TO:<" + rcpt + b">", b"DATA"]
    for cmd in lines:
        c.send(cmd + b"\r\n")
        r = c.reply()
        if r is None or r[-1][0] not in "23":
            return "%s -> %s" % (cmd.decode(), r)
        if pace:
            time.sleep(pace)
    body = [b"Subject: " + subject.encode(), b"", b"line one", b"line two", b"."]
    for ln in body:
        c.send(ln + b"\r\n")
        if pace:
            time.sleep(pace)
    r = c.reply()
    if r is None or not r[-1].startswith("250 "):
        return "end of data -> %s" % r
    c.send(b"QUIT\r\n")
    c.reply()
    return None


def hold(port, rcpt, n, ready, go):
    conns = [None] * n
    errors = []

    def greet(k):
        try:
            c = connect(port)
            r = c.reply()
            if r and r[-1].startswith("220"):
                conns[k] = c
            else:
                errors.append("connection %d: greeting %s" % (k + 1, r))
        except (OSError, smtpraw.Failed) as e:
            errors.append("connection %d: %s" % (k + 1, e))

    ts = [threading.Thread(target=greet, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("greeted %d" % sum(1 for c in conns if c))
    for e in errors:
        print("error " + e)
    del errors[:]
    sys.stdout.flush()
    open(ready, "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = [0]
    lock = threading.Lock()

    def send(k):
        c = conns[k]
        if not c:
            return
        try:
            err = transaction(c, rcpt, "load %d" % (k + 1))
        except (OSError, smtpraw.Failed) as e:
            err = str(e)
        with lock:
            if err:
                errors.append("connection %d: %s" % (k + 1, err))
            else:
                sent[0] += 1
        c.sock.close()

    ts = [threading.Thread(target=send, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("sent %d" % sent[0])
    for e in errors:
        print("error " + e)
    return 0 if sent[0] == n else 1


def slow(port, rcpt, loris, nslow, fast, seconds):
    start = time.monotonic()
    stop = threading.Event()
    closed = []
    out = []
    lock = threading.Lock()

    def lorisf(k):
        try:
            c = connect(port)
            c.reply()
            c.send(b"HELO ")
            while not stop.wait(1.0):
                if not c.send(b"a", quiet=True):
                    break
                c.sock.settimeout(0.01)
                try:
                    d = c.sock.recv(4096)
                    if not d:
                        break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    break
            else:
                with lock:
                    out.append("loris open %d" % (k + 1))
                c.sock.close()
                return
            with lock:
                closed.append(k)
                out.append("loris closed-by-server %d after %d" % (k + 1, (time.monotonic() - start) * 1000))
            c.sock.close()
        except (OSError, smtpraw.Failed) as e:
            with lock:
                out.append("loris error %d %s" % (k + 1, e))

    slow_ok = [0]
    errors = []

    def slowf(k):
        try:
            c = connect(port)
            c.reply()
            err = transaction(c, rcpt, "slow %d" % (k + 1), pace=0.5)
            c.sock.close()
        except (OSError, smtpraw.Failed) as e:
            err = str(e)
        with lock:
            if err:
                errors.append("slow %d: %s" % (k + 1, err))
            else:
                slow_ok[0] += 1

    lt = [threading.Thread(target=lorisf, args=(k,)) for k in range(loris)]
    st = [threading.Thread(target=slowf, args=(k,)) for k in range(nslow)]
    for t in lt + st:
        t.start()
    time.sleep(1.0)  # pacing: let the slow clients take their slots first
    for k in range(fast):
        t0 = time.monotonic()
        try:
            c = connect(port)
            c.reply()
            err = transaction(c, rcpt, "fast %d" % (k + 1))
            c.sock.close()
        except (OSError, smtpraw.Failed) as e:
            err = str(e)
        if err:
            errors.append("fast %d: %s" % (k + 1, err))
        print("fast %d %d" % (k + 1, (time.monotonic() - t0) * 1000))
        sys.stdout.flush()
    for t in st:
        t.join()
    left = start + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)
    stop.set()
    for t in lt:
        t.join()
    print("slow sent %d" % slow_ok[0])
    for o in out:
        print(o)
    for e in errors:
        print("error " + e)
    return 0 if not errors else 1


def main():
    port = int(sys.argv[1])
    rcpt = sys.argv[2].encode()
    if sys.argv[3] == "hold":
        return hold(port, rcpt, int(sys.argv[4]), sys.argv[5], sys.argv[6])
    return slow(port, rcpt, int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))


if __name__ == "__main__":
    sys.exit(main())
