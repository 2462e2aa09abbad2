"""npusim study roadmap: what each chip's cube achieves on GEMMs and attention,
per number format, against its peak (950PR -> 960 -> 970 vs GPUs).

Every chip preset runs the workloads of the grid below (GEMMs in bf16, fp8
and mxfp4, attention decode and prefill) as OpRun jobs in parallel; a format
the chip has no unit for is listed as "n/a". Prints the table and, per chip
and format, the peak next to the best the model achieves. Outputs in --out
DIR: summary.csv, summary.md, roofline_<chip>.png (achieved TFLOPS against
arithmetic intensity under the chip's roofs), roadmap.png (achieved TFLOPS
per chip on a few representative workloads, peak marked) and
runs/<chip>__<workload>__<dtype>/ (stats.txt, stats.json, config.json).

From Python:
    from npusim.studies import roadmap
    df = roadmap.run(out="results/roadmap", quick=True)
"""
import argparse
import math
import os
import sys

# ---------------------------------------------------------------------------
# The grid: every workload the study runs, in one place. A workload is a
# label, an operator, its shape keys (npusim.OpRun) and the formats it runs
# in; each runs on every chip (a format the chip lacks becomes an "n/a" row).
# Sizes are kept so the whole default study takes a few minutes on 2 cores;
# tune them here.
# ---------------------------------------------------------------------------
GEMM_DTYPES = ("bf16", "fp8", "mxfp4")
ATTENTION_DTYPES = ("bf16",)
_DECODE = dict(batch=16, heads=32, kv_heads=8, head_dim=128, seq_q=1)   # GQA decode, one new token
_PREFILL = dict(batch=1, heads=32, kv_heads=8, head_dim=128)            # causal prefill, seq_q = seq_kv

WORKLOADS = [
    # label            op           shape                                              formats
    # Sized so the whole default study runs at cycle fidelity in a few
    # minutes on 2 cores (an 8192^3 GEMM takes ~25 s, a 32k-token decode
    # ~50 s per chip: add them here, or run with --fidelity fast).
    ("gemm_2k",       "matmul",    dict(m=2048, n=2048, k=2048),                      GEMM_DTYPES),
    ("gemm_4k",       "matmul",    dict(m=4096, n=4096, k=4096),                      GEMM_DTYPES),
    ("gemm_m16",      "matmul",    dict(m=16, n=8192, k=8192),                        GEMM_DTYPES),  # decode GEMV-like
    ("decode_kv4k",   "attention", dict(_DECODE, seq_kv=4096),                        ATTENTION_DTYPES),
    ("prefill_2k",    "attention", dict(_PREFILL, seq_q=2048, seq_kv=2048),           ATTENTION_DTYPES),
]
# --quick (tests, a first look): tiny shapes, four chips (one lacking fp8/mxfp4, one GPU).
QUICK_WORKLOADS = [
    ("gemm_256",      "matmul",    dict(m=256, n=256, k=256),                         GEMM_DTYPES),
    ("decode_kv256",  "attention", dict(batch=2, heads=4, kv_heads=2, head_dim=64, seq_q=1, seq_kv=256),
     ATTENTION_DTYPES),
    ("prefill_128",   "attention", dict(batch=1, heads=4, kv_heads=2, head_dim=64, seq_q=128, seq_kv=128),
     ATTENTION_DTYPES),
]
QUICK_CHIPS = ["ascend_910b", "ascend_950pr", "ascend_970", "nvidia_gb300"]
# roadmap.png: (workload, format) pairs, in this order; --quick uses whatever pairs it ran.
REPRESENTATIVE = [("gemm_4k", "bf16"), ("gemm_4k", "mxfp4"), ("decode_kv4k", "bf16"), ("prefill_2k", "bf16")]
FIDELITY = "cycle"

# Table column -> result key ("workload" and "shape" come from the grid).
COLUMNS = {"chip": "chip", "op": "op", "workload": "workload", "shape": "shape", "dtype": "dtype",
           "achieved TFLOPS": "tflops", "peak TFLOPS": "peak_tflops", "% of peak": "pct_peak",
           "bound": "bound", "time_us": "time_us", "flops/byte": "arithmetic_intensity",
           "HBM GB/s": "hbm_gbps", "cores": "cores_used", "run": "name"}
# The printed and markdown table.
TABLE_COLUMNS = ["chip", "op", "shape", "dtype", "achieved TFLOPS", "peak TFLOPS", "% of peak", "bound", "time_us"]
NUMERIC = ["achieved TFLOPS", "peak TFLOPS", "% of peak", "time_us", "flops/byte", "HBM GB/s", "cores"]
NA = "n/a"


def shape_text(op, shape):
    """A short human form of a workload's shape ("8192x8192x8192", "b16 h32/8 d128 q1 kv4096")."""
    s = dict(shape)
    if op == "matmul":
        text = f"{s['m']}x{s['n']}x{s['k']}"
        if s.get("batch", 1) != 1:
            text = f"b{s['batch']} " + text
        return text + (" tA" if s.get("trans_a") else "") + (" tB" if s.get("trans_b") else "")
    if op == "attention":
        text = (f"b{s['batch']} h{s['heads']}/{s.get('kv_heads', s['heads'])} d{s['head_dim']} "
                f"q{s['seq_q']} kv{s['seq_kv']}")
        return text + ("" if s.get("causal", True) else " non-causal")
    return f"{s.get('kind', 'add')} {s['elements']}"


def _chips(chips):
    """Chip objects for `chips` (None: every preset, in roadmap order; names or Chip objects)."""
    from npusim.configs import chips as presets
    from npusim.errors import ConfigError
    objs = presets.all() if chips is None else [presets.get(c) if isinstance(c, str) else c for c in chips]
    names = [c.name for c in objs]
    for name in names:
        if names.count(name) > 1:  # the table, plots and run directories are keyed by chip name
            raise ConfigError(f"chips: {name!r} given twice; name an edited copy (chip.copy(name='...'))")
    return objs


def roofs(chips):
    """{chip name: {"hbm_gbps": peak HBM GB/s, "peaks": {dtype: dense peak TFLOPS (0: no unit)}}}."""
    from npusim.jobs import OP_DTYPES
    return {c.name: {"hbm_gbps": float(c.hbm.peak_bandwidth_gbps),
                     "peaks": {d: float(c.compute.peak_tflops(d)) for d in OP_DTYPES}} for c in chips}


def build_jobs(chips, workloads, fidelity=FIDELITY):
    """(jobs, rows): one OpRun per chip x workload x format the chip has; `rows`
    describes every grid point in order, with "job" the index into `jobs`
    (None for an "n/a" point: the chip has no unit for that format)."""
    import npusim
    from npusim.jobs import CUBE_OPS

    jobs, rows = [], []
    for chip in chips:
        for label, op, shape, dtypes in workloads:
            for dtype in dtypes:
                row = {"chip": chip.name, "op": op, "workload": label, "shape": shape_text(op, shape),
                       "dtype": dtype, "job": None}
                if op not in CUBE_OPS or chip.compute.peak_tflops(dtype) > 0:
                    row["job"] = len(jobs)
                    jobs.append(npusim.OpRun(chip, op=op, dtype=dtype, fidelity=fidelity,
                                             name=f"{chip.name}__{label}__{dtype}", **shape))
                rows.append(row)
    return jobs, rows


def summarise(table, rows, chip_roofs=None):
    """The study table: one row per grid point, the COLUMNS above. `table` is
    npusim.sweep's result for the jobs of build_jobs(); "n/a" points get
    bound "n/a", peak 0 and no numbers; failed runs bound "error" and an
    "error" column."""
    import pandas as pd

    results = table.to_dict("records") if table is not None else []
    out = []
    for row in rows:
        rec = {col: row.get(key) for col, key in COLUMNS.items() if key in row}
        for col in NUMERIC:
            rec[col] = math.nan
        rec["run"], rec["error"] = None, None
        rec["peak TFLOPS"] = (chip_roofs or {}).get(row["chip"], {}).get("peaks", {}).get(row["dtype"], math.nan)
        if row["job"] is None:
            rec["bound"] = NA
            if rec["peak TFLOPS"] != rec["peak TFLOPS"]:
                rec["peak TFLOPS"] = 0.0
        else:
            r = results[row["job"]]
            error = r.get("error")
            if isinstance(error, str):
                rec["bound"], rec["error"] = "error", error
            else:
                for col, key in COLUMNS.items():
                    if col in NUMERIC and key in r and _number(r[key]) == _number(r[key]):
                        rec[col] = _number(r[key])
                rec["bound"] = r.get("bound")
                util = _number(r.get("utilization"))
                if util == util:
                    rec["% of peak"] = 100.0 * util
                elif rec["peak TFLOPS"] > 0:
                    rec["% of peak"] = 100.0 * rec["achieved TFLOPS"] / rec["peak TFLOPS"]
            rec["run"] = r.get("name")
        out.append(rec)
    df = pd.DataFrame(out, columns=list(COLUMNS) + ["error"])
    if df["error"].isna().all():
        df = df.drop(columns="error")
    return df


def _number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _is_na(row):
    """A grid point (or peak-vs-achieved row) for a format the chip has no unit for."""
    return row.get("bound") == NA or row.get("best workload") == NA


def _cell(v, na=False, column=None):
    if isinstance(v, float):
        if na:
            return NA
        if v != v:
            return "-"
        if column == "% of peak" or abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3f}"
    return "-" if v is None else str(v)


def to_markdown(df, columns=TABLE_COLUMNS):
    columns = [c for c in columns if c in df] + (["error"] if "error" in df else [])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_cell(row[c], _is_na(row), c) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def to_text(df, columns=TABLE_COLUMNS):
    """The table as aligned text (what the command prints)."""
    columns = [c for c in columns if c in df]
    cells = [[_cell(row[c], _is_na(row), c) for c in columns] for _, row in df.iterrows()]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [c in NUMERIC for c in columns]
    fmt = lambda r: "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(r, widths, numeric))  # noqa: E731
    return "\n".join([fmt(columns)] + [fmt(r) for r in cells]).rstrip() + "\n"


def peak_vs_achieved(df, chip_roofs=None):
    """One row per chip and format in the table: the chip's peak and the best
    achieved TFLOPS (and which workload), "n/a" when the chip has no unit."""
    import pandas as pd

    out = []
    for (chip, dtype), sub in df.groupby(["chip", "dtype"], sort=False):
        peak = (chip_roofs or {}).get(chip, {}).get("peaks", {}).get(dtype)
        if peak is None:
            peaks = sub["peak TFLOPS"].dropna()
            peak = float(peaks.max()) if len(peaks) else math.nan
        ran = sub.dropna(subset=["achieved TFLOPS"])
        rec = {"chip": chip, "dtype": dtype, "peak TFLOPS": peak, "best TFLOPS": math.nan,
               "% of peak": math.nan, "best workload": NA if (sub["bound"] == NA).all() else "-"}
        if len(ran):
            best = ran.loc[ran["achieved TFLOPS"].idxmax()]
            rec.update({"best TFLOPS": best["achieved TFLOPS"], "best workload": best["workload"],
                        "% of peak": 100.0 * best["achieved TFLOPS"] / peak if peak and peak > 0 else math.nan})
        out.append(rec)
    return pd.DataFrame(out, columns=["chip", "dtype", "peak TFLOPS", "best TFLOPS", "% of peak", "best workload"])


def peak_lines(pva, chip_roofs=None):
    """The "peak vs achieved" lines: one per chip and format; with
    `chip_roofs`, one more per chip giving the peaks of the formats not run."""
    lines = []
    w = max([len(c) for c in pva["chip"]] + [4])
    rows = list(pva.iterrows())
    for i, (_, r) in enumerate(rows):
        head = f"{r['chip']:<{w}}  {r['dtype']:<6}"
        if r["best workload"] == NA:
            lines.append(f"{head} peak {NA:>8}  achieved {NA:>8}  (no {r['dtype']} unit)")
        elif r["best TFLOPS"] != r["best TFLOPS"]:
            lines.append(f"{head} peak {r['peak TFLOPS']:>8.1f}  achieved {'-':>8}  (every run failed)")
        else:
            lines.append(f"{head} peak {r['peak TFLOPS']:>8.1f}  achieved {r['best TFLOPS']:>8.1f}  "
                         f"({r['% of peak']:.1f}% of peak, {r['best workload']})")
        last = i + 1 == len(rows) or rows[i + 1][1]["chip"] != r["chip"]
        if last and chip_roofs and r["chip"] in chip_roofs:
            ran = set(pva.loc[pva["chip"] == r["chip"], "dtype"])
            others = [f"{d} {p:.0f}" if p > 0 else f"{d} {NA}"
                      for d, p in chip_roofs[r["chip"]]["peaks"].items() if d not in ran]
            if others:
                lines.append(f"{r['chip']:<{w}}  (not run: peak {', '.join(others)})")
    return lines


# ---------------------------------------------------------------------------
# Plots (matplotlib, Agg)
# ---------------------------------------------------------------------------
_OP_MARKERS = {"matmul": "o", "attention": "^", "elementwise": "s"}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_roofline(df, chip, roof, path):
    """Log-log roofline of one chip: achieved TFLOPS against arithmetic
    intensity (FLOPs per HBM byte); a roof per format (its peak, and the HBM
    bandwidth diagonal up to it); points coloured by format, marked by op."""
    import numpy as np
    plt = _pyplot()

    sub = df[(df["chip"] == chip)].dropna(subset=["achieved TFLOPS", "flops/byte"])
    sub = sub[(sub["achieved TFLOPS"] > 0) & (sub["flops/byte"] > 0)]
    dtypes = list(dict.fromkeys(df.loc[df["chip"] == chip, "dtype"]))
    peaks = {d: roof["peaks"].get(d, 0.0) for d in dtypes if roof["peaks"].get(d, 0.0) > 0}
    bw_tbps = roof["hbm_gbps"] / 1000.0  # TFLOPS per (FLOP/byte)
    colours = {d: plt.cm.tab10(i) for i, d in enumerate(dtypes)}

    lo_ai = min([0.1] + list(sub["flops/byte"] / 3))
    hi_ai = max([1e4] + list(sub["flops/byte"] * 3) + [3 * p / bw_tbps for p in peaks.values()])
    ai = np.logspace(math.log10(lo_ai), math.log10(hi_ai), 200)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for d, peak in peaks.items():
        ax.plot(ai, np.minimum(peak, ai * bw_tbps), color=colours[d], lw=1.5, alpha=0.8,
                label=f"{d} roof: {peak:.0f} TFLOPS")
        ax.axhline(peak, color=colours[d], lw=0.6, ls=":", alpha=0.6)
    ax.plot(ai, ai * bw_tbps, color="grey", lw=0.8, ls="--", label=f"HBM {roof['hbm_gbps']:.0f} GB/s")
    for (d, op), pts in sub.groupby(["dtype", "op"], sort=False):
        ax.scatter(pts["flops/byte"], pts["achieved TFLOPS"], color=colours.get(d, "black"),
                   marker=_OP_MARKERS.get(op, "x"), s=45, edgecolor="black", linewidth=0.5, zorder=3,
                   label=f"{op} {d}")
        for _, p in pts.iterrows():
            ax.annotate(p["workload"], (p["flops/byte"], p["achieved TFLOPS"]), fontsize=6,
                        xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    top = max([1.0] + list(peaks.values()) + list(sub["achieved TFLOPS"]))
    ax.set_ylim(bottom=max(1e-3, min([top / 1e4] + list(sub["achieved TFLOPS"] / 3))), top=top * 2)
    ax.set_xlabel("arithmetic intensity (FLOPs per HBM byte, log)")
    ax.set_ylabel("achieved TFLOPS (log)")
    ax.set_title(f"{chip}: roofline")
    ax.grid(True, which="both", alpha=0.2)
    ax.legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def representative(df, pairs=REPRESENTATIVE, limit=4):
    """The (workload, format) pairs roadmap.png shows: `pairs` that ran, else
    the first `limit` pairs of the table."""
    present = set(zip(df["workload"], df["dtype"]))
    chosen = [p for p in pairs if p in present]
    return chosen or list(dict.fromkeys(zip(df["workload"], df["dtype"])))[:limit]


def plot_roadmap(df, path, pairs=None):
    """Grouped bars: achieved TFLOPS per chip (roadmap order) on a few
    workloads, the chip's peak for that format as a black tick, "n/a" where
    the chip has no unit for it."""
    import numpy as np
    plt = _pyplot()

    pairs = pairs or representative(df)
    chips = list(dict.fromkeys(df["chip"]))
    x = np.arange(len(pairs))
    width = 0.8 / max(1, len(chips))
    # One colour family per vendor (the text before the first "_"), darker along the roadmap.
    vendors = list(dict.fromkeys(c.split("_")[0] for c in chips))
    maps = [plt.cm.Blues, plt.cm.Oranges, plt.cm.Greens, plt.cm.Purples, plt.cm.Greys]
    colours = {}
    for v, vendor in enumerate(vendors):
        mine = [c for c in chips if c.split("_")[0] == vendor]
        for i, c in enumerate(mine):
            colours[c] = maps[v % len(maps)](0.35 + 0.6 * (i + 1) / len(mine))
    fig, ax = plt.subplots(figsize=(max(9, 2.4 * len(pairs)), 5.5))
    for j, chip in enumerate(chips):
        xs = x + (j - (len(chips) - 1) / 2) * width
        cdf = df[df["chip"] == chip].set_index(["workload", "dtype"])
        vals, peaks = [], []
        for p in pairs:
            row = cdf.loc[p] if p in cdf.index else None
            if isinstance(row, type(cdf)):  # duplicate index entries: the first
                row = row.iloc[0]
            vals.append(row["achieved TFLOPS"] if row is not None else math.nan)
            peaks.append(row["peak TFLOPS"] if row is not None and row["peak TFLOPS"] > 0 else math.nan)
            if row is not None and row["bound"] == NA:
                ax.text(xs[len(vals) - 1], 0.02, NA, rotation=90, ha="center", va="bottom", fontsize=6,
                        transform=ax.get_xaxis_transform())
        ax.bar(xs, vals, width, label=chip, color=colours[chip], edgecolor="black", linewidth=0.4)
        ax.scatter(xs, peaks, marker="_", s=1200 * width, color="black", zorder=3,
                   label="peak (format)" if j == 0 else None)
    ax.set_yscale("log")
    ax.set_ylabel("achieved TFLOPS (log)")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{w}\n{d}" for w, d in pairs])
    ax.set_title("Achieved TFLOPS per chip (roadmap order), peak marked")
    ax.grid(True, axis="y", which="both", alpha=0.2)
    ax.legend(fontsize="x-small", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------
# Running the study
# ---------------------------------------------------------------------------
def write_outputs(df, out, chip_roofs, header=""):
    """summary.csv, summary.md, roofline_<chip>.png, roadmap.png in `out`."""
    pva = peak_vs_achieved(df, chip_roofs)
    df.to_csv(os.path.join(out, "summary.csv"), index=False)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(f"# Operators on the chip roadmap{header}\n\n")
        f.write(to_markdown(df))
        f.write("\n'n/a': the chip has no cube unit for that format. % of peak: achieved / the chip's dense "
                "peak for the format.\n\n## Peak vs achieved (best run per chip and format)\n\n")
        f.write(to_markdown(pva, list(pva.columns)))
    for chip in dict.fromkeys(df["chip"]):
        if chip in chip_roofs:
            plot_roofline(df, chip, chip_roofs[chip], os.path.join(out, f"roofline_{chip}.png"))
    plot_roadmap(df, os.path.join(out, "roadmap.png"))
    return pva


def run(out="results/roadmap", quick=False, chips=None, fidelity=FIDELITY, workers=None, scheduler=None,
        workloads=None, progress=True, timeout=None):
    """Runs the study; returns its table (a pandas DataFrame, one row per
    chip x workload x format, "n/a" rows included) and writes the outputs
    in `out`.

    quick: the tiny QUICK_WORKLOADS on QUICK_CHIPS. chips: names or Chip
    objects (default: every preset). workers: parallel runs (default: all
    cores). scheduler: a Dask address. workloads: a grid like WORKLOADS.
    The peak-vs-achieved table is in df.attrs["peak_vs_achieved"], each
    chip's peaks per format and HBM bandwidth in df.attrs["roofs"].
    """
    import npusim

    if chips is None and quick:
        chips = QUICK_CHIPS
    chip_objs = _chips(chips)
    workloads = workloads or (QUICK_WORKLOADS if quick else WORKLOADS)
    chip_roofs = roofs(chip_objs)
    jobs, rows = build_jobs(chip_objs, workloads, fidelity)
    os.makedirs(out, exist_ok=True)
    print(f"npusim study roadmap: {len(jobs)} runs on {len(chip_objs)} chips ({fidelity}), "
          f"{len(rows) - len(jobs)} n/a -> {out}", file=sys.stderr)
    table = (npusim.sweep(jobs, processes=workers, scheduler=scheduler, progress=progress,
                          out_dir=os.path.join(out, "runs"), timeout=timeout) if jobs else None)
    df = summarise(table, rows, chip_roofs)
    df.attrs["roofs"] = chip_roofs
    df.attrs["peak_vs_achieved"] = write_outputs(df, out, chip_roofs,
                                                 header=f" ({'quick grid, ' if quick else ''}{fidelity} fidelity)")
    return df


def main(argv=None):
    p = argparse.ArgumentParser(prog="npusim study roadmap", description=__doc__.split("\n\n")[0].split(": ", 1)[1],
                                epilog="The grid (workloads, formats, --quick shapes) is WORKLOADS in "
                                       "npusim/studies/roadmap.py.")
    p.add_argument("--out", default="results/roadmap", help="output directory (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="tiny shapes on four chips (tests, a first look)")
    p.add_argument("--chips", default=None, help="comma-separated chip presets (default: all)")
    p.add_argument("--fidelity", default=FIDELITY, choices=["cycle", "fast"], help="default: %(default)s")
    p.add_argument("--processes", "--workers", dest="workers", type=int, default=None, metavar="N",
                   help="parallel runs (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://head:8786")
    p.add_argument("--timeout", type=float, default=None, metavar="S", help="seconds per run before it is killed")
    args = p.parse_args(argv)

    df = run(out=args.out, quick=args.quick, chips=args.chips.split(",") if args.chips else None,
             fidelity=args.fidelity, workers=args.workers, scheduler=args.scheduler, timeout=args.timeout)
    print(to_text(df), end="")
    print("\npeak vs achieved (dense TFLOPS; int8 in TOPS; best run per chip and format):")
    for line in peak_lines(df.attrs["peak_vs_achieved"], df.attrs["roofs"]):
        print("  " + line)
    if "error" in df:
        print(file=sys.stderr)
        for _, row in df[df["error"].notna()].iterrows():
            print(f"failed: {row['run']}: {row['error']}", file=sys.stderr)
    print(f"\nwrote {args.out}/summary.csv, summary.md, roofline_<chip>.png, roadmap.png and runs/")
    return 1 if "error" in df else 0


if __name__ == "__main__":
    sys.exit(main())
