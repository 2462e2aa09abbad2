"""npusim.sweep(): many jobs in parallel, one table back.

Locally, a thread pool where each thread waits on its own engine child
process (the work happens in the children, so threads are enough and no
Python worker is ever reused for a second simulation). With a Dask scheduler,
one task per job runs the engine on a worker. Either way a failed job
becomes a row with an "error" text instead of stopping the sweep.
"""
import concurrent.futures as cf
import copy
import os
import sys
import tempfile
import uuid
import warnings

from .engine import kill_running
from .jobs import safe_name
from .runner import Result, run


def _unique_names(jobs):
    """Job names, made unique (a copied config keeps its name) by '-2', '-3'."""
    seen, names = {}, []
    for job in jobs:
        base = str(job.get("name") or "job")
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def _renamed(job, name):
    if job.get("name") == name:
        return job
    new = copy.copy(job)  # shallow: shares a MemoryRun's (read-only) trace arrays
    new["name"] = name
    return new


class _Failure:
    """A failed run as reported by a Dask task: its message and run directory."""

    def __init__(self, message, out_dir):
        self.message, self.out_dir = message, out_dir


def _progress_bar(total, progress):
    from tqdm import tqdm
    enabled = progress in ("force", "always") or (bool(progress) and sys.stderr.isatty())
    return tqdm(total=total, file=sys.stderr, disable=not enabled, unit="run", desc="npusim sweep")


def _remote_run(job, out_dir, timeout):
    """The Dask task: run on the worker, return plain data (picklable)."""
    try:
        r = run(job, out_dir, timeout)
        return {"ok": True, "result": dict(r), "out_dir": r.out_dir,
                "stats": r.stats, "info": r.stats_info, "config": r.config}
    except Exception as e:  # reported per row, like local failures
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "out_dir": getattr(e, "out_dir", out_dir)}


def _run_local(jobs, dirs, processes, timeout, bar):
    outcomes = [None] * len(jobs)
    pool = cf.ThreadPoolExecutor(max_workers=processes or os.cpu_count() or 1)
    try:
        futures = {pool.submit(run, job, d, timeout): i for i, (job, d) in enumerate(zip(jobs, dirs))}
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                outcomes[i] = fut.result()
            except Exception as e:
                outcomes[i] = e
            bar.update(1)
    except BaseException:  # Ctrl-C: start nothing new, stop what runs
        pool.shutdown(wait=False, cancel_futures=True)
        kill_running()
        raise
    pool.shutdown()
    return outcomes


def _run_dask(jobs, dirs, scheduler, timeout, bar):
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    futures = []
    try:
        tag = uuid.uuid4().hex[:8]
        futures = [client.submit(_remote_run, job, d, timeout, key=f"npusim-{tag}-{i}", pure=False)
                   for i, (job, d) in enumerate(zip(jobs, dirs))]
        index = {f.key: i for i, f in enumerate(futures)}
        outcomes = [None] * len(jobs)
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                p = fut.result()
                outcomes[i] = (Result(p["result"], p["out_dir"], p["stats"], p["info"], p["config"])
                               if p["ok"] else _Failure(p["error"], p["out_dir"]))
            except Exception as e:  # the task itself failed (e.g. worker died)
                outcomes[i] = e
            bar.update(1)
        return outcomes
    except BaseException:  # Ctrl-C: do not leave the cluster busy with our jobs
        client.cancel(futures)
        raise
    finally:
        if client is not scheduler:
            client.close()


def sweep(jobs, processes=None, scheduler=None, progress=True, out_dir=None, timeout=None):
    """Runs every job; returns a pandas DataFrame with one row per job, in input order.

    Columns: name, the result keys, out_dir, error (None when the run worked).
    processes: local parallel runs (default os.cpu_count()). scheduler: a Dask
    address "tcp://host:port" or a distributed.Client (then `out_dir`, if
    given, must be visible to the workers). progress: True shows a bar on a
    TTY, "force" always, False never. out_dir: each job runs in
    out_dir/<job name> (default: a new temporary directory).
    The Result objects are in table.attrs["results"] (None for failures).
    """
    import pandas as pd

    jobs = list(jobs)
    names = _unique_names(jobs)
    jobs = [_renamed(j, n) for j, n in zip(jobs, names)]
    root = os.path.abspath(out_dir) if out_dir else tempfile.mkdtemp(prefix="npusim-sweep-")
    dirs = [os.path.join(root, safe_name(n)) for n in names]
    with _progress_bar(len(jobs), progress) as bar:
        if scheduler is None:
            outcomes = _run_local(jobs, dirs, processes, timeout, bar)
        else:
            outcomes = _run_dask(jobs, dirs, scheduler, timeout, bar)

    rows, failed = [], []
    for name, d, out in zip(names, dirs, outcomes):
        if isinstance(out, Result):
            rows.append({"name": name, **{k: v for k, v in out.items() if k != "name"},
                         "out_dir": out.out_dir, "error": None})
        else:
            msg = out.message if isinstance(out, _Failure) else f"{type(out).__name__}: {out}"
            rows.append({"name": name, "out_dir": getattr(out, "out_dir", None) or d, "error": msg})
            failed.append((name, msg))
    table = pd.DataFrame(rows)
    cols = ["name"] + [c for c in table.columns if c not in ("name", "out_dir", "error")] + ["out_dir", "error"]
    table = table[cols]
    table.attrs["results"] = [o if isinstance(o, Result) else None for o in outcomes]
    if failed:
        warnings.warn(f"npusim.sweep: {len(failed)} of {len(jobs)} runs failed (see the 'error' column); "
                      f"first: {failed[0][0]}: {failed[0][1]}", RuntimeWarning, stacklevel=2)
    return table
