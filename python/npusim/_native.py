"""Access to the compiled extension npusim._core.

Imported lazily so that `import npusim` (and `npusim mem`, which only execs
the engine) works even where the extension is missing; the first call that
needs it gets an ImportError that says what to build. Errors raised by the
extension are re-raised as npusim's own classes so users catch one hierarchy.
"""
import functools

from .errors import ConfigError, TraceError


@functools.lru_cache(maxsize=None)
def core():
    try:
        from . import _core
    except ImportError as e:
        raise ImportError(
            f"npusim's compiled extension npusim._core is not available ({e}); "
            "build it with `cmake --build build` and put build/python on PYTHONPATH, "
            "or install npusim") from e
    return _core


def call(fn_name, *args):
    """core().<fn_name>(*args), with _core.ConfigError/TraceError translated."""
    c = core()
    try:
        return getattr(c, fn_name)(*args)
    except getattr(c, "ConfigError", ()) as e:
        raise ConfigError(str(e)) from None
    except getattr(c, "TraceError", ()) as e:
        raise TraceError(str(e)) from None
