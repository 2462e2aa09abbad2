"""run() and sweep() against the real engine."""
import os

import numpy as np
import pytest

from conftest import REPO, needs_engine

pytestmark = needs_engine
TRACE = str(REPO / "traces" / "samples" / "mixed_small.trace")


def test_run_pattern(tmp_path):
    import npusim
    r = npusim.run(npusim.MemoryRun("hbm3", pattern="stream_read", requests=2000, seed=1), out_dir=tmp_path)
    assert r["name"] == "hbm3__stream_read" and r["reads"] == 2000 and r["writes"] == 0
    assert 0 < r["bandwidth_gbps"] <= r["peak_gbps"] and 0 <= r["row_hit_rate"] <= 1
    for f in ("stats.txt", "stats.json", "config.json", "result.json", "job.json"):
        assert (tmp_path / f).exists()
    assert r.stats and all(isinstance(k, str) for k in r.stats)
    df = r.stats_frame()
    assert len(df) == len(r.stats) and (df["desc"] != "").any()
    assert r.config["memory"]["name"] == "hbm3"
    # stats.txt (gem5-like) says the same as stats.json.
    from npusim import stats
    txt_values, txt_info = stats.read_txt(tmp_path)
    assert set(txt_values) == set(r.stats)
    for name, value in r.stats.items():
        assert txt_values[name] == pytest.approx(value, rel=1e-8, nan_ok=True)
    reads = df.set_index("name").loc["system.mem.reads"]
    assert txt_info["system.mem.reads"] == {"desc": reads.desc, "unit": reads.unit}


def test_deterministic(tmp_path):
    import npusim
    job = npusim.MemoryRun("hbm3e", pattern="random", requests=1000, seed=7)
    a, b = npusim.run(job, tmp_path / "a"), npusim.run(job, tmp_path / "b")
    assert a.stats == b.stats
    assert (tmp_path / "a" / "stats.txt").read_text() == (tmp_path / "b" / "stats.txt").read_text()


def test_run_trace_file_and_arrays(tmp_path):
    import npusim
    r = npusim.run(npusim.MemoryRun("ascend_950dt", trace=TRACE), tmp_path / "file")
    assert r["reads"] + r["writes"] == 160
    n = 500
    arrays = {"time": np.arange(n) * 2, "is_write": np.arange(n) % 4 == 0, "addr": np.arange(n) * 64, "size": 64}
    arrays["size"] = np.full(n, 64)
    r = npusim.run(npusim.MemoryRun("hbm3", trace=arrays, unit="ns"), tmp_path / "arrays")
    assert r["reads"] == n - n // 4 and r["writes"] == n // 4
    assert (tmp_path / "arrays" / "trace.memtrace").exists()


def test_engine_errors_reach_python(tmp_path):
    import npusim
    bad = {"kind": "memory", "name": "x", "memory": {"timing": {"nCL": -3}}, "trace": {"pattern": "random"}}
    with pytest.raises(npusim.ConfigError, match=r"nCL: expected an integer in \[1, 255\]") as info:
        npusim.run(bad, tmp_path / "cfg")
    assert info.value.returncode == 3 and "npusim: ConfigError" in info.value.stderr
    trace = tmp_path / "bad.trace"
    trace.write_text("npusim-memtrace v1 unit=ns\n0 R 0x0 64\n1 X 0x40 64\n")
    with pytest.raises(npusim.TraceError, match="bad.trace:3"):
        npusim.run(npusim.MemoryRun("hbm3", trace=str(trace)), tmp_path / "tr")


def test_story_1_what_if(tmp_path):
    import npusim
    from npusim.configs import chips
    pr, dt = chips.ascend_950pr(), chips.ascend_950dt()
    what_if = dt.copy()
    what_if.hbm.channels_per_stack *= 2
    table = npusim.sweep([npusim.MemoryRun(c.hbm, trace=TRACE) for c in (pr, dt, what_if)],
                         out_dir=tmp_path, progress=False)
    assert list(table["name"]) == ["ascend_950pr__mixed_small", "ascend_950dt__mixed_small",
                                   "ascend_950dt__mixed_small-2"]
    assert table["error"].isna().all()
    assert table.loc[2, "peak_gbps"] == pytest.approx(2 * table.loc[1, "peak_gbps"])
    assert sorted(os.listdir(tmp_path)) == sorted(table["name"])


def test_sweep_with_a_failure(tmp_path):
    import npusim
    jobs = [npusim.MemoryRun("hbm3", pattern=p, requests=500) for p in ("stream_read", "random")]
    jobs.insert(1, {"kind": "memory", "name": "broken", "memory": "hbm3", "trace": {"pattern": "random", "size": 3}})
    with pytest.warns(RuntimeWarning, match="1 of 3 runs failed"):
        table = npusim.sweep(jobs, processes=2, out_dir=tmp_path, progress="force")
    assert table.loc[1, "error"].startswith("ConfigError: ") and "size" in table.loc[1, "error"]
    assert table.loc[[0, 2], "bandwidth_gbps"].gt(0).all()


@pytest.mark.parametrize("processes", [False, True])
def test_sweep_on_dask(tmp_path, processes):
    distributed = pytest.importorskip("distributed")
    import npusim
    jobs = [npusim.MemoryRun(m, pattern="rw_mix", requests=500) for m in ("hbm3", "hbm3e", "ascend_910b")]
    local = npusim.sweep(jobs, out_dir=tmp_path / "local", progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = npusim.sweep(jobs, scheduler=client, out_dir=tmp_path / "dask", progress=False)
        by_address = npusim.sweep(jobs[:1], scheduler=cluster.scheduler_address, progress=False)
    cols = ["name", "cycles", "bandwidth_gbps", "row_hit_rate"]
    assert remote[cols].equals(local[cols])
    assert by_address.loc[0, "cycles"] == local.loc[0, "cycles"]
    r = remote.attrs["results"][0]
    assert r.stats == local.attrs["results"][0].stats and r.config["memory"]["name"] == "hbm3"
