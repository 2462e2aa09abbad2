"""Jobs: what one simulation should do, as the JSON the engine reads.

A job is a plain dict (`npusim-engine job job.json`), so it can be saved,
sent to a Dask worker and rerun exactly. Job builders validate everything
they can in the user's process, so mistakes surface at the line that made
them rather than inside a child process minutes into a sweep.
"""
import json
import numbers
import os
import re
import types

from . import _native, tracefile
from .errors import ConfigError, TraceError
from .params import ParamObject, check_value

def safe_name(name):
    """A job name usable as a directory name."""
    return re.sub(r"[^A-Za-z0-9._+=-]+", "_", str(name)).strip("._") or "job"


def _memory_config(memory):
    """(job "memory" value, display name). Accepts a MemoryConfig, a Chip
    (its hbm), a dict (partial config) or a preset name."""
    from .memory import MemoryConfig, _preset_name

    memory = getattr(memory, "components", {}).get("hbm", memory)  # a Chip
    if isinstance(memory, str):
        memory = _preset_name(memory)
        return memory, memory
    if isinstance(memory, dict):
        memory = MemoryConfig(memory)
    if not isinstance(memory, ParamObject):
        raise ConfigError(f"job.memory: expected a MemoryConfig, a dict or a preset name, got {memory!r}")
    memory.validate()
    return memory.to_dict(), memory.name


class _Choices:
    """A class attribute read from a job kind's schema on first use (the
    choices of one key), so `import npusim` needs no _core."""

    def __init__(self, kind, key):
        self.kind, self.key = kind, key

    def __get__(self, obj, owner):
        return tuple(job_schema(self.kind)[self.key]["choices"])


def _check_job_keys(kind, job):
    """Every key a job class writes is one its kind declares (the C++ schema
    is the one declaration; this catches a Python builder drifting from it)."""
    schema = job_schema(kind)
    for key in job:
        if key not in schema:
            raise ConfigError(f"job.{key}: not a key of a {kind} job; its keys: {', '.join(schema)}")


class MemoryRun(dict):
    """A memory-only job: one HBM system driven by a trace or a built-in pattern.

    MemoryRun(memory, trace="decode_kv.trace")               a trace file (native/DRAMSim3)
    MemoryRun(memory, trace=(time, is_write, addr, size))    arrays (or a dict / DataFrame)
    MemoryRun(memory, pattern="random", requests=20000, size=64, read_fraction=0.7)

    `memory`: a MemoryConfig, a chip (its hbm), a partial config dict, or a
    preset name. Array traces are written as a native trace (times in `unit`:
    cycle, ns or ps) into the run directory when the job runs.
    """

    def __init__(self, memory, trace=None, pattern=None, name=None, *, trace_format="auto",
                 unit="cycle", seed=None, timeline=None, watchdog_us=None, warmup_requests=None,
                 **pattern_opts):
        super().__init__()
        mem, mem_name = _memory_config(memory)
        self._arrays, self._unit = None, unit
        if (trace is None) == (pattern is None):
            raise ConfigError("job: give exactly one of trace= (a file or arrays) or pattern= (a built-in pattern)")
        if trace is not None:
            if pattern_opts:
                raise ConfigError(f"job: pattern options {sorted(pattern_opts)} given with a trace; "
                                  "they only apply to pattern= runs")
            spec, label = self._trace_spec(trace, trace_format, unit)
        else:
            spec, label = self._pattern_spec(pattern, seed, pattern_opts), pattern
        self.update(kind="memory", name=name or f"{mem_name}__{label}", memory=mem, trace=spec)
        if seed is not None:
            self["seed"] = int(seed)
        if timeline is not None:
            self["timeline"] = os.path.abspath(timeline)
        if watchdog_us is not None:
            self["watchdog_us"] = float(watchdog_us)
        if warmup_requests is not None:
            # Stats cover only responses after the first `warmup_requests`.
            if not isinstance(warmup_requests, int) or warmup_requests < 0:
                raise ConfigError(f"job.warmup_requests: expected an integer >= 0, got {warmup_requests!r}")
            self["warmup_requests"] = warmup_requests
        _check_job_keys("memory", self)

    def _trace_spec(self, trace, trace_format, unit):
        if isinstance(trace, dict) and "file" in trace:  # the engine's own form
            trace_format = trace.get("format", trace_format)
            trace = trace["file"]
        if trace_format not in ("native", "dramsim3", "auto"):
            raise TraceError(f"job.trace.format: expected one of native, dramsim3, auto, got {trace_format!r}")
        if isinstance(trace, (str, os.PathLike)):
            # Absolute: the engine may run elsewhere (another cwd, a Dask worker).
            path = os.path.abspath(os.fspath(trace))
            if not os.path.isfile(path):
                raise TraceError(f"{trace}: no such trace file")
            return {"file": path, "format": trace_format}, os.path.splitext(os.path.basename(path))[0]
        if unit not in tracefile.UNITS:
            raise TraceError(f"job.trace: unit {unit!r} is unknown; expected one of {', '.join(tracefile.UNITS)}")
        self._arrays = tracefile.from_arrays(trace)
        return {"file": None, "format": "native"}, "arrays"

    def _pattern_spec(self, pattern, seed, opts):
        known = sorted(_native.call("patterns"))
        if pattern not in known:
            raise ConfigError(f"job.trace.pattern: unknown pattern {pattern!r}; valid patterns: {', '.join(known)}")
        # The options are declared in C++ (PatternSpec); check them with the
        # same schema, but pass on only those given so the engine's
        # per-pattern defaults (e.g. read_fraction) still apply.
        given = dict(opts, pattern=pattern)
        if seed is not None:
            given["seed"] = seed
        checked = ParamObject(_native.call("schema", "pattern"), given, path="job.trace", kind="pattern")
        return {key: checked[key] for key in given}

    def prepare(self, run_dir):
        """The job dict to hand to the engine for a run in `run_dir` (writes
        an array trace there first)."""
        job = dict(self)
        if self._arrays is not None:
            path = os.path.join(run_dir, "trace.memtrace")
            tracefile.write_native(path, self._arrays, self._unit)
            job["trace"] = {"file": os.path.abspath(path), "format": "native"}
        return job


def _job_system(system, forms="a preset name or a topology .json"):
    """(job "system" value, display name). An edited System is validated here
    (relations between its parameters), so a bad edit fails at the line that
    builds the job, not in the engine."""
    from .configs.systems import SuperCluster, System

    if isinstance(system, dict):
        system = SuperCluster.from_spec(system) if "supercluster" in system else System.from_spec(system)
    if isinstance(system, (System, SuperCluster)):
        system.validate()
        return system.to_job(), system.name
    name = getattr(system, "name", system)
    if isinstance(name, os.PathLike) or (isinstance(name, str) and name.endswith(".json")):
        name = os.path.abspath(os.fspath(name))
    if not isinstance(name, str) or not name:
        raise ConfigError(f"job.system: expected a system, {forms}, got {system!r}")
    return name, name


class CollectiveRun(dict):
    """A job: one collective on a system through the fabric model.

    CollectiveRun(systems.nvl72(), op="alltoall", bytes=64 << 20)
    CollectiveRun("cloudmatrix384", op="allreduce", bytes="1G", ranks=64, algo="ring")
    CollectiveRun("cloudmatrix384", op="allreduce", bytes="1G", algo="hierarchical", group=8)
    CollectiveRun("cloudmatrix384", op="moe_dispatch", ranks=256, tokens=256, topk=8, experts=256,
                  token_bytes=7168)
    CollectiveRun("nvl72", op="allreduce", bytes="4M", ranks=16, algo="double_tree", fidelity="packet",
                  chunk_bytes="64K")

    `system`: a System (npusim.configs.systems; its edits are sent with the
    job), a preset name, {"preset": name, <edited parameters>}, a generator
    spec or a topology .json path. `algo`: all-reduce ring, direct,
    halving_doubling, hierarchical (`group` ranks per server) or double_tree;
    all-gather and reduce-scatter ring or direct; all-to-all direct or
    pairwise; broadcast ring (a pipelined chain); MoE dispatch/combine direct or
    pairwise (all-to-all-v in n-1 steps). A generated system
    (systems.dragonfly(4, 2, 2), "fullmesh:8x8") takes link_bandwidth_gbps
    and link_latency_ns for all its links. MoE dispatch/combine take the
    token traffic instead of `bytes`. `fidelity`: "flow", or "packet" on
    small systems (every algorithm; `chunk_bytes` sets the pipeline chunk of
    double_tree and broadcast there). `group` and `chunk_bytes` are declared
    in the "collective" schema (npusim params collective). Values are checked
    by the engine, which names the offending key. `link_preset`: a link
    medium (none, electrical, optical, optical_lpo) for links without their
    own; with it the flow level sees the packet level's link latency and
    goodput (npusim params link_media lists the numbers). The result has time_us,
    algbw_gbps, busbw_gbps and `tiers` (per-tier link bytes and utilisation).
    """

    OPS = _Choices("collective", "op")
    MOE_KEYS = ("tokens", "topk", "experts", "token_bytes")

    def __init__(self, system, op, bytes=None, *, ranks=None, algo=None, fidelity="flow", name=None,  # noqa: A002
                 group=None, tokens=None, topk=None, experts=None, token_bytes=None, seed=None,
                 link_bandwidth_gbps=None, link_latency_ns=None, chunk_bytes=None, link_preset=None):
        super().__init__()
        sys_spec, sys_name = _job_system(system)
        if op not in self.OPS:
            raise ConfigError(f"job.op: expected one of {', '.join(self.OPS)}, got {op!r}")
        moe = op.startswith("moe_")
        given = dict(tokens=tokens, topk=topk, experts=experts, token_bytes=token_bytes)
        if moe:
            missing = [k for k, v in given.items() if v is None]
            if missing:
                raise ConfigError(f"job.{missing[0]}: required for {op} (tokens per rank, topk, experts, token_bytes)")
            if bytes is not None:
                raise ConfigError(f"job.bytes: not used by {op} (the tokens set the traffic)")
        else:
            if bytes is None:
                raise ConfigError("job.bytes: required (e.g. 64 << 20 or '1G')")
            extra = [k for k, v in given.items() if v is not None]
            if extra:
                raise ConfigError(f"job.{extra[0]}: only for moe_dispatch / moe_combine")
        label = f"{tokens}x{topk}of{experts}" if moe else bytes
        self.update(kind="collective", system=sys_spec, op=op, fidelity=fidelity,
                    name=name or f"{os.path.splitext(os.path.basename(sys_name))[0]}__{op}__{label}")
        if not moe:
            self["bytes"] = bytes
        for key, value in dict(given, ranks=ranks, group=group, seed=seed).items():
            if value is not None:
                self[key] = value if key == "token_bytes" else int(value)
        if algo is not None:
            self["algo"] = algo
        if link_preset is not None:
            self["link_preset"] = link_preset
        if chunk_bytes is not None:
            self["chunk_bytes"] = chunk_bytes  # an int, or a size string like "64K": the engine parses both
        # Links of a generated system (systems.dragonfly(...), "fullmesh:8x8"); the engine refuses them for
        # presets and files.
        for key, value in (("link_bandwidth_gbps", link_bandwidth_gbps), ("link_latency_ns", link_latency_ns)):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise ConfigError(f"job.{key}: expected a number, got {value!r}")
                self[key] = float(value)
        _check_job_keys("collective", self)


class RemoteRun(dict):
    """A job: NPUs load from / store to each other's memory over the packet fabric.

    RemoteRun("clos:16:8:4", pattern="alltoall", op="read", bytes="1M", access_bytes=512)
    RemoteRun(systems.cloudmatrix384(), pattern="pairs", op="write", bytes=4 << 20, access_bytes=64 << 10)

    `system`: a System (its edits are sent with the job), a preset name, a
    generator or a topology .json path.

    Every source NPU moves `bytes` through TLM transactions of `access_bytes`
    (up to a few KiB: memory-semantic loads/stores; larger: bulk RDMA-like
    transfers split by the far end's DMA engine). `pattern`: one, pairs,
    neighbour, alltoall or incast. `memory`: a memory preset (fast model by
    default; memory_fidelity="cycle" for the HBM controller). `link`:
    {"bandwidth_gbps", "latency_ns"} of generated topologies (ring:N,
    mesh:XxY, torus:XxY, clos:E:G:S). `packet` and `tlm_fabric`: parameter
    overrides (npusim params). The result has time_us, per_npu_gbps,
    aggregate_gbps, avg/p99 latency and the busiest link.
    """

    PATTERNS = _Choices("remote", "pattern")
    OPS = _Choices("remote", "op")

    def __init__(self, system, pattern="pairs", op="read", bytes="1M", *, access_bytes=512,  # noqa: A002
                 memory="ascend_910c", memory_fidelity="fast", link=None, packet=None, tlm_fabric=None, name=None):
        super().__init__()
        sys_spec, sys_name = _job_system(system, "a preset, a generator or a topology .json")
        if isinstance(sys_spec, dict):  # an edited preset: the remote command reads it inline
            sys_spec = json.dumps(sys_spec, sort_keys=True)
        if pattern not in self.PATTERNS:
            raise ConfigError(f"job.pattern: expected one of {', '.join(self.PATTERNS)}, got {pattern!r}")
        if op not in self.OPS:
            raise ConfigError(f"job.op: expected {' or '.join(self.OPS)}, got {op!r}")
        if memory_fidelity not in ("fast", "cycle"):
            raise ConfigError(f"job.memory.fidelity: expected fast or cycle, got {memory_fidelity!r}")
        self.update(kind="remote", system=sys_spec, pattern=pattern, op=op,
                    bytes=_byte_count("job.bytes", bytes), access_bytes=_byte_count("job.access_bytes", access_bytes),
                    memory={"preset": memory, "fidelity": memory_fidelity},
                    name=name or f"{os.path.splitext(os.path.basename(sys_name))[0].replace(':', '_')}__{pattern}_{op}")
        for key, value in (("link", link), ("packet", packet), ("tlm_fabric", tlm_fabric)):
            if value is not None:
                if not isinstance(value, dict):
                    raise ConfigError(f"job.{key}: expected a dict of parameters, got {value!r}")
                self[key] = dict(value)
        _check_job_keys("remote", self)


def _byte_count(key, value):
    """An int, or a string with an optional binary suffix K, M or G ("64K", "1M")."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a byte count, got {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value[:-1].isdigit() and value[-1] in "KMG":
        n = int(value[:-1]) << {"K": 10, "M": 20, "G": 30}[value[-1]]
    elif isinstance(value, str) and value.isdigit():
        n = int(value)
    else:
        raise ConfigError(f"{key}: expected a byte count (an int or e.g. '64K', '1M', '2G'), got {value!r}")
    if n < 1:
        raise ConfigError(f"{key}: expected a positive byte count, got {value!r}")
    return n


# The op job's keys are declared once, in C++ (models/op_job.cpp: OpJob's
# schema, `npusim params job.op`); OpRun and the names below are read from it.
# Shape keys stored in the job under another name: the job's own "kind" is "op".
OP_JOB_KEYS = {"kind": "elementwise_kind"}
CUBE_OPS = ("matmul", "attention")  # run on the cube: the dtype needs a cube unit


def job_schema(kind):
    """The declared keys of a job kind (`npusim params job.<kind>`)."""
    return _native.call("schema", f"job.{kind}")


def _op_schema():
    return job_schema("op")


def _op_shape_keys(op):
    """[(keyword, job key, declaration)] of the keys that apply to `op`, in declaration order."""
    back = {v: k for k, v in OP_JOB_KEYS.items()}
    return [(back.get(key, key), key, info) for key, info in _op_schema().items()
            if op in info.get("when", {}).get("op", ())]


def _form(info):
    """The expected form in OpRun's words ("one of add, mul, reduce_sum")."""
    if info["type"] == "enum":
        return "one of " + ", ".join(info["choices"])
    unit = f" ({info['unit']})" if info.get("unit") else ""
    return info["expected"][:len(info["expected"]) - len(unit)] if unit else info["expected"]


def _check_key(info, value, path):
    try:
        return check_value(info, value, path)
    except ConfigError:
        raise ConfigError(f"{path}: expected {_form(info)}, got {value!r}") from None


def __getattr__(name):
    # Read from the schema on first use, so `import npusim` needs no _core.
    if name == "OP_DTYPES":
        return tuple(_op_schema()["dtype"]["choices"])
    if name == "OP_FIDELITIES":
        return tuple(_op_schema()["fidelity"]["choices"])
    if name == "ELEMENTWISE_KINDS":
        return tuple(_op_schema()["elementwise_kind"]["choices"])
    if name == "OP_SHAPES":  # {op: {keyword: declaration}}
        return {op: {kw: info for kw, _, info in _op_shape_keys(op)} for op in _op_schema()["op"]["choices"]}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _op_chip(chip):
    """(job "chip" value, chip name, its ComputeConfig). Accepts a Chip
    (its compute and hbm are sent, so edits take effect), a preset name, or
    the engine's own dict form {"name", "compute", "hbm"}."""
    from .configs.chips import ComputeConfig
    from .memory import MemoryConfig

    if isinstance(chip, str):
        name = chip.lower().replace("-", "_")
        known = _native.call("chip_presets")
        if name not in known:
            raise ConfigError(f"job.chip: chip {chip!r} is unknown; valid chips: {', '.join(known)}")
        return name, name, ComputeConfig(name)
    if isinstance(chip, dict):
        missing = [k for k in ("name", "compute", "hbm") if k not in chip]
        if missing:
            raise ConfigError(f"job.chip: a chip dict needs keys name, compute, hbm; missing {', '.join(missing)}")
        chip = types.SimpleNamespace(name=chip["name"], compute=ComputeConfig(chip["compute"]),
                                     hbm=MemoryConfig(chip["hbm"]))
    compute, hbm = getattr(chip, "compute", None), getattr(chip, "hbm", None)
    name = getattr(chip, "name", None)
    if not isinstance(compute, ParamObject) or not isinstance(hbm, ParamObject) or not isinstance(name, str):
        raise ConfigError(f"job.chip: expected a chip (npusim.configs.chips), a chip preset name or a dict, "
                          f"got {chip!r}")
    for part in (compute, hbm):  # relations a range cannot express (MemoryConfig checks them)
        if hasattr(part, "validate"):
            part.validate()
    return {"name": name, "compute": compute.to_dict(), "hbm": hbm.to_dict()}, name, compute


def _op_label(op, s):
    """The shape part of a default job name ("matmul_4096x4096x4096")."""
    if op == "matmul":
        label = f"matmul_{s['m']}x{s['n']}x{s['k']}"
        if s["batch"] != 1:
            label = f"matmul_b{s['batch']}_{s['m']}x{s['n']}x{s['k']}"
        return label + ("_tA" if s["trans_a"] else "") + ("_tB" if s["trans_b"] else "")
    if op == "attention":
        return (f"attention_b{s['batch']}_h{s['heads']}kv{s['kv_heads']}_d{s['head_dim']}"
                f"_q{s['seq_q']}_kv{s['seq_kv']}" + ("" if s["causal"] else "_nocausal"))
    return f"elementwise_{s['kind']}_{s['elements']}"


class OpRun(dict):
    """A job: one operator on one chip (the cube/vector pipes, L2 and HBM).

    OpRun(chip, op="matmul", m=8192, n=8192, k=8192, dtype="mxfp4")          C = A(MxK) B(KxN)
          [batch=1, trans_a=False, trans_b=False]
    OpRun(chip, op="attention", batch=16, heads=32, kv_heads=8, head_dim=128,
          seq_q=1, seq_kv=32768, dtype="bf16")                   [batch=1, causal=True; kv_heads=heads]
    OpRun(chip, op="elementwise", elements=1 << 24, kind="add")              add, mul or reduce_sum
                                              (job key "elementwise_kind": the job's "kind" is "op")

    `chip`: a Chip (npusim.configs.chips; its compute and hbm configs are
    sent, so edits take effect) or a chip preset name. `dtype`: bf16, fp16,
    fp8, hif8, mxfp8, mxfp4 or int8 (a matmul or attention needs the chip to
    have a cube unit for it). `fidelity`: "cycle" or "fast". `timeline`: a
    file for a Perfetto trace of the pipes (ui.perfetto.dev). Every key,
    its unit, default and doc: `npusim params job.op` (declared once in C++,
    models/op_job.cpp); a key the op does not take is refused naming it.

    The result (npusim.run) holds cycles, time_us, flops, tflops,
    peak_tflops, utilization (0..1), bound (compute, hbm, l2 or latency),
    hbm_bytes, hbm_gbps, hbm_peak_gbps, arithmetic_intensity, cores_used,
    pipes (busy fraction per pipe) and tiling.
    """

    def __init__(self, chip, op="matmul", **keys):
        super().__init__()
        schema = _op_schema()
        _check_key(schema["op"], op, "job.op")
        shape = _op_shape_keys(op)
        common = [k for k, info in schema.items() if "when" not in info and k not in ("kind", "chip", "op")]
        unknown = sorted(set(keys) - set(common) - {kw for kw, _, _ in shape})
        if unknown:
            raise ConfigError(f"job.{unknown[0]}: not a key of op {op!r}; its keys: "
                              f"{', '.join(kw for kw, _, _ in shape)}")
        given = {k: _check_key(schema[k], keys[k], f"job.{k}") for k in common if keys.get(k) is not None}
        dtype = given.setdefault("dtype", schema["dtype"]["default"])
        given.setdefault("fidelity", schema["fidelity"]["default"])
        values = {}
        for kw, key, info in shape:
            if keys.get(kw) is not None:
                values[key] = _check_key(info, keys[kw], f"job.{kw}")
            elif key == "kv_heads":
                values[key] = values["heads"]  # no grouping: one KV head per query head
            elif info.get("required"):
                raise ConfigError(f"job.{kw}: required for op {op!r} (expected {_form(info)})")
            else:
                values[key] = info["default"]
        if op == "attention" and values["heads"] % values["kv_heads"]:
            raise ConfigError(f"job.kv_heads: expected a divisor of heads ({values['heads']}), "
                              f"got {values['kv_heads']}")
        chip_value, chip_name, compute = _op_chip(chip)
        if op in CUBE_OPS and compute.peak_tflops(dtype) <= 0:
            have = [d for d in schema["dtype"]["choices"] if compute.peak_tflops(d) > 0]
            raise ConfigError(f"job.dtype: {chip_name} has no {dtype} unit (peak 0); expected one of "
                              f"{', '.join(have)}")
        label = _op_label(op, {kw: values[key] for kw, key, _ in shape})
        self.update(kind="op", name=given.pop("name", None) or f"{chip_name}__{label}__{dtype}", chip=chip_value,
                    op=op, dtype=dtype, fidelity=given.pop("fidelity"))
        given.pop("dtype")
        self.update(values)
        if "timeline" in given:
            given["timeline"] = os.path.abspath(os.fspath(given["timeline"]))
        self.update(given)
        _check_job_keys("op", self)
