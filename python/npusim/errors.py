"""One exception class per error category, mirroring sim/errors.hpp.

The engine reports a category through its exit code; the runner maps it back
to these classes so Python callers can catch by category, never by parsing
messages. ConfigError and TraceError are ValueErrors (bad input); the others
are RuntimeErrors (the simulation itself went wrong).
"""


class NpusimError(Exception):
    """Base of every error npusim raises on purpose.

    `stderr` holds the engine's stderr text when the error came from a child
    process; `returncode` its exit status (negative: killed by that signal);
    `out_dir` the run directory (logs and partial outputs are kept there).
    """

    def __init__(self, message, *, stderr=None, returncode=None, out_dir=None):
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode
        self.out_dir = out_dir


class ConfigError(NpusimError, ValueError):
    """A parameter is unknown, of the wrong type or out of range; the message
    names the full key path (e.g. memory.timing.nCL) and the expected form."""


class UnknownParamError(ConfigError, AttributeError):
    """An attribute that is not a parameter. Also an AttributeError so that
    hasattr(), copy and IPython's probing behave as Python code expects."""


class TraceError(NpusimError, ValueError):
    """A trace is malformed; the message names file:line and the expected form."""


class ProtocolError(NpusimError, RuntimeError):
    """A model broke a timing/protocol rule (a model or parameter bug)."""


class StallError(NpusimError, RuntimeError):
    """The simulation stopped making progress while work was outstanding."""


class SimulationError(NpusimError, RuntimeError):
    """The engine crashed, was killed by a signal, timed out, or failed
    without a categorised error (internal error, usage error, missing output)."""


# Engine exit codes (sim/errors.hpp, ExitCode) -> exception class.
EXIT_CODES = {
    3: ConfigError,
    4: TraceError,
    5: ProtocolError,
    6: StallError,
}
