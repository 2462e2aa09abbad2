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


class GeneratedTopology:
    """A generated fabric by its engine spec ("dragonfly:4:2:2", "fullmesh:8x8",
    "mesh:4x4", ...), which `npusim noc --topology` and `npusim collective
    --system` take as well. All its links get the run's link bandwidth and
    latency (CollectiveRun link_bandwidth_gbps / link_latency_ns; 32 GB/s,
    10 ns unless set, E). For per-class or per-dimension links write a
    topology file with a "generator" key (configs/systems/README.md) and pass
    TopologyFile(path)."""

    def __init__(self, spec):
        self.name = spec

    def to_job(self):
        return self.name

    def __repr__(self):
        return f"GeneratedTopology({self.name!r})"


def _count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"systems.{name}: expected an integer >= {minimum}, got {value!r}")
    return value


def mesh(x, y): return GeneratedTopology(f"mesh:{_count('mesh.x', x)}x{_count('mesh.y', y)}")
def torus(x, y): return GeneratedTopology(f"torus:{_count('torus.x', x)}x{_count('torus.y', y)}")
def ring(n): return GeneratedTopology(f"ring:{_count('ring.n', n, 2)}")


def clos(endpoints, endpoints_per_group, spines):
    """Two-tier non-blocking Clos: `endpoints` NPUs, `endpoints_per_group` per leaf, `spines` spines."""
    return GeneratedTopology(f"clos:{_count('clos.endpoints', endpoints)}"
                             f":{_count('clos.endpoints_per_group', endpoints_per_group)}"
                             f":{_count('clos.spines', spines, 0)}")


def dragonfly(routers_per_group, npus_per_router, global_per_router, groups=None):
    """Dragonfly (Kim et al., ISCA 2008): groups of `routers_per_group` fully connected routers with
    `npus_per_router` NPUs and `global_per_router` global links each; `groups` defaults to the
    maximum routers_per_group * global_per_router + 1. Balanced: a = 2p = 2h."""
    spec = (f"dragonfly:{_count('dragonfly.routers_per_group', routers_per_group)}"
            f":{_count('dragonfly.npus_per_router', npus_per_router)}"
            f":{_count('dragonfly.global_per_router', global_per_router, 0)}")
    if groups is not None:
        spec += f":{_count('dragonfly.groups', groups)}"
    return GeneratedTopology(spec)


def fullmesh(*sizes):
    """UB-Mesh's nD-FullMesh: one size per dimension (fullmesh(8, 8) is a 2-D full mesh of 64 NPUs);
    every NPU links directly to each NPU that differs from it in one coordinate."""
    if not sizes:
        raise ConfigError("systems.fullmesh: expected one size per dimension, e.g. fullmesh(8, 8, 4)")
    return GeneratedTopology("fullmesh:" + "x".join(str(_count(f"fullmesh.dims[{k}]", s, 2))
                                                    for k, s in enumerate(sizes)))


class SuperCluster:
    """Supernodes joined by the scale-out RDMA tier (noc/supercluster.hpp):
    `supernodes` copies of `pod` (a System, edits included, or a preset
    name), each NPU with an RDMA NIC into a leaf/spine Clos. Intra-supernode
    traffic stays on the pod's fabric, inter-supernode traffic takes RDMA;
    run hierarchical all-reduce with group = the pod's NPUs.

    `scale_out` keys (npusim params / noc/supercluster.cpp): nic_bandwidth_gbps,
    nic_latency_ns, npus_per_leaf, spines, uplink_latency_ns,
    oversubscription, cost. The engine checks them and names a bad key.

        sc = systems.SuperCluster(systems.cloudmatrix384(), 4, nic_bandwidth_gbps=100)
        npusim.run(npusim.CollectiveRun(sc, op="allreduce", bytes=1 << 30, algo="hierarchical", group=384))
    """

    def __init__(self, pod, supernodes, name=None, **scale_out):
        self.pod = pod if isinstance(pod, System) else System(pod)
        if not isinstance(supernodes, int) or isinstance(supernodes, bool) or supernodes < 1:
            raise ConfigError(f"supercluster.supernodes: expected an integer >= 1, got {supernodes!r}")
        self.supernodes = supernodes
        # Checked against the C++ declaration now (unknown keys, types,
        # ranges: ConfigError naming supercluster.scale_out.<key>); only the
        # given keys are sent, the engine fills in the rest.
        ParamObject(_native.call("schema", "scale_out"), None, path="supercluster.scale_out",
                    kind="scale_out").update(scale_out)
        self.scale_out = dict(scale_out)
        self.name = name or f"{self.pod.name}_x{supernodes}"
        self._bundled = None  # (name, pod preset, supernodes) of an engine preset

    @classmethod
    def from_spec(cls, spec):
        """The engine's form {"supercluster": {"pod", "supernodes", "scale_out"}}."""
        body = spec.get("supercluster") if isinstance(spec, dict) else None
        if not isinstance(body, dict) or "pod" not in body or "supernodes" not in body:
            raise ConfigError(f"supercluster: expected {{'supercluster': {{'pod': ..., 'supernodes': K}}}}, got {spec!r}")
        return cls(System.from_spec(body["pod"]), body["supernodes"], **body.get("scale_out", {}))

    def validate(self):
        self.pod.validate()
        return self

    def to_job(self):
        b = self._bundled
        if b and not self.scale_out and not self.pod.edits() and (self.pod.preset, self.supernodes) == b[1:]:
            return b[0]  # unedited: the engine's preset, with its cited source
        body = {"pod": self.pod.to_job(), "supernodes": self.supernodes}
        if self.scale_out:
            body["scale_out"] = dict(self.scale_out)
        return {"supercluster": body}

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.scale_out.items())
        return f"SuperCluster({self.pod!r}, {self.supernodes}{extra})"


def _bundled(name, pod, supernodes):
    sc = SuperCluster(System(pod), supernodes, name=name)
    sc._bundled = (name, pod, supernodes)
    return sc


# The engine's bundled SuperClusters (noc/system_presets.cpp, with sources).
def cloudmatrix384_cluster16(): return _bundled("cloudmatrix384_cluster16", "cloudmatrix384", 16)
def atlas950_supercluster(): return _bundled("atlas950_supercluster", "atlas950_superpod", 64)  # 524,288 NPUs
def atlas950_supercluster_8pods(): return _bundled("atlas950_supercluster_8pods", "atlas950_superpod", 8)


def superclusters():
    return [cloudmatrix384_cluster16(), atlas950_supercluster(), atlas950_supercluster_8pods()]
