# pe.mk - sample PE32+ programs for the PE loader's tests, included by the
# top Makefile.  Every sample in tests/pe is built four ways into
# $(BUILD)/pe/SAMPLE-VARIANT.exe:
#
#   gcc        mingw-w64 gcc + GNU ld, --dynamicbase: relocation table
#   gcc-fixed  mingw-w64 gcc + GNU ld, no relocation table
#              (IMAGE_FILE_RELOCS_STRIPPED set)
#   lld        clang + lld-link: relocation table (if the code needs one)
#   lld-fixed  clang + lld-link /fixed: relocations stripped
#
# Both linkers default to SectionAlignment 4096 and FileAlignment 512,
# which the loader needs: sections start on page boundaries in memory.
# No C runtime and no imports: -nostdlib / /nodefaultlib, entry _start,
# which ends with the kernel's EXIT call (tests/pe/sample.h).
# Loops are kept from becoming memset/memcpy calls, which nothing provides.

PE_DIR      := $(BUILD)/pe
PE_SAMPLES  := tiny reloc bss big
PE_VARIANTS := gcc gcc-fixed lld lld-fixed
PE_IMAGES   := $(foreach s,$(PE_SAMPLES),$(foreach v,$(PE_VARIANTS),$(PE_DIR)/$(s)-$(v).exe))

PE_MINGW_CC := x86_64-w64-mingw32-gcc
PE_CLANG    := clang
PE_LLD_LINK := lld-link

# -mgeneral-regs-only: the kernel does not save SSE state yet (docs/abi.md).
PE_CFLAGS_COMMON := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-mgeneral-regs-only -Isrc -Itests/pe -I$(PE_DIR)
PE_MINGW_FLAGS := $(PE_CFLAGS_COMMON) -fno-tree-loop-distribute-patterns -nostdlib \
	-e _start -Wl,--subsystem,native
PE_MINGW_RELOC := -Wl,--dynamicbase
PE_MINGW_FIXED := -Wl,--disable-dynamicbase -Wl,--disable-reloc-section
# -mno-stack-arg-probe: no __chkstk calls, which would be an import.
PE_CLANG_FLAGS := $(PE_CFLAGS_COMMON) -target x86_64-pc-windows-msvc -mno-stack-arg-probe
PE_LLD_FLAGS   := /entry:_start /subsystem:native /nodefaultlib

.PHONY: pe-samples
pe-samples: $(PE_IMAGES)

$(PE_DIR)/big_table.h: tests/pe/gen-table.sh
	@mkdir -p $(dir $@)
	tests/pe/gen-table.sh > $@

$(PE_DIR)/big.obj $(PE_DIR)/big-gcc.exe $(PE_DIR)/big-gcc-fixed.exe: $(PE_DIR)/big_table.h

$(PE_DIR)/%-gcc.exe: tests/pe/%.c tests/pe/sample.h src/abi/rdos_abi.h
	@mkdir -p $(dir $@)
	$(PE_MINGW_CC) $(PE_MINGW_FLAGS) $(PE_MINGW_RELOC) $< -o $@

$(PE_DIR)/%-gcc-fixed.exe: tests/pe/%.c tests/pe/sample.h src/abi/rdos_abi.h
	@mkdir -p $(dir $@)
	$(PE_MINGW_CC) $(PE_MINGW_FLAGS) $(PE_MINGW_FIXED) $< -o $@

$(PE_DIR)/%.obj: tests/pe/%.c tests/pe/sample.h src/abi/rdos_abi.h
	@mkdir -p $(dir $@)
	$(PE_CLANG) $(PE_CLANG_FLAGS) -c $< -o $@

$(PE_DIR)/%-lld.exe: $(PE_DIR)/%.obj
	$(PE_LLD_LINK) $(PE_LLD_FLAGS) /out:$@ $<

$(PE_DIR)/%-lld-fixed.exe: $(PE_DIR)/%.obj
	$(PE_LLD_LINK) $(PE_LLD_FLAGS) /fixed /out:$@ $<

# Malformed images for the kernel's refusal tests, made from a good one.
PE_BAD_IMAGES := $(patsubst %,$(PE_DIR)/bad-%.exe,truncated magic machine)

$(PE_BAD_IMAGES): $(PE_DIR)/tiny-gcc.exe tests/pe/make-bad.sh
	tests/pe/make-bad.sh $< $(PE_DIR)

# The PE loading benchmark's images (tests/bench/bench_pe.c):
# bench_image.c with a big_table of SIZE KiB, $(PE_DIR)/bench/image-SIZEk.exe,
# mingw-w64 gcc with a relocation table.  The table is assembled, not
# compiled (gen-table.sh says why); -mcmodel=small reaches it directly,
# not through a .refptr pointer elsewhere in .rdata.
PE_BENCH_KIB    := 64 256 1024 4096 16384
PE_BENCH_IMAGES := $(patsubst %,$(PE_DIR)/bench/image-%k.exe,$(PE_BENCH_KIB))

$(PE_DIR)/bench/image-%k.exe: tests/pe/bench_image.c tests/pe/gen-table.sh \
		tests/pe/sample.h src/abi/rdos_abi.h
	@mkdir -p $(dir $@)
	tests/pe/gen-table.sh $$(($* * 256)) asm > $(@:.exe=.s)
	$(PE_MINGW_CC) $(PE_MINGW_FLAGS) $(PE_MINGW_RELOC) -mcmodel=small \
		$< $(@:.exe=.s) -o $@
	rm -f $(@:.exe=.s)
