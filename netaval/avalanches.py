"""`Avalanches`: the causal avalanches of an event record, one causal DAG each.

An avalanche is the set of events sharing a root (an externally triggered firing) through
primary parents; its DAG has the avalanche's events as nodes and every causal link between
two of them (all parents, not only the primary one) as edges parent -> child. Every
per-avalanche quantity is computed by jitted segment reductions in one or two linear
passes over the events (`netaval._kernels.avalanches`); nothing loops over avalanches
or events in Python.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netaval._kernels.avalanches import (
    _avalanche_pass,
    _first_generation_ratio,
    _gather_segments,
    _group_events,
    _pool_generations,
    _profile_counts,
    staggered_empty,
)
from netaval._validation import Boolean, Interval, check_param, check_path, forwarded_from
from netaval.errors import (
    InvalidParameterError,
    InvariantError,
    MissingRecordError,
    NetavalError,
    NetavalWarning,
)
from netaval.events import Events

if TYPE_CHECKING:
    import networkx
    import pandas

    from netaval.run import Run

__all__ = ["Avalanches", "AvalancheDAG", "MAX_PROFILE_BINS"]

#: Most bins `Avalanches.mean_profile` computes (2**24 float64: 128 MiB).
MAX_PROFILE_BINS = 1 << 24

_PER_AVALANCHE = ("ids", "root", "size", "duration", "depth", "n_neurons", "n_generations",
                  "start", "end", "offspring", "truncated")


@dataclass(frozen=True, eq=False, repr=False)
class Avalanches:
    """Causal avalanches of a run as a struct of arrays, one entry per avalanche.

    Build with `Avalanches.from_events` or `Avalanches.from_run` (``run.avalanches``), or
    out of core from a streamed run with `Avalanches.from_dataset`. A run simulated with
    ``record="avalanches"`` (or a streamed one) holds only the per-avalanche arrays:
    ``events`` and the CSR groupings are then None, and the queries that need them
    (DAGs, profiles, per-generation counts) raise `MissingRecordError`. Such summaries
    keep the bounded fields compactly, as int32: ``depth``, ``n_neurons`` and
    ``n_generations`` always, and in discrete time ``start``, ``end`` and ``duration`` too
    (a run's steps are below 2**31); ``ids``, ``root``, ``size`` and ``offspring`` stay
    int64 (a run, and one avalanche, may exceed 2**31 events). The values equal the full
    record's; cast before arithmetic that may leave int32 (``av.duration.astype(np.int64)
    ** 2``).
    Index with an int for one causal DAG (`AvalancheDAG`), or with a boolean mask, an
    index array or a slice for a sub-collection (an `Avalanches` again).

    Attributes
    ----------
    events : Events or None
        The full event record the avalanches come from (shared, not copied); None for
        per-avalanche summaries without a record (``record="avalanches"``).
    ids : ndarray of int64
        Avalanche ids (the values of ``events.avalanche``); ``0 .. n - 1`` before selection.
    root : ndarray of int64
        Event id of each avalanche's root (its first event).
    size : ndarray of int64
        Number of events.
    duration : ndarray of int64 (discrete time; int32 without events) or float64
        Discrete time (integer step numbers): ``end - start + 1`` steps, so a single
        spike lasts one step. Continuous time: ``end - start`` (0 for a single spike).
    depth : ndarray of int64 (int32 without events)
        Longest causal path in edges, over every causal link inside the avalanche (as
        networkx's ``dag_longest_path_length`` of `AvalancheDAG.to_networkx`). A single
        spike has depth 0. Depth can exceed the highest generation, since generations
        follow only primary parents.
    n_neurons : ndarray of int64 (int32 without events)
        Number of distinct neurons that fired.
    n_generations : ndarray of int64 (int32 without events)
        Highest generation + 1.
    start, end : ndarray of the events' time dtype (discrete time: int32 without events)
        Times of the first and last events.
    offspring : ndarray of int64
        Causal links whose parent belongs to the avalanche (every link counts, also one
        whose child was attributed to another avalanche by its primary parent).
    truncated : ndarray of bool
        Still alive when the run ended, or started before the burn-in.
    event_indptr, event_order : ndarray of int64, int32, or None
        Events grouped per avalanche as CSR: the events of avalanche ``k`` (position in
        this collection) are ``event_order[event_indptr[k]:event_indptr[k + 1]]``, in
        causal order. Needed because avalanches overlap in time under drive.
    generation_indptr, generation_counts : ndarray of int64, or None
        Events per generation as CSR: ``generation_counts[generation_indptr[k] + g]`` is
        N_g of avalanche ``k``, for g in ``0 .. n_generations[k] - 1``.
    summary_time_step : float or None
        The time step when there is no event record (None: continuous time); see
        `time_step`.
    summary_lifetime : ndarray of float64 or None
        Per-avalanche lifetimes computed out of core (`from_dataset` of a streamed run
        with lifetimes) when there is no event record; see `lifetime`.

    Examples
    --------
    >>> net = netaval.Network.from_edges([0, 0, 1, 2], [1, 2, 3, 3], n_nodes=4)
    >>> ev = netaval.Events(time=np.array([0, 0, 1, 1, 2]),
    ...                     neuron=np.array([0, 3, 1, 2, 3], np.int32),
    ...                     avalanche=np.array([0, 1, 0, 0, 0], np.int32),
    ...                     generation=np.array([0, 0, 1, 1, 2], np.int32),
    ...                     parent_indptr=np.array([0, 0, 0, 1, 2, 4]),
    ...                     parent_ids=np.array([0, 0, 2, 3], np.int32))
    >>> av = netaval.Avalanches.from_events(ev)
    >>> av.size.tolist(), av.duration.tolist(), av.depth.tolist(), av.n_neurons.tolist()
    ([4, 1], [3, 1], [2, 0], [4, 1])
    >>> av.branching_ratio()
    0.8
    >>> av[0].to_networkx().number_of_edges()
    4
    """

    events: Events | None
    ids: NDArray[np.int64]
    root: NDArray[np.int64]
    size: NDArray[np.int64]
    duration: NDArray
    depth: NDArray[np.int64]
    n_neurons: NDArray[np.int64]
    n_generations: NDArray[np.int64]
    start: NDArray
    end: NDArray
    offspring: NDArray[np.int64]
    truncated: NDArray[np.bool_]
    event_indptr: NDArray[np.int64] | None
    event_order: NDArray[np.int32] | None
    generation_indptr: NDArray[np.int64] | None
    generation_counts: NDArray[np.int64] | None
    summary_time_step: float | None = None
    summary_lifetime: NDArray[np.float64] | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_events(cls, events: Events, *, end_time: float | None = None,
                    alive: ArrayLike | None = None, burn_in: float | None = None) -> Avalanches:
        """Compute every avalanche of ``events`` in a few linear jitted passes.

        Parameters
        ----------
        events : Events
        end_time : float, optional
            Time at which the run stopped. Used only when ``alive`` is None and time is
            discrete: then an avalanche with an event in the last step (``end_time - 1``)
            may still have had children, so it is flagged truncated.
        alive : array-like of int, optional
            Ids of avalanches still alive at the end (`Run.alive_avalanches`); flagged
            truncated. Takes precedence over ``end_time``.
        burn_in : float, optional
            Avalanches whose root fired before this time are flagged truncated (their
            beginning may predate the recording).

        Returns
        -------
        Avalanches

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> av = netaval.Avalanches.from_events(ev, end_time=2)
        >>> len(av), av.truncated.tolist()
        (1, [True])
        """
        owner = "Avalanches.from_events"
        if not isinstance(events, Events):
            raise InvalidParameterError(f"The 'events' parameter of {owner} must be an Events. "
                                        f"Got {type(events).__name__} instead.")
        check_param(owner, "end_time", end_time, Interval(numbers.Real, allow_none=True))
        check_param(owner, "burn_in", burn_in, Interval(numbers.Real, allow_none=True))
        n_avalanches = events.n_avalanches
        n_events = events.n_events
        # every large array comes from numpy (huge-page advised): see _kernels/avalanches.py
        size, root, last, depth, offspring, max_generation = staggered_empty(n_avalanches, 6,
                                                                             np.int64)
        # the depth scratch lives in event_order's buffer (overwritten by the grouping);
        # int16 first: see _avalanche_pass
        event_order = np.empty(n_events, np.int32)
        for event_depth in (event_order.view(np.int16)[:n_events], event_order):
            status = _avalanche_pass(events.avalanche, events.generation, events.parent_indptr,
                                     events.parent_ids, event_depth, size, root, last, depth,
                                     offspring, max_generation)
            if status != 1:
                break
        if status == 2:
            raise InvariantError(f"{owner}: the events break the avalanche invariants (ids "
                                 "0, 1, ... first appear at parentless roots, in order; every "
                                 "other event has a primary parent).")
        start = events.time[root]
        end = events.time[last]
        discrete = events.time.dtype.kind == "i"
        duration = end - start
        if discrete:
            duration += 1  # in place: no fresh array
        event_indptr = np.zeros(n_avalanches + 1, np.int64)
        np.cumsum(size, out=event_indptr[1:])
        n_generations = max_generation  # in place: no fresh array
        n_generations += 1
        generation_indptr = np.zeros(n_avalanches + 1, np.int64)
        np.cumsum(n_generations, out=generation_indptr[1:])
        n_nodes = int(events.neuron.max()) + 1 if n_events else 0
        n_neurons = np.empty(n_avalanches, np.int64)
        generation_counts = np.zeros(generation_indptr[-1], np.int64)
        # `last` is spent: it serves as the grouping's fill pointers
        _group_events(events.avalanche, events.neuron, events.generation, event_indptr,
                      generation_indptr, last, event_order, np.full(n_nodes, -1, np.int32),
                      n_neurons, generation_counts)
        truncated = np.zeros(n_avalanches, np.bool_)
        if alive is not None:
            alive = np.asarray(alive)
            if alive.size and (alive.dtype.kind not in "iu" or alive.min() < 0
                               or alive.max() >= n_avalanches):
                raise InvalidParameterError(
                    f"The 'alive' parameter of {owner} must hold avalanche ids in "
                    f"[0, {n_avalanches}). Got {alive!r} instead.")
            truncated[alive.astype(np.int64)] = True
        elif end_time is not None and discrete:
            truncated |= end >= end_time - 1
        if burn_in is not None:
            truncated |= start < burn_in
        return cls(events=events, ids=np.arange(n_avalanches, dtype=np.int64), root=root,
                   size=size, duration=duration, depth=depth, n_neurons=n_neurons,
                   n_generations=n_generations, start=start, end=end, offspring=offspring,
                   truncated=truncated, event_indptr=event_indptr, event_order=event_order,
                   generation_indptr=generation_indptr, generation_counts=generation_counts)

    @classmethod
    def from_run(cls, run: Run) -> Avalanches:
        """Avalanches of a `Run`, flagging ``run.alive_avalanches``, the avalanches carried
        over from an ``initial_state`` (started before the window) and any ``burn_in``
        protocol parameter as truncated.

        Parameters
        ----------
        run : Run

        Returns
        -------
        Avalanches

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> run = netaval.Run(ev, np.array([1, 1, 0]), None, {}, 1, "driven", end_time=3)
        >>> run.avalanches.size.tolist(), run.avalanches.truncated.tolist()
        ([2], [False])
        """
        from netaval.run import Run

        if not isinstance(run, Run):
            raise InvalidParameterError(f"The 'run' parameter of Avalanches.from_run must be a "
                                        f"Run. Got {type(run).__name__} instead.")
        params = run.protocol_params or {}
        if run.events is None:
            return run.summaries
        alive = run.alive_avalanches
        n_carried = int(params.get("n_carried") or 0)
        if n_carried:  # carried events are the first roots: avalanches 0 .. n_carried - 1
            alive = np.union1d(alive, np.arange(n_carried)).astype(np.int32)
        return cls.from_events(run.events, end_time=run.end_time, alive=alive,
                               burn_in=params.get("burn_in"))

    @classmethod
    def from_summaries(cls, summaries: dict[str, NDArray], *, time_step: float | None,
                       burn_in: float | None = None) -> Avalanches:
        """Avalanches from per-avalanche arrays computed online (no event record).

        Parameters
        ----------
        summaries : dict
            ``root``, ``size``, ``duration``, ``depth``, ``n_neurons``, ``n_generations``,
            ``start``, ``end``, ``offspring`` and ``alive`` (flagged truncated), one entry
            per avalanche, as `netaval.simulate` (``record="avalanches"``) and
            `Avalanches.from_dataset` compute them; optionally ``lifetime`` (float64, see
            `lifetime`). Arrays already of the dtypes the fields hold (int32 for the
            compact ones, see `Avalanches`; int64 for the rest) are kept, not copied.
        time_step : float or None
            The run's time step (None: continuous time).
        burn_in : float, optional
            Avalanches whose root fired before this time are flagged truncated.

        Returns
        -------
        Avalanches
            Without ``events``: queries needing the record raise `MissingRecordError`.

        Examples
        --------
        >>> one = np.array([1])
        >>> av = netaval.Avalanches.from_summaries(
        ...     {"root": np.array([0]), "size": np.array([2]), "duration": np.array([2]),
        ...      "depth": one, "n_neurons": np.array([2]), "n_generations": np.array([2]),
        ...      "start": np.array([0]), "end": one, "offspring": one,
        ...      "alive": np.array([False])}, time_step=1.0)
        >>> av.size.tolist(), av.branching_ratio()
        ([2], 0.5)
        """
        from netaval._summaries import INT32_FIELDS, STEP_FIELDS, narrow

        owner = "Avalanches.from_summaries"
        names = ("root", "size", "duration", "depth", "n_neurons", "n_generations", "start",
                 "end", "offspring", "alive")
        if not isinstance(summaries, dict) or any(name not in summaries for name in names):
            raise InvalidParameterError(f"The 'summaries' parameter of {owner} must be a dict "
                                        f"with keys {list(names)}. Got {summaries!r} instead.")
        check_param(owner, "time_step", time_step,
                    Interval(numbers.Real, 0, None, closed="neither", allow_none=True))
        check_param(owner, "burn_in", burn_in, Interval(numbers.Real, allow_none=True))
        arrays = {name: np.asarray(summaries[name]) for name in names}
        if summaries.get("lifetime") is not None:
            arrays["lifetime"] = np.asarray(summaries["lifetime"])
        n = len(arrays["size"])
        if any(array.shape != (n,) for array in arrays.values()):
            raise InvalidParameterError(f"The 'summaries' parameter of {owner} must hold 1-d "
                                        "arrays of one length.")
        int_fields = ("root", "size", "depth", "n_neurons", "n_generations", "offspring")
        time_dtype = np.int32 if time_step is not None else np.float64
        # the casts below are exact only for these (1.7 became size 1, NaN -2**63)
        for name in (*int_fields, "duration", "start", "end", "alive"):
            array = arrays[name]
            kind = "biu" if name == "alive" else "iu" if name in int_fields or (
                time_step is not None) else "iuf"
            if n and (array.dtype.kind not in kind or (name != "alive" and not (
                    np.isfinite(array).all() and (name in ("start", "end")
                                                  or array.min() >= 0)))):
                raise InvalidParameterError(
                    f"The 'summaries' parameter of {owner} must hold in {name!r} "
                    + ("bools" if name == "alive" else "integers" if kind == "iu" else "numbers")
                    + ("" if name in ("start", "end", "alive") else " >= 0")
                    + f" (finite). Got dtype {array.dtype}, values "
                    f"{array[:5].tolist()}{'...' if n > 5 else ''}.")
        # arrays already of their stored dtype are kept, not copied (a run's summaries are
        # O(avalanches), the largest arrays of a long run)
        narrowed = INT32_FIELDS + (STEP_FIELDS if time_step is not None else ())
        for name in narrowed:
            if arrays[name].dtype == np.int32:
                continue
            try:
                arrays[name] = narrow(name, arrays[name])
            except InvariantError:
                raise InvalidParameterError(
                    f"The 'summaries' parameter of {owner} must hold in {name!r} values that "
                    f"fit in int32 (the dtype it is kept in). Got values in "
                    f"[{arrays[name].min()}, {arrays[name].max()}].") from None
        fields = {name: arrays[name].astype(np.int64, copy=False) for name in int_fields
                  if name not in narrowed}
        fields.update({name: arrays[name] for name in narrowed})
        for name in ("duration", "start", "end"):
            fields[name] = arrays[name].astype(time_dtype, copy=False)
        truncated = arrays["alive"].astype(np.bool_, copy=False)
        if burn_in is not None:
            truncated = truncated | (fields["start"] < burn_in)
        lifetime = arrays.get("lifetime")
        return cls(events=None, ids=np.arange(n, dtype=np.int64), truncated=truncated,
                   event_indptr=None, event_order=None, generation_indptr=None,
                   generation_counts=None, summary_time_step=time_step,
                   summary_lifetime=None if lifetime is None
                   else lifetime.astype(np.float64, copy=False), **fields)

    @classmethod
    def from_dataset(cls, path: str | PathLike, *, burn_in: float | None = None
                     ) -> Avalanches:
        """Avalanches of a streamed run (``simulate(..., out=path)``), computed out of core.

        One pass over the dataset's chunks with memory O(avalanches + nodes + one chunk),
        whatever the number of events; the result holds the per-avalanche arrays (equal to
        `from_events` on the same record, field for field) without the events. A dataset
        whose writer crashed gives the avalanches of its completed chunks, those alive at
        the last one flagged truncated. To analyse the events themselves, read the
        dataset with `netaval.io.dataset.read_events` (when they fit in memory) or
        chunk by chunk with `netaval.io.dataset.iter_chunks`.

        Parameters
        ----------
        path : str or path-like
            The dataset directory.
        burn_in : float, optional
            Avalanches whose root fired before this time are flagged truncated (default:
            the run's ``burn_in`` protocol parameter, if any).

        Returns
        -------
        Avalanches

        Raises
        ------
        FileNotFoundError
            When ``path`` holds no streamed run.
        CorruptFileError
            When a chunk or the manifest is damaged.

        Examples
        --------
        >>> import os, tempfile
        >>> from netaval.io.dataset import DatasetWriter
        >>> path = os.path.join(tempfile.mkdtemp(), "run")
        >>> writer = DatasetWriter(path, metadata={}, continuous=False, n_nodes=2)
        >>> writer.write_chunk(np.array([0, 1]), np.array([0, 1], np.int32),
        ...                    np.array([0, 0]), np.array([0, 1], np.int32),
        ...                    np.array([0, 0, 1]), np.array([0]), live=np.array([1]),
        ...                    end_time=2)
        >>> writer.write_chunk(np.array([2]), np.array([0], np.int32), np.array([0]),
        ...                    np.array([2], np.int32), np.array([0, 1]), np.array([1]),
        ...                    live=np.array([], np.int64), end_time=4)
        >>> writer.close({"end_time": 4})
        >>> av = netaval.Avalanches.from_dataset(path)
        >>> av.size.tolist(), av.depth.tolist(), av.n_neurons.tolist()
        ([3], [2], [2])
        """
        from netaval.io.dataset import _summarise

        owner = "Avalanches.from_dataset"
        path = check_path(owner, "path", path)
        check_param(owner, "burn_in", burn_in, Interval(numbers.Real, allow_none=True))
        summary = _summarise(path)
        if burn_in is None:
            params = summary.manifest["metadata"].get("protocol_params") or {}
            burn_in = params.get("burn_in") if isinstance(params, dict) else None
        return cls.from_summaries(summary.summaries,
                                  time_step=None if summary.manifest["continuous"] else 1.0,
                                  burn_in=burn_in)

    def _need_events(self, owner: str) -> None:
        """Raise `MissingRecordError` when there is no event record behind the summaries."""
        if self.events is None:
            raise MissingRecordError(
                f"{owner} needs the full event record, which this run did not keep: "
                "simulate with record='events' (the default), or stream the record with "
                "out=PATH and read it back with netaval.io.dataset.read_events(PATH).")


    # ------------------------------------------------------------------ collection
    def __len__(self) -> int:
        return int(len(self.size))

    @property
    def n_avalanches(self) -> int:
        """Number of avalanches in this collection."""
        return len(self)

    @property
    def time_step(self) -> float | None:
        """The events' time step (None for continuous time)."""
        return self.events.time_step if self.events is not None else self.summary_time_step

    def _end_time(self, owner: str) -> NDArray[np.float64]:
        self._need_events(owner)
        end = self.events.end_time
        if end is None:
            raise NetavalError(f"{owner} needs the events' end_time (lifetimes), which this "
                               "run did not record (continuous-time runs saved by format "
                               "version 1, or a model without lifetimes).")
        return end

    @cached_property
    def lifetime(self) -> NDArray[np.float64]:
        """Last deactivation minus first activation of each avalanche (float64).

        ``inf`` for an avalanche with a member still active when the run stopped. In
        discrete time an event lasts one step, so this equals `duration`. Without an
        event record, the lifetimes `from_dataset` computed out of core (streamed runs
        with lifetimes, such as `netaval.ContactProcess`'s).

        Raises
        ------
        NetavalError
            When the events carry no `Events.end_time` (continuous-time runs saved by
            format version 1).
        MissingRecordError
            When there is no event record and no out-of-core lifetimes
            (``record="avalanches"``, or `from_dataset` of a run without lifetimes).

        Examples
        --------
        >>> net = netaval.Network.from_edges([0, 1], [1, 2], n_nodes=3, directed=False)
        >>> run = netaval.simulate(net, netaval.ContactProcess(rate=1.0),
        ...                        protocol="spreading", initial=[1], seed=2)
        >>> av = run.avalanches
        >>> bool(av.lifetime[0] > av.duration[0])
        True
        """
        if self.events is None and self.summary_lifetime is not None:
            return self.summary_lifetime
        end = self._end_time("Avalanches.lifetime")
        if len(self) == 0:
            return np.zeros(0, np.float64)
        last = np.maximum.reduceat(end[self.event_order], self.event_indptr[:-1])
        return last - self.start.astype(np.float64)

    def population(self, k: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Number of active members of avalanche ``k`` over time (its label's population).

        Parameters
        ----------
        k : int
            Position of the avalanche in this collection (as in ``self[k]``).

        Returns
        -------
        times : ndarray of float64
            The instants at which the population changes, from the first activation on.
        counts : ndarray of int64
            ``counts[i]`` members are active during ``[times[i], times[i + 1])``; the last
            entry is 0 once the avalanche has died out (members still active at the end
            of the run never deactivate, so a truncated avalanche ends above 0).

        Raises
        ------
        InvalidParameterError
            When ``k`` is not a position of this collection.
        NetavalError
            When the events carry no `Events.end_time`.
        MissingRecordError
            When there is no event record (``record="avalanches"``, or `from_dataset`).

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0.0, 0.5, 0.7]),
        ...                     neuron=np.array([0, 1, 2], np.int32),
        ...                     avalanche=np.zeros(3, np.int32),
        ...                     generation=np.array([0, 1, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1, 2]),
        ...                     parent_ids=np.array([0, 0], np.int32), time_step=None,
        ...                     end_time=np.array([1.0, 0.6, 2.0]))
        >>> times, counts = netaval.Avalanches.from_events(ev).population(0)
        >>> times.tolist(), counts.tolist()
        ([0.0, 0.5, 0.6, 0.7, 1.0, 2.0], [1, 2, 1, 2, 1, 0])
        """
        owner = "Avalanches.population"
        k = self._position(owner, k)
        end = self._end_time(owner)
        ids = self.event_order[self.event_indptr[k]:self.event_indptr[k + 1]]
        stop = end[ids]
        stop = stop[np.isfinite(stop)]
        times = np.concatenate([self.events.time[ids].astype(np.float64), stop])
        change = np.concatenate([np.ones(len(ids), np.int64), -np.ones(len(stop), np.int64)])
        order = np.argsort(times, kind="stable")
        times = times[order]
        counts = np.cumsum(change[order])
        last_at_time = np.append(times[1:] != times[:-1], True)
        return times[last_at_time], counts[last_at_time]

    def __getitem__(self, key: Any) -> AvalancheDAG | Avalanches:
        """``av[k]``: one causal DAG; ``av[mask]``, ``av[indices]``, ``av[a:b]``: a subset."""
        if isinstance(key, numbers.Integral) and not isinstance(key, bool | np.bool_):
            k = int(key)
            if not -len(self) <= k < len(self):
                raise IndexError(f"Avalanche position {k} out of range for {len(self)} "
                                 "avalanches.")
            return AvalancheDAG(self, k % len(self))
        if isinstance(key, slice):
            return self._subset(np.arange(len(self))[key])
        key = np.asarray(key)
        if key.dtype == np.bool_:
            if key.shape != (len(self),):
                raise IndexError(f"A boolean mask must have shape ({len(self)},). "
                                 f"Got {key.shape}.")
            return self._subset(np.flatnonzero(key))
        if key.dtype.kind in "iu" and key.ndim == 1:
            index = key.astype(np.int64)
            if index.size and (index.min() < -len(self) or index.max() >= len(self)):
                raise IndexError(f"Avalanche positions out of range for {len(self)} "
                                 "avalanches.")
            return self._subset(index % max(len(self), 1))
        raise IndexError(f"Avalanches can be indexed by an int, a slice, a boolean mask or "
                         f"an integer array. Got {key!r}.")

    def dag(self, k: int) -> AvalancheDAG:
        """The causal DAG of the avalanche at position ``k`` (same as ``self[k]``).

        Raises
        ------
        InvalidParameterError
            When ``k`` is not a position of this collection.
        """
        return self[self._position("Avalanches.dag", k)]

    def _position(self, owner: str, k: Any) -> int:
        """``k`` as a position in ``[0, len(self))`` (negative ones count from the end)."""
        if (not isinstance(k, numbers.Integral) or isinstance(k, bool | np.bool_)
                or not -len(self) <= k < len(self)):
            raise InvalidParameterError(f"The 'k' parameter of {owner} must be an int in the "
                                        f"range [{-len(self)}, {len(self)}). Got {k!r} "
                                        "instead.")
        return int(k) % len(self)

    def _subset(self, index: NDArray[np.int64]) -> Avalanches:
        index = np.ascontiguousarray(index, dtype=np.int64)
        fields = {name: getattr(self, name)[index] for name in _PER_AVALANCHE}
        if self.events is None:
            lifetime = self.summary_lifetime
            return Avalanches(events=None, event_indptr=None, event_order=None,
                              generation_indptr=None, generation_counts=None,
                              summary_time_step=self.summary_time_step,
                              summary_lifetime=None if lifetime is None else lifetime[index],
                              **fields)
        event_indptr, event_order = _gather_segments(self.event_indptr, self.event_order, index)
        generation_indptr, generation_counts = _gather_segments(
            self.generation_indptr, self.generation_counts, index)
        return Avalanches(events=self.events, event_indptr=event_indptr,
                          event_order=event_order, generation_indptr=generation_indptr,
                          generation_counts=generation_counts,
                          summary_time_step=self.summary_time_step, **fields)

    def select(self, *, size: tuple | None = None, duration: tuple | None = None,
               include_truncated: bool = False) -> Avalanches:
        """Avalanches whose size and duration lie in inclusive ranges.

        Parameters
        ----------
        size, duration : (low, high), optional
            Inclusive bounds; either bound may be None (open).
        include_truncated : bool, default False
            Keep avalanches flagged truncated.

        Returns
        -------
        Avalanches

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 0, 1]), neuron=np.array([0, 1, 1], np.int32),
        ...                     avalanche=np.array([0, 1, 0], np.int32),
        ...                     generation=np.array([0, 0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).select(size=(2, None)).ids.tolist()
        [0]
        """
        check_param("Avalanches.select", "include_truncated", include_truncated, Boolean())
        mask = np.ones(len(self), np.bool_) if include_truncated else ~self.truncated
        for name, bounds in (("size", size), ("duration", duration)):
            if bounds is None:
                continue
            if not isinstance(bounds, tuple | list) or len(bounds) != 2:
                raise InvalidParameterError(
                    f"The {name!r} parameter of Avalanches.select must be a (low, high) "
                    f"pair. Got {bounds!r} instead.")
            values = getattr(self, name)
            low, high = bounds
            for bound in (low, high):  # a NaN bound would select nothing, silently
                check_param("Avalanches.select", name, bound,
                            Interval(numbers.Real, -math.inf, math.inf, allow_none=True))
            if low is not None:
                mask &= values >= low
            if high is not None:
                mask &= values <= high
        return self[mask]

    def largest(self, n: int, *, include_truncated: bool = True) -> Avalanches:
        """The ``n`` largest avalanches by size, largest first (ties: smaller id first).

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 0, 1]), neuron=np.array([0, 1, 1], np.int32),
        ...                     avalanche=np.array([0, 1, 0], np.int32),
        ...                     generation=np.array([0, 0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).largest(1).size.tolist()
        [2]
        """
        check_param("Avalanches.largest", "n", n, Interval(numbers.Integral, 0, None))
        check_param("Avalanches.largest", "include_truncated", include_truncated, Boolean())
        candidates = np.arange(len(self)) if include_truncated else np.flatnonzero(
            ~self.truncated)
        order = np.lexsort((self.ids[candidates], -self.size[candidates]))
        return self._subset(candidates[order[:n]])

    # ------------------------------------------------------------------ branching
    def _selection(self, include_truncated: bool, owner: str) -> NDArray[np.bool_]:
        check_param(owner, "include_truncated", include_truncated, Boolean())
        return np.ones(len(self), np.bool_) if include_truncated else ~self.truncated

    def branching_ratio(self, *, include_truncated: bool = False) -> float:
        """Overall branching ratio: causal links out of the avalanches' events per event.

        Every causal edge counts (an event with two parents is offspring of both), so this
        is the mean number of offspring per event. Truncated avalanches are excluded by
        default because their last events had no chance to have children.

        Parameters
        ----------
        include_truncated : bool, default False

        Returns
        -------
        float
            NaN when no avalanche is selected.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).branching_ratio()
        0.5
        """
        mask = self._selection(include_truncated, "Avalanches.branching_ratio")
        events = int(self.size[mask].sum())
        return float(self.offspring[mask].sum()) / events if events else float("nan")

    def branching_ratios(self) -> NDArray[np.float64]:
        """Branching ratio of each avalanche: ``offspring / size``.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).branching_ratios().tolist()
        [0.5]
        """
        return self.offspring / np.maximum(self.size, 1)

    def generation_sizes(self, *, include_truncated: bool = False) -> NDArray[np.int64]:
        """Events per generation, summed over avalanches: pooled N_g for g = 0, 1, ...

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).generation_sizes().tolist()
        [1, 1]
        """
        mask = self._selection(include_truncated, "Avalanches.generation_sizes")
        self._need_events("Avalanches.generation_sizes")
        return _pool_generations(self.generation_indptr, self.generation_counts, mask)

    def branching_ratio_by_generation(self, *,
                                      include_truncated: bool = False) -> NDArray[np.float64]:
        """Pooled ratio N_{g+1} / N_g over avalanches, for g = 0 .. highest generation - 1.

        Generations follow primary parents, so N_{g+1} counts the events whose primary
        parent is in generation g.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).branching_ratio_by_generation().tolist()
        [1.0]
        """
        with forwarded_from("Avalanches.branching_ratio_by_generation"):
            pooled = self.generation_sizes(include_truncated=include_truncated)
        return pooled[1:] / pooled[:-1] if len(pooled) else np.zeros(0)

    def ancestor_descendant_ratio(self, *, include_truncated: bool = False) -> float:
        """Beggs-Plenz branching parameter on causal data: mean over avalanches of N_1 / N_0.

        Beggs & Plenz (2003) average, over avalanches, descendants in the second time bin
        over ancestors in the first. With causal data the "bins" are generations 0 and 1;
        every causal avalanche has exactly one root (N_0 = 1), so this is the mean number
        of events whose primary parent is the root.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 0, 1]), neuron=np.array([0, 1, 1], np.int32),
        ...                     avalanche=np.array([0, 1, 0], np.int32),
        ...                     generation=np.array([0, 0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).ancestor_descendant_ratio()
        0.5
        """
        mask = self._selection(include_truncated, "Avalanches.ancestor_descendant_ratio")
        self._need_events("Avalanches.ancestor_descendant_ratio")
        return float(_first_generation_ratio(self.generation_indptr, self.generation_counts,
                                             mask))

    # ------------------------------------------------------------------ shapes
    def mean_profile(self, duration: float, *, n_bins: int | None = None, rtol: float = 0.0,
                     include_truncated: bool = False) -> NDArray[np.float64]:
        """Average temporal profile of the avalanches of a given duration.

        Discrete time: the avalanches with exactly ``duration`` steps; by default one bin
        per step, giving the mean number of events at step t = 0 .. duration - 1 after the
        start. Continuous time: the avalanches with ``|T - duration| <= rtol * duration``,
        each stretched to [0, 1) over its own duration T and cut into ``n_bins`` bins
        (default 10); returns the mean event rate (events per unit time, at the target
        duration) per bin. Events at the very end fall in the last bin.

        Parameters
        ----------
        duration : int (discrete) or float (continuous)
        n_bins : int, optional
            Discrete default: ``duration`` (one bin per step). At most
            ``MAX_PROFILE_BINS`` (2**24: the profile is allocated whole).
        rtol : float, default 0
            Relative tolerance on the duration (continuous time; discrete durations must
            match exactly unless ``rtol`` widens the window).
        include_truncated : bool, default False

        Returns
        -------
        ndarray of float64, shape (n_bins,)
            NaN (with a NetavalWarning) when no avalanche has that duration.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1, 1]), neuron=np.array([0, 1, 2], np.int32),
        ...                     avalanche=np.array([0, 0, 0], np.int32),
        ...                     generation=np.array([0, 1, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1, 2]),
        ...                     parent_ids=np.array([0, 0], np.int32))
        >>> netaval.Avalanches.from_events(ev).mean_profile(2).tolist()
        [1.0, 2.0]
        """
        owner = "Avalanches.mean_profile"
        self._need_events(owner)
        discrete = self.events.time.dtype.kind == "i"
        check_param(owner, "duration", duration,
                    Interval(numbers.Real, 1, 2.0**62) if discrete
                    else Interval(numbers.Real, 0, None, closed="neither"))
        check_param(owner, "rtol", rtol, Interval(numbers.Real, 0, None))
        if n_bins is None and discrete and duration > MAX_PROFILE_BINS:
            raise InvalidParameterError(
                f"The 'n_bins' parameter of {owner} must be given for a duration over "
                f"MAX_PROFILE_BINS = {MAX_PROFILE_BINS} steps (the default is one bin per "
                f"step). Got duration={duration!r}."
            )
        if n_bins is None:
            n_bins = int(round(duration)) if discrete else 10
        check_param(owner, "n_bins", n_bins, Interval(numbers.Integral, 1, MAX_PROFILE_BINS))
        mask = self._selection(include_truncated, owner)
        mask &= np.abs(self.duration - duration) <= rtol * duration
        selected = np.flatnonzero(mask)
        if not len(selected):
            warnings.warn(f"No avalanche of duration {duration} to average over; the profile "
                          "is NaN.", NetavalWarning, stacklevel=2)
            return np.full(n_bins, np.nan)
        # Each avalanche is stretched over its own duration: bin = offset * n_bins / T.
        scale = n_bins / np.maximum(self.duration, 1e-300).astype(np.float64)
        counts = _profile_counts(self.events.time, self.event_indptr, self.event_order,
                                 self.start, selected, scale, n_bins)
        bin_width = duration / n_bins
        return counts / len(selected) / bin_width

    # ------------------------------------------------------------------ tables, graphs
    def to_frame(self) -> pandas.DataFrame:
        """One row per avalanche, indexed by avalanche id.

        Columns: root, size, duration, depth, n_neurons, n_generations, start, end,
        offspring, branching_ratio, truncated.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> netaval.Avalanches.from_events(ev).to_frame()[["size", "depth"]]
                   size  depth
        avalanche
        0             2      1
        """
        import pandas as pd

        columns = {name: getattr(self, name) for name in _PER_AVALANCHE if name != "ids"}
        columns["branching_ratio"] = self.branching_ratios()
        order = ["root", "size", "duration", "depth", "n_neurons", "n_generations", "start",
                 "end", "offspring", "branching_ratio", "truncated"]
        return pd.DataFrame({name: columns[name] for name in order},
                            index=pd.Index(self.ids, name="avalanche"))

    def dag_arrays(self) -> dict[str, NDArray]:
        """Nodes and edges of the causal DAGs of every avalanche here, as flat arrays.

        Returns
        -------
        dict
            ``node`` (event ids, grouped by avalanche), ``neuron``, ``time``,
            ``generation``, ``avalanche`` (per node), and ``source``, ``target``
            (event ids of parent and child), ``primary`` (True when the parent is the
            child's primary parent) per edge. Only links between events of the same
            avalanche are edges.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> arrays = netaval.Avalanches.from_events(ev).dag_arrays()
        >>> arrays["source"].tolist(), arrays["target"].tolist()
        ([0], [1])
        """
        self._need_events("Avalanches.dag_arrays")
        ev = self.events
        node = self.event_order.astype(np.int64)
        link_indptr, source = _gather_segments(ev.parent_indptr, ev.parent_ids, node)
        n_links = np.diff(link_indptr)
        target = np.repeat(node, n_links)
        source = source.astype(np.int64)
        primary = np.zeros(len(source), np.bool_)
        primary[link_indptr[:-1][n_links > 0]] = True
        inside = ev.avalanche[source] == ev.avalanche[target]
        return {"node": node, "neuron": ev.neuron[node], "time": ev.time[node],
                "generation": ev.generation[node], "avalanche": ev.avalanche[node],
                "source": source[inside], "target": target[inside],
                "primary": primary[inside]}

    def to_networkx(self) -> networkx.DiGraph:
        """All causal DAGs in one `networkx.DiGraph` (node attribute ``avalanche`` too).

        Nodes are event ids with attributes ``neuron``, ``time``, ``generation`` and
        ``avalanche``; edges parent -> child with ``primary``.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 0, 1]), neuron=np.array([0, 1, 1], np.int32),
        ...                     avalanche=np.array([0, 1, 0], np.int32),
        ...                     generation=np.array([0, 0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> g = netaval.Avalanches.from_events(ev).to_networkx()
        >>> g.number_of_nodes(), g.number_of_edges()
        (3, 1)
        """
        self._need_events("Avalanches.to_networkx")
        return _dag_to_networkx(self.dag_arrays(), with_avalanche=True)

    def write_graphml(self, path: str | PathLike) -> None:
        """Write all causal DAGs to one GraphML file (see `netaval.io.write_graphml`)."""
        from netaval.io import write_graphml

        self._need_events("Avalanches.write_graphml")
        write_graphml(self, path)

    def __repr__(self) -> str:
        return (f"Avalanches(n_avalanches={len(self)}, n_events={int(self.size.sum())}, "
                f"n_truncated={int(self.truncated.sum())})")


def _dag_to_networkx(arrays: dict[str, NDArray], *, with_avalanche: bool) -> networkx.DiGraph:
    """Build a DiGraph with Python scalars only (so GraphML keys get one type each)."""
    import networkx as nx

    graph = nx.DiGraph()
    names = ["neuron", "time", "generation"] + (["avalanche"] if with_avalanche else [])
    columns = [arrays[name].tolist() for name in names]
    graph.add_nodes_from(
        (node, dict(zip(names, values, strict=True)))
        for node, *values in zip(arrays["node"].tolist(), *columns, strict=True))
    graph.add_edges_from(
        (u, v, {"primary": p}) for u, v, p in zip(arrays["source"].tolist(),
                                                  arrays["target"].tolist(),
                                                  arrays["primary"].tolist(), strict=True))
    return graph


class AvalancheDAG:
    """A light view of one causal avalanche: its events and summary fields.

    Created by indexing an `Avalanches` with an int; holds no copy of the events.

    Attributes
    ----------
    id, root, size, duration, depth, n_neurons, n_generations, start, end, offspring,
    truncated
        The avalanche's entries of the parent `Avalanches` (Python scalars).
    events : ndarray of int32
        Its event ids, in causal order.

    Examples
    --------
    >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
    ...                     avalanche=np.array([0, 0], np.int32),
    ...                     generation=np.array([0, 1], np.int32),
    ...                     parent_indptr=np.array([0, 0, 1]),
    ...                     parent_ids=np.array([0], np.int32))
    >>> dag = netaval.Avalanches.from_events(ev)[0]
    >>> dag.size, dag.depth, dag.events.tolist(), dag.neuron.tolist()
    (2, 1, [0, 1], [0, 1])
    """

    __slots__ = ("_avalanches", "_position")

    def __init__(self, avalanches: Avalanches, position: int) -> None:
        self._avalanches = avalanches
        self._position = position

    def __getattr__(self, name: str) -> Any:
        if name in _PER_AVALANCHE and name != "ids":
            return getattr(self._avalanches, name)[self._position].item()
        raise AttributeError(f"'AvalancheDAG' object has no attribute {name!r}")

    @property
    def id(self) -> int:
        """The avalanche id (value of ``events.avalanche``)."""
        return int(self._avalanches.ids[self._position])

    @property
    def summary(self) -> dict[str, Any]:
        """Summary fields as a dict of Python scalars."""
        fields = {"avalanche": self.id}
        fields.update({name: getattr(self, name) for name in _PER_AVALANCHE if name != "ids"})
        return fields

    @property
    def events(self) -> NDArray[np.int32]:
        """Event ids of this avalanche, in causal order."""
        av = self._avalanches
        av._need_events("AvalancheDAG.events")
        return av.event_order[av.event_indptr[self._position]:av.event_indptr[self._position + 1]]

    @property
    def neuron(self) -> NDArray[np.int32]:
        """Neuron of each event."""
        return self._avalanches.events.neuron[self.events]

    @property
    def time(self) -> NDArray:
        """Time of each event."""
        return self._avalanches.events.time[self.events]

    @property
    def generation(self) -> NDArray[np.int32]:
        """Generation of each event."""
        return self._avalanches.events.generation[self.events]

    @property
    def generation_counts(self) -> NDArray[np.int64]:
        """N_g for g = 0 .. n_generations - 1."""
        av = self._avalanches
        av._need_events("AvalancheDAG.generation_counts")
        return av.generation_counts[av.generation_indptr[self._position]:
                                    av.generation_indptr[self._position + 1]]

    def dag_arrays(self) -> dict[str, NDArray]:
        """Nodes and edges as flat arrays (see `Avalanches.dag_arrays`)."""
        return self._avalanches[np.array([self._position])].dag_arrays()

    def to_networkx(self) -> networkx.DiGraph:
        """The causal DAG: nodes are event ids (``neuron``, ``time``, ``generation``),
        edges parent -> child (``primary``); graph attributes are the summary fields.

        Examples
        --------
        >>> ev = netaval.Events(time=np.array([0, 1]), neuron=np.array([0, 1], np.int32),
        ...                     avalanche=np.array([0, 0], np.int32),
        ...                     generation=np.array([0, 1], np.int32),
        ...                     parent_indptr=np.array([0, 0, 1]),
        ...                     parent_ids=np.array([0], np.int32))
        >>> g = netaval.Avalanches.from_events(ev)[0].to_networkx()
        >>> sorted(g.edges), g.nodes[1]
        ([(0, 1)], {'neuron': 1, 'time': 1, 'generation': 1})
        """
        graph = _dag_to_networkx(self.dag_arrays(), with_avalanche=False)
        graph.graph.update(self.summary)
        return graph

    def write_graphml(self, path: str | PathLike) -> None:
        """Write this DAG to a GraphML file (see `netaval.io.write_graphml`)."""
        from netaval.io import write_graphml

        write_graphml(self, path)

    def __repr__(self) -> str:
        return (f"AvalancheDAG(id={self.id}, size={self.size}, duration={self.duration}, "
                f"depth={self.depth}, truncated={self.truncated})")
