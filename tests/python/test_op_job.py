"""OpRun (job kind "op") and `npusim op`: early validation naming the key,
job dicts for chips and presets, runs against a fake engine of the contract's
shape, and the real engine once it has `op`."""
import json
import subprocess

import pytest

from conftest import BUILD, ENGINE, needs_core, needs_engine
from op_fakes import fake_op_engine, needs_op  # noqa: F401 -- fixture
from test_cli import npusim_cmd

pytestmark = needs_core

RESULT_KEYS = ("name", "chip", "op", "dtype", "fidelity", "shape", "cycles", "time_us", "flops", "tflops",
               "peak_tflops", "utilization", "bound", "hbm_bytes", "hbm_gbps", "hbm_peak_gbps",
               "arithmetic_intensity", "cores_used", "pipes", "tiling")
PIPES = ("s", "mte1", "mte2", "mte3", "m", "v", "fix")
MM = dict(m=64, n=64, k=64)


@pytest.mark.parametrize("kwargs, message", [
    (dict(MM, m=0), r"^job\.m: expected an integer >= 1, got 0$"),
    (dict(MM, n=-3), r"^job\.n: expected an integer >= 1, got -3$"),
    (dict(MM, k=1.5), r"^job\.k: expected an integer >= 1, got 1\.5$"),
    (dict(MM, k="64"), r"^job\.k: expected an integer >= 1, got '64'$"),
    (dict(MM, m=True), r"^job\.m: expected an integer >= 1, got True$"),
    (dict(n=64, k=64), r"^job\.m: required for op 'matmul'"),
    (dict(MM, batch=0), r"^job\.batch: expected an integer >= 1"),
    (dict(MM, trans_a=1), r"^job\.trans_a: expected true or false, got 1$"),
    (dict(MM, bogus=3), r"^job\.bogus: not a key of op 'matmul'; its keys: m, n, k, batch, trans_a, trans_b$"),
    (dict(MM, dtype="fp32"), r"^job\.dtype: expected one of bf16, fp16, fp8, hif8, mxfp8, mxfp4, int8, got 'fp32'$"),
    (dict(MM, dtype="mxfp4"), r"^job\.dtype: ascend_910b has no mxfp4 unit \(peak 0\); expected one of "
                              r"bf16, fp16, int8$"),
    (dict(MM, dtype="fp8"), r"^job\.dtype: ascend_910b has no fp8 unit"),
    (dict(MM, fidelity="packet"), r"^job\.fidelity: expected one of cycle, fast, got 'packet'$"),
    (dict(MM, op="conv2d"), r"^job\.op: expected one of matmul, attention, elementwise, got 'conv2d'$"),
    (dict(op="attention", batch=1, heads=32, head_dim=128, seq_q=1), r"^job\.seq_kv: required for op 'attention'"),
    (dict(op="attention", batch=1, heads=32, kv_heads=5, head_dim=128, seq_q=1, seq_kv=64),
     r"^job\.kv_heads: expected a divisor of heads \(32\), got 5$"),
    (dict(op="attention", batch=1, heads=8, head_dim=64, seq_q=1, seq_kv=64, causal="yes"),
     r"^job\.causal: expected true or false"),
    (dict(op="elementwise", elements=0), r"^job\.elements: expected an integer >= 1, got 0$"),
    (dict(op="elementwise", elements=16, kind="div"), r"^job\.kind: expected one of add, mul, reduce_sum, got 'div'$"),
    (dict(op="elementwise", elements=16, m=4), r"^job\.m: not a key of op 'elementwise'"),
])
def test_validation_names_the_key(kwargs, message):
    import npusim
    kwargs = dict(kwargs)
    op = kwargs.pop("op", "matmul")
    with pytest.raises(npusim.ConfigError, match=message):
        npusim.OpRun("ascend_910b", op=op, **kwargs)


def test_bad_chip():
    import npusim
    with pytest.raises(npusim.ConfigError, match=r"^job\.chip: chip 'nope' is unknown; valid chips: .*ascend_970"):
        npusim.OpRun("nope", **MM)
    with pytest.raises(npusim.ConfigError, match=r"^job\.chip: expected a chip"):
        npusim.OpRun(42, **MM)
    with pytest.raises(npusim.ConfigError, match=r"^job\.chip: a chip dict needs keys name, compute, hbm; missing hbm"):
        npusim.OpRun({"name": "x", "compute": {}}, **MM)


def test_job_for_a_chip_object_carries_edits():
    import npusim
    from npusim.configs import chips
    chip = chips.ascend_970().copy(name="ascend_970_half")
    chip.compute.cube_cores //= 2
    chip.hbm.org.channels_per_stack *= 2
    j = npusim.OpRun(chip, op="matmul", m=8192, n=8192, k=8192, dtype="mxfp4")
    assert j["kind"] == "op" and j["op"] == "matmul" and j["dtype"] == "mxfp4" and j["fidelity"] == "cycle"
    assert j["name"] == "ascend_970_half__matmul_8192x8192x8192__mxfp4"
    assert set(j["chip"]) == {"name", "compute", "hbm"} and j["chip"]["name"] == "ascend_970_half"
    assert j["chip"]["compute"]["cube_cores"] == chips.ascend_970().compute.cube_cores // 2
    assert j["chip"]["compute"] == chip.compute.to_dict() and j["chip"]["hbm"] == chip.hbm.to_dict()
    assert j["chip"]["hbm"]["org"]["channels_per_stack"] == 2 * chips.ascend_970().hbm.org.channels_per_stack
    assert (j["m"], j["n"], j["k"], j["batch"], j["trans_a"], j["trans_b"]) == (8192, 8192, 8192, 1, False, False)
    json.dumps(j)  # what the runner writes as job.json


def test_job_for_a_preset_name():
    import npusim
    j = npusim.OpRun("Ascend-950PR", op="matmul", m=4096, n=4096, k=4096, batch=2, trans_b=True)
    assert j == {"kind": "op", "name": "ascend_950pr__matmul_b2_4096x4096x4096_tB__bf16", "chip": "ascend_950pr",
                 "op": "matmul", "dtype": "bf16", "fidelity": "cycle", "m": 4096, "n": 4096, "k": 4096,
                 "batch": 2, "trans_a": False, "trans_b": True}
    import numpy as np
    j = npusim.OpRun("ascend_950pr", m=np.int64(4), n=4, k=4, trans_a=np.bool_(True), name="mine", fidelity="fast")
    assert j["name"] == "mine" and j["fidelity"] == "fast" and type(j["m"]) is int and j["trans_a"] is True


def test_attention_and_elementwise_jobs(tmp_path):
    import npusim
    j = npusim.OpRun("ascend_950dt", op="attention", batch=16, heads=32, head_dim=128, seq_q=1, seq_kv=4096,
                     dtype="fp8", timeline=str(tmp_path / "t.json"))
    assert j["kv_heads"] == 32 and j["causal"] is True and j["timeline"] == str(tmp_path / "t.json")
    assert j["name"] == "ascend_950dt__attention_b16_h32kv32_d128_q1_kv4096__fp8"
    j = npusim.OpRun("ascend_950dt", op="attention", batch=1, heads=32, kv_heads=8, head_dim=128, seq_q=16,
                     seq_kv=16, causal=False)
    assert j["kv_heads"] == 8 and j["causal"] is False and j["name"].endswith("_q16_kv16_nocausal__bf16")
    # The job's own "kind" is "op", so the elementwise kind travels as "elementwise_kind".
    j = npusim.OpRun("ascend_910b", op="elementwise", elements=1 << 20, kind="reduce_sum")
    assert j["kind"] == "op" and j["elementwise_kind"] == "reduce_sum" and j["elements"] == 1 << 20
    assert j["name"] == "ascend_910b__elementwise_reduce_sum_1048576__bf16"
    # Elementwise runs on the vector unit: no cube peak needed.
    assert npusim.OpRun("ascend_910b", op="elementwise", elements=64, dtype="mxfp4")["dtype"] == "mxfp4"


def test_run_and_sweep_with_fake_engine(fake_op_engine, tmp_path):
    import npusim
    from npusim.configs import chips
    r = npusim.run(npusim.OpRun(chips.ascend_950pr(), op="matmul", m=512, n=512, k=512), out_dir=tmp_path / "r")
    for k in RESULT_KEYS:
        assert k in r, k
    assert r["chip"] == "ascend_950pr" and r["shape"]["m"] == 512 and 0 < r["utilization"] <= 1
    assert json.load(open(tmp_path / "r" / "job.json"))["chip"]["compute"]["cube_cores"] >= 1
    assert r.stats["system.chip.cycles"] == r["cycles"] and r.config["kind"] == "op"
    table = npusim.sweep([npusim.OpRun(c, op="elementwise", elements=4096, kind=k)
                          for c in ("ascend_910b", "ascend_970") for k in ("add", "mul")],
                         out_dir=tmp_path / "s", progress=False)
    assert list(table["chip"]) == ["ascend_910b"] * 2 + ["ascend_970"] * 2 and table["error"].isna().all()
    assert [s["kind"] for s in table["shape"]] == ["add", "mul"] * 2


def test_story_2_with_fake_engine(fake_op_engine, capsys):
    import npusim
    from npusim.configs import chips
    for chip in (chips.ascend_950dt(), chips.ascend_960(), chips.ascend_970(), chips.nvidia_gb300()):
        r = npusim.run(npusim.OpRun(chip, op="matmul", m=8192, n=8192, k=8192, dtype="mxfp4"))
        print(chip.name, r["tflops"], r["utilization"], r["bound"])
    out = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in out] == ["ascend_950dt", "ascend_960", "ascend_970", "nvidia_gb300"]


def test_cli_op_is_handed_to_the_engine(fake_op_engine):
    p = npusim_cmd("op", "--chip", "ascend_950pr", "--op", "matmul", "--m", "256", "--n", "256", "--k", "256",
                   "--dtype", "fp8", "--json", env={"NPUSIM_ENGINE": str(fake_op_engine)})
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["chip"] == "ascend_950pr" and r["dtype"] == "fp8" and r["shape"]["k"] == 256
    p = npusim_cmd("op", "--bogus", env={"NPUSIM_ENGINE": str(fake_op_engine)})
    assert p.returncode == 2 and "npusim: UsageError: unknown argument '--bogus'" in p.stderr


def test_cli_help_lists_op_and_roadmap():
    p = npusim_cmd("--help")
    assert p.returncode == 0 and " op " in p.stdout and "roadmap" in p.stdout
    p = npusim_cmd("study", "roadmap", "--help")
    assert p.returncode == 0 and "--quick" in p.stdout and "--chips" in p.stdout


# --- the real engine, once it has `op` -------------------------------------

def engine_op(*args):
    return subprocess.run([str(ENGINE), "op", *args], capture_output=True, text=True, timeout=600)


@needs_engine
@needs_op
def test_real_engine_small_matmul(tmp_path):
    import npusim
    from npusim.configs import chips
    r = npusim.run(npusim.OpRun(chips.ascend_950pr(), op="matmul", m=256, n=256, k=256, dtype="bf16"),
                   out_dir=tmp_path / "run")
    for k in RESULT_KEYS:
        assert k in r, k
    assert r["op"] == "matmul" and r["dtype"] == "bf16" and r["chip"] == "ascend_950pr"
    assert r["shape"]["m"] == 256 and r["shape"]["n"] == 256 and r["shape"]["k"] == 256
    assert r["flops"] == 2 * 256 ** 3 and r["cycles"] > 0 and r["time_us"] > 0
    assert 0 < r["utilization"] <= 1 and abs(r["utilization"] - r["tflops"] / r["peak_tflops"]) < 1e-6
    assert abs(r["peak_tflops"] - chips.ascend_950pr().compute.peak_tflops("bf16")) < 1e-6 * r["peak_tflops"]
    assert r["bound"] in ("compute", "hbm", "l2", "on-chip", "latency")
    assert set(r["pipes"]) == set(PIPES) and all(0 <= v <= 1 for v in r["pipes"].values())
    for f in ("result.json", "stats.txt", "stats.json", "config.json"):
        assert (tmp_path / "run" / f).exists(), f


@needs_engine
@needs_op
def test_real_engine_attention_and_elementwise(tmp_path):
    import npusim
    table = npusim.sweep([
        npusim.OpRun("ascend_950dt", op="attention", batch=2, heads=4, kv_heads=2, head_dim=64, seq_q=1, seq_kv=256),
        npusim.OpRun("ascend_950dt", op="elementwise", elements=1 << 16, kind="mul"),
    ], out_dir=tmp_path, progress=False)
    assert table["error"].isna().all(), list(table["error"])
    assert (table["time_us"] > 0).all() and table["bound"].isin(["compute", "hbm", "l2", "latency"]).all()


@needs_engine
@needs_op
def test_real_engine_cli():
    p = engine_op("--chip", "ascend_950pr", "--op", "matmul", "--m", "128", "--n", "128", "--k", "128",
                  "--dtype", "bf16", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["shape"]["m"] == 128 and 0 < r["utilization"] <= 1
    p = engine_op("--chip", "ascend_950pr", "--op", "conv", "--m", "1")
    assert p.returncode == 2 and "npusim: UsageError:" in p.stderr
    p = engine_op("--chip", "nosuch", "--op", "matmul", "--m", "1", "--n", "1", "--k", "1", "--dtype", "bf16")
    assert p.returncode == 3 and "npusim: ConfigError:" in p.stderr and "nosuch" in p.stderr
    p = npusim_cmd("op", "--chip", "ascend_950pr", "--op", "matmul", "--m", "128", "--n", "128", "--k", "128",
                   "--dtype", "bf16", "--json", env={"NPUSIM_ENGINE": str(BUILD / "npusim-engine")})
    assert p.returncode == 0 and json.loads(p.stdout)["op"] == "matmul", p.stderr


@needs_engine
@needs_op
def test_real_engine_story_2():
    import npusim
    from npusim.configs import chips
    seen = {}
    for chip in (chips.ascend_950dt(), chips.ascend_960(), chips.ascend_970(), chips.nvidia_gb300()):
        r = npusim.run(npusim.OpRun(chip, op="matmul", m=8192, n=8192, k=8192, dtype="mxfp4"))
        print(chip.name, r["tflops"], r["utilization"], r["bound"])
        assert 0 < r["utilization"] <= 1 and r["bound"] in ("compute", "hbm", "l2", "on-chip", "latency")
        seen[chip.name] = r["tflops"]
    assert seen["ascend_970"] > seen["ascend_950dt"]  # 4x the mxfp4 peak


def test_jobs_pickle_for_dask():
    import pickle
    import npusim
    from npusim.configs import chips
    j = npusim.OpRun(chips.ascend_960(), op="attention", batch=1, heads=8, head_dim=64, seq_q=4, seq_kv=4)
    back = pickle.loads(pickle.dumps(j))
    assert type(back) is npusim.OpRun and back == j


def test_job_for_the_engine_dict_form():
    import npusim
    from npusim.configs import chips
    c = chips.ascend_960()
    d = {"name": "mine", "compute": c.compute.to_dict(), "hbm": c.hbm.to_dict()}
    j = npusim.OpRun(d, m=8, n=8, k=8, dtype="mxfp4")
    assert j["chip"] == d and j["name"] == "mine__matmul_8x8x8__mxfp4"
    d["compute"]["core"]["mxfp4_multiplier"] = 0
    with pytest.raises(npusim.ConfigError, match="^job.dtype: mine has no mxfp4 unit"):
        npusim.OpRun(d, m=8, n=8, k=8, dtype="mxfp4")
