# src/user/user.mk - user programs: PE32+ executables built with mingw-w64
# (Debian gcc-mingw-w64-x86-64) and nasm, one per program, each loaded by
# GRUB as a module named after it.  Included by the top Makefile after
# BUILD is set; defines USER_PROGRAMS (the .exe paths) and the target
# `user`.  docs/user-runtime.md explains the runtime and the flags.
#
# Layout:  src/user/runtime   crt0, system calls, printf, malloc -> libuser.a
#          src/user/shell     the shell                          -> shell.exe
#          tests/user/lib     helpers shared by the tests        -> libut.a
#          tests/user/NAME.c  one test program each              -> NAME.exe

# This file defines rules; it must not change the including Makefile's
# default goal (restored at the end).
USER_SAVED_GOAL := $(.DEFAULT_GOAL)

USER_CC      := x86_64-w64-mingw32-gcc
USER_AR      := x86_64-w64-mingw32-ar
USER_OBJDUMP := x86_64-w64-mingw32-objdump
USER_NASM    := nasm
USER_BUILD   := $(BUILD)/user

# -mgeneral-regs-only: the kernel does not save SSE/x87 state on a process
# switch, so user code must not use it.  No unwind tables, no stack
# protector: nothing in a freestanding image would use or provide them.
# A section per function so that --gc-sections drops the runtime functions a
# program does not call.  Not per variable: on this target gcc would put
# zeroed variables in .data$NAME instead of .bss.
USER_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
	-fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only \
	-ffunction-sections -Isrc -Itests/user/lib
# Image base 0x400000 (the ABI's user space starts at 0x1000; below the
# image go the stack, [0x1000, 0x42000) with its guard page, and the first
# reservations: docs/abi.md, "A process").  -lgcc supplies ___chkstk_ms, the
# stack probe gcc calls for frames larger than a page; it imports nothing.
# src/user/user.ld lays out the sections (and says why it exists).
USER_LDFLAGS := -nostdlib -e _start -T src/user/user.ld -Wl,--subsystem,native \
	-Wl,--image-base,0x400000 -Wl,--gc-sections -Wl,--no-insert-timestamp

# The runtime reuses the kernel's portable code unchanged: the printf engine,
# the string functions (plain x86-64 code, nothing privileged) and the slab
# heap behind malloc.  The heap's panic() calls use %zu, which gcc checks
# against msvcrt's printf on this target (format(printf) means ms_printf
# there): the format checks are off for those files only; the engine that
# prints them does know %zu.
USER_RUNTIME_SRC := $(wildcard src/user/runtime/*.c) src/lib/format.c \
	src/arch/x86_64/string.c src/mm/heap.c src/mm/heap_table.c src/mm/heap_check.c
USER_NO_FORMAT_CHECK := src/mm/heap.c src/mm/heap_check.c
USER_CRT0 := $(USER_BUILD)/obj/src/user/runtime/crt0.o
USER_LIB  := $(USER_BUILD)/libuser.a
USER_TEST_LIB := $(USER_BUILD)/libut.a

USER_OBJ = $(patsubst %,$(USER_BUILD)/obj/%.o,$(basename $(1)))

USER_TESTS    := $(patsubst tests/user/%.c,%,$(wildcard tests/user/ut_*.c))
USER_NAMES    := shell $(USER_TESTS)
USER_PROGRAMS := $(patsubst %,$(USER_BUILD)/%.exe,$(USER_NAMES))
USER_LINK_DEPS := $(USER_CRT0) $(USER_LIB) src/user/user.ld src/user/pe-check.sh

# The test objects are made by a pattern rule for a pattern rule: keep them
# (make would delete them as intermediates and relink every time).
.SECONDARY: $(call USER_OBJ,$(wildcard tests/user/ut_*.c))

.PHONY: user
user: $(USER_PROGRAMS)

$(USER_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(if $(filter $<,$(USER_NO_FORMAT_CHECK)),-Wno-format) \
		$(USER_EXTRA_CFLAGS) -MMD -MP -c $< -o $@

# ut_killers runs every ut_kill_* program: its list comes from the file
# names, and it is rebuilt when a killer is added.
USER_KILLERS := $(filter ut_kill_%,$(USER_TESTS))
$(USER_BUILD)/obj/tests/user/ut_killers.o: $(wildcard tests/user/ut_kill_*.c)
$(USER_BUILD)/obj/tests/user/ut_killers.o: \
	USER_EXTRA_CFLAGS = -DUT_KILLERS='$(foreach k,$(USER_KILLERS),"$(k)",)'

$(USER_BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(USER_NASM) -f win64 -MD $(@:.o=.d) $< -o $@

$(USER_LIB): $(call USER_OBJ,$(USER_RUNTIME_SRC))
	rm -f $@
	$(USER_AR) rcs $@ $^

$(USER_TEST_LIB): $(call USER_OBJ,$(wildcard tests/user/lib/*.c tests/user/lib/*.asm))
	rm -f $@
	$(USER_AR) rcs $@ $^

# Link, then refuse the image unless it is what the kernel's loader takes
# (src/user/pe-check.sh); the disassembly is kept next to it for debugging,
# as the kernel's is.
define USER_LINK
	$(USER_CC) $(USER_LDFLAGS) -o $@ $(USER_CRT0) $(1) -lgcc
	src/user/pe-check.sh $(USER_OBJDUMP) $@
	$(USER_OBJDUMP) -d -M intel $@ > $(@:.exe=.asm)
endef

USER_SHELL_OBJ := $(call USER_OBJ,$(wildcard src/user/shell/*.c))

$(USER_BUILD)/shell.exe: $(USER_SHELL_OBJ) $(USER_LINK_DEPS)
	$(call USER_LINK,$(USER_SHELL_OBJ) $(USER_LIB))

$(USER_BUILD)/ut_%.exe: $(USER_BUILD)/obj/tests/user/ut_%.o $(USER_TEST_LIB) $(USER_LINK_DEPS)
	$(call USER_LINK,$< $(USER_TEST_LIB) $(USER_LIB))

.DEFAULT_GOAL := $(USER_SAVED_GOAL)
