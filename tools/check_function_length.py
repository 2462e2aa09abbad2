#!/usr/bin/python3
"""List functions longer than a limit (default 80 lines) in the model folders.

    tools/check_function_length.py [--limit N] [--strict] [folder-or-file ...]

Heuristic, not a C++ parser: it strips comments, string and character
literals, tracks braces, and treats a `{` at namespace or class scope whose
header has a parameter list as the start of a function body (constructors
with initialiser lists included; lambdas and local classes count towards the
function that holds them). A function's length runs from the first line of
its header to its closing brace. Prints `path:line: name: N lines`, longest
first; with --strict the exit status is 1 when any function is over.
"""
import argparse
import os
import re
import sys

MODEL_FOLDERS = ["sim", "memory", "npu", "noc", "models", "workload"]
SOURCE_EXT = (".cpp", ".hpp", ".h", ".cc")
CONTROL = re.compile(r"^(if|for|while|switch|catch|do|else|return|try)\b")
SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b")


def strip(text):
    """Blanks comments and literals (keeping newlines) so braces inside them do not count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """Yields (name, first line, last line) of each function body at namespace or class scope."""
    s = strip(text)
    stack = []  # kinds of the open braces: "scope", "func", "block"
    header_start = 0  # offset where the current declaration began
    func_open = None  # (name, start line) of the function whose body is open
    line = 1
    for i, c in enumerate(s):
        if c == "\n":
            line += 1
        in_body = any(k == "func" for k in stack)
        if c in ";}" and not in_body:
            header_start = i + 1
        if c == "{":
            if in_body:
                stack.append("block")
                continue
            # The declaration starts at its first line that is not blank, a
            # preprocessor line or an access label.
            pre = s[header_start:i].split("\n")
            skip = 0
            while skip < len(pre) - 1 and (not pre[skip].strip() or pre[skip].strip().startswith("#") or
                                           re.fullmatch(r"\s*(public|private|protected)\s*:\s*", pre[skip])):
                skip += 1
            header = "\n".join(pre[skip:]).strip()
            header = re.sub(r"^(public|private|protected)\s*:", "", header).strip()
            first = line - (len(pre) - 1 - skip)
            if SCOPE.search(header.split("(")[0]) or header.startswith("extern") or not header:
                stack.append("scope")
            elif "(" in header and not CONTROL.match(header) and not re.search(r"=\s*$", header):
                m = re.search(r"([~\w:]+(?:operator\s*\S+)?)\s*\(", header)
                name = m.group(1) if m else header.split("(")[0].split()[-1]
                stack.append("func")
                func_open = (name, first)
            else:
                stack.append("block")
            header_start = i + 1
        elif c == "}":
            kind = stack.pop() if stack else "scope"
            if kind == "func":
                yield func_open[0], func_open[1], line
                func_open = None
            if not any(k == "func" for k in stack):
                header_start = i + 1


def scan(paths, root):
    found = []
    for p in paths:
        files = []
        if os.path.isdir(p):
            for d, _, names in os.walk(p):
                files += [os.path.join(d, f) for f in sorted(names) if f.endswith(SOURCE_EXT)]
        else:
            files.append(p)
        for f in sorted(files):
            with open(f, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for name, a, b in functions(text):
                found.append((b - a + 1, os.path.relpath(f, root), a, name))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="folders or files (default: the model folders)")
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a function is over the limit")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = a.paths or [os.path.join(root, d) for d in MODEL_FOLDERS]
    over = sorted((f for f in scan(paths, root) if f[0] > a.limit), key=lambda f: (-f[0], f[1], f[2]))
    for n, path, ln, name in over:
        print(f"{path}:{ln}: {name}: {n} lines")
    print(f"{len(over)} function(s) over {a.limit} lines", file=sys.stderr)
    return 1 if (a.strict and over) else 0


if __name__ == "__main__":
    sys.exit(main())
