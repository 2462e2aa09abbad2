"""`npusim core`: replaying a core instruction trace from the command line."""
import json
import subprocess

from conftest import ENGINE, REPO, needs_engine

pytestmark = needs_engine


def core(*args):
    return subprocess.run([str(ENGINE), "core", *args], capture_output=True, text=True, timeout=60)


def test_sample_gemm_tile_json(tmp_path):
    p = core("--trace", str(REPO / "traces/samples/gemm_tile.core"), "--json", "--stats-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["cycles"] > 0 and set(r["pipes"]) == {"S", "MTE1", "MTE2", "MTE3", "M", "V", "FIX"}
    # Double buffering overlaps the loads with the cube: well under the serial sum.
    assert r["pipes"]["MTE2"]["busy_fraction"] > 0.5 and r["pipes"]["M"]["busy_fraction"] > 0.3
    assert (tmp_path / "stats.txt").exists() and (tmp_path / "config.json").exists()


def test_wait_without_set_is_a_stall_naming_pipe_and_flag(tmp_path):
    f = tmp_path / "dead.core"
    f.write_text("npusim-coretrace v1\nwait_flag src=MTE2 dst=M id=3\n")
    p = core("--trace", str(f))
    assert p.returncode == 6, p.stderr
    assert "MTE2->M id 3" in p.stderr and "line 2" in p.stderr


def test_malformed_trace_and_arguments(tmp_path):
    f = tmp_path / "bad.core"
    f.write_text("npusim-coretrace v1\nmmad m=16 k=16 n=16 dtype=bf17 a=0 b=0 c=0\n")
    p = core("--trace", str(f))
    assert p.returncode == 4 and "bad.core:2" in p.stderr
    assert core().returncode == 2
    assert core("--trace", str(f), "--bogus").returncode == 2
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"l0a_kib": -1}))
    p = core("--trace", str(REPO / "traces/samples/gemm_tile.core"), "--config", str(cfg))
    assert p.returncode == 3, p.stderr
