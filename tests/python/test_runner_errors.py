"""The runner against a scripted fake engine: exit status -> exception class
(carrying the child's stderr), timeouts, Result access, sweep failure rows."""
import json
import os

import pytest

import npusim
from npusim import ConfigError, ProtocolError, SimulationError, StallError, TraceError
from npusim.runner import run
from npusim.sweep import sweep


def job(name):
    # A raw job dict: the fake engine only looks at the name.
    return {"kind": "memory", "name": name, "memory": "hbm3", "trace": {"pattern": "random"}}


@pytest.mark.parametrize("name, cls, message", [
    ("config", ConfigError, r"^memory\.timing\.nCL: expected an integer in \[1, 255\] \(tCK\), got -3$"),
    ("trace", TraceError, r"^t\.trace:3: unknown op"),
    ("protocol", ProtocolError, "RD too early"),
    ("stall", StallError, "no progress"),
    ("internal", SimulationError, "status 10: InternalError: bad_alloc"),
    ("crash", SimulationError, "killed by SIGSEGV; last stderr line: about to crash"),
    ("silent", SimulationError, "result.json is missing"),
])
def test_exit_status_maps_to_exception(fake_engine, tmp_path, name, cls, message):
    with pytest.raises(cls, match=message) as info:
        run(job(name), out_dir=tmp_path / "run")
    if name != "silent":
        assert info.value.stderr and info.value.returncode != 0
    assert info.value.out_dir == str(tmp_path / "run")


def test_stderr_is_carried(fake_engine, tmp_path):
    with pytest.raises(ConfigError) as info:
        run(job("config"), out_dir=tmp_path)
    assert "npusim: ConfigError: memory.timing.nCL" in info.value.stderr
    assert info.value.returncode == 3


def test_timeout_kills_the_child(fake_engine, tmp_path):
    import time
    t0 = time.monotonic()
    with pytest.raises(SimulationError, match="timed out after 0.5 s"):
        run(job("hang"), out_dir=tmp_path, timeout=0.5)
    assert time.monotonic() - t0 < 10


def test_result_access(fake_engine, tmp_path):
    r = run(job("ok"), out_dir=tmp_path / "ok")
    assert isinstance(r, npusim.Result) and r["bandwidth_gbps"] == 1.5
    assert r.out_dir == str(tmp_path / "ok")
    assert r.stats["system.mem.reads"] == 10
    df = r.stats_frame()
    assert list(df.columns) == ["name", "value", "unit", "desc"]
    row = df.set_index("name").loc["system.mem.read_latency::mean"]
    assert row.unit == "tCK" and row.desc == "Read latency"  # info of the owning stat
    assert r.config["name"] == "ok"
    assert json.load(open(tmp_path / "ok" / "job.json"))["name"] == "ok"


def test_run_defaults_to_a_temp_dir(fake_engine):
    r = run(job("tmp"))
    assert os.path.isdir(r.out_dir) and "npusim-tmp-" in r.out_dir


def test_missing_engine(monkeypatch, tmp_path):
    monkeypatch.setenv("NPUSIM_ENGINE", str(tmp_path / "nope"))
    with pytest.raises(SimulationError, match="not an executable"):
        run(job("ok"), out_dir=tmp_path)


def test_sweep_keeps_going_and_reports_errors(fake_engine, tmp_path):
    jobs = [job("a"), job("config-bad"), job("a"), job("crash")]
    with pytest.warns(RuntimeWarning, match="2 of 4 runs failed"):
        table = sweep(jobs, processes=2, out_dir=tmp_path, progress=False)
    assert list(table["name"]) == ["a", "config-bad", "a-2", "crash"]  # input order, unique names
    assert table["error"].isna().tolist() == [True, False, True, False]
    assert table.loc[1, "error"].startswith("ConfigError: memory.timing.nCL")
    assert "SIGSEGV" in table.loc[3, "error"]
    assert table.loc[0, "bandwidth_gbps"] == 1.5
    assert os.path.isdir(tmp_path / "a-2")
    assert table.attrs["results"][0]["cycles"] == 100 and table.attrs["results"][1] is None


def test_interrupted_sweep_stops_its_children(fake_engine, tmp_path):
    import signal
    import threading
    import time
    from npusim import engine
    # A real SIGINT, as Ctrl-C sends (interrupt_main would not wake a blocked wait).
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        sweep([job(f"hang{i}") for i in range(6)], processes=2, out_dir=tmp_path, progress=False)
    assert time.monotonic() - t0 < 10  # not the 60 s the children would sleep
    time.sleep(0.5)
    assert not engine._live
