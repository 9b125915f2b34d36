#!/bin/sh
# pe-check.sh OBJDUMP IMAGE.exe - fails unless IMAGE is a user program the
# kernel will load: PE32+ for x86-64, subsystem native, an entry point,
# image base 0x400000, and no import directory (the kernel refuses imports:
# a stray msvcrt or kernel32 reference must fail the build, not the boot).
set -eu
objdump=$1 image=$2
headers=$("$objdump" -p "$image")
fail() { echo "pe-check: $image: $*" >&2; exit 1; }

echo "$headers" | grep -q 'file format pei-x86-64' || fail "not PE32+ x86-64"
echo "$headers" | grep -Eq '^Subsystem[[:space:]]+00000001' || fail "subsystem is not native"
echo "$headers" | grep -Eq '^ImageBase[[:space:]]+0+400000$' || fail "image base is not 0x400000"
echo "$headers" | grep -Eq '^AddressOfEntryPoint[[:space:]]+0*[1-9a-fA-F]' || fail "no entry point"
# Data directory entry 1 is the import table: RVA and size must be 0.
echo "$headers" | grep -Eq '^Entry 1 0+ 0+ Import Directory' || fail "has an import directory"
echo "$headers" | grep -q 'DLL Name' && fail "imports a DLL"
exit 0
