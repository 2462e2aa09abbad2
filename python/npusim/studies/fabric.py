"""npusim study fabric: collectives and MoE token traffic on the bundled
supernodes (flow-level fabric model).

For each system (CloudMatrix384, Atlas 950/960 SuperPoD, NVL72) it runs, in
parallel: ring all-reduce, hierarchical all-reduce (8 NPUs per server) and
direct all-to-all over a range of message sizes, and the MoE dispatch and
combine of a DeepSeek-V3-like layer (256 experts, top-8, 7168-byte FP8
tokens going out, 14336-byte BF16 results coming back) over up to 256 EP
ranks. It prints a table with bus bandwidth and each link tier's
utilisation, and writes DIR/summary.csv, DIR/summary.md, DIR/fabric_busbw.png
(bus bandwidth vs size), DIR/fabric_tiers.png (per-tier utilisation of the
largest runs) and each run's files under DIR/runs/.

SuperClusters (supernodes joined by the scale-out RDMA tier) add one row
each: hierarchical all-reduce with group = the supernode, whose inter-pod
rings ride RDMA; the "plane rdma util %" column shows that tier's load
(CloudMatrix384 x 16 in a full run, 2 x NVL72 with --quick).
"""
import argparse
import os
import sys

SYSTEMS = ["cloudmatrix384", "atlas950_superpod", "atlas960_superpod", "nvl72"]
# (op, algo, extra job keys)
COLLECTIVES = [("allreduce", "ring", {}), ("allreduce", "hierarchical", {"group": 8}), ("alltoall", "direct", {})]
SIZES = [1 << 16, 1 << 20, 1 << 24, 1 << 28, 1 << 30]
QUICK_SYSTEMS = ["nvl72", "cloudmatrix384"]
QUICK_SIZES = [1 << 20, 1 << 26]
# MoE layer (DeepSeek-V3-like): 256 routed experts, top-8, hidden 7168;
# dispatch sends FP8 tokens (7168 B), combine returns BF16 (14336 B).
MOE = {"experts": 256, "topk": 8, "tokens": 256, "max_ranks": 256}
MOE_TOKEN_BYTES = {"moe_dispatch": 7168, "moe_combine": 14336}
QUICK_MOE = {"experts": 64, "topk": 4, "tokens": 32, "max_ranks": 64}
# (SuperCluster, NPUs per supernode): hierarchical all-reduce, group = pod.
SUPERCLUSTERS = [("cloudmatrix384_cluster16", 384)]
QUICK_SUPERCLUSTERS = [("supercluster:nvl72:2", 72)]
NPUS = {"cloudmatrix384": 384, "atlas950_superpod": 8192, "atlas960_superpod": 15488, "nvl72": 72}

COLUMNS = {"system": "system", "op": "op", "algo": "algo", "ranks": "ranks", "bytes": "bytes",
           "time us": "time_us", "algbw GB/s": "algbw_gbps", "busbw GB/s": "busbw_gbps"}


def build_jobs(systems, sizes, moe, clusters=()):
    import npusim
    jobs = []
    for s, pod in clusters:
        for size in sizes:
            jobs.append(npusim.CollectiveRun(s, op="allreduce", bytes=size, algo="hierarchical", group=pod,
                                             name=f"{s.replace(':', '_')}__allreduce_hierarchical__{size}"))
    for s in systems:
        for op, algo, extra in COLLECTIVES:
            for size in sizes:
                jobs.append(npusim.CollectiveRun(s, op=op, bytes=size, algo=algo, name=f"{s}__{op}_{algo}__{size}",
                                                 **extra))
        ranks = min(NPUS.get(s, moe["max_ranks"]), moe["max_ranks"])
        for op, token_bytes in MOE_TOKEN_BYTES.items():
            jobs.append(npusim.CollectiveRun(s, op=op, ranks=ranks, tokens=moe["tokens"], topk=moe["topk"],
                                             experts=moe["experts"], token_bytes=token_bytes,
                                             name=f"{s}__{op}__{ranks}ranks"))
    return jobs


def tier_columns(table):
    """'tier k util %' columns from each run's `tiers` list."""
    cols = {}
    for i, tiers in enumerate(table["tiers"]):
        for t in tiers if isinstance(tiers, list) else []:
            cols.setdefault(f"tier{t['tier']} util %", {})[i] = 100.0 * t["utilization"]
    return cols


def plane_columns(table):
    """'plane p util %' columns from each run's `planes` list, for runs with
    more than one plane (SuperClusters); others leave them empty."""
    cols = {}
    if "planes" not in table:
        return cols
    for i, planes in enumerate(table["planes"]):
        if not isinstance(planes, list) or len(planes) < 2:
            continue
        for p in planes:
            cols.setdefault(f"plane {p['plane']} util %", {})[i] = 100.0 * p["utilization"]
    return cols


def plot_busbw(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sub_df = df[~df["op"].str.startswith("moe")]
    keys = list(dict.fromkeys(zip(sub_df["op"], sub_df["algo"])))
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4.5), squeeze=False)
    for ax, (op, algo) in zip(axes[0], keys):
        sel = sub_df[(sub_df["op"] == op) & (sub_df["algo"] == algo)]
        for system, sub in sel.groupby("system", sort=False):
            ax.plot(sub["bytes"], sub["busbw GB/s"], marker="o", label=system)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("message size (bytes)")
        ax.set_ylabel("bus bandwidth (GB/s, NCCL-tests definition)")
        ax.set_title(f"{op} ({algo})")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle("Collective bus bandwidth vs message size (flow-level fabric)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_tiers(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tier_cols = [c for c in df.columns if c.startswith("tier") or c.startswith("plane")]
    largest = df[df["op"].str.startswith("moe") | (df["bytes"] == df[~df["op"].str.startswith("moe")]["bytes"].max())]
    labels = [f"{r.system}\n{r.op} {r.algo}" for r in largest.itertuples()]
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(labels)), 4.5))
    width = 0.8 / max(1, len(tier_cols))
    for k, col in enumerate(tier_cols):
        ax.bar([i + k * width for i in range(len(labels))], largest[col].fillna(0), width, label=col)
    ax.set_xticks([i + width * (len(tier_cols) - 1) / 2 for i in range(len(labels))])
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize="x-small")
    ax.set_ylabel("link utilisation (%)")
    ax.set_title("Per-tier link utilisation (largest message; MoE dispatch/combine)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="npusim study fabric", description=__doc__.split("\n")[0])
    p.add_argument("--out", default="results/fabric", help="output directory (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="two small systems, two sizes (tests, a first look)")
    p.add_argument("--systems", default=None, help="comma-separated system presets")
    p.add_argument("--processes", type=int, default=None, help="parallel runs (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://head:8786")
    args = p.parse_args(argv)
    systems = args.systems.split(",") if args.systems else (QUICK_SYSTEMS if args.quick else SYSTEMS)
    sizes = QUICK_SIZES if args.quick else SIZES

    import npusim
    import pandas as pd

    clusters = [] if args.systems else (QUICK_SUPERCLUSTERS if args.quick else SUPERCLUSTERS)
    jobs = build_jobs(systems, sizes, QUICK_MOE if args.quick else MOE, clusters)
    os.makedirs(args.out, exist_ok=True)
    print(f"npusim study fabric: {len(jobs)} runs -> {args.out}", file=sys.stderr)
    table = npusim.sweep(jobs, processes=args.processes, scheduler=args.scheduler,
                         out_dir=os.path.join(args.out, "runs"))
    if "error" in table and table["error"].notna().any():
        for _, row in table[table["error"].notna()].iterrows():
            print(f"failed: {row['name']}: {row['error']}", file=sys.stderr)
        return 1
    df = pd.DataFrame({col: table[key] for col, key in COLUMNS.items()})
    for col, values in sorted(tier_columns(table).items()) + sorted(plane_columns(table).items()):
        df[col] = pd.Series(values)
    df.to_csv(os.path.join(args.out, "summary.csv"), index=False)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("# Collectives and MoE traffic on the bundled systems (flow level)\n\n")
        f.write("MoE rows: bytes = routed bytes per rank; tiers: 1 = NPU links, 2 = the next switch level; "
                "plane columns: SuperClusters only (scale_up = inside supernodes, rdma = the scale-out tier).\n\n")
        f.write("| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n")
        for _, row in df.iterrows():
            f.write("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |\n")
    plot_busbw(df, os.path.join(args.out, "fabric_busbw.png"))
    plot_tiers(df, os.path.join(args.out, "fabric_tiers.png"))
    with pd.option_context("display.width", 220, "display.max_rows", None):
        print(df.to_string(index=False))
    print(f"\nwrote {args.out}/summary.csv, summary.md, fabric_busbw.png, fabric_tiers.png and runs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
