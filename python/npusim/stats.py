"""Reading a run's statistics (written by the C++ stats registry).

stats.json: {"stats": {name: value}, "info": {stat: {"desc", "unit"}}}; a
vector or distribution stat has several flattened values (name::0,
name::mean...) sharing one info entry. stats.txt is gem5-like:
"<name> <value> # <desc> (<unit>)", between Begin/End markers.
"""
import json
import math
import os
import re

_TXT_LINE = re.compile(r"^(\S+)\s+(\S+)(?:\s+#\s?(.*?))?\s*$")
_UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)$")


def read_json(path):
    """(values, info) from a stats.json file or a run directory."""
    if os.path.isdir(path):
        path = os.path.join(path, "stats.json")
    with open(path) as f:
        data = json.load(f)
    values = {k: (math.nan if v is None else v) for k, v in data.get("stats", {}).items()}
    return values, data.get("info", {})


def read_txt(path):
    """(values, info) from a gem5-like stats.txt file or a run directory."""
    if os.path.isdir(path):
        path = os.path.join(path, "stats.txt")
    values, info = {}, {}
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("----------"):
                continue
            m = _TXT_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            name, raw, comment = m.groups()
            try:
                value = int(raw)
            except ValueError:
                value = float(raw)
            values[name] = value
            desc, unit = (comment or ""), ""
            u = _UNIT.match(desc)
            if u:
                desc, unit = u.groups()
            info[name] = {"desc": desc, "unit": unit}
    return values, info


def info_for(name, info):
    """The info entry of a flattened stat name (exact, else its owner stat)."""
    if name in info:
        return info[name]
    base = name
    while True:
        cut = max(base.rfind("::"), base.rfind("."))
        if cut <= 0:
            return {}
        base = base[:cut]
        if base in info:
            return info[base]


def frame(values, info):
    """A pandas DataFrame with columns name, value, unit, desc."""
    import pandas as pd

    rows = [(n, v, info_for(n, info).get("unit", ""), info_for(n, info).get("desc", ""))
            for n, v in values.items()]
    return pd.DataFrame(rows, columns=["name", "value", "unit", "desc"])


def load(path):
    """(values, info) from a run directory: stats.json if present, else stats.txt."""
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, "stats.json")):
        return read_txt(path)
    return read_json(path)
