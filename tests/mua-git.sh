#!/bin/sh
# git send-email sends a series of two patches made by git format-patch
# through a running instance: --smtp-server names the instance's
# bin/sendmail (an absolute path: git runs it as a sendmail, not SMTP).
# git passes -f <envelope sender> -i and the recipients (no --). Each
# recipient (To and Cc) gets both patches: Return-Path is the envelope
# sender; the header holds git's Subject "[PATCH n/2] ...", From, To, Cc,
# its one Message-Id (the one git printed) and, for the second, the
# In-Reply-To and References of git's threading; the body is the patch
# file's, byte for byte (a lone dot and a "From " line in the commit
# message, UTF-8 and a binary patch in the diff). Finally git am applies
# the delivered messages to the base commit and gives the same tree.
. tests/lib.sh
. tests/lib_mua.sh
need_programs sendmail qmail-inject qmail-queue qmail-send qmail-lspawn qmail-local qmail-clean qmail-start qmail-newu
need_cmd svscan svc svstat multilog git
[ -x "`git --exec-path`/git-send-email" ] || skip "git send-email is not installed (Debian package git-email)"
perl -MMail::Address -e 1 2> /dev/null || skip "git send-email needs Mail::Address (Debian package libmailtools-perl)"

mua_instance
mua_sendmail
GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_NOSYSTEM
unset GIT_DIR GIT_WORK_TREE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

R=$T/repo
mkdir "$R" && cd "$R" || fail "mkdir $R"
{
  git init -q &&
    git config user.name 'Pat Coder' &&
    git config user.email pat@example.org &&
    printf 'line\n' > f && git add f && git commit -q -m base &&
    printf '.\n..two dots\nFrom here\n-- \ncaf\303\251\n' >> f &&
    git commit -q -a -m 'f: dots and a signature line' -m 'The message has a lone dot:
.
From the start of a line, too.' &&
    printf 'bin\0ary\377\n' > b.bin && git add b.bin &&
    git commit -q -m 'b.bin: a binary file' &&
    git format-patch -q -2 -o "$T/patches"
} > "$T/git.out" 2>&1 || { cat "$T/git.out"; fail "unable to make the patches"; }
set -- "$T"/patches/*.patch
[ $# = 2 ] || fail "git format-patch made $# patches"
P1=$1 P2=$2

git send-email --smtp-server="$SENDMAIL" --to="$ME@$D" --cc="postmaster@$D" \
  --from='Pat Coder <pat@example.org>' --envelope-sender=env@example.org \
  --confirm=never --suppress-cc=all --8bit-encoding=UTF-8 --no-validate \
  "$P1" "$P2" < /dev/null > "$T/send.out" 2>&1 || { cat "$T/send.out"; fail "git send-email exited $?"; }
# one line for each patch in $T/argv
echo "argv: `cat "$T/argv"`"
for a in -f env@example.org -i "$ME@$D" "postmaster@$D"; do printf '[%s]' "$a"; done > "$T/want_argv"
echo >> "$T/want_argv"
cat "$T/want_argv" "$T/want_argv" > "$T/want_argv2"
cmp -s "$T/want_argv2" "$T/argv" || fail "sendmail's arguments: expected `cat "$T/want_argv"` twice"
sed -n 's/^Message-Id: //p' "$T/send.out" > "$T/ids"
assert_eq 2 "`wc -l < "$T/ids" | tr -d ' '`" "Message-Ids git printed"
ID1=`sed -n 1p "$T/ids"` ID2=`sed -n 2p "$T/ids"`
cd "$TOP" || fail "cd $TOP"

for who in "$ME:$MINE" "postmaster:$PM"; do
  name=${who%%:*} md=${who#*:}
  wait_for 30 maildir_has "$md" 2 || fail "$name: not both patches delivered"
  assert_eq 2 "`maildir_count "$md"`" "$name: messages"
  mkdir -p "$T/got.$name"
  for f in `find "$md/new" "$md/cur" -type f`; do
    split_message "$f"
    case `grep '^Subject: ' "$T/head"` in
      'Subject: [PATCH 1/2] f: dots and a signature line') n=1 ;;
      'Subject: [PATCH 2/2] b.bin: a binary file') n=2 ;;
      *) cat "$T/head"; fail "$name: no Subject of the series" ;;
    esac
    [ -f "$T/got.$name/$n" ] && fail "$name: patch $n twice"
    mv "$f" "$T/got.$name/$n" || fail "mv $f"
  done
  for n in 1 2; do
    f=$T/got.$name/$n
    split_message "$f"
    expect_envelope "$name, patch $n" env@example.org "$name@$D"
    eval "p=\$P$n"
    sed '1,/^$/d' "$p" > "$T/want.body"
    cmp -s "$T/want.body" "$T/body" || { diff "$T/want.body" "$T/body"; fail "$name, patch $n: the body is not the patch's"; }
    "$PYTHON" - "$f" "$n" "$ID1" "$ID2" "$ME@$D" "postmaster@$D" <<'EOF' || fail "$name, patch $n: the header as Python's email module reads it"
import sys, email, email.policy
f, n, id1, id2, to, cc = sys.argv[1:]
with open(f, 'rb') as fh:
    m = email.message_from_binary_file(fh, policy=email.policy.default)
def check(what, want, got):
    if want != got:
        sys.exit('%s: expected %r, got %r' % (what, want, got))
for field in ('Message-ID', 'Date', 'From', 'To', 'Cc', 'Subject'):
    check('number of %s fields' % field, 1, len(m.get_all(field, [])))
check('From', 'Pat Coder <pat@example.org>', str(m['From']))
check('To', to, str(m['To']))
check('Cc', cc, str(m['Cc']))
check('X-Mailer', 'git-send-email', str(m['X-Mailer']).split(' ')[0])
check('Message-ID (git\'s)', id1 if n == '1' else id2, str(m['Message-ID']))
if n == '2':
    check('In-Reply-To', id1, str(m['In-Reply-To']))
    check('References', id1, str(m['References']))
else:
    check('In-Reply-To', None, m['In-Reply-To'])
check('Content-Transfer-Encoding', '8bit', str(m['Content-Transfer-Encoding']))
EOF
  done
done

# the delivered messages apply to the base commit and give the same tree
git clone -q "$R" "$T/clone" > "$T/git.out" 2>&1 || { cat "$T/git.out"; fail "git clone"; }
cd "$T/clone" || fail "cd $T/clone"
{
  git config user.name 'Am Applier' &&
    git config user.email am@example.org &&
    git reset -q --hard HEAD~2 &&
    git am -q "$T/got.$ME/1" "$T/got.$ME/2"
} > "$T/git.out" 2>&1 || { cat "$T/git.out"; fail "git am of the delivered patches"; }
assert_eq "`git -C "$R" rev-parse HEAD^{tree}`" "`git rev-parse HEAD^{tree}`" "the tree after git am"
assert_eq "`git -C "$R" log -2 --format='%an <%ae>%n%B'`" "`git log -2 --format='%an <%ae>%n%B'`" "the commit messages after git am"
cd "$TOP" || fail "cd $TOP"

assert_eq 0 "`maildir_count "$MINE"`" "stray messages for $ME"
assert_eq 0 "`maildir_count "$PM"`" "stray messages for postmaster"
pass
