#!/bin/sh
# make down with daemontools missing from PATH: it still stops svscan (so
# nothing restarts the services), names svc/svok, the package and every
# service it could not stop, and exits non-zero; the services are still
# supervised afterwards, and make down with the usual PATH stops them.
. tests/lib.sh
need_cmd svscan svok svstat svc multilog setuidgid make
need_programs qmail-queue qmail-send qmail-start qmail-lspawn qmail-local qmail-clean qmail-rspawn qmail-newu

I=$T/inst
instance_create "$I"
instance_start "$I"
pid=`cat "$I/svscan.pid"` || fail "no svscan.pid"

# A PATH with every command of this system but those of daemontools.
P=$T/path
mkdir "$P" || fail "mkdir $P"
for d in /usr/local/bin /usr/bin /bin; do
  for f in "$d"/*; do
    n=${f##*/}
    case $n in
      svscan | svscanboot | supervise | svc | svok | svstat | multilog | tai64n | tai64nlocal | \
      setuidgid | envuidgid | envdir | softlimit | setlock | fghack | pgrphack | readproctitle) continue ;;
    esac
    [ -x "$f" ] && [ ! -e "$P/$n" ] && ln -s "$f" "$P/$n"
  done
done
PATH=$P command -v svc >/dev/null 2>&1 && fail "svc is still in the test PATH"

PATH=$P make -s down UP_DIR="$I" > "$T/down.log" 2>&1 && { cat "$T/down.log"; fail "make down without daemontools exited 0"; }
cat "$T/down.log"
assert_grep "$T/down.log" "^down.sh: svc svok not found in PATH: install daemontools (apt-get install daemontools) or add it to PATH"
assert_grep "$T/down.log" "^down.sh: still running: $I/service/qmail-send (supervise [0-9]*)$"
assert_grep "$T/down.log" "^down.sh: still running: $I/service/qmail-send/log (supervise [0-9]*)$"
# What it could stop: svscan.
kill -0 "$pid" 2>/dev/null && fail "svscan $pid still runs"
[ -f "$I/svscan.pid" ] && fail "svscan.pid left behind"
# What it could not: the services.
for s in "$I/service/qmail-send" "$I/service/qmail-send/log"; do
  svok "$s" || fail "$s is not supervised any more"
done

make -s down UP_DIR="$I" > "$T/down2.log" 2>&1 || { cat "$T/down2.log"; fail "make down with daemontools failed"; }
for s in "$I/service/qmail-send" "$I/service/qmail-send/log"; do
  svok "$s" 2>/dev/null && fail "$s is still supervised"
done
pass
