"""benchreport.kernel - measurement (b): the in-kernel benchmark
(src/kernel/kbench.h) booted under QEMU by scripts/run-bench.sh.

Its rows are the host study's, with the workload prefixed by the
measurement kind: kernel-kvm/... (rdtsc cycles on KVM running the guest
natively: real time, turned into ns with the TSC rate the kernel measured
against the PIT, meta tsc_hz), kernel-icount/... (QEMU's emulation with
-icount shift=0: every TSC tick one guest instruction, so the *_cycles
metrics are renamed *_instructions: exact counts, no times) or, in older
runs, kernel-tcg/... (plain emulation: cycles measure the emulator, and
the section shows counts only).  The boot's multiprocessor throughput rows
(kernel-<accel>/smp-*) have their own sub-section (benchreport.smp); the
ring-3 rows (kernel-<accel>/ring3-fault, .../pe-load/NAME, from
tests/user/ut_bench_user.c) theirs here; both are kept out of the rest.
"""

from .data import (DESIGNS, fmt_count, fmt_ns, fmt_ratio, md_table, ratio,
                   verdict)
from .smp import section_smp
from .work import COUNTS, per_op, phases

MEMORY = ("table_bytes", "descriptor_bytes", "vma_bytes")


def kernel_prefix(d):
    return f"kernel-{d.need('meta', 'kernel', 'accelerator')}/"


def is_smp(w, prefix):
    """A throughput row (kbench_smp.c): rates, no phases, no host twin."""
    return w.startswith(prefix + "smp-")


def is_ring3(w, prefix):
    """A row ut_bench_user printed: timed in ring 3, no work counts."""
    return (w == prefix + "ring3-fault" or
            w.startswith(prefix + "pe-load/"))


def study_workloads(d, prefix):
    """The kernel's workloads of the host study: all but throughput and
    the ring-3 rows."""
    return [w for w in d.workloads(prefix)
            if not is_smp(w, prefix) and not is_ring3(w, prefix)]


def clock(d):
    """(metric suffix, what a tick is, verdict kind) of this run's timed
    rows, or None where they measure nothing (plain TCG)."""
    accel = d.need("meta", "kernel", "accelerator")
    if accel == "kvm":
        return ("_cycles", "cycles", "time")
    if accel == "icount":
        return ("_instructions", "instructions", "instructions")
    return None


def per_op_ticks(d, w, x, ph):
    return d.need(w, x, ph + clock(d)[0]) / d.need(w, x, ph + "_ops")


def ns_of(d, ticks):
    return ticks * 1e9 / d.need("meta", "kernel", "tsc_hz")


def comparisons(d, prefix):
    """(kernel workload, host workload, phase, design, metric, same?) for
    every count the host also has: per operation, and the memory after
    the phase where the phase did as many operations."""
    for kw in study_workloads(d, prefix):
        hw = kw[len(prefix):]
        for ph in phases(d, kw):
            if d.get(hw, "rdos", ph + "_ops") is None:
                continue
            for x in DESIGNS:
                same_ops = (d.need(kw, x, ph + "_ops") ==
                            d.need(hw, x, ph + "_ops"))
                for c, _ in COUNTS:
                    yield (kw, hw, ph, x, c, per_op(d, kw, x, ph, c) ==
                           per_op(d, hw, x, ph, c))
                for m in MEMORY if same_ops else ():
                    yield (kw, hw, ph, x, m, d.need(kw, x, f"{ph}_{m}") ==
                           d.need(hw, x, f"{ph}_{m}"))


def agreement_text(d, prefix):
    cmp = list(comparisons(d, prefix))
    differ = sorted({(hw, ph) for kw, hw, ph, x, m, same in cmp
                     if not same})
    shared = sorted({hw for kw, hw, *_ in cmp})
    same = sum(1 for c in cmp if c[-1])
    listed = ", ".join(f"`{hw}` {ph}" for hw, ph in differ) or "none"
    return (
        f"**Against the host build:** {len(shared)} of the kernel's "
        "workloads have a host workload of the same name; of their "
        f"{fmt_count(len(cmp))} comparable figures (work counts per "
        "operation, and page-table and VMA bytes after phases of equal "
        f"size) {fmt_count(same)} are exactly equal. The same source "
        "code does the same work in the kernel as on simulated memory. "
        f"Phases that differ: {listed}. Expected differences: the kernel "
        "releases scale-areas in a fixed scattered order where the host "
        "shuffles (card1's tree shape during the release differs), and "
        "its fault and fork/cow workloads fault 4,096 pages where the "
        "host faults 16,384 (tables per fault are spread differently).")


def case_rows(d, prefix):
    """Every phase of every study workload, both designs: ticks per
    operation (and under KVM their time, beside the host build's) where
    this run has a clock, then the work counts per operation."""
    c = clock(d)
    rows = []
    for w in study_workloads(d, prefix):
        hw = w[len(prefix):]
        for ph in phases(d, w):
            ops = d.need(w, "rdos", ph + "_ops")
            for x in DESIGNS:
                timed = ()
                if c:
                    t = per_op_ticks(d, w, x, ph)
                    timed = (fmt_count(t),)
                if c and c[1] == "cycles":
                    h = d.get(hw, x, ph + "_ns")
                    hops = d.get(hw, x, ph + "_ops")
                    timed += (fmt_ns(ns_of(d, t)),
                              fmt_ns(h / hops) if h is not None and hops
                              else "-")
                rows.append((f"`{hw}`", ph, fmt_count(ops), x) + timed +
                            tuple(fmt_count(per_op(d, w, x, ph, cnt))
                                  for cnt, _ in COUNTS))
    return rows


def ratio_text(d, prefix):
    """rdos / card1 per phase in this run's ticks, beside the host build's
    time where it has the workload."""
    c = clock(d)
    lines = []
    for w in study_workloads(d, prefix):
        hw = w[len(prefix):]
        for ph in phases(d, w):
            k = {x: d.need(w, x, ph + c[0]) for x in DESIGNS}
            h = {x: d.get(hw, x, ph + "_ns") for x in DESIGNS}
            host = (f"; host build: {fmt_ratio(ratio(h['rdos'], h['card1']))}"
                    if None not in h.values() else "")
            lines.append(f"- `{hw}` {ph}: "
                         f"{fmt_ratio(ratio(k['rdos'], k['card1']))} in "
                         f"{c[1]} ({verdict(k['rdos'], k['card1'], c[2])})"
                         f"{host}.")
    return ("**rdos / card1, every phase** (above 1: rdos takes more "
            f"{c[1]}):\n\n" + "\n".join(lines))


def section_ring3(d, prefix):
    """The ring-3 rows: faults end to end and spawn to first instruction."""
    title = ("### From ring 3: demand-zero faults end to end, spawn to "
             "first instruction")
    c = clock(d)
    w = prefix + "ring3-fault"
    if d.get(w, "rdos", "demand_zero_ops") is None or not c:
        return (f"{title}\n\nNo `{w}` rows with a clock in this run's "
                "CSV.\n")
    unit = c[1]
    loads = d.workloads(prefix + "pe-load/")
    inner = prefix + "fault/bg0"
    rows = []
    for x in DESIGNS:
        zero = d.need(w, x, "demand_zero" + c[0])
        present = d.need(w, x, "present" + c[0])
        call = (per_op_ticks(d, inner, x, "demand_zero")
                if d.get(inner, x, "demand_zero_ops") else None)
        firsts = [d.need(lw, x, "first_instruction" + c[0]) for lw in loads]
        cells = [x, fmt_count(zero), fmt_count(present),
                 fmt_count(call) if call is not None else "-"]
        cells += [fmt_count(f) for f in firsts]
        if unit == "cycles":
            cells += [fmt_ns(ns_of(d, zero))]
            cells += [fmt_ns(ns_of(d, f)) for f in firsts]
        rows.append(cells)
    names = [lw.split("/", 2)[-1] for lw in loads]
    head = ["design", f"demand-zero fault, {unit}",
            f"write to a present page, {unit}",
            f"`mm_fault` alone (`fault/bg0`), {unit}"]
    head += [f"spawn `{n}` to its first instruction, {unit}" for n in names]
    if unit == "cycles":
        head += ["demand-zero fault, time"]
        head += [f"spawn `{n}`, time" for n in names]
    z = {x: d.need(w, x, "demand_zero" + c[0]) for x in DESIGNS}
    first = ""
    if loads:
        f = {x: d.need(loads[0], x, "first_instruction" + c[0])
             for x in DESIGNS}
        first = (" Spawn to first instruction: rdos / card1 = "
                 f"{fmt_ratio(ratio(f['rdos'], f['card1']))} "
                 f"({verdict(f['rdos'], f['card1'], c[2])}).")
    pages = d.need(w, "rdos", "demand_zero_ops")
    return f"""\
{title}

`tests/user/ut_bench_user.c`, spawned once per design by
`src/kernel/kbench_user.c`, times itself in ring 3 with `rdtsc`: a write to
each of {pages:.0f} pages of a fresh reservation (each a demand-zero fault
end to end: the trap entry, the design's decision, a zeroed frame, the
return to ring 3 and the write again), then the same writes to the now
present pages (the loop's own cost); and its own spawn, from just before
the parent's `SPAWN` to the child's first instruction (`_start` in
`crt0.asm` reads the TSC first): the system call, the PE parse, the new
address space and the faults that bring in the child's first code page.
Per operation, the median of 3 passes; rows `{w}` and
`{prefix}pe-load/NAME`. Beside them, the in-kernel `mm_fault` call alone
(`fault/bg0` demand_zero above): the difference is the trap, the kernel
entry and exit, and the fault handler's work around the design.

{md_table(head, rows)}

Demand-zero from ring 3: rdos / card1 =
{fmt_ratio(ratio(z['rdos'], z['card1']))}
({verdict(z['rdos'], z['card1'], c[2])}).{first}
"""


def how_text(d):
    m = lambda k: d.need("meta", "kernel", k)  # noqa: E731
    accel = m("accelerator")
    tsc = (f"The TSC ticks at {m('tsc_hz') / 1e9:.3f} GHz (measured against "
           "the PIT at the start of the boot; CPUID calls it "
           f"{'invariant' if m('invariant_tsc') else 'not invariant'}), and "
           "1,000 dependent decrements took "
           f"{fmt_count(m('spin_ticks_per_1000'))} ticks.")
    if accel == "kvm":
        return (
            f"**KVM runs the guest natively here** ({m('kvm_probe')}): the "
            "cycles below are rdtsc intervals of real execution on the "
            "host CPU, per operation (median of "
            f"{m('reps'):.0f} passes), and their time at the TSC's rate, "
            "beside the host build's time for the same workload where it "
            "has one. " + tsc + " Absolute figures include the guest's "
            "real page-table and TLB upkeep, its frame allocator and heap, "
            "which the host build simulates; the virtual CPUs are host "
            "threads the host may deschedule, so read ratios first.")
    if accel == "icount":
        return (
            "**Instruction counts, not times.** KVM gave no real times "
            f"here ({m('kvm_probe')}), so the kernel ran under QEMU's "
            f"emulation (`-cpu {m('cpu_model')}`) with `-icount shift=0`: "
            "the guest's clock advances one nanosecond per instruction, so "
            "an rdtsc interval is the number of guest instructions "
            "executed in it, exactly, and the same on every run and every "
            "host. The `*_cycles` rows the kernel prints are therefore "
            "renamed `*_instructions` in the CSV. Instructions per "
            "operation compare the designs' code paths (both run the same "
            "kernel, frame allocator and heap); they do not weigh cache "
            "misses, TLB misses or the cost of `invlpg`, as a real CPU "
            "does. Interrupt handlers that run inside a phase (the 100 Hz "
            "timer) are counted in it. " + tsc)
    return (
        "**KVM was not usable on this machine**, so the kernel ran "
        "under QEMU's emulation (TCG, `-cpu "
        f"{m('cpu_model')}`). What the probe found: {m('kvm_probe')}. "
        "Under TCG an rdtsc interval measures the emulator translating "
        "and running the code, not the design, so **this section shows "
        "no times**: the rdtsc cycles are in the CSV "
        "(`<phase>_cycles`, emulated, not to be compared with anything) "
        "and below are the operation counts and the cores' work counts "
        "of the in-kernel run.")


def section_kernel(d, imgdir):
    """imgdir: where the plots go."""
    prefix = kernel_prefix(d)
    m = lambda k: d.need("meta", "kernel", k)  # noqa: E731
    c = clock(d)
    head = ("workload", "phase", "ops", "design")
    if c:
        head += (f"{c[1]} per op",)
    if c and c[1] == "cycles":
        head += ("time per op", "host build, per op")
    head += tuple(name for _, name in COUNTS)
    ratios = "\n\n" + ratio_text(d, prefix) if c else ""
    return f"""\
`src/kernel/kbench.c`, `kbench_work.c`: the kernel booted with the flag
`bench` (`build/bench.iso`, {m('memory')} of guest RAM) runs the study's
workloads on both designs in one boot, on spaces made through
`mm_space.h` with the machine's environment (real frames from the frame
allocator, card1's nodes from `kmalloc`, `invlpg`), faults as `mm_fault`
calls as on the host: the traces of section 1 (delivered as GRUB modules,
where the allocator picks), scaling with the number of areas,
demand-zero / image / unreserved faults with and without 1,000 other
areas, copy-on-write faults, huge sparse reservations and fork + exit of
growing size; then ring-3 programs time demand-zero faults end to end and
a spawn to the first instruction; then, on the {m('cpus'):.0f} CPUs the
boot brings up, the multiprocessor throughput of both designs (their own
sub-sections below). Each phase is timed with `rdtsc` and counted with
the cores' work counts; each workload runs {m('reps'):.0f} times per
design (alternating), and every pass must count exactly the same work.
The boot took {m('run_seconds'):.0f} s. Rows: `{prefix}WORKLOAD` in the
CSV.

{how_text(d)}

{agreement_text(d, prefix)}{ratios}

{md_table(head, case_rows(d, prefix))}

{section_ring3(d, prefix)}

{section_smp(d, prefix, imgdir)}"""
