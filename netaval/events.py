"""`Events`: one row per firing, in causal order, with the firing(s) that caused it."""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netaval._kernels import events as _ke
from netaval._kernels.events import _check_structure
from netaval._validation import Interval, check_param, exact_column, sealed
from netaval.errors import InvalidParameterError, InvariantError
from netaval.network import Network

__all__ = ["Events", "MAX_EVENTS_IN_MEMORY"]

#: Event ids are stored as int32, so one in-memory run holds at most this many events
#: (2**31 - 1 events take 64 GiB at 32 bytes each, beyond any machine we target).
MAX_EVENTS_IN_MEMORY = int(np.iinfo(np.int32).max)

_OWNER = "Events"
#: Every array of an event record: dtype and length ("events": n_events, "indptr":
#: n_events + 1, "links": parent_indptr[-1]). A new column is one line here.
_COLUMNS = {
    "time": (None, "events"),  # int64 (steps) or float64 (continuous time), as given
    "neuron": (np.int32, "events"),
    "avalanche": (np.int32, "events"),
    "generation": (np.int32, "events"),
    "parent_indptr": (np.int64, "indptr"),
    "parent_ids": (np.int32, "links"),
    "end_time": (np.float64, "events"),  # optional: None when not recorded
}
#: Columns that may be None.
_OPTIONAL = ("end_time",)
#: The arguments of `_check_structure`, in order.
_STRUCTURE = ("time", "neuron", "avalanche", "generation", "parent_indptr", "parent_ids")


def _invalid(name: str, text: str) -> InvalidParameterError:
    return InvalidParameterError(f"The {name!r} parameter of {_OWNER} {text}.")


def _check_lengths(columns: dict[str, NDArray]) -> None:
    n = len(columns["time"])
    if n > MAX_EVENTS_IN_MEMORY:
        raise _invalid("time", f"holds {n} events, more than MAX_EVENTS_IN_MEMORY = "
                               f"{MAX_EVENTS_IN_MEMORY}")
    if len(columns["parent_indptr"]) == 0:
        raise _invalid("parent_indptr", "must have n_events + 1 entries. Got 0")
    expected = {"events": n, "indptr": n + 1}  # links: parent_indptr[-1], see _check_structure
    for name, (_, length) in _COLUMNS.items():
        if columns[name] is not None and length in expected and len(
                columns[name]) != expected[length]:
            rule = {"events": "one entry per event (as time)", "indptr": "n_events + 1 entries"}
            raise _invalid(name, f"must have {rule[length]}: {expected[length]}. Got "
                                 f"{len(columns[name])}")


def _check_end_time(columns: dict[str, NDArray | None], time_step: float | None) -> None:
    end = columns["end_time"]
    if end is None:
        return
    if time_step is not None:
        raise _invalid("end_time", "is derived for discrete time (time + 1); pass it only "
                                   "with time_step=None")
    # its order against time is semantics (check_invariants): no kernel indexes with it


def _structure_error(code: int, e: int, columns: dict[str, NDArray]) -> InvalidParameterError:
    indptr = columns["parent_indptr"]
    if code == _ke.BAD_INDPTR_START:
        return _invalid("parent_indptr", f"must start at 0. Got {indptr[0]}")
    if code == _ke.BAD_INDPTR_STEP:
        return _invalid("parent_indptr", f"must be non-decreasing; it drops after event {e}")
    if code == _ke.BAD_INDPTR_END:
        reached = indptr[min(e + 1, len(indptr) - 1)]
        return _invalid("parent_indptr", f"must end at len(parent_ids) = "
                                         f"{len(columns['parent_ids'])} without exceeding it. "
                                         f"Got {reached} after event {e}")
    if code == _ke.BAD_PARENT:
        ids = columns["parent_ids"][indptr[e]:indptr[e + 1]].tolist()
        return _invalid("parent_ids", f"must hold ids of earlier events, in [0, {e}) for "
                                      f"event {e}. Got {ids}")
    if code == _ke.BAD_TIME:
        time = columns["time"]
        got = f"{time[e - 1].item()!r} then {time[e].item()!r}" if e else repr(time[e].item())
        return _invalid("time", f"must be finite and non-decreasing (causal order). Got {got} "
                                f"at event {e}")
    if code == _ke.BAD_NEURON:
        return _invalid("neuron", f"must hold non-negative neuron ids. Got "
                                  f"{columns['neuron'][e]} at event {e}")
    if code == _ke.BAD_AVALANCHE:
        return _invalid("avalanche", f"must number roots 0, 1, ... in order and give every "
                                     f"other event its primary parent's avalanche. Got "
                                     f"{columns['avalanche'][e]} at event {e}")
    return _invalid("generation", f"must be 0 for a root and 1 + the primary parent's "
                                  f"otherwise. Got {columns['generation'][e]} at event {e}")


class _EndTime:
    """Descriptor of the ``end_time`` field: stored for continuous time (or None when not
    recorded), derived on access for discrete time (an event lasts one step), so discrete
    runs pay no memory for it."""

    def __get__(self, events: Events | None, owner: type) -> NDArray[np.float64] | None:
        if events is None:
            return None  # the dataclass default
        stored = events.__dict__["end_time"]
        if stored is None and events.time_step is not None:
            return events.time + 1.0
        return stored

    def __set__(self, events: Events, value: NDArray | None) -> None:
        events.__dict__["end_time"] = value


@dataclass(frozen=True, eq=False)
class Events:
    """Struct of arrays, one row per firing event; the row number is the event id.

    Events are sorted by ``(time, neuron)``, so every cause has a smaller id than its
    effect. Causes are stored as CSR: the parents of event ``e`` are
    ``parent_ids[parent_indptr[e]:parent_indptr[e + 1]]``, the first of them being the
    *primary* parent, which decides the avalanche and the generation. Roots (firings
    caused by external drive or by the protocol's seeding) have no parent, generation 0
    and a new avalanche id; avalanche ids are numbered 0, 1, ... in order of their root.

    Memory: 8 (time) + 4 (neuron) + 4 (avalanche) + 4 (generation) + 8 (parent_indptr)
    bytes per event, plus 4 bytes per causal link: 32 bytes per event with one parent.

    Parameters
    ----------
    time : ndarray of int64 (time steps) or float64 (continuous time), shape (n_events,)
    neuron : ndarray of int32, shape (n_events,)
    avalanche : ndarray of int32, shape (n_events,)
    generation : ndarray of int32, shape (n_events,)
    parent_indptr : ndarray of int64, shape (n_events + 1,)
    parent_ids : ndarray of int32, shape (n_links,)
    time_step : float or None
        Duration of one step for discrete-time models (1.0: times are step numbers);
        None for continuous-time models.
    end_time : ndarray of float64, shape (n_events,), optional
        When each activation ended (continuous-time models: the unit's deactivation,
        ``inf`` if it was still active when the run stopped). None when not recorded
        (runs saved by format version 1). For discrete-time models it is derived, not
        stored: an event lasts one step, ``end_time = time + 1``.

    Raises
    ------
    InvalidParameterError
        When the arrays do not form a valid record, naming the column: a lossy dtype
        conversion, wrong lengths, ``parent_indptr`` not rising from 0 to
        ``len(parent_ids)``, a parent id outside ``[0, e)``, times not finite and
        non-decreasing, a negative neuron id, or avalanche / generation numbers breaking
        the rules above. The check is one O(n) jitted pass; the arrays are copied and
        stored read-only (their write flag cannot be turned back on). Neuron ids beyond a
        network are checked where a network meets the events (`check_invariants`).

    Examples
    --------
    >>> net = netaval.Network.from_edges([0], [1], n_nodes=2)
    >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
    ...                     avalanche=np.array([0, 0], np.int32),
    ...                     generation=np.array([0, 1], np.int32),
    ...                     parent_indptr=np.array([0, 0, 1]), parent_ids=np.array([0], np.int32))
    >>> ev.check_invariants(net)
    >>> ev.n_events, ev.primary_parent.tolist(), ev.end_time.tolist()
    (2, [-1, 0], [1.0, 2.0])
    """

    time: NDArray
    neuron: NDArray[np.int32]
    avalanche: NDArray[np.int32]
    generation: NDArray[np.int32]
    parent_indptr: NDArray[np.int64]
    parent_ids: NDArray[np.int32]
    time_step: float | None = 1.0
    end_time: NDArray[np.float64] | None = _EndTime()

    def __post_init__(self) -> None:
        self._validate(copy=True)

    def _validate(self, *, copy: bool) -> None:
        """Check every column in O(n) and store sealed (read-only) arrays.

        ``copy=False`` is for arrays nobody else holds (a file just read by `load`).
        """
        time_step = self.time_step
        if time_step is not None and not (isinstance(time_step, numbers.Real)
                                          and not isinstance(time_step, bool)
                                          and math.isfinite(time_step) and time_step > 0):
            raise _invalid("time_step", f"must be a positive finite float or None. Got "
                                        f"{time_step!r} instead")
        given = {name: self.__dict__[name] for name in _COLUMNS}
        columns = {name: None if given[name] is None and name in _OPTIONAL
                   else exact_column(_OWNER, name, given[name], dtype, copy=copy)
                   for name, (dtype, _) in _COLUMNS.items()}
        _check_lengths(columns)
        code, index = _check_structure(*(columns[name] for name in _STRUCTURE))
        if code != _ke.OK:
            raise _structure_error(code, index, columns)
        _check_end_time(columns, time_step)
        for name, array in columns.items():
            object.__setattr__(self, name, None if array is None else sealed(array))
        if time_step is not None:
            object.__setattr__(self, "time_step", float(time_step))

    @classmethod
    def _from_private(cls, **columns: Any) -> Events:
        """Validated Events over arrays nobody else holds (no copy): used by `load`."""
        self = cls._fields_as_given(columns)
        self._validate(copy=False)
        return self

    @classmethod
    def _fields_as_given(cls, columns: dict[str, Any]) -> Events:
        self = object.__new__(cls)
        for f in dataclasses.fields(cls):
            object.__setattr__(self, f.name, columns.pop(f.name, f.default))
        if columns:
            raise TypeError(f"Events got unknown columns {sorted(columns)}")
        return self

    @classmethod
    def _trusted(cls, **columns: Any) -> Events:
        """Events from netaval's own kernels, whose output is correct by construction.

        Skips the O(n) validation of the public constructor (nothing is copied); the
        arrays become read-only views of buffers nobody else holds.
        """
        self = cls._fields_as_given(columns)
        for name in _COLUMNS:
            if self.__dict__[name] is not None:
                object.__setattr__(self, name, sealed(self.__dict__[name]))
        return self

    # ------------------------------------------------------------------ derived arrays
    @property
    def n_events(self) -> int:
        """Number of firing events."""
        return int(len(self.time))

    @property
    def n_avalanches(self) -> int:
        """Number of avalanches (roots)."""
        return int(self.avalanche.max()) + 1 if self.n_events else 0

    @property
    def n_parents(self) -> NDArray[np.int64]:
        """Number of recorded causes of each event (0 for roots)."""
        return np.diff(self.parent_indptr)

    @property
    def is_root(self) -> NDArray[np.bool_]:
        """True for events without a parent (externally triggered or seeded)."""
        return self.n_parents == 0

    @property
    def primary_parent(self) -> NDArray[np.int64]:
        """Id of each event's primary parent, -1 for roots."""
        primary = np.full(self.n_events, -1, dtype=np.int64)
        has = ~self.is_root
        primary[has] = self.parent_ids[self.parent_indptr[:-1][has]]
        return primary

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes (a derived `end_time` holds none)."""
        return sum(self.__dict__[name].nbytes for name in _COLUMNS
                   if self.__dict__[name] is not None)

    @classmethod
    def empty(cls, *, continuous: bool = False) -> Events:
        """An empty event record (a silent run)."""
        dtype = np.float64 if continuous else np.int64
        return cls._trusted(time=np.zeros(0, dtype), neuron=np.zeros(0, np.int32),
                            avalanche=np.zeros(0, np.int32), generation=np.zeros(0, np.int32),
                            parent_indptr=np.zeros(1, np.int64),
                            parent_ids=np.zeros(0, np.int32),
                            time_step=None if continuous else 1.0,
                            end_time=np.zeros(0, np.float64) if continuous else None)

    # ------------------------------------------------------------------ invariants
    def check_invariants(self, network: Network, *, delay: float | None = None) -> None:
        """Verify the causal record against ``network``; raise `InvariantError` if broken.

        Checks, all vectorised: events sorted by (time, neuron) without a neuron firing
        twice at one time; neurons in range; every parent id smaller than its child's and
        its time earlier (exactly ``delay`` earlier when given); a synapse from the
        parent's neuron to the child's neuron exists; generation is 0 for roots and
        1 + the primary parent's otherwise; the avalanche of a non-root is its primary
        parent's, and roots open avalanches 0, 1, 2, ... in order. With lifetimes
        (continuous time with a recorded `end_time`): every activation ends after it
        starts, a neuron is not activated again before its previous activation ended, and
        every parent was still active when its child was activated
        (``parent.time < child.time < parent.end_time``).

        Parameters
        ----------
        network : Network
            The network the events were simulated on.
        delay : float, optional
            Exact parent-to-child delay for models with a fixed transmission delay (1 step
            for `Branching`). Default: only require the parent to be earlier.

        Raises
        ------
        InvariantError
            When a rule is broken (the message names the event or link).
        InvalidParameterError
            When ``network`` is not a `Network` or ``delay`` not a finite float > 0.
        """
        n = self.n_events
        owner = "Events.check_invariants"
        if not isinstance(network, Network):
            raise InvalidParameterError(f"The 'network' parameter of {owner} must be a "
                                        f"netaval Network. Got {type(network).__name__}.")
        check_param(owner, "delay", delay,
                    Interval(numbers.Real, 0, None, closed="neither", allow_none=True))
        if delay is not None and not math.isfinite(delay):
            raise InvalidParameterError(f"The 'delay' parameter of {owner} must be finite. "
                                        f"Got {delay!r} instead.")
        indptr, ids = self.parent_indptr, self.parent_ids
        if indptr[0] != 0 or indptr[-1] != len(ids) or np.any(np.diff(indptr) < 0):
            raise InvariantError("parent_indptr must rise from 0 to len(parent_ids).")
        if n == 0:
            return
        time, neuron = self.time, self.neuron.astype(np.int64)
        if neuron.min() < 0 or neuron.max() >= network.n_nodes:
            raise InvariantError(f"Neuron ids must lie in [0, {network.n_nodes}). "
                                 f"Got range [{neuron.min()}, {neuron.max()}].")
        later = time[1:] > time[:-1]
        same = time[1:] == time[:-1]
        order_ok = later | (same & (neuron[1:] > neuron[:-1]))
        if not np.all(order_ok):
            e = int(np.flatnonzero(~order_ok)[0]) + 1
            raise InvariantError(f"Events are not sorted by (time, neuron) without repeats "
                                 f"at event {e}: ({time[e - 1]}, {neuron[e - 1]}) then "
                                 f"({time[e]}, {neuron[e]}).")
        child = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        parent = ids.astype(np.int64)
        self._fail_where((parent < 0) | (parent >= child), child, parent,
                         "a parent id must be smaller than its child's id")
        gap = time[child] - time[parent]
        wrong_time = gap <= 0 if delay is None else gap != delay
        self._fail_where(wrong_time, child, parent,
                         "a parent must fire earlier" + ("" if delay is None
                                                         else f", exactly {delay} earlier"))
        network_keys = (np.repeat(np.arange(network.n_nodes, dtype=np.int64), network.out_degree)
                        * network.n_nodes + network.indices)
        link_keys = neuron[parent] * network.n_nodes + neuron[child]
        pos = np.searchsorted(network_keys, link_keys)
        pos = np.minimum(pos, max(len(network_keys) - 1, 0))
        missing = (network_keys[pos] != link_keys) if len(network_keys) else np.ones_like(
            link_keys, dtype=bool)
        self._fail_where(missing, child, parent,
                         "the parent's neuron must have a synapse onto the child's neuron")
        end = self.__dict__["end_time"]
        if end is not None:
            self._check_lifetimes(end, child, parent)
        primary = self.primary_parent
        root = primary < 0
        expected_generation = np.where(root, 0, self.generation[np.maximum(primary, 0)] + 1)
        bad = self.generation != expected_generation
        if np.any(bad):
            e = int(np.flatnonzero(bad)[0])
            raise InvariantError(f"Event {e} has generation {self.generation[e]}, expected "
                                 f"{expected_generation[e]} (0 for a root, else 1 + primary "
                                 "parent's).")
        expected_avalanche = np.empty(n, dtype=np.int64)
        expected_avalanche[root] = np.arange(np.count_nonzero(root))
        expected_avalanche[~root] = self.avalanche[primary[~root]]
        bad = self.avalanche != expected_avalanche
        if np.any(bad):
            e = int(np.flatnonzero(bad)[0])
            raise InvariantError(f"Event {e} is in avalanche {self.avalanche[e]}, expected "
                                 f"{expected_avalanche[e]} (roots number avalanches in "
                                 "order; others inherit the primary parent's).")

    def _check_lifetimes(self, end: NDArray[np.float64], child: NDArray[np.int64],
                         parent: NDArray[np.int64]) -> None:
        """Continuous-time lifetime rules of `check_invariants`."""
        time = self.time
        bad = ~(end > time)
        if np.any(bad):
            e = int(np.flatnonzero(bad)[0])
            raise InvariantError(f"Event {e} ends at {end[e]}, not after its start {time[e]}.")
        order = np.lexsort((time, self.neuron))
        same = self.neuron[order[1:]] == self.neuron[order[:-1]]
        overlap = same & (time[order[1:]] < end[order[:-1]])
        if np.any(overlap):
            k = int(np.flatnonzero(overlap)[0])
            raise InvariantError(f"Neuron {self.neuron[order[k]]} is activated again (event "
                                 f"{order[k + 1]}) before its activation {order[k]} ended.")
        self._fail_where(~(time[child] < end[parent]), child, parent,
                         "a parent must still be active when its child is activated "
                         "(child.time < parent.end_time)")

    @staticmethod
    def _fail_where(bad: NDArray[np.bool_], child: NDArray, parent: NDArray, rule: str) -> None:
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise InvariantError(f"Causal link {parent[k]} -> {child[k]} breaks the rule: {rule}.")

    def __repr__(self) -> str:
        clock = "steps" if self.time_step is not None else "continuous time"
        return f"Events(n_events={self.n_events}, n_avalanches={self.n_avalanches}, {clock})"
