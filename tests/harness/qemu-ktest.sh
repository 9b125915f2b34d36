#!/usr/bin/env bash
# qemu-ktest.sh ISO MEM LABEL [CPUS [MODEL [FIRMWARE]]] - boots the test ISO
# in QEMU with MEM of RAM and CPUS processors (1 unless given) of CPU model
# MODEL (qemu-common.sh's QEMU_CPU unless given or empty), under FIRMWARE
# `bios` (SeaBIOS, the default) or `uefi` (OVMF, qemu_use_uefi), prints the
# kernel's KTAP lines and the harness's own verdicts as TAP.
#
# A run passes only if QEMU exits with 33 (isa-debug-exit, success), the log
# ends with "ktest-end: PASS" and no line says "not ok": exit status 0 means a
# triple fault, and a hung guest is killed by the timeout.  The script exits
# 0 only if its verdict and the memory-map check passed (`make soak` relies
# on it; `make test` counts the TAP lines).
set -u
. "$(dirname "$0")/tap-lib.sh"
. "$(dirname "$0")/../../scripts/qemu-common.sh"
iso=$1 mem=$2 label=$3 cpus=${4:-1} firmware=${6:-bios}
[ -n "${5:-}" ] && QEMU_MACHINE=${QEMU_MACHINE/-cpu $QEMU_CPU/-cpu $5} && QEMU_CPU=$5
if [ "$firmware" = uefi ] && ! qemu_use_uefi "build/test-results/$label.uefi"; then
	tap_result "boot_qemu_${label}_verdict" 1 "cannot copy the UEFI firmware $OVMF_CODE"
	exit 1
fi
log=build/test-results/$label.serial
timeout_s=${KTEST_TIMEOUT:-300}

# shellcheck disable=SC2086
timeout "$timeout_s" $QEMU $QEMU_MACHINE -m "$mem" -smp "$cpus" -cdrom "$iso" -display none \
	-serial "file:$log" -monitor none > "build/test-results/$label.qemu" 2>&1
status=$?

ktap_lines "$log"
why=""
[ "$status" -eq 124 ] && why="timed out after ${timeout_s}s"
# QEMU's own complaint, e.g. "KVM internal error" (docs/emulators.md)
qemu_err=$(head -1 "build/test-results/$label.qemu" 2> /dev/null)
[ -n "$qemu_err" ] && [ "$status" -ne 33 ] && why="${why:+$why; }QEMU: $qemu_err"
[ -z "$why" ] && [ "$status" -ne 33 ] && why="QEMU exit status $status (33 = pass, 0 = triple fault)"
grep -q '^ktest-end: PASS' <(clean_log "$log") || why="${why:-no 'ktest-end: PASS' line}"
online=$(clean_log "$log" | sed -n 's/^smp: \([0-9]*\) of .*/\1/p')
[ "$online" = "$cpus" ] || why="${why:-$cpus CPUs given, ${online:-no} CPUs online}"
verdict=$([ -z "$why" ]; echo $?)
tap_result "boot_qemu_${label}_verdict" "$verdict" "$why"
python3 "$(dirname "$0")/check-memory-map.py" "$log" "$mem" "boot_qemu_${label}_memory_map" \
	"$firmware" || exit 1
exit "$verdict"
