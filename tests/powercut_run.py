#!/usr/bin/env python3
"""Driver of tests/powercut.sh: cuts the power under a running instance.

  powercut_run.py HOME PCFS OUT USER CUTS

HOME is an instance (mkinstance.sh) whose queue/ and mail/ are symbolic
links into PCFS, a mounted tests/powercut/pcfs.c; OUT is a directory on a
real file system for what must survive the cuts (acknowledgements, logs).

The instance runs without svscan: HOME/service/qmail-send/run in a process
group of its own, its log appended to OUT/send.log. Messages are queued by
running HOME/bin/qmail-queue directly; message T carries "X-Token: T" and is
a function of T alone, so every delivered file can be compared byte for byte
with what was queued. Kinds (T % 20): 0-9 to postmaster, 10 and 12 to
USER, 11 to "mboxer" (an mbox file, not a Maildir), 13-15 to postmaster
and USER, 16-17 to a nonexistent local address (the bounce goes
to postmaster), 19 to that address and to "later" (made durable with a
failure recorded, bounced at the end), 18 to "later", whose Maildir has no tmp/ until the drain
makes it (so every delivery there fails temporarily, the message stays
queued across cuts, its queue
files must stay durable, and it is delivered only at the end).

Power cuts, each followed by SIGKILL of every process of the instance (and
of every qmail-queue), a restore of pcfs and a restart of the instance:
  walk:   for a single message of kinds 0, 11, 13, 16 and 19 on an idle instance,
          freeze-at N for N = 1..k, where k is the number of counted
          operations the message's whole path takes (injection,
          preprocessing, delivery, bounce, cleanup); a path longer than
          60 operations gets 60 cut points spread evenly over it;
  load:   INJECTORS concurrent injectors; the cut comes at a random moment
          (half of the cycles) or at a random counted operation (freeze-at);
at least 80 times, and until CUTS cuts were made. Then the power stays on, later's tmp/ is made,
qmail-send gets ALRM and the queue must drain (until nothing changed for
20 s, at most 180 s). Checks: every acknowledged
message (qmail-queue exit 0) was delivered to each of its recipients (or,
kinds 16-17, bounced to postmaster) at least once; every file in a Maildir's new/
or cur/ is whole: Return-Path, Delivered-To and Received lines followed by
exactly the bytes of a queued message (a bounce: ending with them); the
mbox is a sequence of whole messages, each a From_ line, Return-Path,
Delivered-To and Received lines and the mboxrd-quoted bytes of a queued
message, then an empty line; no
queue file is left but what the queue's crash rules allow (pid/ files and
uncommitted mess+intd of unacknowledged injections, mess files of finished
messages). Prints "cuts N, acknowledged N, delivered N, duplicates N,
lost N"; exit 0 when every check passed, 1 otherwise.
"""

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

INJECTORS = 2
WALK_MAX = 60   # cut points per walked message at most
LOAD_MIN = 80   # cuts under load at least
SPLIT_DIRS = ("info", "local", "remote", "mess")


class Run:
    def __init__(self, home, pcfs, out, user, cuts):
        self.home = home
        self.pcfs = pcfs
        self.out = out
        self.user = user
        self.want_cuts = cuts
        self.ctl = os.path.join(pcfs, ".pcfs")
        self.queue = os.path.join(home, "queue")
        self.qq = os.path.join(home, "bin", "qmail-queue")
        self.lock = threading.Lock()
        self.next_token = 0
        self.acked = set()
        self.attempted = set()
        self.qp = {}
        self.cuts = 0
        self.walk_cuts = 0
        self.instance = None
        self.children = set()
        self.log = open(os.path.join(out, "send.log"), "ab")
        self.ackfile = open(os.path.join(out, "acks"), "a")
        self.rng = random.Random(int(os.environ.get("POWERCUT_SEED", str(os.getpid()))))
        print("seed %s" % os.environ.get("POWERCUT_SEED", str(os.getpid())))

    # ------------------------------------------------------------ pcfs
    def ctl_write(self, cmd):
        with open(self.ctl, "w") as f:
            f.write(cmd + "\n")

    def status(self):
        with open(self.ctl) as f:
            return dict((k, int(v)) for k, v in (l.split() for l in f.read().splitlines()))

    # ------------------------------------------------------------ messages
    def token(self, kind=None):
        with self.lock:
            t = self.next_token
            if kind is not None:
                t += (kind - t) % 20
            self.next_token = t + 1
            return t

    def recipients(self, t):
        k = t % 20
        if k <= 9:
            return ["postmaster@localhost"]
        if k == 11:
            return ["mboxer@localhost"]
        if k <= 12:
            return [self.user + "@localhost"]
        if k <= 15:
            return ["postmaster@localhost", self.user + "@localhost"]
        if k <= 17:
            return ["nosuch@localhost"]
        if k == 18:
            return ["later@localhost"]
        # one recipient fails at once, the other is deferred: the message is
        # made durable with the failure recorded, and bounces at the end
        return ["nosuch@localhost", "later@localhost"]

    def bounces(self, t):
        return t % 20 in (16, 17, 19)

    def sender(self, t):
        return "postmaster@localhost" if self.bounces(t) else "tester-%d@example.com" % t

    def message(self, t):
        lines = 1 + (t * 7) % 60
        body = "".join("%d line %03d %s\n" % (t, i, "x" * 40) for i in range(lines))
        body += "From a line the mbox quotes, %d\n>From one quoted already\n" % t
        return ("From: <%s>\nTo: %s\nSubject: power cut %d\nX-Token: %d\n\n%s"
                "token %d ends\n" % (self.sender(t), ", ".join(self.recipients(t)), t, t, body, t)).encode()

    def inject(self, t):
        """queues message T with qmail-queue; True when it exited 0"""
        env = b"F" + self.sender(t).encode() + b"\0"
        for r in self.recipients(t):
            env += b"T" + r.encode() + b"\0"
        env += b"\0"
        mr, mw = os.pipe()
        er, ew = os.pipe()
        with self.lock:
            self.attempted.add(t)
        try:
            p = subprocess.Popen([self.qq], stdin=mr, stdout=er, stderr=subprocess.DEVNULL,
                                 close_fds=True, start_new_session=True)
        finally:
            os.close(mr)
            os.close(er)
        with self.lock:
            self.children.add(p)
            self.qp.setdefault(t, []).append(p.pid)
        try:
            os.write(mw, self.message(t))
            os.write(ew, env)
        except OSError:
            pass
        os.close(mw)
        os.close(ew)
        rc = p.wait()
        with self.lock:
            self.children.discard(p)
            if rc == 0:
                self.acked.add(t)
                self.ackfile.write("%d\n" % t)
                self.ackfile.flush()
        return rc == 0

    # ------------------------------------------------------------ instance
    def start(self):
        run = os.path.join(self.home, "service", "qmail-send", "run")
        self.log_mark = self.log.tell()
        self.instance = subprocess.Popen(["sh", run], stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        # qmail-send logs its status line once it has started
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(os.path.join(self.out, "send.log"), "rb") as f:
                f.seek(self.log_mark)
                if b"status:" in f.read():
                    return
            if self.instance.poll() is not None:
                break
            time.sleep(0.01)
        raise SystemExit("the instance did not start (see %s/send.log)" % self.out)

    def instance_pids(self):
        """every process whose program is one of the instance's, or whose
        working directory is in it or on pcfs"""
        pids = []
        me = os.getpid()
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == me:
                continue
            try:
                exe = os.readlink("/proc/%s/exe" % d)
            except OSError:
                exe = ""
            try:
                cwd = os.readlink("/proc/%s/cwd" % d)
            except OSError:
                cwd = ""
            for p in (exe, cwd):
                if p == self.home or p.startswith(self.home + "/") or \
                        p == self.pcfs or p.startswith(self.pcfs + "/"):
                    pids.append(int(d))
                    break
        return pids

    def kill_all(self):
        if self.instance:
            try:
                os.killpg(self.instance.pid, signal.SIGKILL)
            except OSError:
                pass
        with self.lock:
            for p in list(self.children):
                try:
                    p.kill()
                except OSError:
                    pass
        deadline = time.time() + 20
        while True:
            pids = self.instance_pids()
            if not pids:
                break
            if time.time() > deadline:
                raise SystemExit("processes of the instance do not die: %s" % pids)
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)
        if self.instance:
            self.instance.wait()
            self.instance = None

    def power_cycle(self):
        """the power is off: kill everything, restore, start again"""
        self.kill_all()
        self.ctl_write("restore")
        self.start()

    def queue_busy(self):
        for d in ("todo", "intd", "info", "local", "remote", "bounce"):
            for _, _, files in os.walk(os.path.join(self.queue, d)):
                if files:
                    return True
        return False

    def wait_idle(self, limit=20):
        """until no counted operation happened for 0.3 s (what a cut left
        stuck stays for the final check); returns the op counter"""
        deadline = time.time() + limit
        last = self.status()["ops"]
        since = time.time()
        while time.time() < deadline:
            time.sleep(0.05)
            s = self.status()
            if s["cut"]:
                return None
            if s["ops"] != last:
                last = s["ops"]
                since = time.time()
            elif time.time() - since >= 0.3:
                return last
        return last

    # ------------------------------------------------------------ phases
    def walk(self, kind):
        """every counted operation of one message's path, one cut each"""
        idle = self.wait_idle()
        t = self.token(kind)
        self.inject(t)
        after = self.wait_idle()
        k = after - idle
        points = list(range(1, k + 1))
        if k > WALK_MAX:
            # a path this long: WALK_MAX points spread evenly over it
            points = sorted(set(1 + i * (k - 1) // (WALK_MAX - 1) for i in range(WALK_MAX)))
        print("walk: a message of kind %d takes %d counted operations; cutting at %d of them"
              % (kind, k, len(points)))
        for n in points:
            step = time.time()
            self.wait_idle()
            self.ctl_write("freeze-at %d" % n)
            t = self.token(kind)
            self.inject(t)
            deadline = time.time() + 10
            while not self.status()["cut"] and time.time() < deadline:
                time.sleep(0.01)
            if not self.status()["cut"]:
                # the path was shorter this time: cut anyway
                self.ctl_write("cut")
            self.cuts += 1
            self.walk_cuts += 1
            self.power_cycle()
            if os.environ.get("POWERCUT_VERBOSE"):
                print("walk: kind %d, cut at op %d, %.2f s" % (kind, n, time.time() - step))

    def injector(self, stop):
        while not stop.is_set():
            self.inject(self.token())

    def load_cycle(self):
        stop = threading.Event()
        threads = [threading.Thread(target=self.injector, args=(stop,)) for _ in range(INJECTORS)]
        if self.rng.random() < 0.5:
            self.ctl_write("freeze-at %d" % self.rng.randint(1, 300))
            for th in threads:
                th.start()
            deadline = time.time() + 3
            while not self.status()["cut"] and time.time() < deadline:
                time.sleep(0.01)
            if not self.status()["cut"]:
                self.ctl_write("cut")
        else:
            for th in threads:
                th.start()
            time.sleep(self.rng.uniform(0.02, 0.5))
            self.ctl_write("cut")
        stop.set()
        self.kill_all()
        for th in threads:
            th.join()
        self.cuts += 1
        self.ctl_write("restore")
        self.start()

    # ------------------------------------------------------------ checks
    def drain(self, limit=180, stall=20):
        """until the queue is empty and everything acknowledged is
        delivered, or nothing changed for STALL seconds"""
        # later's Maildir gets its tmp/: its deliveries stop failing
        maildir = os.path.join(self.home, "mail", "later", "Maildir")
        st = os.stat(maildir)
        os.mkdir(os.path.join(maildir, "tmp"), 0o700)
        os.chown(os.path.join(maildir, "tmp"), st.st_uid, st.st_gid)
        qs = self.send_pid()
        if qs:
            os.kill(qs, signal.SIGALRM)
        started = time.time()
        deadline = started + limit
        last, since = None, time.time()
        while time.time() < deadline and time.time() - since < stall:
            if not self.queue_busy() and self.all_delivered():
                break
            ops = self.status()["ops"]
            if ops != last:
                last, since = ops, time.time()
            time.sleep(0.2)
        print("drain: %.0f s" % (time.time() - started))
        # qmail-clean removes the last mess files just after their info
        time.sleep(0.5)

    def send_pid(self):
        for p in self.instance_pids():
            try:
                with open("/proc/%d/comm" % p) as f:
                    if f.read().strip() == "qmail-send":
                        return p
            except OSError:
                pass
        return None

    def maildirs(self):
        mail = os.path.join(self.home, "mail")
        for name in sorted(os.listdir(mail)):
            md = os.path.join(mail, name, "Maildir")
            if os.path.isdir(md):
                yield name, md

    def mboxes(self):
        mail = os.path.join(self.home, "mail")
        for name in sorted(os.listdir(mail)):
            mb = os.path.join(mail, name, "mbox")
            if os.path.isfile(mb):
                yield name, mb

    def scan_mbox(self, name, path, count, bad):
        """each message of the mbox: From_ line, then the file as examine()
        wants it once the mboxrd quoting is undone, then an empty line"""
        with open(path, "rb") as fh:
            raw = fh.read()
        if not raw:
            return
        if not raw.startswith(b"From ") or not raw.endswith(b"\n\n"):
            bad.append("%s: not a sequence of whole messages (%d bytes)" % (path, len(raw)))
            return
        for i, part in enumerate(re.split(rb"\n\n(?=From )", raw[:-2])):
            fromline, _, rest = part.partition(b"\n")
            if not re.match(rb"From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", fromline):
                bad.append("%s: message %d has the From_ line %r" % (path, i, fromline[:80]))
                continue
            body = re.sub(rb"(?m)^>(>*From )", rb"\1", rest + b"\n")
            t, problem = self.examine(body, name)
            if problem:
                bad.append("%s: message %d: %s" % (path, i, problem))
            if t is not None:
                count[(t, name)] = count.get((t, name), 0) + 1

    def scan(self):
        """{(token, mailbox name): copies}, [bad files]"""
        count = {}
        bad = []
        for name, mb in self.mboxes():
            self.scan_mbox(name, mb, count, bad)
        for name, md in self.maildirs():
            for sub in ("new", "cur"):
                d = os.path.join(md, sub)
                for f in os.listdir(d):
                    path = os.path.join(d, f)
                    with open(path, "rb") as fh:
                        raw = fh.read()
                    t, problem = self.examine(raw, name)
                    if problem:
                        bad.append("%s: %s" % (path, problem))
                    if t is not None:
                        count[(t, name)] = count.get((t, name), 0) + 1
        return count, bad

    def examine(self, raw, name):
        m = re.search(rb"^X-Token: (\d+)$", raw, re.M)
        if not m:
            return None, "no X-Token line (%d bytes)" % len(raw)
        t = int(m.group(1))
        if t not in self.attempted:
            return t, "token %d was never queued" % t
        want = self.message(t)
        lines = raw.split(b"\n", 3)
        if len(lines) < 4:
            return t, "too short"
        if raw.startswith(b"Return-Path: <>\n"):
            # a bounce: the whole message is quoted at its end
            if not self.bounces(t) or name != "postmaster":
                return t, "a bounce of message %d, which should not bounce, in %s" % (t, name)
            if not raw.endswith(want):
                return t, "a bounce without the whole message %d" % t
            if b"\n<nosuch@localhost>:\n" not in raw:
                return t, "a bounce of message %d without the failed recipient's paragraph" % t
            return t, None
        if not (lines[0].startswith(b"Return-Path: <") and lines[1].startswith(b"Delivered-To: ")
                and lines[2].startswith(b"Received: (qmail ")):
            return t, "does not start with Return-Path, Delivered-To, Received"
        if lines[3] != want:
            return t, "not byte for byte message %d (%d bytes, expected %d)" % (t, len(lines[3]), len(want))
        return t, None

    def expected(self, t):
        """the mailbox names message T must reach"""
        names = [r.split("@")[0] for r in self.recipients(t)]
        if self.bounces(t):
            return ["postmaster"] + [n for n in names if n != "nosuch"]
        return names

    def all_delivered(self):
        count, _ = self.scan()
        return all(count.get((t, n)) for t in self.acked for n in self.expected(t))

    def leftovers(self, count):
        """queue files the crash rules do not allow after a drain"""
        bad = []
        split = len(os.listdir(os.path.join(self.queue, "mess")))
        delivered = set(t for t, _ in count)
        for d in ("todo", "info", "local", "remote", "bounce"):
            for root, _, files in os.walk(os.path.join(self.queue, d)):
                for f in files:
                    bad.append("%s/%s" % (root, f))
        kept = 0
        for root, _, files in os.walk(os.path.join(self.queue, "mess")):
            for f in files:
                path = os.path.join(root, f)
                with open(path, "rb") as fh:
                    raw = fh.read()
                m = re.search(rb"^X-Token: (\d+)$", raw, re.M)
                t = int(m.group(1)) if m else None
                intd = os.path.exists(os.path.join(self.queue, "intd", f))
                if t is not None and (t in delivered or t not in self.acked):
                    kept += 1    # S2 leftover, or an injection never committed
                elif t is None and intd:
                    kept += 1    # a killed injection that wrote nothing yet
                elif t is None and not raw:
                    kept += 1    # an empty file of a killed injection
                else:
                    bad.append("%s (token %s, intd %s)" % (path, t, intd))
        print("queue leftovers the crash rules allow (swept after 36 h): %d mess files, "
              "%d intd files, %d pid files" % (
                  kept, len(os.listdir(os.path.join(self.queue, "intd"))),
                  len(os.listdir(os.path.join(self.queue, "pid")))))
        return bad

    def check(self):
        count, bad = self.scan()
        ok = True
        lost = [(t, n) for t in sorted(self.acked) for n in self.expected(t) if not count.get((t, n))]
        dups = sum(c - 1 for c in count.values() if c > 1)
        delivered = len(set(t for t, _ in count))
        for b in bad[:20]:
            print("BAD FILE %s" % b)
        if bad:
            ok = False
        for t, n in lost[:30]:
            print("LOST: message %d (acknowledged) never reached %s" % (t, n))
            self.evidence(t)
        if lost:
            ok = False
        left = self.leftovers(count)
        for l in left[:20]:
            print("STUCK in the queue: %s" % l)
        if left:
            ok = False
        print("walk cuts %d, load cuts %d, messages attempted %d" % (
            self.walk_cuts, self.cuts - self.walk_cuts, len(self.attempted)))
        print("cuts %d, acknowledged %d, delivered %d, duplicates %d, lost %d" % (
            self.cuts, len(self.acked), delivered, dups, len(lost)))
        return ok

    def evidence(self, t):
        pids = self.qp.get(t, [])
        ids = set()
        with open(os.path.join(self.out, "send.log"), "rb") as f:
            log = f.read().decode("latin-1").splitlines()
        for l in log:
            m = re.match(r"info msg (\d+): .* qp (\d+) ", l)
            if m and int(m.group(2)) in pids:
                ids.add(m.group(1))
        print("    queued by qmail-queue pid %s; queue ids %s" % (pids, sorted(ids)))
        for l in log:
            for i in ids:
                if re.search(r"\bmsg %s\b" % i, l):
                    print("    log: %s" % l)
        for root, _, files in os.walk(self.queue):
            for f in files:
                p = os.path.join(root, f)
                if not os.path.isfile(p):
                    continue
                try:
                    with open(p, "rb") as fh:
                        if re.search(rb"^X-Token: %d$" % t, fh.read(), re.M):
                            print("    its queue file: %s" % p)
                except OSError:
                    pass


def main(argv):
    if len(argv) == 4 and argv[1] == "--kill":
        # the test's exit trap: whatever of the instance is still running
        r = Run.__new__(Run)
        r.home, r.pcfs, r.instance, r.children, r.lock = argv[2], argv[3], None, set(), threading.Lock()
        r.kill_all()
        return 0
    if len(argv) != 6:
        print(__doc__)
        return 100
    r = Run(argv[1], argv[2], argv[3], argv[4], int(argv[5]))
    started = time.time()
    r.start()
    try:
        for kind in [int(k) for k in os.environ.get("POWERCUT_WALK", "0 11 13 16 19").split()]:
            r.walk(kind)
        print("walk: %d cuts in %.0f s" % (r.walk_cuts, time.time() - started))
        load = max(LOAD_MIN, r.want_cuts - r.cuts)
        for _ in range(load):
            r.load_cycle()
        print("load: %d cuts, %.0f s in all" % (r.cuts - r.walk_cuts, time.time() - started))
        r.drain()
        ok = r.check()
    finally:
        r.kill_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
