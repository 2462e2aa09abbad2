"""Array traces: validation (index of the bad request) and the native writer."""
import numpy as np
import pytest

from npusim import TraceError
from npusim import tracefile


def arrays(n=4):
    return (np.arange(n), np.array([0, 1] * (n // 2), bool), np.arange(n) * 64, np.full(n, 64))


def test_write_native(tmp_path):
    p = tracefile.write_native(tmp_path / "t.trace", tracefile.from_arrays(arrays()), unit="ns")
    lines = open(p).read().splitlines()
    assert lines[0] == "npusim-memtrace v1 unit=ns"
    assert lines[1:3] == ["0 R 0x0 64", "1 W 0x40 64"]


def test_dict_and_dataframe_and_string_ops():
    import pandas as pd
    t, w, a, s = arrays()
    df = pd.DataFrame({"time": t, "is_write": w, "addr": a, "size": s})
    assert tracefile.from_arrays(df)[2].tolist() == a.tolist()
    got = tracefile.from_arrays({"time": t, "op": ["R", "W", "r", "WRITE"], "address": a, "size": s})
    assert got[1].tolist() == [False, True, False, True]


@pytest.mark.parametrize("mutate, message", [
    (lambda t, w, a, s: (t[::-1].copy(), w, a, s), r"time\[1\] = 2 < time\[0\] = 3"),
    (lambda t, w, a, s: (t, w, a, np.array([64, 48, 64, 64])), r"size\[1\] = 48: expected a power of two"),
    (lambda t, w, a, s: (t, w, a, np.array([64, 64, 8192, 64])), r"size\[2\] = 8192"),
    (lambda t, w, a, s: (t, w, np.array([0, -1, 0, 0]), s), r"addr\[1\] = -1"),
    (lambda t, w, a, s: (t, w, np.array([0, 0, 0, 2**64 - 32], dtype=np.uint64), s), r"addr\[3\].*past 2\^64"),
    (lambda t, w, a, s: (t[:3], w, a, s), "lengths differ"),
    (lambda t, w, a, s: (t[:0], w[:0], a[:0], s[:0]), "no requests"),
    (lambda t, w, a, s: (t + 0.5, w, a, s), r"time\[0\] = 0.5"),
])
def test_bad_arrays(mutate, message):
    with pytest.raises(TraceError, match=message):
        tracefile.from_arrays(mutate(*arrays()))


def test_missing_column():
    with pytest.raises(TraceError, match="missing column 'size'"):
        tracefile.from_arrays({"time": [0], "is_write": [0], "addr": [0]})
