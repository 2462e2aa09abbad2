"""pytest setup: import npusim from the build tree and use its engine.

The build stages the package in <build>/python/npusim next to the compiled
extension, and the engine at <build>/npusim-engine. NPUSIM_BUILD_DIR
overrides <build> (default: build/ at the repository root).
"""
import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("NPUSIM_BUILD_DIR", REPO / "build")).resolve()
ENGINE = BUILD / "npusim-engine"

sys.path.insert(0, str(BUILD / "python"))
if not (BUILD / "python" / "npusim" / "__init__.py").exists():
    sys.path.insert(0, str(REPO / "python"))  # not built yet: the pure-Python parts still test
if ENGINE.exists() and "NPUSIM_ENGINE" not in os.environ:
    os.environ["NPUSIM_ENGINE"] = str(ENGINE)
os.environ.setdefault("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1")


def _have_core():
    try:
        import npusim._core  # noqa: F401
        return True
    except ImportError:
        return False


HAVE_CORE = _have_core()
HAVE_ENGINE = ENGINE.exists()
needs_core = pytest.mark.skipif(not HAVE_CORE, reason="npusim._core is not built")
needs_engine = pytest.mark.skipif(not (HAVE_CORE and HAVE_ENGINE), reason="npusim-engine / _core not built")

FAKE_ENGINE = r'''#!/usr/bin/python3
# A stand-in for npusim-engine: behaviour chosen by the job name.
import json, os, signal, sys, time
args = sys.argv[1:]
if args[:1] == ["mem"]:
    sys.stderr.write("npusim: UsageError: unknown argument '%s' for 'mem'\n" % args[1]); sys.exit(2)
job = json.load(open(args[1])); out = args[3]; name = job.get("name", "")
if name.startswith("crash"):
    sys.stderr.write("about to crash\n"); sys.stderr.flush(); os.kill(os.getpid(), signal.SIGSEGV)
if name.startswith("hang"):
    time.sleep(60)
if name.startswith("config"):
    sys.stderr.write("npusim: ConfigError: memory.timing.nCL: expected an integer in [1, 255] (tCK), got -3\n"); sys.exit(3)
if name.startswith("trace"):
    sys.stderr.write("npusim: TraceError: t.trace:3: unknown op (got 'X'); expected R or W\n"); sys.exit(4)
if name.startswith("protocol"):
    sys.stderr.write("npusim: ProtocolError: RD too early\n"); sys.exit(5)
if name.startswith("stall"):
    sys.stderr.write("npusim: StallError: no progress for 100 us\n"); sys.exit(6)
if name.startswith("internal"):
    sys.stderr.write("npusim: InternalError: bad_alloc\n"); sys.exit(10)
if name.startswith("silent"):
    sys.exit(0)
json.dump({"name": name, "cycles": 100, "bandwidth_gbps": 1.5, "row_hit_rate": 0.5}, open(out + "/result.json", "w"))
json.dump({"stats": {"system.mem.reads": 10, "system.mem.read_latency::mean": 2.5},
           "info": {"system.mem.reads": {"desc": "Reads", "unit": "request"},
                    "system.mem.read_latency": {"desc": "Read latency", "unit": "tCK"}}},
          open(out + "/stats.json", "w"))
json.dump(job, open(out + "/config.json", "w"))
'''


@pytest.fixture
def fake_engine(tmp_path, monkeypatch):
    """NPUSIM_ENGINE pointing at a scripted stand-in (error mapping tests)."""
    path = tmp_path / "fake-engine"
    path.write_text(FAKE_ENGINE)
    path.chmod(0o755)
    monkeypatch.setenv("NPUSIM_ENGINE", str(path))
    return path


@pytest.fixture
def repo():
    return REPO


def pytest_report_header(config):
    """Says which npusim is under test, and whether its staged copy is stale."""
    import filecmp
    import npusim
    here = pathlib.Path(npusim.__file__).parent
    lines = [f"npusim from {here}; _core: {HAVE_CORE}; engine: {os.environ.get('NPUSIM_ENGINE', '(none)')}"]
    src = REPO / "python" / "npusim"
    if here != src:
        stale = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if not (here / p.relative_to(src)).exists() or not filecmp.cmp(p, here / p.relative_to(src), False)]
        if stale:
            lines.append(f"WARNING: staged package differs from python/npusim ({', '.join(stale[:5])}...); "
                         "rebuild (cmake --build build) to restage")
    return lines
