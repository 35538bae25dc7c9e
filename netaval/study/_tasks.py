"""One task of a study: a pure function of (task spec, root seed) -> result row + artefacts.

Streams: the network of a task is seeded by ``SeedSequence(root, spawn_key=(0, *network_key))``
(so every model of one topology, size and replicate runs on the same graph), the dynamics by
``(1, task.index)`` and analysis ``j`` by ``(2, task.index, j)``. The spawn keys depend only
on positions in the grid, never on which worker runs the task or when.
"""

from __future__ import annotations

import math
import traceback
from typing import Any

import numpy as np

__all__ = ["execute", "run_task", "warm_up"]

_NETWORK_STREAM, _DYNAMICS_STREAM, _ANALYSIS_STREAM = 0, 1, 2


def _seed(task, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(task.root_seed, spawn_key=key)


def build_network(task):
    """The task's network: from the topology registry, or read from its file."""
    topology = task.topology
    if "generator" in topology:
        import topologies

        return topologies.generate(topology["generator"], task.n_nodes,
                                   seed=_seed(task, _NETWORK_STREAM, *task.network_key),
                                   **topology["params"])
    from netaval.io import read_network

    return read_network(topology["file"])


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value
    if value is None:
        return math.nan
    raise TypeError(f"analysis column value {value!r} is not a scalar")


def run_task(task) -> tuple[dict, dict]:
    """Build, simulate, analyse: one result row (columns) and its artefacts (arrays).

    Raises whatever the task raises; `execute` records that as a failure.
    """
    import netaval
    from netaval.study import analyses as registry

    network = build_network(task)
    model = netaval.models.get(task.model["model"])(**task.model["params"])
    limits = dict(task.model["limits"])
    continuous = bool(getattr(model, "continuous_time", False))
    options: dict[str, Any] = {}
    protocol = task.model["protocol"]
    if continuous:
        limits.pop("n_steps", None)
    else:
        limits.pop("duration", None)
    if protocol != "isolated":
        limits.pop("n_avalanches", None)
    options.update(limits)
    if protocol == "spreading":
        options["initial"] = task.model["initial"]
    run = netaval.simulate(network, model, protocol=protocol,
                           seed=_seed(task, _DYNAMICS_STREAM, task.index), **options)
    row = task.columns()
    row.update({"n_nodes_built": int(network.n_nodes), "n_edges": int(network.n_edges),
                "n_events_total": int(run.events.n_events), "run_truncated": bool(run.truncated),
                "end_time": float(run.end_time)})
    artefacts: dict[str, np.ndarray] = {}
    for j, analysis in enumerate(task.analyses):
        spec = registry.get(analysis["name"])
        context = registry.AnalysisContext(run, network, task,
                                           _seed(task, _ANALYSIS_STREAM, task.index, j))
        out = dict(spec.function(context, **analysis["params"]))
        arrays = out.pop("_artefacts", {}) or {}
        for name, value in out.items():
            row[f"{analysis['label']}.{name}"] = _scalar(value)
        if task.artefacts:
            for name, value in arrays.items():
                artefacts[f"{analysis['label']}.{name}"] = np.asarray(value)
    return row, artefacts


def execute(task) -> tuple[int, dict | None, dict | None, str | None]:
    """Run a task, catching its failure: (index, row, artefacts, error or None)."""
    try:
        row, artefacts = run_task(task)
    except Exception as exc:  # a failing task is recorded and does not stop the others
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        return task.index, None, None, message + "\n" + traceback.format_exc()
    return task.index, row, artefacts, None


def warm_up(tasks: list | None = None) -> None:
    """Compile (or load from cache) the numba kernels the tasks need, once per process."""
    import dataclasses

    seen = set()
    for task in tasks or []:
        key = (task.model["model"], task.model["protocol"],
               tuple(a["name"] for a in task.analyses))
        if key in seen:
            continue
        seen.add(key)
        topology = {"label": "warm_up", "generator": "random", "params": {"k": 4.0}}
        limits = {k: v for k, v in task.model["limits"].items() if k == "on_max_events"}
        limits.update({"n_steps": 200, "duration": 20.0, "n_avalanches": 20,
                       "max_events": 1_000_000})
        model = dict(task.model, limits=limits)
        if model["protocol"] == "spreading":
            model["initial"] = [0]
        small = dataclasses.replace(task, topology=topology, n_nodes=64, model=model,
                                    artefacts=False)
        execute(small)
