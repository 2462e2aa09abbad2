"""npusim.OpGraph: the builder writes the canonical form the engine reads back
unchanged; bad arguments and malformed files are refused with clear messages."""
import json

import pytest

from conftest import REPO, needs_core

pytestmark = needs_core
SAMPLES = REPO / "traces" / "samples"


def test_builder_writes_the_canonical_form_of_the_tp8_sample(tmp_path):
    import npusim
    # The sample lists rank 0's nodes, then rank 1's...; a group method adds
    # one node per member at once, so the builder writes the same graph in
    # another node order: compare what the engine reads.
    g = npusim.OpGraph(ranks=8, name="tp8_layer")
    last = {}
    for r in range(8):
        last[r] = g.memcpy(r, 117440512, src="host", stream=1, name="prefetch_next_layer")
    qkv = {r: g.matmul(r, 4096, 1536, 4096, name="qkv") for r in range(8)}
    att = {r: g.attention(r, heads=4, head_dim=128, seq_q=4096, seq_kv=4096, after=qkv, name="attn") for r in range(8)}
    o = {r: g.matmul(r, 4096, 4096, 512, after=att, name="o_proj") for r in range(8)}
    ar1 = g.allreduce(range(8), 32 << 20, after=o, name="attn_allreduce")
    up = {r: g.matmul(r, 4096, 3584, 4096, after=ar1, name="gate_up") for r in range(8)}
    act = {r: g.elementwise(r, 7340032, kind="mul", after=up, name="silu_mul") for r in range(8)}
    down = {r: g.matmul(r, 4096, 4096, 1792, after=[act, last], name="down") for r in range(8)}
    g.allreduce(None, "32M", after=down, name="mlp_allreduce")
    path = g.save(str(tmp_path / "tp8.jsonl"))
    text = open(path, encoding="utf-8").read()
    assert text == npusim._native.call("opgraph_text", path)  # already canonical
    mine = npusim._native.call("read_opgraph", path)
    theirs = npusim._native.call("read_opgraph", str(SAMPLES / "opgraph_tp8_layer.jsonl"))
    assert mine == theirs == {"version": 1, "name": "tp8_layer", "ranks": 8, "nodes": 72,
                              "by_type": {"memcpy": 8, "matmul": 32, "attention": 8, "collective": 16,
                                          "elementwise": 8}}
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0] == {"format": "npusim.opgraph", "version": 1, "ranks": 8, "name": "tp8_layer"}
    assert lines[1 + 8] == {"id": 8, "rank": 0, "type": "matmul", "name": "qkv", "m": 4096, "n": 1536, "k": 4096}
    assert lines[1 + 40] == {"id": 40, "rank": 0, "type": "matmul", "name": "gate_up", "deps": [32], "m": 4096,
                             "n": 3584, "k": 4096}  # after the allreduce node of its rank
    assert lines[-1]["deps"] == [63] and lines[-1]["op"] == "allreduce" and "group" not in lines[-1]


def test_every_node_type_round_trips(tmp_path):
    import npusim
    g = npusim.OpGraph(4, name="mixed_4rank")
    g.chips({"0-2": "ascend_910b", 3: "ascend_910c"})
    fc1 = g.matmul(0, 2048, 2048, 2048, dtype="fp16", name="fc1")
    s = g.send(0, 1, 8388608, after=fc1)
    r = g.recv(1, 0, 8 << 20)
    fc2 = g.matmul(1, 2048, 2048, 2048, batch=2, trans_b=True, after=r, name="fc2")
    norm = g.roofline(2, flops=50331648, bytes=33554432, name="rmsnorm")
    attn = g.attention(3, heads=32, kv_heads=8, head_dim=128, seq_q=1, seq_kv=32768, batch=16, name="decode_attn")
    sync = g.delay(3, 2500, after=attn, name="host_sync")
    a2a = g.alltoallv(range(4), [[0, 1048576, 524288, 0], [262144, 0, 0, 786432], [65536, 65536, 0, 65536],
                                 [0, 0, 131072, 0]], after=[s, fc2, norm, sync])
    bc = g.broadcast([0, 1, 2, 3], "4M", root=2, after=a2a)
    g.memcpy(2, "2M", peer=3, stream=1, name="kv_push")
    g.elementwise(3, 4194304, stream=1, name="residual")
    ag = g.allgather([0, 1], 1 << 20, algo="direct", after=bc)
    assert sorted(ag) == [0, 1] and len(g) == 19
    path = g.save(str(tmp_path / "mixed.jsonl"))
    assert open(path, encoding="utf-8").read() == npusim._native.call("opgraph_text", path)
    assert npusim._native.call("read_opgraph", path) == npusim._native.call(
        "read_opgraph", str(SAMPLES / "opgraph_mixed_4rank.jsonl"))
    header = json.loads(open(path, encoding="utf-8").readline())
    assert header["chips"] == {"0-2": "ascend_910b", "3": "ascend_910c"}


@pytest.mark.parametrize("build, message", [
    (lambda g: g.matmul(0, 0, 8, 8), r"matmul\.m: expected an integer >= 1.*got 0"),
    (lambda g: g.matmul(0, 8, 8, 8, heads=2), r"matmul\.heads: not a key of matmul; its keys: m, n, k, batch"),
    (lambda g: g.matmul(0, 8, 8, 8, dtype="fp64"), r"matmul\.dtype: expected one of bf16"),
    (lambda g: g.matmul(4, 8, 8, 8), r"matmul\.rank: expected an integer in \[0, 3\], got 4"),
    (lambda g: g.attention(0, 32, 64, 1, 8, kv_heads=5), r"attention\.kv_heads: 5 does not divide heads 32"),
    (lambda g: g.elementwise(0, 64, kind="exp"), r"elementwise\.elementwise_kind: expected one of add, mul"),
    (lambda g: g.roofline(0, -1, 8), r"roofline\.flops: expected a number >= 0"),
    (lambda g: g.memcpy(0, 8, src="host", dst="host"), r"memcpy: host to host"),
    (lambda g: g.memcpy(0, 8, src="disk"), r"memcpy\.src: expected one of hbm, host, got 'disk'"),
    (lambda g: g.send(1, 1, 8), r"send\.peer: rank 1 is the node's own rank"),
    (lambda g: g.recv(0, 1, -8), r"recv\.bytes: expected a byte count"),
    (lambda g: g.delay(0, 5, after=[g.delay(1, 1)]), r"delay\.after: node 0 is on rank 1, this node on rank 0"),
    (lambda g: g.delay(0, 5, after=[7]), r"delay\.after: 7 is not a node of this graph"),
    (lambda g: g.delay(0, 5, stream=-1), r"delay\.stream: expected an integer >= 0"),
    (lambda g: g.allreduce([0, 1], 8, algo="tree"), r"allreduce\.algo: expected one of ring, direct, "),
    (lambda g: g.allreduce([0, 0, 1], 8), r"allreduce\.group: a rank is listed twice"),
    (lambda g: g.allreduce([0], 8), r"allreduce\.group: expected a list of at least 2 ranks"),
    (lambda g: g.allreduce([0, 1], 8, after=[g.delay(2, 1)]), r"node 0 is on rank 2, not a member of the group"),
    (lambda g: g.broadcast([0, 1], 8, root=3), r"broadcast\.root: rank 3 is not in the group"),
    (lambda g: g.alltoallv([0, 1], [[0, 1]]), r"alltoallv\.send_bytes: expected a 2x2 matrix"),
    (lambda g: g.alltoallv([0, 1], [[0, 1], [1, 5]]), r"alltoallv\.send_bytes\[1\]\[1\]: rank 1 to itself is 5"),
    (lambda g: g.chips({"0-2": "ascend_910b"}), r"chips: rank 3 has no chip"),
    (lambda g: g.chips({"0-2": "ascend_910b", "2-3": "ascend_910c"}), r"chips\['2-3'\]: rank 2 is also in"),
    (lambda g: g.chips({"0-3": "no_such_chip"}), r"chip 'no_such_chip' is unknown"),
])
def test_builder_refuses_bad_arguments(build, message):
    import npusim
    with pytest.raises(npusim.ConfigError, match=message):
        build(npusim.OpGraph(4))


def test_collective_after_dicts_map_per_rank():
    import npusim
    g = npusim.OpGraph(4)
    ar = g.allreduce(None, 64)
    sub = g.allgather([2, 3], 64, after=ar)  # entries of ranks 0 and 1 are not this group's
    assert [n["deps"] for n in g.nodes[4:6]] == [[ar[2]], [ar[3]]]
    d = g.delay(3, 10, after=[ar, sub])  # a per-rank node takes its rank's entries
    assert g.nodes[d]["deps"] == [ar[3], sub[3]]
    with pytest.raises(npusim.ConfigError, match=r"node 0 is on rank 0, not on rank 1 as the dict says"):
        g.allreduce(None, 64, after={1: ar[0]})


@pytest.mark.parametrize("body, message", [
    ('{"id":0,"rank":0,"type":"delay","ns":1,"bytes":4}', r":3: bytes: unknown key for a delay node"),
    ('{"id":0,"rank":0,"type":"matmul","m":8,"n":8}', r":3: k: required for op 'matmul'"),
    ('{"id":0,"rank":9,"type":"delay","ns":1}', r":3: rank: got 9 \(expected a rank in \[0, 3\]\)"),
    ('{"id":0,"rank":0,"type":"send","peer":1,"bytes":8}', r":3: peer: node id 0 on rank 0: the 1st send from rank 0"),
    ('{"id":0,"rank":0,"type":"delay","ns":1,"deps":[1]}\n{"id":1,"rank":0,"type":"delay","ns":1,"deps":[0]}',
     r":3: deps: dependency cycle on rank 0: id 0 -> id 1 -> id 0"),
    ('{"id":0,"rank":0,"type":"collective","op":"allreduce","bytes":8}',
     r":3: group: the 1st collective of group \[0-3\] \(allreduce, node id 0 on rank 0\) has no node on member rank 1"),
    ('{"id":0,"rank":0,"type":"delay","ns":1', r":3: invalid JSON"),
])
def test_malformed_files_name_file_and_line(tmp_path, body, message):
    import npusim
    path = tmp_path / "bad.jsonl"
    path.write_text('{"format":"npusim.opgraph","version":1,"ranks":4}\n# comment\n' + body + "\n")
    with pytest.raises(npusim.ConfigError, match=str(path).replace(".", r"\.") + message):
        npusim._native.call("read_opgraph", str(path))


def test_unknown_version_lists_the_known_ones(tmp_path):
    import npusim
    path = tmp_path / "v2.jsonl"
    path.write_text('{"format":"npusim.opgraph","version":2,"ranks":4}\n')
    with pytest.raises(npusim.ConfigError, match=r"v2\.jsonl:1: version: 2 is not a version this reader knows "
                                                 r"\(expected one of: 1\)"):
        npusim._native.call("read_opgraph", str(path))


def test_the_spec_example_is_what_its_python_writes(tmp_path, monkeypatch):
    """traces/opgraph.md's example file and its Python version agree."""
    import npusim
    spec = (REPO / "traces" / "opgraph.md").read_text(encoding="utf-8")
    example = spec[spec.index("## Example"):]
    blocks = example.split("```")
    text, code = blocks[1], blocks[3]
    assert code.startswith("python\n")
    monkeypatch.chdir(tmp_path)
    exec(compile(code[len("python\n"):], "opgraph.md", "exec"), {})  # noqa: S102 -- our own doc
    written = (tmp_path / "example.jsonl").read_text(encoding="utf-8")
    assert written == "".join(line + "\n" for line in text.strip().splitlines() if not line.startswith("#"))
    assert npusim._native.call("opgraph_text", str(tmp_path / "example.jsonl")) == written
