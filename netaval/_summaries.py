"""Online per-avalanche summaries: `Avalanches` of a run without keeping its events.

`AvalancheAccumulator` drives the jitted accumulator of `netaval._kernels.accumulate`
over a stream of event chunks in causal order (a dynamics engine's bounded buffer during
`netaval.simulate(..., record="avalanches")`, or the chunks of a streamed dataset in
`netaval.Avalanches.from_dataset`) and builds the same per-avalanche arrays as
`netaval.Avalanches.from_events` would from the full record, field for field. Memory is
O(avalanches + nodes + chunk), never O(events), and every counter is int64, so a run may
exceed the 2**31 - 1 events one in-memory `Events` can hold.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from netaval._kernels import accumulate as _ka
from netaval.errors import InvariantError

__all__ = ["AvalancheAccumulator"]

_PER_AVALANCHE_INT = ("size", "root", "last", "depth", "max_generation", "offspring",
                      "n_neurons", "alive_epoch")


class AvalancheAccumulator:
    """Per-avalanche summaries accumulated chunk by chunk (private engine helper).

    Parameters
    ----------
    n_nodes : int
        Number of neurons (ids ``0 .. n_nodes - 1``).
    continuous : bool
        Float64 times (continuous-time models) instead of int64 steps.

    Notes
    -----
    Call `feed` for every chunk of new events (in a working buffer that starts with the
    carried events that may still be parents, see `netaval._kernels.accumulate`), then
    `boundary` with the avalanches that may still grow whenever the stream is at a point
    where that set is known; `summaries` returns the per-avalanche arrays.
    """

    def __init__(self, n_nodes: int, *, continuous: bool) -> None:
        self.continuous = continuous
        self._time_dtype = np.float64 if continuous else np.int64
        self.state = np.zeros(_ka.A_STATE_SIZE, np.int64)
        self.mark = np.full(max(int(n_nodes), 0), -1, np.int64)
        self.table = np.full(1 << 12, _ka.EMPTY, np.int64)
        self._capacity = 0
        self._arrays: dict[str, np.ndarray] = {}
        self._reserve(1 << 12)
        self.n_events = 0

    @property
    def n_avalanches(self) -> int:
        """Avalanches seen so far."""
        return int(self.state[_ka.A_NEW])

    def _reserve(self, need: int) -> None:
        if need <= self._capacity:
            return
        size = max(need, 2 * self._capacity)
        n = self.n_avalanches
        arrays = {}
        for name in _PER_AVALANCHE_INT:
            arrays[name] = np.empty(size, np.int64)
        for name in ("start", "finish"):
            arrays[name] = np.empty(size, self._time_dtype)
        for name, old in self._arrays.items():
            arrays[name][:n] = old[:n]
        self._arrays = arrays
        self._capacity = size

    def _room_for_pairs(self, n_new: int) -> None:
        need = 2 * (int(self.state[_ka.A_PAIRS]) + n_new)
        if need <= len(self.table):
            return
        # drop the pairs of avalanches that can no longer grow, then grow if still short
        size = len(self.table)
        while size < need:
            size *= 2
        rebuilt = np.full(len(self.table), _ka.EMPTY, np.int64)
        _ka._rebuild_table(self.table, rebuilt, self._arrays["alive_epoch"], self.state)
        if 2 * (int(self.state[_ka.A_PAIRS]) + n_new) > len(rebuilt):
            grown = np.full(size, _ka.EMPTY, np.int64)
            _ka._rebuild_table(rebuilt, grown, self._arrays["alive_epoch"], self.state)
            rebuilt = grown
        self.table = rebuilt

    def feed(self, time: NDArray, neuron: NDArray, avalanche: NDArray, generation: NDArray,
             parent_indptr: NDArray, parent_ids: NDArray, event_depth: NDArray,
             begin: int, end: int, id_offset: int) -> None:
        """Add the working-buffer events ``begin .. end - 1`` (see `_accumulate`).

        Raises
        ------
        InvariantError
            When the events break the causal-order or numbering invariants.
        """
        n_new = end - begin
        if n_new <= 0:
            return
        self._reserve(self.n_avalanches + n_new)
        self._room_for_pairs(n_new)
        arrays = self._arrays
        status = _ka._accumulate(
            time, neuron, avalanche, generation, parent_indptr, parent_ids, begin, end,
            id_offset, event_depth, arrays["size"], arrays["root"], arrays["last"],
            arrays["start"], arrays["finish"], arrays["depth"], arrays["max_generation"],
            arrays["offspring"], arrays["n_neurons"], arrays["alive_epoch"], self.mark,
            self.table, self.state)
        if status != 0:
            raise InvariantError(
                "The event stream breaks the avalanche invariants (roots open avalanches "
                "0, 1, ... in order; every other event has an earlier primary parent in its "
                "avalanche; neuron ids lie in range).")
        self.n_events += n_new

    def boundary(self, alive: NDArray) -> None:
        """Record that, from here on, only the avalanches ``alive`` may still grow."""
        _ka._mark_alive(np.ascontiguousarray(alive, np.int64), self._arrays["alive_epoch"],
                        self.state)

    def summaries(self) -> dict[str, NDArray]:
        """Per-avalanche arrays, as `netaval.Avalanches` names them (copies, trimmed).

        Returns
        -------
        dict
            ``root``, ``size``, ``duration``, ``depth``, ``n_neurons``,
            ``n_generations``, ``start``, ``end``, ``offspring`` and ``alive`` (bool: may
            still grow at the last boundary).
        """
        n = self.n_avalanches
        a = self._arrays
        start = a["start"][:n].copy()
        end = a["finish"][:n].copy()
        duration = end - start
        if not self.continuous:
            duration += 1
        epoch = self.state[_ka.A_EPOCH]
        alive = a["alive_epoch"][:n] == epoch
        alive[int(self.state[_ka.A_BOUNDARY_NEW]):] = True  # born after the last boundary
        return {"root": a["root"][:n].copy(), "size": a["size"][:n].copy(),
                "duration": duration, "depth": a["depth"][:n].copy(),
                "n_neurons": a["n_neurons"][:n].copy(),
                "n_generations": a["max_generation"][:n] + 1, "start": start, "end": end,
                "offspring": a["offspring"][:n].copy(), "alive": alive}
