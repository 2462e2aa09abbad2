"""ParamObject: a config object built from a schema exported by the C++ side.

Parameters are declared once in C++ (sim/params.hpp) with type, unit,
default, range and doc; `_core.schema(kind)` exports those declarations and
this class turns them into ordinary Python attributes. Checking happens on
assignment, so a typo or a bad value fails on the line that caused it, with
the full key path (memory.org.channels_per_stack) in the message, instead of
later inside the engine.

Schema entry: {"type": "int|float|bool|string|enum|group|json", "doc", "unit",
"default", "min"?, "max"?, "choices"?, "expected", "required"?, "when"?} and,
for groups, {"kind", "params": {...}}. A default of None means "no
default": the parameter is required, or derived from others when absent.
"when": {key: [values]} -- the parameter applies only when the sibling
`key` holds one of `values` (a job's per-operator keys).
"""
import copy as _copy
import difflib
import math
import numbers

from .errors import ConfigError, UnknownParamError


def _expected(info):
    """The expected form as the C++ side words it ("an integer in [1, 64] (tCK)")."""
    if info.get("expected"):
        return info["expected"]
    kinds = {"int": "an integer", "float": "a number", "bool": "true or false",
             "string": "a string", "group": "an object"}
    s = kinds.get(info["type"]) or "one of " + ", ".join(repr(c) for c in info.get("choices", []))
    lo, hi = info.get("min"), info.get("max")
    if lo is not None and hi is not None:
        s += f" in [{lo:g}, {hi:g}]"
    elif lo is not None:
        s += f" >= {lo:g}"
    elif hi is not None:
        s += f" <= {hi:g}"
    return s + (f" ({info['unit']})" if info.get("unit") else "")


def check_value(info, value, path):
    """Returns `value` converted to the parameter's type, or raises ConfigError."""
    def bad():
        raise ConfigError(f"{path}: expected {_expected(info)}, got {value!r}")

    t = info["type"]
    if t == "int":
        # Like the C++ reader: 4.0 is accepted as 4 (JSON writers emit floats), 4.5 is not.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            bad()
        if not isinstance(value, numbers.Integral):
            if not math.isfinite(value) or value != math.floor(value):
                bad()
        value = int(value)
    elif t == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            bad()
        value = float(value)
        if not math.isfinite(value):
            bad()
    elif t == "bool":
        if not isinstance(value, bool) and type(value).__name__ != "bool_":
            bad()
        return bool(value)
    elif t == "json":  # a preset name, a file path or an object: the engine resolves it
        if not isinstance(value, (str, dict)):
            bad()
        return value
    elif t in ("string", "enum"):
        if not isinstance(value, str):
            bad()
        if t == "enum" and value not in info.get("choices", ()):
            bad()
        return value
    else:
        raise ConfigError(f"{path}: parameter type {t!r} is not supported")
    if value < info.get("min", -math.inf) or value > info.get("max", math.inf):
        bad()
    return value


class ParamObject:
    """Parameters of one schema `kind`, as attributes.

    obj.name              read a parameter (groups are nested ParamObjects)
    obj.name = v          validated assignment (ConfigError naming the key path)
    obj.leaf              a parameter of a nested group, if its name is unique
                          (hbm.channels_per_stack -> hbm.org.channels_per_stack)
    obj["org.rows"]       dotted-path access
    obj.copy(), obj.to_dict(), obj.update(dict), obj.describe(), obj.help()
    """

    def __init__(self, schema, values=None, path="", kind=""):
        # Internal state lives in __dict__ directly; __setattr__ is for parameters.
        object.__setattr__(self, "_schema", schema)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_kind", kind or path)
        object.__setattr__(self, "_values", {})
        for name, info in schema.items():
            sub = self._join(name)
            if info["type"] == "group":
                self._values[name] = ParamObject(info["params"], None, sub, info.get("kind", name))
            elif info.get("default") is None:  # required, or derived from others when absent
                self._values[name] = None
            else:
                self._values[name] = check_value(info, info["default"], sub)
        if values is not None:
            self.update(values)

    # -- attribute protocol ---------------------------------------------------
    def _join(self, name):
        return f"{self._path}.{name}" if self._path else name

    def _resolve(self, name):
        """(owner ParamObject, name) for a direct parameter or a unique nested one."""
        if name in self._schema:
            return self, name
        owners = self._find_leaf(name)
        if len(owners) == 1:
            return owners[0], name
        if len(owners) > 1:
            where = ", ".join(o._join(name) for o in owners)
            raise UnknownParamError(f"{self._join(name)}: ambiguous; use one of {where}")
        raise self._unknown(name, list(self._schema) + self._leaf_names())

    def _unknown(self, name, candidates):
        close = difflib.get_close_matches(name, candidates, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return UnknownParamError(f"{self._join(name)}: unknown parameter of {self._kind}{hint}; "
                                 f"valid names: {', '.join(self._schema)}")

    def _find_leaf(self, name):
        found = []
        for key, info in self._schema.items():
            if info["type"] == "group":
                child = self._values[key]
                if name in child._schema:
                    found.append(child)
                else:
                    found.extend(child._find_leaf(name))
        return found

    def _leaf_names(self):
        names = []
        for key, info in self._schema.items():
            if info["type"] == "group":
                child = self._values[key]
                names += list(child._schema) + child._leaf_names()
        return names

    def __getattr__(self, name):
        # Only reached when normal lookup fails. Private and dunder names are
        # never parameters (pickle/copy probe them before __init__ has run).
        if name.startswith("_"):
            raise AttributeError(name)
        owner, key = self._resolve(name)
        return owner._values[key]

    def __setattr__(self, name, value):
        if name.startswith("_") or (name not in self._schema and hasattr(type(self), name)):
            # Properties and methods of subclasses are not parameters.
            if isinstance(getattr(type(self), name, None), property):
                raise ConfigError(f"{self._join(name)}: is derived from other parameters and read-only")
            object.__setattr__(self, name, value)
            return
        owner, key = self._resolve(name)
        owner._set(key, value)

    def _set(self, key, value):
        info, path = self._schema[key], self._join(key)
        if info["type"] == "group":
            if isinstance(value, ParamObject):
                value = value.to_dict()
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: expected an object of {info.get('kind', key)} parameters "
                                  f"(a dict), got {value!r}")
            self._values[key].update(value)
        elif value is None and info.get("default") is None:
            self._values[key] = None  # back to "not given"
        else:
            self._values[key] = check_value(info, value, path)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._schema) | set(self._leaf_names()))

    # Item access reaches parameters whose names a method shadows as well.
    def __getitem__(self, dotted):
        obj = self
        for part in dotted.split("."):
            owner, key = obj._resolve(part)
            obj = owner._values[key]
        return obj

    def __setitem__(self, dotted, value):
        *parents, last = dotted.split(".")
        obj = self[".".join(parents)] if parents else self
        owner, key = obj._resolve(last)
        owner._set(key, value)

    # -- whole-object operations ------------------------------------------------
    def update(self, values):
        """Applies a (partial, nested) dict; keys absent keep their value.
        Atomic: on a ConfigError nothing is changed."""
        if isinstance(values, ParamObject):
            values = values.to_dict()
        if not isinstance(values, dict):
            raise ConfigError(f"{self._path or self._kind}: expected an object of {self._kind} "
                              f"parameters (a dict), got {values!r}")
        trial = self.copy()
        for key, value in values.items():
            if key not in trial._schema:  # dicts are strict: no leaf shortcuts
                raise self._unknown(key, list(self._schema))
            trial._set(key, value)
        self._values.update(trial._values)
        return self

    def to_dict(self):
        return {k: (v.to_dict() if isinstance(v, ParamObject) else v) for k, v in self._values.items()}

    def copy(self):
        return _copy.deepcopy(self)

    def __deepcopy__(self, memo):
        new = object.__new__(type(self))
        new.__dict__.update({k: _copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return new

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __eq__(self, other):
        if isinstance(other, ParamObject):
            return self._kind == other._kind and self.to_dict() == other.to_dict()
        if isinstance(other, dict):
            return self.to_dict() == other
        return NotImplemented

    __hash__ = None  # mutable

    def _rows(self):
        """(path, value, unit, doc) for every leaf parameter, depth first."""
        out = []
        for key, info in self._schema.items():
            value = self._values[key]
            if info["type"] == "group":
                out += value._rows()
            else:
                out.append((self._join(key), value, info.get("unit", ""), info.get("doc", "")))
        return out

    def describe(self):
        """A text table: parameter path, value, unit, doc."""
        rows = [(p, repr(v), u, d) for p, v, u, d in self._rows()]
        w0 = max([len(r[0]) for r in rows] + [9])
        w1 = max([len(r[1]) for r in rows] + [5])
        w2 = max([len(r[2]) for r in rows] + [4])
        lines = [f"{'parameter':<{w0}}  {'value':<{w1}}  {'unit':<{w2}}  doc"]
        lines += [f"{p:<{w0}}  {v:<{w1}}  {u:<{w2}}  {d}" for p, v, u, d in rows]
        return "\n".join(lines)

    def help(self):
        print(self.describe())

    def __repr__(self):
        # Concise: name first, other values (long strings cut), then group sizes.
        leaves, groups = [], []
        for key, info in self._schema.items():
            value = self._values[key]
            if info["type"] == "group":
                groups.append(f"{key}=<{len(info['params'])} params>")
            else:
                text = repr(value)
                text = text if len(text) <= 32 else text[:28] + "...'"
                (leaves.insert(0, f"{key}={text}") if key == "name" else leaves.append(f"{key}={text}"))
        # Nested groups are plain ParamObjects: show their kind (hbm_timing).
        label = type(self).__name__ if type(self) is not ParamObject else self._kind
        return f"{label}({', '.join(leaves + groups)})"
