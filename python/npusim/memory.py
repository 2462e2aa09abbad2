"""HBM memory configurations: MemoryConfig objects and the presets.

The parameters (and their docs, units, ranges) come from the C++ declaration
in memory/hbm_config.cpp via _core.schema("memory"); the presets are data
owned by the C++ side too, so Python and `npusim-engine mem --config <preset>`
always agree. Every preset helper is also a module function named after the
preset: `npusim.memory.hbm3e()`, `npusim.memory.ascend_950dt()`.
"""
import functools
import json
import os

from . import _native
from .errors import ConfigError
from .params import ParamObject


@functools.lru_cache(maxsize=None)
def _schema():
    return _native.call("schema", "memory")


class MemoryConfig(ParamObject):
    """An HBM memory system (kind "memory").

    MemoryConfig()                      every parameter at its default
    MemoryConfig({"org": {"stacks": 8}}) defaults overridden by a (partial) dict
    MemoryConfig("hbm3e", name="x")     a preset, then keyword overrides
    """

    def __init__(self, values=None, **overrides):
        super().__init__(_schema(), None, path="memory", kind="memory")
        if isinstance(values, str):
            values = _native.call("memory_preset", _preset_name(values))
        if values is not None:
            self.update(values)
        for key, value in overrides.items():
            setattr(self, key, value)

    @classmethod
    def from_dict(cls, values):
        return cls(values)

    def save(self, path):
        """Writes the config as JSON: `npusim mem --config path.json` and
        npusim.memory.load() read it back."""
        self.validate()
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2)
        return path

    def validate(self):
        """Checks relations a single range cannot express (powers of two, burst
        length vs beats per clock, watermarks ordered...); raises ConfigError."""
        _native.call("resolve_memory", self.to_dict())
        return self

    @property
    def peak_bandwidth_gbps(self):
        """Theoretical peak in GB/s: channels x pseudo-channels x width x data rate."""
        return float(_native.call("peak_bandwidth_gbps", self.to_dict()))

    @property
    def is_estimate(self):
        """True when the numbers are labelled as estimates in `source`."""
        return is_estimate(self.source)


def is_estimate(source):
    """Source strings use V vendor / P paper / R report / E estimate."""
    s = (source or "").strip()
    # Preset sources are "V: ...; E: ..." segments: any E segment means some
    # of the numbers (organisation, timing, data rate) are our estimates.
    return s.upper().startswith("E") or "E:" in s or "estimate" in s.lower()


def presets():
    """Names of the built-in memory presets."""
    return list(_native.call("memory_presets"))


def _preset_name(name):
    """Canonical preset name: case-insensitive, '-' == '_', and a unique
    suffix is enough ("950dt" -> "ascend_950dt")."""
    names = presets()
    want = str(name).strip().lower().replace("-", "_")
    by_lower = {n.lower(): n for n in names}
    if want in by_lower:
        return by_lower[want]
    tails = [n for n in names if n.lower().endswith("_" + want)]
    if len(tails) == 1:
        return tails[0]
    raise ConfigError(f"memory preset {name!r} is unknown; valid presets: {', '.join(names)}")


def preset(name):
    """A MemoryConfig holding the preset `name` (see presets())."""
    return MemoryConfig(name)


def load(path):
    """A MemoryConfig from a .json memory config or a DRAMSim3 .ini file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such memory config file (expected .json or DRAMSim3 .ini)")
    return MemoryConfig(_native.call("load_memory_config", path))


def __getattr__(name):
    # Module functions named after the presets: npusim.memory.hbm3e().
    if not name.startswith("_"):
        try:
            canonical = _preset_name(name)
        except (ConfigError, ImportError):
            canonical = None
        if canonical == name:
            def make():
                return preset(name)
            make.__name__ = make.__qualname__ = name
            make.__doc__ = f"The {name!r} memory preset as a MemoryConfig."
            return make
    raise AttributeError(f"module 'npusim.memory' has no attribute {name!r}")


def __dir__():
    try:
        names = presets()
    except ImportError:
        names = []
    return sorted(set(globals()) | set(names))
