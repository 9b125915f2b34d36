#!/bin/sh
# run-bochs.sh [--batch OUT] ISO - boots ISO in Bochs.
# Interactive (make bochs): stops at the debugger prompt before the BIOS;
# type `c` to run, Ctrl-C to break in.  Kernel symbols: see scripts/bochsrc.in.
# --batch OUT: runs unattended with no stdin (tests, CI): port 0xE9 output
# goes to OUT, COM1 to OUT.com1; Bochs's own log to OUT.log.
set -eu
batch=""
if [ "$1" = "--batch" ]; then
	batch=$2
	shift 2
fi
iso=$1
out=${batch:-build/bochs}
mkdir -p "$(dirname "$out")"
rc="$out.bochsrc"
sed -e "s|@ISO@|$iso|" -e "s|@MEGS@|${MEGS:-256}|" -e "s|@COM1_LOG@|$out.com1|" \
	-e "s|@LOG@|$out.log|" scripts/bochsrc.in > "$rc"
export BXSHARE=${BXSHARE:-/usr/share/bochs}
if [ -z "$batch" ]; then
	exec bochs -q -f "$rc"
fi
# The term display needs a TERM even without a terminal; `c` as the debugger
# script runs the machine, and the second `quit` ends Bochs if the guest drops
# into the debugger (triple fault or magic break) instead of shutting down.
printf 'c\nquit\n' > "$out.rc"
TERM=${TERM:-xterm}
[ "$TERM" = dumb ] && TERM=xterm
export TERM
setsid bochs -q -f "$rc" -rc "$out.rc" < /dev/null > "$out" 2>&1 || true
