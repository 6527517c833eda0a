#!/bin/sh
# programs.sh: prints the names of the programs, one per line: every
# qmail-*.c of the source tree, then every other name listed in the file
# PROGRAMS of the source tree (the helpers meant for .qmail lines and the
# like) whose .c file exists. The Makefile's PROGRAMS, hier.sh and
# mkinstance.sh all read this list, so they cannot drift.
TOP=`dirname "$0"`
for f in "$TOP"/qmail-*.c; do
  [ -f "$f" ] || continue
  f=${f##*/}
  echo "${f%.c}"
done
[ -f "$TOP/PROGRAMS" ] || exit 0
sed -e 's/#.*//' -e 's/[ 	]//g' -e '/^$/d' "$TOP/PROGRAMS" | while read -r p; do
  [ -f "$TOP/$p.c" ] && echo "$p"
done
exit 0
