#!/usr/bin/env python3
"""Checks the dependency rule of layers.json: a file in a layer folder may
include headers of its own folder and of the layers that folder lists,
nothing above or beside it. Prints each offending include as
file:line: what it includes and what the layer may include; exits 1 when
there is any.

    check_layers.py [ROOT]     (ROOT defaults to the repository)
"""
import json
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"/]+)/')


def violations(root):
    rules = {k: set(v) for k, v in json.loads((root / "layers.json").read_text()).items() if not k.startswith("_")}
    found = []
    for layer, allowed in rules.items():
        folder = root / layer
        if not folder.is_dir():
            continue
        visible = allowed | {layer}
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".cpp", ".hpp", ".h", ".cc"):
                continue
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and m.group(1) in rules and m.group(1) not in visible:
                    found.append(f"{path.relative_to(root)}:{n}: includes {m.group(1)}/ but layer '{layer}' "
                                 f"may include only {', '.join(sorted(visible))} (layers.json)")
    return found


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    bad = violations(root)
    for b in bad:
        print(b)
    print(f"layers: {len(bad)} include(s) break the dependency rule" if bad else "layers: every include points down")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
