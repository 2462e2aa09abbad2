"""Systems: supernodes and their fabrics, as editable presets.

A System's parameters (npus, npus_per_server, ub.link.bandwidth_gbps,
ub.l2.radix, ...) are declared once in C++ (noc/system_params.cpp, with
units, docs and ranges; `npusim params system` lists them) and the presets'
numbers and sources come from there too. Assignments are checked at once;
relations between parameters (the L2 radix must be a multiple of the
servers) are checked by validate(), which CollectiveRun calls.

    from npusim.configs import systems
    s = systems.cloudmatrix384()
    s.ub.link.bandwidth_gbps = 800        # per NPU, one direction
    s.ub.l2.radix = 96                     # half as many L2 switches, same bandwidth
    r = npusim.run(npusim.CollectiveRun(s, op="alltoall", bytes=64 << 20))

The run's job sends only the edits ({"preset": "cloudmatrix384", "ub":
{...}}); its config.json records every resolved parameter.
"""
import copy as _copy
import functools
import json
import os

from .. import _native
from ..errors import ConfigError
from ..params import ParamObject


@functools.lru_cache(maxsize=None)
def _schema():
    return _native.call("schema", "system")


@functools.lru_cache(maxsize=None)
def _preset_values(preset):
    return _native.call("system_preset", preset)


def _diff(values, base):
    """The part of nested dict `values` that differs from `base`."""
    out = {}
    for key, value in values.items():
        if isinstance(value, dict):
            sub = _diff(value, base[key])
            if sub:
                out[key] = sub
        elif value != base[key]:
            out[key] = value
    return out


def _flat(d, prefix=""):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


class System(ParamObject):
    """A supernode preset whose parameters can be edited (kind "system").

    System("cloudmatrix384")                         the preset
    System("cloudmatrix384", {"ub": {"l2": {"radix": 96}}}, npus=192)
    System.from_spec({"preset": "nvl72", ...})       the engine's own form

    .preset        the preset it started from (read-only)
    .edits()       the parameters that differ from the preset (nested dict)
    .validate()    checks relations between parameters (ConfigError)
    .shape()       switch and link counts of the topology it builds
    .to_job()      what a job sends: the preset name, or {"preset", edits}
    .save(path)    {"preset", edits} as JSON: `npusim collective --system path`
    """

    def __init__(self, preset, values=None, **overrides):
        known = presets()
        key = str(preset).lower().replace("-", "_")
        if key not in known:
            raise ConfigError(f"system.preset: unknown preset {preset!r}; expected one of {', '.join(known)}")
        super().__init__(_schema(), _preset_values(key), path="system", kind="system")
        object.__setattr__(self, "_preset", key)
        if values is not None:
            self.update(values)
        for name, value in overrides.items():
            setattr(self, name, value)

    @classmethod
    def from_spec(cls, spec):
        """A preset name or {"preset": name, <edited parameters>}."""
        if isinstance(spec, str):
            return cls(spec)
        if not isinstance(spec, dict) or not isinstance(spec.get("preset"), str):
            raise ConfigError(f"system: expected a preset name or {{'preset': <name>, <edited parameters>}}, "
                              f"got {spec!r}")
        values = {k: v for k, v in spec.items() if k != "preset"}
        return cls(spec["preset"], values)

    @property
    def preset(self):
        return self._preset

    def __setattr__(self, name, value):
        if name == "preset":
            raise ConfigError("system.preset: read-only (the preset this system started from); "
                              "start from another one with systems.System(name)")
        super().__setattr__(name, value)

    def edits(self):
        return _diff(self.to_dict(), _preset_values(self._preset))

    def to_job(self):
        edits = self.edits()
        return dict(preset=self._preset, **edits) if edits else self._preset

    def save(self, path):
        """Writes {"preset": ..., <edits>} as JSON, which `npusim collective
        --system <path>` and System.load() read back."""
        self.validate()
        with open(path, "w") as f:
            json.dump(dict(preset=self._preset, **self.edits()), f, indent=2)
        return path

    @classmethod
    def load(cls, path):
        with open(path) as f:
            try:
                spec = json.load(f)
            except ValueError as e:
                raise ConfigError(f"{path}: not valid JSON ({e}); expected {{'preset': <name>, <edits>}}") from None
        return cls.from_spec(spec)

    def validate(self):
        _native.call("resolve_system", dict(preset=self._preset, **self.edits()))
        return self

    def shape(self):
        """{npus, servers, switches, l1_switches, l2_switches, links} of the built topology."""
        return _native.call("system_shape", dict(preset=self._preset, **self.edits()))

    def copy(self, name=None):
        """A deep copy, optionally renamed (results show the name)."""
        new = _copy.deepcopy(self)
        if name is not None:
            new.name = name
        return new

    def __repr__(self):
        base = _preset_values(self._preset)
        edits = [f"{path}={value!r} (was {_lookup(base, path)!r})" for path, value in _flat(self.edits())]
        head = f"System({self.name!r}, preset={self._preset!r}" if self.name != self._preset else f"System({self.name!r}"
        shape = (f"npus={self.npus}, {self.topology}, ub.link.bandwidth_gbps={self.ub.link.bandwidth_gbps:g}"
                 if not edits else "edited: " + ", ".join(edits))
        return f"{head}, {shape})"


def _lookup(d, path):
    for part in path.split("."):
        d = d[part]
    return d


class TopologyFile:
    """A fabric graph from a topology .json ({nodes, links}; noc/topology.hpp)."""

    def __init__(self, path):
        self.name = os.path.abspath(os.fspath(path))

    def to_job(self):
        return self.name

    def __repr__(self):
        return f"TopologyFile({self.name!r})"


@functools.lru_cache(maxsize=None)
def _presets():
    return tuple(_native.call("system_presets"))


def presets():
    """Names of the editable presets (from the C++ side)."""
    return list(_presets())


def cloudmatrix384(): return System("cloudmatrix384")
def atlas950_superpod(): return System("atlas950_superpod")
def atlas960_superpod(): return System("atlas960_superpod")
def nvl72(): return System("nvl72")


def get(name):
    """A system by preset name (case-insensitive)."""
    return System(name)


def all():  # noqa: A001 -- mirrors chips.all()
    return [System(n) for n in presets()]
