"""benchreport.pe - section 8 of the report: loading a PE program lazily
against eagerly (tests/bench/bench_pe.c), pages and time before the first
instruction, on the host build.
"""
from benchreport.data import (fmt_bytes, fmt_count, fmt_ns, fmt_ratio,
                              md_table)
from benchreport.plots import plot_pe

LOADS = (("eager", "first_instruction"), ("lazy", "first_instruction"),
         ("lazy", "one_function"))


def pe_workloads(d):
    """pe_load/NAME workloads, smallest image first."""
    return sorted(d.workloads("pe_load/"),
                  key=lambda w: d.need(w, "image", "image_bytes"))


def pe_table(d, ws):
    rows = []
    for w in ws:
        ns = [d.need(w, x, what + "_ns") for x, what in LOADS]
        rows.append((f"`{w.split('/', 1)[1]}`",
                     fmt_bytes(d.need(w, "image", "image_bytes"))) +
                    tuple(fmt_count(d.need(w, x, what + "_pages"))
                          for x, what in LOADS) +
                    tuple(fmt_ns(v) for v in ns) +
                    (fmt_ratio(ns[0] / ns[1]),))
    return md_table(("program", "image size", "pages eager",
                     "pages lazy", "pages lazy, one function", "eager",
                     "lazy", "lazy, one function", "eager / lazy"), rows)


def pe_sentences(d, ws):
    w0, w1 = ws[0], ws[-1]
    get = lambda w, x, m: d.need(w, x, m)  # noqa: E731
    pages = get(w1, "eager", "first_instruction_pages")
    eager = get(w1, "eager", "first_instruction_ns")
    lazy = get(w1, "lazy", "first_instruction_ns")
    grow = {x: get(w1, x, "first_instruction_ns") /
            get(w0, x, "first_instruction_ns") for x in ("eager", "lazy")}
    image_fault = d.per_op("fault/bg0", "rdos", "image")
    return "\n".join([
        f"- The largest program ({fmt_bytes(get(w1, 'image', 'image_bytes'))}"
        f"): eager produces {fmt_count(pages)} pages in {fmt_ns(eager)} "
        f"({fmt_ns(eager / pages)} a page) before the first instruction, "
        f"lazy {fmt_count(get(w1, 'lazy', 'first_instruction_pages'))} in "
        f"{fmt_ns(lazy)}, {fmt_ratio(eager / lazy)} sooner. A run of its "
        "one function needs "
        f"{fmt_count(get(w1, 'lazy', 'one_function_pages'))} pages "
        f"({fmt_ns(get(w1, 'lazy', 'one_function_ns'))}).",
        f"- From the smallest to the largest program "
        f"({fmt_ratio(pages / get(w0, 'eager', 'first_instruction_pages'))}"
        f" the pages) the eager time grows {fmt_ratio(grow['eager'])}, the "
        f"lazy one {fmt_ratio(grow['lazy'])}: lazy loading parses the "
        "headers and produces the same few pages whatever the size. What "
        "growth it shows is not more work: the three loads alternate, so "
        "each lazy load follows an eager one that has pushed the file out "
        "of the caches, and the more of it the larger the file.",
        "- Lazy loading does not make the pages free, it defers them: each "
        "page a program touches later costs a fault, frame and fill "
        f"included ({fmt_ns(image_fault)} for an image page on rdos in "
        "section 5, whose provider writes the page as `pe_fill_page` "
        "does). A program that touches every page produces them all "
        "anyway, each behind a fault, and pays more in total than the "
        "eager load; one that touches a few, as a run of one function of "
        "a large program does, saves the rest.",
    ])


def section_pe(d, imgdir):
    ws = pe_workloads(d)
    reps = d.need("meta", "host", "reps")
    return f"""\
**Host build: the cost of producing the pages, not of loading in the
kernel.** `tests/bench/bench_pe.c` runs the `src/pe` code built for the
host: `pe_parse`, then `pe_fill_page` for each page a loader needs, into
memory written beforehand; the file is in memory (as a GRUB module is) and
the image is loaded at its preferred base, so no relocation is applied.
No address space, frame allocation, page-table update or fault is in
these times. The in-kernel figure, a real spawn of a PE program to its
first instruction under both designs, is in section 9 ("From ring 3").

The programs are `tests/pe/bench_image.c` linked by mingw-w64 gcc with a
table of 64 KiB to 16 MiB in `.rdata` (`tests/pe/pe.mk`, the table from
`tests/pe/gen-table.sh`); the entry calls one function, which reads the
table's first word. Before the first instruction:

- **eager**: every page of the image (headers and every section's pages),
  what an eager loader copies;
- **lazy**: only the pages the first instruction needs, the headers page
  and the entry's page;
- **lazy, one function**: the pages the whole run touches: also the
  function's page and the table's first page (found in the image's COFF
  symbol table).

Times include `pe_parse` and are the median of {reps:.0f} loads; every
lazily produced page is checked to equal the eager one.

{pe_table(d, ws)}

{pe_sentences(d, ws)}

{plot_pe(d, imgdir, ws)}
"""
