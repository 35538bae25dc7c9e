"""Executors: run tasks serially, in local worker processes, or on a Dask cluster.

Each executor yields ``(index, row, artefacts, error)`` as tasks finish; the calling
process writes every result (so a remote Dask cluster needs no shared file system). Every
worker warms numba up once (compiles or loads the cached kernels) before its first task.
Local worker processes are started with `start_pool` before the study is validated, so
their interpreter start and imports overlap the validation in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

from netaval.study._tasks import execute, warm_up

__all__ = ["EXECUTORS", "iterate", "start_pool", "stop_pool"]

EXECUTORS = ("serial", "processes", "dask")


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _serial(tasks) -> Iterator:
    # no warm-up task here: the first task compiles (or loads) the kernels it needs itself
    for task in tasks:
        yield execute(task)


def _preload() -> None:
    """Worker initializer: import what every task needs (numba, scipy, the registries)."""
    import netaval.simulate
    import netaval.stats
    import netaval.study.analyses  # noqa: F401
    import topologies  # noqa: F401


#: Workers spawned before the study is known; more start on demand, one per submitted task
#: that finds no idle worker, so a pool holds at most ``_PRESPAWN`` + (tasks submitted) processes.
_PRESPAWN = 4


def start_pool(workers: int):
    """A pool of up to ``workers`` local processes, the first few spawned now.

    Up to ``_PRESPAWN`` workers start at once and import netaval while the caller validates
    the study; the others are spawned only as tasks are submitted (one per task that finds no
    idle worker), so a resumed study with one pending task on a 64-core node starts at most
    ``_PRESPAWN + 1`` interpreters, not 64.

    Parameters
    ----------
    workers : int

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(
        "spawn"), initializer=_preload)
    for _ in range(min(workers, _PRESPAWN)):
        pool.submit(int)  # a pool without an idle worker spawns one process per submit
    return pool


def stop_pool(pool, *, now: bool) -> None:
    """Shut ``pool`` down; ``now``: terminate its workers first (refused study, no tasks)."""
    if now:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


_WARMED = False


def _warm_execute(task, warm_set):
    """`execute` in a worker, after warming its kernels up once per process."""
    global _WARMED
    if not _WARMED:
        warm_up(warm_set)
        _WARMED = True
    return execute(task)


def _processes(tasks, all_tasks, pool) -> Iterator:
    from concurrent.futures import FIRST_COMPLETED, wait

    warm_set = _warm_set(all_tasks)
    index_of = {pool.submit(_warm_execute, task, warm_set): task.index for task in tasks}
    pending = set(index_of)
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield _outcome(future, index_of[future])
    finally:
        for future in pending:
            future.cancel()


def _outcome(future, index: int) -> tuple:
    """The result of a finished future, or a failure record when its worker died."""
    try:
        return future.result()
    except Exception as exc:  # a crashed worker (BrokenProcessPool, KilledWorker)
        return index, None, None, f"{type(exc).__name__}: {exc} (the worker died)"


def _warm_set(tasks) -> list:
    """One representative task per (model, protocol, analyses) combination."""
    seen, out = set(), []
    for task in tasks:
        key = (task.model["model"], task.model["protocol"],
               tuple(a["name"] for a in task.analyses))
        if key not in seen:
            seen.add(key)
            out.append(task)
    return out


def _dask(tasks, all_tasks, workers, scheduler) -> Iterator:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        warm_set = _warm_set(all_tasks)
        client.run(warm_up, warm_set)
        index_of = {client.submit(execute, task, pure=False, key=f"netaval-task-{task.index}"):
                    task.index for task in tasks}
        for future in as_completed(list(index_of)):
            yield _outcome(future, index_of[future])
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def iterate(tasks, all_tasks, *, executor: str, workers: int | None,
            scheduler: str | None, pool=None) -> Iterator:
    """Results of ``tasks`` as they finish, with the chosen executor.

    ``pool`` (from `start_pool`) is required for "processes"; the caller stops it.
    """
    if executor == "serial":
        return _serial(tasks)
    if executor == "processes":
        return _processes(tasks, all_tasks, pool)
    return _dask(tasks, all_tasks, workers or default_workers(), scheduler)
