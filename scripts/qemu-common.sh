# qemu-common.sh - sourced by the QEMU scripts: the machine every run uses.
# isa-debug-exit gives the kernel a way to end the run with a status (33 =
# pass, 35 = fail; 0 means a triple fault).  QEMU_ACCEL is tcg unless set:
# `make test` and `make run` never need KVM; only `KVM=1 make test` sets
# it to kvm, for its own boot (tests/harness/kvm-ktest.sh,
# docs/emulators.md).
# QEMU_CPU chooses the CPU model, `max` unless set: under TCG it has NX,
# SMEP and SMAP, which the kernel turns on and the sec_ tests trip;
# `qemu64` (QEMU's default) has NX but neither SMEP nor SMAP, like Intel
# CPUs before Broadwell and AMD before Zen; `qemu64,-nx` has none of them.
QEMU=qemu-system-x86_64
QEMU_CPU=${QEMU_CPU:-max}
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
QEMU_MACHINE="-machine pc -accel $QEMU_ACCEL -cpu $QEMU_CPU -no-reboot
 -device isa-debug-exit,iobase=0xf4,iosize=0x04"
