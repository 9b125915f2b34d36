# qemu-common.sh - sourced by the QEMU scripts: the machine every run uses.
# isa-debug-exit gives the kernel a way to end the run with a status (33 =
# pass, 35 = fail; 0 means a triple fault).  KVM is never used: it is not
# reliable on these machines, and the tests must not depend on it.  CPU
# model max: under TCG it has NX, SMEP and SMAP (qemu64 lacks the last two),
# which the kernel turns on and the sec_ tests trip.
QEMU=qemu-system-x86_64
QEMU_MACHINE="-machine pc -cpu max -no-reboot
 -device isa-debug-exit,iobase=0xf4,iosize=0x04"
