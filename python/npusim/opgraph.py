"""Write operator-graph traces (traces/opgraph.md) from Python.

    g = npusim.OpGraph(ranks=8, name="tp8_layer")
    qkv = {r: g.matmul(r, m=4096, n=1536, k=4096) for r in range(8)}
    attn = {r: g.attention(r, heads=4, head_dim=128, seq_q=4096, seq_kv=4096, after=qkv) for r in range(8)}
    ar = g.allreduce(range(8), bytes=32 << 20, after=attn)    # {rank: node id}
    g.delay(0, ns=500, after=ar)
    g.save("tp8_layer.jsonl")

Per-rank methods (matmul, attention, elementwise, roofline, memcpy, send,
recv, delay) return the new node's id. Group methods (allreduce, allgather,
reducescatter, alltoall, broadcast, alltoallv) add one node per member rank
and return {rank: id}.

`after` says what a node waits for (its deps, on its own rank): an id, a
{rank: ids} dict (what a group method returns; a per-rank node takes its
rank's entry), or a list of these. A group method sends each id to the
member it lives on; dict entries of ranks outside the group are ignored,
a plain id on a non-member rank is an error. `stream`: nodes of one
(rank, stream) run in the order they were added; streams of a rank overlap.

Arguments are checked here, with the engine's own tables (the op job's
schema for the compute keys, `npusim params job.op`; the collective
algorithms), and save() writes the canonical form the engine reads back
unchanged.
"""
import functools
import json
import numbers

from . import _native
from .errors import ConfigError
from .jobs import _check_key, _op_chip, _op_schema, _op_shape_keys

_FORMAT = "npusim.opgraph"
_PLACES = ("hbm", "host")


@functools.lru_cache(maxsize=None)
def _format():
    return _native.call("opgraph_format")


@functools.lru_cache(maxsize=None)
def _compute_keys(op):
    """{key: declaration} of the keys a compute node of `op` takes (job.op's, read once)."""
    schema = _op_schema()
    keys = {key: info for _, key, info in _op_shape_keys(op)}
    keys["dtype"] = schema["dtype"]
    return keys


def _int(value, what, lo=0, hi=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{what}: expected an integer >= {lo}, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        form = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
        raise ConfigError(f"{what}: expected {form}, got {value!r}")
    return int(value)


def _count(value, what):
    """A byte count: an int >= 0, or a string with a binary suffix ("64K", "1M", "2G")."""
    if isinstance(value, str) and value[:-1].isdigit() and value[-1:] in ("K", "M", "G"):
        return int(value[:-1]) << {"K": 10, "M": 20, "G": 30}[value[-1]]
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)) and \
            float(value).is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{what}: expected a byte count (an int >= 0 or e.g. '64K', '1M'), got {value!r}")
    return int(value)


def _number(value, what, unit):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 or value == float("inf"):
        raise ConfigError(f"{what}: expected a number >= 0 ({unit}), got {value!r}")
    return int(value) if float(value).is_integer() else float(value)


def _ids(value, what, rank=None):
    """Flattens `after`: ints, {rank: ids} dicts and lists of them -> [(rank or None, id)].
    With `rank`, a dict gives only that rank's entry (a per-rank node's deps)."""
    if value is None:
        return []
    if isinstance(value, dict):
        if rank is not None:
            return [(rank, i) for _, i in _ids(value.get(rank), what)]
        return [(r, i) for r, v in value.items() for _, i in _ids(v, what)]
    if isinstance(value, (list, tuple, set, range)):
        return [pair for v in value for pair in _ids(v, what, rank)]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{what}: expected node ids (ints), {{rank: ids}} dicts or lists of them, got {value!r}")
    return [(None, int(value))]


def _rank_ranges(key):
    """Ranks of a chips key: "a-b", "a", an int, a range or an inclusive (a, b) tuple."""
    if isinstance(key, range):
        return list(key)
    if isinstance(key, tuple) and len(key) == 2:
        return list(range(_int(key[0], "chips"), _int(key[1], "chips") + 1))
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return [int(key)]
    if isinstance(key, str):
        first, _, last = key.partition("-")
        if first.isdigit() and (last.isdigit() or not last):
            return list(range(int(first), int(last or first) + 1))
    raise ConfigError(f"chips: expected rank ranges ('0-191', '7', 7, range(0, 192) or (0, 191)), got {key!r}")


class OpGraph:
    """An operator graph under construction: what every rank runs in one step."""

    def __init__(self, ranks, name=None):
        self.ranks = _int(ranks, "OpGraph.ranks", lo=1, hi=1 << 22)
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"OpGraph.name: expected a string, got {name!r}")
        self.name = name
        self._chips = None
        self._nodes = []   # file objects, in order
        self._rank_of = []  # node id -> rank (ids are 0, 1, ... in order)

    def __len__(self):
        return len(self._nodes)

    @property
    def nodes(self):
        """The nodes as the file will hold them (copies)."""
        return [dict(n) for n in self._nodes]

    # -- compute ------------------------------------------------------------
    def matmul(self, rank, m, n, k, dtype="bf16", batch=1, *, after=None, stream=0, name=None, **op_keys):
        """C = A(m x k) B(k x n), `batch` times; op_keys: trans_a, trans_b."""
        return self._compute("matmul", rank, dict(m=m, n=n, k=k, batch=batch, dtype=dtype, **op_keys),
                             after, stream, name)

    def attention(self, rank, heads, head_dim, seq_q, seq_kv, kv_heads=None, batch=1, causal=True, dtype="bf16", *,
                  after=None, stream=0, name=None):
        """Attention of `batch` sequences (seq_q=1: decode); kv_heads divides heads (GQA; default heads)."""
        keys = dict(heads=heads, head_dim=head_dim, seq_q=seq_q, seq_kv=seq_kv, batch=batch, causal=causal,
                    dtype=dtype)
        if kv_heads is not None:
            keys["kv_heads"] = kv_heads
        return self._compute("attention", rank, keys, after, stream, name)

    def elementwise(self, rank, elements, kind="add", dtype="bf16", *, after=None, stream=0, name=None):
        """`kind` (add, mul, reduce_sum) over `elements` elements per operand."""
        return self._compute("elementwise", rank, dict(elements=elements, elementwise_kind=kind, dtype=dtype),
                             after, stream, name)

    def roofline(self, rank, flops, bytes, dtype="bf16", *, after=None, stream=0, name=None):  # noqa: A002
        """max(flops at the chip's `dtype` peak, HBM `bytes` at its bandwidth)."""
        dtypes = _compute_keys("matmul")["dtype"]["choices"]
        if dtype not in dtypes:
            raise ConfigError(f"roofline.dtype: expected one of {', '.join(dtypes)}, got {dtype!r}")
        keys = {"flops": _number(flops, "roofline.flops", "floating-point operations"),
                "bytes": _count(bytes, "roofline.bytes")}
        if dtype != "bf16":
            keys["dtype"] = dtype
        return self._add(rank, "roofline", keys, after, stream, name)

    # -- memory and point to point -------------------------------------------
    def memcpy(self, rank, bytes, src="hbm", dst="hbm", peer=None, *, after=None, stream=0, name=None):  # noqa: A002
        """Copy `bytes` from `src` to `dst` (hbm, host) on `rank`; with `peer`, into the peer's HBM."""
        for key, place in (("src", src), ("dst", dst)):
            if place not in _PLACES:
                raise ConfigError(f"memcpy.{key}: expected one of hbm, host, got {place!r}")
        keys = {"bytes": _count(bytes, "memcpy.bytes")}
        if src != "hbm":
            keys["from"] = src
        if dst != "hbm":
            keys["to"] = dst
        if peer is None and src == dst == "host":
            raise ConfigError("memcpy: host to host does not touch the chip (expected hbm at one end at least)")
        if peer is not None:
            if dst != "hbm":
                raise ConfigError("memcpy.dst: a copy to a peer writes the peer's HBM (expected hbm with peer)")
            keys["peer"] = self._peer(rank, peer, "memcpy.peer")
        return self._add(rank, "memcpy", keys, after, stream, name)

    def send(self, rank, peer, bytes, tag=0, *, after=None, stream=0, name=None):  # noqa: A002
        """Send `bytes` to `peer`; matched in order with the peer's recv of the same tag."""
        return self._p2p("send", rank, peer, bytes, tag, after, stream, name)

    def recv(self, rank, peer, bytes, tag=0, *, after=None, stream=0, name=None):  # noqa: A002
        """Receive `bytes` from `peer` (the k-th recv from peer with a tag takes its k-th send with it)."""
        return self._p2p("recv", rank, peer, bytes, tag, after, stream, name)

    def delay(self, rank, ns, *, after=None, stream=0, name=None):
        """A fixed time on `rank`: what the model does not simulate."""
        return self._add(rank, "delay", {"ns": _number(ns, "delay.ns", "ns")}, after, stream, name)

    # -- collectives ---------------------------------------------------------
    def allreduce(self, group, bytes, *, after=None, algo=None, stream=0, name=None):  # noqa: A002
        return self._collective("allreduce", group, bytes, after, algo, None, stream, name)

    def allgather(self, group, bytes, *, after=None, algo=None, stream=0, name=None):  # noqa: A002
        return self._collective("allgather", group, bytes, after, algo, None, stream, name)

    def reducescatter(self, group, bytes, *, after=None, algo=None, stream=0, name=None):  # noqa: A002
        return self._collective("reducescatter", group, bytes, after, algo, None, stream, name)

    def alltoall(self, group, bytes, *, after=None, algo=None, stream=0, name=None):  # noqa: A002
        return self._collective("alltoall", group, bytes, after, algo, None, stream, name)

    def broadcast(self, group, bytes, root=None, *, after=None, algo=None, stream=0, name=None):  # noqa: A002
        """From `root` (a member; default the group's first rank) to every member."""
        return self._collective("broadcast", group, bytes, after, algo, root, stream, name)

    def alltoallv(self, group, send_bytes, *, after=None, stream=0, name=None):
        """send_bytes[i][j]: bytes group[i] sends to group[j] (a square matrix; the diagonal is 0)."""
        explicit, group = group is not None, self._group(group, "alltoallv.group")
        rows = [list(row) for row in send_bytes]
        if len(rows) != len(group) or any(len(row) != len(group) for row in rows):
            raise ConfigError(f"alltoallv.send_bytes: expected a {len(group)}x{len(group)} matrix (one row per "
                              f"group member, one count per destination in group order)")
        counts = [[_count(b, f"alltoallv.send_bytes[{i}][{j}]") for j, b in enumerate(row)]
                  for i, row in enumerate(rows)]
        for i in range(len(group)):
            if counts[i][i]:
                raise ConfigError(f"alltoallv.send_bytes[{i}][{i}]: rank {group[i]} to itself is {counts[i][i]} "
                                  f"(expected 0: local data does not cross the fabric)")
        deps = self._group_deps(group, after, "alltoallv.after")
        keys = {"group": group} if explicit else {}
        return {r: self._add(r, "alltoallv", dict(keys, send_bytes=counts[i]), deps.get(r), stream, name)
                for i, r in enumerate(group)}

    # -- header and output ---------------------------------------------------
    def chips(self, mapping):
        """Per-rank chips: {"0-191": "ascend_910c", range(192, 384): chips.ascend_950dt(), 7: ...};
        every rank exactly once. Values: a chip preset name, a Chip or its dict form."""
        owner, out = {}, {}
        for key, chip in dict(mapping).items():
            ranks = _rank_ranges(key)
            if not ranks or ranks != list(range(ranks[0], ranks[-1] + 1)) or ranks[-1] >= self.ranks:
                raise ConfigError(f"chips[{key!r}]: expected ranks in [0, {self.ranks - 1}] as one range")
            for r in ranks:
                if r in owner:
                    raise ConfigError(f"chips[{key!r}]: rank {r} is also in chips[{owner[r]!r}] "
                                      f"(expected every rank once)")
                owner[r] = key
            text = f"{ranks[0]}-{ranks[-1]}" if len(ranks) > 1 else str(ranks[0])
            value, _, _ = _op_chip(chip)
            out[text] = value
        missing = [r for r in range(self.ranks) if r not in owner]
        if missing:
            raise ConfigError(f"chips: rank {missing[0]} has no chip (expected every rank once)")
        self._chips = dict(sorted(out.items()))  # the canonical form orders the keys as strings
        return self

    def header(self):
        h = {"format": _FORMAT, "version": 1, "ranks": self.ranks}
        if self.name:
            h["name"] = self.name
        if self._chips is not None:
            h["chips"] = self._chips
        return h

    def save(self, path):
        """Writes the trace (JSON Lines, the canonical form); returns `path`."""
        with open(path, "w", encoding="utf-8") as f:
            for obj in [self.header()] + self._nodes:
                f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        return path

    # -- helpers -------------------------------------------------------------
    def _rank(self, rank, what):
        return _int(rank, what, 0, self.ranks - 1)

    def _peer(self, rank, peer, what):
        peer = self._rank(peer, what)
        if peer == rank:
            raise ConfigError(f"{what}: rank {rank} is the node's own rank (expected another rank)")
        return peer

    def _compute(self, op, rank, given, after, stream, name):
        shape = _compute_keys(op)
        keys = {}
        for key in [k for k in _format()["node_keys"][op] if k in given]:
            value = _check_key(shape[key], given.pop(key), f"{op}.{key}")
            default = shape[key].get("default")
            if value != default and not (key == "kv_heads" and value == keys.get("heads")):
                keys[key] = value
        if given:
            raise ConfigError(f"{op}.{sorted(given)[0]}: not a key of {op}; its keys: "
                              f"{', '.join(_format()['node_keys'][op])}")
        if op == "attention":
            heads, kv = keys["heads"], keys.get("kv_heads", keys["heads"])
            if heads % kv:
                raise ConfigError(f"attention.kv_heads: {kv} does not divide heads {heads} (expected a divisor)")
        return self._add(rank, op, keys, after, stream, name)

    def _p2p(self, kind, rank, peer, nbytes, tag, after, stream, name):
        rank = self._rank(rank, f"{kind}.rank")
        keys = {"peer": self._peer(rank, peer, f"{kind}.peer"), "bytes": _count(nbytes, f"{kind}.bytes")}
        if _int(tag, f"{kind}.tag"):
            keys["tag"] = int(tag)
        return self._add(rank, kind, keys, after, stream, name)

    def _group(self, group, what):
        group = list(range(self.ranks)) if group is None else list(group)
        for r in group:
            self._rank(r, what)
        if len(set(group)) != len(group):
            raise ConfigError(f"{what}: a rank is listed twice in {group} (expected each rank once)")
        if len(group) < 2:
            raise ConfigError(f"{what}: expected a list of at least 2 ranks, got {group}")
        return [int(r) for r in group]

    def _collective(self, op, group, nbytes, after, algo, root, stream, name):
        keys = {"op": op}
        if group is not None:
            keys["group"] = self._group(group, f"{op}.group")
        group = self._group(group, f"{op}.group")
        keys["bytes"] = _count(nbytes, f"{op}.bytes")
        algos = _format()["collective_algorithms"][op]
        if algo is not None:
            if algo not in algos:
                raise ConfigError(f"{op}.algo: expected one of {', '.join(algos)}, got {algo!r}")
            keys["algo"] = algo
        if root is not None:
            if root not in group:
                raise ConfigError(f"broadcast.root: rank {root!r} is not in the group {group} (expected a member)")
            if root != group[0]:
                keys["root"] = int(root)
        deps = self._group_deps(group, after, f"{op}.after")
        return {r: self._add(r, "collective", dict(keys), deps.get(r), stream, name) for r in group}

    def _group_deps(self, group, after, what):
        deps = {r: [] for r in group}
        for key, i in _ids(after, what):
            rank = self._node_rank(i, what)
            if key is not None and key != rank:
                raise ConfigError(f"{what}: node {i} is on rank {rank}, not on rank {key} as the dict says")
            if rank in deps:
                deps[rank].append(i)
            elif key is None:
                raise ConfigError(f"{what}: node {i} is on rank {rank}, not a member of the group {group}")
        return deps

    def _node_rank(self, i, what):
        if not 0 <= i < len(self._rank_of):
            raise ConfigError(f"{what}: {i} is not a node of this graph (ids 0..{len(self._rank_of) - 1})")
        return self._rank_of[i]

    def _add(self, rank, kind, keys, after, stream, name):
        rank = self._rank(rank, f"{kind}.rank")
        deps = []
        for _, i in _ids(after, f"{kind}.after", rank):
            if self._node_rank(i, f"{kind}.after") != rank:
                raise ConfigError(f"{kind}.after: node {i} is on rank {self._rank_of[i]}, this node on rank {rank} "
                                  f"(expected deps on the same rank; order across ranks comes from send/recv and "
                                  f"collectives)")
            if i not in deps:
                deps.append(i)
        node = {"id": len(self._nodes), "rank": rank, "type": kind}
        if name is not None:
            if not isinstance(name, str):
                raise ConfigError(f"{kind}.name: expected a string, got {name!r}")
            node["name"] = name
        if _int(stream, f"{kind}.stream"):
            node["stream"] = int(stream)
        if deps:
            node["deps"] = deps
        node.update(keys)
        self._nodes.append(node)
        self._rank_of.append(rank)
        return node["id"]
