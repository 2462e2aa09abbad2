"""npusim study noc: latency-load curves and saturation throughput of the
packet-level fabric under synthetic traffic (BookSim-style).

For each configuration (topology, traffic pattern) it sweeps the offered
load with `npusim-engine noc --sweep` (one engine process per configuration,
in parallel), then writes DIR/summary.csv (one row per offered load: accepted
rate, average and p99 latency, saturation flag), DIR/saturation.md (the
highest accepted rate per configuration) and DIR/latency_load.png (average
latency vs offered load, one curve per configuration). Rates are fractions
of each NPU's injection bandwidth; latencies in ns from message creation.
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys

# (label, topology, traffic, extra engine flags)
CONFIGS = [
    ("mesh8x8 uniform", "mesh:8x8", "uniform", []),
    ("mesh8x8 transpose", "mesh:8x8", "transpose", []),
    ("torus8x8 uniform", "torus:8x8", "uniform", []),
    ("mesh8x8 uniform islip 4vc", "mesh:8x8", "uniform", ["--allocator", "islip", "--vcs", "4"]),
    ("clos64 uniform", "clos:64:8:8", "uniform", []),
    ("dragonfly72 uniform 4vc", "dragonfly:4:2:2", "uniform", ["--vcs", "4"]),
    ("fullmesh4x4x4 uniform", "fullmesh:4x4x4", "uniform", []),
]
RATES = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8]
QUICK_CONFIGS = [("mesh4x4 uniform", "mesh:4x4", "uniform", []), ("ring8 uniform", "ring:8", "uniform", [])]
QUICK_RATES = [0.1, 0.3, 0.5, 0.7]


def sweep_one(engine, config, rates):
    label, topo, traffic, extra = config
    args = [engine, "noc", "--topology", topo, "--traffic", traffic, "--sweep", ",".join(map(str, rates)), "--json",
            *extra]
    from ..engine import engine_env, error_from_exit
    p = subprocess.run(args, capture_output=True, text=True, env=engine_env())
    if p.returncode != 0:
        raise error_from_exit(p.returncode, p.stderr)
    out = json.loads(p.stdout)
    return [{"config": label, "topology": topo, "traffic": traffic, "offered": pt["offered_rate"],
             "accepted": pt["accepted_rate"], "avg latency ns": pt["avg_latency_ns"],
             "p99 latency ns": pt["p99_latency_ns"], "saturated": pt["saturated"]} for pt in out["sweep"]]


def plot(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, sub in df.groupby("config", sort=False):
        ax.plot(sub["offered"], sub["avg latency ns"], marker="o", label=label)
        ax2.plot(sub["offered"], sub["accepted"], marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("offered load (fraction of injection bandwidth)")
    ax.set_ylabel("average latency (ns)")
    ax.set_title("Latency vs offered load")
    ax2.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax2.set_xlabel("offered load")
    ax2.set_ylabel("accepted load")
    ax2.set_title("Accepted vs offered load")
    for a in (ax, ax2):
        a.grid(True, alpha=0.3)
        a.legend(fontsize="small")
    fig.suptitle("Packet-level fabric under synthetic traffic")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="npusim study noc", description=__doc__.split("\n")[0])
    p.add_argument("--out", default="results/noc", help="output directory (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="two small topologies, four loads (tests, a first look)")
    p.add_argument("--processes", type=int, default=None, help="parallel engine processes (default: all cores)")
    args = p.parse_args(argv)
    configs, rates = (QUICK_CONFIGS, QUICK_RATES) if args.quick else (CONFIGS, RATES)

    import pandas as pd
    from ..engine import find_engine

    engine = find_engine()
    os.makedirs(args.out, exist_ok=True)
    print(f"npusim study noc: {len(configs)} configurations x {len(rates)} loads -> {args.out}", file=sys.stderr)
    rows = []
    with cf.ThreadPoolExecutor(max_workers=args.processes or os.cpu_count() or 2) as pool:
        futures = {pool.submit(sweep_one, engine, c, rates): c for c in configs}
        for n, fut in enumerate(cf.as_completed(futures), 1):
            rows += fut.result()
            print(f"  [{n}/{len(configs)}] {futures[fut][0]}", file=sys.stderr)
    order = {c[0]: i for i, c in enumerate(configs)}
    df = pd.DataFrame(rows)
    df = df.sort_values(["config", "offered"], key=lambda s: s.map(order) if s.name == "config" else s)
    df.to_csv(os.path.join(args.out, "summary.csv"), index=False)
    sat = df.groupby("config", sort=False).agg(saturation=("accepted", "max"),
                                               zero_load_ns=("avg latency ns", "first")).reset_index()
    with open(os.path.join(args.out, "saturation.md"), "w") as f:
        f.write("# Saturation throughput (max accepted load, fraction of injection bandwidth)\n\n")
        f.write("| config | saturation | latency at the lowest load (ns) |\n|---|---|---|\n")
        for r in sat.itertuples():
            f.write(f"| {r.config} | {r.saturation:.3f} | {r.zero_load_ns:.1f} |\n")
    plot(df, os.path.join(args.out, "latency_load.png"))
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(df.to_string(index=False))
        print()
        print(sat.to_string(index=False))
    print(f"\nwrote {args.out}/summary.csv, saturation.md, latency_load.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
