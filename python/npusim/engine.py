"""Finding and running the engine executable, and mapping its exit status.

SystemC elaborates once per process (a second model fails with E529), so
every simulation runs in a fresh `npusim-engine` child process; the parent
never simulates. The engine reports errors as one stderr line
"npusim: <Category>: <message>" and a category exit code (errors.EXIT_CODES).
"""
import os
import re
import shutil
import signal
import subprocess
import threading

from .errors import EXIT_CODES, SimulationError

_MESSAGE = re.compile(r"^npusim: (\w+): (.*)$")
_live, _live_lock = set(), threading.Lock()  # running children, for kill_running()


def find_engine():
    """Path of npusim-engine: $NPUSIM_ENGINE, else the build-tree neighbour of
    this package (build/python/npusim -> build/npusim-engine), else PATH."""
    env = os.environ.get("NPUSIM_ENGINE")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise SimulationError(f"NPUSIM_ENGINE={env} is not an executable file")
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    candidate = os.path.normpath(os.path.join(here, "..", "..", "npusim-engine"))
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("npusim-engine")
    if found:
        return found
    raise SimulationError("npusim-engine not found: set NPUSIM_ENGINE, build it "
                          "(cmake --build build), or install npusim")


def engine_env():
    env = dict(os.environ)
    env.setdefault("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1")
    return env


def error_from_exit(returncode, stderr, out_dir=None):
    """The npusim exception for a failed engine run (carrying its stderr)."""
    lines = [ln for ln in (stderr or "").splitlines() if ln.strip()]
    categorised = [m for m in map(_MESSAGE.match, lines) if m]
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
        message = f"engine killed by {sig}"
        if lines:
            message += f"; last stderr line: {lines[-1]}"
        cls = SimulationError
    else:
        cls = EXIT_CODES.get(returncode, SimulationError)
        if categorised:
            message = categorised[-1].group(2)
            if cls is SimulationError:
                message = f"{categorised[-1].group(1)}: {message}"
        else:
            message = lines[-1] if lines else "no message on stderr"
        if cls is SimulationError:
            message = f"engine exited with status {returncode}: {message}"
    return cls(message, stderr=stderr, returncode=returncode, out_dir=out_dir)


def run_engine(args, timeout=None, out_dir=None):
    """Runs `npusim-engine *args`; returns its stdout, raises on failure.

    The child gets its own session so that a timeout or Ctrl-C kills it and
    anything it started, never leaving a simulation running behind us."""
    proc = subprocess.Popen([find_engine(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=engine_env(), start_new_session=True)
    with _live_lock:
        _live.add(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        stdout, stderr = proc.communicate()
        raise SimulationError(f"engine timed out after {timeout:g} s and was killed",
                              stderr=stderr, returncode=proc.returncode, out_dir=out_dir) from None
    except BaseException:  # KeyboardInterrupt, thread shutdown: do not orphan the child
        _kill(proc)
        proc.wait()
        raise
    finally:
        with _live_lock:
            _live.discard(proc)
    if proc.returncode != 0:
        raise error_from_exit(proc.returncode, stderr, out_dir)
    return stdout


def kill_running():
    """Kills every engine child this process started that is still running
    (a sweep interrupted by Ctrl-C: the children are in their own sessions,
    so the terminal's SIGINT does not reach them)."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill(proc)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
