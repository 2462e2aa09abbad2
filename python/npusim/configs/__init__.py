"""Ready-made hardware configs (gem5 style: ordinary Python objects that the
user copies, edits and passes to runs). Numbers come from the C++ presets,
each of which cites its source."""
from . import chips  # noqa: F401
from . import systems  # noqa: F401
