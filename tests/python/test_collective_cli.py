"""`npusim-engine collective`: flow-level collectives on named systems."""
import json

import pytest
import subprocess

from conftest import ENGINE, needs_engine


def engine(*args):
    return subprocess.run([str(ENGINE), "collective", *args], capture_output=True, text=True, timeout=300)


@needs_engine
def test_json_keys_and_values():
    p = engine("--system", "nvl72", "--op", "allreduce", "--bytes", "64M", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for k in ("time_us", "algbw_gbps", "busbw_gbps", "op", "algo", "ranks", "bytes", "system", "fidelity"):
        assert k in r, k
    assert r["op"] == "allreduce" and r["algo"] == "ring" and r["ranks"] == 72
    assert r["bytes"] == 64 * 1024 * 1024 and r["system"] == "nvl72" and r["fidelity"] == "flow"
    assert r["time_us"] > 0 and 0 < r["busbw_gbps"] <= 900
    assert abs(r["algbw_gbps"] - r["bytes"] / (r["time_us"] * 1000)) < 1e-6 * r["algbw_gbps"]


@needs_engine
def test_alltoall_ranks_and_text_output():
    p = engine("--system", "cloudmatrix384", "--op", "alltoall", "--bytes", "256M", "--ranks", "64", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["ranks"] == 64 and r["algo"] == "direct" and r["busbw_gbps"] <= 392 * 1.0001
    p = engine("--system", "nvl72", "--op", "allgather", "--bytes", "1048576", "--algo", "direct", "--ranks", "8")
    assert p.returncode == 0, p.stderr
    assert "busbw" in p.stdout and "allgather" in p.stdout


@needs_engine
def test_bad_arguments_fail_with_a_message():
    p = engine("--system", "nvl72", "--op", "gather", "--bytes", "1M")
    assert p.returncode == 2 and "--op" in p.stderr and "allreduce" in p.stderr
    for bad in ("12Q", "-5", "0", "1.5M", "M", "1BB", "4KX"):
        p = engine("--system", "nvl72", "--op", "allreduce", "--bytes", bad)
        assert p.returncode == 2 and "--bytes" in p.stderr and "K, M or G" in p.stderr, bad
    p = engine("--system", "nvl72", "--op", "allreduce", "--bytes", "1M", "--fidelity", "cycle")
    assert p.returncode == 2 and "--fidelity" in p.stderr and "packet" in p.stderr
    p = engine("--system", "atlas950_superpod", "--op", "allreduce", "--bytes", "1M", "--fidelity", "packet")
    assert p.returncode == 2 and "1024" in p.stderr
    p = engine("--system", "nvl72", "--op", "allreduce", "--bytes", "1M", "--ranks", "73")
    assert p.returncode == 2 and "--ranks" in p.stderr and "[2, 72]" in p.stderr
    p = engine("--system", "nvl72", "--op", "alltoall", "--bytes", "1M", "--algo", "ring")
    assert p.returncode == 2 and "--algo" in p.stderr
    p = engine("--system", "nosuch", "--op", "allreduce", "--bytes", "1M")
    assert p.returncode == 3 and "nosuch" in p.stderr and "cloudmatrix384" in p.stderr


@needs_engine
def test_topology_json_file(tmp_path):
    # 4 NPUs on a unidirectional-pair ring, 100 GB/s, 1 us per link.
    n, bw, lat = 4, 100.0, 1000.0
    topo = {"nodes": [{"name": f"n{i}", "kind": "npu"} for i in range(n)],
            "links": [{"src": f"n{i}", "dst": f"n{(i + 1) % n}", "bandwidth_gbps": bw, "latency_ns": lat,
                       "bidirectional": True} for i in range(n)]}
    path = tmp_path / "ring4.json"
    path.write_text(json.dumps(topo))
    p = engine("--system", str(path), "--op", "allreduce", "--bytes", "4M", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    S = 4 * 1024 * 1024
    expect_us = 2 * (n - 1) * (S / n / bw + lat) / 1000
    assert r["ranks"] == n and abs(r["time_us"] - expect_us) < 1e-6 * expect_us
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    p = engine("--system", str(bad), "--op", "allreduce", "--bytes", "4M")
    assert p.returncode == 3 and "bad.json" in p.stderr


def test_story_3_collective_run_from_python(tmp_path):
    import npusim
    from npusim.configs import systems
    table = npusim.sweep([npusim.CollectiveRun(s, op="alltoall", bytes=64 << 20)
                          for s in (systems.cloudmatrix384(), systems.nvl72())],
                         out_dir=str(tmp_path), progress=False)
    assert list(table["system"]) == ["cloudmatrix384", "nvl72"]
    bw = dict(zip(table["system"], table["busbw_gbps"]))
    assert abs(bw["nvl72"] - 900) / 900 < 0.02 and abs(bw["cloudmatrix384"] - 392) / 392 < 0.02
    # Packet fidelity through the same job path (small: 8 ranks).
    r = npusim.run(npusim.CollectiveRun("nvl72", op="alltoall", bytes=65536, ranks=8, fidelity="packet"),
                   out_dir=str(tmp_path / "p"))
    assert r["fidelity"] == "packet" and r["time_us"] > 0
    with pytest.raises(npusim.ConfigError, match="job: --fidelity"):
        npusim.run(npusim.CollectiveRun("nvl72", op="alltoall", bytes=4096, fidelity="cycle"),
                   out_dir=str(tmp_path / "q"))


def test_study_fabric_quick(tmp_path):
    import subprocess as sp
    import sys
    from conftest import BUILD, REPO
    env = dict(__import__("os").environ, PYTHONPATH=str(BUILD / "python"))
    p = sp.run([sys.executable, str(REPO / "tools/npusim"), "study", "fabric", "--quick", "--out", str(tmp_path)],
               capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    for f in ("summary.csv", "summary.md", "fabric_busbw.png", "fabric_tiers.png"):
        assert (tmp_path / f).exists()
    import pandas as pd
    df = pd.read_csv(tmp_path / "summary.csv")
    # 2 systems x (3 collectives x 2 sizes + MoE dispatch and combine), and
    # the 2 x NVL72 SuperCluster's hierarchical all-reduce at 2 sizes.
    assert set(df["system"]) == {"nvl72", "cloudmatrix384", "supercluster:nvl72:2"} and len(df) == 18
    sc = df[df["system"] == "supercluster:nvl72:2"]
    assert (sc["algo"] == "hierarchical").all() and (sc["plane rdma util %"] > 0).all()
    assert df[df["system"] != "supercluster:nvl72:2"]["plane rdma util %"].isna().all()
    coll = df[~df["op"].str.startswith("moe")]
    # Bus bandwidth grows with message size (latency amortised) for every series.
    for _, sub in coll.groupby(["system", "op", "algo"]):
        assert list(sub.sort_values("bytes")["busbw GB/s"]) == sorted(sub["busbw GB/s"])
    # Per-tier utilisation: NVL72 is one tier (GPU-switch links), CloudMatrix384 two.
    assert "tier1 util %" in df and "tier2 util %" in df
    assert df["tier1 util %"].between(0, 100.0001).all()
    cm = df[df["system"] == "cloudmatrix384"]
    assert cm["tier2 util %"].notna().all() and df[df["system"] == "nvl72"]["tier2 util %"].isna().all()
    df = df[df["system"] != "supercluster:nvl72:2"]
    moe = df[df["op"].str.startswith("moe")]
    assert len(moe) == 4 and (moe["busbw GB/s"] > 0).all()
    # Combine returns BF16 results: twice the dispatch bytes.
    for _, sub in moe.groupby("system"):
        d = sub[sub["op"] == "moe_dispatch"]["bytes"].iloc[0]
        c = sub[sub["op"] == "moe_combine"]["bytes"].iloc[0]
        assert c == 2 * d


def test_collective_algorithms_and_moe_from_the_cli(tmp_path):
    import json
    import subprocess as sp
    from conftest import ENGINE
    env = {"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"}

    def run(*args):
        p = sp.run([str(ENGINE), "collective", "--system", "cloudmatrix384", *args, "--json"], capture_output=True,
                   text=True, env=env)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    ring = run("--op", "allreduce", "--bytes", "256M")
    hier = run("--op", "allreduce", "--bytes", "256M", "--algo", "hierarchical", "--group", "8")
    hd = run("--op", "allreduce", "--bytes", "256M", "--algo", "halving_doubling", "--ranks", "256")
    # Keeping most ring steps inside the server lifts bus bandwidth over the flat ring.
    assert hier["busbw_gbps"] > ring["busbw_gbps"]
    assert hd["algo"] == "halving_doubling" and hd["ranks"] == 256
    assert [t["tier"] for t in ring["tiers"]] == [1, 2]
    moe = run("--op", "moe_dispatch", "--tokens", "32", "--topk", "8", "--experts", "256", "--token-bytes", "7168",
              "--ranks", "64")
    assert moe["bytes"] == 32 * 8 * 7168 and moe["time_us"] > 0
    bad = sp.run([str(ENGINE), "collective", "--system", "nvl72", "--op", "moe_dispatch", "--tokens", "4"],
                 capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "--topk K" in bad.stderr
    bad = sp.run([str(ENGINE), "collective", "--system", "nvl72", "--op", "allgather", "--bytes", "1M", "--algo",
                  "hierarchical"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "not available for --op allgather at --fidelity flow; available: ring, direct" \
        in bad.stderr


def test_moe_at_packet_level_from_the_cli():
    import json
    import subprocess as sp
    from conftest import ENGINE
    args = [str(ENGINE), "collective", "--system", "nvl72", "--op", "moe_combine", "--tokens", "16", "--topk", "4",
            "--experts", "32", "--token-bytes", "14336", "--ranks", "8", "--json"]
    env = {"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"}
    flow = json.loads(sp.run(args, capture_output=True, text=True, env=env, check=True).stdout)
    pkt = json.loads(sp.run(args + ["--fidelity", "packet"], capture_output=True, text=True, env=env, check=True).stdout)
    assert pkt["fidelity"] == "packet" and pkt["bytes"] == flow["bytes"] == 16 * 4 * 14336
    assert pkt["time_us"] >= flow["time_us"]


def test_every_algorithm_at_packet_level_from_the_cli():
    import json
    import subprocess as sp
    from conftest import ENGINE
    env = {"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"}

    def run(*args):
        p = sp.run([str(ENGINE), "collective", "--system", "nvl72", "--ranks", "8", "--json", *args],
                   capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    cases = [("allreduce", "halving_doubling", 6), ("allreduce", "hierarchical", 2 * 3 + 2 * 1),
             ("allreduce", "double_tree", 2), ("broadcast", "ring", 1), ("alltoall", "pairwise", 7)]
    for op, algo, phases in cases:
        extra = ("--group", "4") if algo == "hierarchical" else ()
        flow = run("--op", op, "--algo", algo, "--bytes", "256K", *extra)
        pkt = run("--op", op, "--algo", algo, "--bytes", "256K", "--fidelity", "packet", *extra)
        assert pkt["fidelity"] == "packet" and pkt["algo"] == algo and pkt["phases"] == flow["phases"] == phases
        # Headers and pipelines make the packet level slower here (see collectives_packet.hpp's table).
        assert pkt["time_us"] > flow["time_us"] > 0, (op, algo)
        assert pkt["tiers"] and pkt["tiers"][0]["bytes"] > 0
    # A finer pipeline chunk fills the broadcast chain sooner.
    coarse = run("--op", "broadcast", "--bytes", "1M", "--fidelity", "packet", "--chunk-bytes", "256K")
    fine = run("--op", "broadcast", "--bytes", "1M", "--fidelity", "packet", "--chunk-bytes", "16K")
    assert fine["time_us"] < coarse["time_us"]
    assert fine["chunk_bytes"] == 16384 and coarse["chunk_bytes"] == 256 * 1024


def test_chunk_bytes_and_algorithm_errors_name_the_argument():
    import subprocess as sp
    from conftest import ENGINE
    env = {"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"}

    def run(*args):
        return sp.run([str(ENGINE), "collective", "--system", "nvl72", "--ranks", "8", *args], capture_output=True,
                      text=True, env=env)

    p = run("--op", "broadcast", "--bytes", "1M", "--chunk-bytes", "64K")  # flow level: the fluid limit
    assert p.returncode == 2 and "--chunk-bytes" in p.stderr and "--fidelity packet" in p.stderr
    p = run("--op", "allreduce", "--bytes", "1M", "--fidelity", "packet", "--chunk-bytes", "64K")  # ring: no chunks
    assert p.returncode == 2 and "--chunk-bytes" in p.stderr and "double_tree" in p.stderr
    for bad in ("0", "-1", "1.5K", "big"):
        p = run("--op", "broadcast", "--bytes", "1M", "--fidelity", "packet", "--chunk-bytes", bad)
        assert p.returncode == 2 and "--chunk-bytes" in p.stderr, bad
    p = run("--op", "alltoall", "--bytes", "1M", "--algo", "halving_doubling", "--fidelity", "packet")
    assert p.returncode == 2
    assert "--algo halving_doubling: not available for --op alltoall at --fidelity packet; available: direct, " \
           "pairwise" in p.stderr
    p = run("--op", "allreduce", "--bytes", "1M", "--algo", "halving_doubling", "--ranks", "6", "--fidelity", "packet")
    assert p.returncode == 3 and "power of two" in p.stderr


def test_collective_run_passes_chunk_bytes(tmp_path):
    import npusim
    jobs = [npusim.CollectiveRun("nvl72", op="allreduce", bytes="1M", ranks=8, algo="double_tree", fidelity="packet",
                                 chunk_bytes=c, name=f"dt_{c}") for c in (16384, "256K")]
    table = npusim.sweep(jobs, out_dir=str(tmp_path), progress=False)
    t = dict(zip(table["name"], table["time_us"]))
    assert t["dt_16384"] < t["dt_256K"]
    with pytest.raises(npusim.ConfigError, match="--chunk-bytes"):
        npusim.run(npusim.CollectiveRun("nvl72", op="allreduce", bytes="1M", algo="double_tree", chunk_bytes=4096),
                   out_dir=str(tmp_path / "flow"))
    schema = npusim._native.call("schema", "collective")
    assert schema["chunk_bytes"]["unit"] == "B" and schema["group"]["default"] == 8


@needs_engine
def test_supercluster_spec_hierarchical_allreduce_uses_rdma_between_pods():
    # 2 NVL72 pods over the RDMA tier (default scale-out: 50 GB/s NIC per
    # GPU, 64 GPUs per RDMA leaf, 1000 ns NIC + 600 ns leaf-spine links).
    # group = pod: 2 (g - 1) ring steps of S/g inside each NVL72 (900 GB/s,
    # 2 x 150 ns), then 2 (m - 1) steps of S/(g m) across pods, each GPU one
    # flow over its NIC, all crossing an RDMA spine (3200 ns). The fluid
    # model is exact here: tolerance 1e-6 relative for JSON rounding.
    S, g, m = 64 * 1024 * 1024, 72, 2
    p = engine("--system", f"supercluster:nvl72:{m}", "--op", "allreduce", "--algo", "hierarchical",
               "--group", str(g), "--bytes", "64M", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["system_npus"] == g * m
    want_ns = 2 * (g - 1) * (S / g / 900 + 300) + 2 * (m - 1) * (S / (g * m) / 50 + 3200)
    assert r["time_us"] * 1000 == pytest.approx(want_ns, rel=1e-6)
    planes = {u["plane"]: u for u in r["planes"]}
    assert set(planes) == {"scale_up", "rdma"}
    # RDMA carries exactly the inter-pod phase: n flows x S/(g m) x 2 (m - 1)
    # steps over 4 link-equivalents (NIC up, leaf-spine, spine-leaf, NIC down).
    n = g * m
    assert planes["rdma"]["bytes"] == pytest.approx(2 * (m - 1) * n * 4 * S / (g * m), rel=1e-9)
    # ... and the pods' links exactly the intra-pod phase (2 links per flow).
    assert planes["scale_up"]["bytes"] == pytest.approx(2 * (g - 1) * n * 2 * S / g, rel=1e-9)


@needs_engine
def test_malformed_supercluster_specs_name_the_field():
    for spec, field in (("supercluster:nvl72", "supercluster:<pod-preset>:<K>"),
                        ("supercluster:nosuch:2", "<pod-preset> 'nosuch'"),
                        ("supercluster:nvl72:0", "<K>"),
                        ("supercluster:nvl72:two", "<K>")):
        p = engine("--system", spec, "--op", "allreduce", "--bytes", "1M")
        assert p.returncode == 3 and field in p.stderr, (spec, p.stderr)


@needs_engine
def test_supercluster_json_file_sets_the_scale_out_tier(tmp_path):
    # Same as supercluster:nvl72:2 but with 100 GB/s NICs: the inter-pod
    # phase halves (closed form, 1e-6 relative for JSON rounding).
    S, g, m = 64 * 1024 * 1024, 72, 2
    f = tmp_path / "sc.json"
    f.write_text(json.dumps({"supercluster": {"pod": "nvl72", "supernodes": m,
                                              "scale_out": {"nic_bandwidth_gbps": 100}}}))
    p = engine("--system", str(f), "--op", "allreduce", "--algo", "hierarchical", "--group", str(g),
               "--bytes", "64M", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    want_ns = 2 * (g - 1) * (S / g / 900 + 300) + 2 * (m - 1) * (S / (g * m) / 100 + 3200)
    assert r["time_us"] * 1000 == pytest.approx(want_ns, rel=1e-6)
    assert "nic_bandwidth_gbps" in r["source"]
    f.write_text(json.dumps({"supercluster": {"pod": "nvl72", "supernodes": m, "scale_out": {"nic_gbps": 1}}}))
    p = engine("--system", str(f), "--op", "allreduce", "--bytes", "1M")
    assert p.returncode == 3 and "supercluster.scale_out.nic_gbps" in p.stderr, p.stderr


def test_supercluster_from_python_edited_pod_and_scale_out(tmp_path):
    # An edited NVL72 (16 GPUs at 100 GB/s) x 2 with 100 GB/s NICs: the same
    # closed form as above with g = 16, UB 100 GB/s, NIC 100 GB/s, and all 32
    # GPUs under one RDMA leaf (64 per leaf): 2 x 1000 ns, no spine.
    import npusim
    from npusim.configs import systems
    pod = systems.nvl72()
    pod.npus = 16
    pod.ub.link.bandwidth_gbps = 100
    sc = systems.SuperCluster(pod, 2, nic_bandwidth_gbps=100)
    assert sc.to_job()["supercluster"]["scale_out"] == {"nic_bandwidth_gbps": 100}
    S, g, m = 16 << 20, 16, 2
    r = npusim.run(npusim.CollectiveRun(sc, op="allreduce", bytes=S, algo="hierarchical", group=g),
                   out_dir=str(tmp_path))
    want_ns = 2 * (g - 1) * (S / g / 100 + 300) + 2 * (m - 1) * (S / (g * m) / 100 + 2000)
    assert r["time_us"] * 1000 == pytest.approx(want_ns, rel=1e-6)
    # Unedited bundled clusters go to the engine by name (its cited source).
    assert systems.cloudmatrix384_cluster16().to_job() == "cloudmatrix384_cluster16"
    with pytest.raises(npusim.ConfigError, match="supernodes"):
        systems.SuperCluster(pod, 0)
    with pytest.raises(npusim.ConfigError, match="supercluster.scale_out.nic_gbps"):
        systems.SuperCluster(pod, 2, nic_gbps=100)
    with pytest.raises(npusim.ConfigError, match="supercluster.scale_out.spines"):
        systems.SuperCluster(pod, 2, spines=0)


@needs_engine
@pytest.mark.parametrize("fidelity", ["flow", "packet"])
def test_moe_pairwise_is_an_all_to_all_v_in_n_minus_1_steps(fidelity):
    args = ["--system", "clos:16:8:4", "--op", "moe_combine", "--tokens", "16", "--topk", "4", "--experts", "32",
            "--token-bytes", "7168", "--fidelity", fidelity, "--json"]
    direct = json.loads(engine(*args).stdout)
    p = engine(*args, "--algo", "pairwise")
    assert p.returncode == 0, p.stderr
    pw = json.loads(p.stdout)
    assert pw["algo"] == "pairwise" and pw["phases"] == 15 and direct["phases"] == 1
    # Same traffic (routed bytes per rank), exchanged step by step: slower.
    assert pw["bytes"] == pytest.approx(direct["bytes"])
    assert pw["time_us"] > direct["time_us"]
    bad = engine(*args, "--algo", "ring")
    assert bad.returncode == 2 and "available: direct, pairwise" in bad.stderr
