#!/usr/bin/python3
"""tests/aiosmtpd_sink.py: a real SMTP server (aiosmtpd, not written here)
that stores every message it accepts, the remote MX of the end-to-end tests.

  aiosmtpd_sink.py [-H HOST] [-p PORT] [-t SECONDS] [-s BYTES] DIR

Listens on HOST (default 127.0.0.1; ::1 for IPv6) and PORT (default: any
free one) with SMTPUTF8 enabled (8BITMIME, PIPELINING and SIZE BYTES,
default 100 MB, are always offered), prints the port on a line of its own,
and serves until killed or SECONDS (default 300) have passed. The Nth
transaction's DATA content, as aiosmtpd hands it over (dot-stuffing undone,
CR LF line ends kept, the final dot line removed), goes to DIR/N.data and
its envelope to DIR/N.env, written after the data and renamed into place
(so N.env exists only when the transaction is complete):
    helo NAME
    from ADDRESS            (UTF-8)
    mailopt OPTION          one line per MAIL parameter (SIZE=..., BODY=...)
    rcpt ADDRESS            one line per accepted RCPT, in order
    peer IP
Every transaction is answered "250 2.0.0 stored N".
"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.directory, str(self.n))
        with open(base + ".data", "wb") as f:
            f.write(envelope.original_content)
        lines = ["helo %s" % session.host_name, "from %s" % envelope.mail_from]
        lines += ["mailopt %s" % o for o in envelope.mail_options]
        lines += ["rcpt %s" % r for r in envelope.rcpt_tos]
        lines.append("peer %s" % session.peer[0])
        with open(base + ".env.tmp", "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(base + ".env.tmp", base + ".env")
        return "250 2.0.0 stored %d" % self.n


async def serve(host, port, limit, size, directory):
    loop = asyncio.get_running_loop()
    sink = Sink(directory)
    server = await loop.create_server(
        lambda: SMTP(sink, enable_SMTPUTF8=True, data_size_limit=size, hostname="sink.example", loop=loop),
        host=host, port=port, reuse_address=True)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(limit)
    server.close()


def main():
    args = sys.argv[1:]
    host, port, limit, size, directory = "127.0.0.1", 0, 300.0, 100 * 1024 * 1024, None
    while args:
        a = args.pop(0)
        if a == "-H":
            host = args.pop(0)
        elif a == "-p":
            port = int(args.pop(0))
        elif a == "-t":
            limit = float(args.pop(0))
        elif a == "-s":
            size = int(args.pop(0))
        else:
            directory = a
    if directory is None:
        print(__doc__, file=sys.stderr)
        sys.exit(100)
    asyncio.run(serve(host, port, limit, size, directory))


if __name__ == "__main__":
    main()
