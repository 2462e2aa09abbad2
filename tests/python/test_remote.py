"""`npusim remote` / RemoteRun: NPUs reach each other's memory through the
packet fabric behind TLM sockets (noc/tlm_fabric.hpp)."""
import json
import subprocess

import pytest

from conftest import ENGINE, needs_engine

# Generated links in these tests: 32 GB/s, 10 ns (the engine's default for
# generators); packets: MTU 256 B, 16 B header, 32 B flits (defaults).
LINK_GBPS, FLIT, MTU, HEADER = 32.0, 32, 256, 16


def remote(*args):
    return subprocess.run([str(ENGINE), "remote", *args], capture_output=True, text=True, timeout=300)


def flits(payload):
    return -(-(payload + HEADER) // FLIT)


def read_goodput(access, dma=512):
    """Per-NPU read bandwidth when a pairs pattern saturates each NPU's link.

    Every NPU's out-link carries its partner's read data (chunks of up to
    `dma` bytes, each packetised at the MTU) and its own read requests
    (16 B payload, one per transaction).
    """
    chunk = min(access, dma)
    data_flits = (access // chunk) * ((chunk // MTU) * flits(MTU) + (flits(chunk % MTU) if chunk % MTU else 0))
    return LINK_GBPS * access / ((data_flits + flits(16)) * FLIT)


@needs_engine
@pytest.mark.parametrize("access", [64, 512, 65536])
def test_pairs_read_bandwidth_is_link_goodput(access):
    # 4 servers of 2 NPUs on a non-blocking Clos: each NPU's own link is
    # the bottleneck. Loads of 64 B pay a header and a request per 64 B;
    # bulk reads approach MTU / (MTU + header, padded to flits). 3%: ramp-up
    # and the last round trip.
    p = remote("--system", "clos:8:2:2", "--pattern", "pairs", "--bytes", "1M", "--access", str(access), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    want = read_goodput(access)
    assert r["sources"] == 8 and r["transactions"] == 8 * (1 << 20) // access
    assert r["per_npu_gbps"] == pytest.approx(want, rel=0.03), (r["per_npu_gbps"], want)
    assert r["max_link_utilization"] > 0.95


@needs_engine
def test_loads_are_bounded_by_outstanding_transactions():
    # Little's law: with 8 transactions in flight and an unloaded round trip
    # far above 8 x 512 B / link rate, a source reaches 8 x 512 B / latency.
    p = remote("--system", "ring:4", "--pattern", "one", "--bytes", "256K", "--access", "512", "--outstanding", "8",
               "--link-latency-ns", "500", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    little = 8 * 512 / r["avg_latency_ns"]
    assert r["per_npu_gbps"] == pytest.approx(little, rel=0.05)
    assert r["avg_latency_ns"] > 1000  # two 500 ns crossings at least
    assert r["per_npu_gbps"] < 0.5 * read_goodput(512)


@needs_engine
def test_writes_to_one_npu_share_its_link(tmp_path):
    # Incast: 3 NPUs write into NPU 0 of a star-like Clos (one leaf); NPU 0's
    # in-link is shared, so each source gets a third of its goodput (bulk
    # writes: data chunks of 512 B, i.e. two 9-flit packets, plus one ack).
    p = remote("--system", "clos:4:4:1", "--pattern", "incast", "--op", "write", "--bytes", "1M", "--access", "64K",
               "--json", "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    per_link = LINK_GBPS * 512 / (2 * flits(MTU) * FLIT)
    assert r["aggregate_gbps"] == pytest.approx(per_link, rel=0.03)
    assert r["min_npu_gbps"] == pytest.approx(per_link / 3, rel=0.05)
    for f in ("result.json", "stats.txt", "stats.json", "config.json"):
        assert (tmp_path / f).exists(), f
    stats = json.loads((tmp_path / "stats.json").read_text())["stats"]
    # Every byte written arrived in NPU 0's memory, once.
    assert stats["system.npu0_mem.bytes_written"] == 3 * (1 << 20)
    assert stats["system.fabric.write_bytes"] == 3 * (1 << 20)
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert "packet" in cfg and "tlm_fabric" in cfg and cfg["memory"]["fidelity"] == "fast"
    # config.json is a job that reruns: same system spec, same result.
    assert cfg["system"] == "clos:4:4:1" and cfg["kind"] == "remote"
    again = subprocess.run([str(ENGINE), "job", str(tmp_path / "config.json")], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["time_us"] == r["time_us"]


@needs_engine
def test_same_job_same_stats(tmp_path):
    outs = []
    for i in range(2):
        d = tmp_path / str(i)
        p = remote("--system", "mesh:3x3", "--pattern", "alltoall", "--bytes", "64K", "--access", "256",
                   "--out", str(d))
        assert p.returncode == 0, p.stderr
        outs.append((d / "stats.txt").read_text())
    assert outs[0] == outs[1]


@needs_engine
@pytest.mark.parametrize("args,code,needle", [
    (["--system", "ring:3", "--pattern", "pairs"], 3, "job.pattern"),
    (["--system", "ring:4", "--op", "load"], 3, "job.op"),
    (["--system", "ring:4", "--pattern", "scatter"], 3, "job.pattern"),
    (["--system", "ring:4", "--access", "0"], 2, "--access"),
    (["--system", "ring:4", "--outstanding", "x"], 2, "--outstanding"),
    (["--system", "nosuch"], 3, "nosuch"),
    (["--pattern", "pairs"], 2, "--system"),
    (["--system", "ring:4", "--memory-fidelity", "slow"], 2, "--memory-fidelity"),
    (["--system", "ring:4", "--memory", "hbm9"], 3, "hbm9"),
    # Each source streams through its own slice of a memory: an access larger
    # than the slice would spill into the next NPU's window.
    (["--system", "ring:10", "--memory", "hbm2", "--access", "1G"], 3, "job.access_bytes"),
    (["--system", "clos:64:8:8", "--bytes", "16G", "--access", "1K"], 3, "job.bytes"),
])
def test_bad_arguments(args, code, needle):
    p = remote(*args)
    assert p.returncode == code, (p.returncode, p.stderr)
    assert needle in p.stderr


@needs_engine
def test_remote_run_from_python(tmp_path):
    import npusim
    r = npusim.run(npusim.RemoteRun("ring:4", pattern="neighbour", op="read", bytes="256K", access_bytes="4K"),
                   out_dir=tmp_path)
    assert r["sources"] == 4 and r["pattern"] == "neighbour" and r["time_us"] > 0
    assert 0 < r["per_npu_gbps"] <= LINK_GBPS
    with pytest.raises(npusim.ConfigError, match="job.pattern"):
        npusim.RemoteRun("ring:4", pattern="everywhere")
    with pytest.raises(npusim.ConfigError, match="job.bytes"):
        npusim.RemoteRun("ring:4", bytes="lots")
