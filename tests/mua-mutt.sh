#!/bin/sh
# mutt in batch mode sends through a running instance: its $sendmail is the
# instance's bin/sendmail with mutt's own default options (-oem -oi).
#
# 1. With use_envelope_from, use_8bitmime, DSN (dsn_notify, dsn_return), a
#    Bcc and a binary attachment: mutt passes -oem -oi -B8BITMIME -f -N -R
#    -- and both recipients. Each Maildir gets the message mutt wrote into
#    its Fcc copy (record) byte for byte, minus the Bcc field, under
#    Return-Path (the -f sender), Delivered-To and our Received line; no
#    second Date or Message-ID, no address rewritten (a From name with a
#    comma and UTF-8, RFC 2047-encoded, a quoted name with an @, an empty group), the
#    folding of a long UTF-8 Subject and of a long field kept. Python's
#    email module then finds From, To, Subject, mutt's Message-ID,
#    multipart/mixed with the text (dots, a "From " line, UTF-8) and the
#    attachment's exact bytes.
# 2. Without -f: the envelope sender is the user qmail-inject finds
#    (QMAILUSER@QMAILHOST), a Cc recipient gets it too.
. tests/lib.sh
. tests/lib_mua.sh
need_programs sendmail qmail-inject qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog mutt
need_python_module email

mua_instance
mua_sendmail

mkdir -p "$T/sent/cur" "$T/sent/new" "$T/sent/tmp" || fail "mkdir $T/sent"
# muttrc SENDMAIL-OPTIONS EXTRA-LINES: the rcfile, no system one (-n)
muttrc() {
  cat > "$T/muttrc" <<EOF
set sendmail="$SENDMAIL -oem -oi"
set use_from=yes
set from='$FROM'
set hostname=$D
set charset=utf-8
set send_charset=utf-8
set tmpdir="$T"
set mbox_type=Maildir
set record="$T/sent"
set copy=yes
$1
EOF
}

FROM=`printf '"J\303\266hn D\303\266e, Jr." <sender@example.org>'`

# --- 1: DSN, envelope sender, Bcc, attachment ---------------------------------
muttrc 'set use_envelope_from=yes
set envelope_from_address="env@example.org"
set use_8bitmime=yes
set dsn_notify="failure,delay"
set dsn_return=hdrs
my_hdr X-Long: aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccc dddddddddddddddddddddd eeeeeeeeeeeeeeeeeeee ffffffffffffff'
SUBJECT=`printf 'mutt: \303\234n\303\257c\303\266d\303\251 report whose subject is long enough to be folded by mutt, twice or more'`
printf 'caf\303\251 line one\n.\n..two dots\nFrom inside the body\n\nlast line\n' > "$T/text"
"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 5 + b"\r\n.\nFrom x\n\0end")' > "$T/data.bin"
LC_ALL=C.UTF-8 mutt -n -F "$T/muttrc" -s "$SUBJECT" -b "postmaster@$D" -c 'list:;' \
  -a "$T/data.bin" -- "\"a@b, c\" <$ME@$D>" < "$T/text" > "$T/out" 2>&1 || { cat "$T/out"; fail "mutt exited $?"; }
expect_argv -oem -oi -B8BITMIME -f env@example.org -N failure,delay -R hdrs -- "$ME@$D" "postmaster@$D"

SENT=`find "$T/sent/new" "$T/sent/cur" -type f`
[ -n "$SENT" ] || fail "mutt wrote no Fcc copy"
split_message "$SENT"
grep -v '^Bcc: ' "$T/head" > "$T/fcc.head"
mv "$T/body" "$T/fcc.body"
grep -qx "Bcc: postmaster@$D" "$T/head" || { cat "$T/head"; fail "no Bcc field in the Fcc copy"; }
grep -q '^ ' "$T/head" || { cat "$T/head"; fail "no folded field in the Fcc copy"; }
grep -q '=?utf-8?' "$T/head" || { cat "$T/head"; fail "no encoded word in the Fcc copy"; }

for who in "$ME:$MINE" "postmaster:$PM"; do
  name=${who%%:*} md=${who#*:}
  one_message "$md"
  split_message "$MSG"
  expect_envelope "$name" env@example.org "$name@$D"
  sed 1,3d "$T/head" > "$T/got.head"
  cmp -s "$T/fcc.head" "$T/got.head" || { diff "$T/fcc.head" "$T/got.head"; fail "$name: the header is not mutt's"; }
  cmp -s "$T/fcc.body" "$T/body" || { diff "$T/fcc.body" "$T/body"; fail "$name: the body is not mutt's"; }
  "$PYTHON" - "$MSG" "$T/text" "$T/data.bin" "$ME@$D" "$SENT" "$SUBJECT" <<'EOF' || fail "$name: the message as Python's email module reads it"
import os, sys, email, email.policy
msg_file, text_file, data_file, to, sent_file, subject = sys.argv[1:]
subject = os.fsencode(subject).decode('utf-8')
def load(p):
    with open(p, 'rb') as f:
        return email.message_from_binary_file(f, policy=email.policy.default)
m = load(msg_file)
sent = load(sent_file)
def check(what, want, got):
    if want != got:
        sys.exit('%s: expected %r, got %r' % (what, want, got))
check('From', [('J\u00f6hn D\u00f6e, Jr.', 'sender@example.org')],
      [(a.display_name, a.addr_spec) for a in m['From'].addresses])
check('To', [('a@b, c', to)], [(a.display_name, a.addr_spec) for a in m['To'].addresses])
check('Cc', [('list', ())], [(g.display_name, g.addresses) for g in m['Cc'].groups])
check('Subject', subject, str(m['Subject']))
check('Bcc', None, m['Bcc'])
for field in ('Message-ID', 'Date', 'From', 'To', 'Subject', 'MIME-Version', 'Content-Type'):
    check('number of %s fields' % field, 1, len(m.get_all(field, [])))
check('Message-ID (mutt\'s)', str(sent['Message-ID']), str(m['Message-ID']))
if not str(m['Message-ID']).endswith('@mail.test>'):
    sys.exit('Message-ID %s is not mutt\'s' % m['Message-ID'])
check('Date (mutt\'s)', str(sent['Date']), str(m['Date']))
check('Content-Type', 'multipart/mixed', m.get_content_type())
parts = list(m.iter_parts())
check('number of parts', 2, len(parts))
check('part 1 type', 'text/plain', parts[0].get_content_type())
check('part 1 charset', 'utf-8', parts[0].get_content_charset())
check('part 1 text', open(text_file, 'rb').read(), parts[0].get_payload(decode=True))
check('part 2 type', 'application/octet-stream', parts[1].get_content_type())
check('part 2 disposition', 'attachment', parts[1].get_content_disposition())
check('part 2 file name', 'data.bin', parts[1].get_filename())
check('part 2 bytes', open(data_file, 'rb').read(), parts[1].get_payload(decode=True))
EOF
  rm -f "$MSG"
done

# --- 2: no -f, a Cc, ASCII only ----------------------------------------------
rm -f "$T"/sent/new/* "$T"/sent/cur/*
muttrc ''
printf 'plain text\n' > "$T/text"
mutt -n -F "$T/muttrc" -s 'second' -c "postmaster@$D" -- "$ME@$D" < "$T/text" \
  > "$T/out" 2>&1 || { cat "$T/out"; fail "mutt exited $?"; }
expect_argv -oem -oi -- "$ME@$D" "postmaster@$D"
for who in "$ME:$MINE" "postmaster:$PM"; do
  name=${who%%:*} md=${who#*:}
  one_message "$md"
  split_message "$MSG"
  expect_envelope "second, $name" "$ME@$D" "$name@$D"
  grep -qx "Cc: postmaster@$D" "$T/head" || { cat "$T/head"; fail "second, $name: no Cc field"; }
  grep -qx 'Subject: second' "$T/head" || { cat "$T/head"; fail "second, $name: no Subject"; }
  cmp -s "$T/text" "$T/body" || { od -c "$T/body"; fail "second, $name: the body"; }
  rm -f "$MSG"
done

assert_eq 0 "`maildir_count "$MINE"`" "stray messages for $ME"
assert_eq 0 "`maildir_count "$PM"`" "stray messages for postmaster"
pass
