#!/usr/bin/env python3
"""Helper of tests/crash.sh: queue many messages while qmail-send is killed.

  crash_inject.py run DIR OUT MESSAGES JOBS SECONDS USER
      JOBS threads queue MESSAGES messages with DIR/bin/qmail-queue, one
      process per message, spread over about SECONDS seconds. Message N goes
      to postmaster@localhost, to USER@localhost or to both. Meanwhile
      qmail-send (its pid from svstat DIR/service/qmail-send) gets SIGKILL
      50-300 ms after each start, until the injectors are done; supervise
      restarts it. Just before each kill the state is sampled: entries in
      queue/todo, messages in queue/local, deliveries in flight (children of
      that qmail-send's qmail-lspawn). Writes OUT/run.json; prints a summary.
      Exit 0 when every message was queued (temporary failures retried and
      counted), 1 otherwise.

  crash_inject.py check DIR OUT
      Reads the Maildirs under DIR/mail with Python's mailbox module and
      compares each delivered file byte for byte with the message queued
      (Return-Path, Delivered-To and qmail-queue's Received line, then the
      message). Writes OUT/check.json; prints the result. Exit 0 when every
      (message, recipient) was delivered at least once, every file is
      complete and in the right Maildir, and no Maildir holds a file in tmp/.

  crash_inject.py pending DIR OUT
      Exit 0 when every (message, recipient) has a file in new/ or cur/.

  crash_inject.py leftovers DIR OUT
      Lists every file left in the queue. A mess file with no todo, intd or
      info file, whose message was delivered to every recipient, is the
      leftover of a crash between removing info and removing mess (state S2,
      allowed by the queue's crash rules and swept after 36 hours); anything
      else is a failure. Exit 0 when only such files are left.

  crash_inject.py log DIR OUT
      Reads DIR/log/qmail-send/current: alert and warning lines, deliveries
      started by a qmail-send that was killed before their report,
      messages preprocessed again after a kill. Prints them; exit 0.

  crash_inject.py evidence DIR OUT
      For each (message, recipient) never delivered: the qmail-queue pid,
      the log lines of its queue id and its queue files.
"""

import json
import mailbox
import os
import pwd
import random
import re
import signal
import subprocess
import sys
import threading
import time

QUEUE_DIRS = ("todo", "intd", "info", "local", "remote", "bounce", "mess", "pid")
SPLIT_DIRS = ("info", "local", "remote", "mess")


def sender(n):
    return "tester-%d@example.com" % n


def recipients(n, user):
    if user == "postmaster":
        return ["postmaster@localhost"]
    k = n % 3
    if k == 0:
        return ["postmaster@localhost"]
    if k == 1:
        return [user + "@localhost"]
    return ["postmaster@localhost", user + "@localhost"]


def message(n, user):
    """The bytes queued as message N: a header with the marker, a body that
    starts and ends with marker lines, some large enough to take a while."""
    rcpts = recipients(n, user)
    head = (
        "From: <%s>\n"
        "To: %s\n"
        "Subject: crash test %d\n"
        "Message-ID: <crash-%d@example.com>\n"
        "X-Test-Id: %d\n"
        "\n" % (sender(n), ", ".join("<%s>" % r for r in rcpts), n, n, n)
    )
    if n % 7 == 3:
        lines = 2000
    elif n % 5 == 0:
        lines = 40
    else:
        lines = 0
    body = ["X-Test-Id: %d begins\n" % n]
    for i in range(lines):
        body.append("%d line %05d %s\n" % (n, i, "x" * 48))
    body.append("X-Test-Id: %d ends\n" % n)
    return (head + "".join(body)).encode()


def envelope(n, user):
    e = b"F" + sender(n).encode() + b"\0"
    for r in recipients(n, user):
        e += b"T" + r.encode() + b"\0"
    return e + b"\0"


# --------------------------------------------------------------------- run


def queue_one(qq, n, user):
    """Runs qmail-queue once for message N; returns (pid, exit code)."""
    r, w = os.pipe()
    env = envelope(n, user)
    os.write(w, env)  # far below a pipe buffer
    os.close(w)
    try:
        p = subprocess.Popen([qq], stdin=subprocess.PIPE, stdout=r)
    finally:
        os.close(r)
    p.communicate(message(n, user))
    return p.pid, p.returncode


def svstat_pid(service):
    try:
        out = subprocess.run(["svstat", service], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode()
    except OSError:
        return None
    m = re.search(r": up \(pid (\d+)\)", out)
    return int(m.group(1)) if m else None


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def processes():
    """{pid: (ppid, comm)} of every process we can see."""
    procs = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        lp, rp = s.find("("), s.rfind(")")
        fields = s[rp + 2:].split()
        procs[int(d)] = (int(fields[1]), s[lp + 1:rp])
    return procs


def count_files(queue, name):
    top = os.path.join(queue, name)
    n = 0
    if name in SPLIT_DIRS:
        for sub in os.listdir(top):
            n += len(os.listdir(os.path.join(top, sub)))
    else:
        n = len(os.listdir(top))
    return n


def half_preprocessed(queue, delivering):
    """The todo entries that were preprocessed (steps 5-6) but not
    committed (step 7): those with an info file, and those of a message
    qmail-send keeps in memory, seen by a delivery of it running (its
    message file is the delivery's standard input). DELIVERING: the pids of
    the deliveries in flight."""
    n = 0
    split = len(os.listdir(os.path.join(queue, "info")))
    busy = set()
    for p in delivering:
        try:
            busy.add(os.path.basename(os.readlink("/proc/%d/fd/0" % p)))
        except OSError:
            pass
    for name in os.listdir(os.path.join(queue, "todo")):
        if name.isdigit() and (name in busy or os.path.exists(
                os.path.join(queue, "info", str(int(name) % split), name))):
            n += 1
    return n


def sample(queue, sendpid):
    """The state qmail-send SENDPID is in, just before it is killed."""
    return {
        "todo": count_files(queue, "todo"),
        "inflight": len(inflight(processes(), sendpid)),
        "local": count_files(queue, "local"),
        "info": count_files(queue, "info"),
    }


def inflight(procs, sendpid):
    """The deliveries qmail-send SENDPID has running: children of its
    qmail-lspawn."""
    spawners = [p for p, (pp, c) in procs.items() if pp == sendpid and c == "qmail-lspawn"]
    return [p for p, (pp, c) in procs.items() if pp in spawners]


# When to kill, relative to qmail-send's start: most kills at a random moment
# 50-300 ms after it; some within its first 50 ms (rebuild, then the todo
# entries that piled up while it was down); some as soon as a delivery runs.
MODES = ("random", "random", "early", "delivering")


def killer(home, state, done, rng):
    service = os.path.join(home, "service", "qmail-send")
    queue = os.path.join(home, "queue")
    killed = set()
    seen = set()
    while not done.is_set():
        pid = svstat_pid(service)
        if pid is None or pid in killed:
            time.sleep(0.01)
            continue
        if pid not in seen:
            seen.add(pid)
            state["pids"].append(pid)
        # svstat's pid is the run script, which execs qmail-start, which
        # execs qmail-send: wait for that last exec
        if comm(pid) != "qmail-send":
            time.sleep(0.002)
            continue
        born = time.time()
        mode = rng.choice(MODES)
        if mode == "random":
            if done.wait(rng.uniform(0.05, 0.3)):
                break
        elif mode == "early":
            if done.wait(rng.uniform(0.0, 0.05)):
                break
        else:
            while not done.is_set() and time.time() - born < 1.0:
                if inflight(processes(), pid):
                    break
                time.sleep(0.002)
            if done.is_set():
                break
        if comm(pid) != "qmail-send":
            continue  # it went away by itself; counted below
        snap = sample(queue, pid)
        delivering = inflight(processes(), pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        killed.add(pid)
        snap["half"] = half_preprocessed(queue, delivering)
        snap["pid"] = pid
        snap["mode"] = mode
        snap["after"] = round(time.time() - born, 3)
        snap["time"] = time.time()
        state["kills"].append(snap)
    state["unexpected_exits"] = [p for p in seen if p not in killed and p != svstat_pid(service)]


def cmd_run(home, out, total, jobs, seconds, user):
    qq = os.path.join(home, "bin", "qmail-queue")
    rng = random.Random()
    state = {"kills": [], "pids": [], "unexpected_exits": []}
    done = threading.Event()
    lock = threading.Lock()
    results = {}   # n -> list of [pid, exit code], one per attempt
    gap = jobs * seconds / total  # mean pause between two messages of one injector

    def injector(k):
        r = random.Random(k)
        for n in range(k, total, jobs):
            attempts = []
            for _ in range(5):
                pid, rc = queue_one(qq, n, user)
                attempts.append([pid, rc])
                if rc == 0 or 11 <= rc <= 40:
                    break
            with lock:
                results[n] = attempts
            time.sleep(r.uniform(0, 2 * gap))

    kt = threading.Thread(target=killer, args=(home, state, done, rng))
    kt.start()
    start = time.time()
    threads = [threading.Thread(target=injector, args=(k,)) for k in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    injected = time.time() - start
    done.set()
    kt.join()

    failed = {n: a for n, a in results.items() if a[-1][1] != 0}
    retried = {n: a for n, a in results.items() if len(a) > 1}
    kills = state["kills"]
    data = {
        "home": home, "user": user, "total": total, "uid": os.getuid(),
        "results": {str(n): a for n, a in sorted(results.items())},
        "kills": kills, "unexpected_exits": state["unexpected_exits"],
        "injection_seconds": injected,
    }
    with open(os.path.join(out, "run.json"), "w") as f:
        json.dump(data, f)

    print("queued %d messages with %d injectors in %.1f s; %d temporary failures retried"
          % (total - len(failed), jobs, injected, sum(len(a) - 1 for a in retried.values())))
    for n, a in sorted(retried.items()):
        print("  message %d: qmail-queue exits %s" % (n, " ".join(str(x[1]) for x in a)))
    print("%d kills of qmail-send (after %.0f-%.0f ms of running; %s)" % (
        len(kills), 1000 * min([k["after"] for k in kills] or [0]),
        1000 * max([k["after"] for k in kills] or [0]),
        ", ".join("%d %s" % (sum(1 for k in kills if k["mode"] == m), m) for m in sorted(set(MODES)))))
    print("  with entries waiting in queue/todo: %d (median %d entries)" % (
        sum(1 for k in kills if k["todo"]), median([k["todo"] for k in kills])))
    print("  with todo entries half preprocessed (info written or being delivered, todo not yet removed): %d" % (
        sum(1 for k in kills if k["half"])))
    print("  with deliveries in flight: %d (median %d)" % (
        sum(1 for k in kills if k["inflight"]), median([k["inflight"] for k in kills])))
    print("  with messages in queue/local: %d" % sum(1 for k in kills if k["local"]))
    if state["unexpected_exits"]:
        print("qmail-send processes that exited without being killed: %s"
              % " ".join(map(str, state["unexpected_exits"])))
    if failed:
        for n, a in sorted(failed.items()):
            print("message %d was not queued: qmail-queue exits %s"
                  % (n, " ".join(str(x[1]) for x in a)))
        return 1
    return 0


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


# ------------------------------------------------------------------- check


def load_run(out):
    with open(os.path.join(out, "run.json")) as f:
        return json.load(f)


def maildirs(home):
    top = os.path.join(home, "mail")
    for name in sorted(os.listdir(top)):
        md = os.path.join(top, name, "Maildir")
        if os.path.isdir(md):
            yield name, md


RECEIVED = re.compile(rb"Received: \(qmail (\d+) invoked ([^)]*)\); [^\n]*\n")


def invoked(home, uid):
    """What qmail-queue's Received line says of the injector's uid: the first
    of the instance's alias, qmaild and qmails accounts (lines 1, 2 and 8 of
    DIR/.build/users) that has it, else "by uid N"."""
    try:
        with open(os.path.join(home, ".build", "users")) as f:
            users = f.read().split("\n")
    except OSError:
        users = []
    for line, words in ((0, "by alias"), (1, "from network"), (7, "for bounce")):
        try:
            if pwd.getpwnam(users[line]).pw_uid == uid:
                return words
        except (IndexError, KeyError):
            pass
    return "by uid %d" % uid


def examine(raw, run, mailbox_addr):
    """Problems with one delivered file; returns (marker, list of problems)."""
    problems = []
    m = re.search(rb"^X-Test-Id: (\d+)$", raw, re.M)
    if not m:
        return None, ["no X-Test-Id header"]
    n = int(m.group(1))
    user = run["user"]
    if not 0 <= n < run["total"]:
        return n, ["unknown marker %d" % n]
    rp = b"Return-Path: <%s>\n" % sender(n).encode()
    dt = b"Delivered-To: %s\n" % mailbox_addr.encode()
    if not raw.startswith(rp):
        problems.append("does not start with %r" % rp)
    rest = raw[len(rp):] if raw.startswith(rp) else raw
    if not rest.startswith(dt):
        problems.append("second line is not %r: %r" % (dt, rest.split(b"\n", 1)[0]))
    else:
        rest = rest[len(dt):]
        rm = RECEIVED.match(rest)
        if not rm:
            problems.append("no Received line of qmail-queue after Delivered-To")
        else:
            pids = [a[0] for a in run["results"].get(str(n), [])]
            if int(rm.group(1)) not in pids:
                problems.append("Received line names qmail-queue pid %s, not one that queued it (%s)"
                                % (rm.group(1).decode(), pids))
            if rm.group(2).decode() != run["invoked"]:
                problems.append("Received line says 'invoked %s', expected 'invoked %s'"
                                % (rm.group(2).decode(), run["invoked"]))
            body = rest[rm.end():]
            want = message(n, user)
            if body != want:
                if want.startswith(body):
                    problems.append("truncated: %d of %d bytes" % (len(body), len(want)))
                else:
                    problems.append("the message differs from what was queued (%d bytes, expected %d)"
                                    % (len(body), len(want)))
    if mailbox_addr not in recipients(n, user):
        problems.append("message %d was not addressed to %s" % (n, mailbox_addr))
    return n, problems


def cmd_check(home, out):
    run = load_run(out)
    run["invoked"] = invoked(home, run["uid"])
    user = run["user"]
    total = run["total"]
    count = {}
    bad = []
    tmpfiles = []
    files = 0
    for name, md in maildirs(home):
        addr = name + "@localhost"
        box = mailbox.Maildir(md, factory=None, create=False)
        for key in box.keys():
            files += 1
            raw = box.get_bytes(key)
            # the mailbox module is the independent reader; the header parser
            # must agree with our own look at the marker
            msg = box.get_message(key)
            n, problems = examine(raw, run, addr)
            if n is not None and msg.get("X-Test-Id") != str(n):
                problems.append("mailbox module reads X-Test-Id %r" % msg.get("X-Test-Id"))
            if problems:
                bad.append({"maildir": md, "key": key, "marker": n, "problems": problems})
            if n is not None:
                count[(n, addr)] = count.get((n, addr), 0) + 1
        for f in os.listdir(os.path.join(md, "tmp")):
            tmpfiles.append(os.path.join(md, "tmp", f))
    expected = [(n, r) for n in range(total) for r in recipients(n, user)]
    missing = [(n, r) for n, r in expected if count.get((n, r), 0) == 0]
    dups = {"%d %s" % k: c for k, c in count.items() if c > 1}
    extra = sum(c - 1 for c in dups.values())
    complete = sum(1 for n in range(total) if all(count.get((n, r), 0) for r in recipients(n, user)))
    result = {
        "files": files, "expected": len(expected), "missing": missing, "bad": bad,
        "tmp": tmpfiles, "duplicates": dups, "extra_copies": extra, "complete": complete,
    }
    with open(os.path.join(out, "check.json"), "w") as f:
        json.dump(result, f)
    print("%d files in the Maildirs for %d deliveries of %d messages" % (files, len(expected), total))
    print("messages with every recipient delivered: %d of %d" % (complete, total))
    print("duplicate copies: %d (%d recipient deliveries made more than once)" % (extra, len(dups)))
    ok = True
    if missing:
        ok = False
        print("LOST: %d deliveries never made: %s" % (
            len(missing), " ".join("%d:%s" % (n, r.split("@")[0]) for n, r in missing[:50])))
    for b in bad[:20]:
        ok = False
        print("BAD FILE %s/%s (marker %s): %s" % (b["maildir"], b["key"], b["marker"], "; ".join(b["problems"])))
    if len(bad) > 20:
        print("... and %d more bad files" % (len(bad) - 20))
    if tmpfiles:
        ok = False
        print("files left in Maildir tmp/: %s" % " ".join(tmpfiles))
    return 0 if ok else 1


def cmd_pending(home, out):
    run = load_run(out)
    user = run["user"]
    have = set()
    for name, md in maildirs(home):
        addr = name + "@localhost"
        for sub in ("new", "cur"):
            d = os.path.join(md, sub)
            for f in os.listdir(d):
                try:
                    with open(os.path.join(d, f), "rb") as fh:
                        raw = fh.read()
                except OSError:
                    continue
                m = re.search(rb"^X-Test-Id: (\d+)$", raw, re.M)
                if m:
                    have.add((int(m.group(1)), addr))
    for n in range(run["total"]):
        for r in recipients(n, user):
            if (n, r) not in have:
                return 1
    return 0


# --------------------------------------------------------------------- log


TAI_EPOCH = 4611686018427387914  # 2^62 + 10: the TAI64 label of 1970


def log_lines(home):
    """(unix time, text) of every line of qmail-send's log, oldest first:
    the files multilog rotated out, then current."""
    d = os.path.join(home, "log", "qmail-send")
    names = sorted(f for f in os.listdir(d) if f.startswith("@") and f.endswith((".s", ".u")))
    data = b""
    for name in names + ["current"]:
        with open(os.path.join(d, name), "rb") as f:
            data += f.read()
    for line in data.decode("latin-1").splitlines():
        t = None
        if line.startswith("@") and len(line) > 25:
            t = int(line[1:17], 16) - TAI_EPOCH + int(line[17:25], 16) / 1e9
            line = line[26:]
        yield t, line


# What the helpers of a killed qmail-send say when they find it gone.
EXPECTED = (r"(qmail-lspawn: fatal: unable to write to qmail-send: Broken pipe"
            r"|qmail-rspawn: fatal: unable to write to qmail-send: Broken pipe"
            r"|qmail-clean: fatal: unable to write answers: Broken pipe)$")


LINE_START = re.compile(r"(status: |info msg |new msg |end msg |starting delivery |delivery \d+: )")


def cmd_log(home, out):
    run = load_run(out)
    kill_times = sorted(k["time"] for k in run["kills"])
    alerts, warnings, others, expected = {}, {}, {}, {}
    started = {}        # delivery number -> (time, msg id) in the current process
    interrupted = 0
    preprocessed = {}   # msg id -> preprocessing seen since its last "end msg"
    again = 0
    ki = 0
    torn = 0
    for t, line in log_lines(home):
        # a kill between the previous line and this one starts a new process
        if t is not None:
            while ki < len(kill_times) and kill_times[ki] < t:
                ki += 1
                interrupted += len(started)
                started = {}
        # the part of a line a killed qmail-send had flushed, followed by the
        # first line of the next one ("new msg status: ..."); multilog stamps
        # a line when it begins, so the kill need not show before it
        m = LINE_START.search(line, 1)
        if m and kill_times:
            head = line[:m.start()]
            starts = ("status: ", "info msg ", "new msg ", "end msg ", "starting delivery ", "delivery ")
            if any(x.startswith(head) or head.startswith(x) for x in starts):
                torn += 1
                line = line[m.start():]
        m = re.match(r"starting delivery (\d+): msg (\d+) ", line)
        if m:
            started[m.group(1)] = m.group(2)
            continue
        m = re.match(r"delivery (\d+): ", line)
        if m:
            started.pop(m.group(1), None)
            continue
        m = re.match(r"new msg (\d+)$", line)
        if m:
            if preprocessed.get(m.group(1)):
                again += 1
            preprocessed[m.group(1)] = True
            continue
        m = re.match(r"end msg (\d+)$", line)
        if m:
            preprocessed[m.group(1)] = False
            continue
        if "alert:" in line:
            alerts[line] = alerts.get(line, 0) + 1
        elif "warning:" in line:
            w = re.sub(r"\d+", "N", line)
            warnings[w] = warnings.get(w, 0) + 1
        elif re.match(EXPECTED, line):
            expected[line] = expected.get(line, 0) + 1
        elif not re.match(r"(status: |info msg )", line):
            o = re.sub(r"\d+", "N", line)
            others[o] = others.get(o, 0) + 1
    print("log: %d deliveries started by a qmail-send killed before their report" % interrupted)
    print("log: %d messages preprocessed again after a kill (a killed attempt's lines "
          "are mostly lost with qmail-send's log buffer, so this undercounts)" % again)
    print("log: %d lines a kill cut short, joined by the next process's first line" % torn)
    for l, c in sorted(alerts.items()):
        print("log alert (%dx): %s" % (c, l))
    for l, c in sorted(warnings.items()):
        print("log warning (%dx): %s" % (c, l))
    for l, c in sorted(expected.items()):
        print("log, expected after a kill (%dx): %s" % (c, l))
    for l, c in sorted(others.items()):
        print("log other (%dx): %s" % (c, l))
    with open(os.path.join(out, "log.json"), "w") as f:
        json.dump({"interrupted": interrupted, "again": again, "alerts": alerts,
                   "warnings": warnings, "others": others, "expected": expected}, f)
    return 0


def cmd_leftovers(home, out):
    run = load_run(out)
    with open(os.path.join(out, "check.json")) as f:
        check = json.load(f)
    missing = set(n for n, r in check["missing"])
    queue = os.path.join(home, "queue")
    ok = True
    s2 = 0
    for d in QUEUE_DIRS:
        for root, _, files in os.walk(os.path.join(queue, d)):
            for name in sorted(files):
                path = os.path.join(root, name)
                if d != "mess":
                    print("left in the queue: %s" % path)
                    ok = False
                    continue
                others = [x for x in ("todo/%s" % name, "intd/%s" % name,
                                      "info/%d/%s" % (int(name) % len(os.listdir(os.path.join(queue, "info"))), name))
                          if os.path.exists(os.path.join(queue, x))]
                with open(path, "rb") as f:
                    m = re.search(rb"^X-Test-Id: (\d+)$", f.read(), re.M)
                n = int(m.group(1)) if m else None
                if others or n is None or n in missing or not 0 <= n < run["total"]:
                    print("left in the queue: %s (message %s; with %s)" % (path, n, " ".join(others) or "nothing else"))
                    ok = False
                    continue
                s2 += 1
    print("mess files of delivered messages left behind (S2: a crash between removing "
          "info/ID and mess/ID): %d" % s2)
    return 0 if ok else 1


def cmd_evidence(home, out):
    run = load_run(out)
    with open(os.path.join(out, "check.json")) as f:
        check = json.load(f)
    lines = [l for _, l in log_lines(home)]
    for n, r in check["missing"][:10]:
        pids = [a[0] for a in run["results"].get(str(n), [])]
        print("--- message %d for %s: qmail-queue pid(s) %s" % (n, r, pids))
        ids = set()
        for l in lines:
            m = re.match(r"info msg (\d+): .* qp (\d+) ", l)
            if m and int(m.group(2)) in pids:
                ids.add(m.group(1))
        if not ids:
            print("    no 'info msg' line names qp %s" % pids)
        for i in sorted(ids):
            pat = re.compile(r"\b(msg|mess/|todo/|info/|local/)%s\b" % i)
            for l in lines:
                if pat.search(l):
                    print("    log: %s" % l)
            for d in QUEUE_DIRS:
                for root, _, fs in os.walk(os.path.join(home, "queue", d)):
                    if i in fs:
                        print("    queue file: %s" % os.path.join(root, i))
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 100
    cmd, home, out = argv[1], argv[2], argv[3]
    if cmd == "run":
        return cmd_run(home, out, int(argv[4]), int(argv[5]), float(argv[6]), argv[7])
    if cmd == "check":
        return cmd_check(home, out)
    if cmd == "pending":
        return cmd_pending(home, out)
    if cmd == "leftovers":
        return cmd_leftovers(home, out)
    if cmd == "log":
        return cmd_log(home, out)
    if cmd == "evidence":
        return cmd_evidence(home, out)
    print(__doc__)
    return 100


if __name__ == "__main__":
    sys.exit(main(sys.argv))
