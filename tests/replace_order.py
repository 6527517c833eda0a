#!/usr/bin/env python3
"""replace_order.py TRACE TMP FINAL DIR: checks, in an strace log (-f -e
trace=openat,fsync,fdatasync,rename,renameat,renameat2,close), that a file
was replaced durably: fsync of TMP, then rename TMP -> FINAL, then fsync of
the directory DIR, and no other fsync. Paths as the program opened them
(relative to its working directory). Exit 0 when so; else prints the
events seen and exits 1."""
import re
import sys


def main(trace, tmp, final, directory):
    fds = {}
    events = []
    rename = re.compile(r'rename(at2?)?\(.*"%s".*"%s".*\)\s+=\s+0' % (re.escape(tmp), re.escape(final)))
    for line in open(trace):
        m = re.search(r'openat\(AT_FDCWD, "([^"]*)".*\)\s+=\s+(\d+)', line)
        if m:
            fds[m.group(2)] = m.group(1)
            continue
        m = re.search(r'f(?:data)?sync\((\d+)\)\s+=\s+0', line)
        if m:
            events.append("fsync " + fds.get(m.group(1), "?"))
            continue
        if rename.search(line):
            events.append("rename")
    want = ["fsync " + tmp, "rename", "fsync " + directory]
    if events != want:
        print("events:", events, "expected:", want)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(100)
    sys.exit(main(*sys.argv[1:]))
