"""Dragonfly and nD-FullMesh generators through the engine's CLI and Python,
and the bundled system files in configs/systems."""
import json
import subprocess

import pytest

from conftest import ENGINE, REPO, needs_engine

SYSTEMS = REPO / "configs" / "systems"


def engine(*args):
    return subprocess.run([str(ENGINE), *args], capture_output=True, text=True, timeout=300)


@needs_engine
def test_noc_runs_dragonfly_and_fullmesh_with_auto_routing():
    p = engine("noc", "--topology", "dragonfly:4:2:2", "--traffic", "uniform", "--rate", "0.3", "--cycles", "2000",
               "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["routing"] == "dragonfly_min" and r["endpoints"] == 72
    assert r["packets_delivered"] == r["packets_created"] > 0 and r["credits_conserved"]
    p = engine("noc", "--topology", "fullmesh:4x4x4", "--traffic", "uniform", "--rate", "0.5", "--cycles", "4000",
               "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["routing"] == "dor" and r["endpoints"] == 64
    # Uniform destinations differ in each of 3 coordinates with probability
    # 3/4 (self excluded: x 64/63): 2.2857 hops. Tolerance 0.05: the mean
    # over the ~16000 measured packets has a standard error of ~0.005.
    assert abs(r["avg_hops"] - 3 * 0.75 * 64 / 63) < 0.05


@needs_engine
def test_malformed_generator_specs_name_the_field():
    usage = [("dragonfly:4:2", "dragonfly:A:P:H"), ("dragonfly:4:2:2:9:1", "dragonfly:A:P:H"),
             ("dragonfly:4:x:2", "non-negative integer"), ("fullmesh:8xx8", "non-negative integer"),
             ("fullmesh:100x100", "packet-level limit")]
    for spec, text in usage:
        p = engine("noc", "--topology", spec, "--rate", "0.1")
        assert p.returncode == 2 and text in p.stderr, (spec, p.stderr)
    config = [(("--topology", "dragonfly:4:2:2:99"), "dragonfly.groups"),
              (("--topology", "dragonfly:0:2:2"), "dragonfly.routers_per_group"),
              (("--topology", "fullmesh:8x1"), "fullmesh.dims[1].size"),
              (("--topology", "dragonfly:4:2:2", "--vcs", "1"), "switch.vcs"),
              (("--topology", "fullmesh:4x4", "--routing", "dragonfly_min"), "routing.algorithm")]
    for args, key in config:
        p = engine("noc", *args, "--rate", "0.1")
        assert p.returncode == 3 and key in p.stderr, (args, p.stderr)
    p = engine("noc", "--help")
    assert "dragonfly:A:P:H[:G]" in p.stdout and "fullmesh:AxBx" in p.stdout and "dragonfly_min" in p.stdout


@needs_engine
def test_collective_on_generated_systems_closed_form():
    # 2-D full mesh 4x4, every link 40 GB/s and 100 ns, all-to-all of S per
    # rank (s = S/16 per pair): every link carries the same load, so
    # T = s * a / B + 2 L (derivation in tests/cpp/test_topology_generators.cpp).
    # Tolerance 1e-9 relative: the fluid model is exact up to rounding.
    S = 16 * 1024 * 1024
    p = engine("collective", "--system", "fullmesh:4x4", "--op", "alltoall", "--bytes", "16M",
               "--link-bandwidth-gbps", "40", "--link-latency-ns", "100", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    expect_us = (S / 16 * 4 / 40 + 200) / 1000
    assert r["system_npus"] == 16 and abs(r["time_us"] - expect_us) < 1e-9 * expect_us
    p = engine("collective", "--system", "dragonfly:4:2:2", "--op", "allreduce", "--bytes", "1M", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["system_npus"] == 72
    p = engine("collective", "--system", "nvl72", "--op", "alltoall", "--bytes", "1M", "--link-bandwidth-gbps", "5")
    assert p.returncode == 2 and "only for a generated --system" in p.stderr
    p = engine("collective", "--system", "dragonfly:4:2:2:10", "--op", "alltoall", "--bytes", "1M")
    assert p.returncode == 3 and "dragonfly.groups" in p.stderr


@needs_engine
def test_every_bundled_system_file_runs():
    files = sorted(SYSTEMS.glob("*.json"))
    assert {f.name for f in files} >= {"ub_2server.json", "two_servers_explicit.json", "dragonfly_72.json",
                                       "fullmesh_rack_8x8.json"}
    for f in files:
        p = engine("collective", "--system", str(f), "--op", "alltoall", "--bytes", "4M", "--json")
        assert p.returncode == 0, (f, p.stderr)
        r = json.loads(p.stdout)
        assert r["time_us"] > 0 and r["source"].startswith("topology file") and "(E" in r["source"], f
    # The written-out template: 4 NPUs, S per rank, S/4 to each of 3 peers.
    # Each NPU link (100 GB/s) carries 3 flows and is the bottleneck (the
    # L1-L2 link carries 2 x 2 x S/4 = S at 200 GB/s), so all flows drain at
    # 3S/4 / 100 and the longest path adds 100+200+200+100 ns. Tolerance
    # 1e-9 relative (rounding only).
    S = 4 * 1024 * 1024
    p = engine("collective", "--system", str(SYSTEMS / "two_servers_explicit.json"), "--op", "alltoall",
               "--bytes", "4M", "--json")
    r = json.loads(p.stdout)
    expect_us = (3 * S / 4 / 100 + 600) / 1000
    assert abs(r["time_us"] - expect_us) < 1e-9 * expect_us
    # Two CloudMatrix384 servers: non-blocking at 392 GB/s per NPU. 2%: the
    # 16-rank all-to-all's bus bandwidth is (n-1)/n of the link rate less
    # the 800 ns path latency over a 64 MB transfer.
    p = engine("collective", "--system", str(SYSTEMS / "ub_2server.json"), "--op", "alltoall", "--bytes", "64M",
               "--json")
    r = json.loads(p.stdout)
    assert r["system_npus"] == 16 and abs(r["busbw_gbps"] - 392) / 392 < 0.02
    p = engine("noc", "--topology", str(SYSTEMS / "dragonfly_72.json"), "--rate", "0.2", "--cycles", "1000",
               "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["routing"] == "dragonfly_min", p.stderr


def test_bad_system_file_names_the_key(tmp_path):
    if not ENGINE.exists():
        pytest.skip("npusim-engine not built")
    bad = tmp_path / "df.json"
    bad.write_text(json.dumps({"generator": "dragonfly", "routers_per_group": 4, "global_per_router": 2,
                               "groups": 12}))
    p = engine("collective", "--system", str(bad), "--op", "alltoall", "--bytes", "1M")
    assert p.returncode == 3 and "df.json" in p.stderr and "dragonfly.groups" in p.stderr
    bad.write_text(json.dumps({"generator": "nd_fullmesh", "dims": [{"size": 4, "bandwith_gbps": 10}]}))
    p = engine("collective", "--system", str(bad), "--op", "alltoall", "--bytes", "1M")
    assert p.returncode == 3 and "dims[0].bandwith_gbps" in p.stderr


def test_python_generator_helpers(tmp_path):
    import npusim
    from npusim.configs import systems
    assert systems.dragonfly(4, 2, 2).name == "dragonfly:4:2:2"
    assert systems.dragonfly(4, 2, 2, groups=5).name == "dragonfly:4:2:2:5"
    assert systems.fullmesh(8, 8, 4).name == "fullmesh:8x8x4"
    assert systems.clos(64, 8, 8).name == "clos:64:8:8" and systems.torus(4, 4).name == "torus:4x4"
    with pytest.raises(npusim.ConfigError, match="systems.dragonfly.routers_per_group"):
        systems.dragonfly(0, 2, 2)
    with pytest.raises(npusim.ConfigError, match=r"systems.fullmesh.dims\[1\]"):
        systems.fullmesh(4, 1)
    with pytest.raises(npusim.ConfigError, match="systems.fullmesh"):
        systems.fullmesh()
    with pytest.raises(npusim.ConfigError, match="job.link_bandwidth_gbps"):
        npusim.CollectiveRun(systems.fullmesh(4, 4), op="alltoall", bytes=1 << 20, link_bandwidth_gbps="fast")
    if not ENGINE.exists():
        return
    S = 16 << 20
    r = npusim.run(npusim.CollectiveRun(systems.fullmesh(4, 4), op="alltoall", bytes=S, link_bandwidth_gbps=40,
                                        link_latency_ns=100), out_dir=str(tmp_path / "fm"))
    expect_us = (S / 16 * 4 / 40 + 200) / 1000  # as in test_collective_on_generated_systems_closed_form
    assert abs(r["time_us"] - expect_us) < 1e-9 * expect_us
