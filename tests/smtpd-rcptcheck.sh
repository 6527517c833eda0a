#!/bin/sh
# Recipient validation at RCPT with users/rcpt.cdb from qmail-newrcpt: a
# recipient at a local or virtual domain that no delivery would accept gets
# 550 5.1.1; known accounts (postmaster, the invoking user), the alias
# account's .qmail-info and .qmail-list-default (list-anything), a
# wildcard account's .qmail-ext (pm-ext, while pm-other is unknown), and
# virtual-domain users (a prefix whose home has .qmail-default) get 250;
# a virtual domain whose prefix has no .qmail-default refuses its users.
# The accepted recipients are delivered. Skips until qmail-newrcpt exists.
# timeout: 180

. tests/lib.sh
. tests/lib_rewrite.sh
. tests/lib_smtpd.sh

[ -f qmail-newrcpt.c ] || skip "qmail-newrcpt is not in this tree yet"
smtpd_setup
need_programs qmail-newrcpt

postmaster_account "$I"
H=$I/mail/pmhome
VH=$I/mail/vhome
NH=$I/mail/nhome
make_home "$I" "$H" .qmail-ext ./Maildir/
make_home "$I" "$VH" .qmail-default ./Maildir/
make_home "$I" "$NH"
assign_add "$I" "+pm-:$ACCT:$H:-::" "+vuser-:$ACCT:$VH:-::" "+vnone-:$ACCT:$NH:-::"
set_control "$I" virtualdomains virt.example:vuser virt2.example:vnone
set_control "$I" rcpthosts localhost virt.example virt2.example
hup "$I"
A=$I/alias
owner=`stat -c %u:%g "$A"` || fail "no $A"
printf '&postmaster@localhost\n' > "$A/.qmail-info"
printf '&postmaster@localhost\n' > "$A/.qmail-list-default"
chmod 0644 "$A/.qmail-info" "$A/.qmail-list-default"
chown "$owner" "$A/.qmail-info" "$A/.qmail-list-default" || fail "chown in $A"
( cd "$I" && "$I/bin/qmail-newrcpt" ) || fail "qmail-newrcpt exited $?"
[ -f "$I/users/rcpt.cdb" ] || fail "qmail-newrcpt made no users/rcpt.cdb"
smtpd_start

smtp_ok "recipient validation" '<220' '>EHLO c\r\n' '<250' '>MAIL FROM:<a@example.com>\r\n' '<250 2.1.0' \
  '>RCPT TO:<nosuchuser@localhost>\r\n' '<550 5.1.1' \
  '>RCPT TO:<pm-other@localhost>\r\n' '<550 5.1.1' \
  '>RCPT TO:<someone@virt2.example>\r\n' '<550 5.1.1' \
  '>RCPT TO:<postmaster@localhost>\r\n' '<250 2.1.5' \
  ">RCPT TO:<$ME@LocalHost>\r\n" '<250 2.1.5' \
  '>RCPT TO:<info@localhost>\r\n' '<250 2.1.5' \
  '>RCPT TO:<list-anything@localhost>\r\n' '<250 2.1.5' \
  '>RCPT TO:<pm-ext@localhost>\r\n' '<250 2.1.5' \
  '>RCPT TO:<joe@virt.example>\r\n' '<250 2.1.5' \
  '>DATA\r\n' '<354' '>Subject: validated\r\n\r\nx\r\n.\r\n' '<250 2.0.0' '>QUIT\r\n' '<221'
settle
find_subject "$UM" validated
find_subject "$H/Maildir" validated
find_subject "$VH/Maildir" validated
assert_eq 3 "`count_subject "$PM" validated`" "copies for postmaster (direct, info, list-anything)"
log_lines "$I" | grep -q '^bounce msg' && { show_log "$I"; fail "a bounce was sent"; }
pass
