"""Executors: run tasks serially, in local worker processes, or on a Dask cluster.

Each executor yields ``(index, row, artefacts, error)`` as tasks finish; the calling
process writes every result (so a remote Dask cluster needs no shared file system). Every
worker warms numba up once (compiles or loads the cached kernels) before its first task.
Local worker processes are prepared with `start_pool` before the study is validated, so
their imports overlap the validation in the calling process, and run their numerical
libraries with one thread each (`netaval._worker`). Tasks are handed out largest network
first, so a long task does not start last and leave the other workers idle.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Iterator

from netaval.study._tasks import execute, warm_up

__all__ = ["EXECUTORS", "START_METHOD", "iterate", "largest_first", "start_pool", "stop_pool"]

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


#: The module every worker imports first (thread limits, then what tasks need).
_WORKER_MODULE = "netaval._worker"

#: How local workers start: forked from a fork server that has imported `_WORKER_MODULE`
#: once (Linux, macOS), else spawned as fresh interpreters that each import it.
START_METHOD = ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                else "spawn")

#: Spawned workers started before the study is known; more start on demand, one per
#: submitted task that finds no idle worker, so a pool holds at most ``_PRESPAWN`` + (tasks
#: submitted) processes.
_PRESPAWN = 4


def start_pool(workers: int, *, method: str | None = None):
    """A pool of up to ``workers`` local processes, getting ready while the caller validates.

    With a fork server (``method`` "forkserver", the default where the platform has one),
    the server is started now and imports `netaval._worker` once, while the caller
    validates; workers are forked from it as tasks are submitted (one per task that finds no
    idle worker), each starting with netaval, numba, scipy and the registries loaded. With
    "spawn", up to ``_PRESPAWN`` fresh interpreters start now and import `netaval._worker`
    each; the others are spawned only as tasks are submitted. Either way a resumed study
    with one pending task on a 64-core node starts a handful of workers, not 64.

    The fork server is one per calling process: it outlives the pool (later pools fork from
    it too) and keeps the environment and modules it started with, so an environment
    variable changed afterwards reaches later workers only with "spawn".

    Parameters
    ----------
    workers : int
    method : {"forkserver", "spawn"}, optional
        Default `START_METHOD`.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(method or START_METHOD)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=importlib.import_module, initargs=(_WORKER_MODULE,))
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([_WORKER_MODULE])  # ignored if the server runs already
        multiprocessing.forkserver.ensure_running()  # returns at once; the server imports
    else:
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
    index_of = {pool.submit(_warm_execute, task, warm_set): task.index
                for task in largest_first(tasks)}
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


def largest_first(tasks) -> list:
    """``tasks`` by decreasing network size (grid order among equal sizes): the cost of a
    task grows with its network, so the longest ones start first and the last to finish
    are short."""
    return sorted(tasks, key=lambda task: -task.n_nodes)


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
                    task.index for task in largest_first(tasks)}
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
