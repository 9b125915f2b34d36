# Top-level build: the kernel ISO, host-side tests and benchmarks of the
# portable core, and the emulator targets.  `make help` lists the targets.

BUILD      := build
ISO_DIR    := $(BUILD)/iso
KERNEL     := $(BUILD)/kernel.elf
ISO        := $(BUILD)/kernel.iso
TEST_ISO   := $(BUILD)/test.iso
# ISOs that run one deliberately broken kernel test (KTEST_MANUAL): the
# harness must report each as a failure (tests/harness/harness-selftest.sh).
# The same tests with Card 1 (the VMA tree) as the processes' default design.
CARD1_ISO     := $(BUILD)/test-card1.iso
# The same tests for `KVM=1 make test` (tests/harness/kvm-ktest.sh): no
# SMAP and no INT3 test, which KVM on these machines cannot run
# (docs/emulators.md), and the syscall fuzzer as short as under Bochs: in
# KVM's instruction emulator its 9,000 calls took more than half an hour.
TEST_KVM_ISO  := $(BUILD)/test-kvm.iso
# The same tests for Bochs (tests/harness/bochs-boot.sh), the syscall fuzzer
# shorter: its 9,000 calls take more than two minutes there, over half the
# boot, and QEMU's TCG boots run them in full.
TEST_BOCHS_ISO := $(BUILD)/test-bochs.iso
SHORT_FUZZ_COUNT := 600
SELFTESTS     := boot_deliberate_failure boot_deliberate_page_fault pmm_deliberate_double_free \
                 vm_deliberate_broken_space_memstat
SELFTEST_ISOS := $(patsubst %,$(BUILD)/selftest-%.iso,$(SELFTESTS))

CC         := gcc
NASM       := nasm
LD         := ld

# --- kernel -----------------------------------------------------------------
# The kernel is built by the host gcc as a freestanding x86-64 program placed
# in the top 2 GiB (-mcmodel=kernel).  No SSE: the kernel never saves user FPU
# state on entry.  Frame pointers stay on: panic() walks them for backtraces.
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
	-mno-sse -mno-sse2 -mno-mmx -mno-80387 -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -Isrc -DKERNEL
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T src/arch/x86_64/linker.ld

KERNEL_C   := $(wildcard src/boot/*.c src/pe/*.c src/kernel/*.c src/arch/x86_64/*.c src/lib/*.c src/mm/*.c tests/kernel/*.c)
KERNEL_ASM := $(wildcard asm/*.asm)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_ASM))
SYMS_OBJ   := $(BUILD)/k/symbols.o

# --- host build of the portable core ------------------------------------------
# The very same source files as in the kernel (src/boot, src/lib, src/mm have
# no hardware access), built with the sanitizers and linked with cmocka;
# -pthread for the simulated memory's lock (tests/host/sim_phys.c).
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -pthread -Isrc -Itests/host \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CORE   := $(wildcard src/boot/*.c src/lib/*.c src/mm/*.c src/pe/*.c)
HOST_TESTS  := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))
HOST_SUPPORT := $(filter-out tests/host/test_%.c,$(wildcard tests/host/*.c))

.PHONY: all iso run bochs debug test soak host-test bench deps clean help

all: $(ISO) $(TEST_ISO) $(CARD1_ISO) $(TEST_KVM_ISO) $(TEST_BOCHS_ISO) $(SELFTEST_ISOS)

# After `all`, so that a bare `make` builds the ISOs.
include src/user/user.mk
include tests/pe/pe.mk

help:
	@echo "make run      boot the kernel in QEMU on this terminal (Ctrl-A X quits)"
	@echo "              UEFI=1: with UEFI firmware (OVMF) instead of the BIOS"
	@echo "make test     every test: host, QEMU kernel tests, Bochs boot, user programs"
	@echo "KVM=1 make test  the same, the kernel suite booted once under KVM instead of TCG"
	@echo "make bochs    boot the same ISO in Bochs with its debugger"
	@echo "              (BREAK=\"page_fault_handler ...\": breakpoints at kernel functions)"
	@echo "make debug    QEMU waiting for gdb (see scripts/gdbinit)"
	@echo "make bench    host benchmarks, results written under docs/"
	@echo "make soak     the system-call fuzzer for a long time (SOAK_COUNT=N)"

deps:
	@scripts/install-deps.sh

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -MD $(@:.o=.d) $< -o $@

# Two-pass link: the symbol table is generated from a first link and linked
# into the final image; its own size changes no code address because it sits
# in its own section at the end of the image.
$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJ) $(BUILD)/k/symbols-empty.o src/arch/x86_64/linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJ) $(BUILD)/k/symbols-empty.o

$(BUILD)/k/symbols-empty.o: scripts/gen-symbols.sh
	@mkdir -p $(dir $@)
	scripts/gen-symbols.sh /dev/null > $(BUILD)/k/symbols-empty.c
	$(CC) $(KCFLAGS) -c $(BUILD)/k/symbols-empty.c -o $@

$(SYMS_OBJ): $(BUILD)/kernel.pass1.elf scripts/gen-symbols.sh
	scripts/gen-symbols.sh $< > $(BUILD)/k/symbols.c
	$(CC) $(KCFLAGS) -c $(BUILD)/k/symbols.c -o $@

$(KERNEL): $(KERNEL_OBJ) $(SYMS_OBJ)
	$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJ) $(SYMS_OBJ)
	nm -n $@ | awk '{print $$1, $$3}' > $(BUILD)/kernel.sym
	objdump -d -M intel $@ > $(BUILD)/kernel.asm

iso: all

# Both ISOs carry the same kernel and the top-level grub.cfg; the test ISO
# adds boot/test.cfg, which grub.cfg sources to put `ktest` on the command line.
# Every ISO carries the address-space traces (the shell's `replay`).
TRACES := $(wildcard tests/data/traces/*.maps.csv)

$(ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(USER_PROGRAMS) $(TRACES)
	scripts/make-iso.sh $@ $(KERNEL) "" $(USER_PROGRAMS) $(TRACES)

# The test ISOs also carry the PE samples and the malformed images.
TEST_PROGRAMS := $(USER_PROGRAMS) $(PE_IMAGES) $(PE_BAD_IMAGES) $(TRACES)

$(TEST_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(TEST_PROGRAMS)
	scripts/make-iso.sh $@ $(KERNEL) ktest $(TEST_PROGRAMS)

$(CARD1_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(TEST_PROGRAMS)
	scripts/make-iso.sh $@ $(KERNEL) "ktest vm=card1" $(TEST_PROGRAMS)

$(TEST_KVM_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(TEST_PROGRAMS)
	scripts/make-iso.sh $@ $(KERNEL) "ktest nosmap emulated_kvm fuzz_count=$(SHORT_FUZZ_COUNT)" $(TEST_PROGRAMS)

$(TEST_BOCHS_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(TEST_PROGRAMS)
	scripts/make-iso.sh $@ $(KERNEL) "ktest fuzz_count=$(SHORT_FUZZ_COUNT)" $(TEST_PROGRAMS)

# The in-kernel benchmark (`make bench`): the traces the host replays too,
# and the program the multiprocessor throughput runs.
BENCH_ISO := $(BUILD)/bench.iso
BENCH_PROGRAMS := $(USER_BUILD)/ut_mt_throughput.exe $(USER_BUILD)/ut_bench_user.exe
$(BENCH_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh $(TRACES) $(BENCH_PROGRAMS)
	scripts/make-iso.sh $@ $(KERNEL) bench $(TRACES) $(BENCH_PROGRAMS)
# The kernel alone, printing its clock's meta rows: scripts/run-bench.sh
# boots it under KVM to find out whether KVM runs the guest natively
# (nosmap: docs/emulators.md).
BENCH_PROBE_ISO := $(BUILD)/bench-probe.iso
$(BENCH_PROBE_ISO): $(KERNEL) grub.cfg scripts/make-iso.sh
	scripts/make-iso.sh $@ $(KERNEL) "bench=probe nosmap"

$(BUILD)/selftest-%.iso: $(KERNEL) grub.cfg scripts/make-iso.sh
	scripts/make-iso.sh $@ $(KERNEL) ktest=$*

# UEFI=1 boots the same ISO with OVMF, QEMU's UEFI firmware.
run: deps $(ISO)
	scripts/run-qemu.sh $(if $(filter 1,$(UEFI)),--uefi) $(ISO)

bochs: deps $(ISO)
	BREAK="$(BREAK)" scripts/run-bochs.sh $(ISO)

debug: deps $(ISO)
	scripts/run-qemu.sh --gdb $(ISO)

# --- tests ------------------------------------------------------------------
$(BUILD)/host/%: tests/host/%.c $(HOST_CORE) $(HOST_SUPPORT) $(wildcard src/*/*.h tests/host/*.h tests/pe/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(HOST_CORE) $(HOST_SUPPORT) -lcmocka -lm

host-test: $(HOST_TESTS) $(PE_IMAGES)

test: deps
	@scripts/run-tests.sh

# The syscall fuzzer for a long time (SOAK_COUNT calls, seed SOAK_SEED),
# alone in the kernel; passes only if the kernel survives and every frame
# comes back.  Not part of `make test`, which runs it with a small count.
SOAK_COUNT ?= 200000
SOAK_SEED  ?= 1
soak: deps all
	scripts/make-iso.sh $(BUILD)/soak.iso $(KERNEL) \
		"ktest=user_fuzzer_soak soak_count=$(SOAK_COUNT) soak_seed=$(SOAK_SEED)" $(TEST_PROGRAMS)
	KTEST_TIMEOUT=$${KTEST_TIMEOUT:-3600} tests/harness/qemu-ktest.sh $(BUILD)/soak.iso 512M soak

clean:
	rm -rf $(BUILD)



# --- benchmarks ---------------------------------------------------------------
# Host builds of the same core files, optimised and without sanitizers.
# `make bench` runs scripts/run-bench.sh: the tradeoff study of the two VM
# designs, fork included, and of PE loading lazy against eager on the images
# of tests/pe/pe.mk (docs/tradeoffs.md, docs/tradeoffs.csv and docs/img/, all
# generated from the CSV of that run) and the per-subsystem reports
# docs/bench-*.md.
BENCH_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -Isrc -Itests/host -Itests/bench
BENCH_HEADERS := $(wildcard tests/bench/*.h src/mm/*.h tests/host/sim_phys.h)
# what every program measuring the VM designs links: both cores, mm_space,
# simulated memory and the shared fixture
BENCH_MM_SRC  := tests/bench/bench_mm.c tests/bench/bench_common.c \
	$(wildcard src/mm/vm*.c src/mm/card1*.c) src/mm/mm_space.c src/mm/mm_lock.c \
	tests/host/sim_phys.c tests/host/host_panic.c
# one program per tests/bench/bench_NAME.c on the fixture
BENCH_MM      := vm card1 scaling frag fault huge fork
BENCH_BINS    := $(patsubst %,$(BUILD)/bench/bench_%,pmm $(BENCH_MM)) \
	$(BUILD)/bench/bench_pe $(BUILD)/bench/replay $(BUILD)/bench/replay_linux

$(BUILD)/bench/bench_pmm: tests/bench/bench_pmm.c tests/bench/naive_bitmap.c \
		tests/bench/bench_common.c src/mm/pmm.c tests/host/host_panic.c $(BENCH_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

$(patsubst %,$(BUILD)/bench/bench_%,$(BENCH_MM)): $(BUILD)/bench/bench_%: \
		tests/bench/bench_%.c $(BENCH_MM_SRC) $(BENCH_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

# the PE loader alone, on the images of tests/pe/pe.mk
$(BUILD)/bench/bench_pe: tests/bench/bench_pe.c tests/bench/bench_common.c \
		$(wildcard src/pe/*.c src/pe/*.h) tests/host/host_panic.c $(BENCH_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

$(BUILD)/bench/replay: tests/bench/replay.c tests/bench/trace.c src/lib/maps_trace.c \
		$(BENCH_MM_SRC) $(BENCH_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

$(BUILD)/bench/replay_linux: tests/bench/replay_linux.c tests/bench/trace.c src/lib/maps_trace.c \
		tests/bench/bench_common.c tests/host/host_panic.c $(BENCH_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

bench: deps $(BENCH_BINS) $(PE_BENCH_IMAGES) $(BENCH_ISO) $(BENCH_PROBE_ISO)
	scripts/run-bench.sh $(BUILD)/bench $(BENCH_ISO) $(PE_BENCH_IMAGES)

-include $(shell find $(BUILD) -name "*.d" 2>/dev/null)
