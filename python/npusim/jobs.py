"""Jobs: what one simulation should do, as the JSON the engine reads.

A job is a plain dict (`npusim-engine job job.json`), so it can be saved,
sent to a Dask worker and rerun exactly. Job builders validate everything
they can in the user's process, so mistakes surface at the line that made
them rather than inside a child process minutes into a sweep.
"""
import os
import re

from . import _native, tracefile
from .errors import ConfigError, TraceError
from .params import ParamObject

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


class CollectiveRun(dict):
    """A job: one collective on a system through the fabric model.

    CollectiveRun(systems.nvl72(), op="alltoall", bytes=64 << 20)
    CollectiveRun("cloudmatrix384", op="allreduce", bytes="1G", ranks=64, algo="ring")

    `system`: a System (npusim.configs.systems), a preset name, or a
    topology .json path. `fidelity`: "flow" (packet level is not built yet;
    the engine refuses it with a clear error). Values are checked by the
    engine, which names the offending key.
    """

    OPS = ("allreduce", "allgather", "reducescatter", "alltoall")

    def __init__(self, system, op, bytes, *, ranks=None, algo=None, fidelity="flow", name=None):  # noqa: A002
        super().__init__()
        sys_name = getattr(system, "name", system)
        if isinstance(sys_name, os.PathLike) or (isinstance(sys_name, str) and sys_name.endswith(".json")):
            sys_name = os.path.abspath(os.fspath(sys_name))
        if not isinstance(sys_name, str) or not sys_name:
            raise ConfigError(f"job.system: expected a system, a preset name or a topology .json, got {system!r}")
        if op not in self.OPS:
            raise ConfigError(f"job.op: expected one of {', '.join(self.OPS)}, got {op!r}")
        self.update(kind="collective", system=sys_name, op=op, bytes=bytes, fidelity=fidelity,
                    name=name or f"{os.path.splitext(os.path.basename(sys_name))[0]}__{op}__{bytes}")
        if ranks is not None:
            self["ranks"] = int(ranks)
        if algo is not None:
            self["algo"] = algo
