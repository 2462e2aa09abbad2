"""npusim.run(): one job, one engine child process, one Result.

Each run gets a directory holding job.json (what was asked), config.json
(the fully resolved job, for exact reruns), result.json, stats.txt and
stats.json. Nothing is simulated in this process.
"""
import json
import os
import tempfile

from . import stats as _stats
from .engine import run_engine
from .errors import SimulationError
from .jobs import safe_name


class Result(dict):
    """The summary of one run (the keys of result.json: name, cycles, time_ns,
    bandwidth_gbps, pct_peak, avg_read_latency_ns, row_hit_rate, ...).

    .out_dir         the run directory
    .stats           {stat name: value} (stats.json)
    .stats_frame()   a DataFrame with columns name, value, unit, desc
    .config          the resolved job the engine ran (config.json)
    """

    def __init__(self, summary, out_dir=None, stats=None, info=None, config=None):
        super().__init__(summary)
        self.out_dir = out_dir
        self._stats, self._info, self._config = stats, info, config

    def _load_stats(self):
        if self._stats is None:
            if not self.out_dir:
                raise SimulationError("this result has no run directory to read stats from")
            self._stats, self._info = _stats.load(self.out_dir)
        return self._stats, self._info

    @property
    def stats(self):
        return self._load_stats()[0]

    @property
    def stats_info(self):
        return self._load_stats()[1]

    def stats_frame(self):
        return _stats.frame(*self._load_stats())

    @property
    def config(self):
        if self._config is None and self.out_dir:
            with open(os.path.join(self.out_dir, "config.json")) as f:
                self._config = json.load(f)
        return self._config

    def __reduce__(self):
        # dict subclasses pickle their items but not extra state unless told.
        return (Result, (dict(self), self.out_dir, self._stats, self._info, self._config))

    def __repr__(self):
        return f"Result({dict.__repr__(self)}, out_dir={self.out_dir!r})"


def run(job, out_dir=None, timeout=None):
    """Runs `job` (a MemoryRun or a job dict) in a fresh engine process.

    out_dir: the run directory (created; default: a new temporary directory,
    kept so the stats stay readable). timeout: seconds before the child is
    killed (SimulationError). Engine failures raise ConfigError, TraceError,
    ProtocolError, StallError or SimulationError carrying the child's stderr.
    """
    if not isinstance(job, dict):
        raise TypeError(f"run() expects a job (e.g. npusim.MemoryRun(...)), got {type(job).__name__}")
    if out_dir is None:
        out_dir = tempfile.mkdtemp(prefix=f"npusim-{safe_name(job.get('name', 'run'))}-")
    out_dir = os.path.abspath(os.fspath(out_dir))
    os.makedirs(out_dir, exist_ok=True)
    spec = job.prepare(out_dir) if hasattr(job, "prepare") else dict(job)
    job_path = os.path.join(out_dir, "job.json")
    with open(job_path, "w") as f:
        json.dump(spec, f, indent=2)
    run_engine(["job", job_path, "--out", out_dir], timeout=timeout, out_dir=out_dir)
    result_path = os.path.join(out_dir, "result.json")
    try:
        with open(result_path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        raise SimulationError(f"engine exited 0 but {result_path} is missing or unreadable: {e}",
                              out_dir=out_dir) from None
    return Result(summary, out_dir)
