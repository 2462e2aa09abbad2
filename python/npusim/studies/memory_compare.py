"""`npusim study memory`: how close does each HBM system get to its peak?

Every memory preset of interest is driven by every built-in access pattern;
the table shows achieved bandwidth against the theoretical peak, read
latency and row-hit rate, so the effect of organisation and timing on each
kind of traffic is visible at a glance. Outputs in --out DIR:
summary.csv, summary.md, memory_compare.png and runs/<memory>__<pattern>/
(stats.txt, stats.json, config.json per run).
"""
import argparse
import os
import sys

MEMORIES = ["hbm2e", "hbm3", "hbm3e", "ascend_910b", "ascend_910c", "ascend_950pr",
            "ascend_950dt", "ascend_960", "ascend_970"]
PATTERNS = ["stream_read", "stream_write", "rw_mix", "random", "bank_conflict", "gemm_tile"]
# By default each memory gets enough requests that a stream at peak spans
# REFRESH_INTERVALS refresh intervals (refresh costs ~9% of HBM3 time, and a
# run shorter than tREFI would never pay it), and never fewer than
# MIN_REQUESTS (ramp-up and drain on 970's 512 pseudo-channels). The 54 runs
# take about a minute on 2 cores.
MIN_REQUESTS = 200000
REFRESH_INTERVALS = 3
QUICK_REQUESTS = 2000
REQUEST_BYTES = 64


def auto_requests(cfg):
    """Requests for `cfg` so a peak-rate stream covers REFRESH_INTERVALS x tREFI."""
    t = cfg.timing
    span_ns = REFRESH_INTERVALS * t.nREFI * t.tCK_ps / 1000.0
    return max(MIN_REQUESTS, int(span_ns * cfg.peak_bandwidth_gbps / REQUEST_BYTES) + 1)

# Table column -> result key.
COLUMNS = {"memory": "memory", "pattern": "pattern", "GB/s": "bandwidth_gbps", "peak GB/s": "peak_gbps",
           "% peak": "pct_peak", "avg rd ns": "avg_read_latency_ns", "p99 rd ns": "p99_read_latency_ns",
           "row hit": "row_hit_rate"}


def build_jobs(memories, patterns, requests=None):
    """(jobs, memory label by preset): one MemoryRun per memory x pattern;
    `requests` None sizes each memory's runs with auto_requests()."""
    import npusim
    from npusim import memory as mem

    jobs, labels = [], {}
    for name in memories:
        cfg = mem.preset(name)
        labels[name] = f"{name} (est.)" if cfg.is_estimate else name
        n = requests or auto_requests(cfg)
        for pattern in patterns:
            jobs.append(npusim.MemoryRun(cfg, pattern=pattern, requests=n, seed=1, size=REQUEST_BYTES,
                                         name=f"{name}__{pattern}"))
    return jobs, labels


def summarise(table, labels):
    """The study table: one row per run, the columns above."""
    import pandas as pd

    t = table.copy()
    t["memory"], t["pattern"] = zip(*(n.split("__", 1) for n in t["name"]))
    t["memory"] = t["memory"].map(labels)
    for key in COLUMNS.values():
        if key not in t:
            t[key] = float("nan")
    if "reads" in t:  # a write-only run has no read latency, not a zero one
        for key in ("avg_read_latency_ns", "p99_read_latency_ns"):
            t.loc[t["reads"] == 0, key] = float("nan")
    out = pd.DataFrame({col: t[key] for col, key in COLUMNS.items()})
    if t["error"].notna().any():
        out["error"] = t["error"]
    return out


def to_markdown(df):
    def cell(v):
        if isinstance(v, float):
            return "" if v != v else f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return "" if v is None else str(v)
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def plot(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    memories = list(dict.fromkeys(df["memory"]))
    patterns = list(dict.fromkeys(df["pattern"]))
    fig, axes = plt.subplots(2, 1, figsize=(max(10, 1.3 * len(memories)), 9), sharex=True)
    x = np.arange(len(memories))
    width = 0.8 / max(1, len(patterns))
    for j, pattern in enumerate(patterns):
        sub = df[df["pattern"] == pattern].set_index("memory").reindex(memories)
        for ax, col in zip(axes, ("GB/s", "% peak")):
            ax.bar(x + (j - (len(patterns) - 1) / 2) * width, sub[col], width, label=pattern)
    peaks = df.groupby("memory", sort=False)["peak GB/s"].first().reindex(memories)
    axes[0].scatter(x, peaks, marker="_", s=800, color="black", label="peak", zorder=3)
    # Log scale: peaks span 400 GB/s to 14 TB/s and bank conflicts reach ~1 %.
    axes[0].set_yscale("log")
    axes[0].set_ylabel("achieved bandwidth (GB/s, log)")
    axes[1].set_ylabel("% of peak")
    axes[1].set_ylim(0, 100)
    axes[1].set_xticks(x)
    axes[1].set_xticklabels(memories, rotation=30, ha="right")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle("HBM bandwidth by memory system and access pattern")
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=len(labels),
               fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="npusim study memory", description=__doc__.split("\n")[0])
    p.add_argument("--out", default="results/memory", help="output directory (default: %(default)s)")
    p.add_argument("--requests", type=int, default=None,
                   help=f"requests per run (default: per memory, >= {MIN_REQUESTS} and enough for a stream to "
                        f"span {REFRESH_INTERVALS} refresh intervals; {QUICK_REQUESTS} with --quick)")
    p.add_argument("--quick", action="store_true", help="small runs, for tests and a first look")
    p.add_argument("--processes", type=int, default=None, help="parallel runs (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://head:8786")
    p.add_argument("--memories", default=",".join(MEMORIES), help="comma-separated memory presets")
    p.add_argument("--patterns", default=",".join(PATTERNS), help="comma-separated access patterns")
    args = p.parse_args(argv)
    requests = args.requests or (QUICK_REQUESTS if args.quick else None)
    if requests is not None and requests < 1:
        p.error("--requests must be >= 1")

    import npusim

    jobs, labels = build_jobs(args.memories.split(","), args.patterns.split(","), requests)
    os.makedirs(args.out, exist_ok=True)
    sizing = f"{requests} requests" if requests else "auto-sized (>= 3 refresh intervals)"
    print(f"npusim study memory: {len(jobs)} runs, {sizing} -> {args.out}", file=sys.stderr)
    table = npusim.sweep(jobs, processes=args.processes, scheduler=args.scheduler,
                         out_dir=os.path.join(args.out, "runs"))
    df = summarise(table, labels)
    df.to_csv(os.path.join(args.out, "summary.csv"), index=False)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(f"# HBM bandwidth by memory and access pattern ({sizing} per run)\n\n")
        f.write(to_markdown(df))
        f.write("\n'(est.)': the preset's numbers are estimates (see its `source`).\n")
    plot(df.dropna(subset=["GB/s"]), os.path.join(args.out, "memory_compare.png"))
    with __import__("pandas").option_context("display.width", 200, "display.max_rows", None):
        print(df.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"))
    print(f"\nwrote {args.out}/summary.csv, summary.md, memory_compare.png and runs/")
    return 1 if "error" in df else 0


if __name__ == "__main__":
    sys.exit(main())
