"""Neutral bookkeeping of a run: the exact identities of SCIENCE.md section 2.4."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from netaval.run import Run

__all__ = ["bookkeeping"]


def bookkeeping(run: Run) -> dict[str, Any]:
    """The causal accounting of ``run`` (see `Run.bookkeeping`)."""
    avalanches = run.avalanches
    params = run.protocol_params or {}
    n_carried = int(params.get("n_carried") or 0)
    size = np.asarray(avalanches.size, dtype=np.int64)
    n_avalanches = len(size)
    n_events = int(size.sum())
    events = run.events
    if events is not None:
        # every event has one cause: its primary parent, or none (a root)
        primary = events.primary_parent
        n_roots = int(np.count_nonzero(primary < 0))
        children = np.bincount(primary[primary >= 0], minlength=events.n_events)
        n_children = int(children.sum())
    else:  # online summaries: each avalanche has one root, every other event one parent
        n_roots = n_avalanches
        n_children = n_events - n_avalanches
    truncated = np.asarray(avalanches.truncated, dtype=bool)
    ids = np.asarray(avalanches.ids)
    alive = np.isin(ids, np.asarray(run.alive_avalanches))
    before = ids < n_carried
    burn_in = params.get("burn_in")
    if burn_in is not None:
        before |= np.asarray(avalanches.start) < burn_in
    nan = float("nan")
    return {
        "n_events": n_events,
        "n_roots": n_roots,
        "n_carried": n_carried,
        "f_ext": n_roots / n_events if n_events else nan,
        "branching_ratio": n_children / n_events if n_events else nan,
        "mean_size": float(size.mean()) if n_avalanches else nan,
        "n_avalanches": n_avalanches,
        "n_truncated": int(np.count_nonzero(truncated)),
        "n_alive_at_end": int(np.count_nonzero(alive)),
        "n_started_before_window": int(np.count_nonzero(before)),
        "mean_size_complete": float(size[~truncated].mean()) if np.any(~truncated) else nan,
    }
