"""npusim: a gem5-style simulator of NPUs and HBM, driven from Python.

    import npusim
    from npusim.configs import chips
    dt = chips.ascend_950dt()
    r = npusim.run(npusim.MemoryRun(dt.hbm, pattern="stream_read", requests=20000))
    print(r["bandwidth_gbps"], r.stats_frame())
    r = npusim.run(npusim.OpRun(dt, op="matmul", m=8192, n=8192, k=8192, dtype="mxfp4"))
    print(r["tflops"], r["utilization"], r["bound"])

Every simulation runs in its own `npusim-engine` child process (SystemC can
elaborate only once per process); run() returns a Result, sweep() a table.
"""
from . import configs, memory
from .errors import (ConfigError, NpusimError, ProtocolError, SimulationError, StallError,
                     TraceError)
from .jobs import CollectiveRun, MemoryRun, OpRun, RemoteRun
from .opgraph import OpGraph
from .replay import ReplayRun
from .runner import Result, run
from .sweep import sweep

__version__ = "0.1.0"

__all__ = ["run", "sweep", "MemoryRun", "CollectiveRun", "OpRun", "RemoteRun", "OpGraph", "ReplayRun", "Result", "ConfigError",
           "TraceError", "ProtocolError",
           "StallError", "SimulationError", "NpusimError", "memory", "configs", "__version__"]
