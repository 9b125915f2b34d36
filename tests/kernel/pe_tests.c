/*
 * pe_tests.c - PE32+ programs loaded lazily in the kernel: the samples of
 * tests/pe built by both toolchains run (each checks its own image and
 * exits 0), relocated images run at a base other than their preferred one,
 * images that cannot move or are malformed are refused with a reason, and
 * a 1 MiB program loads only the pages it touches (ut_lazy_big).
 */
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "user_run.h"

static const char *const samples[] = {
	"tiny-gcc", "tiny-gcc-fixed", "tiny-lld", "tiny-lld-fixed",
	"reloc-gcc", "reloc-gcc-fixed", "reloc-lld", "reloc-lld-fixed",
	"bss-gcc", "bss-gcc-fixed", "bss-lld", "bss-lld-fixed",
	"big-gcc", "big-gcc-fixed", "big-lld", "big-lld-fixed",
};

KTEST(pe_samples_of_both_toolchains_run)
{
	for (unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (!KT_EXPECT(user_run(samples[i], "", RDOS_SPAWN_DEFAULT) == 0))
			ktest_note("sample %s failed", samples[i]);
}

KTEST(pe_relocated_images_run_at_another_base)
{
	KT_EXPECT_EQ(user_run("reloc-gcc", "", PROCESS_SPAWN_RELOCATE), 0);
	KT_EXPECT_EQ(user_run("reloc-lld", "", PROCESS_SPAWN_RELOCATE), 0);
	KT_EXPECT_EQ(user_run("big-gcc", "", PROCESS_SPAWN_RELOCATE), 0);
}

KTEST(pe_images_without_relocations_cannot_move)
{
	KT_EXPECT_EQ(user_run("reloc-gcc-fixed", "", PROCESS_SPAWN_RELOCATE), -RDOS_ENOEXEC - 1000);
	KT_EXPECT_EQ(user_run("tiny-lld-fixed", "", PROCESS_SPAWN_RELOCATE), -RDOS_ENOEXEC - 1000);
}

KTEST(pe_malformed_images_are_refused)
{
	KT_EXPECT_EQ(user_run("bad-truncated", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOEXEC - 1000);
	KT_EXPECT_EQ(user_run("bad-magic", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOEXEC - 1000);
	KT_EXPECT_EQ(user_run("bad-machine", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOEXEC - 1000);
	KT_EXPECT_EQ(user_run("tiny-gcc", "", RDOS_SPAWN_DEFAULT), 0); /* and the kernel goes on */
}

KTEST(pe_lazy_loading_loads_only_touched_pages)
{
	KT_EXPECT_EQ(user_run("ut_lazy_big", "", RDOS_SPAWN_DEFAULT), 0);
}
