"""Executors: run tasks serially, in local worker processes, or on a Dask cluster.

Each executor yields ``(index, row, artefacts, error)`` as tasks finish; the calling
process writes every result (so a remote Dask cluster needs no shared file system). Every
worker warms numba up once (compiles or loads the cached kernels) before its first task.
Local worker processes come from `netaval._pool`, prepared before the study is validated
so that their imports overlap the validation in the calling process; they run their
numerical libraries with one thread each (`netaval._worker`). They get their tasks a few
at a time, longest expected first (`netaval.study._schedule`), so that the last tasks to
finish are short; a Dask cluster gets them all at once, largest network first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from netaval._pool import default_workers
from netaval.study._schedule import LongestFirst
from netaval.study._tasks import execute, warm_up

__all__ = ["EXECUTORS", "iterate", "largest_first"]

EXECUTORS = ("serial", "processes", "dask")


def _serial(tasks) -> Iterator:
    # no warm-up task here: the first task compiles (or loads) the kernels it needs itself
    for task in tasks:
        yield execute(task)


_WARMED = False


def _warm_execute(task, warm_set):
    """`execute` in a worker, after warming its kernels up once per process; returns its
    outcome and the seconds the task itself took."""
    global _WARMED
    if not _WARMED:
        warm_up(warm_set)
        _WARMED = True
    start = time.perf_counter()
    outcome = execute(task)
    return outcome, time.perf_counter() - start


def _processes(tasks, all_tasks, pool, workers: int) -> Iterator:
    """Results from ``pool``, keeping ``workers`` + 1 tasks submitted (one queued behind
    the running ones, so that no worker waits for the next), each picked when a slot frees
    up by `LongestFirst` from the durations observed so far."""
    from concurrent.futures import FIRST_COMPLETED, wait

    warm_set = _warm_set(all_tasks)
    order = LongestFirst(tasks)
    index_of, pending = {}, set()
    try:
        while order or pending:
            while order and len(pending) <= workers:
                task = order.next()
                try:
                    future = pool.submit(_warm_execute, task, warm_set)
                except RuntimeError as exc:  # BrokenProcessPool: a worker died earlier
                    yield _died(task.index, exc)
                    continue
                index_of[future] = task.index
                pending.add(future)
            # nothing pending (every submit refused): wait returns at once, the loop ends
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = index_of.pop(future)
                try:
                    outcome, seconds = future.result()
                except Exception as exc:  # a crashed worker (BrokenProcessPool)
                    yield _died(index, exc)
                    continue
                order.observe(index, seconds)
                yield outcome
    finally:
        for future in pending:
            future.cancel()


def _died(index: int, exc: Exception) -> tuple:
    """The failure record of a task whose worker died."""
    return index, None, None, f"{type(exc).__name__}: {exc} (the worker died)"


def _outcome(future, index: int) -> tuple:
    """The result of a finished Dask future, or a failure record when its worker died."""
    try:
        return future.result()
    except Exception as exc:  # a crashed worker (KilledWorker)
        return _died(index, exc)


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

    ``pool`` (from `netaval._pool.start_pool`, with ``workers`` or `default_workers`
    processes) is required for "processes"; the caller stops it.
    """
    if executor == "serial":
        return _serial(tasks)
    if executor == "processes":
        return _processes(tasks, all_tasks, pool, workers or default_workers())
    return _dask(tasks, all_tasks, workers or default_workers(), scheduler)
