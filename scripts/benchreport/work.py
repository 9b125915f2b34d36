"""benchreport.work - measurement (c): the cores' own work counts
(src/mm/mm_work.h) per workload and phase, and the memory overhead of
every workload.

Counts are per operation of a phase (the phase's total over its `_ops`).
Every sentence that states a count computes it here from the CSV.
"""
from .data import (DESIGNS, fmt_bytes, fmt_count, frag_failing, largest,
                   md_table, scale_points, trace_names)

COUNTS = (
    ("entries_read", "entries read"),
    ("entries_written", "entries written"),
    ("table_visits", "tables entered"),
    ("nodes_visited", "tree nodes visited"),
    ("frames_alloc", "frames taken"),
    ("frames_freed", "frames returned"),
)


def phases(d, w, x="rdos"):
    """The phases of workload w, in the order the benchmark ran them."""
    return [m[:-4] for (w2, x2, m) in d.v
            if w2 == w and x2 == x and m.endswith("_ops")]


def per_op(d, w, x, ph, count):
    return d.need(w, x, f"{ph}_{count}") / d.need(w, x, ph + "_ops")


def count_table(d, cases):
    """(workload, phase) cases: one row per design, counts per operation."""
    rows = []
    for w, ph in cases:
        for x in DESIGNS:
            rows.append((f"`{w}`", ph, fmt_count(d.need(w, x, ph + "_ops")),
                         x) + tuple(fmt_count(per_op(d, w, x, ph, c))
                                    for c, _ in COUNTS))
    return md_table(("workload", "phase", "ops", "design") +
                    tuple(name for _, name in COUNTS), rows)


def all_phases(ws, d):
    return [(w, ph) for w in ws for ph in phases(d, w)]


def replay_text(d):
    names = trace_names(d)
    w = f"replay/{names[0]}/pick"
    big = max(names, key=lambda n: d.need(f"replay/{n}/pick", "rdos",
                                          "reserve_ops"))
    wb = f"replay/{big}/pick"
    return (
        f"In `{w}` a reserve reads "
        f"{fmt_count(per_op(d, w, 'rdos', 'reserve', 'entries_read'))} "
        "entries and writes "
        f"{fmt_count(per_op(d, w, 'rdos', 'reserve', 'entries_written'))} "
        "on average for rdos: the search reads entries from the cursor to "
        "the first hole that fits (one per table it crosses, skipping what "
        "a free-space summary or a free upper-level entry covers), the "
        "marking writes an entry per page outside whole 2 MiB / 1 GiB "
        "blocks, and each table it touches gets its summary updated from "
        "the free run next to the change. card1 reads no entry at "
        "reserve: it looks at "
        f"{fmt_count(per_op(d, w, 'card1', 'reserve', 'nodes_visited'))} "
        "tree nodes (the gap search and the insert, each a root-to-leaf "
        "path of an AA tree whose height is below 2 log2(n + 1)). In "
        f"`{wb}`, with {fmt_count(d.need(wb, 'rdos', 'reserve_ops'))} areas, "
        "card1 visits "
        f"{fmt_count(per_op(d, wb, 'card1', 'reserve', 'nodes_visited'))} "
        "nodes per reserve and "
        f"{fmt_count(per_op(d, wb, 'card1', 'touch', 'nodes_visited'))} "
        "per touch (each fault looks its area up), where rdos visits none "
        "and decides the fault from the page's own entry after "
        f"{fmt_count(per_op(d, wb, 'rdos', 'touch', 'entries_read'))} "
        "entry reads.")


def scale_text(d):
    pts = scale_points(d, "scale-areas/")
    (n0, w0), (n1, w1) = pts[0], pts[-1]
    nodes = [per_op(d, w, "card1", "reserve", "nodes_visited")
             for w in (w0, w1)]
    reads = [per_op(d, w, "rdos", "reserve", "entries_read")
             for w in (w0, w1)]
    return (
        f"From {fmt_count(n0)} to {fmt_count(n1)} areas, card1's nodes "
        f"visited per reserve grow from {fmt_count(nodes[0])} to "
        f"{fmt_count(nodes[1])} (log n: the tree deepens), rdos's entries "
        f"read per reserve go from {fmt_count(reads[0])} to "
        f"{fmt_count(reads[1])}: its next-fit search starts at the cursor, "
        "just past the last reservation, so its cost does not follow the "
        "number of areas.")


def frag_text(d):
    ph = frag_failing(d)
    return (
        f"The failing search (`{ph}`) reads "
        f"{fmt_count(per_op(d, 'frag/lo', 'rdos', ph, 'entries_read'))} "
        "entries in rdos, every entry of the fragmented space that no "
        "summary lets it skip; card1 looks at "
        f"{fmt_count(per_op(d, 'frag/lo', 'card1', ph, 'nodes_visited'))} "
        "node(s): the largest gap kept at the root says no hole is large "
        "enough.")


def fault_text(d):
    w = d.workloads("fault/bg")[-1]
    return (
        f"In `{w}` a demand-zero fault reads "
        f"{fmt_count(per_op(d, w, 'rdos', 'demand_zero', 'entries_read'))} "
        "entries in rdos (it descends to the page's entry three times: "
        "the lookup, the check for an upper-level entry to split, the "
        "leaf slot) and "
        f"{fmt_count(per_op(d, w, 'card1', 'demand_zero', 'entries_read'))}"
        " in card1 plus "
        f"{fmt_count(per_op(d, w, 'card1', 'demand_zero', 'nodes_visited'))}"
        " tree nodes; a fault on an unreserved page costs rdos "
        f"{fmt_count(per_op(d, w, 'rdos', 'unreserved', 'entries_read'))} "
        "entry read and card1 "
        f"{fmt_count(per_op(d, w, 'card1', 'unreserved', 'nodes_visited'))}"
        " nodes (the lookup, then the searches that tell how large the "
        "free block around the page is).")


def huge_text(d):
    w = "huge/64TiB/pick"
    return (
        f"Reserving 64 TiB writes "
        f"{fmt_count(d.need(w, 'rdos', 'reserve_entries_written'))} "
        "entries in rdos (one per whole block, a compact entry at each "
        "unaligned end) and none in card1 (one node); releasing "
        f"it after {fmt_count(d.need(w, 'rdos', 'touch_ops'))} touches "
        f"reads {fmt_count(d.need(w, 'rdos', 'release_entries_read'))} "
        "entries in rdos against "
        f"{fmt_count(d.need(w, 'card1', 'release_entries_read'))} in "
        "card1: both walk the tables of the touched pages, rdos also the "
        "reservation entries around them.")


def fork_text(d):
    w = largest(d, "fork/touched/")
    return (
        f"`{w}`: the fork reads "
        f"{fmt_count(d.need(w, 'rdos', 'fork_entries_read'))} entries and "
        f"writes {fmt_count(d.need(w, 'rdos', 'fork_entries_written'))} "
        "in rdos, "
        f"{fmt_count(d.need(w, 'card1', 'fork_entries_read'))} and "
        f"{fmt_count(d.need(w, 'card1', 'fork_entries_written'))} in card1 "
        "(which also clones "
        f"{fmt_count(d.need(w, 'card1', 'fork_nodes_visited'))} node): "
        "both copy every table entry of the present pages and rewrite the "
        "parent's writable leaves as copy-on-write; rdos also copies the "
        "reservation entries.")


def section_work(d):
    names = trace_names(d)
    pts = scale_points(d, "scale-areas/")
    groups = [
        ("Replay", all_phases([f"replay/{n}/pick" for n in names], d),
         replay_text(d)),
        ("Scaling with the number of areas",
         all_phases([pts[0][1], pts[len(pts) // 2][1], pts[-1][1]], d),
         scale_text(d)),
        ("Fragmentation", [("frag/lo", ph) for ph in phases(d, "frag/lo")],
         frag_text(d)),
        ("Fault path", all_phases(d.workloads("fault/bg"), d),
         fault_text(d)),
        ("Huge sparse reservations",
         all_phases([w for w in d.workloads("huge/")], d), huge_text(d)),
        ("fork and exit",
         all_phases([w for _, w in scale_points(d, "fork/touched/")] +
                    ["fork/cow"], d), fork_text(d)),
    ]
    subs = "\n".join(f"### (c) work counts: {title}\n\n{text}\n\n"
                     f"{count_table(d, cases)}\n"
                     for title, cases, text in groups)
    return f"""\
The cores count their own work (`src/mm/mm_work.h`), through the
environment every space is made from, so these counts are what the code
did, not an estimate: *entries read* and *written* (page-table entries;
invariant checks and the zeroing of a new table excluded), *tables
entered*, card1's *tree nodes visited* (lookups, hole searches, insert,
remove, fork's clone), and the *frames* taken from and returned to the
environment, which the benchmark checks against simulated memory at
every phase boundary. They come from the untimed probe pass; every timed
pass must count exactly the same or the benchmark stops. Host unit tests
(`tests/host/test_work.c`) check them on cases counted by hand. Per
operation of each phase; the totals are in the CSV
(`<phase>_entries_read`, `_entries_written`, `_table_visits`,
`_nodes_visited`, `_frames_alloc`, `_frames_freed`).

Why the designs differ: rdos decides everything from entries, so its
counts are entries, and they follow what it must walk (the distance to a
hole, the pages of a reservation outside whole blocks); card1 decides
from its tree, so it visits O(log n) nodes per lookup and reads entries
only for present pages.

{subs}"""


def memory_rows(d):
    # an -icount run also keeps its rows under the kernel-tcg/ names of
    # earlier runs (scripts/run-bench.sh): list each workload once
    kernel = f"kernel-{d.need('meta', 'kernel', 'accelerator')}/"
    for w in d.order:
        if w.startswith("kernel-") and not w.startswith(kernel):
            continue
        if not any(m.endswith("_table_bytes") for (w2, x, m) in d.v
                   if w2 == w and x == "rdos"):
            continue
        cells = []
        for x in DESIGNS:
            peak = max(phases(d, w, x), key=lambda ph: (
                d.need(w, x, ph + "_table_bytes") +
                d.need(w, x, ph + "_vma_bytes")))
            share = d.get(w, x, "fork_share_bytes", 0)
            cells.append((d.need(w, x, peak + "_table_bytes"),
                          d.need(w, x, peak + "_vma_bytes"), share, peak))
        yield w, cells


def section_memory(d):
    rows = []
    for w, cells in memory_rows(d):
        rows.append((f"`{w}`",) + tuple(
            f"{fmt_bytes(t)} + {fmt_bytes(v)} + {fmt_bytes(s)} = "
            f"{fmt_bytes(t + v + s)} (after {ph})"
            for t, v, s, ph in cells))
    return f"""\
Every workload of the host study with an address space, per design: at
its largest (the phase after which page tables plus VMA nodes were
largest) the bytes of **page tables** (PML4 included) + **VMA nodes**
(72 bytes each, card1 only) + the **frame-share table**, the only
reference-count structure (it holds an entry per frame a fork shared and
nothing otherwise: every benchmark checks it is empty again at its end;
forks are counted after the fork, children's tables are in section 6).

{md_table(("workload", "rdos: tables + nodes + refcounts",
           "card1: tables + nodes + refcounts"), rows)}
"""
