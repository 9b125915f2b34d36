"""benchreport.plots - the report's figures (PNG under docs/img/), each
drawn from the CSV through benchreport.data and returned as the Markdown
that shows it.
"""
import os

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

from benchreport.data import DESIGNS, FAULT_KINDS  # noqa: E402

COLORS = {"rdos": "#1f77b4", "card1": "#d62728", "linux": "#7f7f7f"}


def save(fig, imgdir, name):
    fig.tight_layout()
    fig.savefig(os.path.join(imgdir, name), dpi=90)
    plt.close(fig)
    return f"![{name}](img/{name})"


def loglog_panel(ax, title, ylabel, series):
    """series: (label, xs, ys, color); x and y on log axes."""
    for label, xs, ys, color in series:
        if xs:
            ax.plot(xs, ys, "o-", label=label, color=color, markersize=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def bar_groups(ax, groups, series, ylabel, log=True):
    """Grouped bars: groups on x, one bar per (label, values, color)."""
    width = 0.8 / len(series)
    for i, (label, values, color) in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width
              for g in range(len(groups))]
        ax.bar(xs, values, width, label=label, color=color)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8, rotation=15)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)


def lighter(color):
    """The same hue, paler: the second bar of a pair."""
    rgb = matplotlib.colors.to_rgb(color)
    return tuple(c + (1 - c) * 0.55 for c in rgb)


def plot_replay(d, names, imgdir):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    xs = DESIGNS + ("linux",)
    book = lambda n, x: (  # noqa: E731
        d.need(f"replay/{n}/pick", x, "reserve_ns") +
        d.need(f"replay/{n}/pick", x, "release_ns")) / 1e6
    bar_groups(axes[0], names, [(x, [book(n, x) for n in names], COLORS[x])
                                for x in xs], "ms")
    axes[0].set_title("reserve + release (allocator picks)", fontsize=10)
    bar_groups(axes[1], names, [
        (x, [d.need(f"replay/{n}/pick", x, "touch_ns") / 1e6
             for n in names], COLORS[x]) for x in xs], "ms")
    axes[1].set_title("touching the resident pages", fontsize=10)
    mem = [(f"{x}, {ph}", [d.bookkeeping(f"replay/{n}/pick", x, ph) / 1024
                           for n in names], c)
           for ph, shade in (("reserve", 0), ("touch", 1))
           for x, c in ((x, COLORS[x] if not shade else
                         lighter(COLORS[x])) for x in DESIGNS)]
    bar_groups(axes[2], names, mem, "KiB")
    axes[2].set_title("bookkeeping: after reserve / after touch",
                      fontsize=10)
    return save(fig, imgdir, "replay.png")


def plot_scale(d, imgdir, pts, name, xlabel, memory_after):
    """Per-op reserve, touch and release against the scale, and the
    bookkeeping after memory_after."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    for ax, ph in zip(axes, ("reserve", "touch", "release")):
        series = []
        for x in DESIGNS:
            got = [(n, w) for n, w in pts if d.get(w, x, ph + "_ns")]
            series.append((x, [n for n, w in got],
                           [d.per_op(w, x, ph) for n, w in got], COLORS[x]))
        loglog_panel(ax, f"{ph}, ns per {'page' if ph == 'touch' else 'op'}",
                     "ns", series)
        ax.set_xlabel(xlabel, fontsize=9)
    loglog_panel(axes[3], f"bookkeeping bytes after {memory_after}",
                 "bytes", [(x, [n for n, w in pts],
                            [d.bookkeeping(w, x, memory_after)
                             for n, w in pts], COLORS[x]) for x in DESIGNS])
    axes[3].set_xlabel(xlabel, fontsize=9)
    return save(fig, imgdir, name)


def plot_frag(d, imgdir, phases):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    sizes = [int(p.split("_")[1]) for p in phases]
    for ax, mode, title in ((axes[0], "lo", "search from the bottom"),
                            (axes[1], "random", "search from a random "
                                                "cursor")):
        loglog_panel(ax, title + " (last point: no hole fits)",
                     "ns per search", [
                         (x, sizes, [d.per_op(f"frag/{mode}", x, p)
                                     for p in phases], COLORS[x])
                         for x in DESIGNS])
        ax.set_xlabel("hole size, pages", fontsize=9)
    return save(fig, imgdir, "frag.png")


def plot_fault(d, imgdir, bgs):
    fig, ax = plt.subplots(figsize=(10, 3.8))
    groups = [f"{label.split(' (')[0]}\n{w.split('/')[1]}"
              for w in bgs for ph, label in FAULT_KINDS]
    bar_groups(ax, groups, [
        (x, [d.per_op(w, x, ph) for w in bgs for ph, _ in FAULT_KINDS],
         COLORS[x]) for x in DESIGNS], "ns per fault")
    ax.set_title("fault path, ns per fault", fontsize=10)
    return save(fig, imgdir, "fault.png")


def plot_huge(d, imgdir, ws):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    groups = [w.split("/", 1)[1] for w in ws]
    bar_groups(axes[0], groups, [
        (x, [d.bookkeeping(w, x, "reserve") / 1024 for w in ws], COLORS[x])
        for x in DESIGNS], "KiB", log=False)
    axes[0].set_title("bookkeeping after reserve (untouched)", fontsize=10)
    bar_groups(axes[1], groups, [
        (x, [d.need(w, x, "reserve_ns") / 1e3 for w in ws], COLORS[x])
        for x in DESIGNS], "µs")
    axes[1].set_title("reserve (one call)", fontsize=10)
    return save(fig, imgdir, "huge.png")


def plot_fork(d, imgdir, pts):
    """Fork and exit against touched pages, per touched page, and the
    share table against per-frame arrays; log axes."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    ns = [n for n, w in pts]
    series = [(f"{x}, {ph}", ns, [d.need(w, x, ph + "_ns") / 1e3
                                  for n, w in pts], c)
              for ph in ("fork", "exit")
              for x, c in ((x, COLORS[x] if ph == "fork" else
                            lighter(COLORS[x])) for x in DESIGNS)]
    loglog_panel(axes[0], "fork and exit, one each", "µs", series)
    loglog_panel(axes[1], "fork, ns per touched page", "ns", [
        (x, ns, [d.need(w, x, "fork_ns") / n for n, w in pts], COLORS[x])
        for x in DESIGNS])
    per = d.need("fork/ram", "both", "array_bytes_per_frame")
    loglog_panel(axes[2], "reference counts after the fork", "bytes", [
        ("share table", ns, [d.need(w, "rdos", "fork_share_bytes")
                             for n, w in pts], COLORS["rdos"]),
        ("array, simulated RAM", ns,
         [d.need("fork/ram", "both", "sim_frames") * per] * len(ns),
         COLORS["linux"]),
        ("array, 16 GiB", ns,
         [d.need("fork/ram", "both", "ram_16gib_frames") * per] * len(ns),
         "#000000")])
    for ax in axes:
        ax.set_xlabel("touched pages", fontsize=9)
    return save(fig, imgdir, "fork.png")


def plot_pe(d, imgdir, ws):
    """Pages produced and time, lazy and eager, against the image size."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    size = [d.need(w, "image", "image_bytes") / 1024 for w in ws]
    loads = (("eager", "first_instruction", "eager", COLORS["card1"]),
             ("lazy", "first_instruction", "lazy, first instruction",
              COLORS["rdos"]),
             ("lazy", "one_function", "lazy, one function",
              lighter(COLORS["rdos"])))
    for ax, metric, title, unit, scale in (
            (axes[0], "pages", "pages produced", "pages", 1),
            (axes[1], "ns", "parse and produce them (host build)", "µs",
             1e3)):
        loglog_panel(ax, title, unit, [
            (label, size, [d.need(w, x, f"{what}_{metric}") / scale
                           for w in ws], c) for x, what, label, c in loads])
        ax.set_xlabel("image size, KiB", fontsize=9)
    return save(fig, imgdir, "pe_load.png")


def plot_smp(d, imgdir, pts, parallel, accel):
    """Faults/s and reserves/s against threads, both designs; pts as
    benchreport.smp.smp_points, parallel: the most threads that can run
    at once on this host.  Linear axes, so perfect scaling is straight."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    ts = [t for t, _ in pts]
    where = {"tcg": "emulated (TCG)",
             "icount": "per 1e9 guest instructions (TCG -icount)"}.get(
        accel, accel.upper())
    for ax, kind in zip(axes, ("faults", "reserves")):
        for x in DESIGNS:
            ys = [d.need(ws[kind], x, "per_second") for _, ws in pts]
            ax.plot(ts, ys, "o-", label=x, color=COLORS[x], markersize=4)
            if kind == "faults":  # the best this host allows
                ax.plot(ts, [ys[0] * min(t, parallel) / ts[0] for t in ts],
                        ":", color=lighter(COLORS[x]),
                        label=f"{x}, {ts[0]}-thread rate × threads, up to "
                              f"{parallel}")
        if parallel < ts[-1]:
            ax.axvline(parallel, color=COLORS["linux"], linestyle="--",
                       linewidth=1, label=f"{parallel} host cores: "
                                          "no more run at once")
        ax.set_xticks(ts)
        ax.set_xticklabels([str(t) for t in ts])
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("threads", fontsize=9)
        ax.set_ylabel(f"{kind} per second, all threads", fontsize=9)
        ax.set_title(f"{kind} per second, in the kernel, {where}",
                     fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", ncol=2,
                  bbox_to_anchor=(0.5, -0.16))
    return save(fig, imgdir, "smp-throughput.png")
