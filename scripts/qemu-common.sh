# qemu-common.sh - sourced by the QEMU scripts: the machine every run uses.
# isa-debug-exit gives the kernel a way to end the run with a status (33 =
# pass, 35 = fail; 0 means a triple fault).  KVM is never used: it is not
# reliable on these machines, and the tests must not depend on it.
QEMU=qemu-system-x86_64
QEMU_MACHINE="-machine pc -cpu qemu64 -no-reboot
 -device isa-debug-exit,iobase=0xf4,iosize=0x04"
