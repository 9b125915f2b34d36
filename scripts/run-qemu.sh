#!/bin/sh
# run-qemu.sh [--gdb] ISO - boots ISO in QEMU with the serial console on this
# terminal and no window, MEM of RAM and CPUS processors (512M and 2 unless
# set).  Ctrl-A X quits.  With --gdb, QEMU waits for gdb
# on localhost:1234 (scripts/gdbinit connects and loads the symbols).
set -eu
. "$(dirname "$0")/qemu-common.sh"
gdb_opts=""
if [ "$1" = "--gdb" ]; then
	gdb_opts="-S -gdb tcp:127.0.0.1:1234"
	echo "QEMU waits for gdb: run 'gdb -x scripts/gdbinit' in another terminal"
	shift
fi
# shellcheck disable=SC2086
exec $QEMU $QEMU_MACHINE -m "${MEM:-512M}" -smp "${CPUS:-2}" -cdrom "$1" -display none \
	-serial mon:stdio $gdb_opts
