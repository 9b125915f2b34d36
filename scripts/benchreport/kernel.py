"""benchreport.kernel - measurement (b): the in-kernel benchmark
(src/kernel/kbench.h) booted under QEMU by scripts/run-bench.sh.

Its rows are the host study's, with the workload prefixed by the
measurement kind: kernel-kvm/... (rdtsc cycles on KVM: real time of the
host CPU) or kernel-tcg/... (under QEMU's emulation, where cycles measure
the emulator; this section then shows counts, not times).  The boot's
multiprocessor throughput rows (kernel-<accel>/smp-*) have their own
sub-section (benchreport.smp) and are kept out of the rest of it.
"""

from .data import DESIGNS, fmt_count, fmt_ratio, md_table, ratio, verdict
from .smp import section_smp
from .work import COUNTS, per_op, phases

MEMORY = ("table_bytes", "vma_bytes")


def kernel_prefix(d):
    return f"kernel-{d.need('meta', 'kernel', 'accelerator')}/"


def is_smp(w, prefix):
    """A throughput row (kbench_smp.c): rates, no phases, no host twin."""
    return w.startswith(prefix + "smp-")


def study_workloads(d, prefix):
    """The kernel's workloads of the host study: all but throughput."""
    return [w for w in d.workloads(prefix) if not is_smp(w, prefix)]


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


def case_rows(d, prefix, with_time):
    cases = [w for w in study_workloads(d, prefix) if "/replay/" in w]
    cases += [max((w for w in d.workloads(prefix + "scale-areas/")),
                  key=lambda w: int(w.split("/")[-1]))]
    cases += [w for w in d.workloads(prefix + "fault/bg")]
    cases += [prefix + "fork/cow", prefix + "huge/64TiB/pick"]
    cases += [max((w for w in d.workloads(prefix + "fork/touched/")),
                  key=lambda w: int(w.split("/")[-1]))]
    rows = []
    for w in cases:
        for ph in phases(d, w):
            ops = d.need(w, "rdos", ph + "_ops")
            for x in DESIGNS:
                time = ((fmt_count(d.need(w, x, ph + "_cycles") / ops),)
                        if with_time else ())
                rows.append((f"`{w[len(prefix):]}`", ph, fmt_count(ops),
                             x) + time + tuple(
                    fmt_count(per_op(d, w, x, ph, c)) for c, _ in COUNTS))
    return rows


def kvm_text(d, prefix):
    ws = [w for w in study_workloads(d, prefix) if "/replay/" in w]
    lines = []
    for w in ws:
        for ph in ("reserve", "touch", "release"):
            k = {x: d.need(w, x, ph + "_cycles") for x in DESIGNS}
            hw = w[len(prefix):]
            h = {x: d.get(hw, x, ph + "_ns") for x in DESIGNS}
            host = (f"; host build: {verdict(h['rdos'], h['card1'], 'time')}"
                    if None not in h.values() else "")
            lines.append(f"- `{hw}` {ph}: rdos / card1 = "
                         f"{fmt_ratio(ratio(k['rdos'], k['card1']))} "
                         f"in cycles ({verdict(k['rdos'], k['card1'], 'time')})"
                         f"{host}.")
    return "\n".join(lines)


def section_kernel(d, imgdir):
    """imgdir: where the plots go."""
    prefix = kernel_prefix(d)
    m = lambda k: d.need("meta", "kernel", k)  # noqa: E731
    kvm = m("accelerator") == "kvm"
    head = ("workload", "phase", "ops", "design")
    head += ("cycles per op",) if kvm else ()
    head += tuple(name for _, name in COUNTS)
    if kvm:
        how = (
            f"**KVM was usable** ({m('kvm_probe')}): the guest ran on the "
            "host CPU, and the cycles below are rdtsc intervals of real "
            "execution, per operation (median of "
            f"{m('reps'):.0f} passes). The rdos / card1 ratios can be read "
            "beside the host build's (section summaries); absolute cycles "
            "include the guest's real page-table and TLB upkeep, its frame "
            "allocator and heap, which the host build simulates.")
        extra = "\n\n" + kvm_text(d, prefix)
    else:
        how = (
            "**KVM was not usable on this machine**, so the kernel ran "
            "under QEMU's emulation (TCG, `-cpu "
            f"{m('cpu_model')}`). What the probe found: {m('kvm_probe')}. "
            "Under TCG an rdtsc interval measures the emulator translating "
            "and running the code, not the design, so **this section shows "
            "no times**: the rdtsc cycles are in the CSV "
            "(`<phase>_cycles`, emulated, not to be compared with anything) "
            "and below are the operation counts and the cores' work counts "
            "of the in-kernel run.")
        extra = ""
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
growing size; then, on the {m('cpus'):.0f} CPUs the boot brings up, the
multiprocessor throughput of both designs (its own sub-section below).
Each phase is timed with `rdtsc` and counted with the
cores' work counts; each workload runs {m('reps'):.0f} times per design
(alternating), and every pass must count exactly the same work. The boot
took {m('run_seconds'):.0f} s. Rows: `{prefix}WORKLOAD` in the CSV.

{how}

{agreement_text(d, prefix)}{extra}

{md_table(head, case_rows(d, prefix, kvm))}

{section_smp(d, prefix, imgdir)}"""
