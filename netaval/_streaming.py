"""Bounded recording: the recorder `netaval.simulate` uses for ``record="avalanches"``,
``record="activity"`` and ``out=PATH``.

`BoundedRecorder` is a `netaval.models._engine.Recorder` whose buffer holds one chunk:
at every chunk boundary the engine calls `flush` with the buffer positions of the events
that may still be parents (its frontier). The recorder then bins the new events into
``activity``, feeds them to the online `AvalancheAccumulator` (``record="avalanches"``),
writes them as one chunk of a streamed dataset (``out=``), and moves the live events to
the front of the buffer. Memory: O(chunk + nodes) for the buffers, O(avalanches) for the
summaries, O(steps) for the activity, whatever the number of events.

With an ``end_time`` column (continuous-time lifetimes) the live events are the active
activations (``end_time`` inf). An activation that deactivates after its chunk was
written is found at the next flush, among the live events kept at the front, and
recorded in the next chunk written (see `netaval.io.dataset`): O(alive) pending records.

A streamed chunk is written on a background thread (`WriteBehind`) while the engine
simulates the next one: the recorder hands the writer copies of the chunk's events, and
waits for that write before handing over the next chunk (memory: one chunk being written).
A write's error is raised at the next flush or at `BoundedRecorder.close`, which stops the
run; the chunks written before it stay readable, and a killed process leaves only whole
chunks (each file is written atomically).
"""

from __future__ import annotations

import contextlib

import numpy as np
from numpy.typing import NDArray

from netaval._lifetimes import LastEnds
from netaval._summaries import AvalancheAccumulator
from netaval._write_behind import WriteBehind
from netaval.io.dataset import DatasetWriter
from netaval.models._engine import Recorder, _grow

__all__ = ["BoundedRecorder"]


class BoundedRecorder(Recorder):
    """A `Recorder` that consumes its events chunk by chunk (see the module docstring).

    Parameters
    ----------
    capacity, continuous, limit :
        As for `Recorder`.
    n_nodes : int
    summaries : bool
        Accumulate per-avalanche summaries (``record="avalanches"``).
    writer : DatasetWriter or None
        Stream every chunk to this dataset (on a background thread: call `close`, or
        `abort` when the run fails).
    n_carried : int
        The first events are carried activations (continuation): not counted in activity.
    """

    bounded = True

    def __init__(self, capacity: int, continuous: bool, limit: int, *, n_nodes: int,
                 summaries: bool, writer: DatasetWriter | None, n_carried: int) -> None:
        super().__init__(capacity, continuous, limit, record=True)
        self.accumulator = (AvalancheAccumulator(n_nodes, continuous=continuous)
                            if summaries else None)
        self.writer = writer
        self._behind = WriteBehind() if writer is not None else None
        self.n_carried = n_carried
        self.depth = np.empty(capacity, np.int32)
        self.n_live = 0                          # live events at positions 0 .. n_live - 1
        self.n_fed = 0                           # events 0 .. n_fed - 1 are in the summaries
        self.live_ids = np.zeros(0, np.int64)    # their global ids
        self.n_total = 0                         # events consumed so far
        self._end_time: float = 0.0
        self._activity = np.zeros(1 << 12, np.int64)
        self._top = 0                            # bins used in _activity
        self._stale = False                      # the last flush wrote no chunk
        self._ended: list[tuple[NDArray, NDArray]] = []  # deactivations not written yet
        self.last_ends = LastEnds() if summaries else None  # lifetimes, with an end_time

    def grow_events(self, need: int, n: int) -> None:
        super().grow_events(need, n)
        self.depth = _grow(self.depth, len(self.time), n)

    def _bin(self, time: NDArray) -> None:
        if not len(time):
            return
        bins = np.floor(time).astype(np.int64) if self.continuous else time
        if np.all(bins[1:] >= bins[:-1]):
            # in time order (what engines write): the bin edges by binary search, O(bins
            # log events), instead of bincount's scattered increments (the order check
            # above is one sequential pass)
            low, top = int(bins[0]), int(bins[-1]) + 1
            counts = np.diff(np.searchsorted(bins, np.arange(low, top + 1)))
        else:
            low = int(bins.min())
            counts = np.bincount(bins - low)
            top = low + len(counts)
        if top > len(self._activity):
            self._activity = _grow(self._activity, max(top, 2 * len(self._activity)),
                                   self._top)
            self._activity[self._top:] = 0
        self._activity[low:top] += counts
        self._top = max(self._top, top)

    def activity(self, n_bins: int) -> NDArray[np.int64]:
        """Firings per step (or unit-time bin) ``0 .. n_bins - 1`` (carried ones excluded)."""
        out = np.zeros(n_bins, np.int64)
        k = min(n_bins, self._top)
        out[:k] = self._activity[:k]
        return out

    def summary_arrays(self, n: int, n_new: int, horizon: float, *,
                       one_step_links: bool = False) -> tuple[np.ndarray, ...]:
        """For an engine whose kernel adds its events to the summaries itself: feed the
        buffer events ``.. n - 1`` not fed yet (e.g. carried roots), make room for
        ``n_new`` more events (`AvalancheAccumulator.reserve`) and return the accumulator's
        `kernel_arrays` (``one_step_links``: see there); the engine then sets ``n_fed`` to
        the events its kernel added."""
        accumulator = self.accumulator
        if n > self.n_fed:
            accumulator.feed(self.time, self.neuron, self.avalanche, self.generation,
                             self.parent_indptr, self.parent_ids, self.depth, self.n_fed, n,
                             self.offset)
            self.n_fed = n
        accumulator.reserve(n_new, horizon=horizon)
        return accumulator.kernel_arrays(one_step_links=one_step_links)

    def _global(self, position: NDArray) -> NDArray[np.int64]:
        """Global ids of buffer positions (a new array)."""
        out = position.astype(np.int64)
        out += self.offset
        if self.n_live:
            carried = np.flatnonzero(position < self.n_live)
            out[carried] = self.live_ids[position[carried]]
        return out

    def flush(self, n: int, live: NDArray[np.int64], end_time: float) -> None:
        """Consume events ``n_live .. n - 1``, keep the ``live`` ones at the front."""
        begin = self.n_live
        live = np.asarray(live, np.int64)
        ends = self.columns.get("end_time")
        if ends is not None:  # the carried live events that deactivated since the last flush
            done = np.flatnonzero(np.isfinite(ends[:begin]))
            if len(done) and self.writer is not None:
                self._ended.append((self.live_ids[done], ends[done]))
            if self.last_ends is not None:
                self.last_ends.add(self.avalanche[done], ends[done])
                self.last_ends.add(self.avalanche[begin:n], ends[begin:n])
        if n > begin:
            skip = max(0, min(n, begin + self.n_carried - self.n_total) - begin)
            self._bin(self.time[begin + skip:n])
            if self.accumulator is not None and n > max(begin, self.n_fed):
                self.accumulator.feed(self.time, self.neuron, self.avalanche,
                                      self.generation, self.parent_indptr, self.parent_ids,
                                      self.depth, max(begin, self.n_fed), n, self.offset)
        self._stale = n == begin
        live_ids = self._global(live)
        if self.writer is not None and not self._stale:  # copies: the buffer is reused
            lo, hi = int(self.parent_indptr[begin]), int(self.parent_indptr[n])
            self._behind.submit(
                self.writer.write_chunk, self.time[begin:n].copy(),
                self.neuron[begin:n].copy(), self.avalanche[begin:n].astype(np.int64),
                self.generation[begin:n].copy(), self.parent_indptr[begin:n + 1] - lo,
                self._global(self.parent_ids[lo:hi]), live=live_ids, end_time=end_time,
                **self._lifetimes(begin, n))
        if self.accumulator is not None:
            self.accumulator.boundary(self.avalanche[live])  # repeats are harmless
        self.live_ids = live_ids
        self.n_total += n - begin
        m = len(live)
        for name in ("time", "neuron", "avalanche", "generation", "depth"):
            array = getattr(self, name)
            array[:m] = array[live]
        for column in self.columns.values():
            column[:m] = column[live]
        self.parent_indptr[: m + 1] = 0
        self.offset = self.n_total - m
        self.n_live = self.n_fed = m
        self._end_time = end_time

    def summaries(self) -> dict[str, NDArray]:
        """The accumulated per-avalanche arrays (`AvalancheAccumulator.summaries`), with
        ``lifetime`` when the engine records lifetimes (an ``end_time`` column): the live
        events kept at the front after the last flush are the ones still active."""
        arrays = self.accumulator.summaries(release=True)
        if "end_time" in self.columns:
            arrays["lifetime"] = self.last_ends.lifetime(arrays["start"],
                                                         self.avalanche[:self.n_live])
        return arrays

    def finish(self, n: int, alive: NDArray, end_time: float) -> None:
        """After the engine: consume what it did not flush (an engine that never flushes
        keeps every event until here), keeping the events of the ``alive`` avalanches."""
        if n > self.n_live:
            live = np.flatnonzero(np.isin(self.avalanche[:n], alive))
            self.flush(n, live, end_time)

    def close(self, final: dict) -> None:
        """Finish the streamed dataset (``final``: the run's end, JSON-able); a last empty
        chunk records the final live events when the last flush had no new events."""
        if self.writer is None:
            return
        self._behind.close()  # the last chunk written, or its error raised
        if self._stale or self.writer.n_chunks == 0:
            self.writer.write_chunk(self.time[:0], self.neuron[:0], self.avalanche[:0],
                                    self.generation[:0], np.zeros(1, np.int64),
                                    np.zeros(0, np.int64), live=self.live_ids,
                                    end_time=self._end_time, **self._lifetimes(0, 0))
        self.writer.close(final)

    def abort(self) -> None:
        """After a failed run: let the chunk being written finish, then stop the writer
        thread (the run's own error is the one raised, not a second one of that write)."""
        if self._behind is not None:
            with contextlib.suppress(Exception):
                self._behind.close()

    def _lifetimes(self, begin: int, n: int) -> dict[str, NDArray]:
        """The lifetime arguments of a chunk of events ``begin .. n - 1`` (none without an
        ``end_time`` column): their end times and the pending deactivations, which the
        chunk then records."""
        ends = self.columns.get("end_time")
        if ends is None:
            return {}
        pending, self._ended = self._ended, []
        return {"event_end_time": ends[begin:n].copy(),
                "ended_ids": np.concatenate([np.zeros(0, np.int64)]
                                            + [ids for ids, _ in pending]),
                "ended_times": np.concatenate([np.zeros(0)] + [t for _, t in pending])}
