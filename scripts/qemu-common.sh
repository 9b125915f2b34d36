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
QEMU_EXIT_DEVICE="-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04"
QEMU_MACHINE="-machine pc -accel $QEMU_ACCEL -cpu $QEMU_CPU $QEMU_EXIT_DEVICE"

# Debian's ovmf package: the 4 MiB build without Secure Boot.
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

# qemu_use_uefi DIR: the machine boots with UEFI firmware (OVMF) instead of
# SeaBIOS.  The firmware is copied to DIR, with a fresh copy of the variable
# store each time: OVMF writes to it (boot entries), and no boot should see
# what an earlier one saved.  q35, the board OVMF is most used with (the
# `pc` board boots too, slower here).
qemu_use_uefi() {
	mkdir -p "$1"
	cp "$OVMF_CODE" "$1/OVMF_CODE.fd" && cp "$OVMF_VARS" "$1/OVMF_VARS.fd" &&
		chmod u+w "$1/OVMF_VARS.fd" || return 1
	QEMU_MACHINE="-machine q35 -accel $QEMU_ACCEL -cpu $QEMU_CPU $QEMU_EXIT_DEVICE
 -drive if=pflash,format=raw,readonly=on,file=$1/OVMF_CODE.fd
 -drive if=pflash,format=raw,file=$1/OVMF_VARS.fd"
}
