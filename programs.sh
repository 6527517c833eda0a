#!/bin/sh
# programs.sh: prints the names of the programs, one per line: every
# qmail-*.c of the source tree (the Makefile's PROGRAMS). Shared by hier.sh
# and mkinstance.sh so the lists cannot drift.
TOP=`dirname "$0"`
for f in "$TOP"/qmail-*.c; do
  [ -f "$f" ] || continue
  f=${f##*/}
  echo "${f%.c}"
done
