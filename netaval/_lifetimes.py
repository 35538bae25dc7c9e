"""Per-avalanche lifetimes without the event record (continuous-time models).

`LastEnds` keeps, for each avalanche, the last deactivation of its members seen so far:
fed the finite ``end_time`` of new events and the deactivations of earlier ones, chunk by
chunk, it gives `netaval.Avalanches.lifetime` exactly as computed from the full record
(``inf`` for an avalanche with a member still active at the end). Memory O(avalanches).
Used by the bounded recorder (``record="avalanches"``, ``out=``) and by the out-of-core
pass over a streamed dataset (`netaval.io.dataset.summarise`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["LastEnds"]


class LastEnds:
    """Each avalanche's last member deactivation so far (``-inf``: none yet).

    Examples
    --------
    >>> ends = LastEnds()
    >>> ends.add(np.array([0, 0, 1]), np.array([2.0, np.inf, 1.5]))  # event 1 still active
    >>> ends.add(np.array([0]), np.array([3.0]))                     # ... ends later
    >>> ends.lifetime(np.array([0.0, 1.0]), active=np.array([1])).tolist()
    [3.0, inf]
    """

    def __init__(self) -> None:
        self.last = np.full(16, -np.inf)

    def add(self, avalanche: NDArray, end: NDArray) -> None:
        """Take the finite ends ``end`` of members of ``avalanche`` (valid ids, >= 0)."""
        done = np.isfinite(end)
        if not done.any():
            return
        avalanche = avalanche[done]
        top = int(avalanche.max()) + 1
        if top > len(self.last):
            self.last = np.concatenate([self.last, np.full(
                max(top, 2 * len(self.last)) - len(self.last), -np.inf)])
        np.maximum.at(self.last, avalanche, end[done])

    def lifetime(self, start: NDArray, active: NDArray) -> NDArray[np.float64]:
        """Last deactivation minus ``start`` per avalanche (``len(start)`` of them),
        ``inf`` for the ``active`` ones (a member still active at the end)."""
        n = len(start)
        last = np.full(n, -np.inf)
        k = min(n, len(self.last))
        last[:k] = self.last[:k]
        last[np.asarray(active, np.int64)] = np.inf
        return last - np.asarray(start, np.float64)
