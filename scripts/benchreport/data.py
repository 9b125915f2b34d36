"""benchreport.data - the tradeoff CSV as a lookup table, the queries the
report makes of it, and how numbers are written.

Everything the report states as a number passes through here: a value
missing from the CSV stops the report (Data.need) rather than printing a
default.
"""
import csv
import sys

DESIGNS = ("rdos", "card1")
TIE = 0.10  # within 10% either way: "about even"
FAULT_KINDS = (
    ("demand_zero", "demand-zero (write, frame zeroed)"),
    ("present", "page already present (stale TLB rung)"),
    ("image", "image page (provider fills the frame)"),
    ("unreserved", "unreserved page (FREE)"),
)


class Data:
    """The CSV as a lookup table: (workload, design, metric) -> value."""

    def __init__(self, path):
        self.v = {}
        self.order = []  # workloads in file order
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                key = (row["workload"], row["design"], row["metric"])
                self.v[key] = number_or_text(row["value"])
                if row["workload"] not in self.order:
                    self.order.append(row["workload"])

    def get(self, w, d, m, default=None):
        return self.v.get((w, d, m), default)

    def need(self, w, d, m):
        if (w, d, m) not in self.v:
            sys.exit(f"bench-report: {w},{d},{m} missing from the CSV")
        return self.v[(w, d, m)]

    def workloads(self, prefix):
        return [w for w in self.order if w.startswith(prefix)]

    def per_op(self, w, d, phase):
        """Median ns of one operation of a phase."""
        return self.need(w, d, phase + "_ns") / self.need(w, d, phase + "_ops")

    def per_op_count(self, w, d, phase, count):
        """A work count of a phase per operation."""
        return (self.need(w, d, f"{phase}_{count}") /
                self.need(w, d, phase + "_ops"))

    def bookkeeping(self, w, d, phase):
        """Page tables, compact entries' descriptor frames and VMA nodes
        after a phase, bytes."""
        return (self.need(w, d, phase + "_table_bytes") +
                self.get(w, d, phase + "_descriptor_bytes", 0) +
                self.get(w, d, phase + "_vma_bytes", 0))

    def pending(self):
        return [w for (w, d, m), v in self.v.items() if m == "pending" and v]


def number_or_text(s):
    try:
        return float(s)
    except ValueError:
        return s


def fmt_ns(ns):
    for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_bytes(b):
    for scale, unit in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"),
                        (2**10, "KiB")):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b:.0f} B"


def fmt_count(n):
    return f"{n:,.0f}" if n >= 100 or n == int(n) else f"{n:.3g}"


def fmt_ratio(r):
    return f"{r:.2f}×" if r < 10 else f"{r:,.0f}×"


def ratio(rdos, card1):
    """rdos / card1; inf or nan where card1 measured 0."""
    if card1:
        return rdos / card1
    return float("nan") if rdos == 0 else float("inf")


def verdict(rdos, card1, kind):
    """Who is ahead, by how much, in words ("time", "bytes" or
    "instructions")."""
    r = ratio(rdos, card1)
    better = {"time": "faster", "instructions": "fewer instructions"}.get(
        kind, "smaller")
    if r != r or abs(r - 1) <= TIE:
        return "about even"
    if r < 1:
        return f"rdos {fmt_ratio(1 / r)} {better}" if r else f"rdos {better}"
    return f"card1 {fmt_ratio(r)} {better}"


def fmt_value(v, kind):
    return fmt_ns(v) if kind == "time" else fmt_bytes(v)


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def trace_names(d):
    return [w.split("/")[1] for w in d.workloads("replay/")
            if w.count("/") == 1]


def replay_sum(d, mode, metric_of):
    """A per-design sum over every trace of metric_of(workload, design)."""
    ws = [w for w in d.workloads("replay/") if w.endswith("/" + mode)]
    return {x: sum(metric_of(w, x) for w in ws) for x in DESIGNS}


def largest(d, prefix):
    """The scaling workload with the largest parameter, e.g. scale-areas/N."""
    return max(d.workloads(prefix), key=lambda w: float(w.split("/")[-1]))


def scale_points(d, prefix):
    ws = sorted(d.workloads(prefix), key=lambda w: float(w.split("/")[-1]))
    return [(int(float(w.split("/")[-1])), w) for w in ws]


def frag_phases(d):
    phases = [m[:-3] for (w, x, m) in d.v
              if w == "frag/lo" and x == "rdos" and m.startswith("hole_")
              and m.endswith("_ns")]
    return sorted(phases, key=lambda p: int(p.split("_")[1]))


def frag_failing(d):
    """The smallest probed hole size no probe found: the failing search."""
    for ph in frag_phases(d):
        if d.need("frag/lo", "rdos", ph + "_found") == 0:
            return ph
    return frag_phases(d)[-1]


def vs_op(d, w, phase):
    """The verdict on one operation of a phase of workload w."""
    return verdict(d.per_op(w, "rdos", phase), d.per_op(w, "card1", phase),
                   "time")


def vs_mem(d, w, phase):
    """The verdict on the bookkeeping after a phase of workload w."""
    return verdict(d.bookkeeping(w, "rdos", phase),
                   d.bookkeeping(w, "card1", phase), "bytes")
