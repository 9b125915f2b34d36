#!/bin/sh
# make-iso.sh OUT.iso KERNEL.elf "KERNEL ARGS" [FILE ...] - builds a bootable ISO with
# grub-mkrescue from the top-level grub.cfg, the kernel, its symbol list
# (loaded as a module) and the iso/ tree.  Each FILE is a program (.exe)
# or an address-space trace (.maps.csv, for `replay` and the benchmark).
# Non-empty KERNEL ARGS go to /boot/test.cfg, which grub.cfg sources.
set -eu
out=$1 kernel=$2 args=$3
shift 3
tree=$(dirname "$out")/$(basename "$out" .iso).tree
rm -rf "$tree"
mkdir -p "$tree/boot/grub"
cp -r iso/. "$tree/"
cp grub.cfg "$tree/boot/grub/grub.cfg"
# Without its DWARF: GRUB loads every section of the ELF (the ELF-sections
# tag), and under an emulating KVM (docs/emulators.md) each MiB through
# the BIOS costs seconds; gdb reads the unstripped build/kernel.elf.
strip --strip-debug -o "$tree/boot/kernel.elf" "$kernel"
cp "${kernel%.elf}.sym" "$tree/boot/kernel.sym"
# Programs go to /boot/programs/, traces to /boot/traces/; grub.cfg loads
# each program as a module named after the file without .exe, the name
# spawn() looks for, and each trace as "trace:NAME".
mkdir -p "$tree/boot/programs" "$tree/boot/traces"
for file in "$@"; do
	case $file in
	*.maps.csv) cp "$file" "$tree/boot/traces/" ;;
	*) cp "$file" "$tree/boot/programs/" ;;
	esac
done
if [ -n "$args" ]; then
	printf 'set kernel_args="%s"\n' "$args" > "$tree/boot/test.cfg"
fi
grub-mkrescue -o "$out" "$tree" 2> "$out.log" || { cat "$out.log" >&2; exit 1; }
