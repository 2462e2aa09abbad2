"""npusim study fabric: collective time and bus bandwidth vs message size on
the bundled supernodes (flow-level fabric model).

For each system (CloudMatrix384, Atlas 950/960 SuperPoD, NVL72), operation
(ring all-reduce, direct all-to-all) and message size it runs one
CollectiveRun in parallel, prints a table, and writes DIR/summary.csv,
DIR/summary.md, DIR/fabric_busbw.png and each run's files under DIR/runs/.

This first version covers what the flow model does today; per-tier link
utilisation and the MoE dispatch/combine pattern come with the fabric issue.
"""
import argparse
import os
import sys

SYSTEMS = ["cloudmatrix384", "atlas950_superpod", "atlas960_superpod", "nvl72"]
OPS = ["allreduce", "alltoall"]
SIZES = [1 << 16, 1 << 20, 1 << 24, 1 << 28, 1 << 30]
QUICK_SYSTEMS = ["nvl72", "cloudmatrix384"]
QUICK_SIZES = [1 << 20, 1 << 26]

COLUMNS = {"system": "system", "op": "op", "algo": "algo", "ranks": "ranks", "bytes": "bytes",
           "time us": "time_us", "algbw GB/s": "algbw_gbps", "busbw GB/s": "busbw_gbps"}


def build_jobs(systems, ops, sizes):
    import npusim
    return [npusim.CollectiveRun(s, op=op, bytes=size, name=f"{s}__{op}__{size}")
            for s in systems for op in ops for size in sizes]


def plot(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = list(dict.fromkeys(df["op"]))
    fig, axes = plt.subplots(1, len(ops), figsize=(6 * len(ops), 4.5), squeeze=False)
    for ax, op in zip(axes[0], ops):
        for system, sub in df[df["op"] == op].groupby("system", sort=False):
            ax.plot(sub["bytes"], sub["busbw GB/s"], marker="o", label=system)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("message size (bytes)")
        ax.set_ylabel("bus bandwidth (GB/s, NCCL-tests definition)")
        ax.set_title(op)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle("Collective bus bandwidth vs message size (flow-level fabric)")
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

    jobs = build_jobs(systems, OPS, sizes)
    os.makedirs(args.out, exist_ok=True)
    print(f"npusim study fabric: {len(jobs)} runs -> {args.out}", file=sys.stderr)
    table = npusim.sweep(jobs, processes=args.processes, scheduler=args.scheduler,
                         out_dir=os.path.join(args.out, "runs"))
    if "error" in table and table["error"].notna().any():
        for _, row in table[table["error"].notna()].iterrows():
            print(f"failed: {row['name']}: {row['error']}", file=sys.stderr)
        return 1
    df = pd.DataFrame({col: table[key] for col, key in COLUMNS.items()})
    df.to_csv(os.path.join(args.out, "summary.csv"), index=False)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("# Collectives on the bundled systems (flow level)\n\n")
        f.write("| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n")
        for _, row in df.iterrows():
            f.write("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |\n")
    plot(df, os.path.join(args.out, "fabric_busbw.png"))
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(df.to_string(index=False))
    print(f"\nwrote {args.out}/summary.csv, summary.md, fabric_busbw.png and runs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
