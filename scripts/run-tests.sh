#!/usr/bin/env bash
# run-tests.sh - `make test`: every level of tests, each reporting TAP, then
# one closing line "N passed, N failed".  Exits non-zero on any failure.
#
# Levels: host unit and model-based tests of the portable core (cmocka, TAP,
# under ASan/UBSan); the in-kernel suite booted in QEMU at several memory
# sizes, and once more with Card 1 as the processes' design; the harness's self-tests (a failing test and a kernel fault must be
# reported as failures); the same test ISO booted under Bochs.
set -u
cd "$(dirname "$0")/.."
results=build/test-results
rm -rf "$results"
mkdir -p "$results"

if ! make -s all host-test > "$results/build.log" 2>&1; then
	cat "$results/build.log"
	echo "not ok - boot_build # make failed"
	echo "0 passed, 1 failed"
	exit 1
fi

run_level() { # NAME COMMAND...: run one level, keep its TAP, show it
	local name=$1
	shift
	echo "# $name"
	"$@" 2>&1 | tee "$results/$name.tap"
}

host_tests() {
	for t in build/host/test_*; do
		local out status
		out=$(timeout "${HOST_TEST_TIMEOUT:-300}" "$t" 2>&1)
		status=$?
		echo "$out"
		if [ "$status" -ne 0 ] && ! grep -q '^not ok' <<< "$out"; then
			echo "not ok - $(basename "$t") # exited with status $status"
		fi
	done
}

# Memory sizes and CPU counts vary together: every size and every count
# from 1 to 8 CPUs is booted once.
qemu_tests() {
	for run in ${KTEST_RUNS:-32M:1 512M:2 4G:4 16G:8}; do
		mem=${run%:*} cpus=${run#*:}
		echo "# qemu -m $mem -smp $cpus"
		tests/harness/qemu-ktest.sh build/test.iso "$mem" "m${mem}_smp$cpus" "$cpus"
	done
	# The whole kernel and user suite again, processes on Card 1.
	echo "# qemu -m 512M -smp 3, Card 1 design"
	tests/harness/qemu-ktest.sh build/test-card1.iso 512M card1_m512M_smp3 3
}

run_level host host_tests
run_level qemu qemu_tests
run_level harness tests/harness/harness-selftest.sh
run_level bochs tests/harness/bochs-boot.sh build/test.iso

passed=$(cat "$results"/*.tap | grep -cE '^ok ')
failed=$(cat "$results"/*.tap | grep -cE '^not ok ')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
