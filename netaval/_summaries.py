"""Online per-avalanche summaries: `Avalanches` of a run without keeping its events.

`AvalancheAccumulator` drives the jitted accumulator of `netaval._kernels.accumulate`
over a stream of event chunks in causal order (a dynamics engine's bounded buffer during
`netaval.simulate(..., record="avalanches")`, or the chunks of a streamed dataset in
`netaval.Avalanches.from_dataset`) and builds the same per-avalanche arrays as
`netaval.Avalanches.from_events` would from the full record, field for field. Every count
is int64, so a run may exceed the 2**31 - 1 events one in-memory `Events` can hold. The
`Branching` kernel accumulates inside its step loop (`kernel_arrays`).

Memory is O(avalanches + nodes + chunk), never O(events). The running tables (one 64-byte
row per avalanche) hold only a window of avalanches: at a chunk boundary, the avalanches
older than the oldest one alive there are finished, and once they outnumber the rest of
the window their rows are written out as final per-avalanche values and dropped, the
window's live rows moving to the front (no more rows move than are written out, so O(1)
per avalanche). The written-out values go to blocks of ``_BLOCK_ROWS`` avalanches, each
array in its own anonymous memory map, so that the memory of a block is returned to the
system as soon as `summaries` has copied it into the final arrays (small arrays freed
by malloc stay with the process): the final arrays are never held twice, nor beside the
rows of all the avalanches.
"""

from __future__ import annotations

import mmap

import numpy as np
from numpy.typing import NDArray

from netaval._kernels import accumulate as _ka
from netaval.errors import InvariantError

__all__ = ["AvalancheAccumulator", "INT32_FIELDS", "STEP_FIELDS", "narrow"]

#: per-avalanche fields the summaries keep as int32 (see `netaval.Avalanches`): distinct
#: neurons (at most the neurons, whose ids are int32), depth and generations (int32 in every
#: record); in discrete time also the `STEP_FIELDS` (a run's steps are below 2**31). Root,
#: size and offspring stay int64: a run, and one avalanche, may exceed 2**31 events.
INT32_FIELDS = ("depth", "n_neurons", "n_generations")
STEP_FIELDS = ("start", "end", "duration")
_INT32 = np.iinfo(np.int32)


def narrow(name: str, values: NDArray) -> NDArray[np.int32]:
    """``values`` (integers) as int32, refusing any that do not fit (names ``name``).

    Raises
    ------
    InvariantError
        When a value lies outside the int32 range.
    """
    if len(values) and (values.min() < _INT32.min or values.max() > _INT32.max):
        raise InvariantError(
            f"The avalanches' {name!r} values span [{values.min()}, {values.max()}], beyond "
            f"the int32 range [{_INT32.min}, {_INT32.max}] they are kept in.")
    return values.astype(np.int32)


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


#: finished rows a window must have before they are written out (the live rows are moved
#: only when the finished ones outnumber them)
_MIN_PIECE = 1 << 12
#: avalanches per block of written-out values
_BLOCK_ROWS = 1 << 20


def _mapped(n: int, dtype: type) -> np.ndarray:
    """An uninitialised array in its own anonymous memory map: its pages are returned to
    the system when it is freed, wherever malloc would have put it."""
    itemsize = np.dtype(dtype).itemsize
    return np.frombuffer(mmap.mmap(-1, max(n * itemsize, 1)), dtype, count=n)


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
        # the written-out avalanches 0 .. base - 1, _BLOCK_ROWS per block, and their events
        self._blocks: list[dict[str, NDArray]] = []
        self._done_events = 0

    @property
    def n_avalanches(self) -> int:
        """Avalanches seen so far."""
        return int(self.state[_ka.A_NEW])

    @property
    def _base(self) -> int:
        """The avalanche of row 0 (the older ones are in the pieces)."""
        return int(self.state[_ka.A_BASE])

    @property
    def n_events(self) -> int:
        """Events seen so far, however they were added (`feed` or a kernel): the sum of
        the avalanche sizes, O(avalanches in the window)."""
        window = self.n_avalanches - self._base
        return self._done_events + int(self.counts[:window, _ka.C_SIZE].sum())

    def reserve(self, n_new: int, *, horizon: float = -np.inf) -> None:
        """Make room for ``n_new`` more events: avalanche rows and pair-table slots (pairs
        of avalanches that cannot grow past ``horizon`` are dropped; see `_rebuild_table`)."""
        used = self.n_avalanches - self._base
        need = used + n_new
        if need > len(self._rows):
            # a fresh buffer, only the used rows copied: a driven step may open n_nodes
            # rows, and zero-filling them would cost more than the whole copy
            rows = _cache_line_rows(max(need, 2 * len(self._rows)), 8, np.int64)
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
        steps = time[begin:end]
        if not self.continuous and (steps.min() < _INT32.min or steps.max() > _INT32.max):
            raise InvariantError(
                f"The event stream has steps in [{steps.min()}, {steps.max()}], beyond the "
                "int32 range the avalanches' start and end are kept in (a run's steps are "
                "below 2**31).")
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
        may still grow; the finished ones below the oldest of them may become a piece.

        Raises
        ------
        InvariantError
            When an id is not an avalanche that may still grow (finished at an earlier
            boundary, or not seen yet).
        """
        alive = np.ascontiguousarray(alive, np.int64)
        if _ka._mark_alive(alive, self.small, self.state) != 0:
            raise InvariantError(
                "A chunk boundary names alive an avalanche that cannot grow (finished at an "
                "earlier boundary) or has not started.")
        new, base = self.n_avalanches, self._base
        oldest = int(alive.min()) if len(alive) else new
        finished = oldest - base
        if finished >= max(_MIN_PIECE, new - oldest):
            # the rows 0 .. finished - 1 are written out; the live ones, fewer, move to the
            # front (no overlap: finished >= new - oldest)
            piece = self._fields(finished, np.zeros(finished, np.bool_))
            self._done_events += int(piece["size"].sum())
            for name, values in piece.items():
                at = base
                while at < oldest:
                    block, offset = divmod(at, _BLOCK_ROWS)
                    if block == len(self._blocks):
                        self._blocks.append({})
                    column = self._blocks[block].get(name)
                    if column is None:
                        column = self._blocks[block][name] = _mapped(_BLOCK_ROWS,
                                                                     values.dtype)
                    k = min(oldest - at, _BLOCK_ROWS - offset)
                    column[offset:offset + k] = values[at - base:at - base + k]
                    at += k
            self._rows[:new - oldest] = self._rows[finished:new - base]
            self.state[_ka.A_BASE] = oldest

    def _fields(self, k: int, alive: NDArray[np.bool_]) -> dict[str, NDArray]:
        """The per-avalanche arrays of the window's first ``k`` rows (``alive``: their
        flags)."""
        counts, times, small = self.counts[:k], self.times[:k], self.small[:k]
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
            out["depth"] = small[:, _ka.I_DEPTH].copy()
            out["n_generations"] = small[:, _ka.I_GENERATION].astype(np.int64) + 1
        for name in INT32_FIELDS + (() if self.continuous else STEP_FIELDS):
            out[name] = narrow(name, out[name])
        out["alive"] = alive
        return out

    def summaries(self, *, release: bool = False) -> dict[str, NDArray]:
        """Per-avalanche arrays, as `netaval.Avalanches` names them.

        Parameters
        ----------
        release : bool, default False
            Free the accumulator's tables and pieces as they are copied (the accumulator
            cannot be used afterwards).

        Returns
        -------
        dict
            ``root``, ``size``, ``duration``, ``depth``, ``n_neurons``,
            ``n_generations``, ``start``, ``end``, ``offspring`` and ``alive`` (bool: may
            still grow at the last boundary).
        """
        new, base = self.n_avalanches, self._base
        alive = self.small[:new - base, _ka.I_EPOCH] == self.state[_ka.A_EPOCH]
        alive[max(0, int(self.state[_ka.A_BOUNDARY_NEW]) - base):] = True  # born since
        window = self._fields(new - base, alive)
        blocks = self._blocks
        if release:
            self._blocks = []
            self._rows = self._rows[:0].copy()
            self.counts, self.times, self.small = _avalanche_tables(self._rows,
                                                                    self._time_dtype)
            self.mark = self.mark[:0].copy()
            self.table = self.table[:0].copy()
        if not blocks:
            return window
        out = {}
        for name, values in window.items():
            joined = out[name] = np.empty(new, values.dtype)
            for block, columns in enumerate(blocks):
                at = block * _BLOCK_ROWS
                k = min(base - at, _BLOCK_ROWS)
                joined[at:at + k] = columns[name][:k]
                if release:
                    del columns[name]  # its pages go back before the next block is copied
            joined[base:] = values
        return out
