"""benchreport.smp - the multiprocessor part of measurement (b): fault and
reserve throughput of one process's threads against their number, in the
kernel, under both designs (src/kernel/kbench_smp.c spawns
tests/user/ut_mt_throughput.c with 1, 2, 4 ... threads up to the CPUs
online; docs/smp.md).

Rows: kernel-<accel>/smp-faults/threads=T, .../smp-reserves/threads=T and
.../smp-mixed/threads=T (T >= 2: one thread reserves and releases while
the other T-1 fault), design rdos or card1, metric per_second (all
faulting or reserving threads' operations together per second of the
guest's TSC); meta,kernel,cpus (CPUs online) and meta,kernel,frame_cache
(1: the per-CPU frame caches were on for them).  Also
kernel-<accel>/smp-frames/threads=T, design cache or nocache: frames taken
and given back per second by T CPUs at once with the frame caches on or
off (src/kernel/kbench_frames.c).  They have no phases (no `_ops`), so the
rest of section 9 leaves them alone (kernel.is_smp).
"""
from .data import (DESIGNS, TIE, fmt_count, fmt_ratio, md_table, ratio,
                   scale_points)
from .plots import plot_smp

SMP_KINDS = (("faults", "faults/s"), ("reserves", "reserves/s"))


def smp_points(d, prefix):
    """(threads, {kind: workload}) for every thread count measured,
    fewest first; every count must have both kinds."""
    counts = sorted(int(w.rsplit("=", 1)[1])
                    for w in d.workloads(prefix + "smp-faults/threads="))
    return [(t, {k: f"{prefix}smp-{k}/threads={t}" for k, _ in SMP_KINDS})
            for t in counts]


def rate(d, pts, t, kind, x):
    return d.need(dict(pts)[t][kind], x, "per_second")


def gain(d, pts, t0, t1, kind, x):
    """Rate at t1 threads over the rate at t0 threads."""
    return ratio(rate(d, pts, t1, kind, x), rate(d, pts, t0, kind, x))


def trend(g):
    """A gain in words: grows / stays level / falls (TIE either way)."""
    if g > 1 + TIE:
        return f"grows {fmt_ratio(g)}"
    if g < 1 - TIE:
        return f"falls to {fmt_ratio(g)}"
    return f"stays level at {fmt_ratio(g)}"


def parallel_limit(d):
    """How many vCPUs can run at once: QEMU runs each as a host thread."""
    return int(min(d.need("meta", "host", "cores"),
                   d.need("meta", "kernel", "cpus")))


def table(d, pts):
    rows = []
    for t, _ in pts:
        cells = [fmt_count(t)]
        for kind, _ in SMP_KINDS:
            r = {x: rate(d, pts, t, kind, x) for x in DESIGNS}
            cells += [f"{fmt_count(r[x])} "
                      f"({fmt_ratio(gain(d, pts, pts[0][0], t, kind, x))})"
                      for x in DESIGNS]
            cells.append(fmt_ratio(ratio(r["rdos"], r["card1"])))
        rows.append(cells)
    head = ("threads",) + tuple(
        h for _, unit in SMP_KINDS
        for h in (f"rdos {unit}", f"card1 {unit}", "rdos / card1"))
    return md_table(head, rows)


def span_text(d, pts, t0, t1, kind):
    """rdos's and card1's rate from t0 to t1 threads, in words."""
    parts = []
    for x in DESIGNS:
        g = gain(d, pts, t0, t1, kind, x)
        parts.append(f"{x}'s{' rate' if not parts else ''} {trend(g)} "
                     f"({fmt_count(rate(d, pts, t0, kind, x))} to "
                     f"{fmt_count(rate(d, pts, t1, kind, x))} a second)")
    return f"from {t0} to {t1} threads, " + ", ".join(parts)


def fault_text(d, pts, t0, tp):
    """Where each design's faults scale within the parallel range."""
    g = {x: gain(d, pts, t0, tp, "faults", x) for x in DESIGNS}
    up = {x: g[x] > 1 + TIE for x in DESIGNS}
    head = (f"- **Faults**, within what can run in parallel here: "
            f"{span_text(d, pts, t0, tp, 'faults')}; perfect scaling "
            f"would give {fmt_ratio(tp / t0)}.")
    if up["rdos"] and not up["card1"]:
        why = ("rdos scales and card1 does not: rdos's faults take no lock "
               "at all (each claims its page's entry with a CAS), while "
               "every card1 fault takes the space's lock as a reader, one "
               "atomic update of one shared word per fault, whose cache "
               "line travels between the CPUs" +
               (", and its rate even falls." if g["card1"] < 1 - TIE
                else "."))
    elif up["rdos"] and up["card1"]:
        more = "more" if g["rdos"] > g["card1"] * (1 + TIE) else (
            "less" if g["card1"] > g["rdos"] * (1 + TIE) else "about as much")
        why = (f"both scale, rdos {more} than card1: neither design's "
               "faults take the kernel lock, and with no reserve under way "
               "card1's reader lock only costs one shared atomic update per "
               "fault, which does not serialise the faults themselves.")
    elif up["card1"]:
        why = ("card1 scales and rdos does not, although rdos's faults "
               "take no lock and card1's take the space's reader lock: not "
               "what the designs predict; look at the boot's console.")
    else:
        why = ("neither design gains from more threads here, so this run "
               "does not show the effect of lockless faults.")
    return f"{head} {why} {frame_lock_text(d)}"


def frame_lock_text(d):
    """Which lock the lockless faults met for their frames in this run."""
    if d.get("meta", "kernel", "frame_cache"):
        return ("Both designs' faults took their frames from their CPU's "
                "own frame cache, meeting the frame allocator's lock once "
                "per batch (the frame allocator table below).")
    return ("Both designs' faults took the frame allocator's lock for "
            "each frame: this run had the per-CPU frame caches off.")


def reserve_text(d, pts, t0, tp):
    g = {x: gain(d, pts, t0, tp, "reserves", x) for x in DESIGNS}
    grew = [x for x in DESIGNS if g[x] > 1 + TIE]
    text = (f"- **Reserves** (a reserve and its release): "
            f"{span_text(d, pts, t0, tp, 'reserves')}. Neither design "
            "takes the kernel lock for them, but both hold the space's "
            "lock as a writer, so the calls of one process run one at a "
            "time and cannot go faster with more threads")
    if not grew:
        text += ("; the rates show it" +
                 ("" if all(gg >= 1 - TIE for gg in g.values()) else
                  ", and where they fall, contention costs more than it "
                  "gives: threads wait for the lock, and its cache line "
                  "moves between CPUs") + ".")
    else:
        text += (f"; yet {' and '.join(grew)}'s rate grows, so what "
                 f"limits {'it' if len(grew) == 1 else 'them'} is not the "
                 "work under the lock but something the calls wait for.")
    slow = ratio(rate(d, pts, t0, "reserves", "rdos"),
                 rate(d, pts, t0, "reserves", "card1"))
    if slow < 1 - TIE:
        text += " " + table_cost_text(d, t0, slow)
    return text


def oversubscribed(d):
    return d.need("meta", "kernel", "cpus") > d.need("meta", "host", "cores")


def table_cost_text(d, t0, slow):
    """Why rdos's reserves are slower at one thread: a reserve alone in
    its page table makes the table and its release frees it."""
    n, w = scale_points(d, "scale-pages/")[0]
    freed = {x: d.per_op_count(w, x, "release", "frames_freed")
             for x in DESIGNS}
    return (
        f"At {t0} thread{'s' * (t0 > 1)} card1 does "
        f"{fmt_ratio(1 / slow)} as many reserves a second as rdos. The "
        "likely cause: an rdos reserve writes its pages' entries, so one "
        "alone in its page table makes the table (a frame to take and "
        "zero) and its release frees it again (in an empty space, "
        f"{fmt_count(freed['rdos'])} table frames per release of a "
        f"{n}-page area against card1's {fmt_count(freed['card1'])}: "
        f"section 3, `{w}`), where card1 only adds and removes a tree "
        "node. Freed tables are shot down from the other CPUs' TLBs in "
        "batches of 32 (docs/smp.md), so that cost is spread" +
        (", but a batch's round of IPIs here can wait for a virtual CPU "
         "the host has to schedule first, having more of them than cores"
         if oversubscribed(d) else "") +
        ".")


def ratio_text(d, pts):
    parts = []
    for kind, _ in SMP_KINDS:
        r = {t: ratio(rate(d, pts, t, kind, "rdos"),
                      rate(d, pts, t, kind, "card1")) for t, _ in pts}
        rs = ", ".join(f"{fmt_ratio(r[t])} at {t}" for t, _ in pts)
        parts.append(f"{kind} {rs}")
    return ("- **rdos / card1** (here above 1 means rdos does more per "
            "second), by threads: " + "; ".join(parts) + ". At one thread "
            "there is no contention, and the ratio is the cost of one "
            "operation in each design.")


def beyond_text(d, pts, tp, accel):
    """The thread counts above what can run in parallel, honestly."""
    over = [t for t, _ in pts if t > tp]
    if not over:
        return None
    tn = over[-1]
    cores = d.need("meta", "host", "cores")
    grows = any(gain(d, pts, tp, tn, k, x) > 1 + TIE
                for k, _ in SMP_KINDS for x in DESIGNS)
    how = ("runs" if accel == "kvm" else "emulates")
    return (f"- **Beyond {tp} threads**: this host has {cores:.0f} cores, "
            f"and QEMU {how} each of the guest's "
            f"{d.need('meta', 'kernel', 'cpus'):.0f} virtual CPUs in a "
            f"host thread of its own, so at most {parallel_limit(d)} of "
            f"them run at once. The {tn}-thread rows therefore show "
            f"threads taking turns on {cores:.0f} cores, not the designs' "
            "scaling, and no gain is "
            f"expected. Faults: {span_text(d, pts, tp, tn, 'faults')}; "
            f"reserves: {span_text(d, pts, tp, tn, 'reserves')}." +
            (f" A rate that still grows suggests {tp} threads did not "
             f"keep the {cores:.0f} cores busy, or is within the timing's "
             "coarseness." if grows else ""))


def mixed_counts(d, prefix):
    """Thread counts with a mixed row (2 or more), fewest first."""
    return sorted(int(w.rsplit("=", 1)[1])
                  for w in d.workloads(prefix + "smp-mixed/threads="))


def kept(d, prefix, t, x):
    """A design's fault rate per faulting thread with a reserver beside
    them, over its rate per thread with none (the faults phase at t)."""
    mixed = d.need(f"{prefix}smp-mixed/threads={t}", x, "per_second") / (t - 1)
    alone = d.need(f"{prefix}smp-faults/threads={t}", x, "per_second") / t
    return ratio(mixed, alone)


def mixed_table(d, prefix, counts):
    rows = []
    for t in counts:
        r = {x: d.need(f"{prefix}smp-mixed/threads={t}", x, "per_second")
             for x in DESIGNS}
        rows.append([fmt_count(t), fmt_count(t - 1)] +
                    [f"{fmt_count(r[x])} ({fmt_ratio(kept(d, prefix, t, x))})"
                     for x in DESIGNS] +
                    [fmt_ratio(ratio(r["rdos"], r["card1"]))])
    return md_table(("threads", "faulting", "rdos faults/s", "card1 faults/s",
                     "rdos / card1"), rows)


def mixed_text(d, prefix, counts):
    """What a reserving thread does to the faults beside it, in words."""
    k = {x: [kept(d, prefix, t, x) for t in counts] for x in DESIGNS}
    mean = {x: sum(v) / len(v) for x, v in k.items()}
    if mean["rdos"] > mean["card1"] * (1 + TIE):
        verdict = ("rdos's faults keep more of their pace than card1's, as "
                   "the designs predict: an rdos reserve writes only free "
                   "entries and its faults take no lock, so they go on "
                   "beside it (only a release, which may free tables, "
                   "holds them off); every card1 fault needs the tree, so "
                   "it waits whenever the reserving thread holds the "
                   "space's lock as a writer.")
    elif mean["card1"] > mean["rdos"] * (1 + TIE):
        verdict = ("card1's faults keep more of their pace than rdos's, "
                   "against what the designs predict (card1's faults wait "
                   "for the writer, rdos's only for releases): look at the "
                   "boot's console, and at the coarse timing below.")
    else:
        verdict = ("Both designs' faults keep about the same share of "
                   "their pace. rdos's faults go on beside a reserve, but a "
                   "release holds them off while it drains them (it may "
                   "free tables), and the reserving thread releases as "
                   "often as it reserves; in this run that costs rdos's "
                   "faults about what waiting for the writer costs card1's.")
    shares = "; ".join(
        f"{x} " + ", ".join(f"{fmt_ratio(v)} at {t}" for t, v in zip(counts, k[x]))
        for x in DESIGNS)
    return ("- **Faults beside a reserving thread** (`smp-mixed`: one "
            "thread reserves and releases without a pause while the others "
            "fault): in parentheses, each design's fault rate per faulting "
            "thread over its rate per thread with nothing else running (the "
            f"faults phase), by threads: {shares}. {verdict}")


FRAME_MODES = (("cache", "caches on"), ("nocache", "caches off"))


def frame_points(d, prefix):
    """Thread counts of the frame allocator rows, fewest first."""
    return sorted(int(w.rsplit("=", 1)[1])
                  for w in d.workloads(prefix + "smp-frames/threads="))


def frame_rate(d, prefix, t, mode):
    return d.need(f"{prefix}smp-frames/threads={t}", mode, "per_second")


def frame_table(d, prefix, counts):
    rows = []
    for t in counts:
        r = {m: frame_rate(d, prefix, t, m) for m, _ in FRAME_MODES}
        rows.append([fmt_count(t)] + [
            f"{fmt_count(r[m])} "
            f"({fmt_ratio(ratio(r[m], frame_rate(d, prefix, counts[0], m)))})"
            for m, _ in FRAME_MODES] + [fmt_ratio(ratio(r["cache"], r["nocache"]))])
    head = (("threads",) + tuple(f"{h}, frames/s" for _, h in FRAME_MODES) +
            ("on / off",))
    return md_table(head, rows)


def frame_text(d, prefix, counts, t0, tp):
    """The frame rows' figures in words: scaling, and the caches' gain."""
    rate = {(t, m): frame_rate(d, prefix, t, m) for t in counts
            for m, _ in FRAME_MODES}
    g = {m: ratio(rate[tp, m], rate[t0, m]) for m, _ in FRAME_MODES}
    spans = ", ".join(
        f"{h} {trend(g[m])} ({fmt_count(rate[t0, m])} to "
        f"{fmt_count(rate[tp, m])} a second)" for m, h in FRAME_MODES)
    if g["cache"] > g["nocache"] * (1 + TIE):
        why = ("the caches scale better: each CPU takes its own cache's "
               "lock, whose line stays with that CPU, and meets the shared "
               "`frames_lock` once per batch of frames; without them every "
               "frame takes `frames_lock`, and CPUs wait for it and pass "
               "its line between them.")
    elif g["nocache"] > g["cache"] * (1 + TIE):
        why = ("the bitmap alone scales better than the caches here, "
               "which is not what the design predicts; look at the boot's "
               "console.")
    else:
        why = ("both change about alike here, so this run does not show "
               "contention on `frames_lock` costing more than the caches "
               "save.")
    if g["cache"] < 1 - TIE:
        why += (" With the caches on the rate still falls, so something "
                "else is shared: the host (other load on its cores), or "
                "the handed-out bits of neighbouring frames, which share "
                "words and cache lines between CPUs.")
    gains = ", ".join(f"{fmt_ratio(ratio(rate[t, 'cache'], rate[t, 'nocache']))}"
                      f" at {t}" for t in counts)
    return (f"- **From {t0} to {tp} threads** (within what can run in "
            f"parallel here): {spans}; {why}\n"
            f"- **Caches on / off**, by threads: {gains}. At {t0} "
            f"thread{'s' * (t0 > 1)} there is no contention, and the ratio "
            "is the cost of a cache pop or push against a trip to the "
            "bitmap under `frames_lock` (both pay the same handed-out bit, "
            "the double-free check); above it, what contention adds.")


def section_frames(d, prefix):
    """The frame allocator's throughput, caches on and off."""
    title = "### Frame allocator throughput against CPUs, caches on and off"
    counts = frame_points(d, prefix)
    if not counts:
        return (f"{title}\n\nNo `{prefix}smp-frames/*` rows in this run's "
                "CSV: the boot did not run `kbench_frames.c`.\n")
    t0 = counts[0]
    tp = max(t for t in counts if t <= parallel_limit(d))
    if tp == t0:
        tp = counts[-1]
    return f"""\
{title}

`src/kernel/kbench_frames.c`: with {", ".join(str(t) for t in counts)}
kernel threads, one per CPU, all at once, each takes `KB_FRAMES_HELD`
frames and gives them back, in a loop, for `KB_FRAMES_MS` of its own
time stamp counter, once with
the per-CPU frame caches on (`src/kernel/frame_cache.c`) and once with
them off (every frame through the bitmap under `frames_lock`). Figures:
frames taken per second by all threads together (the TSC rate measured
against the PIT); in parentheses, the rate over the {t0}-thread rate.
Rows: `{prefix}smp-frames/threads=T`, designs `cache` and `nocache`; each
the median of {d.need("meta", "kernel", "reps"):.0f} runs, the settings
alternating. Emulated as above: compare the two columns and the thread
counts, not the absolute figures.

{frame_table(d, prefix, counts)}

{frame_text(d, prefix, counts, t0, tp)}
"""


EMULATED = {
    "tcg": (
        "**Emulated (TCG):** these rates are of QEMU's emulation, not of "
        "a real CPU; compare the designs and the thread counts with each "
        "other, not with the host build or any native figure.\n\n"),
    "icount": (
        "**Counted (TCG with `-icount shift=0`):** the guest's clock "
        "advances one nanosecond per guest instruction, and QEMU runs the "
        "virtual CPUs one after another on one host thread, so a "
        "\"second\" below is 10^9 guest instructions of all CPUs "
        "together: a rate is operations per 10^9 instructions, and "
        "10^9 / rate the instructions one operation costs, spinning on "
        "locks and waiting included. Threads cannot run faster together "
        "here; what grows with threads is the work contention adds. "
        "This is not the multiprocessor throughput on real CPUs: only a "
        "KVM that runs the guest natively gives that.\n\n"),
}


def section_smp(d, prefix, imgdir):
    """The throughput sub-section of section 9, or a note that this run
    has no such rows."""
    accel = d.need("meta", "kernel", "accelerator")
    title = ("### Fault and reserve throughput against threads "
             f"(in the kernel, {accel})")
    pts = smp_points(d, prefix)
    if not pts:
        return (f"{title}\n\nNo `{prefix}smp-faults/*` rows in this run's "
                "CSV: the boot did not run `ut_mt_throughput`.\n\n"
                f"{section_frames(d, prefix)}")
    t0, tp = pts[0][0], max(t for t, _ in pts if t <= parallel_limit(d))
    if tp == t0:  # one core: show the span measured, said to be serial
        tp = pts[-1][0]
    emulated = EMULATED.get(accel, "")
    cpus = d.need("meta", "kernel", "cpus")
    counts = ", ".join(str(t) for t, _ in pts)
    counts_mixed = mixed_counts(d, prefix)
    lines = [fault_text(d, pts, t0, tp), reserve_text(d, pts, t0, tp),
             mixed_text(d, prefix, counts_mixed) if counts_mixed else None,
             beyond_text(d, pts, tp, accel), ratio_text(d, pts)]
    mixed = (f"\n\nFaults beside a reserving thread:\n\n"
             f"{mixed_table(d, prefix, counts_mixed)}" if counts_mixed else "")
    return f"""\
{title}

{emulated}`src/kernel/kbench_smp.c` ends the boot
({cpus:.0f} CPUs online) by spawning
`tests/user/ut_mt_throughput.c` with {counts}
threads, under each design in turn at every count. **faults**: every
thread first-touches `KB_SMP_PAGES` pages of its own reservation, all
threads at once (demand-zero faults); neither design takes the kernel
lock for them: under rdos a fault takes no lock at all (CAS on the
entries, held off only by a release, protect or fork of the same
space), under card1 it takes the space's lock as a reader (it must read
the VMA tree). **reserves**: every thread reserves and releases a small
area `KB_SMP_ROUNDS` times, all at once; in both designs without the
kernel lock, under the space's lock as a writer. **mixed** (2 threads
or more): one thread reserves and releases without a pause while the
others first-touch a second area of their own. Each
figure is all threads' operations together per second of the guest's
TSC (the phase timed with `rdtsc` in ring 3, at the rate the kernel
measured), one run (no median), from the
moment the threads are let go to the moment the last is done; in
parentheses, the rate over the {t0}-thread rate. Rows:
`{prefix}smp-faults/threads=T`, `{prefix}smp-reserves/threads=T` and
`{prefix}smp-mixed/threads=T`.
The process's main thread waits for its workers by spinning, so at
{pts[-1][0]} threads one thread more than the {cpus:.0f} CPUs is runnable.

**One run each:** each figure is a single run of its phase (the
interleaving of the threads differs from run to run except under
`-icount`): read the trends across thread counts, and small differences
between single figures as noise.

{table(d, pts)}{mixed}

{chr(10).join(line for line in lines if line)}

{plot_smp(d, imgdir, pts, tp, accel)}

{section_frames(d, prefix)}"""
