"""The chip model through `npusim-engine op`: the issue's must-show results,
each against a bound derived here from the chip's parameters."""
import json
import subprocess

import pytest

from conftest import ENGINE, needs_engine

pytestmark = needs_engine


def op(tmp_path, *args, chip="ascend_950pr", name="run"):
    out = tmp_path / name
    p = subprocess.run([str(ENGINE), "op", "--chip", str(chip), *map(str, args), "--json", "--out", str(out)],
                       capture_output=True, text=True, env={"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"})
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    r["stats"] = json.loads((out / "stats.json").read_text())["stats"]
    r["out"] = out
    return r


def preset(name):
    import sys
    from conftest import BUILD
    sys.path.insert(0, str(BUILD / "python"))
    from npusim import _native
    return _native.call("chip_preset", name)


def test_large_bf16_gemm_reaches_the_bound_its_tiling_allows(tmp_path):
    r = op(tmp_path, "--op", "matmul", "--m", 4096, "--n", 4096, "--k", 4096, "--dtype", "bf16")
    c = preset("ascend_950pr")
    core = c["core"]
    macs = core["cube_m"] * core["cube_k"] * core["cube_n"]
    cores = r["cube_cores_used"]
    assert cores == c["cube_cores"]
    # Bounds in chip cycles: the cube, each core's MTE2 port for the bytes
    # the tiling re-reads, and HBM for what crossed it.
    compute = 4096 ** 3 / (cores * macs)
    mte2 = r["gm_read_bytes"] / cores / core["mte2_bytes_per_cycle"]
    hbm = r["hbm_bytes"] / (r["hbm_peak_gbps"] / c["clock_ghz"])
    bound = max(compute, mte2, hbm)
    assert r["cycles"] >= compute
    # Tolerance: 30% above the bound for the transfer latency the double
    # buffering does not hide, the first tile's fill and the last's drain.
    assert r["cycles"] <= bound / 0.7, (r["cycles"], compute, mte2, hbm)
    assert r["utilization"] == pytest.approx(compute / r["cycles"], rel=1e-6)
    assert r["bound"] in ("compute", "on-chip")
    # Every byte of A and B crossed HBM exactly once (the operands fit L2).
    assert r["hbm_bytes"] >= 2 * 4096 * 4096 * 2


def test_small_k_gemm_shows_mte2_stalls(tmp_path):
    r = op(tmp_path, "--op", "matmul", "--m", 4096, "--n", 4096, "--k", 64, "--dtype", "bf16")
    assert r["pipes"]["mte2"] > r["pipes"]["m"]
    assert r["bound"] != "compute"
    stalls = sum(v for k, v in r["stats"].items() if k.endswith(".mte2.memory_stall_cycles"))
    assert stalls > 0
    # The cube waits on its operands: flag stalls on M dominate its time.
    m_wait = sum(v for k, v in r["stats"].items() if k.endswith(".m.flag_stall_cycles"))
    m_busy = sum(v for k, v in r["stats"].items() if k.endswith(".m.busy_cycles"))
    assert m_wait > m_busy


def test_fp8_and_mxfp4_run_at_their_multiples_when_compute_bound(tmp_path):
    # A what-if 950PR whose memory path cannot be the bottleneck (MTE ports,
    # L2 slices and outstanding lines raised), so the cube is.
    c = preset("ascend_950pr")
    c["core"]["mte2_bytes_per_cycle"] = 4096
    c["core"]["mte1_bytes_per_cycle"] = 4096
    c["core"]["fix_bytes_per_cycle"] = 4096
    c["l2"]["slices"] = 1024
    c["noc"]["max_outstanding"] = 4096
    c["name"] = "wide_950pr"
    path = tmp_path / "chip.json"
    path.write_text(json.dumps({"name": "wide_950pr", "compute": c, "hbm": "ascend_950pr"}))
    t = {d: op(tmp_path, "--op", "matmul", "--m", 4096, "--n", 4096, "--k", 4096, "--dtype", d, chip=path, name=d)
         for d in ("bf16", "fp8", "mxfp4")}
    for d in t:
        assert t[d]["bound"] == "compute", (d, t[d]["bound"], t[d]["pipes"])
    mult = {"fp8": c["core"]["fp8_multiplier"], "mxfp4": c["core"]["mxfp4_multiplier"]}
    for d, m in mult.items():
        # Within 15% of the configured multiple: measured 2.21x, as the bf16
        # run keeps more of its time in transfer latency than the fp8 one.
        assert t[d]["tflops"] / t["bf16"]["tflops"] == pytest.approx(m, rel=0.15), d


def test_hbm_bound_gemm_gains_only_what_its_bytes_allow(tmp_path):
    # A decode GEMM (16 tokens x 7168 x 7168): the weights stream from HBM once.
    t = {d: op(tmp_path, "--op", "matmul", "--m", 16, "--n", 7168, "--k", 7168, "--dtype", d, name=d)
         for d in ("bf16", "fp8", "mxfp4")}
    for d in t:
        assert t[d]["bound"] == "hbm"
        assert t[d]["utilization"] < 0.2
    for d in ("fp8", "mxfp4"):
        speedup = t["bf16"]["cycles"] / t[d]["cycles"]
        bytes_ratio = t["bf16"]["hbm_bytes"] / t[d]["hbm_bytes"]
        # The time follows the bytes, not the cube multiplier: never faster
        # than the byte ratio allows (+5% for fill/drain), and fp8 within 15%
        # of it. mxfp4 reaches less of it (~2.5x of 3.8x): its run is short
        # enough that fill/drain and the 28-of-32-core tiling show.
        assert speedup <= 1.05 * bytes_ratio, (d, speedup, bytes_ratio)
        if d == "fp8":
            assert speedup == pytest.approx(bytes_ratio, rel=0.15), (d, speedup, bytes_ratio)


def test_op_runs_are_deterministic(tmp_path):
    a = op(tmp_path, "--op", "matmul", "--m", 512, "--n", 768, "--k", 1024, "--dtype", "fp8", name="a")
    b = op(tmp_path, "--op", "matmul", "--m", 512, "--n", 768, "--k", 1024, "--dtype", "fp8", name="b")
    assert (a["out"] / "stats.json").read_bytes() == (b["out"] / "stats.json").read_bytes()
    assert (a["out"] / "result.json").read_bytes() == (b["out"] / "result.json").read_bytes()


def test_fast_fidelity_uses_the_same_tiling(tmp_path):
    c = op(tmp_path, "--op", "matmul", "--m", 2048, "--n", 2048, "--k", 2048, "--dtype", "bf16", name="c")
    f = op(tmp_path, "--op", "matmul", "--m", 2048, "--n", 2048, "--k", 2048, "--dtype", "bf16",
           "--fidelity", "fast", name="f")
    assert c["tiling"] == f["tiling"]
    # Stated error of the tile model against the chip's cycle model on this
    # shape: it does not see transfer latency or L2/HBM queueing (see the
    # tile-model sweep test in tests/cpp for its error against AiCore).
    assert f["cycles"] <= c["cycles"]
    assert c["cycles"] / f["cycles"] < 2.0


@pytest.mark.parametrize("args, code, text", [
    (["--op", "matmul", "--m", "0", "--n", "4", "--k", "4", "--dtype", "bf16"], 2, "--m: expected a positive integer"),
    (["--op", "matmul", "--m", "4", "--n", "4", "--dtype", "bf16"], 2, "--k is required"),
    (["--op", "conv", "--dtype", "bf16"], 2, "--op: expected matmul, attention or elementwise"),
    (["--op", "matmul", "--m", "4", "--n", "4", "--k", "4", "--dtype", "fp7"], 3, "job.dtype"),
    (["--op", "matmul", "--m", "4", "--n", "4", "--k", "4", "--dtype", "bf16", "--fidelity", "rtl"], 3,
     "job.fidelity"),
])
def test_bad_op_arguments(args, code, text):
    p = subprocess.run([str(ENGINE), "op", "--chip", "ascend_950pr", *args], capture_output=True, text=True)
    assert p.returncode == code, p.stderr
    assert text in p.stderr


def test_unsupported_dtype_names_the_chip(tmp_path):
    p = subprocess.run([str(ENGINE), "op", "--chip", "ascend_910b", "--op", "matmul", "--m", "64", "--n", "64",
                        "--k", "64", "--dtype", "mxfp4"], capture_output=True, text=True)
    assert p.returncode == 3 and "mxfp4" in p.stderr and "910b" in p.stderr


def test_timeline_has_pipe_spans_and_memory_commands(tmp_path):
    tl = tmp_path / "tl.json"
    op(tmp_path, "--op", "matmul", "--m", 256, "--n", 256, "--k", 256, "--dtype", "bf16", "--timeline", tl)
    t = json.loads(tl.read_text())
    events = t["traceEvents"] if isinstance(t, dict) else t
    names = {e.get("name") for e in events}
    # Per-pipe spans of the cores (Perfetto rows per pipe) and the HBM's commands.
    assert {"copy_gm_to_l1", "copy_l1_to_l0a", "mmad", "fixpipe_l0c_to_gm"} <= names
    assert "RD" in names and "ACT" in names
    spans = [e for e in events if e.get("name") == "mmad"]
    assert all(e["ph"] == "X" and e["dur"] > 0 for e in spans)
