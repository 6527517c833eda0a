# dns-resolve: the resolver (dns.c) and MX resolution (mx.c) against
# tests/fakedns.py on loopback, through tests/unit/mxq: preference order,
# random tie-breaking, implicit MX, NXDOMAIN, null MX, SERVFAIL, REFUSED,
# garbage and timeouts (soft, within the timeout), truncation (TCP retry),
# CNAME chains and loops, 1,000 MX records, hostile MX names, our own
# address as MX, IPv6 before IPv4 per host.
. tests/lib.sh
need_python_module dnslib
[ -x tests/unit/mxq ] || fail "tests/unit/mxq is not built (make unit)"

Z=$T/zone
{
  echo "pref.test MX 20 mx20.pref.test"
  echo "pref.test MX 10 mx10.pref.test"
  echo "pref.test MX 30 mx30.pref.test"
  echo "mx10.pref.test A 127.0.0.10"
  echo "mx20.pref.test A 127.0.0.20"
  echo "mx20.pref.test A 127.0.0.21"
  echo "mx30.pref.test A 127.0.0.30"
  echo "mx30.pref.test AAAA 2001:db8::30"
  echo "tie.test MX 10 t1.tie.test"
  echo "tie.test MX 10 t2.tie.test"
  echo "t1.tie.test A 127.0.1.1"
  echo "t2.tie.test A 127.0.1.2"
  echo "implicit.test A 127.0.2.1"
  echo "implicit.test AAAA 2001:db8::21"
  echo "nullmx.test MX 0 ."
  echo "sf.test servfail"
  echo "refused.test refused"
  echo "garbage.test garbage"
  echo "slow.test timeout"
  echo "big.test truncate"
  echo "big.test MX 10 mx.big.test"
  echo "mx.big.test A 127.0.3.1"
  echo "loop.test CNAME loop2.test"
  echo "loop2.test CNAME loop.test"
  echo "hostile.test MX 5 \`id\`.x"
  echo "hostile.test MX 5 ;touch /tmp/PWN"
  echo "hostile.test MX 6 1.2.3.4"
  echo "hostile.test MX 7 localhost"
  echo "hostile.test MX 7 mx.localhost"
  echo "hostile.test MX 8 good.hostile.test"
  echo "good.hostile.test A 127.0.4.1"
  echo "allhostile.test MX 5 \`id\`.x"
  echo "allhostile.test MX 6 localhost"
  echo "localhost A 127.0.0.2"
  echo "1.2.3.4 A 127.0.0.2"
  echo "self.test MX 10 me.self.test"
  echo "me.self.test A 127.0.0.1"
  echo "selfbackup.test MX 10 me.self.test"
  echo "selfbackup.test MX 5 mx.two.test"
  echo "two.test MX 10 mx.two.test"
  echo "mx.two.test A 127.0.0.2"
  echo "v6.test MX 10 mx.v6.test"
  echo "mx.v6.test A 127.0.0.6"
  echo "mx.v6.test AAAA 2001:db8::6"
  echo "noaddr.test MX 10 nothing.noaddr.test"
  echo "softmx.test MX 10 sf.test"
  echo "mixed.test MX 10 sf.test"
  echo "mixed.test MX 20 mx.two.test"
  echo "cname.test CNAME two.test"
  echo "mxcname.test MX 10 alias.mxcname.test"
  echo "alias.mxcname.test CNAME mx.two.test"
  i=1
  while [ $i -le 10 ]; do
    echo "deadmx.test MX $i d$i.deadmx.test"
    echo "d$i.deadmx.test timeout"
    i=$((i + 1))
  done
  i=1
  while [ $i -lt 20 ]; do
    echo "c$i.chain.test CNAME c$((i + 1)).chain.test"
    i=$((i + 1))
  done
  echo "c20.chain.test A 127.0.6.20"
  i=1
  while [ $i -le 1000 ]; do
    echo "many.test MX $i m$i.many.test"
    echo "m$i.many.test A 127.0.$((i / 200 + 10)).$((i % 200 + 1))"
    i=$((i + 1))
  done
} > "$Z"

"$PYTHON" tests/fakedns.py "$Z" "$T/port" > /dev/null 2> "$T/dnslog" &
track_pid $!
wait_for 20 test -s "$T/port" || fail "fakedns.py did not start: `cat "$T/dnslog"`"
QMAILDNS=127.0.0.1:`cat "$T/port"`
QMAILDNSTIMEOUT=1
export QMAILDNS QMAILDNSTIMEOUT

mxq() { "$TOP/tests/unit/mxq" "$@"; }
expect() { # expect DOMAIN EXPECTED [mxq options]
  e_d=$1 e_want=$2
  shift 2
  e_got=`mxq "$@" "$e_d"` || fail "mxq $e_d exited $?"
  [ "$e_got" = "$e_want" ] || fail "mxq $* $e_d: expected
$e_want
got
$e_got"
}
NL='
'

expect pref.test "OK${NL}10 127.0.0.10${NL}20 127.0.0.20${NL}20 127.0.0.21${NL}30 2001:db8::30${NL}30 127.0.0.30"
expect pref.test "OK${NL}10 127.0.0.10${NL}20 127.0.0.20${NL}20 127.0.0.21${NL}30 127.0.0.30" -4
expect pref.test "OK${NL}30 2001:db8::30" -6
expect v6.test "OK${NL}10 2001:db8::6${NL}10 127.0.0.6"
expect implicit.test "OK${NL}0 2001:db8::21${NL}0 127.0.2.1"
expect nx.test "NXDOMAIN"
expect nullmx.test "NULLMX"
expect noaddr.test "NOADDR"
expect two.test "OK${NL}10 127.0.0.2"
expect cname.test "OK${NL}10 127.0.0.2"
expect mxcname.test "OK${NL}10 127.0.0.2"
expect mixed.test "OK${NL}20 127.0.0.2"
# a soft failure names the server asked and what it did (and the name
# asked, when it is not the domain's own)
S="127.0.0.1 port `cat "$T/port"`"
expect sf.test "SOFT: $S answered SERVFAIL"
expect refused.test "SOFT: $S answered REFUSED"
expect garbage.test "SOFT: no usable answer from $S"
expect softmx.test "SOFT: looking up sf.test: $S answered SERVFAIL"
# two servers: each named with its own outcome; nobody on the second
dead=`free_port`
QMAILDNS="127.0.0.1:`cat "$T/port"`,127.0.0.1:$dead"
expect sf.test "SOFT: $S answered SERVFAIL; no answer from 127.0.0.1 port $dead (Connection refused)"
QMAILDNS=127.0.0.1:`cat "$T/port"`

# a timeout is soft, and comes within attempts x timeout (at most 5 x 1 s)
start=`date +%s`
expect slow.test "SOFT: no answer from $S"
took=$((`date +%s` - start))
[ $took -ge 1 ] && [ $took -le 6 ] || fail "the timeout took $took s"

# MX hosts whose lookups time out: after 3 of them no more are asked
start=`date +%s`
expect deadmx.test "SOFT: looking up d3.deadmx.test: no answer from $S" -4
took=$((`date +%s` - start))
[ $took -le 16 ] || fail "10 dead MX hosts took $took s"
[ "`grep '^udp A d[0-9]*.deadmx.test$' "$T/dnslog" | sort -u | wc -l`" -eq 3 ] ||
  fail "dead MX hosts asked: `grep '^udp A d[0-9]*.deadmx.test$' "$T/dnslog" | sort -u`"

# truncated over UDP, answered over TCP
expect big.test "OK${NL}10 127.0.3.1"
grep -q '^tcp MX big.test$' "$T/dnslog" || fail "no TCP retry for big.test"

# CNAMEs: 19 links (fakedns follows 8 per answer, the rest by asking again)
# are too many; a loop is bounded
expect c4.chain.test "OK${NL}0 127.0.6.20" -r
expect c1.chain.test "BAD: a CNAME chain that is too long, loops or leads to a name that is not a host name" -r
expect loop.test "BAD: a CNAME chain that is too long, loops or leads to a name that is not a host name"

# hostile MX targets are skipped and never asked for
expect hostile.test "OK${NL}8 127.0.4.1"
expect allhostile.test "NOADDR"
grep -Eq '(id|touch|localhost|1\.2\.3\.4)' "$T/dnslog" && fail "a hostile MX target was looked up: `grep -E '(id|touch|localhost)' "$T/dnslog"`"
expect 'a;b.test' "BAD: not a valid host name"

# our own addresses
expect self.test "SELF"
expect selfbackup.test "OK${NL}5 127.0.0.2"
expect '[127.0.0.1]' "SELF: the address literal is an address of this host"
expect '[127.0.0.2]' "OK${NL}0 127.0.0.2"
expect me.self.test "OK${NL}0 127.0.0.1" -r

# 1,000 MX records: the best 64, quickly
start=`date +%s`
mxq many.test > "$T/many" || fail "mxq many.test exited $?"
took=$((`date +%s` - start))
[ $took -le 10 ] || fail "1,000 MX records took $took s"
[ "`sed -n 1p "$T/many"`" = OK ] || fail "many.test: `sed -n 1p "$T/many"`"
[ "`wc -l < "$T/many"`" -eq 65 ] || fail "many.test: `wc -l < "$T/many"` lines"
[ "`sed -n 2p "$T/many"`" = "1 127.0.10.2" ] || fail "many.test first: `sed -n 2p "$T/many"`"
[ "`sed -n 65p "$T/many"`" = "64 127.0.10.65" ] || fail "many.test last: `sed -n 65p "$T/many"`"

# ties in random order: both orders within 50 runs
n=0 first1=0 first2=0
while [ $n -lt 50 ]; do
  case `mxq tie.test | sed -n 2p` in
    "10 127.0.1.1") first1=$((first1 + 1)) ;;
    "10 127.0.1.2") first2=$((first2 + 1)) ;;
    *) fail "tie.test: unexpected answer" ;;
  esac
  n=$((n + 1))
done
[ $first1 -gt 0 ] && [ $first2 -gt 0 ] || fail "ties not randomised: $first1 / $first2"

pass
