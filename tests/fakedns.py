#!/usr/bin/python3
"""fakedns.py ZONE PORTFILE: a DNS server on 127.0.0.1 for the tests.

Listens on one random port, UDP and TCP, writes the port to PORTFILE (when
both are ready) and prints it on stdout, then answers until killed. Each
query is logged on stderr as "udp|tcp TYPE NAME".

ZONE is a text file, one entry a line ('#' starts a comment line):
    NAME TYPE VALUE        TYPE A, AAAA, CNAME, TXT, or MX with VALUE
                           "PREF TARGET"; the value is the rest of the line
                           (so a hostile MX target may hold spaces)
    NAME BEHAVIOUR         one of:
      servfail   answer SERVFAIL
      refused    answer REFUSED
      nxdomain   answer NXDOMAIN (as for any name not in the zone)
      timeout    never answer
      truncate   answer UDP with TC and no records; the full answer over TCP
      garbage    answer with the right id and question and a record whose
                 rdlength runs past the end of the packet
Names are compared without case and without a final dot. A name in the
zone without records of the type asked gets an empty NOERROR answer
(NODATA). CNAMEs are answered as a real server does: the CNAME, then the
chain followed inside the zone for at most 8 links. A UDP answer over 512
bytes is sent truncated (TC, no records), as to a client without EDNS.
"""
import os
import socket
import struct
import sys
import threading

from dnslib import A, AAAA, CNAME, MX, QTYPE, RCODE, RR, TXT, DNSLabel, DNSRecord

BEHAVIOURS = ("servfail", "refused", "nxdomain", "timeout", "truncate", "garbage")


def key(name):
    return str(name).rstrip(".").lower()


def load(path):
    zone = {}  # name -> list of (TYPE, value)
    special = {}  # name -> behaviour
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 2)
            name = key(parts[0])
            if len(parts) == 2 and parts[1].lower() in BEHAVIOURS:
                special[name] = parts[1].lower()
                continue
            if len(parts) != 3:
                sys.exit("fakedns.py: bad zone line: %r" % line)
            zone.setdefault(name, []).append((parts[1].upper(), parts[2]))
    return zone, special


def rdata(rtype, value):
    if rtype == "A":
        return A(value)
    if rtype == "AAAA":
        return AAAA(value)
    if rtype == "CNAME":
        return CNAME(DNSLabel(value))
    if rtype == "TXT":
        return TXT(value)
    if rtype == "MX":
        pref, target = value.split(None, 1)
        return MX(DNSLabel(target) if target != "." else DNSLabel(""), int(pref))
    raise ValueError("unknown type " + rtype)


def answer(zone, special, request, proto):
    q = request.q
    name, qtype = key(q.qname), QTYPE[q.qtype]
    reply = request.reply()
    reply.header.ra = 1
    how = special.get(name)
    if how == "timeout":
        return None
    if how == "servfail":
        reply.header.rcode = RCODE.SERVFAIL
        return reply.pack()
    if how == "refused":
        reply.header.rcode = RCODE.REFUSED
        return reply.pack()
    if how == "nxdomain" or (name not in zone and how is None):
        reply.header.rcode = RCODE.NXDOMAIN
        return reply.pack()
    if how == "truncate" and proto == "udp":
        reply.header.tc = 1
        return reply.pack()
    if how == "garbage":
        reply.add_answer(RR(q.qname, QTYPE.A, rdata=A("192.0.2.1")))
        return bytes(reply.pack())[:-2]
    owner, links, seen = name, 0, set()
    while True:
        records = zone.get(owner, [])
        cnames = [v for t, v in records if t == "CNAME"]
        if cnames and qtype != "CNAME":
            reply.add_answer(RR(owner, QTYPE.CNAME, rdata=rdata("CNAME", cnames[0])))
            seen.add(owner)
            owner = key(cnames[0])
            links += 1
            if links >= 8 or owner in seen or special.get(owner):
                break
            continue
        for t, v in records:
            if t == qtype:
                reply.add_answer(RR(owner, getattr(QTYPE, t), rdata=rdata(t, v)))
        break
    data = reply.pack()
    if proto == "udp" and len(data) > 512:
        reply = request.reply()
        reply.header.tc = 1
        data = reply.pack()
    return data


def serve_udp(sock, zone, special):
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            request = DNSRecord.parse(data)
            sys.stderr.write("udp %s %s\n" % (QTYPE[request.q.qtype], key(request.q.qname)))
            sys.stderr.flush()
            out = answer(zone, special, request, "udp")
        except Exception as e:  # a test server: say why and go on
            sys.stderr.write("fakedns.py: %s\n" % e)
            continue
        if out is not None:
            sock.sendto(out, peer)


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve_tcp_conn(conn, zone, special):
    with conn:
        while True:
            head = read_exact(conn, 2)
            if head is None:
                return
            data = read_exact(conn, struct.unpack("!H", head)[0])
            if data is None:
                return
            request = DNSRecord.parse(data)
            sys.stderr.write("tcp %s %s\n" % (QTYPE[request.q.qtype], key(request.q.qname)))
            sys.stderr.flush()
            out = answer(zone, special, request, "tcp")
            if out is None:
                continue
            conn.sendall(struct.pack("!H", len(out)) + out)


def serve_tcp(sock, zone, special):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, zone, special), daemon=True).start()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fakedns.py ZONE PORTFILE")
    zone, special = load(sys.argv[1])
    for _ in range(100):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            udp.close()
            tcp.close()
    else:
        sys.exit("fakedns.py: no port free for both UDP and TCP")
    tcp.listen(16)
    threading.Thread(target=serve_udp, args=(udp, zone, special), daemon=True).start()
    threading.Thread(target=serve_tcp, args=(tcp, zone, special), daemon=True).start()
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    print(port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
