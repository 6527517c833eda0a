#!/bin/sh
# The open-relay battery of security-tests 4(a) (A3, A12, A15, A16, A17)
# against qmail-smtpd for a client without RELAYCLIENT, rcpthosts holding
# localhost and virt.example (a virtual domain): the percent hack, bang
# paths, source routes, quoted and escaped @, IP literals, ""@host,
# trailing dots, case, NUL and more, each from the senders <> and
# <postmaster@localhost>. A recipient whose domain, once parsed as
# reference 3.10 says, is not ours must get 553 5.7.1; the others may be
# accepted or refused. Judged by the queue, not the replies: once every
# accepted message has been delivered or bounced, nothing may have been
# queued for remote delivery and qmail-send's log must show no remote
# delivery. The check itself is shown to work: with RELAYCLIENT set,
# u@remote.example is accepted and lands in queue/remote.
# timeout: 240

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

smtpd_setup
set_control "$I" rcpthosts localhost virt.example
set_control "$I" virtualdomains virt.example:vuser
hup "$I"
smtpd_start

# CLASS<TAB>RCPT argument: "553" = must be refused with 553 5.7.1, "5xx"
# = must be refused with some 5xx, "any" = may be accepted (it must then
# end in local delivery or a bounce)
cat > "$T/tricks" <<'EOF'
553	<u@remote.example>
553	u@remote.example
553	<@localhost:u@remote.example>
553	<@[127.0.0.1]:u@remote.example>
553	<@relay.example,@x.example:u@remote.example>
553	<u@remote.example.>
553	<u@REMOTE.example>
553	<u@localhost.remote.example>
553	<""@remote.example>
553	<"u@localhost"@remote.example>
553	<u@localhost@remote.example>
5xx	<u@remote.example> x@localhost
553	<u@remote.example >
553	<u@remote.example%virt.example>
553	<u@[10.9.9.9]>
553	<u@[IPv6:2001:db8::1]>
any	<u@localhost.>
553	<u@.localhost>
any	<u%remote.example@localhost>
any	<u%remote.example%localhost@localhost>
any	<u%remote.example@[127.0.0.1]>
any	<u%remote.example@virt.example>
any	<u!remote.example@virt.example>
any	<"u@remote.example">
any	<"u%remote.example">
any	<"u@remote.example"@localhost>
any	<u\@remote.example@localhost>
any	<u@remote.example@localhost>
any	<u@remote.example@[127.0.0.1]>
any	<remote.example!u>
any	<remote.example!u@localhost>
any	<remote.example!u@[127.0.0.1]>
any	<postmaster@[127.0.0.1]>
any	<postmaster@localhost>\0<v@remote.example>
any	<postmaster@localhost\0@remote.example>
any	<u@remote.example\0@localhost>
any	<@>
any	<u@>
any	<@localhost>
any	<u@@localhost>
any	<u@[300.1.1.1]>
any	<u@[1.2.3]>
any	<u@[IPv6:::1]>
EOF
n=0
: > "$T/input"
while IFS='	' read -r class rcpt; do
  for sender in '<>' '<postmaster@localhost>'; do
    n=$((n + 1))
    printf '%s\t%s\t%s\n' "$n" "$sender" "$rcpt" >> "$T/input"
    printf '%s\t%s\n' "$n" "$class" >> "$T/classes"
  done
done < "$T/tricks"
"$PYTHON" tests/smtpd_tries.py "$SMTP_PORT" < "$T/input" > "$T/results" ||
  { cat "$T/results"; fail "a session broke"; }
echo "tag	MAIL	RCPT	DATA	(sender, recipient)"
paste "$T/results" "$T/input" | awk -F '\t' '{ print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $6 " " $7 }'
assert_eq "$n" "`wc -l < "$T/results" | tr -d ' '`" "tries"

bad=
accepted=0
while IFS='	' read -r tag mailr rcptr datar; do
  class=`awk -F '\t' -v t="$tag" '$1 == t { print $2 }' "$T/classes"`
  rcpt=`awk -F '\t' -v t="$tag" '$1 == t { print $3 }' "$T/input"`
  case $mailr in 250\ 2.1.0*) ;; *) bad="$bad
try $tag: MAIL got '$mailr'" ;; esac
  case $class in
    553) case $rcptr in 553\ 5.7.1*) ;; *) bad="$bad
try $tag: RCPT TO:$rcpt expected 553 5.7.1, got '$rcptr'" ;; esac ;;
    5xx) case $rcptr in 5[0-9][0-9]\ 5.*) ;; *) bad="$bad
try $tag: RCPT TO:$rcpt expected a 5xx, got '$rcptr'" ;; esac ;;
  esac
  case $rcptr in
    2*)
      case $datar in
        250\ *) accepted=$((accepted + 1)) ;;
        *) bad="$bad
try $tag: RCPT TO:$rcpt accepted, but DATA got '$datar'" ;;
      esac
      ;;
  esac
done < "$T/results"
echo "$accepted tries accepted (delivered locally or bounced, never relayed)"

# every accepted message is delivered or bounced (to postmaster, locally)
settle
no_relay "the relay battery"
[ -z "$bad" ] || fail "replies not as expected:$bad"

# the judge works: a relay client's remote recipient is queued for remote delivery
smtpd_stop
smtpd_start -r ''
smtp_ok "RELAYCLIENT: a remote recipient" \
  '<220' '>HELO c\r\n' '<250' '>MAIL FROM:<postmaster@localhost>\r\n' '<250 2.1.0' \
  '>RCPT TO:<u@remote.example>\r\n' '<250 2.1.5' '>DATA\r\n' '<354' \
  '>Subject: relayed\r\n\r\nok\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
wait_for 20 sh -c "test -n \"\`find '$I/queue/remote' -type f\`\"" || fail "the relayed message was not queued for remote delivery"
assert_eq u@remote.example "`remote_recipients`" "remote recipients of the relay client's message"
pass
