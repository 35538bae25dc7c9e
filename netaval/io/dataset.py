"""Streamed runs: the full causal record as a Parquet dataset, written chunk by chunk.

`netaval.simulate(..., out=PATH)` writes a directory ``PATH`` while the run proceeds:

- ``part-000000.parquet``, ``part-000001.parquet``, ...: one file per chunk of events, in
  causal order, columns ``time`` (int64 steps or float64), ``neuron`` (int32),
  ``avalanche`` (int64), ``generation`` (int32) and ``parents`` (``large_list<int64>``:
  global event ids, primary first). Event ids are global (row number over the whole
  dataset), so a dataset may hold more than 2**31 - 1 events. Each file carries, as JSON
  in its schema metadata under ``netaval.chunk``, its first event id, its number of
  events, the simulated time at its end, a CRC-32 of every column, and ``live``: the ids
  of the events that may still be parents of later events (the engine's frontier), which
  is what lets a reader compute per-avalanche quantities in one pass with memory
  O(avalanches + nodes + chunk).
- Lifetimes (format version 2; continuous-time models that record `Events.end_time`,
  such as `netaval.ContactProcess` and `netaval.FacilitatedContact`): a float64 column
  ``end_time`` after ``generation`` holds each event's deactivation time as known when
  its chunk was written, ``inf`` for the activations still active then (they are the
  chunk's ``live`` events). An activation that ends in a later chunk is recorded there,
  under ``ended`` in that chunk's metadata: the ids (sorted) and end times of the events
  of earlier chunks that deactivated since the previous chunk. Replaying those records
  (`read_events` does) gives exactly the in-memory ``end_time``: ``inf`` for the
  activations still active when the run stopped. A writer keeps only the pending records
  of the live events, O(alive), never O(events).
- ``_manifest.json``: format name and version, the run's metadata (model, network
  provenance, seed, protocol...), and, once the run has finished, ``complete: true`` with
  its end (end time, truncation, activity).

`DatasetWriter` refuses, before writing, whatever the readers of this module (and
`netaval.load`) would refuse, so each file it writes is valid with those before it. Every
file is written atomically (temporary file, fsync, rename), the manifest first with
``complete: false``. A writer that crashes therefore leaves the chunks it completed
readable: readers take the consecutive part files whose first event ids follow each
other, and flag the avalanches still alive at the last one as truncated (an activation
whose deactivation would have been recorded in a missing chunk keeps ``end_time`` inf,
still active as far as the completed chunks tell). Datasets of format version 1 are read
as before: without ``end_time`` (`Events.end_time` is None, so `Avalanches.lifetime`
refuses them). Names starting
with ``_`` are skipped by `pyarrow.dataset`, so ``pyarrow.dataset.dataset(PATH)`` (or
polars, DuckDB, Spark) reads the events of every chunk as one table.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netaval._memory import MAX_ACTIVITY_BINS
from netaval._validation import Boolean, Interval, check_param, check_path, exact_column
from netaval.errors import CorruptFileError, InvalidParameterError
from netaval.events import Events
from netaval.io._atomic import atomic_write
from netaval.io._columns import read_event_columns, read_table
from netaval.io._json import crc, decode_array, encode_array, from_json, to_json
from netaval.run import Run

__all__ = ["DATASET_FORMAT_NAME", "DATASET_FORMAT_VERSION", "DatasetWriter", "EventChunk",
           "DatasetSummary", "is_dataset", "read_manifest", "iter_chunks", "read_events",
           "summarise", "load_dataset"]

#: Format name of the manifest of a streamed run.
DATASET_FORMAT_NAME = "netaval.dataset"
#: Version of the dataset layout; datasets with a higher version are refused. Version 2
#: added the lifetimes (``end_time`` column and ``ended`` records); version 1 is read
#: without them.
DATASET_FORMAT_VERSION = 2
MANIFEST = "_manifest.json"
_CHUNK_KEY = b"netaval.chunk"
_PART = re.compile(r"^part-(\d{6,})\.parquet$")
_COLUMNS = ("time", "neuron", "avalanche", "generation")
_LIFETIME_COLUMNS = (*_COLUMNS, "end_time")
#: How the part files are encoded (any Parquet reader decodes them). Delta-packing the
#: nearly monotone integer columns and the parent ids makes them smaller than snappy over
#: plain values and about twice as fast to write and read; only the times are compressed
#: (plain int64 steps: snappy shrinks them 20-fold), the neuron ids are incompressible.
_ENCODING = {"avalanche": "DELTA_BINARY_PACKED", "generation": "DELTA_BINARY_PACKED",
             "parents.list.element": "DELTA_BINARY_PACKED"}
_COMPRESSION = {"time": "snappy", "end_time": "snappy", "neuron": "none",
                "avalanche": "none", "generation": "none", "parents.list.element": "none"}
#: Columns with min/max statistics (what a reader filters a time window or avalanches by).
_STATISTICS = ["time", "avalanche"]


@dataclass(frozen=True)
class EventChunk:
    """One chunk of a streamed run, as read back (see the module docstring).

    Attributes
    ----------
    index : int
        Chunk number.
    first_event : int
        Global id of the chunk's first event.
    time, neuron, avalanche, generation : ndarray
        int64 or float64, int32, int64, int32, one entry per event.
    parent_indptr : ndarray of int64, shape (n_events + 1,)
        CSR offsets into ``parent_ids``, starting at 0.
    parent_ids : ndarray of int64
        Global ids of the parents.
    live : ndarray of int64
        Global ids of the events that may still be parents after this chunk.
    end_time : float
        Simulated time when the chunk was written.
    event_end_time : ndarray of float64 or None
        The events' deactivation times as known when the chunk was written (``inf``: still
        active then); None when the dataset records no lifetimes.
    ended_ids, ended_times : ndarray of int64, ndarray of float64
        Events of earlier chunks (global ids, increasing) that deactivated since the
        previous chunk, and when (empty without lifetimes).
    """

    index: int
    first_event: int
    time: NDArray
    neuron: NDArray[np.int32]
    avalanche: NDArray[np.int64]
    generation: NDArray[np.int32]
    parent_indptr: NDArray[np.int64]
    parent_ids: NDArray[np.int64]
    live: NDArray[np.int64]
    end_time: float
    event_end_time: NDArray[np.float64] | None = None
    ended_ids: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    ended_times: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, np.float64))

    @property
    def n_events(self) -> int:
        """Number of events in the chunk."""
        return int(len(self.neuron))


def _part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


_NO_IDS = np.zeros(0, np.int64)
_INT32_RANGE = (-(2**31), 2**31 - 1)  # the steps the out-of-core summaries keep


@dataclass(frozen=True)
class _Stream:
    """What the readers know of a dataset after its chunks so far, O(alive): what
    `DatasetWriter` checks a new chunk (`follow`) and the run's end (`finish`) against, so
    that it refuses, before writing, exactly what `iter_chunks`, `summarise` (so
    `netaval.load` and `netaval.Avalanches.from_dataset`) and `read_events` refuse, and
    the dataset cut after any chunk stays readable.

    ``live`` (sorted global ids) and their avalanche, generation and activation time;
    ``n_bins``: the activity's bins so far (1 + the bin of the last event after the
    ``n_carried`` carried ones); ``written``: the previous chunk's end time.
    """

    continuous: bool
    n_nodes: int
    n_carried: int
    n_events: int = 0
    n_avalanches: int = 0
    last_time: float = -np.inf
    n_bins: int = 0
    written: float = -np.inf
    live: NDArray[np.int64] = field(default_factory=lambda: _NO_IDS)
    live_avalanche: NDArray[np.int64] = field(default_factory=lambda: _NO_IDS)
    live_generation: NDArray[np.int64] = field(default_factory=lambda: _NO_IDS)
    live_start: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def _find(self, ids: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        """Positions of ``ids`` in ``live`` and whether each is there."""
        if not len(self.live):
            return np.zeros(len(ids), np.intp), np.zeros(len(ids), np.bool_)
        at = np.minimum(np.searchsorted(self.live, ids), len(self.live) - 1)
        return at, self.live[at] == ids

    def _bins(self, end_time: float) -> int:
        """The activity bins a reader gives a run ending at ``end_time``."""
        return int(np.ceil(end_time)) if self.continuous else int(end_time)

    def _check_end(self, subject: str, end_time: Any, n_bins: int, after: Any = None) -> None:
        """Refuse an end time (``subject``: what it is, for the message) a reader refuses
        for a run whose activity has ``n_bins`` bins, after an event at ``after``."""
        window = Interval(numbers.Real, 0, MAX_ACTIVITY_BINS)
        if (window.accepts(end_time) and (after is None or after <= end_time)
                and self._bins(end_time) >= n_bins):
            return
        rules = [window.describe()]
        if after is not None:
            rules.append(f"at or after the chunk's last event time {after.item()!r}")
        if n_bins:
            rules.append(f"{'above' if self.continuous else 'at least'} "
                         f"{n_bins - 1 if self.continuous else n_bins} (the activity runs to "
                         f"bin {n_bins - 1})")
        raise InvalidParameterError(f"{subject} must be {', '.join(rules[:-1])}"
                                    f"{' and ' if len(rules) > 1 else ''}{rules[-1]}. Got "
                                    f"{end_time!r} instead.")

    def finish(self, owner: str, final: dict[str, Any]) -> None:
        """Refuse a run's end (``final``, as read back) the readers would: entries of the
        wrong type, an end time before the activity's last bin, or fewer events than the
        metadata says were carried."""
        def refused(reason: str) -> InvalidParameterError:
            return InvalidParameterError(f"The 'final' parameter of {owner} {reason}.")

        _check_final(final, refused)
        self._check_end(f"The 'final' parameter of {owner} entry 'end_time'",
                        final["end_time"], self.n_bins)
        if self.n_events < self.n_carried:
            raise InvalidParameterError(
                f"The 'final' parameter of {owner} ends a run of {self.n_events} events, "
                f"fewer than the n_carried = {self.n_carried} carried ones of its metadata.")

    def follow(self, owner: str, arrays: dict[str, NDArray], live: NDArray[np.int64],
               end_time: Any, ended: tuple[NDArray, NDArray] | None) -> _Stream:
        """The state after the chunk ``arrays`` (the stored columns), or the error naming
        the first parameter a reader would refuse it for (see the class docstring)."""
        from netaval._kernels import events as _ke

        def refuse(name: str, text: str) -> InvalidParameterError:
            return InvalidParameterError(f"The {name!r} parameter of {owner} {text}.")

        time, neuron = arrays["time"], arrays["neuron"]
        avalanche, generation = arrays["avalanche"], arrays["generation"]
        n, first = len(neuron), self.n_events
        end_subject = f"The 'end_time' parameter of {owner}"
        self._check_end(end_subject, end_time, 0)  # a number in range, then the rest
        # one pass: times, neurons, parents (of the chunk or live), lineage
        code, e, n_roots = _ke._check_chunk(
            time, neuron, avalanche, generation, arrays["parent_indptr"],
            arrays["parent_ids"], first, self.n_nodes, self.n_avalanches,
            float(self.last_time), self.live, self.live_avalanche, self.live_generation)
        if code != _ke.OK:
            raise self._fault(refuse, code, e, arrays, self.n_avalanches + n_roots)
        # the window's times in the activity range, steps in int32 (the summaries' range)
        if n and not self.continuous and (time[0] < _INT32_RANGE[0]
                                          or time[-1] > _INT32_RANGE[1]):
            raise refuse("time", f"must hold steps in the int32 range. Got steps in "
                                 f"[{time[0]}, {time[-1]}]")
        inside = time[max(0, self.n_carried - first):]
        if len(inside) and not (inside[0] >= 0 and inside[-1] < MAX_ACTIVITY_BINS):
            raise refuse("time", f"must lie in [0, MAX_ACTIVITY_BINS = {MAX_ACTIVITY_BINS}) "
                                 f"after the n_carried = {self.n_carried} carried events. Got "
                                 f"times in [{inside[0]}, {inside[-1]}]")
        if first + n < self.n_carried:
            raise refuse("time", f"must bring the dataset to at least the n_carried = "
                                 f"{self.n_carried} carried events of its metadata (a dataset "
                                 f"cut after this chunk must hold them). Got {n} events, "
                                 f"{first + n} in all")
        n_bins = (int(np.floor(time[-1])) + 1 if n and first + n > self.n_carried
                  else self.n_bins)
        self._check_end(end_subject, end_time, n_bins, time[-1] if n else None)
        # live: events of the chunk or live at the previous chunk
        live = np.unique(live)
        new = live >= first
        old_at, old_known = self._find(live[~new])
        if (len(live) and live[-1] >= first + n) or not old_known.all():
            raise refuse("live", f"must list ids of the chunk's events ({first} to "
                                 f"{first + n - 1}) or of events live at the previous chunk")
        if ended is not None:
            self._check_lifetimes(refuse, arrays, live, new, end_time, ended)
        local = live[new] - first

        def carried(column: NDArray, before: NDArray, dtype: Any) -> NDArray:
            out = np.empty(len(live), dtype)
            out[new] = column[local]
            out[~new] = before[old_at]
            return out

        return dataclasses.replace(
            self, n_events=first + n, n_avalanches=self.n_avalanches + n_roots,
            last_time=time[-1].item() if n else self.last_time, n_bins=n_bins,
            written=float(end_time),  # what a reader of the next chunk compares with
            live=live, live_avalanche=carried(avalanche, self.live_avalanche, np.int64),
            live_generation=carried(generation, self.live_generation, np.int64),
            live_start=carried(time, self.live_start, np.float64))

    def _fault(self, refuse: Any, code: int, e: int, arrays: dict[str, NDArray],
               expected_root: int) -> InvalidParameterError:
        """The error for `_check_chunk`'s ``code`` at chunk position ``e``."""
        from netaval._kernels import events as _ke

        event = self.n_events + e
        if code == _ke.BAD_TIME:
            time = arrays["time"]
            before = time[e - 1].item() if e else self.last_time
            return refuse("time", f"must be finite and non-decreasing, from the previous "
                                  f"chunk's last time {self.last_time!r}. Got "
                                  f"{before!r} then {time[e].item()!r} at event {event}")
        if code == _ke.BAD_NEURON:
            return refuse("neuron", f"must hold neuron ids in [0, n_nodes = {self.n_nodes}). "
                                    f"Got {arrays['neuron'][e]} at event {event}")
        indptr = arrays["parent_indptr"]
        parents = arrays["parent_ids"][indptr[e]:indptr[e + 1]].tolist()
        if code == _ke.BAD_PARENT:
            return refuse("parent_ids", f"must hold ids of earlier events, of the chunk or "
                                        f"live at the previous chunk. Got {parents} for "
                                        f"event {event}")
        root = "a root, opening avalanche " + str(expected_root) if not parents else \
            f"primary parent {parents[0]}"
        if code == _ke.BAD_AVALANCHE:
            return refuse("avalanche", f"must number the roots (events without parents) in "
                                       f"order and give every other event its primary "
                                       f"parent's avalanche. Got {arrays['avalanche'][e]} for "
                                       f"event {event} ({root})")
        return refuse("generation", f"must be 0 for a root and 1 + the primary parent's "
                                    f"otherwise. Got {arrays['generation'][e]} for event "
                                    f"{event} ({root})")

    def _check_lifetimes(self, refuse: Any, arrays: dict[str, NDArray],
                         live: NDArray[np.int64], new: NDArray[np.bool_], end_time: Any,
                         ended: tuple[NDArray, NDArray]) -> None:
        """The lifetime columns and deactivation records against the chunk and the
        previous one: an event ends once, after it started, after the previous chunk was
        written and not after this one, only while live; a live event stays live until
        it ends."""
        time, ends, first = arrays["time"], arrays["end_time"], self.n_events
        if np.any(ends < time) or np.any(ends[np.isfinite(ends)] > end_time):
            raise refuse("event_end_time", f"must hold, per event, an end at or after its "
                                           f"time and not after 'end_time' ({end_time!r}); "
                                           "inf while it is active")
        ids, times = ended
        at, known = self._find(ids)
        if len(ids) and (np.any(np.diff(ids) <= 0) or not known.all()):
            raise refuse("ended_ids", "must be distinct ids of events live at the previous "
                                      "chunk")
        if not np.all(np.isfinite(times)) or np.any(times > end_time) or np.any(
                times < self.live_start[at]) or np.any(times < self.written):
            raise refuse("ended_times", f"must be finite, not after 'end_time' ({end_time!r}), "
                                        f"nor before the event's start or the previous "
                                        f"chunk's end time ({self.written!r})")
        if np.isfinite(ends[live[new] - first]).any() or np.isin(ids, live).any():
            raise refuse("live", "must not list an event that has ended (a finite "
                                 "'event_end_time', or in 'ended_ids')")
        dropped = np.setdiff1d(self.live, np.union1d(ids, live))
        if len(dropped):
            raise refuse("live", f"must keep every event live at the previous chunk until it "
                                 f"ends (in 'ended_ids'). Got {dropped[:5].tolist()} dropped")


class DatasetWriter:
    """Write a streamed run chunk by chunk (used by `netaval.simulate` with ``out=``).

    Parameters
    ----------
    path : str or path-like
        A directory that does not exist yet, or an empty one.
    metadata : dict
        JSON-able run metadata stored in the manifest (model, network, seed, ...).
    continuous : bool
        Float64 times instead of int64 steps.
    n_nodes : int
        Number of neurons.

    Raises
    ------
    InvalidParameterError
        From the constructor, `write_chunk` and `close`, before anything is written, for
        any input the readers (`iter_chunks`, `summarise`, `read_events`, `netaval.load`,
        `netaval.Avalanches.from_dataset`) would refuse, in the metadata, a chunk (read
        with the chunks before it) or the run's end: the dataset cut after any chunk
        written stays readable. The one exception is a continuation's dataset before
        its first chunk, which must bring all the carried events (``n_carried`` in the
        metadata's ``protocol_params``).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run")
    >>> writer = DatasetWriter(path, metadata={}, continuous=False, n_nodes=2)
    >>> writer.write_chunk(np.array([0, 1]), np.array([0, 1], np.int32),
    ...                    np.array([0, 0]), np.array([0, 1], np.int32),
    ...                    np.array([0, 0, 1]), np.array([0]), live=np.array([1]), end_time=2)
    >>> writer.close({"end_time": 2})
    >>> [chunk.parent_ids.tolist() for chunk in iter_chunks(path)]
    [[0]]
    """

    def __init__(self, path: str | PathLike, *, metadata: dict[str, Any], continuous: bool,
                 n_nodes: int) -> None:
        owner = "DatasetWriter"
        path = check_path(owner, "path", path)
        check_param(owner, "continuous", continuous, Boolean())
        check_param(owner, "n_nodes", n_nodes, Interval(numbers.Integral, 0, 2**31 - 1))
        metadata = _json_dict(owner, "metadata", metadata)

        def refused(reason: str) -> InvalidParameterError:
            return InvalidParameterError(f"The 'metadata' parameter of {owner} {reason}.")

        # what `netaval.load` refuses in the metadata, refused before anything is written
        meta = from_json(metadata)
        _check_metadata(meta, refused, stacklevel=None)
        n_carried = int((meta.get("protocol_params") or {}).get("n_carried") or 0)
        check_new_directory(owner, "path", path)
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.continuous = bool(continuous)
        self.n_nodes = int(n_nodes)
        self.n_events = 0
        self.n_chunks = 0
        self.lifetimes = False  # the chunks carry end_time (set by the first chunk)
        self._stream = _Stream(self.continuous, self.n_nodes, n_carried)  # what readers check
        self._manifest = {"format": DATASET_FORMAT_NAME, "version": DATASET_FORMAT_VERSION,
                          "continuous": self.continuous, "n_nodes": self.n_nodes,
                          "complete": False, "metadata": metadata}
        self._write_manifest()

    def _write_manifest(self) -> None:
        text = json.dumps(self._manifest, allow_nan=False).encode("utf-8")
        atomic_write(os.path.join(self.path, MANIFEST), lambda handle: handle.write(text))

    def write_chunk(self, time: NDArray, neuron: NDArray, avalanche: NDArray,
                    generation: NDArray, parent_indptr: NDArray, parent_ids: NDArray, *,
                    live: NDArray, end_time: float, event_end_time: NDArray | None = None,
                    ended_ids: NDArray | None = None,
                    ended_times: NDArray | None = None) -> None:
        """Append one chunk: events in causal order, parents as global ids.

        ``parent_indptr`` may start at any offset into ``parent_ids``; ``live`` lists the
        global ids of the events that may still be parents of later events. Lifetimes
        (continuous time, every chunk or none): ``event_end_time`` gives the chunk's
        events' deactivation times (``inf`` while active: those events are live), and
        ``ended_ids`` / ``ended_times`` the events of earlier chunks that deactivated
        since the previous chunk (any order; empty when omitted).

        What the readers check is refused here, naming the parameter: times finite and
        non-decreasing across chunks (after the carried events, in ``[0,
        MAX_ACTIVITY_BINS)``); neuron ids below ``n_nodes``; parents that are earlier
        events of the chunk or live at the previous one; roots numbering the avalanches
        in order, other events in their primary parent's avalanche one generation on;
        ``live`` ids of the chunk or live before; ``end_time`` in ``[0,
        MAX_ACTIVITY_BINS]``, at or after the chunk's last event and past its activity
        bin; lifetimes that end once, while live, between the previous chunk's end time
        and this one's. A refused chunk leaves the writer as it was.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        owner = "DatasetWriter.write_chunk"
        lifetimes = event_end_time is not None
        if lifetimes and not self.continuous:
            raise InvalidParameterError(f"The 'event_end_time' parameter of {owner} is for "
                                        "continuous time only (a discrete event lasts one "
                                        "step).")
        if self.n_chunks and lifetimes != self.lifetimes:
            raise InvalidParameterError(f"The 'event_end_time' parameter of {owner} must be "
                                        "given for every chunk of a dataset or for none.")
        if not lifetimes and (ended_ids is not None or ended_times is not None):
            raise InvalidParameterError(f"The 'ended_ids' and 'ended_times' parameters of "
                                        f"{owner} need 'event_end_time'.")
        neuron = _column(owner, "neuron", neuron, np.int32)
        n = len(neuron)
        arrays = {"time": _column(owner, "time", time,
                                  np.float64 if self.continuous else np.int64, length=n),
                  "neuron": neuron,
                  "avalanche": _column(owner, "avalanche", avalanche, np.int64, length=n),
                  "generation": _column(owner, "generation", generation, np.int32, length=n)}
        parent_ids = _column(owner, "parent_ids", parent_ids, np.int64)
        indptr = _column(owner, "parent_indptr", parent_indptr, np.int64, length=n + 1,
                         at_least=True)[: n + 1]
        lo, hi = int(indptr[0]), int(indptr[n])
        if lo < 0 or hi > len(parent_ids) or np.any(indptr[1:] < indptr[:-1]):
            raise InvalidParameterError(
                f"The 'parent_indptr' parameter of {owner} must be non-decreasing offsets "
                f"into 'parent_ids' (0 to {len(parent_ids)}). Got offsets from {lo} to {hi}.")
        arrays["parent_indptr"] = indptr - lo if lo else indptr
        arrays["parent_ids"] = parent_ids[lo:hi]
        live = _column(owner, "live", live, np.int64)
        names = _COLUMNS
        ended = None
        if lifetimes:
            names = _LIFETIME_COLUMNS
            arrays["end_time"] = _column(owner, "event_end_time", event_end_time, np.float64,
                                         length=n)
            ids = np.zeros(0, np.int64) if ended_ids is None else _column(
                owner, "ended_ids", ended_ids, np.int64)
            times = np.zeros(0) if ended_times is None else _column(
                owner, "ended_times", ended_times, np.float64)
            if len(ids) != len(times):
                raise InvalidParameterError(f"The 'ended_times' parameter of {owner} must "
                                            "have one entry per ended id.")
            order = np.argsort(ids, kind="stable")
            ended = ids[order], times[order]
        # what the readers will refuse, refused now (nothing written): the new state
        stream = self._stream.follow(owner, arrays, live, end_time, ended)
        columns = {name: pa.array(arrays[name]) for name in names}
        columns["parents"] = pa.LargeListArray.from_arrays(
            pa.array(arrays["parent_indptr"], pa.int64()),
            pa.array(arrays["parent_ids"], pa.int64()))
        meta = {"index": self.n_chunks, "first_event": self.n_events, "n_events": n,
                "end_time": to_json(end_time),
                "live": encode_array(live),
                "checksums": {name: crc(array) for name, array in arrays.items()}}
        if ended is not None:
            meta["ended"] = {"ids": encode_array(ended[0]), "times": encode_array(ended[1])}
        table = pa.table(columns).replace_schema_metadata(
            {_CHUNK_KEY: json.dumps(meta, allow_nan=False).encode("utf-8")})
        atomic_write(os.path.join(self.path, _part_name(self.n_chunks)),
                     lambda handle: pq.write_table(table, handle, use_dictionary=False,
                                                   compression=_COMPRESSION,
                                                   column_encoding=_ENCODING,
                                                   write_statistics=_STATISTICS))
        self.lifetimes = lifetimes
        self._stream = stream
        self.n_chunks += 1
        self.n_events += n

    def close(self, final: dict[str, Any]) -> None:
        """Mark the dataset complete, with the run's end (``final``: JSON-able values, an
        ``end_time`` in ``[0, MAX_ACTIVITY_BINS]`` past the last event's bin among them)."""
        owner = "DatasetWriter.close"
        final = _json_dict(owner, "final", final)
        self._stream.finish(owner, from_json(final))  # what the readers refuse, refused
        self._manifest.update(complete=True, n_events=self.n_events, n_chunks=self.n_chunks,
                              final=final)
        self._write_manifest()


def check_new_directory(owner: str, name: str, path: str) -> None:
    """Refuse ``path`` unless it is a directory that does not exist yet or an empty one."""
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        which = "is not a directory" if not os.path.isdir(path) else "is not empty"
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must name a new or "
                                    f"empty directory. Got {path!r}, which {which}.")


def _json_dict(owner: str, name: str, value: Any) -> dict[str, Any]:
    """``value`` (a dict of JSON-able values) as JSON, or an error naming the parameter."""
    if not isinstance(value, dict):
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must be a dict. Got "
                                    f"{type(value).__name__} instead.")
    try:
        return to_json(value)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"The {name!r} parameter of {owner}: {exc}") from None


def _column(owner: str, name: str, values: Any, dtype: Any, **kwargs: Any) -> NDArray:
    """A chunk column, exactly (`netaval._validation.exact_column`): integral floats are
    accepted for an integer ``dtype``, NaN is refused; what the values mean is checked
    against the stream (`_Stream.follow`)."""
    return exact_column(owner, name, values, dtype, integral_floats=True, nan=False, **kwargs)


def is_dataset(path: str | PathLike) -> bool:
    """True when ``path`` is a directory holding a streamed-run manifest.

    Parameters
    ----------
    path : str or path-like

    Examples
    --------
    >>> import tempfile
    >>> is_dataset(tempfile.mkdtemp())
    False
    """
    return _is_dataset(check_path("is_dataset", "path", path))


def _is_dataset(folder: str) -> bool:
    """`is_dataset` of a checked path."""
    return os.path.isfile(os.path.join(folder, MANIFEST))


def read_manifest(path: str | PathLike) -> dict[str, Any]:
    """The manifest of the streamed run at ``path``, checked (metadata decoded).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        ``format``, ``version``, ``continuous``, ``n_nodes``, ``complete``, ``metadata``
        and, once complete, ``n_events``, ``n_chunks`` and ``final``.

    Raises
    ------
    FileNotFoundError
        When ``path`` holds no manifest.
    CorruptFileError
        When the manifest is malformed, of another format, or of a newer version.
    """
    return _read_manifest(check_path("read_manifest", "path", path))


def _read_manifest(path: str) -> dict[str, Any]:
    """`read_manifest` of a checked path."""
    target = os.path.join(path, MANIFEST)
    if os.path.exists(target) and not os.path.isfile(target):  # a FIFO would block open
        raise CorruptFileError(f"Cannot read the streamed run at {path}: its manifest is not "
                               "a regular file.")
    with open(target, "rb") as handle:  # FileNotFoundError propagates
        raw = handle.read()
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != DATASET_FORMAT_NAME:
            raise CorruptFileError(f"Cannot read the streamed run at {path}: unknown format "
                                   f"{manifest.get('format')!r}.")
        version = manifest.get("version")
        if not isinstance(version, int) or version > DATASET_FORMAT_VERSION:
            raise CorruptFileError(f"Cannot read the streamed run at {path}: format version "
                                   f"{version!r} is newer than this netaval reads "
                                   f"({DATASET_FORMAT_VERSION}); upgrade netaval.")
        manifest["metadata"] = from_json(manifest["metadata"])
        manifest["final"] = from_json(manifest.get("final"))
        _check_manifest(manifest, lambda reason: CorruptFileError(
            f"Cannot read the streamed run at {path}: its manifest {reason}."))
    except CorruptFileError:
        raise
    except Exception as exc:
        raise CorruptFileError(f"Cannot read the streamed run at {path}: its manifest is "
                               f"malformed ({type(exc).__name__}: {exc}).") from exc
    return manifest


#: What the manifest's entries must be (the run's end ones once it is complete): readers
#: size buffers by them, so a forged value would be a memory bomb or a silent misload.
_MANIFEST_ENTRIES = {"n_nodes": Interval(numbers.Integral, 0, 2**31 - 1),
                     "continuous": Boolean(), "complete": Boolean()}
_COMPLETE_ENTRIES = {"n_events": Interval(numbers.Integral, 0, None),
                     "n_chunks": Interval(numbers.Integral, 0, None)}
_FINAL_ENTRIES = {"end_time": Interval(numbers.Real, 0, MAX_ACTIVITY_BINS)}
_OPTIONAL_FINAL_ENTRIES = {"truncated": Boolean(), "wall_time": Interval(numbers.Real, 0, None)}


def _check_entries(entries: dict[str, Any], constraints: dict[str, Any], where: str,
                   corrupt: Any, *, optional: bool = False) -> None:
    for key, constraint in constraints.items():
        if optional and key not in entries:
            continue
        if key not in entries:
            raise corrupt(f"has no {where}{key!r} entry")
        if not constraint.accepts(entries[key]):
            raise corrupt(f"entry {where}{key!r} must be {constraint.describe()}. Got "
                          f"{entries[key]!r}")


def _check_manifest(manifest: dict[str, Any], corrupt: Any) -> None:
    """The manifest's entries have the types and ranges `DatasetWriter` writes (the time
    window at most `MAX_ACTIVITY_BINS` bins, as `netaval.simulate` allows)."""
    _check_entries(manifest, _MANIFEST_ENTRIES, "", corrupt)
    if not isinstance(manifest["metadata"], dict):
        raise corrupt(f"entry 'metadata' must be a JSON object. Got {manifest['metadata']!r}")
    if not manifest["complete"]:
        return
    _check_entries(manifest, _COMPLETE_ENTRIES, "", corrupt)
    final = manifest["final"]
    if not isinstance(final, dict):
        raise corrupt(f"entry 'final' must be a JSON object. Got {final!r}")
    _check_final(final, corrupt, "final ")


def _check_final(final: dict[str, Any], corrupt: Any, where: str = "") -> None:
    """The run's end (a manifest's ``final``) has the entries readers need (the reader's
    check and `DatasetWriter.close`'s)."""
    _check_entries(final, _FINAL_ENTRIES, where, corrupt)
    _check_entries(final, _OPTIONAL_FINAL_ENTRIES, where, corrupt, optional=True)
    if not isinstance(final.get("series", {}), dict):
        raise corrupt(f"entry {where}'series' must be a JSON object. Got {final['series']!r}")


def _read_chunk(path: str, index: int, continuous: bool, version: int) -> EventChunk:
    target = os.path.join(path, _part_name(index))

    def corrupt(reason: str) -> CorruptFileError:
        return CorruptFileError(f"Cannot read chunk {target}: {reason}.")

    table, metadata = read_table(
        target, (_CHUNK_KEY,), corrupt,
        "its two copies of the chunk metadata differ (corrupted metadata)")
    try:
        meta = json.loads(metadata[_CHUNK_KEY])
        names = tuple(table.column_names[:-1])
        lifetimes = continuous and version >= 2 and names == _LIFETIME_COLUMNS
        if table.column_names[-1:] != ["parents"] or names != (
                _LIFETIME_COLUMNS if lifetimes else _COLUMNS):
            raise corrupt(f"columns {table.column_names}")
        if table.num_rows != meta["n_events"] or meta["index"] != index:
            raise corrupt("its metadata does not match its contents")
        arrays = read_event_columns(table, names, corrupt)
        dtypes = {"time": np.float64 if continuous else np.int64, "neuron": np.int32,
                  "avalanche": np.int64, "generation": np.int32, "parent_indptr": np.int64,
                  "parent_ids": np.int64, "end_time": np.float64}
        for name, array in arrays.items():
            if array.dtype != dtypes[name]:
                raise corrupt(f"column {name!r} has dtype {array.dtype}")
            if crc(array) != meta["checksums"][name]:
                raise corrupt(f"the checksum of {name!r} does not match (corrupted data)")
        live = decode_array(meta["live"]).astype(np.int64)
        written = from_json(meta["end_time"])
        if not Interval(numbers.Real, 0, MAX_ACTIVITY_BINS).accepts(written) or (
                len(arrays["time"]) and not arrays["time"][-1] <= written):
            raise corrupt(f"its end time {written!r} is not a time in [0, MAX_ACTIVITY_BINS] "
                          "at or after its events")
        chunk = EventChunk(index=index, first_event=int(meta["first_event"]), live=live,
                           end_time=from_json(meta["end_time"]),
                           event_end_time=arrays.pop("end_time", None), **arrays)
        if lifetimes:
            chunk = _read_ended(chunk, meta["ended"], corrupt)
        elif "ended" in meta:
            raise corrupt("it records deactivations but no end_time column")
        return chunk
    except CorruptFileError:
        raise
    except Exception as exc:
        raise corrupt(f"its metadata is malformed ({type(exc).__name__}: {exc})") from exc


def _read_ended(chunk: EventChunk, spec: dict[str, Any], corrupt: Any) -> EventChunk:
    """``chunk`` with its deactivation records, checked against the chunk alone.

    The end times must be known (no NaN), not before the events' times, not after the
    chunk was written; the ended ids must be increasing ids of earlier chunks. The checks
    against earlier chunks are `_Lifetimes`'s.
    """
    import dataclasses

    end, limit = chunk.event_end_time, float(chunk.end_time)
    if np.isnan(end).any() or np.any(end < chunk.time):
        raise corrupt("column 'end_time' holds an end before its event or NaN")
    if np.any(end[np.isfinite(end)] > limit):
        raise corrupt("column 'end_time' holds an end after the chunk was written")
    ids, times = decode_array(spec["ids"]), decode_array(spec["times"])
    if (ids.dtype != np.int64 or times.dtype != np.float64 or ids.ndim != 1
            or ids.shape != times.shape):
        raise corrupt("its deactivation records are not one int64 id and one float64 time "
                      "each")
    if len(ids) and (ids[0] < 0 or ids[-1] >= chunk.first_event or np.any(np.diff(ids) <= 0)):
        raise corrupt("its deactivation records name events outside the earlier chunks or "
                      "out of order")
    if not np.all(np.isfinite(times)) or np.any(times > limit):
        raise corrupt("its deactivation records hold a time that is not finite or after "
                      "the chunk was written")
    return dataclasses.replace(chunk, ended_ids=ids, ended_times=times)


class _Lifetimes:
    """The checks of deactivation records against the earlier chunks (`iter_chunks`).

    Keeps the previous chunk's live events and their activation times, O(alive): an
    event may end only once, after it started, after the previous chunk was written,
    and only while live; a live event stays live until it ends.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.live: NDArray[np.int64] | None = None  # unknown before the first chunk read
        self.start = np.zeros(0, np.float64)
        self.written = -np.inf

    def check(self, chunk: EventChunk) -> None:
        def corrupt(reason: str) -> CorruptFileError:
            return CorruptFileError(f"Cannot read the streamed run at {self.folder}: chunk "
                                    f"{chunk.index} {reason}.")

        ids, times = chunk.ended_ids, chunk.ended_times
        if self.live is not None and len(ids):
            found = np.minimum(np.searchsorted(self.live, ids), max(len(self.live) - 1, 0))
            if not len(self.live) or np.any(self.live[found] != ids):
                raise corrupt("ends an event that was not active at the previous chunk")
            if np.any(times < self.start[found]) or np.any(times < self.written):
                raise corrupt("ends an event before it started or before the previous "
                              "chunk was written")
        live = np.unique(chunk.live)
        local = live - chunk.first_event
        new = local >= 0
        if np.any(local >= chunk.n_events):
            raise corrupt("lists a live event after its end")
        if np.isfinite(chunk.event_end_time[local[new]]).any() or np.isin(ids, live).any():
            raise corrupt("lists a live event that has ended")
        start = np.full(len(live), -np.inf)  # unknown: read from a later chunk on
        start[new] = chunk.time[local[new]]
        if self.live is not None and len(np.setdiff1d(self.live, np.union1d(ids, live))):
            raise corrupt("drops a live event that has not ended")
        if self.live is not None and not new.all():
            old = live[~new]
            found = np.minimum(np.searchsorted(self.live, old), max(len(self.live) - 1, 0))
            if not len(self.live) or np.any(self.live[found] != old):
                raise corrupt("lists a live event it cannot have")
            start[~new] = self.start[found]
        self.live, self.start, self.written = live, start, float(chunk.end_time)


def _n_parts(path: str) -> int:
    """Number of consecutive part files 0, 1, ... present (completed chunks)."""
    present = {int(m.group(1)) for m in map(_PART.match, os.listdir(path)) if m}
    n = 0
    while n in present:
        n += 1
    return n


def iter_chunks(path: str | PathLike, *, start: int = 0) -> Iterator[EventChunk]:
    """Read the completed chunks of a streamed run in order, from chunk ``start`` on.

    Each chunk is checked (columns, dtypes, checksums, and that its first event id follows
    the previous chunk's last, read from chunk ``start - 1``'s metadata when resuming)
    before it is yielded. Works on a dataset whose writer crashed: the chunks it completed
    are read.

    Parameters
    ----------
    path : str or path-like
    start : int, default 0
        First chunk to read (reading can resume where it stopped).

    Yields
    ------
    EventChunk

    Raises
    ------
    CorruptFileError
        When a chunk or the manifest is damaged.
    """
    check_param("iter_chunks", "start", start, Interval(numbers.Integral, 0, None))
    folder = check_path("iter_chunks", "path", path)
    return _iter_chunks(folder, _read_manifest(folder), start)


def _iter_chunks(folder: str, manifest: dict[str, Any], start: int) -> Iterator[EventChunk]:
    """`iter_chunks` of a checked path whose ``manifest`` was read."""
    n_parts = _n_parts(folder)
    if manifest["complete"] and manifest.get("n_chunks") != n_parts:
        raise CorruptFileError(f"Cannot read the streamed run at {folder}: the manifest lists "
                               f"{manifest.get('n_chunks')} chunks, {n_parts} are present.")
    # resuming: the first chunk read must follow the one before it
    expected = _chunk_end(folder, start - 1) if 0 < start <= n_parts else None
    return _chunks(folder, manifest, start, n_parts, expected)  # checked now, read as iterated


def _chunk_end(folder: str, index: int) -> int:
    """The id after the last event of chunk ``index``, from its footer metadata alone."""
    import pyarrow.parquet as pq

    target = os.path.join(folder, _part_name(index))
    if not os.path.isfile(target):  # a FIFO would block pyarrow forever
        raise CorruptFileError(f"Cannot read chunk {target}: not a regular file.")
    try:
        meta = json.loads(pq.read_schema(target).metadata[_CHUNK_KEY])
        return int(meta["first_event"]) + int(meta["n_events"])
    except Exception as exc:
        raise CorruptFileError(f"Cannot read chunk {target}: its metadata is malformed "
                               f"({type(exc).__name__}: {exc}).") from exc


def _chunks(folder: str, manifest: dict[str, Any], start: int, n_parts: int,
            expected: int | None) -> Iterator[EventChunk]:
    """The chunks ``start .. n_parts - 1`` of `iter_chunks`, each checked as it is read
    (``expected``: the first event id of chunk ``start``, None when unknown)."""
    lifetimes = _Lifetimes(folder)
    n_carried = _n_carried(folder, manifest)
    last_time = -np.inf  # of the previous chunk (unknown when resuming: its data is not read)
    for index in range(start, n_parts):
        chunk = _read_chunk(folder, index, manifest["continuous"], manifest["version"])
        if expected is not None and chunk.first_event != expected:
            raise CorruptFileError(f"Cannot read the streamed run at {folder}: chunk {index} "
                                   f"starts at event {chunk.first_event}, expected {expected}.")
        last_time = _check_times(folder, chunk, last_time, n_carried)
        if index > start and (chunk.event_end_time is None) != (lifetimes.live is None):
            raise CorruptFileError(f"Cannot read the streamed run at {folder}: chunk {index} "
                                   "differs from the previous ones in having an end_time "
                                   "column.")
        if chunk.event_end_time is not None:
            lifetimes.check(chunk)
        expected = chunk.first_event + chunk.n_events
        if index == n_parts - 1 and manifest["complete"] and expected != manifest["n_events"]:
            raise CorruptFileError(f"Cannot read the streamed run at {folder}: its chunks hold "
                                   f"{expected} events, the manifest says "
                                   f"{manifest['n_events']}.")
        yield chunk


def _n_carried(folder: str, manifest: dict[str, Any]) -> int:
    """The number of carried events (the first ones, times before the window) a
    continuation records in ``protocol_params``; 0 without them."""
    params = manifest["metadata"].get("protocol_params")
    carried = params.get("n_carried", 0) if isinstance(params, dict) else 0
    if carried is None:
        return 0
    if not Interval(numbers.Integral, 0, None).accepts(carried):
        raise CorruptFileError(f"Cannot read the streamed run at {folder}: its protocol "
                               f"parameter 'n_carried' must be an int >= 0. Got {carried!r}.")
    return int(carried)


def _check_times(folder: str, chunk: EventChunk, last_time: float, n_carried: int) -> float:
    """A chunk's times are finite and non-decreasing from the previous chunk's last one,
    those after the carried events in the window ``[0, MAX_ACTIVITY_BINS)``; returns the
    last one (readers bin the times: a forged one would be a misplaced count or a memory
    bomb)."""
    time = chunk.time
    if not len(time):
        return last_time
    inside = time[max(0, n_carried - chunk.first_event):]
    if not (np.isfinite(time[0]) and np.isfinite(time[-1]) and time[0] >= last_time
            and (len(time) < 2 or (np.diff(time) >= 0).all())
            and (not len(inside) or (inside[0] >= 0 and inside[-1] < MAX_ACTIVITY_BINS))):
        raise CorruptFileError(
            f"Cannot read the streamed run at {folder}: chunk {chunk.index} has times that "
            f"are not finite and non-decreasing (from {last_time} at the previous chunk), or "
            f"that lie outside [0, MAX_ACTIVITY_BINS = {MAX_ACTIVITY_BINS}) after the carried "
            f"events.")
    return time[-1]


def read_events(path: str | PathLike) -> Events:
    """All events of a streamed run as one in-memory `Events` (when they fit).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Events
        Exactly the events that were streamed (ids as in the dataset), with their
        ``end_time`` when the dataset records lifetimes (the deactivations recorded in
        later chunks applied; ``inf`` for the activations still active at the end).

    Raises
    ------
    InvalidParameterError
        When the dataset holds more events (or avalanches) than one in-memory record can
        (2**31 - 1): use `netaval.Avalanches.from_dataset` or `iter_chunks` instead.
    CorruptFileError
        When the files are not a streamed run, or its events not a causal record.
    """
    from netaval.events import MAX_EVENTS_IN_MEMORY

    path = check_path("read_events", "path", path)
    manifest = _read_manifest(path)
    chunks = []
    n = 0
    for chunk in _iter_chunks(path, manifest, 0):
        n += chunk.n_events
        if n > MAX_EVENTS_IN_MEMORY or (chunk.n_events
                                        and chunk.avalanche[-1] >= MAX_EVENTS_IN_MEMORY):
            raise InvalidParameterError(
                f"The 'path' parameter of read_events names a streamed run of more than "
                f"{MAX_EVENTS_IN_MEMORY} events or avalanches, more than one in-memory "
                "Events holds; compute its avalanches out of core with "
                "Avalanches.from_dataset(path), or read it chunk by chunk with iter_chunks.")
        chunks.append(chunk)
    continuous = manifest["continuous"]
    if not chunks:
        return Events.empty(continuous=continuous)
    indptr = np.zeros(n + 1, np.int64)
    position = 0
    links = 0
    for chunk in chunks:
        indptr[position + 1: position + chunk.n_events + 1] = chunk.parent_indptr[1:] + links
        position += chunk.n_events
        links += int(chunk.parent_indptr[-1])

    def join(name):
        return np.concatenate([getattr(chunk, name) for chunk in chunks])

    end = None
    if chunks[0].event_end_time is not None:  # replay the deactivations (checked ids)
        end = join("event_end_time")
        for chunk in chunks:
            end[chunk.ended_ids] = chunk.ended_times
    try:  # Events checks what the chunk readers do not (the generations)
        return Events(time=join("time"), neuron=join("neuron"),
                      avalanche=join("avalanche").astype(np.int32),
                      generation=join("generation"), parent_indptr=indptr,
                      parent_ids=join("parent_ids").astype(np.int32),
                      time_step=None if continuous else 1.0, end_time=end)
    except InvalidParameterError as error:  # the file's fault, not the caller's
        raise CorruptFileError(f"Cannot read the streamed run at {path}: its events are "
                               f"not a causal record ({error})") from None


@dataclass(frozen=True)
class DatasetSummary:
    """What one out-of-core pass over a streamed run computes (see `summarise`)."""

    manifest: dict[str, Any]
    summaries: dict[str, NDArray]
    alive: NDArray[np.int32]
    activity: NDArray[np.int64]
    n_events: int
    end_time: float
    complete: bool


def summarise(path: str | PathLike) -> DatasetSummary:
    """Per-avalanche summaries and activity of a streamed run in one pass over its chunks.

    Memory: O(avalanches + nodes + one chunk), whatever the number of events. Parents from
    earlier chunks are looked up among the previous chunk's ``live`` events, the only
    ones that can still be parents. A dataset whose writer crashed is summarised up to
    its last completed chunk; the avalanches alive there are flagged (``alive``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    DatasetSummary
        ``summaries`` (per-avalanche arrays, see `netaval.Avalanches.from_summaries`;
        ``alive`` there also flags a continuation's carried avalanches; ``lifetime``
        when the dataset records lifetimes), ``alive`` (ids of
        the avalanches that could still grow at the end), ``activity``, ``n_events``,
        ``end_time``, ``complete`` and the ``manifest``.

    Raises
    ------
    CorruptFileError
        When a chunk is damaged or a parent is neither in its chunk nor live.
    """
    return _summarise(check_path("summarise", "path", path))


def _summarise(path: str) -> DatasetSummary:
    """`summarise` of a checked path."""
    from netaval._kernels.accumulate import MARK_WIDTH
    from netaval._lifetimes import LastEnds
    from netaval._memory import beyond_memory
    from netaval._summaries import AvalancheAccumulator
    from netaval.errors import InvariantError

    manifest = _read_manifest(path)
    continuous = manifest["continuous"]
    excess = beyond_memory(manifest["n_nodes"] * MARK_WIDTH * 4, " for them")  # rows per neuron
    if excess is not None:
        raise InvalidParameterError(
            f"The 'path' parameter of summarise names a streamed run of "
            f"{manifest['n_nodes']} neurons, whose out-of-core pass needs {excess}.")
    time_dtype = np.float64 if continuous else np.int64
    acc = AvalancheAccumulator(manifest["n_nodes"], continuous=continuous)
    carry_ids = np.zeros(0, np.int64)
    carry_av = np.zeros(0, np.int64)
    carry_depth = np.zeros(0, np.int32)
    activity = np.zeros(0, np.int64)
    end_time = 0.0 if continuous else 0
    n_carried = _n_carried(path, manifest)
    last_end = None  # per avalanche, its members' last deactivation so far (lifetimes)
    for chunk in _iter_chunks(path, manifest, 0):
        nc, n = len(carry_ids), chunk.n_events
        parents = chunk.parent_ids - chunk.first_event
        earlier = parents < 0
        parents += nc
        if earlier.any():
            wanted = chunk.parent_ids[earlier]
            found = np.minimum(np.searchsorted(carry_ids, wanted), max(nc - 1, 0))
            if nc == 0 or np.any(carry_ids[found] != wanted):
                raise CorruptFileError(
                    f"Cannot read the streamed run at {os.fspath(path)}: chunk {chunk.index} "
                    "names a parent that is neither in the chunk nor live at its start.")
            parents[earlier] = found
        avalanche = np.concatenate([carry_av, chunk.avalanche])
        depth = np.empty(nc + n, np.int32)
        depth[:nc] = carry_depth
        indptr = np.concatenate([np.zeros(nc, np.int64), chunk.parent_indptr])
        time = np.concatenate([np.zeros(nc, time_dtype), chunk.time])
        neuron = np.concatenate([np.zeros(nc, np.int32), chunk.neuron])
        generation = np.concatenate([np.zeros(nc, np.int32), chunk.generation])
        try:
            acc.feed(time, neuron, avalanche, generation, indptr, parents, depth, nc, nc + n,
                     chunk.first_event - nc)
        except InvariantError as exc:
            raise CorruptFileError(f"Cannot read the streamed run at {os.fspath(path)}: "
                                   f"chunk {chunk.index}: {exc}") from exc
        if chunk.event_end_time is not None:  # avalanche ids checked by the feed
            last_end = LastEnds() if last_end is None else last_end
            last_end.add(chunk.avalanche, chunk.event_end_time)
            # the ended ids were live at the previous chunk (checked by iter_chunks)
            last_end.add(carry_av[np.searchsorted(carry_ids, chunk.ended_ids)],
                         chunk.ended_times)
        live = np.unique(chunk.live)
        position = live - chunk.first_event + nc
        old = position < nc
        if old.any():
            found = np.minimum(np.searchsorted(carry_ids, live[old]), max(nc - 1, 0))
            if nc == 0 or np.any(carry_ids[found] != live[old]):
                raise CorruptFileError(f"Cannot read the streamed run at {os.fspath(path)}: "
                                       f"chunk {chunk.index} lists a live event it cannot have.")
            position[old] = found
        if len(position) and position.max() >= nc + n:
            raise CorruptFileError(f"Cannot read the streamed run at {os.fspath(path)}: "
                                   f"chunk {chunk.index} lists a live event after its end.")
        carry_ids, carry_av, carry_depth = live, avalanche[position], depth[position]
        acc.boundary(np.unique(carry_av))
        skip = min(n, max(0, n_carried - chunk.first_event))  # carried: not in activity
        if n > skip:
            times = chunk.time[skip:]
            bins = np.floor(times).astype(np.int64) if continuous else times
            counts = np.bincount(bins - int(bins[0]))
            top = int(bins[0]) + len(counts)
            if top > len(activity):
                activity = np.concatenate([activity, np.zeros(top - len(activity), np.int64)])
            activity[int(bins[0]):top] += counts
        end_time = chunk.end_time
    complete = bool(manifest["complete"])
    if complete:
        end_time = manifest["final"]["end_time"]
    n_bins = int(np.ceil(end_time)) if continuous else int(end_time)
    n_events = acc.n_events
    if n_carried > n_events or len(activity) > n_bins:
        raise CorruptFileError(
            f"Cannot read the streamed run at {os.fspath(path)}: its "
            + (f"{n_events} events cannot include n_carried = {n_carried} carried ones"
               if n_carried > n_events else
               f"events run to bin {len(activity) - 1}, past its end time {end_time!r}")
            + ".")
    if n_bins > len(activity):
        activity = np.concatenate([activity, np.zeros(n_bins - len(activity), np.int64)])
    summaries = acc.summaries(release=True)
    if last_end is not None:  # members still active at the end: inf, as in memory
        summaries["lifetime"] = last_end.lifetime(summaries["start"], carry_av)
    alive = np.flatnonzero(summaries["alive"]).astype(np.int32)
    summaries["alive"][:n_carried] = True  # carried activations started before the window
    return DatasetSummary(manifest=manifest, summaries=summaries, alive=alive, activity=activity,
                          n_events=n_events, end_time=end_time, complete=complete)


def load_dataset(path: str | PathLike) -> Run:
    """A streamed run as a `Run` with its per-avalanche summaries (no events in memory).

    `netaval.load` calls this for a dataset directory. The avalanches and the activity
    are computed out of core in one pass (`summarise`); ``run.events`` is None and
    ``run.avalanches`` holds the summaries.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Run

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run")
    >>> writer = DatasetWriter(path, metadata={"protocol": "driven"}, continuous=False,
    ...                        n_nodes=2)
    >>> writer.write_chunk(np.array([0, 1]), np.array([0, 1], np.int32),
    ...                    np.array([0, 0]), np.array([0, 1], np.int32),
    ...                    np.array([0, 0, 1]), np.array([0]), live=np.array([1]), end_time=2)
    >>> writer.close({"end_time": 3})
    >>> run = netaval.load(path)
    >>> run.events is None, run.n_events, run.activity.tolist(), run.avalanches.size.tolist()
    (True, 2, [1, 1, 0], [2])
    """
    return _load_dataset(check_path("load_dataset", "path", path))


def _check_metadata(meta: dict[str, Any], corrupt: Any, *, stacklevel: int | None) -> Any:
    """The run metadata's entries that `netaval.load` makes a `Run`'s fields have their
    types (the reader's check and `DatasetWriter`'s).

    Returns the model rebuilt from the registry (``stacklevel``: of the warning when it
    cannot be; None: no warning, for the writer, which only checks that it can be read).
    """
    from netaval.io.runs import _model_from_json

    # what becomes the Run's fields: the types `netaval.load` gives for a saved run
    for key, kind, what in (("protocol", str, "a str"), ("network", dict, "a JSON object"),
                            ("protocol_params", dict, "a JSON object"),
                            ("rng_state", dict, "a JSON object"),
                            ("model", dict, "a JSON object")):
        if meta.get(key) is not None and not isinstance(meta[key], kind):
            raise corrupt(f"entry {key!r} must be {what} or null. Got {meta[key]!r}")
    _check_entries(meta, {"seed": Interval(numbers.Integral, 0, None, allow_none=True)}, "",
                   corrupt, optional=True)
    params = meta.get("protocol_params") or {}
    _check_entries(params, {"burn_in": Interval(numbers.Real, None, None, allow_none=True),
                            "n_carried": Interval(numbers.Integral, 0, None, allow_none=True)},
                   "protocol_params ", corrupt, optional=True)
    try:
        if stacklevel is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _model_from_json(meta.get("model"))
        return _model_from_json(meta.get("model"), stacklevel=stacklevel)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise corrupt(f"entry 'model' is malformed ({type(exc).__name__}: {exc})") from None


def _load_dataset(path: str) -> Run:
    """`load_dataset`, two frames below the public caller (`load_dataset` or `netaval.load`),
    so a model warning names the user's line in both cases."""
    from netaval.avalanches import Avalanches

    summary = _summarise(path)
    meta = summary.manifest["metadata"]
    final = summary.manifest["final"] or {}

    def corrupt(reason: str) -> CorruptFileError:
        return CorruptFileError(f"Cannot load the streamed run at {os.fspath(path)}: its "
                                f"metadata {reason}.")

    model = _check_metadata(meta, corrupt, stacklevel=5)
    params = meta.get("protocol_params") or {}
    avalanches = Avalanches.from_summaries(
        summary.summaries, time_step=None if summary.manifest["continuous"] else 1.0,
        burn_in=params.get("burn_in"))
    return Run(events=None, activity=summary.activity, model=model,
               network=meta.get("network") or {}, seed=meta.get("seed"),
               protocol=meta.get("protocol", ""), protocol_params=params,
               wall_time=final.get("wall_time", 0.0),
               truncated=bool(final.get("truncated", not summary.complete)),
               end_time=summary.end_time, alive_avalanches=summary.alive,
               rng_state=meta.get("rng_state"), series=dict(final.get("series") or {}),
               record="avalanches", summaries=avalanches,
               out=os.fspath(path))
