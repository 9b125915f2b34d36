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
(reference), both, host, trace, and for PE loading lazy, eager and image.
Workloads and metrics are those printed by tests/bench/*.c (see
tests/bench/bench_mm.h for the per-phase metrics).
"""
import os
import sys

# no __pycache__ in the source tree: it would mark the next run's commit dirty
sys.dont_write_bytecode = True

from benchreport.data import (DESIGNS, Data, fmt_count,  # noqa: E402
                              fmt_ns, frag_failing, largest, md_table,
                              trace_names)
from benchreport.fork import section_fork  # noqa: E402
from benchreport.pe import section_pe  # noqa: E402
from benchreport.sections import (section_fault,  # noqa: E402
                                  section_frag, section_huge, section_replay,
                                  section_scale_areas, section_scale_pages)
from benchreport.summary import section_summary  # noqa: E402


def section_run(d):
    m = lambda k: d.need("meta", "host", k)  # noqa: E731
    kvm = m("kvm")
    kernel_b = (
        "KVM is available on this machine (QEMU starts a machine with "
        "`-accel kvm`), but the in-kernel benchmark does not exist yet"
        if kvm else
        "KVM is not available on this machine, and under QEMU's emulation "
        "(TCG) cycle counts would measure the emulator, not the design; the "
        "in-kernel benchmark does not exist yet either")
    return f"""\
**Run:** {m('cpu_model')}, {m('cores'):.0f} cores; commit `{m('commit')}`;
{m('date')}; {m('compiler')}; host kernel {m('kernel')}; the benchmarks
took {m('run_seconds'):.0f} s (the tradeoff study; `make bench` then writes
the per-subsystem reports).

### Three kinds of measurement

- **(a) Host build, timed natively** — every time in this report. The
  kernel's own `src/mm` code of both designs, called through `mm_space.h`
  on simulated physical memory (`tests/host/sim_phys.c`, poisoning off),
  built with `-O2` and no sanitizers. Each figure is the median of
  {m('reps'):.0f} timed passes; the two designs' passes alternate, so a
  change in the machine's speed hits both alike. Reading the clock costs
  {fmt_ns(m('clock_read_ns'))}, the floor under any single timed operation.
  Read ratios rather than absolute times: the machine is shared.
- **(b) In-kernel, rdtsc under QEMU/KVM — pending.** {kernel_b}, so there
  are no kernel figures in this report.
- **(c) Deterministic work counts**, from one untimed probe pass per
  workload and design (every timed pass must repeat its counts exactly, or
  the benchmark stops): *page tables entered* (calls of the environment's
  `phys_to_virt`, one per table a walk enters, plus one per frame a fault
  fills), *frames* allocated and freed, *TLB invalidations*, *VMA nodes*
  allocated, and after each phase the *page-table bytes*, *VMA bytes* and
  tree height (`mm_check_invariants`). Counted from outside because the
  cores have no counters. **Missing:** entries read inside a table (rdos
  searches and releases read entries, not tables) and tree nodes visited
  by card1's searches and lookups; the tree height bounds the latter
  (an O(log n) descent visits at most a few paths of that length).
"""


def section_counts(d):
    """Work counts per operation of the phases that show each design's
    mechanism."""
    areas = largest(d, "scale-areas/")
    cases = [(f"replay/{n}/pick", p) for n in trace_names(d)[:1]
             for p in ("reserve", "touch", "release")]
    cases += [(areas, p) for p in ("reserve", "touch", "release")]
    cases += [(d.workloads("fault/bg")[-1], p)
              for p in ("demand_zero", "unreserved")]
    cases += [("frag/lo", frag_failing(d)), ("huge/64TiB/pick", "reserve")]
    cases += [(largest(d, "fork/touched/"), "fork"), ("fork/cow", "cow_copy"),
              ("fork/cow", "cow_in_place")]
    rows = []
    for w, ph in cases:
        ops = d.need(w, "rdos", ph + "_ops")
        for x in DESIGNS:
            rows.append((w, ph, fmt_count(ops), x) + tuple(
                fmt_count(d.need(w, x, f"{ph}_{m}") / ops)
                for m in ("table_visits", "frames_alloc", "frames_freed",
                          "nodes_alloc", "tlb_invalidations")))
    return f"""\
Per operation of the phase, from the probe pass (identical in every timed
pass). Every workload's full counts, and the memory and tree height after
each phase, are in the CSV (`<phase>_table_visits`, `_frames_alloc`,
`_frames_freed`, `_tlb_invalidations`, `_nodes_alloc`, `_nodes_freed`,
`_table_bytes`, `_vma_bytes`, `_vma_nodes`, `_tree_height`).

{md_table(("workload", "phase", "ops", "design", "tables entered",
           "frames allocated", "frames freed", "nodes allocated",
           "TLB invalidations"), rows)}
"""


PENDING_WHY = {
    "kernel-rdtsc": ("in-kernel figures (measurement b)",
                     "no in-kernel benchmark exists yet; this includes "
                     "loading PE programs in the kernel (section 8 "
                     "measures the host build)"),
}


def section_pending(d):
    items = sorted(d.pending())
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
        ("Work counts (measurement c)", section_counts(d)),
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
