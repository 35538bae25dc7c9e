"""`run`, `status` and `load_results`: the study engine's public entry points."""

from __future__ import annotations

import numbers
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netaval._pool import default_workers, start_pool, stop_pool
from netaval._validation import Boolean, Interval, Options, check_param, forwarded_from
from netaval.errors import InvalidParameterError
from netaval.study._executors import EXECUTORS, iterate
from netaval.study._schema import load_study
from netaval.study._store import Store, WriteBehind

__all__ = ["run", "status", "load_results", "StudyStatus", "default_out"]


def default_out(study) -> Path:
    """``<study folder>/results/<size>`` for a study file, else ``./<name>-results/<size>``."""
    size = study.size or "default"
    if study.source:
        return Path(study.source).resolve().parent / "results" / size
    return Path.cwd() / f"{study.name}-results" / size


def run(path_or_spec: Any, *, out: str | os.PathLike | None = None, executor: str = "processes",
        workers: int | None = None, scheduler: str | None = None, progress: bool = True,
        size: str | None = None, restart: bool = False, report: bool = True):
    """Run (or resume) a study and return its results table.

    Parameters
    ----------
    path_or_spec : str, os.PathLike, dict or Study
        A study TOML file (schema in ``studies/README.md``), the same as a dict, or a
        `Study` from `load_study`.
    out : str or os.PathLike, optional
        Output folder; default ``<study folder>/results/<size>``. A folder that already
        holds this study is resumed: finished tasks are skipped.
    executor : {"serial", "processes", "dask"}, default "processes"
        Where tasks run: this process, local worker processes, or a Dask cluster.
    workers : int, optional
        Worker processes ("processes", and the LocalCluster of "dask"); default one per core.
    scheduler : str, optional
        Address of a Dask scheduler ("dask" only); default: start a `distributed.LocalCluster`.
    progress : bool, default True
        Show a progress bar over tasks and list failures at the end (on stderr).
    size : str, optional
        The ``[sizes.NAME]`` table to apply (see `load_study`).
    restart : bool, default False
        Delete the results of a different study found in ``out`` and start over (otherwise
        a changed study is refused).
    report : bool, default True
        Write the tables and figures of the study's ``[report]`` when every task is done.

    Returns
    -------
    pandas.DataFrame
        One row per finished task, sorted by task index (failed tasks are absent; see
        `status`).

    Raises
    ------
    InvalidParameterError
        For an invalid study (naming the key), an invalid argument, a changed study in
        ``out``, or an unwritable ``out``; nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> from netaval import study
    >>> spec = {"study": {"name": "demo", "seed": 1}, "grid": {"n_nodes": [100]},
    ...         "limits": {"n_steps": 500},
    ...         "topologies": [{"generator": "random", "params": {"k": 4.0}}],
    ...         "models": [{"model": "branching", "params": {"drive": 0.01},
    ...                     "sweep": {"sigma": [0.5, 0.9]}}],
    ...         "analyses": [{"name": "density"}]}
    >>> with tempfile.TemporaryDirectory() as out:
    ...     table = study.run(spec, out=out, executor="serial", progress=False)
    >>> table["task"].tolist(), table["param.sigma"].tolist()
    ([0, 1], [0.5, 0.9])
    >>> bool(table["density.density"].iloc[1] > table["density.density"].iloc[0])
    True
    """
    owner = "netaval.study.run"
    check_param(owner, "executor", executor, Options(EXECUTORS))
    check_param(owner, "workers", workers, Interval(numbers.Integral, 1, allow_none=True))
    check_param(owner, "progress", progress, Boolean())
    check_param(owner, "restart", restart, Boolean())
    check_param(owner, "report", report, Boolean())
    if scheduler is not None and (executor != "dask" or not isinstance(scheduler, str)):
        raise InvalidParameterError(f"The 'scheduler' parameter of {owner} must be a str and "
                                    f"needs executor='dask'. Got {scheduler!r} with executor="
                                    f"{executor!r}.")
    if out is not None and not isinstance(out, str | os.PathLike):
        raise InvalidParameterError(f"The 'out' parameter of {owner} must be a path or None. "
                                    f"Got {out!r} instead.")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InvalidParameterError(f"executor='dask' of {owner} needs the 'dask' extra: "
                                        "pip install 'netaval[dask]'.") from None
    # local workers start first: their start and imports overlap the validation below
    pool = start_pool(workers or default_workers()) if executor == "processes" else None
    finished = False
    try:
        with forwarded_from(owner):  # load_study names path_or_spec and size
            study = load_study(path_or_spec, size=size)
        store = Store(default_out(study) if out is None else out)
        try:
            store.check_writable()
        except InvalidParameterError as exc:
            exc.args = (f"The 'out' parameter of {owner}: {exc}", *exc.args[1:])
            raise
        store.check_study(study, restart=restart)
        store.lock()
        try:
            store.open(study, restart=restart)
            store.warn_incomplete("those tasks run again")
            done = store.done()
            pending = [task for task in study.tasks if task.index not in done]
            store.prepare()  # while the fork server (or the spawned workers) still import
            table = _run_locked(study, store, pending, executor=executor, workers=workers,
                                scheduler=scheduler, progress=progress, report=report,
                                pool=pool)
            finished = bool(pending)
            return table
        finally:
            store.unlock()
    finally:
        if pool is not None:  # terminated when refused, interrupted, or with nothing to run
            stop_pool(pool, now=not finished)


def _run_locked(study, store, pending, *, executor, workers, scheduler, progress, report,
                pool):
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(study.tasks), initial=len(study.tasks) - len(pending),
                   desc=f"study {study.name}", unit="task", file=sys.stderr)
    by_index = {task.index: task for task in study.tasks}
    n_failed = 0
    writer = WriteBehind(store)  # the next task runs while the last one is written
    try:
        if pending:
            for index, row, artefacts, error in iterate(pending, study.tasks, executor=executor,
                                                        workers=workers, scheduler=scheduler,
                                                        pool=pool):
                if error is None:
                    writer.result(index, row, artefacts)
                else:
                    n_failed += 1
                    writer.failure(index, by_index[index].columns(), error)
                if bar is not None:
                    bar.update(1)
                    if n_failed:
                        bar.set_postfix(failed=n_failed)
    finally:
        try:
            writer.close()
        finally:
            if bar is not None:
                bar.close()
    failures = store.failures()
    if progress and failures:
        lines = [f"{len(failures)} task(s) failed (see {store.failures_dir}):"]
        for failure in failures:
            first = failure["error"].splitlines()[0]
            lines.append(f"  task {failure['task']} ({failure['topology']}, "
                         f"n={failure['n_nodes']}, {failure['model']}): {first}")
        sys.stderr.write("\n".join(lines) + "\n")
    table = store.results()
    if report and not failures and len(table) == len(study.tasks):
        from netaval.study._report import write_report

        write_report(store.root, table=table)
    return table


def load_results(out_dir: str | os.PathLike):
    """The results table stored in a study's output folder (no simulation).

    Parameters
    ----------
    out_dir : str or os.PathLike
        A folder written by `run`.

    Returns
    -------
    pandas.DataFrame
        One row per finished task, sorted by task index.

    Examples
    --------
    >>> import tempfile
    >>> from netaval import study
    >>> spec = {"study": {"name": "demo", "seed": 1}, "grid": {"n_nodes": [50]},
    ...         "limits": {"n_steps": 100}, "topologies": [{"generator": "random",
    ...         "params": {"k": 4.0}}], "models": [{"model": "branching",
    ...         "params": {"sigma": 0.5, "drive": 0.01}}], "analyses": [{"name": "density"}]}
    >>> with tempfile.TemporaryDirectory() as out:
    ...     _ = study.run(spec, out=out, executor="serial", progress=False)
    ...     len(study.load_results(out))
    1
    """
    store = _existing_store("load_results", out_dir)
    return store.results()


def _existing_store(owner: str, out_dir: Any) -> Store:
    if not isinstance(out_dir, str | os.PathLike):
        raise InvalidParameterError(f"The 'out_dir' parameter of netaval.study.{owner} must be "
                                    f"a path. Got {out_dir!r} instead.")
    store = Store(out_dir)
    if store.manifest() is None:
        raise InvalidParameterError(f"The 'out_dir' parameter of netaval.study.{owner} must be "
                                    f"a study output folder; {out_dir} has no manifest.json.")
    return store


@dataclass(frozen=True)
class StudyStatus:
    """Done, pending and failed tasks of a study's output folder.

    Attributes
    ----------
    name : str
    size : str or None
    n_tasks : int
    done, pending, failed : list of int
        Task indices.
    failures : list of dict
        The failure records (task columns and the error).
    """

    name: str
    size: str | None
    n_tasks: int
    done: list
    pending: list
    failed: list
    failures: list

    def __str__(self) -> str:
        lines = [f"study {self.name} (size {self.size}): {len(self.done)} done, "
                 f"{len(self.pending)} pending, {len(self.failed)} failed of {self.n_tasks} tasks"]
        for failure in self.failures:
            lines.append(f"  failed task {failure['task']} ({failure['topology']}, "
                         f"n={failure['n_nodes']}, {failure['model']}): "
                         f"{failure['error'].splitlines()[0]}")
        return "\n".join(lines)


def status(out_dir: str | os.PathLike) -> StudyStatus:
    """Done / pending / failed tasks of a study's output folder.

    Parameters
    ----------
    out_dir : str or os.PathLike

    Returns
    -------
    StudyStatus
    """
    store = _existing_store("status", out_dir)
    manifest = store.manifest()
    n = int(manifest["n_tasks"])
    store.warn_incomplete("those tasks count as pending")
    done = store.done()
    failed = store.failed()
    pending = [i for i in range(n) if i not in done and i not in failed]
    return StudyStatus(manifest["name"], manifest.get("size"), n, sorted(done), pending,
                       sorted(failed), store.failures())
