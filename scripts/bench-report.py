#!/usr/bin/env python3
"""bench-report.py - docs/tradeoffs.md and its plots from docs/tradeoffs.csv.

Usage: bench-report.py CSV MARKDOWN IMAGE_DIR  (scripts/run-bench.sh calls it)

The CSV is the only input: every number in the report, and every sentence
that states a number or says which design is ahead, is computed from it, so
the text cannot drift from the run it describes.  What is not a number (how
each design works, why a step is pending) is prose written here and in
benchreport/ (data: the CSV and number formats; plots; summary: the
verdict; sections, fork, pe: one per workload).

CSV rows: workload,design,metric,value,unit.  Designs: rdos, card1, linux
(reference), both, host, kernel, trace, and for PE loading lazy, eager and
image.  Workloads and metrics are those printed by tests/bench/*.c (see
tests/bench/bench_mm.h for the per-phase metrics) and, prefixed
kernel-kvm/ or kernel-icount/ (kernel-tcg/ in older runs), by the
in-kernel benchmark (src/kernel/kbench.h).
"""
import os
import sys

# no __pycache__ in the source tree: it would mark the next run's commit dirty
sys.dont_write_bytecode = True

from benchreport.data import Data, fmt_ns  # noqa: E402
from benchreport.fork import section_fork  # noqa: E402
from benchreport.kernel import section_kernel  # noqa: E402
from benchreport.pe import section_pe  # noqa: E402
from benchreport.sections import (section_fault,  # noqa: E402
                                  section_frag, section_huge, section_replay,
                                  section_scale_areas, section_scale_pages)
from benchreport.summary import section_summary  # noqa: E402
from benchreport.work import section_memory, section_work  # noqa: E402


def commit_text(c):
    """The commit, and a plain warning if the tree had uncommitted changes."""
    if not c.endswith("-dirty"):
        return f"commit `{c}`"
    return (f"commit `{c[:-len('-dirty')]}` **with uncommitted changes** "
            "(`-dirty`: these numbers come from a working tree that differs "
            "from that commit, and may not be reproducible from it)")


def section_run(d):
    m = lambda k: d.need("meta", "host", k)  # noqa: E731
    accel = d.need("meta", "kernel", "accelerator")
    kernel_b = {
        "kvm": "rdtsc cycles of the guest running natively on KVM, and "
               "their time at the TSC's measured rate",
        "icount": "KVM gave no real times here, so the kernel ran under "
                  "QEMU's emulation with `-icount shift=0`, where an rdtsc "
                  "interval counts guest instructions exactly: section 9 "
                  "shows instructions per operation, not times",
    }.get(accel,
          "KVM was not usable here, so the kernel ran under QEMU's "
          "emulation (TCG) and section 9 shows its operation and work "
          "counts, not times")
    return f"""\
**Run:** {m('cpu_model')}, {m('cores'):.0f} cores; {commit_text(m('commit'))};
{m('date')}; {m('compiler')}; host kernel {m('kernel')}; the benchmarks
took {m('run_seconds'):.0f} s (the tradeoff study, the in-kernel run
included; `make bench` then writes the per-subsystem reports).

### Three kinds of measurement

- **(a) Host build, timed natively** — every time in sections 1 to 8 and
  the summary. The kernel's own `src/mm` code of both designs, called
  through `mm_space.h` on simulated physical memory
  (`tests/host/sim_phys.c`, poisoning off, tables reached through a
  direct map as in the kernel), built with `-O2` and no
  sanitizers. Each figure is the median of {m('reps'):.0f} timed passes;
  the two designs' passes alternate, so a change in the machine's speed
  hits both alike. Reading the clock costs
  {fmt_ns(m('clock_read_ns'))}, the floor under any single timed
  operation. Read ratios rather than absolute times: the machine is
  shared.
- **(b) In-kernel, under QEMU** — section 9: the same workloads run by
  the kernel itself (`bench` on its command line), both designs in one
  boot; {kernel_b}. Its rows are labelled `kernel-{accel}/` in the CSV.
- **(c) Deterministic work counts** — section 10, and the "tables
  entered" columns elsewhere: the cores count their own work
  (`src/mm/mm_work.h`): page-table entries read and written, tables
  entered, card1's tree nodes visited, frames taken and returned; from
  outside, TLB invalidations and VMA nodes allocated; and after each
  phase the page-table bytes, VMA bytes and tree height
  (`mm_check_invariants`). Section 11 gives every workload's memory
  overhead.
"""


# Why a row flagged pending has no figure yet: (what, why) by workload.
PENDING_WHY = {}


def section_pending(d):
    items = sorted(d.pending())
    if not items:
        return "None: every figure this report names was measured in this run.\n"
    lines = [f"- **{what}** (`{w}`): {why}."
             for w in items
             for what, why in [PENDING_WHY.get(w, (w, "flagged pending"))]]
    return ("These rows of the CSV are flagged `pending`; their figures "
            "appear here once the programs in `tests/bench/` measure "
            "them:\n\n" + "\n".join(lines) + "\n")


def report(d, imgdir):
    sections = [
        ("How this was measured", section_run(d)),
        ("Summary: where the page-table design wins, where it loses",
         section_summary(d)),
        ("1. Replay of real address spaces", section_replay(d, imgdir)),
        ("2. Scaling with the number of areas",
         section_scale_areas(d, imgdir)),
        ("3. Scaling with the number of pages",
         section_scale_pages(d, imgdir)),
        ("4. Fragmentation: finding a hole", section_frag(d, imgdir)),
        ("5. Fault path", section_fault(d, imgdir)),
        ("6. fork and exit", section_fork(d, imgdir)),
        ("7. Huge sparse reservations", section_huge(d, imgdir)),
        ("8. Loading PE programs: lazy against eager",
         section_pe(d, imgdir)),
        ("9. In the kernel under QEMU (measurement b)",
         section_kernel(d, imgdir)),
        ("10. Work counts (measurement c)", section_work(d)),
        ("11. Memory overhead of every workload", section_memory(d)),
        ("Pending", section_pending(d)),
    ]
    body = "\n".join(f"## {title}\n\n{text}" for title, text in sections)
    return f"""\
# Tradeoffs: page-table bookkeeping (rdos) against a VMA tree (Card 1)

<!-- GENERATED by `make bench` (scripts/run-bench.sh, then
     scripts/bench-report.py) from docs/tradeoffs.csv: do not edit. -->

Both virtual-memory designs of this kernel
([virtual-memory.md](virtual-memory.md), [card1.md](card1.md)) measured on the same work in one run. Every number
below is generated from [tradeoffs.csv](tradeoffs.csv) of that run
(columns `workload,design,metric,value,unit`); "rdos / card1" above 1 means
rdos takes longer or more memory. Regenerate with `make bench`.

{body}"""


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: bench-report.py CSV MARKDOWN IMAGE_DIR")
    data = Data(sys.argv[1])
    os.makedirs(sys.argv[3], exist_ok=True)
    text = report(data, sys.argv[3])
    with open(sys.argv[2], "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
