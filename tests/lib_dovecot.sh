# tests/lib_dovecot.sh: a private Dovecot IMAP server and the mail readers'
# side of the interoperability tests (dovecot-maildir, dovecot-mbox,
# dovecot-instance, mbox-lock). Source it after tests/lib.sh.
#
#   reader_setup            skip unless dovecot and setpriv are there; sets
#                           MAIL_USER MAIL_UID MAIL_GID: the account that
#                           owns the mail and that Dovecot reads it as (the
#                           invoking user; as root, nobody, since Dovecot
#                           refuses to read mail as uid 0)
#   as_mail CMD [ARG...]    run CMD as that account
#   mail_home DIR           DIR, mode 0755, owned by that account
#   local_deliver HOME SENDER DEFAULT MSG [OUT]
#                           qmail-local as that account, recipient
#                           reader@example.org, no .qmail file, MSG on fd 0;
#                           its exit code, its output in OUT (default
#                           $T/local.out)
#   reader_messages DIR     the test messages DIR/msg.1 .. msg.N and their
#                           envelope senders DIR/sender.1 ..; N in NMSG
#   expected_delivery HOME SENDER MSG > FILE
#                           what qmail-local writes for MSG before any mbox
#                           quoting: Return-Path, Delivered-To, MSG
#   dovecot_start DIR UID GID HOME LOCATION
#                           a Dovecot (dovecot -F) with its configuration,
#                           sockets, state and log in DIR, listening on
#                           127.0.0.1:DOVECOT_PORT for IMAP without TLS,
#                           one user "reader" (password "secret") with that
#                           uid, gid, home and mail_location; waits for its
#                           greeting; stopped when the test exits
#   dovecot_stop            stop it now (waits until it is gone)
#   dovecot_complaints      true (showing them) when its log has warnings or
#                           errors other than the expected ones (a login
#                           directory's mode corrected as root, the
#                           signal that stopped it)
#   readers ARG...          tests/mailreaders.py with $PYTHON
#
# Dovecot runs as root with its own accounts (dovecot, dovenull) for its
# internal and login processes, or, as an ordinary user, "rootless" with
# every process as that user (Dovecot's HowTo.Rootless). The mbox locks are
# set as Debian sets them: mbox_read_locks = fcntl, mbox_write_locks =
# fcntl dotlock.

READER_DOMAIN=example.org

reader_setup() {
  need_cmd dovecot setpriv "$PYTHON"
  need_programs qmail-local
  if [ "`id -u`" = 0 ]; then
    id -u nobody >/dev/null 2>&1 || skip "no account nobody to own the test mail (Dovecot refuses uid 0)"
    id -u dovecot >/dev/null 2>&1 && id -u dovenull >/dev/null 2>&1 ||
      skip "the accounts dovecot and dovenull are missing (package dovecot-core)"
    MAIL_USER=nobody
    MAIL_UID=`id -u nobody`
    MAIL_GID=`id -g nobody`
  else
    MAIL_USER=`id -un`
    MAIL_UID=`id -u`
    MAIL_GID=`id -g`
  fi
}

as_mail() {
  if [ "`id -u`" = 0 ]; then
    setpriv --reuid="$MAIL_UID" --regid="$MAIL_GID" --clear-groups -- "$@"
  else
    "$@"
  fi
}

mail_home() {
  mkdir -p "$1" && chmod 0755 "$1" || fail "unable to create $1"
  [ "`id -u`" = 0 ] && { chown "$MAIL_UID:$MAIL_GID" "$1" || fail "unable to chown $1"; }
  return 0
}

local_deliver() {
  as_mail "$TOP/qmail-local" -- "$MAIL_USER" "$1" reader '' '' "$READER_DOMAIN" "$2" "$3" \
    < "$4" > "${5:-$T/local.out}" 2>&1
}

expected_delivery() {
  if [ -z "$2" ]; then printf 'Return-Path: <>\n'; else printf 'Return-Path: <%s>\n' "$2"; fi
  printf 'Delivered-To: reader@%s\n' "$READER_DOMAIN"
  cat "$3"
}

reader_messages() {
  rm_dir=$1
  mkdir -p "$rm_dir" || fail "mkdir $rm_dir"
  # 1: 8-bit header and body, every kind of "From" line, a CRLF line, a
  #    line that would pass for a From_ line after an empty line, and a
  #    last line without LF
  {
    printf 'From: A <a@example.com>\n'
    printf 'To: reader@example.org\n'
    printf 'Subject: interop \303\251t\303\251\n'
    printf 'X-Eight-Bit: \200\377\376\n'
    printf '\n'
    printf 'From here a naive mbox reader would see a new message\n'
    printf '>From there\n'
    printf '>>From deeper\n'
    printf '\n'
    printf 'From MAILER-DAEMON Tue Dec 01 16:22:00 2026\n'
    printf 'From\n'
    printf 'Fromage\n'
    printf '>From\n'
    printf ' From indented\n'
    printf 'a line with CRLF\r\n'
    printf '8-bit: \344\366\374\337 \200\201\376\377\n'
    printf 'the last line has no newline'
  } > "$rm_dir/msg.1"
  printf 'a@example.com' > "$rm_dir/sender.1"
  # 2: long lines, one of them 8-bit, ending in a newline
  {
    printf 'Subject: long lines\n\n'
    head -c 12000 /dev/zero | tr '\0' L
    printf '\n'
    head -c 3000 /dev/zero | tr '\0' '\351'
    printf '\nFrom the end\n'
  } > "$rm_dir/msg.2"
  printf 'list-joe=x.com@example.org' > "$rm_dir/sender.2"
  # 3: a bounce: empty sender (From MAILER-DAEMON)
  {
    printf 'From: MAILER-DAEMON@example.org\n'
    printf 'Subject: failure notice\n\n'
    printf 'Hi. This is the qmail-send program.\n'
    printf '\n'
    printf '>From the original\n'
  } > "$rm_dir/msg.3"
  : > "$rm_dir/sender.3"
  # 4: the empty message
  : > "$rm_dir/msg.4"
  printf 'b@example.net' > "$rm_dir/sender.4"
  # 5: ends in empty lines (the mbox separator must not eat them)
  printf 'Subject: trailing empty lines\n\nbody\n\n\n' > "$rm_dir/msg.5"
  printf '#@[]' > "$rm_dir/sender.5"
  NMSG=5
}

dovecot_start() {
  ds_dir=$1 ds_uid=$2 ds_gid=$3 ds_home=$4 ds_loc=$5
  mkdir -p "$ds_dir/run" "$ds_dir/state" || fail "mkdir $ds_dir"
  DOVECOT_PORT=`free_port` || fail "no free port"
  if [ "`id -u`" = 0 ]; then
    ds_internal=dovecot ds_igroup=`id -gn dovecot` ds_login=dovenull
  else
    ds_internal=`id -un` ds_igroup=`id -gn` ds_login=`id -un`
  fi
  cat > "$ds_dir/dovecot.conf" <<EOF || fail "unable to write $ds_dir/dovecot.conf"
# written by tests/lib_dovecot.sh
protocols = imap
listen = 127.0.0.1
base_dir = $ds_dir/run
state_dir = $ds_dir/state
instance_name = qmt-dovecot-$$
log_path = $ds_dir/dovecot.log
info_log_path = $ds_dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = $ds_internal
default_internal_group = $ds_igroup
default_login_user = $ds_login
first_valid_uid = 1
mail_location = $ds_loc
mbox_read_locks = fcntl
mbox_write_locks = fcntl dotlock
passdb {
  driver = passwd-file
  args = scheme=PLAIN $ds_dir/passwd
}
userdb {
  driver = passwd-file
  args = $ds_dir/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
EOF
  echo "reader:{PLAIN}secret:$ds_uid:$ds_gid::$ds_home::" > "$ds_dir/passwd" ||
    fail "unable to write $ds_dir/passwd"
  DOVECOT_LOG=$ds_dir/dovecot.log
  TZ=UTC dovecot -F -c "$ds_dir/dovecot.conf" > "$ds_dir/dovecot.out" 2>&1 &
  DOVECOT_PID=$!
  track_pid $DOVECOT_PID
  wait_for 20 dovecot_ready || {
    cat "$ds_dir/dovecot.out" "$DOVECOT_LOG" 2>/dev/null | tail -n 20
    fail "Dovecot did not answer on 127.0.0.1:$DOVECOT_PORT"
  }
}

# dovecot_ready: true once the server greets on its port
dovecot_ready() {
  kill -0 "$DOVECOT_PID" 2>/dev/null || return 1
  "$PYTHON" - "$DOVECOT_PORT" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
sys.exit(0 if s.makefile("rb").readline().startswith(b"* OK ") else 1)
EOF
}

dovecot_stop() {
  kill -TERM "$DOVECOT_PID" 2>/dev/null
  wait "$DOVECOT_PID"
}

dovecot_complaints() {
  grep -E ' (Warning|Error|Panic|Fatal): ' "$DOVECOT_LOG" |
    grep -v -e 'Warning: Corrected permissions for login directory' -e 'master: Warning: Killed with signal 15'
}

readers() {
  "$PYTHON" "$TOP/tests/mailreaders.py" "$@"
}
