"""Systems: supernodes and their fabrics, as the engine's presets (numbers and
sources in noc/system_presets.cpp).

    from npusim.configs import systems
    r = npusim.run(npusim.CollectiveRun(systems.cloudmatrix384(), op="alltoall", bytes=64 << 20))
"""


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
