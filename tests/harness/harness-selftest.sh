#!/usr/bin/env bash
# harness-selftest.sh - proves the kernel harness can fail.  Boots ISOs whose
# command line runs one deliberately broken kernel test (KTEST_MANUAL), and
# checks that the harness's verdict is "not ok" and that the report says
# what went wrong:
# - boot_deliberate_failure: an expectation that does not hold;
# - boot_deliberate_page_fault: a kernel page fault, which must print the
#   vector, CR2, the registers and a symbolized backtrace;
# - pmm_deliberate_double_free: a panic naming the frame and the caller;
# - vm_deliberate_broken_space_memstat: MEMSTAT's invariant check finding
#   a broken space must panic, naming the invariant.
set -u
. "$(dirname "$0")/tap-lib.sh"
dir=$(dirname "$0")

# Boots the self-test ISO for TEST; succeeds if the harness said "not ok".
# Its output is kept as *.expected, not *.tap: these failures are expected
# and must not be counted.
harness_rejects() {
	"$dir/qemu-ktest.sh" "build/selftest-$1.iso" 64M "$1" > "build/test-results/$1.expected"
	grep -q "^not ok - boot_qemu_$1_verdict" "build/test-results/$1.expected"
}

# Succeeds if the serial log of TEST matches every extended regex given.
report_has() {
	local test=$1 report missing=""
	shift
	report=$(clean_log "build/test-results/$test.serial")
	for pattern in "$@"; do
		grep -Eq "$pattern" <<< "$report" || missing="$missing '$pattern'"
	done
	[ -z "$missing" ] || echo "missing:$missing"
}

check() { # NAME WHY-IF-NOT COMMAND...: one TAP line
	local name=$1 why=$2
	shift 2
	"$@" > /dev/null 2>&1
	tap_result "$name" $? "$why"
}

check boot_harness_detects_failing_test "a failing kernel test was reported as passing" \
	harness_rejects boot_deliberate_failure
why=$(report_has boot_deliberate_failure '^not ok 1 boot_deliberate_failure' \
	'expected 1 \+ 1 == 3, got 0x2 != 0x3' '^ktest-end: FAIL')
tap_result boot_harness_names_failing_test "$([ -z "$why" ]; echo $?)" "$why"

check boot_harness_detects_kernel_fault "a kernel page fault was reported as passing" \
	harness_rejects boot_deliberate_page_fault
why=$(report_has boot_deliberate_page_fault 'FATAL: #PF page fault \(vector 14\)' \
	'CR2=000000000dead000' 'RAX=[0-9a-f]{16} RBX=' 'R12=[0-9a-f]{16}' \
	'#0  0x[0-9a-f]{16} write_to_unmapped_address[.a-z0-9]*\+0x' \
	'#1  0x[0-9a-f]{16} boot_deliberate_page_fault\+0x' '#2  0x[0-9a-f]{16} ktest_run' \
	'not ok 1 boot_deliberate_page_fault # crashed')
tap_result boot_fault_report_has_registers_and_backtrace "$([ -z "$why" ]; echo $?)" "$why"

check pmm_double_free_fails_the_run "a double free was reported as passing" \
	harness_rejects pmm_deliberate_double_free
why=$(report_has pmm_deliberate_double_free \
	'PANIC: frame_free: PMM_ERR_DOUBLE_FREE freeing frame [0-9a-f]+ \(1 frames\) from pmm_deliberate_double_free\+0x' \
	'RIP=0x[0-9a-f]{16} panic\+' 'backtrace:' 'not ok 1 pmm_deliberate_double_free # crashed')
tap_result pmm_double_free_panic_names_frame_and_caller "$([ -z "$why" ]; echo $?)" "$why"

check vm_broken_space_fails_the_run "a broken address space was reported as passing" \
	harness_rejects vm_deliberate_broken_space_memstat
why=$(report_has vm_deliberate_broken_space_memstat \
	'PANIC: vmmap_stats: address space invariant broken at [0-9a-f]+: ' \
	'#[0-9]  0x[0-9a-f]{16} vm_deliberate_broken_space_memstat\+0x' \
	'not ok 1 vm_deliberate_broken_space_memstat # crashed')
tap_result vm_broken_space_panic_names_the_invariant "$([ -z "$why" ]; echo $?)" "$why"
