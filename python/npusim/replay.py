"""ReplayRun: operator graphs (traces/opgraph.md) run on a system's chips and
fabric, every rank on its own chip model, communication sharing the links.

    g = npusim.OpGraph(ranks=8)
    ...
    r = npusim.run(npusim.ReplayRun("nvl72", g, chip="b200", fabric="flow"))
    r["time_us"], r["ranks"][0]["exposed_comm_us"], r["critical_path"], r["op_cache"]

Keys are the engine's replay job keys (`npusim params job.replay`), declared
once in C++ (workload/replay_job.cpp); an unknown key is refused by name.
"""
import os

from .errors import ConfigError
from .jobs import _check_key, _job_system, job_schema


class ReplayRun(dict):
    """A job: one operator graph (a .jsonl path or an npusim.OpGraph), or
    several (`jobs=[{trace, ranks, start_us, ...}]`), on `system`.

    ReplayRun(system, trace, chip="ascend_910c", fidelity="fast", fabric="flow",
              op_cache=None, slowdown={"3": 1.5}, delays={"node": ns}, chips={"0-3": ...})
    """

    def __init__(self, system, trace=None, **keys):
        super().__init__()
        schema = job_schema("replay")
        unknown = sorted(set(keys) - set(schema) | ({"kind", "system", "trace"} & set(keys)))
        if unknown:
            raise ConfigError(f"job.{unknown[0]}: not a key of a replay job; its keys: "
                              f"{', '.join(k for k in schema if k not in ('kind', 'system', 'trace'))}")
        if (trace is None) == (keys.get("jobs") is None):
            raise ConfigError("job.trace: give either trace (one graph) or jobs (several), not both or neither")
        sys_spec, sys_name = _job_system(system, "a preset name, a generator or a topology .json")
        self._graphs = {}
        self.update(kind="replay", system=sys_spec)
        if trace is not None:
            self["trace"] = self._trace_value(trace, "job.trace")
        for k, v in keys.items():
            if v is None:
                continue
            info = schema[k]
            if k == "jobs":
                v = [dict(j, trace=self._trace_value(j.get("trace"), f"job.jobs[{i}].trace"))
                     for i, j in enumerate(v)]
            elif info["type"] != "json":
                v = _check_key(info, v, f"job.{k}")
            self[k] = v
        name = self.get("name")
        if not name:
            label = getattr(trace, "name", None) or (os.path.basename(str(trace)) if trace is not None else "jobs")
            self["name"] = f"{sys_name}__{label}"

    def _trace_value(self, trace, path):
        if hasattr(trace, "save"):  # an OpGraph: written into the run directory by prepare()
            token = f"<graph {len(self._graphs)}>"
            self._graphs[token] = trace
            return token
        if isinstance(trace, (str, os.PathLike)):
            return os.path.abspath(os.fspath(trace))
        raise ConfigError(f"{path}: expected an opgraph .jsonl path or an npusim.OpGraph, got {trace!r}")

    def prepare(self, out_dir):
        """The job as sent to the engine: in-memory graphs saved under out_dir."""
        spec = dict(self)
        paths = {}
        for i, (token, g) in enumerate(self._graphs.items()):
            paths[token] = os.path.join(out_dir, f"graph{i}.jsonl")
            g.save(paths[token])
        if spec.get("trace") in paths:
            spec["trace"] = paths[spec["trace"]]
        if "jobs" in spec:
            spec["jobs"] = [dict(j, trace=paths.get(j["trace"], j["trace"])) for j in spec["jobs"]]
        return spec
