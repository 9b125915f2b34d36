#!/usr/bin/env bash
# kvm-ktest.sh - the boot `KVM=1 make test` makes instead of the TCG boots:
# the whole kernel and user suite once under KVM (512 MiB, 2 CPUs), from
# build/test-kvm.iso, whose command line is `ktest nosmap emulated_kvm
# fuzz_count=600`.
# KVM on this project's machines runs the kernel in KVM's instruction
# emulator (docs/emulators.md): -cpu host alone aborts (MSR 0x10a), CLAC
# ends the virtual machine (nosmap: no STAC/CLAC runs), INT3 in ring 0
# does too (emulated_kvm: the breakpoint test skips), and the suite runs
# 25 to 50 times slower than under TCG: the first 40 tests took about 25
# minutes here, the syscall fuzzer's full 9,000 calls alone more than half
# an hour (hence 600 here, as under Bochs), so the time-out is two hours.
# No usable /dev/kvm: one skipped test.
set -u
cd "$(dirname "$0")/../.."
if [ ! -w /dev/kvm ]; then
	echo "ok - boot_qemu_kvm_verdict # SKIP no usable /dev/kvm"
	exit 0
fi
QEMU_ACCEL=kvm KTEST_TIMEOUT=${KTEST_TIMEOUT:-7200} \
	tests/harness/qemu-ktest.sh build/test-kvm.iso 512M kvm_m512M_smp2 2 host,-arch-capabilities
