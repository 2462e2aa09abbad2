"""ParamObject: validation with key paths, shortcuts, copy and round trip.
Uses a hand-written schema in the format _core.schema() exports."""
import copy
import pickle

import pytest

from npusim import ConfigError
from npusim.params import ParamObject

SCHEMA = {
    "name": {"type": "string", "doc": "Name", "unit": "", "default": "m", "expected": "a string"},
    "policy": {"type": "enum", "doc": "Policy", "unit": "", "default": "open", "choices": ["open", "closed"],
               "expected": "one of 'open', 'closed'"},
    "checker": {"type": "bool", "doc": "Check", "unit": "", "default": False, "expected": "true or false"},
    "org": {"type": "group", "doc": "Organisation", "kind": "hbm_org", "params": {
        "channels_per_stack": {"type": "int", "doc": "Channels", "unit": "", "default": 16, "min": 1, "max": 64,
                               "expected": "an integer in [1, 64]"},
        "rows": {"type": "int", "doc": "Rows per bank", "unit": "", "default": 32768, "min": 16},
    }},
    "timing": {"type": "group", "doc": "Timing", "kind": "hbm_timing", "params": {
        "tCK_ps": {"type": "float", "doc": "Clock", "unit": "ps", "default": 625.0, "min": 100, "max": 100000},
        "nCL": {"type": "int", "doc": "CAS", "unit": "tCK", "default": 24, "min": 1, "max": 255,
                "expected": "an integer in [1, 255] (tCK)"},
    }},
}


def make():
    return ParamObject(SCHEMA, path="memory", kind="memory")


def test_defaults_and_nested_access():
    m = make()
    assert m.name == "m" and m.org.channels_per_stack == 16 and m.timing.tCK_ps == 625.0
    assert isinstance(m.org, ParamObject)


def test_assignment_is_validated_with_full_key_path():
    m = make()
    with pytest.raises(ConfigError, match=r"^memory\.org\.channels_per_stack: expected an integer in \[1, 64\], got 'x'$"):
        m.org.channels_per_stack = "x"
    with pytest.raises(ConfigError, match=r"memory\.org\.channels_per_stack: .* got 65"):
        m.org.channels_per_stack = 65
    with pytest.raises(ConfigError, match=r"memory\.timing\.nCL: expected an integer in \[1, 255\] \(tCK\), got 2.5"):
        m.timing.nCL = 2.5
    with pytest.raises(ConfigError, match="memory.policy: expected one of 'open', 'closed', got 'x'"):
        m.policy = "x"
    with pytest.raises(ConfigError, match="memory.checker"):
        m.checker = 1
    with pytest.raises(ConfigError, match=r"memory\.timing\.tCK_ps: expected a number in \[100, 100000\] \(ps\)"):
        m.timing.tCK_ps = float("nan")
    with pytest.raises(ConfigError, match="memory.org.rows"):
        m.org.rows = True  # bools are not integers here
    assert m.org.channels_per_stack == 16  # failed assignments change nothing


def test_numeric_conversions():
    import numpy as np
    m = make()
    m.org.channels_per_stack = 8.0
    assert m.org.channels_per_stack == 8 and type(m.org.channels_per_stack) is int
    m.org.channels_per_stack = np.int64(4)
    m.timing.tCK_ps = 500
    assert type(m.timing.tCK_ps) is float
    m.checker = np.bool_(True)
    assert m.checker is True


def test_unknown_names_list_valid_ones():
    m = make()
    with pytest.raises(ConfigError, match=r"memory\.org\.chanels_per_stack: unknown parameter of hbm_org "
                                          r"\(did you mean 'channels_per_stack'\?\); valid names: channels_per_stack, rows"):
        m.org.chanels_per_stack = 3
    with pytest.raises(ConfigError, match="valid names: name, policy, checker, org, timing"):
        m.bogus
    assert not hasattr(m, "bogus")  # also an AttributeError


def test_leaf_shortcut_supports_augmented_assignment():
    m = make()
    m.channels_per_stack *= 2
    assert m.org.channels_per_stack == 32
    with pytest.raises(ConfigError, match="memory.org.channels_per_stack"):
        m.channels_per_stack *= 4
    assert "channels_per_stack" in dir(m) and "org" in dir(m)


def test_item_access_and_group_assignment():
    m = make()
    m["org.rows"] = 1024
    assert m["org.rows"] == 1024 and m.org.rows == 1024
    m.timing = {"nCL": 30}
    assert m.timing.nCL == 30 and m.timing.tCK_ps == 625.0
    with pytest.raises(ConfigError, match="memory.timing: expected an object"):
        m.timing = 3


def test_update_is_strict_and_atomic():
    m = make()
    with pytest.raises(ConfigError, match="memory.timing.nCL"):
        m.update({"org": {"rows": 64}, "timing": {"nCL": 0}})
    assert m.org.rows == 32768
    with pytest.raises(ConfigError, match="memory.channels_per_stack: unknown parameter"):
        m.update({"channels_per_stack": 4})  # dicts must use the real structure


def test_copy_round_trip_and_equality():
    m = make()
    m.org.rows = 64
    c = m.copy()
    c.org.rows = 128
    assert m.org.rows == 64 and c.org.rows == 128
    d = m.to_dict()
    assert d["org"] == {"channels_per_stack": 16, "rows": 64}
    assert ParamObject(SCHEMA, d, path="memory") == m
    assert pickle.loads(pickle.dumps(m)) == m
    assert copy.deepcopy(m) == m


def test_describe_and_repr():
    m = make()
    text = m.describe()
    assert "memory.timing.nCL" in text and "tCK" in text and "CAS" in text
    r = repr(m)
    assert r.startswith("memory(name='m'") and "org=<2 params>" in r
    assert repr(m.timing).startswith("hbm_timing(")
