"""Memory traces from arrays: validation and the native writer.

Spec: traces/memory.md. The checks here are the reader's rules applied to
arrays up front, so a bad array fails in the user's script (with the index of
the bad request), not later in a child process (with a line number in a file
the user never wrote).
"""
import numpy as np

from .errors import TraceError

FIELDS = ("time", "is_write", "addr", "size")
UNITS = ("cycle", "ns", "ps")
_ALIASES = {"time": ("time", "cycle", "t"), "is_write": ("is_write", "write", "op"),
            "addr": ("addr", "address"), "size": ("size", "bytes")}


def _column(data, field):
    for key in _ALIASES[field]:
        if key in data:
            return data[key]
    raise TraceError(f"trace arrays: missing column {field!r}; expected columns {', '.join(FIELDS)}")


def _unsigned(values, field):
    a = np.asarray(values)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.floor(a)):
            i = int(np.flatnonzero(~np.isfinite(a) | (a != np.floor(a)))[0])
            raise TraceError(f"trace arrays: {field}[{i}] = {a[i]!r}: expected an unsigned integer")
    elif a.dtype.kind not in "iub":
        raise TraceError(f"trace arrays: {field} has dtype {a.dtype}; expected unsigned integers")
    if a.dtype.kind in "if" and a.size and a.min() < 0:
        i = int(np.flatnonzero(a < 0)[0])
        raise TraceError(f"trace arrays: {field}[{i}] = {a[i]!r}: expected an unsigned integer")
    return a.astype(np.uint64)


def _is_write(values):
    a = np.asarray(values)
    if a.dtype.kind in "US":  # "R"/"W" strings, as in the file format
        up = np.char.upper(a.astype(str))
        bad = ~np.isin(up, ["R", "W", "READ", "WRITE"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise TraceError(f"trace arrays: is_write[{i}] = {a[i]!r}: expected a bool or 'R'/'W'")
        return np.isin(up, ["W", "WRITE"])
    if a.dtype.kind not in "biu":
        raise TraceError(f"trace arrays: is_write has dtype {a.dtype}; expected bools (True = write)")
    return a.astype(bool)


def from_arrays(data):
    """(time, is_write, addr, size) as validated numpy arrays.

    `data`: a tuple/list of 4 arrays in that order, a dict, or a pandas
    DataFrame with those columns (aliases: cycle, write/op, address, bytes).
    """
    if isinstance(data, (tuple, list)):
        if len(data) != 4:
            raise TraceError(f"trace arrays: expected 4 arrays ({', '.join(FIELDS)}), got {len(data)}")
        cols = list(data)
    else:
        cols = [_column(data, f) for f in FIELDS]
    time, addr, size = (_unsigned(cols[i], FIELDS[i]) for i in (0, 2, 3))
    is_write = _is_write(cols[1])
    lengths = {f: len(a) for f, a in zip(FIELDS, (time, is_write, addr, size))}
    if len(set(lengths.values())) != 1:
        raise TraceError(f"trace arrays: lengths differ: {lengths}")
    n = lengths["time"]
    if n == 0:
        raise TraceError("trace arrays: no requests; a run that simulates 0 requests is always a mistake")
    back = np.flatnonzero(time[1:] < time[:-1])
    if back.size:
        i = int(back[0]) + 1
        raise TraceError(f"trace arrays: time[{i}] = {time[i]} < time[{i - 1}] = {time[i - 1]}: "
                         "times must be non-decreasing")
    bad = (size == 0) | (size > 4096) | ((size & (size - np.uint64(1))) != 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise TraceError(f"trace arrays: size[{i}] = {size[i]}: expected a power of two from 1 to 4096 bytes")
    over = addr > (np.uint64(2**64 - 1) - size + np.uint64(1))
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise TraceError(f"trace arrays: addr[{i}] = {int(addr[i]):#x} + size {size[i]} runs past 2^64")
    return time, is_write, addr, size


def write_native(path, arrays, unit="cycle"):
    """Writes validated arrays as a native v1 trace (header, then R/W lines)."""
    if unit not in UNITS:
        raise TraceError(f"trace unit {unit!r} is unknown; expected one of {', '.join(UNITS)}")
    time, is_write, addr, size = arrays
    ops = np.where(is_write, "W", "R")
    with open(path, "w") as f:
        f.write(f"npusim-memtrace v1 unit={unit}\n")
        f.writelines(f"{t} {o} {a:#x} {s}\n"
                     for t, o, a, s in zip(time.tolist(), ops.tolist(), addr.tolist(), size.tolist()))
    return path
