"""The `npusim` command, run as users run it: tools/npusim in a child process."""
import os
import subprocess

from conftest import BUILD, REPO, needs_core, needs_engine

LAUNCHER = str(REPO / "tools" / "npusim")


def npusim_cmd(*args, env=None, cwd=None):
    import npusim
    e = dict(os.environ, **(env or {}))
    # The package under test (build tree, or the source tree before a build).
    e["PYTHONPATH"] = os.path.dirname(os.path.dirname(npusim.__file__))
    return subprocess.run([LAUNCHER, *args], capture_output=True, text=True, env=e, cwd=cwd, timeout=600)


def test_run_script_with_args(tmp_path):
    script = tmp_path / "cfg.py"
    script.write_text("import sys, npusim\n"
                      "print('argv', sys.argv)\n"
                      "print('name', __name__, npusim.__version__)\n")
    p = npusim_cmd("run", str(script), "--flag", "7")
    assert p.returncode == 0, p.stderr
    assert f"argv ['{script}', '--flag', '7']" in p.stdout
    assert "name __main__" in p.stdout


def test_run_script_exit_status_and_errors(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys\nsys.exit(5)\n")
    assert npusim_cmd("run", str(script)).returncode == 5
    script.write_text("import npusim\nraise npusim.ConfigError('memory.x: bad')\n")
    p = npusim_cmd("run", str(script))
    assert p.returncode == 3 and "npusim: ConfigError: memory.x: bad" in p.stderr


def test_bad_cli_arguments_exit_2():
    p = npusim_cmd("frobnicate")
    assert p.returncode == 2 and "invalid choice" in p.stderr
    p = npusim_cmd("study", "nosuch")
    assert p.returncode == 2
    assert npusim_cmd("run", "/nonexistent.py").returncode == 2


def test_mem_bad_argument_fake_engine(fake_engine):
    p = npusim_cmd("mem", "--bogus", env={"NPUSIM_ENGINE": str(fake_engine)})
    assert p.returncode == 2 and "npusim: UsageError: unknown argument '--bogus'" in p.stderr


@needs_engine
def test_mem_bad_argument_real_engine():
    p = npusim_cmd("mem", "--bogus", env={"NPUSIM_ENGINE": str(BUILD / "npusim-engine")})
    assert p.returncode == 2 and "unknown argument '--bogus'" in p.stderr


@needs_engine
def test_mem_runs_a_trace_json():
    import json
    p = npusim_cmd("mem", "--config", "hbm3", "--trace", str(REPO / "traces/samples/stream_read_small.trace"), "--json",
                   env={"NPUSIM_ENGINE": str(BUILD / "npusim-engine")})
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["requests"] == 200 and r["bandwidth_gbps"] > 0


@needs_core
def test_presets_and_params():
    p = npusim_cmd("presets")
    assert p.returncode == 0, p.stderr
    for name in ("hbm3e", "ascend_950dt", "nvidia_gb300"):
        assert name in p.stdout
    p = npusim_cmd("params", "memory")
    assert p.returncode == 0, p.stderr
    assert "memory.timing.nCL" in p.stdout and "tCK" in p.stdout and "Read latency: RD to first data" in p.stdout
    assert npusim_cmd("params", "nosuch").returncode == 2
    # Link media presets: numbers with their sources; the packet fabric's link keys.
    p = npusim_cmd("params", "link_media")
    assert p.returncode == 0, p.stderr
    for text in ("optical_lpo", "electrical", "RS(544,514)", "SMF-28", "(E)", "(V)", "327"):
        assert text in p.stdout, text
    p = npusim_cmd("params", "packet_fabric")
    for key in ("link.preset", "link.flit_overhead_bytes", "link.length_m", "routing.escape_vc"):
        assert "packet_fabric." + key in p.stdout, key


@needs_engine
def test_study_memory_quick(tmp_path):
    out = tmp_path / "study"
    p = npusim_cmd("study", "memory", "--out", str(out), "--quick", "--requests", "500")
    assert p.returncode == 0, p.stderr + p.stdout
    for f in ("summary.csv", "summary.md", "memory_compare.png"):
        assert (out / f).stat().st_size > 0
    import pandas as pd
    df = pd.read_csv(out / "summary.csv")
    assert len(df) == 9 * 6 and "error" not in df
    assert (df["GB/s"] > 0).all() and (df["% peak"] <= 100.0 + 1e-6).all()
    run_dir = out / "runs" / "hbm3e__stream_read"
    for f in ("stats.txt", "stats.json", "config.json", "result.json"):
        assert (run_dir / f).exists()
    assert "GB/s" in p.stdout and "hbm3e" in p.stdout
