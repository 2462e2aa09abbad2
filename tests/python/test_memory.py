"""MemoryConfig, presets and chips against the real schema (_core)."""
import json

import pytest

from conftest import REPO, needs_core

pytestmark = needs_core

PRESETS = ["ascend_910b", "ascend_910c", "ascend_950pr", "ascend_950dt", "ascend_960", "ascend_970",
           "nvidia_b200", "nvidia_gb300", "hbm2e", "hbm3", "hbm3e"]


def test_presets_listed_and_case_insensitive():
    from npusim import memory
    names = memory.presets()
    assert set(PRESETS) <= set(names)
    assert memory.preset("HBM3E").name == "hbm3e"
    assert memory.preset("950dt").name == "ascend_950dt"  # a unique suffix is enough
    assert memory.hbm3e() == memory.preset("hbm3e")       # module helpers named after presets
    assert "ascend_970" in dir(memory)


def test_unknown_preset_lists_valid_names():
    from npusim import ConfigError, memory
    with pytest.raises(ConfigError, match="memory preset 'hbm9' is unknown; valid presets: .*hbm3e"):
        memory.preset("hbm9")
    with pytest.raises(AttributeError):
        memory.hbm9


def test_memory_config_validation_names_key_path():
    from npusim import ConfigError
    from npusim.memory import MemoryConfig
    m = MemoryConfig("hbm3")
    with pytest.raises(ConfigError, match=r"^memory\.org\.channels_per_stack: expected an integer in \[1, 64\], got 'x'$"):
        m.channels_per_stack = "x"
    with pytest.raises(ConfigError, match=r"memory\.timing\.nCL: expected an integer in \[1, 255\] \(tCK\), got -3"):
        m.timing.nCL = -3
    m.org.channels_per_stack = 12  # in range, but not a power of two: the C++ cross-checks catch it
    with pytest.raises(ConfigError, match="memory.org.channels_per_stack: expected a power of two"):
        m.validate()
    with pytest.raises(ConfigError, match="read-only"):
        m.peak_bandwidth_gbps = 3


def test_peak_bandwidth_scales_with_channels():
    from npusim.configs import chips
    dt = chips.ascend_950dt()
    what_if = dt.copy()
    what_if.hbm.channels_per_stack *= 2
    assert dt.hbm.org.channels_per_stack * 2 == what_if.hbm.org.channels_per_stack
    assert what_if.hbm.peak_bandwidth_gbps == pytest.approx(2 * dt.hbm.peak_bandwidth_gbps)
    assert 3900 < dt.hbm.peak_bandwidth_gbps < 4100  # 4 TB/s class


def test_chips():
    from npusim.configs import chips
    from npusim import _native
    all_chips = chips.all()
    assert [c.name for c in all_chips] == chips.names()
    # Python offers every C++ chip preset, in the C++ order.
    assert chips.names() == list(_native.call("chip_presets"))
    for c in all_chips:
        assert c.hbm.name == c.name and c.compute.name == c.name
        assert c.hbm.source in c.source and c.compute.source in c.source and c.compute.source
    assert chips.get("Ascend-950PR").name == "ascend_950pr"
    with pytest.raises(AttributeError, match="components: hbm"):
        chips.ascend_960().cores
    assert "hbm" in dir(chips.ascend_960())
    c = chips.ascend_950dt().copy("dt_2x")
    assert c.name == "dt_2x" and c.hbm.name == "dt_2x"


def test_round_trip_through_core_and_json(tmp_path):
    from npusim import memory
    from npusim import _native
    m = memory.preset("ascend_950pr")
    assert _native.call("resolve_memory", m.to_dict()) == m.to_dict()
    path = m.save(tmp_path / "m.json")
    assert memory.load(path) == m and json.loads(path.read_text())["name"] == "ascend_950pr"
    assert memory.MemoryConfig.from_dict(m.to_dict()) == m
    partial = memory.MemoryConfig({"org": {"stacks": 2}})
    assert partial.org.stacks == 2 and partial.timing.nCL == memory.MemoryConfig().timing.nCL


def test_load_dramsim3_ini_and_missing_file(tmp_path):
    from npusim import ConfigError, memory
    with pytest.raises(ConfigError, match="no such memory config file"):
        memory.load(tmp_path / "none.ini")
    inis = sorted((REPO / "configs").rglob("*.ini"))
    if inis:
        assert memory.load(inis[0]).org.stacks >= 1


def test_help_lists_units_and_docs(capsys):
    from npusim import memory
    memory.preset("hbm3").help()
    out = capsys.readouterr().out
    assert "memory.timing.nRCDRD" in out and "tCK" in out and "ACT to RD" in out
    assert repr(memory.preset("hbm3")).startswith("MemoryConfig(name='hbm3'")


def test_chip_compute_peaks_match_the_reference():
    # ../shared/reference/hardware.md: 950DT 1 PFLOPS FP8 / 2 PFLOPS MXFP4 (V),
    # 970 4 / 8 PFLOPS (V), B200 2.25 PFLOPS BF16 (V), 910B ~376 TFLOPS FP16 (R).
    from npusim.configs import chips
    expect = {("ascend_950dt", "fp8"): 1000, ("ascend_950dt", "mxfp4"): 2000, ("ascend_970", "fp8"): 4000,
              ("nvidia_b200", "bf16"): 2250, ("ascend_910b", "fp16"): 376}
    for (name, dtype), tflops in expect.items():
        assert abs(chips.get(name).compute.peak_tflops(dtype) - tflops) / tflops < 0.02
    assert chips.ascend_910b().compute.peak_tflops("fp8") == 0  # no FP8 cube
    c = chips.ascend_950dt().copy("what_if")
    c.compute.cube_cores *= 2
    assert abs(c.compute.peak_tflops("fp8") - 2000) < 40
