"""MemoryRun: job dicts and early validation."""
import numpy as np
import pytest

from conftest import REPO, needs_core

pytestmark = needs_core
TRACE = str(REPO / "traces" / "samples" / "stream_read_small.trace")


def test_pattern_job():
    import npusim
    j = npusim.MemoryRun("HBM3", pattern="random", requests=100, size=64, read_fraction=0.5, seed=3)
    assert j["kind"] == "memory" and j["name"] == "hbm3__random" and j["memory"] == "hbm3"
    assert j["trace"] == {"pattern": "random", "requests": 100, "size": 64, "read_fraction": 0.5, "seed": 3}
    assert j["seed"] == 3


def test_trace_job_with_config_object():
    import npusim
    from npusim.configs import chips
    j = npusim.MemoryRun(chips.ascend_950dt(), trace=TRACE)  # a chip means its hbm
    assert j["memory"]["name"] == "ascend_950dt" and j["memory"]["org"]["stacks"] >= 1
    assert j["trace"] == {"file": TRACE, "format": "auto"}
    assert j["name"] == "ascend_950dt__stream_read_small"


@pytest.mark.parametrize("kwargs, cls, message", [
    (dict(pattern="nosuch"), "ConfigError", "job.trace.pattern: unknown pattern 'nosuch'; valid patterns: .*stream_read"),
    (dict(pattern="random", requests=0), "ConfigError", r"job\.trace\.requests: expected an integer in \[1, "),
    (dict(pattern="random", bogus=1), "ConfigError", "job.trace.bogus: unknown parameter of pattern"),
    (dict(pattern="random", read_fraction="x"), "ConfigError", "job.trace.read_fraction"),
    (dict(), "ConfigError", "exactly one of trace="),
    (dict(trace=TRACE, pattern="random"), "ConfigError", "exactly one of trace="),
    (dict(trace="/no/such.trace"), "TraceError", "/no/such.trace: no such trace file"),
    (dict(trace=TRACE, requests=5), "ConfigError", "only apply to pattern= runs"),
    (dict(trace=TRACE, trace_format="xml"), "TraceError", "job.trace.format"),
    (dict(trace=([0, 1], [0, 1], [0, 64], [64, 3])), "TraceError", r"size\[1\] = 3"),
])
def test_validation_is_early(kwargs, cls, message):
    import npusim
    with pytest.raises(getattr(npusim, cls), match=message):
        npusim.MemoryRun("hbm3", **kwargs)


def test_bad_memory():
    import npusim
    with pytest.raises(npusim.ConfigError, match="memory preset 'nope' is unknown"):
        npusim.MemoryRun("nope", pattern="random")
    with pytest.raises(npusim.ConfigError, match="memory.org.stacks"):
        npusim.MemoryRun({"org": {"stacks": 0}}, pattern="random")
    with pytest.raises(npusim.ConfigError, match="job.memory: expected a MemoryConfig"):
        npusim.MemoryRun(42, pattern="random")


def test_array_trace_is_written_at_run_time(tmp_path):
    import npusim
    n = 8
    j = npusim.MemoryRun("hbm3", trace=(np.arange(n), np.zeros(n, bool), np.arange(n) * 64, np.full(n, 64)), unit="ns")
    assert j["trace"]["file"] is None
    spec = j.prepare(str(tmp_path))
    assert spec["trace"]["format"] == "native"
    text = open(spec["trace"]["file"]).read().splitlines()
    assert text[0] == "npusim-memtrace v1 unit=ns" and len(text) == n + 1
