#!/usr/bin/env bash
# harness-selftest.sh - proves the kernel harness can fail.  Boots ISOs whose
# command line runs one deliberately broken kernel test, and checks that the
# harness's verdict is "not ok" and that the report says what went wrong:
# - boot_deliberate_failure: an expectation that does not hold;
# - boot_deliberate_page_fault: a kernel page fault, which must print the
#   vector, CR2, the registers and a symbolized backtrace.
set -u
. "$(dirname "$0")/tap-lib.sh"
dir=$(dirname "$0")

expect_verdict_fails() { # LABEL ISO
	# Not *.tap: these failures are expected and must not be counted.
	"$dir/qemu-ktest.sh" "$2" 64M "$1" > "build/test-results/$1.expected"
	grep -q "^not ok - boot_qemu_$1_verdict" "build/test-results/$1.expected"
}

expect_verdict_fails selftest_failure build/selftest-failure.iso
tap_result boot_harness_detects_failing_test $? "a failing kernel test was reported as passing"
log=build/test-results/selftest_failure.serial
clean_log "$log" | grep -q '^not ok 1 boot_deliberate_failure'
tap_result boot_harness_names_failing_test $? "no 'not ok' line for the failing test"

expect_verdict_fails selftest_fault build/selftest-fault.iso
tap_result boot_harness_detects_kernel_fault $? "a kernel page fault was reported as passing"
log=build/test-results/selftest_fault.serial
report=$(clean_log "$log")
missing=""
for pattern in 'FATAL: #PF page fault \(vector 14\)' 'CR2=000000000dead000' \
	'RAX=[0-9a-f]{16} RBX=' 'R12=[0-9a-f]{16}' '#0  0x[0-9a-f]{16} write_to_unmapped_address[.a-z0-9]*\+0x' \
	'#1  0x[0-9a-f]{16} boot_deliberate_page_fault\+0x' '#2  0x[0-9a-f]{16} ktest_run' 'not ok 1 boot_deliberate_page_fault # crashed'; do
	grep -Eq "$pattern" <<< "$report" || missing="$missing '$pattern'"
done
tap_result boot_fault_report_has_registers_and_backtrace "$([ -z "$missing" ]; echo $?)" "missing:$missing"
