"""Systems: supernodes and their fabrics, as the engine's presets (numbers and
sources in noc/system_presets.cpp), topology files, or generated topologies.

    from npusim.configs import systems
    r = npusim.run(npusim.CollectiveRun(systems.cloudmatrix384(), op="alltoall", bytes=64 << 20))
    r = npusim.run(npusim.CollectiveRun(systems.dragonfly(4, 2, 2), op="alltoall", bytes=64 << 20,
                                        link_bandwidth_gbps=50, link_latency_ns=100))
    r = npusim.run(npusim.CollectiveRun(systems.fullmesh(8, 8, 4), op="allreduce", bytes="1G"))

A generated system's name is the engine's generator spec ("dragonfly:4:2:2"),
which `npusim-engine noc --topology` takes as well; all its links get the
run's link bandwidth and latency (32 GB/s, 10 ns unless set, E). For
per-class or per-dimension links write a topology file with a "generator"
key (configs/systems/README.md) and pass System(path).
"""
from ..errors import ConfigError


class System:
    """A named system preset (or a topology .json file, via System(path))."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"System({self.name!r})"


def cloudmatrix384(): return System("cloudmatrix384")
def atlas950_superpod(): return System("atlas950_superpod")
def atlas960_superpod(): return System("atlas960_superpod")
def nvl72(): return System("nvl72")


def all():  # noqa: A001 -- mirrors chips.all()
    return [cloudmatrix384(), atlas950_superpod(), atlas960_superpod(), nvl72()]


def _count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"systems.{name}: expected an integer >= {minimum}, got {value!r}")
    return value


def mesh(x, y): return System(f"mesh:{_count('mesh.x', x)}x{_count('mesh.y', y)}")
def torus(x, y): return System(f"torus:{_count('torus.x', x)}x{_count('torus.y', y)}")
def ring(n): return System(f"ring:{_count('ring.n', n, 2)}")


def clos(endpoints, endpoints_per_group, spines):
    """Two-tier non-blocking Clos: `endpoints` NPUs, `endpoints_per_group` per leaf, `spines` spines."""
    return System(f"clos:{_count('clos.endpoints', endpoints)}:{_count('clos.endpoints_per_group', endpoints_per_group)}"
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
    return System(spec)


def fullmesh(*sizes):
    """UB-Mesh's nD-FullMesh: one size per dimension (fullmesh(8, 8) is a 2-D full mesh of 64 NPUs);
    every NPU links directly to each NPU that differs from it in one coordinate."""
    if not sizes:
        raise ConfigError("systems.fullmesh: expected one size per dimension, e.g. fullmesh(8, 8, 4)")
    return System("fullmesh:" + "x".join(str(_count(f"fullmesh.dims[{k}]", s, 2)) for k, s in enumerate(sizes)))
