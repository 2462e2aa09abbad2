"""Test helpers for the operator job (`npusim-engine op`, job kind "op"):
a fake engine that answers with results of the contract's shape, and the
check that the real engine has `op` yet."""
import functools
import os
import subprocess

import pytest

from conftest import ENGINE, HAVE_CORE, HAVE_ENGINE

# A stand-in for npusim-engine's `job` (kind "op") and `op` commands: a
# roofline with made-up peaks. FAKE_OP_FAIL=<text>: jobs whose name contains
# it fail with a ConfigError (exit 3).
FAKE_OP_ENGINE = r'''#!/usr/bin/python3
import json, os, sys
PEAK = {"bf16": 500.0, "fp16": 500.0, "fp8": 1000.0, "hif8": 1000.0, "mxfp8": 1000.0, "mxfp4": 2000.0, "int8": 1000.0}
BYTES = {"bf16": 2, "fp16": 2, "fp8": 1, "hif8": 1, "mxfp8": 1.03125, "mxfp4": 0.53125, "int8": 1}
HBM_GBPS, CLOCK_GHZ = 2000.0, 1.8

def shape_of(job):
    op = job["op"]
    keys = {"matmul": ("m", "n", "k", "batch", "trans_a", "trans_b"),
            "attention": ("batch", "heads", "kv_heads", "head_dim", "seq_q", "seq_kv", "causal"),
            "elementwise": ("elements", "elementwise_kind")}[op]
    return {("kind" if k == "elementwise_kind" else k): job[k] for k in keys}

def simulate(job):
    op, s, dt = job["op"], shape_of(job), job["dtype"]
    chip = job["chip"] if isinstance(job["chip"], str) else job["chip"]["name"]
    b = BYTES[dt]
    if op == "matmul":
        flops = 2.0 * s["batch"] * s["m"] * s["n"] * s["k"]
        hbm = s["batch"] * (s["m"] * s["k"] + s["k"] * s["n"]) * b + s["batch"] * s["m"] * s["n"] * 2
    elif op == "attention":
        frac = 0.5 if s["causal"] and s["seq_q"] > 1 else 1.0
        flops = 4.0 * s["batch"] * s["heads"] * s["seq_q"] * s["seq_kv"] * s["head_dim"] * frac
        hbm = s["batch"] * s["head_dim"] * (2 * s["heads"] * s["seq_q"] + 2 * s["kv_heads"] * s["seq_kv"]) * b
    else:
        flops, hbm = float(s["elements"]), 3.0 * s["elements"] * b
    peak = PEAK[dt]
    if isinstance(job["chip"], dict):  # the chip's own cube: cores x clock x MACs x 2 x format multiplier
        c = job["chip"]["compute"]
        mult = 1 if dt in ("bf16", "fp16") else c["core"][dt + "_multiplier"]
        macs = c["core"]["cube_m"] * c["core"]["cube_n"] * c["core"]["cube_k"]
        peak = c["cube_cores"] * c["clock_ghz"] * macs * 2 * mult / 1000.0
    t_c, t_m, t_l = flops / (0.9 * peak * 1e6), hbm / (0.8 * HBM_GBPS * 1e3), 2.0
    time_us = max(t_c, t_m) + t_l
    bound = "latency" if t_l > max(t_c, t_m) else ("compute" if t_c >= t_m else "hbm")
    tflops = flops / (time_us * 1e6)
    return {"name": job["name"], "chip": chip, "op": op, "dtype": dt, "fidelity": job.get("fidelity", "cycle"),
            "shape": s, "cycles": int(time_us * CLOCK_GHZ * 1e3), "time_us": time_us, "flops": flops,
            "tflops": tflops, "peak_tflops": peak, "utilization": tflops / peak, "bound": bound,
            "hbm_bytes": hbm, "hbm_gbps": hbm / (time_us * 1e3), "hbm_peak_gbps": HBM_GBPS,
            "arithmetic_intensity": flops / hbm, "cores_used": 32,
            "pipes": {"s": 0.1, "mte1": 0.5, "mte2": 0.6, "mte3": 0.2, "m": min(1.0, t_c / time_us), "v": 0.1,
                      "fix": 0.2},
            "tiling": {"base_m": 128, "base_n": 256, "base_k": 64}}

args = sys.argv[1:]
if args[:1] == ["op"]:
    if "--help" in args:
        print("usage: npusim-engine op --chip <preset|chip.json> --op matmul ..."); sys.exit(0)
    if "--bogus" in args:
        sys.stderr.write("npusim: UsageError: unknown argument '--bogus' for 'op'\n"); sys.exit(2)
    opts, i = {}, 1
    while i < len(args):
        if args[i] in ("--json", "--trans-a", "--trans-b", "--no-causal"):
            opts[args[i][2:]] = True; i += 1
        else:
            opts[args[i][2:]] = args[i + 1]; i += 2
    job = {"name": "cli", "chip": opts["chip"], "op": opts["op"], "dtype": opts.get("dtype", "bf16"),
           "m": int(opts["m"]), "n": int(opts["n"]), "k": int(opts["k"]), "batch": int(opts.get("batch", 1)),
           "trans_a": "trans-a" in opts, "trans_b": "trans-b" in opts}
    r = simulate(job)
    print(json.dumps(r) if opts.get("json") else "tflops %.1f" % r["tflops"]); sys.exit(0)
job = json.load(open(args[1])); out = args[3]
fail = os.environ.get("FAKE_OP_FAIL")
if job.get("kind") != "op":
    sys.stderr.write("npusim: ConfigError: job.kind: this fake only runs op jobs\n"); sys.exit(3)
if fail and fail in job["name"]:
    sys.stderr.write("npusim: ConfigError: job.m: the fake refuses %s\n" % job["name"]); sys.exit(3)
r = simulate(job)
json.dump(r, open(out + "/result.json", "w"))
json.dump({"stats": {"system.chip.cycles": r["cycles"]},
           "info": {"system.chip.cycles": {"desc": "Cycles", "unit": "cycle"}}}, open(out + "/stats.json", "w"))
open(out + "/stats.txt", "w").write("system.chip.cycles %d # Cycles (cycle)\n" % r["cycles"])
json.dump(job, open(out + "/config.json", "w"))
'''


@pytest.fixture
def fake_op_engine(tmp_path, monkeypatch):
    """NPUSIM_ENGINE pointing at FAKE_OP_ENGINE."""
    path = tmp_path / "fake-op-engine"
    path.write_text(FAKE_OP_ENGINE)
    path.chmod(0o755)
    monkeypatch.setenv("NPUSIM_ENGINE", str(path))
    return path


@functools.lru_cache(maxsize=None)
def engine_has_op():
    """True unless the built engine reports `op` as an unknown command (it
    predates the operator model); then the real-engine tests skip."""
    if not (HAVE_CORE and HAVE_ENGINE):
        return False
    p = subprocess.run([str(ENGINE), "op", "--help"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
    return "unknown command" not in (p.stdout + p.stderr)


needs_op = pytest.mark.skipif(not engine_has_op(), reason="npusim-engine has no `op` command yet")
