#!/bin/sh
# bochs-break.sh NAME... - Bochs debugger commands that break at kernel
# functions by name: Bochs's `lb` takes a linear address only (`lb kmain`
# is a syntax error, even after `ldsym`), so this looks each NAME up in
# build/kernel.sym (the `nm` list `make` writes next to the kernel) and
# prints `lb 0xADDRESS` for it, after the `ldsym` line that makes the
# debugger name addresses in its output.  run-bochs.sh runs them when
# BREAK="NAME..." is set (make bochs BREAK="page_fault_handler"); or paste
# the lines at the <bochs:1> prompt.  An unknown name is an error.
set -eu
sym=${SYM:-build/kernel.sym}
[ -r "$sym" ] || { echo "bochs-break.sh: no $sym: run make first" >&2; exit 1; }
echo "ldsym global \"$sym\""
for name in "$@"; do
	addr=$(awk -v n="$name" '$2 == n { print $1; exit }' "$sym")
	[ -n "$addr" ] || { echo "bochs-break.sh: no symbol '$name' in $sym" >&2; exit 1; }
	echo "lb 0x$addr"
done
