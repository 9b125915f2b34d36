"""benchreport.fork - section 6 of the report: fork and exit against
touched memory, copy-on-write faults, the memory of the reference counts
against a per-frame array, and the replays' "fork once" step
(tests/bench/bench_fork.c, tests/bench/replay.c).
"""
from benchreport.data import (DESIGNS, TIE, fmt_bytes, fmt_count, fmt_ns,
                              fmt_ratio, md_table, scale_points, trace_names,
                              verdict)
from benchreport.plots import plot_fork

PAGE = 4096


def fork_points(d):
    """(touched pages, workload) of fork/touched/N, smallest first."""
    return scale_points(d, "fork/touched/")


def fork_per_page(d, w, x, n):
    return d.need(w, x, "fork_ns") / n


def child_bytes(d, w, x):
    """The child's bookkeeping after the fork: tables and VMA nodes."""
    return (d.need(w, x, "fork_child_own_table_bytes") +
            d.need(w, x, "fork_child_vma_bytes"))


def tables_cell(d, w, x):
    """Page tables the child has of its own / frames the fork allocated."""
    return (f"{fmt_count(d.need(w, x, 'fork_child_own_table_bytes') / PAGE)} / "
            f"{fmt_count(d.need(w, x, 'fork_frames_alloc'))}")


def fork_table(d, pts):
    rows = []
    for n, w in pts:
        ns = {x: d.need(w, x, "fork_ns") for x in DESIGNS}
        rows.append((fmt_bytes(n * PAGE),) +
                    tuple(fmt_ns(ns[x]) for x in DESIGNS) +
                    tuple(fmt_ns(ns[x] / n) for x in DESIGNS) +
                    (verdict(ns["rdos"], ns["card1"], "time"),) +
                    tuple(tables_cell(d, w, x) for x in DESIGNS) +
                    (fmt_count(d.need(w, "card1", "fork_nodes_alloc")),) +
                    tuple(fmt_ns(d.need(w, x, "exit_ns")) for x in DESIGNS))
    head = ("touched", "fork rdos", "fork card1", "per touched page rdos",
            "per touched page card1", "verdict",
            "child's own tables / frames allocated rdos", "same, card1",
            "VMA nodes cloned card1", "exit rdos", "exit card1")
    return md_table(head, rows)


def per_page_trend(d, pts):
    """How the cost per touched page moves from the smallest fork to the
    largest, in words."""
    (n0, w0), (n1, w1) = pts[0], pts[-1]
    per = {x: (fork_per_page(d, w0, x, n0), fork_per_page(d, w1, x, n1))
           for x in DESIGNS}
    low = {x: min(fork_per_page(d, w, x, n) for n, w in pts)
           for x in DESIGNS}
    share = [d.need(w, "rdos", "fork_share_bytes") for w in (w0, w1)]
    text = (f"Per touched page it costs {fmt_ns(per['rdos'][0])} (rdos) and "
            f"{fmt_ns(per['card1'][0])} (card1) at the smallest, "
            f"{fmt_ns(low['rdos'])} and {fmt_ns(low['card1'])} at the "
            f"lowest, {fmt_ns(per['rdos'][1])} and "
            f"{fmt_ns(per['card1'][1])} at the largest")
    why = []
    if all(per[x][0] > low[x] * (1 + TIE) for x in DESIGNS):
        why.append("the fixed part (the tables of the reservation, "
                   "card1's tree) weighs at the small end")
    if all(per[x][1] > low[x] * (1 + TIE) for x in DESIGNS):
        why.append("at the large end each count costs more: the share "
                   "table grows with the shared frames (doubling and "
                   f"rehashing, {fmt_bytes(share[0])} to "
                   f"{fmt_bytes(share[1])} here)")
    return text + (": " + "; ".join(why) if why else "") + "."


def tables_sentence(d, n, w):
    """What the largest fork allocated and shared."""
    own = d.need(w, "rdos", "fork_child_own_table_bytes") / PAGE
    reach = d.need(w, "rdos", "fork_child_table_bytes") / PAGE
    card = d.need(w, "card1", "fork_frames_alloc")
    inval = d.need(w, "card1", "fork_tlb_invalidations")
    return (f"- The fork of {fmt_bytes(n * PAGE)} touched: **rdos shares "
            f"the page tables** (docs/fork.md): the child has "
            f"{fmt_count(own)} table of its own (its PML4) and reaches "
            f"{fmt_count(reach)} shared with the parent, "
            f"{fmt_count(d.need(w, 'rdos', 'fork_share_tables'))} table "
            "count taken, no frame counted, one TLB flush; card1 copies "
            f"them: {fmt_count(card)} frames, a count for each of the "
            f"{fmt_count(n)} present pages and {fmt_count(inval)} TLB "
            "invalidations. What rdos pays later: the first write below "
            "a shared table copies it (section *Copy-on-write faults*).")


def ablation_sentence(d, pts):
    """rdos with its tables shared against rdos copying them."""
    (n1, w1) = pts[-1]
    wc = w1.replace("fork/", "fork-copy/", 1)
    if d.get(wc, "rdos", "fork_ns") is None:
        return ""
    share, copy = d.need(w1, "rdos", "fork_ns"), d.need(wc, "rdos", "fork_ns")
    return (f"- Ablation (`fork-copy/*`, rdos with `VM_SPACE_COPY_TABLES`): "
            f"copying the tables, the rdos fork of {fmt_bytes(n1 * PAGE)} "
            f"touched takes {fmt_ns(copy)} against {fmt_ns(share)} "
            f"shared ({fmt_ratio(copy / share)}), and card1's "
            f"{fmt_ns(d.need(w1, 'card1', 'fork_ns'))}: sharing is the "
            "whole difference.")


def warm_sentence(d, pts):
    """The same parent forked again at once (fork_again): the fork's own
    work without the cold caches the setup leaves."""
    (n0, w0), (n1, w1) = pts[0], pts[-1]
    if d.get(w1, "rdos", "fork_again_ns") is None:
        return ""
    again = {(x, w): d.need(w, x, "fork_again_ns")
             for x in DESIGNS for w in (w0, w1)}
    return (f"Forked once more at once (phase *fork_again*, the caches warm "
            f"from the first fork), rdos takes "
            f"{fmt_ns(again['rdos', w0])} at {fmt_bytes(n0 * PAGE)} and "
            f"{fmt_ns(again['rdos', w1])} at {fmt_bytes(n1 * PAGE)} "
            f"({fmt_ratio(again['rdos', w1] / again['rdos', w0])}), card1 "
            f"{fmt_ns(again['card1', w0])} and "
            f"{fmt_ns(again['card1', w1])}. " + evicted_sentence(d, pts))


def evicted_sentence(d, pts):
    """Forked once more after the same untimed sweep of other memory at
    every size (fork_evicted): equally cold caches and TLB."""
    (n0, w0), (n1, w1) = pts[0], pts[-1]
    if d.get(w1, "rdos", "fork_evicted_ns") is None:
        return ""
    ev = {w: d.need(w, "rdos", "fork_evicted_ns") for w in (w0, w1)}
    return (f"After an untimed write of 64 MiB of other memory, which "
            f"leaves every size as cold (phase *fork_evicted*), rdos takes "
            f"{fmt_ns(ev[w0])} at {fmt_bytes(n0 * PAGE)} and "
            f"{fmt_ns(ev[w1])} at {fmt_bytes(n1 * PAGE)} "
            f"({fmt_ratio(ev[w1] / ev[w0])}): the growth of the first "
            "fork is the state of the caches the setup leaves, not the "
            "fork's work, and a cold fork costs this much at any size. ")


def fork_sentences(d, pts):
    (n0, w0), (n1, w1) = pts[0], pts[-1]
    ns = {x: d.need(w1, x, "fork_ns") for x in DESIGNS}
    ex = {x: d.need(w1, x, "exit_ns") for x in DESIGNS}
    growth = {x: d.need(w1, x, "fork_ns") / d.need(w0, x, "fork_ns")
              for x in DESIGNS}
    return "\n".join([
        f"- {fmt_bytes(n1 * PAGE)} touched: a fork costs "
        f"{fmt_ns(ns['rdos'])} (rdos) vs {fmt_ns(ns['card1'])} (card1), "
        f"{verdict(ns['rdos'], ns['card1'], 'time')}; "
        f"{fmt_ns(fork_per_page(d, w1, 'rdos', n1))} and "
        f"{fmt_ns(fork_per_page(d, w1, 'card1', n1))} per touched page. "
        f"The child's exit costs {fmt_ns(ex['rdos'])} and "
        f"{fmt_ns(ex['card1'])}: every shared frame's count dropped, the "
        "tables freed.",
        f"- From {fmt_bytes(n0 * PAGE)} to {fmt_bytes(n1 * PAGE)} touched "
        f"({fmt_ratio(n1 / n0)} the pages) the fork grows "
        f"{fmt_ratio(growth['rdos'])} (rdos) and "
        f"{fmt_ratio(growth['card1'])} (card1). Card 1's cost follows "
        "the present pages, each one visited, counted and marked. The "
        "rdos fork does the same work at every size (the PML4's 256 user "
        "entries read, one shared pointer, one frame: the work counters "
        "of the CSV are equal); what grows is the time of that work "
        "after the untimed setup has touched the pages, which leaves the "
        "caches cold. " + warm_sentence(d, pts) + per_page_trend(d, pts),
        tables_sentence(d, n1, w1),
        ablation_sentence(d, pts),
    ])


def cow_section(d):
    w, ref = "fork/cow", "fault/bg0"
    pages = d.need(w, "rdos", "cow_copy_ops")
    kinds = (("cow_copy", w, "copying (count 2: frame taken, page copied)"),
             ("cow_in_place", w, "in place (count 1: made writable)"),
             ("demand_zero", ref, "demand-zero, for scale (section 5, "
                                  "no other areas)"))
    rows = [(label,) + tuple(fmt_ns(d.per_op(wk, x, ph)) for x in DESIGNS) +
            (verdict(d.per_op(wk, "rdos", ph), d.per_op(wk, "card1", ph),
                     "time"),) +
            tuple(fmt_count(d.per_op_count(wk, x, ph, m)) for m in
                  ("frames_alloc", "table_visits") for x in DESIGNS)
            for ph, wk, label in kinds]
    cnt = {x: (d.need(w, x, "cow_copies"), d.need(w, x, "cow_in_place"))
           for x in DESIGNS}
    ratio = {x: d.per_op(w, x, "cow_copy") / d.per_op(w, x, "cow_in_place")
             for x in DESIGNS}
    table = md_table(("fault", "rdos", "card1", "verdict",
                      "frames allocated rdos", "card1",
                      "tables entered rdos", "card1"), rows)
    return f"""\
### Copy-on-write faults

`fork/cow`: {fmt_count(pages)} pages ({fmt_bytes(pages * PAGE)}) touched,
forked, then the parent writes every page (each frame has count 2: a frame
is taken and the page copied) and then the child writes every page (count
1 now: the leaf is made writable in place, no frame). The share table
counted {fmt_count(cnt['rdos'][0])} copies and {fmt_count(cnt['rdos'][1])}
in-place faults for rdos, {fmt_count(cnt['card1'][0])} and
{fmt_count(cnt['card1'][1])} for card1: one of each per page, as the
benchmark checks. Time per fault.

{table}

- A copying fault costs {fmt_ratio(ratio['rdos'])} an in-place one for
  rdos and {fmt_ratio(ratio['card1'])} for card1: the frame and the 4 KiB
  copy, against a compare-and-swap on the leaf.
- The rdos copying faults include the table copies sharing put off: the
  parent's first write below each shared table copies it (a PDPT, a PD,
  then {fmt_count(pages / 512)} leaf tables here, 512 entries each, their
  present leaves counted), which is why rdos takes
  {fmt_count(d.per_op_count(w, 'rdos', 'cow_copy', 'frames_alloc'))} frames
  per fault on average against card1's
  {fmt_count(d.per_op_count(w, 'card1', 'cow_copy', 'frames_alloc'))};
  card1 paid for its copies at fork instead.
"""


def share_section(d, pts):
    ram = {m: d.need("fork/ram", "both", m)
           for m in ("sim_frames", "ram_16gib_frames",
                     "array_bytes_per_frame")}
    per = ram["array_bytes_per_frame"]
    arrays = (ram["sim_frames"] * per, ram["ram_16gib_frames"] * per)
    rows = []
    for n, w in pts:
        b = d.need(w, "card1", "fork_share_bytes")
        same = all(d.need(w, x, "fork_share_bytes") == b for x in DESIGNS)
        rows.append((fmt_bytes(n * PAGE),
                     fmt_count(d.need(w, "card1", "fork_share_frames")),
                     fmt_bytes(b) + ("" if same else " (rdos)"),
                     f"{b / d.need(w, 'card1', 'fork_share_frames'):.1f} B",
                     fmt_bytes(arrays[0]), fmt_bytes(arrays[1])))
    n1, w1 = pts[-1]
    big = d.need(w1, "card1", "fork_share_bytes")
    per_shared = big / d.need(w1, "card1", "fork_share_frames")
    even = arrays[0] / per_shared
    sim_ram = fmt_bytes(ram["sim_frames"] * PAGE)
    table = md_table(("touched", "frames shared", "share table",
                      "per shared frame", f"array, simulated RAM ({sim_ram})",
                      "array, 16 GiB"), rows)
    return f"""\
### Memory of the reference counts

The frame-share table (`vm_share_stats().bytes` after each fork above)
against a per-frame array of {per:.0f}-byte counts, which costs the same
whatever is shared: for the simulated RAM of `bench_fork`
({fmt_count(ram['sim_frames'])} frames) and for 16 GiB
({fmt_count(ram['ram_16gib_frames'])} frames).

{table}

- Without fork, and again once every child has exited, the table holds
  nothing and takes 0 bytes (every benchmark on the fixture of
  `tests/bench/bench_mm.h` checks this at its end).
- With {fmt_bytes(n1 * PAGE)} shared it takes {fmt_bytes(big)},
  {per_shared:.1f} bytes per shared frame (8-byte slots, between 3/8 and
  3/4 full). At that rate it stays below the array for the simulated RAM
  while fewer than {fmt_count(even)} frames
  ({even / ram['sim_frames']:.0%} of them) are shared at once, and below
  the 16 GiB array ({fmt_bytes(arrays[1])}) up to
  {fmt_count(arrays[1] / per_shared)} shared frames
  ({fmt_bytes(arrays[1] / per_shared * PAGE)} of shared memory).
"""


def replay_fork_section(d):
    names = trace_names(d)
    rows = []
    for n in names:
        w = f"replay/{n}/fork"
        for x in DESIGNS:
            shared = d.need(w, x, "fork_share_frames")
            rows.append((n, x, fmt_ns(d.need(w, x, "fork_ns")),
                         fmt_ns(d.need(w, x, "fork_ns") / shared)
                         if shared else "— (tables shared)",
                         fmt_count(d.need(w, x, "child_write_ops")),
                         fmt_ns(d.per_op(w, x, "child_write")),
                         fmt_ns(d.need(w, x, "exit_ns")),
                         fmt_bytes(d.need(w, x, "fork_child_table_bytes")),
                         fmt_bytes(d.need(w, x, "fork_child_vma_bytes"))
                         if x == "card1" else "—",
                         f"{fmt_bytes(d.need(w, x, 'fork_share_bytes'))} "
                         f"({fmt_count(shared)} frames)"))
    total = {x: sum(d.need(f"replay/{n}/fork", x, p + "_ns")
                    for n in names for p in ("fork", "child_write", "exit"))
             for x in DESIGNS}
    child = {x: sum(child_bytes(d, f"replay/{n}/fork", x) for n in names)
             for x in DESIGNS}
    table = md_table(("trace", "design", "fork", "per present page",
                      "child writes", "per write", "exit",
                      "child's tables", "child's VMA nodes",
                      "share table"), rows)
    return f"""\
### The replays' "fork once" step

`tests/bench/replay.c`, mode `fork`: each trace's space at its recorded
addresses (mode `at` of section 1), reserved and touched untimed, then
forked; in the child one page written in every writable area with
touched pages (a copy-on-write copy each); the child destroyed (exit).
"Per present page" divides the fork by the frames it shared.

{table}

- All {len(names)} traces, fork + child writes + exit: {fmt_ns(total['rdos'])}
  (rdos) vs {fmt_ns(total['card1'])} (card1),
  {verdict(total['rdos'], total['card1'], 'time')}. The children's
  bookkeeping: {fmt_bytes(child['rdos'])} vs {fmt_bytes(child['card1'])}
  ({verdict(child['rdos'], child['card1'], 'bytes')}), measured right
  after the fork: the rdos child owns its PML4 and shares every other
  table with the parent (the tables its writes then copy are in the
  "child writes" time, which is why a write costs rdos more); card1 has
  copied the tables of present pages and cloned its tree.
"""


def section_fork(d, imgdir):
    pts = fork_points(d)
    reserved = d.need(pts[0][1], "both", "reserved_pages")
    return f"""\
`tests/bench/bench_fork.c`: a reservation of {fmt_bytes(reserved * PAGE)}
at the bottom of the space, its first pages touched (written) untimed,
then forked (phase *fork*: the child made, every present page shared and
counted, the parent's writable pages made copy-on-write) and the child
destroyed (phase *exit*). The frames a fork allocates are the child's
page tables; card1 also clones its VMA tree.

### Fork cost against touched memory

{fork_table(d, pts)}

{fork_sentences(d, pts)}

{plot_fork(d, imgdir, pts)}

{cow_section(d)}
{share_section(d, pts)}
{replay_fork_section(d)}"""


def fork_headlines(d):
    """Rows for the summary: (what, kind, {design: value}, how)."""
    n, w = fork_points(d)[-1]
    reserved = d.need(w, "both", "reserved_pages") * PAGE
    names = trace_names(d)
    return [
        (f"fork of a {fmt_bytes(reserved)} reservation with "
         f"{fmt_bytes(n * PAGE)} touched",
         "time", {x: d.need(w, x, "fork_ns") for x in DESIGNS},
         "rdos shares the tables below the PML4 (one entry per 512 GiB); "
         "card1 copies every table, counts every present page and clones "
         "its tree"),
        ("copy-on-write fault that copies", "time",
         {x: d.per_op("fork/cow", x, "cow_copy") for x in DESIGNS},
         "both take a frame and copy the page; card1 checks the leaf and "
         "hands the fault to the rdos core's rung, which walks again"),
        ("replay, all traces: the children's bookkeeping after fork once",
         "bytes", {x: sum(child_bytes(d, f"replay/{t}/fork", x)
                          for t in names) for x in DESIGNS},
         "rdos: the child's PML4, every other table shared; card1 "
         "copies the tables of present pages, plus its nodes"),
    ]
