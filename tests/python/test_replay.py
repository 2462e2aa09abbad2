"""`npusim replay` / npusim.ReplayRun: operator graphs on a system's chips and
fabric, end to end through the engine (closed forms, the op cache,
determinism, several jobs, the timeline, bad input)."""
import json
import subprocess

import pytest

from conftest import ENGINE, needs_engine

MATMUL = {"type": "matmul", "m": 1024, "n": 1024, "k": 1024, "dtype": "bf16"}


def write_graph(path, ranks, nodes, **header):
    with open(path, "w") as f:
        f.write(json.dumps({"format": "npusim.opgraph", "version": 1, "ranks": ranks, **header}) + "\n")
        for i, n in enumerate(nodes):
            f.write(json.dumps({"id": i, **n}) + "\n")
    return str(path)


def engine(*args):
    return subprocess.run([str(ENGINE), "replay", *args], capture_output=True, text=True, timeout=600)


def replay(*args):
    p = engine(*args, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def op_time_us(chip="ascend_910c", **keys):
    p = subprocess.run([str(ENGINE), "op", "--chip", chip, "--op", "matmul", "--m", str(keys["m"]), "--n",
                        str(keys["n"]), "--k", str(keys["k"]), "--dtype", "bf16", "--fidelity", "fast", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["time_us"]


def chain(ranks, layers):
    nodes = []
    for r in range(ranks):
        for k in range(layers):
            nodes.append(dict(MATMUL, rank=r, deps=[len(nodes) - 1] if k else []))
    for i, n in enumerate(nodes):
        n["id"] = i
    return nodes


@needs_engine
def test_chain_of_identical_matmuls_and_the_op_cache(tmp_path):
    t = op_time_us(m=1024, n=1024, k=1024)
    trace = write_graph(tmp_path / "chain.jsonl", 4, chain(4, 61))
    r = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c")
    assert r["time_us"] == pytest.approx(61 * t, rel=1e-9)
    # 244 nodes, one distinct op: simulated once.
    assert r["op_cache"]["misses"] == 1 and r["op_cache"]["hits"] == 4 * 61 - 1
    for k in r["ranks"]:
        assert k["compute_us"] == pytest.approx(61 * t, rel=1e-9) and k["comm_us"] == 0
    assert len(r["critical_path"]) == 61
    # A persistent cache: the second run simulates nothing and gives the same result.
    cold = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c", "--op-cache", str(tmp_path / "c"))
    warm = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c", "--op-cache", str(tmp_path / "c"))
    assert cold["op_cache"]["misses"] == 1 and warm["op_cache"]["misses"] == 0 and warm["op_cache"]["loaded"] == 1
    for a in (cold, warm):
        assert a["time_us"] == r["time_us"] and a["ranks"] == r["ranks"]
    # A changed chip never hits.
    other = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_950pr", "--op-cache",
                   str(tmp_path / "c"))
    assert other["op_cache"]["misses"] == 1 and other["time_us"] != r["time_us"]


@needs_engine
def test_compute_overlaps_an_independent_allreduce_and_adds_to_a_dependent_one(tmp_path):
    group = list(range(8))
    ar = {"type": "collective", "op": "allreduce", "bytes": 64 << 20, "group": group}
    alone = replay("--system", "nvl72", "--trace",
                   write_graph(tmp_path / "ar.jsonl", 8, [dict(ar, rank=r) for r in range(8)]), "--chip", "b200")
    t_ar = alone["time_us"]
    delay = 2 * t_ar * 1e3
    nodes, serial = [], []
    for r in range(8):
        nodes.append({"rank": r, "type": "delay", "ns": delay})
        nodes.append(dict(ar, rank=r, stream=1))
        serial.append({"rank": r, "type": "delay", "ns": delay})
        serial.append(dict(ar, rank=r, deps=[2 * r]))
    for lst in (nodes, serial):
        for i, n in enumerate(lst):
            n["id"] = i
    over = replay("--system", "nvl72", "--trace", write_graph(tmp_path / "o.jsonl", 8, nodes), "--chip", "b200")
    ser = replay("--system", "nvl72", "--trace", write_graph(tmp_path / "s.jsonl", 8, serial), "--chip", "b200")
    assert over["time_us"] == pytest.approx(max(delay / 1e3, t_ar), rel=1e-9)
    assert ser["time_us"] == pytest.approx(delay / 1e3 + t_ar, rel=1e-9)
    assert over["ranks"][0]["exposed_comm_us"] == pytest.approx(0, abs=1e-9)
    assert ser["ranks"][0]["exposed_comm_us"] == pytest.approx(t_ar, rel=1e-9)


@needs_engine
def test_straggler_and_injected_delay(tmp_path):
    nodes = []
    for r in range(8):
        nodes.append(dict(MATMUL, rank=r, name=f"mm{r}"))
        nodes.append({"rank": r, "type": "collective", "op": "allreduce", "bytes": 1 << 20, "group": list(range(8)),
                      "deps": [len(nodes) - 1]})
    for i, n in enumerate(nodes):
        n["id"] = i
    trace = write_graph(tmp_path / "dp.jsonl", 8, nodes)
    base = replay("--system", "nvl72", "--trace", trace, "--chip", "b200")
    t = op_time_us(chip="b200", m=1024, n=1024, k=1024)
    slow = replay("--system", "nvl72", "--trace", trace, "--chip", "b200", "--slowdown", '{"3": 1.5}')
    assert slow["time_us"] == pytest.approx(base["time_us"] + 0.5 * t, rel=1e-9)
    late = replay("--system", "nvl72", "--trace", trace, "--chip", "b200", "--delays", '{"mm5": 7000}')
    assert late["time_us"] == pytest.approx(base["time_us"] + 7.0, rel=1e-9)


@needs_engine
def test_two_jobs_on_one_fabric(tmp_path):
    send = [{"rank": 0, "type": "send", "peer": 1, "bytes": 16 << 20}, {"rank": 1, "type": "recv", "peer": 0,
                                                                           "bytes": 16 << 20}]
    for i, n in enumerate(send):
        n["id"] = i
    trace = write_graph(tmp_path / "p2p.jsonl", 2, send)
    alone = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c")
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"trace": trace, "ranks": [0, 1], "name": "a"},
                                {"trace": trace, "ranks": [2, 3], "name": "b"}]))
    apart = replay("--system", "clos:8:8:1", "--jobs", str(jobs), "--chip", "ascend_910c")
    assert [j["time_us"] for j in apart["jobs"]] == pytest.approx([alone["time_us"]] * 2, rel=1e-9)
    jobs.write_text(json.dumps([{"trace": trace, "ranks": [0, 1], "name": "a"},
                                {"trace": trace, "ranks": [0, 2], "name": "b", "start_us": 0}]))
    shared = replay("--system", "clos:8:8:1", "--jobs", str(jobs), "--chip", "ascend_910c")
    assert all(j["time_us"] > 1.5 * alone["time_us"] for j in shared["jobs"])
    assert all(j["bytes"] == 16 << 20 for j in shared["jobs"])


@needs_engine
def test_deterministic_and_timeline(tmp_path):
    trace = write_graph(tmp_path / "c.jsonl", 4, chain(4, 3) + [
        {"id": 12, "rank": 0, "type": "send", "peer": 1, "bytes": 1 << 20, "stream": 1},
        {"id": 13, "rank": 1, "type": "recv", "peer": 0, "bytes": 1 << 20, "stream": 1}])
    a = engine("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c", "--out", str(tmp_path / "a"))
    b = engine("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910c", "--out", str(tmp_path / "b"),
               "--timeline", str(tmp_path / "t.json"))
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert (tmp_path / "a" / "result.json").read_bytes() == (tmp_path / "b" / "result.json").read_bytes()
    assert (tmp_path / "a" / "stats.txt").read_bytes() == (tmp_path / "b" / "stats.txt").read_bytes()
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    assert any(e.get("ph") == "s" for e in events) and any(e.get("ph") == "f" for e in events)
    assert any(e.get("ph") == "C" for e in events)
    assert sum(1 for e in events if e.get("ph") == "X") == 14


@needs_engine
def test_bad_input_is_refused_with_a_message(tmp_path):
    p = engine("--system", "nvl72")
    assert p.returncode == 2 and "--trace" in p.stderr
    p = engine("--system", "nvl72", "--trace", str(tmp_path / "missing.jsonl"), "--chip", "b200")
    assert p.returncode == 3 and "missing.jsonl" in p.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "npusim.opgraph", "version": 1, "ranks": 2}\n{"id": 0, "rank": 0, "type": "mystery"}\n')
    p = engine("--system", "nvl72", "--trace", str(bad), "--chip", "b200")
    assert p.returncode == 3 and "bad.jsonl:2" in p.stderr
    trace = write_graph(tmp_path / "ok.jsonl", 2, [{"id": 0, "rank": 0, "type": "delay", "ns": 5}])
    p = engine("--system", "nvl72", "--trace", trace)
    assert p.returncode == 3 and "chip" in p.stderr
    p = engine("--system", "nvl72", "--trace", trace, "--chip", "b200", "--fabric", "warp")
    assert p.returncode == 3 and "job.fabric: expected one of" in p.stderr
    p = engine("--system", "nvl72", "--trace", trace, "--chip", "b200", "--slowdown", '{"9": 2}')
    assert p.returncode == 3 and "slowdown" in p.stderr


@needs_engine
def test_python_replayrun_with_a_builder_graph(tmp_path):
    import npusim
    g = npusim.OpGraph(ranks=4)
    ids = [g.matmul(r, 512, 512, 512) for r in range(4)]
    g.allreduce(list(range(4)), 1 << 20, after=ids)
    r = npusim.run(npusim.ReplayRun("clos:8:8:1", g, chip="ascend_910c"), out_dir=tmp_path / "run")
    assert r["time_us"] > 0 and r["op_cache"]["misses"] == 1 and r["op_cache"]["hits"] == 3
    with pytest.raises(npusim.ConfigError, match="job.warp"):
        npusim.ReplayRun("nvl72", g, warp=1)


def op_time(chip, fidelity, m, n, k):
    p = subprocess.run([str(ENGINE), "op", "--chip", chip, "--op", "matmul", "--m", str(m), "--n", str(n), "--k", str(k),
                        "--dtype", "bf16", "--fidelity", fidelity, "--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["time_us"]


@needs_engine
def test_cycle_fidelity_runs_each_distinct_op_once_in_its_own_process(tmp_path):
    shapes = [(256, 256, 256), (256, 512, 256)]
    nodes = []
    for r in range(4):
        for i in range(6):
            m, n, k = shapes[i % 2]
            nodes.append({"id": len(nodes), "rank": r, "type": "matmul", "m": m, "n": n, "k": k,
                          "deps": [len(nodes) - 1] if i else []})
    trace = write_graph(tmp_path / "c.jsonl", 4, nodes)
    r = replay("--system", "clos:8:8:1", "--trace", trace, "--chip", "ascend_910b", "--fidelity", "cycle")
    assert r["op_cache"]["misses"] == 2 and r["op_cache"]["hits"] == 22
    expect = 3 * sum(op_time("ascend_910b", "cycle", *s) for s in shapes)
    assert r["time_us"] == pytest.approx(expect, rel=1e-9)


@needs_engine
def test_heterogeneous_ranks_from_the_header_or_the_job(tmp_path):
    nodes = [dict(MATMUL, id=r, rank=r) for r in range(4)]
    trace = write_graph(tmp_path / "h.jsonl", 4, nodes, chips={"0-1": "ascend_910c", "2-3": "ascend_950pr"})
    r = replay("--system", "clos:8:8:1", "--trace", trace)
    chips = [k["chip"] for k in r["ranks"]]
    assert chips[0] == chips[1] != chips[2] == chips[3]
    assert r["op_cache"]["misses"] == 2
    t910, t950 = op_time("ascend_910c", "fast", 1024, 1024, 1024), op_time("ascend_950pr", "fast", 1024, 1024, 1024)
    assert [k["compute_us"] for k in r["ranks"]] == pytest.approx([t910, t910, t950, t950], rel=1e-9)
    # The job's chips override the header's.
    r = replay("--system", "clos:8:8:1", "--trace", trace, "--chips", '{"0-3": "ascend_950pr"}')
    assert r["op_cache"]["misses"] == 1 and r["time_us"] == pytest.approx(t950, rel=1e-9)
