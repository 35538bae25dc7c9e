"""Online per-avalanche summaries: `Avalanches` of a run without keeping its events.

`AvalancheAccumulator` drives the jitted accumulator of `netaval._kernels.accumulate`
over a stream of event chunks in causal order (a dynamics engine's bounded buffer during
`netaval.simulate(..., record="avalanches")`, or the chunks of a streamed dataset in
`netaval.Avalanches.from_dataset`) and builds the same per-avalanche arrays as
`netaval.Avalanches.from_events` would from the full record, field for field. Memory is
O(avalanches + nodes + chunk), never O(events) (64 bytes per avalanche while running), and
every count is int64, so a run may exceed the 2**31 - 1 events one in-memory `Events` can
hold. The `Branching` kernel accumulates inside its step loop (`kernel_arrays`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from netaval._kernels import accumulate as _ka
from netaval.errors import InvariantError

__all__ = ["AvalancheAccumulator"]


def _cache_line_rows(n: int, width: int, dtype: type = np.int32) -> np.ndarray:
    """An uninitialised ``(n, width)`` array whose rows never straddle two 64-byte cache
    lines (the row size divides 64): large numpy buffers start 16 bytes past a page
    boundary, which splits every other 32-byte row in two (two misses per row)."""
    size = np.dtype(dtype).itemsize
    pad = 64 // size
    raw = np.empty(n * width + pad, dtype)
    start = (-raw.ctypes.data % 64) // size
    return raw[start:start + n * width].reshape(n, width)


def _avalanche_tables(rows: np.ndarray, time_dtype: type) -> tuple[np.ndarray, ...]:
    """``counts``, ``times`` and ``small``: one 64-byte row per avalanche (``rows``: int64,
    8 columns, cache-line aligned) seen as int64, time-dtype and int32 columns (contiguous
    views; the column numbers ``C_*``, ``T_*`` and ``I_*`` of `netaval._kernels.accumulate`
    do not overlap), so an event updates one cache line of its avalanche, not three."""
    return rows, rows.view(time_dtype), rows.view(np.int32)


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
    where that set is known; `summaries` returns the per-avalanche arrays. A kernel that
    accumulates itself gets the arrays from `kernel_arrays` after `reserve`.
    """

    def __init__(self, n_nodes: int, *, continuous: bool) -> None:
        self.continuous = continuous
        self._time_dtype = np.float64 if continuous else np.int64
        self.state = np.zeros(_ka.A_STATE_SIZE, np.int64)
        self.mark = _cache_line_rows(max(int(n_nodes), 0), _ka.MARK_WIDTH)
        self.mark[:, 2:] = -1
        self.mark[:, 0] = _ka.NO_PAIRS
        self.mark[:, 1] = 0
        self.table = np.full(1 << 12, _ka.EMPTY, np.int64)
        self._rows = _cache_line_rows(1 << 12, 8, np.int64)
        self.counts, self.times, self.small = _avalanche_tables(self._rows, self._time_dtype)
        self.one_step_links = False  # see `kernel_arrays`

    @property
    def n_avalanches(self) -> int:
        """Avalanches seen so far."""
        return int(self.state[_ka.A_NEW])

    @property
    def n_events(self) -> int:
        """Events seen so far, however they were added (`feed` or a kernel): the sum of
        the avalanche sizes, O(avalanches)."""
        return int(self.counts[:self.n_avalanches, _ka.C_SIZE].sum())

    def reserve(self, n_new: int, *, horizon: float = -np.inf) -> None:
        """Make room for ``n_new`` more events: avalanche rows and pair-table slots (pairs
        of avalanches that cannot grow past ``horizon`` are dropped; see `_rebuild_table`)."""
        need = self.n_avalanches + n_new
        if need > len(self._rows):
            # a fresh buffer, only the used rows copied: a driven step may open n_nodes
            # rows, and zero-filling them would cost more than the whole copy
            rows = _cache_line_rows(max(need, 2 * len(self._rows)), 8, np.int64)
            used = self.n_avalanches
            rows[:used] = self._rows[:used]
            self._rows = rows
            self.counts, self.times, self.small = _avalanche_tables(rows, self._time_dtype)
        need = 2 * (int(self.state[_ka.A_PAIRS]) + n_new)
        if need <= len(self.table):
            return
        # drop the pairs of avalanches that can no longer grow, then grow if still short
        rebuilt = np.full(len(self.table), _ka.EMPTY, np.int64)
        _ka._rebuild_table(self.table, rebuilt, self.times, self.small, self.state,
                           float(horizon))
        need = 2 * (int(self.state[_ka.A_PAIRS]) + n_new)
        if need > len(rebuilt):
            size = len(rebuilt)
            while size < need:
                size *= 2
            grown = np.full(size, _ka.EMPTY, np.int64)
            _ka._rebuild_table(rebuilt, grown, self.times, self.small, self.state,
                               float(horizon))
            rebuilt = grown
        self.table = rebuilt

    def kernel_arrays(self, *, one_step_links: bool = False) -> tuple[np.ndarray, ...]:
        """``(counts, times, small, mark, table, state)`` for a kernel that accumulates
        itself (valid until the next `reserve`).

        ``one_step_links=True``: every causal link of the run spans one time step (the
        `Branching` kernel), so depth = highest generation = end - start for every
        avalanche, and the kernel need not store them (the summaries ignore those columns).
        """
        self.one_step_links = self.one_step_links or one_step_links
        return self.counts, self.times, self.small, self.mark, self.table, self.state

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
        self.reserve(n_new)
        status = _ka._accumulate(
            time, neuron, avalanche, generation, parent_indptr, parent_ids, event_depth,
            begin, end, id_offset, -np.inf, *self.kernel_arrays())
        if status != 0:
            raise InvariantError(
                "The event stream breaks the avalanche invariants (roots open avalanches "
                "0, 1, ... in order; every other event has an earlier primary parent in its "
                "avalanche; neuron ids lie in range).")

    def boundary(self, alive: NDArray) -> None:
        """Record that, from here on, only the avalanches ``alive`` (ids, repeats allowed)
        may still grow."""
        _ka._mark_alive(np.ascontiguousarray(alive, np.int64), self.small, self.state)

    def summaries(self, *, release: bool = False) -> dict[str, NDArray]:
        """Per-avalanche arrays, as `netaval.Avalanches` names them (int64 copies).

        Parameters
        ----------
        release : bool, default False
            Free the accumulator's tables once copied (the accumulator cannot be used
            afterwards).

        Returns
        -------
        dict
            ``root``, ``size``, ``duration``, ``depth``, ``n_neurons``,
            ``n_generations``, ``start``, ``end``, ``offspring`` and ``alive`` (bool: may
            still grow at the last boundary).
        """
        n = self.n_avalanches
        counts, times, small = self.counts[:n], self.times[:n], self.small[:n]
        size = counts[:, _ka.C_SIZE].copy()
        out = {"root": counts[:, _ka.C_ROOT].copy(), "size": size,
               "offspring": counts[:, _ka.C_SECONDARY] + (size - 1),
               "start": times[:, _ka.T_START].copy(), "end": times[:, _ka.T_END].copy()}
        duration = out["end"] - out["start"]
        if not self.continuous:
            duration += 1
        out["duration"] = duration
        out["n_neurons"] = size - small[:, _ka.I_REPEATS]
        if self.one_step_links:
            out["depth"] = out["end"] - out["start"]
            out["n_generations"] = out["depth"] + 1
        else:
            out["depth"] = small[:, _ka.I_DEPTH].astype(np.int64)
            out["n_generations"] = small[:, _ka.I_GENERATION].astype(np.int64) + 1
        alive = small[:, _ka.I_EPOCH] == self.state[_ka.A_EPOCH]
        alive[int(self.state[_ka.A_BOUNDARY_NEW]):] = True  # born after the last boundary
        out["alive"] = alive
        if release:
            del counts, times, small
            self._rows = self._rows[:0].copy()
            self.counts, self.times, self.small = _avalanche_tables(self._rows,
                                                                    self._time_dtype)
        return out
