"""The HBM model end to end through the engine: closed-form checks, the
fast model's distance from the cycle model, conservation, determinism, the
protocol checker on every pattern, and malformed inputs on the command line."""
import json
import subprocess

import pytest

from conftest import ENGINE, needs_engine

pytestmark = needs_engine

PATTERNS = ["stream_read", "stream_write", "rw_mix", "random", "bank_conflict", "gemm_tile"]


def engine_job(tmp_path, job, name="run"):
    d = tmp_path / name
    jp = tmp_path / f"{name}.json"
    jp.write_text(json.dumps(job))
    p = subprocess.run([str(ENGINE), "job", str(jp), "--out", str(d)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads((d / "result.json").read_text()), d


def mem_cli(*args):
    # Every HBM run here has the protocol checker on.
    return subprocess.run([str(ENGINE), "mem", "--checker", *args], capture_output=True, text=True, timeout=120)


def job(memory, pattern, requests=20000, **kw):
    # Every HBM test runs with the protocol checker on.
    memory = dict(memory)
    memory.setdefault("protocol_checker", True)
    return {"kind": "memory", "memory": memory, "trace": {"pattern": pattern, "requests": requests, "size": 64, **kw}}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_checker_passes_and_requests_are_conserved(tmp_path, pattern):
    for preset in ("hbm2e", "hbm3", "ascend_970"):
        r, d = engine_job(tmp_path, job({"preset": preset, "protocol_checker": True}, pattern, 8000), preset)
        assert r["reads"] + r["writes"] == r["requests"] == 8000
        stats = json.loads((d / "stats.json").read_text())["stats"]
        # Bytes requested = bytes answered; DRAM bursts cover them exactly (aligned 64 B requests).
        assert stats["system.mem.bytes_read"] + stats["system.mem.bytes_written"] == r["bytes"] == 8000 * 64 or pattern == "bank_conflict"
        assert stats["system.player.requests_sent"] == 8000
        assert 0.0 <= r["row_hit_rate"] <= 1.0


def test_bank_conflict_is_row_cycle_bound(tmp_path):
    # Every request opens a new row in bank 0 of its channel: one burst per
    # tRC per channel at best (stated band: 85-100% of that bound).
    r, d = engine_job(tmp_path, job({"preset": "hbm3", "controller": {"refresh": "off"}}, "bank_conflict", 20000))
    cfg = json.loads((d / "config.json").read_text())["memory"]
    t, o = cfg["timing"], cfg["org"]
    channels = o["stacks"] * o["channels_per_stack"]
    burst = o["dq_bits"] // 8 * o["burst_length"]
    bound_gbps = channels * burst / (t["nRC"] * t["tCK_ps"] / 1000.0)
    assert 0.85 * bound_gbps <= r["bandwidth_gbps"] <= bound_gbps * 1.001
    assert r["row_hit_rate"] == 0.0


def test_unloaded_read_latency_matches_timing(tmp_path):
    # One read at a time into closed banks: frontend + tRCD + CL + burst + backend.
    r, d = engine_job(tmp_path, job({"preset": "hbm3", "controller": {"refresh": "off"}}, "random", 2000,
                                    interval_ps=2000000))
    cfg = json.loads((d / "config.json").read_text())["memory"]
    t, c = cfg["timing"], cfg["controller"]
    burst_cycles = cfg["org"]["burst_length"] // t["beats_per_clock"]
    closed = c["frontend_latency"] + t["nRCDRD"] + t["nCL"] + burst_cycles + c["backend_latency"]
    assert closed <= r["avg_read_latency_cycles"] <= closed + t["nRP"] + 1


# Fast model vs cycle model, per pattern: |fast - cycle| / cycle for bandwidth.
# The fast model has no banks, so patterns bound by row cycles (random,
# bank_conflict, gemm_tile's stride) are far off; streams are close.
FAST_TOLERANCE = {"stream_read": 0.10, "stream_write": 0.10, "rw_mix": 0.45, "random": 4.0,
                  "bank_conflict": 100.0, "gemm_tile": 8.0}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_fast_model_distance_from_cycle_model(tmp_path, pattern):
    cyc, _ = engine_job(tmp_path, job({"preset": "hbm3"}, pattern, 20000), "cycle")
    fast, _ = engine_job(tmp_path, job({"preset": "hbm3", "fidelity": "fast"}, pattern, 20000), "fast")
    err = abs(fast["bandwidth_gbps"] - cyc["bandwidth_gbps"]) / cyc["bandwidth_gbps"]
    print(f"{pattern}: cycle {cyc['bandwidth_gbps']:.1f} GB/s, fast {fast['bandwidth_gbps']:.1f} GB/s, error {err:.1%}")
    assert err <= FAST_TOLERANCE[pattern]
    assert fast["reads"] + fast["writes"] == 20000


def test_stats_are_byte_identical_on_repeat(tmp_path):
    j = job({"preset": "ascend_950dt", "protocol_checker": True}, "random", 10000, seed=5, read_fraction=0.7)
    _, a = engine_job(tmp_path, j, "a")
    _, b = engine_job(tmp_path, j, "b")
    for f in ("stats.txt", "stats.json", "result.json"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_mem_json_prints_one_object_with_the_documented_keys(tmp_path):
    p = mem_cli("--config", "hbm3", "--trace", str(ENGINE.parents[1] / "traces/samples/stream_read_small.trace"), "--json")
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    assert len(lines) == 1
    r = json.loads(lines[0])
    for k in ("cycles", "bandwidth_gbps", "avg_read_latency_ns", "p99_read_latency_ns", "row_hit_rate", "reads",
              "writes"):
        assert k in r
    assert r["reads"] == 200 and r["writes"] == 0


BAD_TRACES = {
    "bad_op.trace": ("npusim-memtrace v1 unit=cycle\n0 R 0x0 64\n1 X 0x40 64\n", ":3:"),
    "backwards.trace": ("npusim-memtrace v1 unit=cycle\n5 R 0x0 64\n1 R 0x40 64\n", ":3:"),
    "zero_size.trace": ("npusim-memtrace v1 unit=cycle\n0 R 0x0 0\n", ":2:"),
    "no_header.trace": ("0 R 0x0 64\n", ":1:"),
    "fields.trace": ("npusim-memtrace v1 unit=cycle\n0 R 0x0\n", ":2:"),
    "empty.trace": ("npusim-memtrace v1 unit=cycle\n", "empty.trace"),
    "beyond.trace": ("npusim-memtrace v1 unit=cycle\n0 R 0xffffffffffff00 64\n", "capacity"),
}


@pytest.mark.parametrize("name", sorted(BAD_TRACES))
def test_malformed_trace_gets_file_line_error_and_no_result(tmp_path, name):
    text, where = BAD_TRACES[name]
    f = tmp_path / name
    f.write_text(text)
    p = mem_cli("--config", "hbm3", "--trace", str(f), "--format", "native", "--json")
    assert p.returncode == 4, p.stderr
    assert name in p.stderr and where in p.stderr
    assert "expected" in p.stderr
    assert p.stdout.strip() == ""  # nothing partially simulated is reported


def test_malformed_dramsim3_trace(tmp_path):
    f = tmp_path / "d.trace"
    f.write_text("0x40 READ 1\n0x80 FETCH 2\n")
    p = mem_cli("--config", "hbm3", "--trace", str(f), "--format", "dramsim3")
    assert p.returncode == 4 and "d.trace:2" in p.stderr


BAD_CONFIGS = {
    "unknown": ({"preset": "hbm3", "org": {"chanels_per_stack": 8}}, "org.chanels_per_stack"),
    "type": ({"preset": "hbm3", "timing": {"nCL": "fast"}}, "timing.nCL"),
    "range": ({"preset": "hbm3", "timing": {"nCL": -3}}, "timing.nCL"),
    "enum": ({"preset": "hbm3", "controller": {"page_policy": "ajar"}}, "controller.page_policy"),
    "pow2": ({"preset": "hbm3", "org": {"channels_per_stack": 12}}, "org.channels_per_stack"),
    "mapping": ({"preset": "hbm3", "controller": {"address_mapping": "ro_ba_co_pc_ch"}}, "address_mapping"),
    "preset": ({"preset": "hbm9"}, "hbm9"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_malformed_config_names_the_key(tmp_path, name):
    cfg, key = BAD_CONFIGS[name]
    f = tmp_path / "mem.json"
    f.write_text(json.dumps(cfg))
    p = mem_cli("--config", str(f), "--trace", str(ENGINE.parents[1] / "traces/samples/stream_read_small.trace"))
    assert p.returncode == 3, p.stderr
    assert key in p.stderr and "expected" in p.stderr


def test_malformed_json_and_cli(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text("{not json")
    p = mem_cli("--config", str(f), "--trace", "x")
    assert p.returncode == 3 and "broken.json" in p.stderr
    assert mem_cli("--config").returncode == 2
    p = mem_cli("--config", "hbm3", "--trace", "t", "--format", "csv")
    assert p.returncode == 2 and "--format" in p.stderr
    p = mem_cli("--config", "hbm3", "--trace", str(tmp_path / "missing.trace"))
    assert p.returncode == 4 and "missing.trace" in p.stderr


def test_warmup_window_excludes_the_first_responses(tmp_path):
    j = job({"preset": "hbm3"}, "stream_read", 20000)
    j["warmup_requests"] = 5000
    r, d = engine_job(tmp_path, j)
    assert r["reads"] == 15000 and r["warmup_requests"] == 5000
    j["warmup_requests"] = 20000
    jp = tmp_path / "bad.json"
    jp.write_text(json.dumps(j))
    p = subprocess.run([str(ENGINE), "job", str(jp)], capture_output=True, text=True)
    assert p.returncode == 3 and "job.warmup_requests" in p.stderr


def test_timeline_is_valid_chrome_trace(tmp_path):
    tl = tmp_path / "tl.json"
    p = mem_cli("--config", "hbm3", "--trace", str(ENGINE.parents[1] / "traces/samples/stream_read_small.trace"),
                "--timeline", str(tl))
    assert p.returncode == 0, p.stderr
    events = json.loads(tl.read_text())["traceEvents"]
    names = {e.get("name") for e in events}
    assert "RD" in names and "ACT" in names


def test_full_queues_delay_end_req(tmp_path):
    # Tiny queues: BEGIN_REQs wait for END_REQ (back-pressure), the stream
    # still completes; a slow trickle never waits.
    small = {"preset": "hbm3", "controller": {"read_queue": 2, "write_queue": 2}}
    r, d = engine_job(tmp_path, job(small, "stream_read", 20000), "small")
    s = json.loads((d / "stats.json").read_text())["stats"]
    assert s["system.mem.backpressure_events"] > 1000
    assert s["system.player.backpressure_ps"] > 0
    assert r["reads"] == 20000
    slow, d2 = engine_job(tmp_path, job(small, "stream_read", 2000, interval_ps=100000), "slow")
    s2 = json.loads((d2 / "stats.json").read_text())["stats"]
    assert s2["system.mem.backpressure_events"] == 0


def test_request_larger_than_its_queue_is_an_error_not_a_hang(tmp_path):
    f = tmp_path / "big.trace"
    f.write_text("npusim-memtrace v1 unit=cycle\n0 R 0x0 4096\n")
    cfg = tmp_path / "part.json"
    cfg.write_text(json.dumps({"preset": "ascend_950pr", "controller": {"address_mapping": "channel_partitioned", "read_queue": 32}}))
    p = mem_cli("--config", str(cfg), "--trace", str(f))
    assert p.returncode == 4, p.stderr
    assert "big.trace: request 1" in p.stderr and "read_queue" in p.stderr


def test_memory_run_warmup_from_python(tmp_path):
    import npusim
    r = npusim.run(npusim.MemoryRun("hbm3", pattern="stream_read", requests=4000, warmup_requests=1000),
                   out_dir=str(tmp_path / "w"))
    assert r["reads"] == 3000
    with pytest.raises(npusim.ConfigError, match="warmup_requests"):
        npusim.MemoryRun("hbm3", pattern="stream_read", warmup_requests=-1)
