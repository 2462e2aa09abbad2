"""Is HiZQ 2.0 worth it for decode? 950PR vs 950DT vs a what-if with twice
the channels, on a random-read (KV-cache-like) pattern and a stream.

    npusim run examples/compare_950.py --requests 20000
"""
import argparse

import npusim
from npusim.configs import chips

ap = argparse.ArgumentParser()
ap.add_argument("--requests", type=int, default=20000)
args = ap.parse_args()

pr, dt = chips.ascend_950pr(), chips.ascend_950dt()
what_if = dt.copy()
what_if.name = "950dt_2x_channels"
what_if.hbm.name = "950dt_2x_channels"
what_if.hbm.org.channels_per_stack *= 2

runs = [npusim.MemoryRun(c.hbm, pattern=p, requests=args.requests, name=f"{c.hbm.name}/{p}")
        for c in (pr, dt, what_if) for p in ("random", "stream_read")]
table = npusim.sweep(runs)
print(table[["name", "bandwidth_gbps", "pct_peak", "avg_read_latency_ns", "row_hit_rate"]].to_string(index=False))
