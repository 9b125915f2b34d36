"""benchreport.summary - the report's verdict: for a few headline
measurements, which design is ahead and by how much, with what each
design does there.
"""
from benchreport.data import (DESIGNS, TIE, fmt_ns, fmt_ratio, fmt_value,
                              frag_failing, largest, md_table, ratio,
                              replay_sum, verdict)
from benchreport.fork import fork_headlines


def headline_items(d):
    """(what, kind, {design: value}, how both designs do this work)."""
    phase_ns = lambda *ph: lambda w, x: sum(  # noqa: E731
        d.need(w, x, p + "_ns") for p in ph)
    areas = largest(d, "scale-areas/")
    n_areas = int(float(areas.split("/")[-1]))
    pages = largest(d, "scale-pages/")
    fault = d.workloads("fault/bg")[-1]
    return [
        ("replay, all traces, allocator picks: reserve + release", "time",
         replay_sum(d, "pick", phase_ns("reserve", "release")),
         "rdos writes a run into the compact entry of a block that has no "
         "table (one upper-level entry per whole 2 MiB / 1 GiB / 512 GiB "
         "block, a non-present entry per page where the block has its "
         "table) and removes them at release; card1 inserts and removes one "
         "node per area in its tree"),
        ("replay, all traces, allocator picks: touching the resident pages",
         "time", replay_sum(d, "pick", phase_ns("touch")),
         "both take and zero (or fill) a frame per page; rdos decides from "
         "the page's entry, card1 looks the area up in the tree and builds "
         "the page-table path"),
        ("replay, all traces: bookkeeping after reserve, nothing touched",
         "bytes", replay_sum(d, "pick",
                             lambda w, x: d.bookkeeping(w, x, "reserve")),
         "rdos holds reservations in compact entries' descriptors (16 bytes "
         "a run, 128 bytes to 4 KiB a partial block, those that cross the "
         "space's ends too) and in page tables where a block holds over 255 "
         "runs, card1 in "
         "72-byte nodes "
         "plus the PML4"),
        ("replay, all traces: bookkeeping after touch", "bytes",
         replay_sum(d, "pick", lambda w, x: d.bookkeeping(w, x, "touch")),
         "card1 has page tables only where pages were touched, plus its "
         "nodes; rdos has the tables of the touched blocks, which also hold "
         "their untouched pages' entries, and keeps the untouched blocks "
         "compact"),
        (f"{n_areas:,} areas: reserve, per area", "time",
         {x: d.per_op(areas, x, "reserve") for x in DESIGNS},
         "rdos's next-fit walk starts at the cursor, just past the last "
         "reservation; card1 descends its gap-augmented tree and inserts"),
        (f"{n_areas:,} areas: release in random order, per area", "time",
         {x: d.per_op(areas, x, "release") for x in DESIGNS},
         "rdos clears the area's entries where they are; card1 finds and "
         "removes a node, rebalancing, and clears the same page-table path"),
        (f"{n_areas:,} areas: bookkeeping after touch", "bytes",
         {x: d.bookkeeping(areas, x, "touch") for x in DESIGNS},
         "the same page tables for the touched pages in both; card1 adds a "
         "node per area"),
        ("fragmented space, search from the bottom for a hole that exists",
         "time", {x: d.per_op("frag/lo", x, "hole_16") for x in DESIGNS},
         "rdos's summaries lead it into the first table that can hold the "
         "hole, where it reads entries up to the hole, writes one per page "
         "and reads the hole's extent to keep the summaries exact; card1 "
         "descends to the lowest gap and writes one node"),
        ("fragmented space, a search that fails", "time",
         {x: d.per_op("frag/lo", x, frag_failing(d)) for x in DESIGNS},
         "both answer from summaries near the top: rdos reads the few "
         "table pointers that cover the space and the edge runs between "
         "them, card1 the largest gap at its root"),
        (f"demand-zero fault ({fault})", "time",
         {x: d.per_op(fault, x, "demand_zero") for x in DESIGNS},
         "both take a frame and zero it; rdos decides from the page's entry, "
         "card1 from the VMA it finds in the tree"),
        (f"fault on an unreserved page ({fault})", "time",
         {x: d.per_op(fault, x, "unreserved") for x in DESIGNS},
         "both find the page's entry empty (one table entered); card1 must "
         "then search its tree for a VMA"),
        ("64 TiB reservation where the allocator puts it: bookkeeping",
         "bytes", {x: d.bookkeeping("huge/64TiB/pick", x, "reserve")
                   for x in DESIGNS},
         "rdos writes one entry per whole 512 GiB block and a compact "
         "entry at each unaligned end (the first, whose block crosses the "
         "space's lower end, holds page 0 as its bound run), whose "
         "descriptors take a pool frame; card1 needs one node"),
        (f"{float(pages.split('/')[-1]):,.0f} pages reserved and released, "
         "untouched", "time",
         {x: d.per_op(pages, x, "reserve") + d.per_op(pages, x, "release")
          for x in DESIGNS},
         "rdos writes and clears one entry per whole block and a run in "
         "the compact entry at each unaligned end (one of them crosses the "
         "space's lower end: its page 0 is a bound run), and searches and "
         "keeps the summaries; card1 inserts and removes one node"),
    ] + fork_headlines(d)


def linux_summary(d):
    """The reference: the same replays on the host's Linux."""
    book = replay_sum(d, "pick", lambda w, x: d.need(w, x, "reserve_ns") +
                      d.need(w, x, "release_ns"))
    ws = [w for w in d.workloads("replay/") if w.endswith("/pick")]
    linux = sum(d.need(w, "linux", "reserve_ns") +
                d.need(w, "linux", "release_ns") for w in ws)
    return (f"Reference: the host's Linux maps and unmaps the same "
            f"{len(ws)} address spaces (`mmap` + `munmap`, same touches in "
            f"between) in {fmt_ns(linux)}, against {fmt_ns(book['rdos'])} "
            f"for rdos and {fmt_ns(book['card1'])} for card1 here "
            f"({fmt_ratio(linux / book['rdos'])} and "
            f"{fmt_ratio(linux / book['card1'])}); Linux pays for system "
            "calls, real page-table and TLB upkeep and its own accounting, "
            "which the host builds do not (section 1).")


def section_summary(d):
    rows, wins, losses, even = [], [], [], []
    for what, kind, v, how in headline_items(d):
        verdict_text = verdict(v["rdos"], v["card1"], kind)
        rows.append((what, fmt_value(v["rdos"], kind),
                     fmt_value(v["card1"], kind),
                     fmt_ratio(ratio(v["rdos"], v["card1"])), verdict_text))
        line = (f"- **{what}**: rdos {fmt_value(v['rdos'], kind)}, card1 "
                f"{fmt_value(v['card1'], kind)} — {verdict_text}. "
                f"Why: {how}.")
        r = ratio(v["rdos"], v["card1"])
        (even if r != r or abs(r - 1) <= TIE else
         wins if r < 1 else losses).append(line)
    parts = [md_table(("measurement", "rdos", "card1", "rdos / card1",
                       "verdict"), rows), linux_summary(d)]
    for title, lines in (("Where the page-table design (rdos) wins", wins),
                         ("Where it loses", losses),
                         (f"About even (within {TIE:.0%})", even)):
        if lines:
            parts.append(f"**{title}:**\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"
