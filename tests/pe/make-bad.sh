#!/bin/sh
# make-bad.sh GOOD.exe OUT_DIR - writes malformed images, derived from a
# good one, that the kernel must refuse at spawn (tests/kernel/pe_tests.c):
#   bad-truncated.exe  cut in the middle of the section table
#   bad-magic.exe      "ZM" instead of "MZ"
#   bad-machine.exe    i386 (0x014c) instead of AMD64 in the COFF header
# The host tests (tests/host/test_pe*.c) check every reason in detail.
set -eu
good=$1 out=$2
mkdir -p "$out"
pe_offset=$(od -An -tu4 -j60 -N4 "$good" | tr -d ' ')
head -c $((pe_offset + 24 + 240 + 20)) "$good" > "$out/bad-truncated.exe"
cp "$good" "$out/bad-magic.exe"
printf 'ZM' | dd of="$out/bad-magic.exe" bs=1 seek=0 conv=notrunc status=none
cp "$good" "$out/bad-machine.exe"
printf '\114\001' | dd of="$out/bad-machine.exe" bs=1 seek=$((pe_offset + 4)) conv=notrunc status=none
