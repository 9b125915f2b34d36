#!/bin/sh
# run-bochs.sh [--batch OUT] ISO - boots ISO in Bochs, with MEGS MiB of RAM
# and CPUS processors (256 and 2 unless set).
# Interactive (make bochs): stops at the debugger prompt before the BIOS;
# type `c` to run, Ctrl-C to break in.  Kernel symbols: see scripts/bochsrc.in.
# BREAK="NAME..." (make bochs BREAK=page_fault_handler): the debugger first
# loads the kernel's symbols and sets a breakpoint at each kernel function
# named (scripts/bochs-break.sh), then waits for `c`.
# --batch OUT: runs unattended with no stdin (tests, CI): the screen and
# port 0xE9 output go to OUT, COM1 to OUT.com1, Bochs's own log to OUT.log.
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
sed -e "s|@ISO@|$iso|" -e "s|@MEGS@|${MEGS:-256}|" -e "s|@CPUS@|${CPUS:-2}|" -e "s|@COM1_LOG@|$out.com1|" \
	-e "s|@LOG@|$out.log|" scripts/bochsrc.in > "$rc"
export BXSHARE=${BXSHARE:-/usr/share/bochs}
if [ -z "$batch" ]; then
	if [ -n "${BREAK:-}" ]; then
		# shellcheck disable=SC2086
		scripts/bochs-break.sh $BREAK > "$out.rc"
		echo "run-bochs.sh: breakpoints from $out.rc; type c to run"
		exec bochs -q -f "$rc" -rc "$out.rc"
	fi
	exec bochs -q -f "$rc"
fi
# The term display needs a terminal that someone reads: without one it
# opens a pseudo-terminal of its own, nobody drains it, and Bochs blocks in
# a write once the screen has changed a few kilobytes' worth.  `script`
# gives it a terminal and copies everything shown (the screen and the
# port 0xE9 output) to OUT.  `c` as the debugger script runs the machine;
# `quit` ends Bochs if the guest drops into the debugger instead of shutting
# down (triple fault or magic break).
printf 'c\nquit\n' > "$out.rc"
TERM=${TERM:-xterm}
[ "$TERM" = dumb ] && TERM=xterm
export TERM
script -qefc "bochs -q -f '$rc' -rc '$out.rc'" /dev/null < /dev/null > "$out" 2>&1 || true
