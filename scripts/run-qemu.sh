#!/bin/sh
# run-qemu.sh [--gdb] [--uefi] ISO - boots ISO in QEMU with the serial
# console on this terminal and no window, MEM of RAM and CPUS processors
# (512M and 2 unless set).  Ctrl-A X quits.  With --gdb, QEMU waits for gdb
# on localhost:1234 (scripts/gdbinit connects and loads the symbols).  With
# --uefi the firmware is OVMF, not SeaBIOS (qemu-common.sh), and the kernel
# draws its console on the UEFI framebuffer: add a window with
# QEMU_DISPLAY=gtk (or sdl) to see it.
set -eu
. "$(dirname "$0")/qemu-common.sh"
gdb_opts=""
while [ $# -gt 1 ]; do
	case $1 in
	--gdb)
		gdb_opts="-S -gdb tcp:127.0.0.1:1234"
		echo "QEMU waits for gdb: run 'gdb -x scripts/gdbinit' in another terminal"
		;;
	--uefi) qemu_use_uefi build/uefi ;;
	*) break ;;
	esac
	shift
done
# shellcheck disable=SC2086
exec $QEMU $QEMU_MACHINE -m "${MEM:-512M}" -smp "${CPUS:-2}" -cdrom "$1" \
	-display "${QEMU_DISPLAY:-none}" -serial mon:stdio $gdb_opts
