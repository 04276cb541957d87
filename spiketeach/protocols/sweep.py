"""Sweeps of independent trials on Dask: resumable, failures recorded, progress reported.

A protocol names its trials (any objects with a unique ``key``) and says how to run the ones not
done yet as tasks (:class:`Task`: a module-level function and its arguments, returning one
record or a list of records); :func:`run_trials` does the rest:

* results stream to ``results.jsonl`` in the output directory, one JSON line per trial, written
  by the driver as tasks finish, flushed and fsynced; a torn last line (killed while writing) is
  ignored (:func:`load_results`);
* ``config.json`` records the protocol's configuration; a re-run with another configuration in
  the same directory is refused, a re-run with the same one skips the trials already done;
* a trial that raised is recorded with its traceback (status "failed", :func:`failed_record`),
  does not stop the sweep, and is tried again on the next run; a task whose worker died is
  recorded as failed for each of its trials;
* tasks run on a local Dask cluster (``workers`` processes, one thread each), on an existing
  scheduler (``scheduler="tcp://host:8786"``; its workers must see the output directory at the
  same path), or, with ``workers=0``, one after the other in this process;
* one progress line per finished task: trials done / total, failures, rate and ETA.

The Samadi et al. (2017) depth-of-learning sweep
(:mod:`spiketeach.protocols.samadi2017.depth_sweep`) is built on it.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spiketeach.core.progress import report
from spiketeach.errors import UsageError

__all__ = ["RESULTS", "CONFIG", "Task", "batches", "failed_record", "load_results", "run_trials"]

RESULTS = "results.jsonl"
CONFIG = "config.json"


@dataclass
class Task:
    """One unit of work: ``fn(*args)`` returns one record (a dict with "key" and "status") or
    a list of them. ``fn`` must be importable by the workers (a module-level function).
    ``trials`` holds the identifying fields (``{"key": ..., ...}``) of the trials it runs: if
    the task itself dies, each is recorded as failed with these fields."""

    fn: Callable
    args: tuple
    trials: list[dict] = field(default_factory=list)


def batches(trials: list, size: int, group=lambda t: None) -> list[list]:
    """Trials in batches of at most ``size`` for one task each (a batched network runs a batch
    at once, :mod:`spiketeach.core.batch`); only trials with the same ``group(trial)`` share a
    batch (e.g. what a batched build holds in common). Order kept: batches in the order of
    their first trial, trials in the given order."""
    if size < 1:
        raise ValueError(f"a batch holds at least one trial, got size {size}")
    open_batches: dict = {}
    out: list[list] = []
    for t in trials:
        key = group(t)
        current = open_batches.get(key)
        if current is None or len(current) == size:
            current = open_batches[key] = []
            out.append(current)
        current.append(t)
    return out


def failed_record(ids: dict) -> dict:
    """The record of a trial that raised (call it inside the ``except`` block): its identifying
    fields, status "failed" and the traceback."""
    return {**ids, "status": "failed", "error": traceback.format_exc(limit=8)}


def load_results(path: str | os.PathLike) -> dict[str, dict]:
    """Trial key -> last record in a results file; a torn (partly written) line is ignored."""
    out = {}
    path = Path(path)
    if not path.exists():
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # killed while writing this line: the trial runs again
            if rec.get("status") == "done" or out.get(rec["key"], {}).get("status") != "done":
                out[rec["key"]] = rec
    return out


def _append(f, record: dict) -> None:
    f.write(json.dumps(record) + "\n")
    f.flush()
    os.fsync(f.fileno())


def _terminate_line(path: Path) -> None:
    """Make sure a torn last line does not glue onto the next record."""
    if path.exists() and path.stat().st_size:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last != b"\n":
            with open(path, "a") as f:
                f.write("\n")


def _check_config(out_dir: Path, config: dict, defaults: dict, ignore) -> None:
    """Refuse to mix trials of another configuration into ``out_dir``; record a new one."""
    path = out_dir / CONFIG
    if path.exists():
        # a field added later and missing from an old config.json holds its default
        old = {**defaults, **json.loads(path.read_text())}
        old = {k: v for k, v in old.items() if k not in ignore}
        if old != {k: v for k, v in config.items() if k not in ignore}:
            raise UsageError(f"{out_dir} holds a sweep with another configuration: {old}; "
                             "choose another --out")
    else:
        path.write_text(json.dumps(config, indent=2))


def run_trials(trials: list, out_dir: str | os.PathLike,
               make_tasks: Callable[[list], list[Task]], *, config: dict | None = None,
               config_defaults: dict | None = None, config_ignore=(), workers: int = 1,
               scheduler: str | None = None, progress=print, on_result=None) -> dict[str, dict]:
    """Run every trial not yet done; return all records (key -> record).

    Parameters
    ----------
    trials : list
        Objects with a unique ``key`` (str).
    out_dir : path
        Holds ``results.jsonl`` and ``config.json``. Re-running with the same ``out_dir`` skips
        done trials.
    make_tasks : callable
        Called with the trials still to run (only if there are any; it may prepare, e.g.
        compile, what they share) and returns the :class:`Task` s that run them.
    config : dict, optional
        The configuration (JSON) every trial of this directory shares.
    config_defaults : dict, optional
        Values of fields missing from an older ``config.json``.
    config_ignore : iterable of str
        Fields that do not change the results (e.g. how trials are grouped into tasks).
    workers : int
        Processes of a local Dask cluster (one thread each); 0 runs in this process (no Dask).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); ``workers`` is then ignored.
        Its workers must see ``out_dir`` (and whatever the tasks read) at the same paths.
    progress : callable
        Gets one line per finished task: trials done/total, failures, ETA.
    on_result : callable, optional
        Called with each record after it is written (tests use it to interrupt a sweep).
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / RESULTS
    if config is not None:
        _check_config(out_dir, config, config_defaults or {}, set(config_ignore))
    done = {k: r for k, r in load_results(results_path).items() if r["status"] == "done"}
    todo = [t for t in trials if t.key not in done]
    total = len(trials)
    progress(f"sweep: {total} trials, {total - len(todo)} already done, {len(todo)} to run")
    if not todo:
        return load_results(results_path)
    tasks = make_tasks(todo)

    _terminate_line(results_path)
    n_done, n_failed, t0 = total - len(todo), 0, time.perf_counter()
    started = n_done
    with open(results_path, "a") as f:
        def record(results):
            nonlocal n_done, n_failed
            if isinstance(results, dict):  # a task of one trial
                results = [results]
            for rec in results:
                _append(f, rec)
                n_done += 1
                if rec["status"] != "done":
                    n_failed += 1
                    seed = f" (seed {rec['seed']})" if "seed" in rec else ""
                    progress(f"trial {rec['key']}{seed} failed:\n{rec['error']}")
                if on_result is not None:
                    on_result(rec)
            rate = (n_done - started) / max(time.perf_counter() - t0, 1e-9)
            eta = (total - n_done) / rate if rate > 0 else float("inf")
            report(progress, f"{n_done}/{total} trials done ({n_failed} failed), "
                   f"{rate * 60:.1f} trials/min, ETA {_fmt_s(eta)}",
                   done=n_done, total=total, failed=n_failed)

        if workers == 0 and scheduler is None:
            for task in tasks:
                record(task.fn(*task.args))
        else:
            from dask.distributed import Client, LocalCluster, as_completed

            cluster = None
            if scheduler is None:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            else:
                client = Client(scheduler)
            try:
                futures = [client.submit(task.fn, *task.args, pure=False) for task in tasks]
                for fut in as_completed(futures):
                    try:
                        results = fut.result()
                    except Exception:  # the worker died: report the trials, go on
                        task = tasks[futures.index(fut)]
                        results = [failed_record(ids) for ids in task.trials]
                    record(results)
                    fut.release()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    return load_results(results_path)


def _fmt_s(s: float) -> str:
    if not np.isfinite(s):
        return "?"
    return f"{int(s // 3600)}h{int(s % 3600 // 60):02d}m" if s >= 3600 else \
        f"{int(s // 60)}m{int(s % 60):02d}s"
