#!/bin/sh
# bench/smtp-to-maildir.sh [-r ROUNDS] [-n N] [-s SESSIONS] [-k K] [-P] [-l SAMPLES] [-c CENSUS_N] [TREE...]
#
# Mail by SMTP into a Maildir: qmail-smtpd under tcpserver on a free port
# of 127.0.0.1, qmail-queue, qmail-send, qmail-lspawn, qmail-local, in a
# private instance of each TREE (a source tree or a git revision, as for
# queue-to-maildir.sh; default the current directory). Run from the top of
# the source tree. The load is bench/smtp-load: SESSIONS connections open
# at once (default 10), K messages of 4 KB per connection (default 1, as
# Postfix's `smtp-source -s 10` sends them), pipelined with -P; N messages
# per timed pass (default 1000), ROUNDS rounds alternating between the
# trees (default 5), SAMPLES single messages for the latency (default 20),
# CENSUS_N messages under strace (default 200; 0: none).
# Prints per round and as medians:
#   msg/s end to end   from the first connection until the last file is in
#                      Maildir/new (inotify, bench/maildir-clock.c)
#   msg/s accepted     until smtp-load has the last "250" after a DATA
#   latency            one message alone on its own connection, from the
#                      start of smtp-load until its file is in Maildir/new
#   CPU                user+sys ms per message of the whole instance
#                      (svscan, supervise, multilog, tcpserver, qmail-smtpd,
#                      qmail-queue, qmail-send, qmail-lspawn, qmail-local,
#                      ...) from a cgroup; the client apart
#   census             fsync calls, forks and execs per message, by program
# This is bench/queue-to-maildir.sh -i smtp; see it for the method.
# It measures; it never passes or fails. Needs gcc, daemontools, ucspi-tcp
# (tcpserver), and strace for the census.

usage() {
  sed -n 2p "$0" | sed 's/^# //' >&2
  exit 100
}

args=
while getopts r:n:s:k:Pl:c: o; do
  case $o in
    s) args="$args -j $OPTARG" ;;
    P) args="$args -P" ;;
    r | n | k | l | c) args="$args -$o $OPTARG" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ -f bench/queue-to-maildir.sh ] || { echo "run from the top of the source tree"; exit 100; }
command -v tcpserver >/dev/null 2>&1 || { echo "no tcpserver: install ucspi-tcp"; exit 111; }
exec sh bench/queue-to-maildir.sh -i smtp $args "$@"
