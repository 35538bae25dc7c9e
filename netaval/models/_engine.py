"""The model engine protocol: what a model brings, what `netaval.simulate` hands it.

A model is a frozen dataclass of parameters, validated in ``__post_init__``, registered
by name with `netaval.models.register`, with two more members:

``continuous_time`` : bool (class attribute)
    False: event times are int64 step numbers and ``n_steps`` limits a run; True: event
    times are float64 and ``duration`` limits it.
``engine(self, task: Task, recorder: Recorder) -> Outcome``
    The code that turns (network, protocol, limits, random stream, optional initial
    state) into events. It may raise `InvalidParameterError` for parameters that do not
    fit the network (naming the parameter).

An optional ``drive`` field is the rate or probability of spontaneous (root) firings;
`simulate` warns when the protocol makes it useless.

`simulate` keeps the shared work: it validates every argument and the protocol rules,
checks ``initial_state`` against the model class and the network, seeds the random stream,
owns the `Recorder` (growable event buffers) and the progress bar, enforces
``on_max_events``, bins ``activity`` and assembles the `Run`. It never names a model.

What the engine receives
------------------------
``task`` (`Task`, read only): the network (validated CSR), the protocol name, the time
limit (``n_steps`` or ``duration``, None for none), the spreading seeds, ``n_avalanches``,
the ``max_events`` budget, the ``initial_state`` (a `State` of this model class on this
network, or None), the random stream ``rng`` (a uint64 array of shape (1,), the SplitMix64
state of `netaval._kernels.rng`, advanced in place), the chunk sizes and a ``progress``
callable taking the current progress count (completed avalanches for "isolated", else the
current time).

``recorder`` (`Recorder`): the event buffers ``time``, ``neuron``, ``avalanche``,
``generation``, ``parent_indptr``, ``parent_ids`` (plus columns the engine adds with
`Recorder.add_column`), grown on request with `Recorder.grow_events` and
`Recorder.grow_links`. Growing replaces the arrays, so re-read them after growing. When
``recorder.record`` is False only ``time``, ``neuron`` and ``avalanche`` are kept.

Bounded recording (``simulate(..., record="avalanches" | "activity")`` or ``out=``): then
``recorder.bounded`` is True and the engine hands the recorder its events at every chunk
boundary with `Recorder.flush` ``(n, live, end_time)``: ``live`` are the buffer positions (sorted)
of the events that may still be parents of later events (the last step's firings, the
active units' activations). The recorder consumes events ``0 .. n - 1`` (online
summaries, a streamed chunk), moves the live ones to positions ``0 .. len(live) - 1``
(with no parents stored: ``parent_indptr[:len(live) + 1]`` is 0) and returns; the engine
renumbers its references to them and continues writing at ``len(live)``. Event ids in
the buffer are then local: global id = position + ``recorder.offset`` for the events
written since the last flush, so a kernel's event budget is ``max_events -
recorder.offset``. Engines that never flush still work (the recorder then keeps every
event until the end). Flush once more after the last chunk, with the final live set.
An engine with an ``end_time`` column (lifetimes) writes each deactivation into it at the
event's current buffer position, and its live events are exactly the active activations
(``end_time`` inf): a streamed dataset then records when the live ones end later.

What the engine must do
-----------------------
Write events 0 .. n_events - 1 in causal order (sorted by (time, neuron), parents before
children, roots opening avalanches 0, 1, 2, ... in order), stop at the time limit, at
``max_events`` events, or when the protocol says the activity is over, and return an
`Outcome`: the number of events, the time reached, the status ("done", "limit" or
"max_events"), the avalanches still alive, and the final `State` (None if the model
cannot be continued). Draw all randomness from ``task.rng`` so a run depends only on its
seed.

Protocols: "driven" runs until the limit with the model's drive on; "spreading" fires
``task.initial`` at time 0 (roots, in neuron order) and runs without drive until silent
or the limit; "isolated" seeds one uniformly chosen neuron whenever the network is silent
until ``n_avalanches`` avalanches died out. `Recorder.write_roots` writes such roots.

Continuation
------------
A `State` is the dynamical state when a run stopped, with times relative to that moment:
the activations that can still cause firings (``neuron``, ``time`` < 0) and model arrays
(refractory clocks, per-edge state, ...). An engine given ``task.initial_state`` first
writes those activations as *carried* events: the first events of the run, roots at their
(negative) times, one avalanche each. Their avalanches started before the window, so
`Avalanches` flags them truncated (never dropped), and ``activity`` does not count them
(``Run.protocol_params["n_carried"]`` says how many there are).
"""

from __future__ import annotations

import ctypes
import mmap
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # netaval.models imports no numba or scipy (netaval models, --help)
    from netaval.events import Events
    from netaval.network import Network

__all__ = ["Task", "Recorder", "Outcome", "State", "STATUSES", "PROTOCOLS", "MAX_AVALANCHES",
           "avalanche_ids_run_out"]

#: values of `Outcome.status` ("avalanche_ids": stopped before opening more than
#: `MAX_AVALANCHES` avalanches)
STATUSES = ("done", "limit", "max_events", "avalanche_ids")
#: Avalanche ids are int32 in every record (kernel buffers, `Events`, streamed chunks), so one
#: run opens at most this many avalanches; a run may hold more events than that only with
#: ``record="avalanches"`` / ``"activity"``, where many small avalanches could reach it.
MAX_AVALANCHES = 2**31 - 1
#: the engines' status code for "avalanche_ids", beside the kernels' codes
#: (`netaval._kernels.branching`: OK 0 .. MAX_EVENTS 4, STALLED 5)
AVALANCHE_IDS = 64
#: protocol names, as `Task.protocol`
PROTOCOLS = ("driven", "spreading", "isolated")


@dataclass(frozen=True, eq=False)
class State:
    """Dynamical state of a model on a network when a run stopped (see `Run.final_state`).

    Times are relative to the stopping moment, so a `State` starts the next window at 0.

    Attributes
    ----------
    model : object
        The model instance that produced the state; a state continues only runs of the
        same model class (parameters may differ).
    network : Network
        The network the state lives on; a state continues only runs on a network with the
        same connectivity.
    neuron : ndarray of int32
        Neurons whose activation can still cause firings: active units (continuous time)
        or the neurons that fired in the last step (discrete time), sorted by (time,
        neuron).
    time : ndarray of int64 or float64
        Their activation times relative to the stopping moment (<= 0; 0 only for an
        activation at the very moment a run stopped at ``max_events``).
    arrays : dict of str to ndarray
        Model state beyond the active set (refractory clocks, per-edge state, ...), owned
        by the model's engine.
    """

    model: Any
    network: Network
    neuron: NDArray[np.int32]
    time: NDArray
    arrays: Mapping[str, NDArray] = field(default_factory=dict)

    @property
    def n_active(self) -> int:
        """Number of carried activations."""
        return int(len(self.neuron))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return (type(self.model) is type(other.model) and self.network is other.network
                and np.array_equal(self.neuron, other.neuron)
                and np.array_equal(self.time, other.time)
                and self.time.dtype == other.time.dtype
                and sorted(self.arrays) == sorted(other.arrays)
                and all(np.array_equal(self.arrays[k], other.arrays[k]) for k in self.arrays))

    __hash__ = None  # mutable arrays inside

    def __repr__(self) -> str:
        return (f"State(model={self.model!r}, n_nodes={self.network.n_nodes}, "
                f"n_active={self.n_active}, arrays={sorted(self.arrays)})")


@dataclass(frozen=True, eq=False)
class Task:
    """What `netaval.simulate` asks an engine to do (see the module docstring).

    Attributes
    ----------
    network : Network
    protocol : str
        One of `PROTOCOLS`.
    limit : int, float or None
        ``n_steps`` (discrete time) or ``duration`` (continuous time); None: no limit.
    initial : ndarray of int64
        Sorted, distinct neurons firing at time 0 ("spreading"); empty otherwise.
    n_avalanches : int or None
        Avalanches to complete ("isolated").
    max_events : int
        Event budget: stop with status "max_events" once this many events are recorded
        (discrete-time engines may finish the step).
    initial_state : State or None
        Already checked to be of this model class and network.
    rng : ndarray of uint64, shape (1,)
        SplitMix64 stream state, advanced in place.
    chunk_steps, chunk_events : int
        Bound on the work of one kernel call, so progress can be shown.
    progress : callable
        ``progress(done)``: completed avalanches ("isolated") or the current time.
    """

    network: Network
    protocol: str
    limit: int | float | None
    initial: NDArray[np.int64]
    n_avalanches: int | None
    max_events: int
    initial_state: State | None
    rng: NDArray[np.uint64]
    chunk_steps: int = 4096
    chunk_events: int = 1 << 21
    progress: Callable[[float], None] = lambda done: None


@dataclass(frozen=True, eq=False)
class Outcome:
    """What an engine returns.

    Attributes
    ----------
    n_events : int
        Events written to the recorder.
    end_time : int or float
        Time reached: steps simulated (events have times < end_time) or simulated time.
    status : str
        "done" (the protocol's activity ended), "limit" (time limit reached) or
        "max_events".
    alive : ndarray of int32
        Avalanches that could still produce events.
    final_state : State or None
        State to continue from (None: the model cannot be continued).
    series : dict of str to ndarray
        Per-step measurements beyond the events (discrete time, one value per simulated
        step), passed on as `Run.series`; e.g. `Millman`'s ``"loaded_fraction"``.
    """

    n_events: int
    end_time: float
    status: str
    alive: NDArray[np.int32]
    final_state: State | None = None
    series: Mapping[str, NDArray] = field(default_factory=dict)


if sys.platform.startswith("linux") and hasattr(mmap, "MADV_NOHUGEPAGE"):
    _madvise = ctypes.CDLL(None, use_errno=True).madvise
    _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    _madvise.restype = ctypes.c_int
else:  # other systems: numpy's own advice stands
    _madvise = None


#: Fresh grown buffers of at least this many bytes go on small pages (`_small_pages`).
SMALL_PAGES_MIN = 32 << 20


def _small_pages(array: np.ndarray) -> None:
    """Advise the kernel to back the whole pages of a fresh ``array`` with small pages.

    numpy advises transparent huge pages for arrays of 4 MiB and more; where the kernel
    compacts memory to find them at the first write (``defrag`` = ``madvise``, this
    machine's setting), a fresh 64 MiB buffer took 0.006-0.25 s to fill in a fresh process
    (0.2 s or more in two of three) and 0.035-0.065 s with small pages. Only arrays of
    `SMALL_PAGES_MIN` bytes and more: advised from 4 MiB on, a Millman run at N = 1e4
    (buffers of 16 MiB at most) took 1.04x the CPU time of numpy's advice. Advice only:
    its result is not checked.
    """
    if _madvise is None or array.nbytes < SMALL_PAGES_MIN:
        return
    page = mmap.PAGESIZE
    start = -(-array.ctypes.data // page) * page
    end = (array.ctypes.data + array.nbytes) // page * page
    if end > start:
        _madvise(start, end - start, mmap.MADV_NOHUGEPAGE)


def avalanche_ids_run_out(next_avalanche: int, n_events: int, capacity: int,
                          budget: int) -> bool:
    """Whether the next kernel call could open an avalanche id beyond `MAX_AVALANCHES`.

    A call writes at most ``min(capacity, budget) - n_events`` events (``capacity``: the
    rows of the event buffer, which every kernel stops short of overrunning; ``budget``:
    its ``max_events`` argument in the same units, negative for none), and each opens at
    most one avalanche. An engine that checks this before each call, and stops with
    status "avalanche_ids" when it is true, never writes an id that wraps the int32
    avalanche column (the summaries' tables are indexed by it without bounds checks). An
    in-memory record never stops so: its budget is at most 2**31 - 1 events, each
    avalanche has one.
    """
    room = min(int(capacity), int(budget)) if budget >= 0 else int(capacity)
    return int(next_avalanche) + room - int(n_events) > MAX_AVALANCHES


def _grow(array: np.ndarray, size: int, keep: int, small_pages: bool = False) -> np.ndarray:
    """A buffer of ``size`` entries (rows, for a table) holding ``array[:keep]``.

    Growing allocates afresh and copies only the kept rows, leaving the new ones untouched
    (``ndarray.resize`` would zero-fill them), with ``small_pages`` on small pages
    (`_small_pages`; for the event buffers, written once in order: huge pages save them
    little and cost a compaction per page where memory is fragmented); shrinking resizes
    in place when the buffer is private.
    """
    shape = (size, *array.shape[1:])
    if size <= len(array) and array.flags.owndata and array.base is None:
        array.resize(shape, refcheck=False)
        return array
    out = np.empty(shape, dtype=array.dtype)
    if small_pages:
        _small_pages(out)
    out[:keep] = array[:keep]
    return out


def _trim(array: np.ndarray, size: int) -> np.ndarray:
    """``array[:size]`` without keeping a much larger buffer alive."""
    if len(array) > size + (size >> 3) + 64:
        return _grow(array, size, size)
    return array[:size]


class Recorder:
    """Growable event buffers, owned by `netaval.simulate` and filled by an engine.

    Buffers grow fourfold (fresh `numpy.empty` pages cost nothing until written, and the
    final trim gives the unused tail back without copying), up to ``limit`` entries,
    then twofold when more are needed, so growth stays geometric in every regime. With
    ``record=False`` only times, neurons and avalanche ids are kept.

    Parameters
    ----------
    capacity : int
        Initial number of event slots.
    continuous : bool
        float64 times (True) or int64 steps.
    limit : int
        Soft cap on the buffer size (``max_events`` plus what one step may overshoot).
    record : bool, default True
        Record the causes (generation, parents).
    """

    #: True when the engine should `flush` at chunk boundaries (bounded recording)
    bounded = False

    def __init__(self, capacity: int, continuous: bool, limit: int,
                 record: bool = True) -> None:
        self.limit = limit
        self.record = record
        self.offset = 0
        self.continuous = continuous
        self.time = np.empty(capacity, np.float64 if continuous else np.int64)
        self.neuron = np.empty(capacity, np.int32)
        size = capacity if record else 0
        self.avalanche = np.empty(capacity, np.int32)
        self.generation = np.empty(size, np.int32)
        self.parent_indptr = np.zeros(size + 1, np.int64)
        self.parent_ids = np.empty(size, np.int32)
        self.columns: dict[str, np.ndarray] = {}
        self._fill: dict[str, Any] = {}

    @property
    def capacity(self) -> int:
        """Event slots available."""
        return len(self.time)

    def add_column(self, name: str, dtype: Any, fill: Any = 0) -> np.ndarray:
        """Add a per-event column (e.g. ``end_time``) grown with the others; return it.

        ``fill`` is its value for the events `write_roots` writes (slots added by growing
        are uninitialised: the engine writes every event's value).
        """
        column = np.full(len(self.time), fill, dtype=dtype)
        self.columns[name] = column
        self._fill[name] = fill
        return column

    def _size(self, need: int, current: int) -> int:
        """Geometric growth in every regime (amortised O(1) per event): fourfold up to
        ``limit``, doubling beyond it (causal links may outnumber events)."""
        if need <= self.limit:
            return max(need, min(4 * current, self.limit))
        return max(need, 2 * current)

    def grow_events(self, need: int, n: int) -> None:
        """Make room for at least ``need`` events, keeping the first ``n``."""
        size = self._size(need, len(self.time))
        names = ("time", "neuron", "avalanche", "generation") if self.record else (
            "time", "neuron", "avalanche")
        for name in names:
            setattr(self, name, _grow(getattr(self, name), size, n, small_pages=True))
        for name, column in self.columns.items():
            self.columns[name] = _grow(column, size, n, small_pages=True)
        if self.record:
            self.parent_indptr = _grow(self.parent_indptr, size + 1, n + 1, small_pages=True)

    def grow_links(self, need: int, n_links: int) -> None:
        """Make room for at least ``need`` causal links, keeping the first ``n_links``."""
        if self.record:
            self.parent_ids = _grow(self.parent_ids, self._size(need, len(self.parent_ids)),
                                    n_links, small_pages=True)

    def flush(self, n: int, live: NDArray[np.int64], end_time: float) -> None:
        """Hand events ``0 .. n - 1`` on, keeping the ``live`` ones (see the module
        docstring); ``end_time`` is the time reached. A no-op here: this recorder keeps
        every event."""

    def write_roots(self, start: int, time: NDArray, neuron: NDArray) -> int:
        """Write roots (no parent, generation 0, new avalanches) as events ``start ..``.

        The events must come first in the run (avalanche ids ``start, start + 1, ...``),
        sorted by (time, neuron); added columns get their ``fill`` value. Returns the
        number of events after them.
        """
        m = len(neuron)
        end = start + m
        if end > len(self.time):
            self.grow_events(end, start)
        self.time[start:end] = time
        self.neuron[start:end] = neuron
        for name, column in self.columns.items():
            column[start:end] = self._fill[name]
        if self.record:
            self.avalanche[start:end] = np.arange(start, end)
            self.generation[start:end] = 0
            self.parent_indptr[start + 1: end + 1] = self.parent_indptr[start]
        return end

    def events(self, n: int, *, trusted: bool = False) -> Events | tuple[np.ndarray, np.ndarray]:
        """The first ``n`` events (``(time, neuron)`` when causes are not recorded).

        ``trusted=True`` (netaval's own engines, correct by construction) skips the O(n)
        validation and copy of the public `Events` constructor.
        """
        from netaval.events import Events

        if not self.record:
            return (_trim(self.time, n), _trim(self.neuron, n))
        indptr = _trim(self.parent_indptr, n + 1)
        extra = {name: _trim(column, n) for name, column in self.columns.items()}
        build = Events._trusted if trusted else Events
        return build(time=_trim(self.time, n), neuron=_trim(self.neuron, n),
                      avalanche=_trim(self.avalanche, n), generation=_trim(self.generation, n),
                      parent_indptr=indptr, parent_ids=_trim(self.parent_ids, int(indptr[n])),
                      time_step=None if self.continuous else 1.0, **extra)
