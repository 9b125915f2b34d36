#!/usr/bin/env bash
# bochs-boot.sh ISO - boots a test ISO (build/test-bochs.iso: the kernel and
# programs QEMU ran, the syscall fuzzer shorter) under Bochs,
# headless and with no stdin, and prints TAP: the kernel's KTAP lines from
# the COM1 log plus verdicts on the banner, the closing line, and the same
# closing line on port 0xE9 (mixed into the captured screen output).
# Bochs's exit status means nothing (always 1), so only the output counts.
set -u
. "$(dirname "$0")/tap-lib.sh"
iso=$1
out=build/test-results/bochs
timeout -k 10 "${BOCHS_TIMEOUT:-600}" scripts/run-bochs.sh --batch "$out" "$iso"
status=$?

ktap_lines "$out.com1" | sed 's/^\(\(not \)\?ok [0-9]* \)/\1bochs: /'
why=""
[ "$status" -eq 124 ] && why="timed out"
grep -q 'rdos-mm: x86-64 kernel' "$out.com1" || why="${why:-no banner}"
tap_result boot_bochs_banner "$([ -z "$why" ]; echo $?)" "$why"
grep -aq 'ktest-end: PASS' "$out"
tap_result boot_bochs_kernel_tests_pass $? "no 'ktest-end: PASS' on port 0xE9"
clean_log "$out.com1" | grep -q '^ktest-end: PASS'
tap_result boot_bochs_serial_log_complete $? "COM1 log lacks the closing line"
