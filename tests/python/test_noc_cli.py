"""`npusim-engine noc` (and `npusim noc`): synthetic traffic on the packet-level fabric."""
import json
import os
import subprocess

import pytest

from conftest import BUILD, ENGINE, REPO, needs_engine


def engine(*args):
    return subprocess.run([str(ENGINE), "noc", *args], capture_output=True, text=True, timeout=300)


@needs_engine
def test_json_keys_units_and_conservation():
    p = engine("--topology", "mesh:4x4", "--traffic", "uniform", "--rate", "0.2", "--cycles", "2000", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for k in ("avg_latency_ns", "p99_latency_ns", "accepted_rate", "offered_rate", "rate_unit",
              "accepted_flits_per_node_cycle", "latency_unit", "packets_created", "packets_delivered",
              "credits_conserved", "params", "routing"):
        assert k in r, k
    assert "injection bandwidth" in r["rate_unit"]
    assert r["routing"] == "dor" and r["credits_conserved"] is True
    assert r["packets_created"] == r["packets_delivered"] > 0
    assert abs(r["offered_rate"] - 0.2) < 0.03 and abs(r["accepted_rate"] - r["offered_rate"]) < 0.02
    assert 0 < r["avg_latency_ns"] <= r["p99_latency_ns"]


@needs_engine
def test_flags_reach_the_model():
    base = ("--topology", "ring:6", "--traffic", "permutation", "--rate", "0.1", "--cycles", "1000", "--json")
    r1 = json.loads(engine(*base).stdout)
    r2 = json.loads(engine(*base, "--pipeline", "20", "--link-latency-ns", "50", "--vcs", "4", "--buffer", "64",
                           "--allocator", "islip", "--packet-bytes", "100", "--seed", "3").stdout)
    assert r2["params"]["switch"]["pipeline_cycles"] == 20 and r2["params"]["switch"]["vcs"] == 4
    assert r2["params"]["switch"]["allocator"] == "islip" and r2["params"]["link"]["latency_ns"] == 50
    assert r2["packet_bytes"] == 100
    assert r2["avg_latency_ns"] > r1["avg_latency_ns"] + 40  # longer pipeline and links
    # Same seed -> identical output; the Clos preset runs with up/down routing.
    assert engine(*base).stdout == engine(*base).stdout
    p = engine("--topology", "clos:16:4:2", "--traffic", "alltoall", "--rate", "0.3", "--cycles", "1000", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["routing"] == "updown"


@needs_engine
def test_quick_sweep_is_a_latency_load_curve():
    p = engine("--topology", "mesh:4x4", "--traffic", "uniform", "--sweep", "0.05,0.3,0.9", "--cycles", "2000",
               "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    curve = r["sweep"]
    assert [round(c["offered_rate"], 1) for c in curve] == [0.1, 0.3, 0.9]
    assert curve[0]["avg_latency_ns"] < curve[1]["avg_latency_ns"] < curve[2]["avg_latency_ns"]
    assert curve[2]["saturated"] and curve[2]["accepted_rate"] < 0.9
    assert r["first_saturated_offered_rate"] == 0.9
    # Text output: one row per rate.
    t = engine("--topology", "mesh:4x4", "--sweep", "0.05,0.3", "--cycles", "1000")
    assert t.returncode == 0 and "accepted" in t.stdout and len(t.stdout.strip().splitlines()) == 5


@needs_engine
def test_bad_arguments_exit_codes():
    usage = [
        (),  # no --topology
        ("--topology", "mesh:4x4"),  # no --rate
        ("--topology", "mesh:4x4", "--rate", "abc"),
        ("--topology", "mesh:4x", "--rate", "0.1"),
        ("--topology", "cube:4", "--rate", "0.1"),
        ("--topology", "mesh:4x4", "--rate", "0.1", "--vcs", "two"),
        ("--topology", "mesh:4x4", "--rate", "0.1", "--bogus"),
        ("--topology", "mesh:4x4", "--sweep", "0.1,x"),
        ("--topology", "mesh:100000x100000", "--rate", "0.1"),  # above the packet-level limit
        ("--topology", "atlas960_superpod", "--rate", "0.1"),
    ]
    for args in usage:
        p = engine(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "UsageError" in p.stderr
    config = [
        (("--topology", "mesh:4x4", "--rate", "0.1", "--vcs", "0"), "switch.vcs"),
        (("--topology", "mesh:4x4", "--rate", "1.5"), "traffic.rate"),
        (("--topology", "mesh:4x4", "--rate", "0.1", "--traffic", "tornado"), "traffic.pattern"),
        (("--topology", "mesh:4x4", "--rate", "0.1", "--routing", "valiant"), "routing.algorithm"),
        (("--topology", "mesh:4x4", "--rate", "0.1", "--buffer", "3"), "switch.buffer_flits"),
        (("--topology", "clos:16:4:2", "--rate", "0.1", "--routing", "dor"), "dor"),
        (("--topology", "mesh:0x4", "--rate", "0.1"), "mesh"),
        (("--topology", "nosuch", "--rate", "0.1"), "cloudmatrix384"),
        (("--topology", "mesh:4x2", "--rate", "0.1", "--traffic", "transpose"), "square"),
    ]
    for args, key in config:
        p = engine(*args)
        assert p.returncode == 3, (args, p.stderr)
        assert key in p.stderr, (args, p.stderr)


@needs_engine
def test_malformed_topology_file_names_the_link(tmp_path):
    topo = {"nodes": [{"name": "a", "kind": "npu"}, {"name": "b", "kind": "npu"}],
            "links": [{"src": "a", "dst": "c", "bandwidth_gbps": 10, "latency_ns": 5}]}
    f = tmp_path / "t.json"
    f.write_text(json.dumps(topo))
    p = engine("--topology", str(f), "--rate", "0.1")
    assert p.returncode == 3 and "links[0]" in p.stderr and "'c'" in p.stderr
    topo["links"][0]["dst"] = "b"
    f.write_text(json.dumps(topo))
    p = engine("--topology", str(f), "--rate", "0.1", "--cycles", "500", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["routing"] == "updown"


@needs_engine
def test_deadlock_exit_code_and_report():
    p = engine("--topology", "ring:8", "--routing", "adaptive", "--escape-vc", "off", "--vcs", "1", "--buffer", "16",
               "--rate", "1", "--cycles", "20000")
    assert p.returncode == 6, p.stderr
    assert "StallError" in p.stderr and "holds" in p.stderr and "waits for link" in p.stderr


@needs_engine
def test_escape_vc_flag():
    # Escape VCs are on by default: the same ring needs 3 VCs (2 dateline
    # escape classes + 1 adaptive) and then drains under full load.
    p = engine("--topology", "ring:8", "--routing", "adaptive", "--vcs", "1", "--rate", "1", "--cycles", "2000")
    assert p.returncode == 3 and "switch.vcs" in p.stderr and ">= 3" in p.stderr, p.stderr
    p = engine("--topology", "ring:8", "--routing", "adaptive", "--escape-vc", "on", "--vcs", "3", "--buffer", "16",
               "--rate", "1", "--cycles", "2000", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["packets_delivered"] == r["packets_created"] and r["escape_entries"] > 0
    assert r["params"]["routing"]["escape_vc"] is True
    p = engine("--topology", "ring:8", "--routing", "adaptive", "--escape-vc", "maybe", "--rate", "0.1")
    assert p.returncode == 2 and "--escape-vc" in p.stderr and "on or off" in p.stderr
    assert "--escape-vc on|off" in engine("--help").stdout


@needs_engine
def test_python_cli_forwards_noc():
    launcher = str(REPO / "tools" / "npusim")
    p = subprocess.run([launcher, "noc", "--topology", "ring:4", "--rate", "0.1", "--cycles", "500", "--json"],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(BUILD / "python")})
    assert p.returncode == 0, p.stderr
    assert "accepted_rate" in json.loads(p.stdout)


@needs_engine
def test_help_and_config_file(tmp_path):
    p = engine("--help")
    assert p.returncode == 0 and "--topology" in p.stdout and "injection bandwidth" in p.stdout
    cfg = tmp_path / "packet.json"
    cfg.write_text(json.dumps({"switch": {"vcs": 3, "pipeline_cycles": 5}, "packet": {"mtu_bytes": 512}}))
    p = engine("--topology", "mesh:3x3", "--rate", "0.1", "--cycles", "500", "--config", str(cfg), "--vcs", "4",
               "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["params"]["switch"]["vcs"] == 4  # the flag wins over the file
    assert r["params"]["switch"]["pipeline_cycles"] == 5 and r["params"]["packet"]["mtu_bytes"] == 512
    cfg.write_text(json.dumps({"switch": {"depth": 3}}))
    p = engine("--topology", "mesh:3x3", "--rate", "0.1", "--config", str(cfg))
    assert p.returncode == 3 and "noc.switch.depth" in p.stderr


@needs_engine
def test_stats_dir_writes_gem5_style_stats(tmp_path):
    out = tmp_path / "run"
    p = engine("--topology", "mesh:4x4", "--rate", "0.2", "--cycles", "1000", "--stats-dir", str(out), "--json")
    assert p.returncode == 0, p.stderr
    text = (out / "stats.txt").read_text()
    assert "noc.latency_ps::p99" in text and "noc.link_utilisation::npu0->npu1" in text and "# " in text
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stats"]["noc.credits_returned"] > 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["topology"] == "mesh:4x4" and cfg["traffic"]["rate"] == 0.2 and "switch" in cfg["packet"]
    p = engine("--topology", "mesh:4x4", "--sweep", "0.1,0.2", "--cycles", "500", "--stats-dir", str(tmp_path / "s"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "s" / "rate_0.1" / "stats.txt").exists() and (tmp_path / "s" / "rate_0.2" / "stats.json").exists()


@needs_engine
def test_collective_at_packet_fidelity(tmp_path):
    def coll(*args):
        return subprocess.run([str(ENGINE), "collective", *args], capture_output=True, text=True, timeout=300)

    base = ("--system", "nvl72", "--ranks", "8", "--op", "allreduce", "--bytes", "1M", "--json")
    flow = json.loads(coll(*base).stdout)
    p = coll(*base, "--fidelity", "packet")
    assert p.returncode == 0, p.stderr
    pk = json.loads(p.stdout)
    assert pk["fidelity"] == "packet" and pk["phases"] == 14 and pk["simulated_phases"] == 14
    for k in ("time_us", "algbw_gbps", "busbw_gbps"):
        assert pk[k] > 0
    assert 0.8 < flow["time_us"] / pk["time_us"] < 1.2  # headers, pipelines: within 20% here
    cfg = tmp_path / "slow.json"
    cfg.write_text(json.dumps({"switch": {"pipeline_cycles": 50}}))
    slow = json.loads(coll(*base, "--fidelity", "packet", "--packet-config", str(cfg)).stdout)
    assert slow["time_us"] > pk["time_us"] + 14 * 2 * 0.04  # 47 more cycles at 2 routers per step
    cfg.write_text(json.dumps({"switch": {"pipe": 50}}))
    p = coll(*base, "--fidelity", "packet", "--packet-config", str(cfg))
    assert p.returncode == 3 and "packet.switch.pipe" in p.stderr
    p = coll(*base, "--packet-config", str(cfg))  # the flow level reads its link model from it too
    assert p.returncode == 3 and "packet.switch.pipe" in p.stderr
    p = coll("--system", "cloudmatrix384", "--op", "allreduce", "--bytes", "16M", "--fidelity", "packet")
    assert p.returncode == 2 and "packet-level limit" in p.stderr


def test_study_noc_quick(tmp_path):
    import subprocess as sp
    import sys
    from conftest import BUILD, REPO
    env = dict(__import__("os").environ, PYTHONPATH=str(BUILD / "python"))
    p = sp.run([sys.executable, str(REPO / "tools/npusim"), "study", "noc", "--quick", "--out", str(tmp_path)],
               capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    for f in ("summary.csv", "saturation.md", "latency_load.png"):
        assert (tmp_path / f).exists()
    import pandas as pd
    df = pd.read_csv(tmp_path / "summary.csv")
    for _, sub in df.groupby("config"):
        sub = sub.sort_values("offered")
        # Latency-load shape: latency grows with load; accepted never exceeds offered
        # (5% slack for the finite window), and saturates below full load.
        assert sub["avg latency ns"].iloc[-1] > sub["avg latency ns"].iloc[0]
        assert (sub["accepted"] <= sub["offered"] * 1.05).all()
        assert sub["accepted"].max() < 1.0


@needs_engine
def test_link_presets_on_both_fidelities(tmp_path):
    def coll(*args):
        return subprocess.run([str(ENGINE), "collective", *args], capture_output=True, text=True, timeout=300)

    base = ("--system", "nvl72", "--ranks", "8", "--op", "allreduce", "--bytes", "1M", "--json")
    raw = json.loads(coll(*base).stdout)
    assert raw["link_model"] is False and raw["link_preset"] == "none"
    times = {}
    for preset in ("electrical", "optical_lpo", "optical"):
        flow = json.loads(coll(*base, "--link-preset", preset).stdout)
        pk = json.loads(coll(*base, "--link-preset", preset, "--fidelity", "packet").stdout)
        assert flow["link_model"] and flow["link_preset"] == preset
        # Same links at both levels: the flow level is within 2% of the packet
        # level (measured -0.5..-0.9%; the rest is the router pipeline).
        assert abs(flow["time_us"] / pk["time_us"] - 1) < 0.02, (preset, flow["time_us"], pk["time_us"])
        times[preset] = pk["time_us"]
    # 14 ring steps, each NPU -> switch -> NPU (2 links): the medium's latency
    # adds up, 96 ns more per link for DSP optics than for LPO.
    assert times["electrical"] < times["optical_lpo"] < times["optical"]
    assert abs(times["optical"] - times["optical_lpo"] - 14 * 2 * (327 - 231) / 1000) < 0.01
    p = coll(*base, "--link-preset", "copper")
    assert p.returncode == 3 and "link.preset" in p.stderr and "optical_lpo" in p.stderr
    # Per link in a topology file; a bad medium names the link.
    topo = {"nodes": [{"name": "a"}, {"name": "b"}],
            "links": [{"src": "a", "dst": "b", "bandwidth_gbps": 50, "latency_ns": 5, "medium": "optical",
                       "length_m": 100}]}
    f = tmp_path / "pair.json"
    f.write_text(json.dumps(topo))
    r = json.loads(coll("--system", str(f), "--op", "allgather", "--bytes", "1K", "--json").stdout)
    assert r["link_model"] is True
    # One step of 512 B: 5 + 670 ns of latency and 512 B / (50 GB/s x 256/288).
    assert abs(r["time_us"] - (675 + 512 / (50 * 256 / 288)) / 1000) < 1e-6
    topo["links"][0]["medium"] = "fiber"
    f.write_text(json.dumps(topo))
    p = coll("--system", str(f), "--op", "allgather", "--bytes", "1K")
    assert p.returncode == 3 and "links[0] (a -> b).medium" in p.stderr and "fiber" in p.stderr
    # The noc command takes the preset too.
    p = engine("--topology", "ring:4", "--rate", "0.05", "--cycles", "1000", "--link-preset", "optical", "--json")
    assert p.returncode == 0, p.stderr
    fast = json.loads(engine("--topology", "ring:4", "--rate", "0.05", "--cycles", "1000", "--json").stdout)
    assert json.loads(p.stdout)["avg_latency_ns"] > fast["avg_latency_ns"] + 327


@needs_engine
def test_collective_run_takes_a_link_preset(tmp_path):
    import npusim
    r = npusim.run(npusim.CollectiveRun("nvl72", op="allgather", bytes=1 << 20, ranks=8, link_preset="optical"),
                   out_dir=str(tmp_path / "a"))
    assert r["link_preset"] == "optical" and r["link_model"] is True
    with pytest.raises(npusim.ConfigError, match="link.preset"):
        npusim.run(npusim.CollectiveRun("nvl72", op="allgather", bytes=1 << 20, ranks=8, link_preset="copper"),
                   out_dir=str(tmp_path / "b"))


def test_supercluster_spec_at_packet_level():
    # 2 x NVL72 joined by RDMA, light uniform load: everything delivered,
    # credits conserved; intra-pod packets take 2 hops (GPU-switch-GPU),
    # inter-pod ones 2 (same RDMA leaf) or 4 (across a spine), so the mean
    # lies in (2, 4); the slowest packet crossed a spine: >= 2 x 1000 ns NIC
    # + 2 x 600 ns leaf-spine latency.
    p = engine("--topology", "supercluster:nvl72:2", "--rate", "0.02", "--cycles", "2000", "--warmup", "4000", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["endpoints"] == 144 and r["credits_conserved"]
    assert r["accepted_rate"] == pytest.approx(r["offered_rate"], rel=0.05)  # light load: all accepted (5%: window edges)
    assert 2 < r["avg_hops"] < 4
    assert r["max_latency_ns"] >= 3200
    p = engine("--topology", "supercluster:nvl72:0", "--rate", "0.1")
    assert p.returncode == 3 and "<K>" in p.stderr
