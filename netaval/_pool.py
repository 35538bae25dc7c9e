"""Local worker processes of `netaval.study`: started before the study is known.

With a fork server (Linux, macOS), `start_server` starts it now and it imports
`netaval._worker` once while the caller goes on; workers are forked from it as tasks are
submitted, each starting with netaval, numba, scipy and the registries loaded. This module
imports only the standard library, and it lives outside `netaval.study` (like
`netaval._worker`), because importing anything there loads numpy and the analyses first
(0.15 s): ``netaval study run`` starts the fork server before it imports the engine, so
that the server's imports overlap all of the calling process' work.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.forkserver
import os

__all__ = ["START_METHOD", "default_workers", "start_pool", "start_server", "stop_pool"]

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


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def start_server(method: str | None = None) -> bool:
    """Start the fork server (it imports `netaval._worker`) and return at once.

    The server is one per calling process: it outlives every pool (later pools fork from it
    too) and keeps the environment and modules it started with, so an environment variable
    changed afterwards reaches later workers only with "spawn". Calling this again is free.

    Parameters
    ----------
    method : {"forkserver", "spawn"}, optional
        Default `START_METHOD`; with "spawn" there is no server and nothing happens.

    Returns
    -------
    bool
        Whether ``method`` uses a fork server.

    Examples
    --------
    >>> from netaval._pool import start_server
    >>> start_server("spawn")
    False
    """
    context = multiprocessing.get_context(method or START_METHOD)
    if context.get_start_method() != "forkserver":
        return False
    context.set_forkserver_preload([_WORKER_MODULE])  # ignored if the server runs already
    multiprocessing.forkserver.ensure_running()  # returns at once; the server imports
    return True


def start_pool(workers: int, *, method: str | None = None):
    """A pool of up to ``workers`` local processes, getting ready while the caller validates.

    With a fork server (``method`` "forkserver", the default where the platform has one),
    the server is started (`start_server`) and workers are forked from it as tasks are
    submitted, one per task that finds no idle worker. With "spawn", up to ``_PRESPAWN``
    fresh interpreters start now and import `netaval._worker` each; the others are spawned
    only as tasks are submitted. Either way a resumed study with one pending task on a
    64-core node starts a handful of workers, not 64.

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
    if not start_server(context.get_start_method()):
        for _ in range(min(workers, _PRESPAWN)):
            pool.submit(int)  # a pool without an idle worker spawns one process per submit
    return pool


def stop_pool(pool, *, now: bool) -> None:
    """Shut ``pool`` down; ``now``: terminate its workers first (refused study, no tasks)."""
    if now:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
