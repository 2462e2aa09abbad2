"""`npusim study roadmap`: the grid, the table ("n/a" for formats a chip
lacks, the bound column), the files and plots, on results from a fake engine
of the op contract's shape; and the real engine once it has `op`."""
import json
import math
import re

import pytest

from conftest import BUILD, needs_core, needs_engine
from op_fakes import fake_op_engine, needs_op  # noqa: F401 -- fixture
from test_cli import npusim_cmd

pytestmark = needs_core

BOUNDS = {"compute", "hbm", "l2", "on-chip", "latency"}
TABLE = ["chip", "op", "shape", "dtype", "achieved TFLOPS", "peak TFLOPS", "% of peak", "bound", "time_us"]


def test_grid_is_data():
    from npusim.jobs import OP_SHAPES
    from npusim.studies import roadmap
    for grid in (roadmap.WORKLOADS, roadmap.QUICK_WORKLOADS):
        labels = [w[0] for w in grid]
        assert len(labels) == len(set(labels))
        for label, op, shape, dtypes in grid:
            assert op in OP_SHAPES and set(shape) <= set(OP_SHAPES[op]) and dtypes
    ops = {(w[1], w[2].get("seq_q", 0) == 1) for w in roadmap.WORKLOADS}
    assert ("attention", True) in ops and ("attention", False) in ops  # decode and prefill
    assert set(roadmap.GEMM_DTYPES) == {"bf16", "fp8", "mxfp4"}
    assert {w for w, _ in roadmap.REPRESENTATIVE} <= {w[0] for w in roadmap.WORKLOADS}


def test_build_jobs_skips_missing_formats():
    from npusim.configs import chips
    from npusim.studies import roadmap
    jobs, rows = roadmap.build_jobs([chips.ascend_910b(), chips.ascend_970()], roadmap.QUICK_WORKLOADS, "fast")
    na = [(r["chip"], r["dtype"]) for r in rows if r["job"] is None]
    assert na == [("ascend_910b", "fp8"), ("ascend_910b", "mxfp4")]
    assert len(jobs) == len(rows) - 2 and all(j["fidelity"] == "fast" for j in jobs)
    assert [rows[i]["job"] for i in range(len(rows)) if rows[i]["job"] is not None] == list(range(len(jobs)))
    assert jobs[0]["name"] == "ascend_910b__gemm_256__bf16" and jobs[0]["chip"]["name"] == "ascend_910b"


def test_study_with_fake_engine(fake_op_engine, tmp_path):
    import pandas as pd
    from npusim.configs import chips
    from npusim.studies import roadmap
    out = tmp_path / "roadmap"
    df = roadmap.run(out=str(out), quick=True, workers=2, progress=False)
    # Files: the tables, one roofline per chip, the roadmap bars, every run's stats.
    for f in ["summary.csv", "summary.md", "roadmap.png"] + [f"roofline_{c}.png" for c in roadmap.QUICK_CHIPS]:
        assert (out / f).stat().st_size > 0, f
    run_dir = out / "runs" / "ascend_970__gemm_256__mxfp4"
    for f in ("stats.txt", "stats.json", "config.json", "result.json", "job.json"):
        assert (run_dir / f).exists(), f
    assert json.load(open(run_dir / "job.json"))["chip"]["name"] == "ascend_970"
    # The table: one row per chip x workload x format, "n/a" where the chip has no unit.
    n_points = sum(len(w[3]) for w in roadmap.QUICK_WORKLOADS)
    assert len(df) == len(roadmap.QUICK_CHIPS) * n_points and "error" not in df
    assert list(df["chip"].drop_duplicates()) == roadmap.QUICK_CHIPS
    for col in TABLE:
        assert col in df, col
    na = df[df["bound"] == "n/a"]
    assert sorted(zip(na["chip"], na["dtype"])) == [("ascend_910b", "fp8"), ("ascend_910b", "mxfp4")]
    assert na["achieved TFLOPS"].isna().all() and (na["peak TFLOPS"] == 0).all()
    ran = df[df["bound"].notna() & (df["bound"] != "n/a")]  # pandas reads "n/a" as NaN
    assert set(ran["bound"]) <= BOUNDS and (ran["achieved TFLOPS"] > 0).all()
    assert ((ran["% of peak"] > 0) & (ran["% of peak"] <= 100)).all()
    assert (abs(ran["% of peak"] - 100 * ran["achieved TFLOPS"] / ran["peak TFLOPS"]) < 1e-6).all()
    row = ran[(ran["chip"] == "ascend_970") & (ran["workload"] == "gemm_256") & (ran["dtype"] == "mxfp4")].iloc[0]
    assert row["shape"] == "256x256x256" and row["op"] == "matmul"
    assert math.isclose(row["peak TFLOPS"], chips.ascend_970().compute.peak_tflops("mxfp4"), rel_tol=1e-6)
    # CSV and markdown carry the same rows; markdown shows "n/a".
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv.columns) == list(df.columns) and len(csv) == len(df)
    md = (out / "summary.md").read_text()
    assert "| " + " | ".join(TABLE) + " |" in md
    assert "| ascend_910b | matmul | 256x256x256 | mxfp4 | n/a | n/a | n/a | n/a | n/a |" in md
    assert "Peak vs achieved" in md
    # Peak vs achieved: one row per chip and format, from the chip's config.
    pva = df.attrs["peak_vs_achieved"]
    assert len(pva) == len(roadmap.QUICK_CHIPS) * 3
    r = pva[(pva["chip"] == "ascend_950pr") & (pva["dtype"] == "fp8")].iloc[0]
    assert math.isclose(r["peak TFLOPS"], chips.ascend_950pr().compute.peak_tflops("fp8"), rel_tol=1e-9)
    assert 0 < r["best TFLOPS"] <= r["peak TFLOPS"]
    assert pva[(pva["chip"] == "ascend_910b") & (pva["dtype"] == "mxfp4")].iloc[0]["best workload"] == "n/a"


def test_failed_runs_become_error_rows(fake_op_engine, tmp_path, monkeypatch):
    from npusim.studies import roadmap
    monkeypatch.setenv("FAKE_OP_FAIL", "ascend_950pr__gemm_256__fp8")
    with pytest.warns(RuntimeWarning, match="1 of"):
        df = roadmap.run(out=str(tmp_path), quick=True, chips=["ascend_950pr", "nvidia_gb300"], progress=False)
    bad = df[df["bound"] == "error"]
    assert list(bad["run"]) == ["ascend_950pr__gemm_256__fp8"] and "the fake refuses" in bad["error"].iloc[0]
    assert df.loc[df["bound"] != "error", "error"].isna().all()
    assert (tmp_path / "roadmap.png").exists() and "error" in (tmp_path / "summary.md").read_text()


def test_table_and_plots_from_handmade_results(tmp_path):
    """summarise()/write_outputs() on a sweep-like table, no engine at all."""
    import pandas as pd
    from npusim.studies import roadmap
    rows = [
        {"chip": "a", "op": "matmul", "workload": "g", "shape": "8x8x8", "dtype": "bf16", "job": 0},
        {"chip": "a", "op": "matmul", "workload": "g", "shape": "8x8x8", "dtype": "mxfp4", "job": None},
        {"chip": "b", "op": "attention", "workload": "d", "shape": "b1", "dtype": "bf16", "job": 1},
    ]
    table = pd.DataFrame([
        {"name": "a__g__bf16", "tflops": 50.0, "peak_tflops": 100.0, "utilization": 0.5, "bound": "compute",
         "time_us": 3.0, "arithmetic_intensity": 200.0, "hbm_gbps": 10.0, "cores_used": 4, "error": None},
        {"name": "b__d__bf16", "tflops": 2.0, "peak_tflops": 400.0, "utilization": 0.005, "bound": "hbm",
         "time_us": 9.0, "arithmetic_intensity": 1.0, "hbm_gbps": 1900.0, "cores_used": 8, "error": None},
    ])
    roofs = {"a": {"hbm_gbps": 1000.0, "peaks": {"bf16": 100.0, "mxfp4": 0.0}},
             "b": {"hbm_gbps": 2000.0, "peaks": {"bf16": 400.0}}}
    df = roadmap.summarise(table, rows, roofs)
    assert list(df["bound"]) == ["compute", "n/a", "hbm"] and list(df["% of peak"].fillna(-1)) == [50.0, -1, 0.5]
    assert list(df["run"].fillna("")) == ["a__g__bf16", "", "b__d__bf16"]
    text = roadmap.to_text(df)
    assert text.splitlines()[0].split()[:4] == ["chip", "op", "shape", "dtype"] and "n/a" in text
    pva = roadmap.write_outputs(df, str(tmp_path), roofs)
    assert list(pva["best workload"]) == ["g", "n/a", "d"]
    lines = roadmap.peak_lines(pva)
    assert "peak    100.0  achieved     50.0  (50.0% of peak, g)" in lines[0] and "no mxfp4 unit" in lines[1]
    for f in ("summary.csv", "summary.md", "roadmap.png", "roofline_a.png", "roofline_b.png"):
        assert (tmp_path / f).stat().st_size > 0


def test_cli_study_roadmap_fake_engine(fake_op_engine, tmp_path):
    out = tmp_path / "r"
    p = npusim_cmd("study", "roadmap", "--quick", "--out", str(out), "--chips", "ascend_910b,ascend_960",
                   env={"NPUSIM_ENGINE": str(fake_op_engine)})
    assert p.returncode == 0, p.stderr + p.stdout
    assert "achieved TFLOPS" in p.stdout and "peak vs achieved" in p.stdout
    assert re.search(r"ascend_910b +mxfp4 +peak +n/a +achieved +n/a +\(no mxfp4 unit\)", p.stdout)
    assert re.search(r"ascend_960 +mxfp4 +peak +3999.9 +achieved +[0-9.]+ +\([0-9.]+% of peak, gemm_256\)", p.stdout)
    assert (out / "roofline_ascend_960.png").exists() and (out / "summary.csv").exists()


@needs_engine
@needs_op
def test_study_roadmap_quick_real_engine(tmp_path):
    out = tmp_path / "r"
    p = npusim_cmd("study", "roadmap", "--quick", "--out", str(out),
                   env={"NPUSIM_ENGINE": str(BUILD / "npusim-engine")})
    assert p.returncode == 0, p.stderr + p.stdout
    import pandas as pd
    df = pd.read_csv(out / "summary.csv")
    assert "error" not in df
    ran = df[df["bound"].notna() & (df["bound"] != "n/a")]  # pandas reads "n/a" as NaN
    assert set(ran["bound"]) <= BOUNDS and (ran["achieved TFLOPS"] > 0).all()
    assert ((ran["% of peak"] > 0) & (ran["% of peak"] <= 100 + 1e-6)).all()
    assert (out / "roadmap.png").exists() and (out / "runs" / "ascend_970__gemm_256__mxfp4" / "stats.txt").exists()


def test_chip_objects_and_what_ifs(fake_op_engine, tmp_path):
    import npusim
    from npusim.configs import chips
    from npusim.studies import roadmap
    base = chips.ascend_950pr()
    wide = base.copy(name="ascend_950pr_x2")
    wide.compute.cube_cores *= 2
    grid = [("gemm_512", "matmul", dict(m=512, n=512, k=512), ("mxfp4",))]
    df = roadmap.run(out=str(tmp_path), chips=[base, wide], workloads=grid, progress=False)
    assert list(df["chip"]) == ["ascend_950pr", "ascend_950pr_x2"]
    assert math.isclose(df["peak TFLOPS"].iloc[1], 2 * df["peak TFLOPS"].iloc[0], rel_tol=1e-9)
    job = json.load(open(tmp_path / "runs" / "ascend_950pr_x2__gemm_512__mxfp4" / "job.json"))
    assert job["chip"]["compute"]["cube_cores"] == 2 * base.compute.cube_cores
    with pytest.raises(npusim.ConfigError, match="'ascend_950pr' given twice"):
        roadmap.run(out=str(tmp_path), chips=[base, "ascend_950pr"], workloads=grid, progress=False)


def test_cli_unknown_chip_is_a_config_error(tmp_path):
    p = npusim_cmd("study", "roadmap", "--quick", "--out", str(tmp_path), "--chips", "ascend_950pr,nosuch")
    assert p.returncode == 3 and "npusim: ConfigError: chip 'nosuch' is unknown; valid chips:" in p.stderr
