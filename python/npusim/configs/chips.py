"""Chips: named bundles of component configs.

A chip has two components today: `hbm` (MemoryConfig) and `compute`
(ComputeConfig: cube/vector cores, clock, the per-core config, L2, links),
both from the C++ presets of the same name. Chip keeps its components in one
ordered mapping and copy()/to_dict()/repr walk whatever is there.

    from npusim.configs import chips
    dt = chips.ascend_950dt()
    what_if = dt.copy(); what_if.hbm.channels_per_stack *= 2
"""
import copy as _copy
import functools

from .. import _native
from ..memory import MemoryConfig
from ..params import ParamObject


@functools.lru_cache(maxsize=None)
def _compute_schema():
    return _native.call("schema", "chip")


class ComputeConfig(ParamObject):
    """The compute side of a chip (kind "chip", declared in npu/chip/chip_config.cpp)."""

    def __init__(self, values=None):
        super().__init__(_compute_schema(), None, path="chip", kind="chip")
        if isinstance(values, str):
            values = _native.call("chip_preset", values)
        if values is not None:
            self.update(values)

    def peak_tflops(self, dtype):
        """Dense peak TFLOPS (TOPS for int8) for bf16, fp16, fp8, hif8, mxfp8, mxfp4 or int8; 0 if the
        cube has no unit for it."""
        return _native.call("chip_peak_tflops", self.to_dict(), dtype)


class Chip:
    """A chip: `name`, `source` (where its numbers come from) and components
    (`hbm`: MemoryConfig; more kinds later), each reachable as an attribute."""

    def __init__(self, name, source="", **components):
        self.name = name
        self.source = source
        self.components = dict(components)

    def __getattr__(self, name):
        components = self.__dict__.get("components", {})
        if name in components:
            return components[name]
        raise AttributeError(f"chip {self.__dict__.get('name')!r} has no component or attribute {name!r}; "
                             f"components: {', '.join(components) or '(none)'}")

    def __setattr__(self, name, value):
        if name in self.__dict__.get("components", {}):
            self.components[name] = value
        else:
            object.__setattr__(self, name, value)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.components))

    def copy(self, name=None):
        """A deep copy, optionally renamed (components named after the chip,
        like its hbm, follow, so tables tell the copy from the original)."""
        new = _copy.deepcopy(self)
        if name is not None:
            for comp in new.components.values():
                if getattr(comp, "name", None) == self.name:
                    comp.name = name
            new.name = name
        return new

    def to_dict(self):
        out = {"name": self.name, "source": self.source}
        out.update({k: v.to_dict() for k, v in self.components.items()})
        return out

    def __repr__(self):
        parts = ", ".join(f"{k}={getattr(v, 'name', type(v).__name__)!r}" for k, v in self.components.items())
        return f"Chip(name={self.name!r}, {parts})"


def _from_preset(preset):
    hbm = MemoryConfig(preset)
    compute = ComputeConfig(preset)
    return Chip(preset, source=compute.source + " | memory: " + hbm.source, hbm=hbm, compute=compute)


# One function per chip; the memory preset of the same name holds the numbers.
def ascend_910b(): return _from_preset("ascend_910b")
def ascend_910c(): return _from_preset("ascend_910c")
def ascend_950pr(): return _from_preset("ascend_950pr")
def ascend_950dt(): return _from_preset("ascend_950dt")
def ascend_960(): return _from_preset("ascend_960")
def ascend_970(): return _from_preset("ascend_970")
def nvidia_h100(): return _from_preset("nvidia_h100")
def nvidia_b200(): return _from_preset("nvidia_b200")
def nvidia_gb300(): return _from_preset("nvidia_gb300")

_ALL = (ascend_910b, ascend_910c, ascend_950pr, ascend_950dt, ascend_960, ascend_970,
        nvidia_h100, nvidia_b200, nvidia_gb300)


def names():
    return [f.__name__ for f in _ALL]


def all():  # noqa: A001 -- the name the docs promise: chips.all()
    """Every chip, in roadmap order."""
    return [f() for f in _ALL]


def get(name):
    """A chip by name (case-insensitive)."""
    for f in _ALL:
        if f.__name__ == str(name).lower().replace("-", "_"):
            return f()
    from ..errors import ConfigError
    raise ConfigError(f"chip {name!r} is unknown; valid chips: {', '.join(names())}")
