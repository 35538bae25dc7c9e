"""`Run`: the result of `netaval.simulate`, events plus everything needed to repeat it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from netaval.errors import MissingRecordError
from netaval.events import Events

if TYPE_CHECKING:
    from netaval.avalanches import Avalanches
    from netaval.models._engine import State
    from netaval.network import Network

__all__ = ["Run"]


@dataclass(frozen=True, eq=False)
class Run:
    """Events of one simulation with its metadata.

    Attributes
    ----------
    events : Events or None
        Every firing with its causes, in causal order; None when the run was simulated
        with ``record="avalanches"`` or ``"activity"`` (or streamed with ``out=``).
    activity : ndarray of int64, shape (n_steps,)
        Firings per time step (discrete time) or per unit time bin (continuous time).
    model : object
        The model dataclass that was simulated (its parameters are its fields).
    network : dict
        Provenance of the network (`Network.provenance`): generator, parameters, seed,
        size.
    seed : int or None
        Entropy of the `numpy.random.SeedSequence` the run was seeded with; passing it
        back as ``seed=`` repeats the run bit for bit. None when the caller passed a
        `numpy.random.Generator`; then `rng_state` holds its state at the start.
    protocol : str
        "driven", "spreading" or "isolated".
    protocol_params : dict
        The protocol's arguments (n_steps, duration, initial, n_avalanches, max_events).
    wall_time : float
        Seconds spent simulating.
    truncated : bool
        True when the run stopped at ``max_events`` before its natural end.
    end_time : float
        Time at which the run stopped: the number of simulated steps for discrete-time
        models (events have times 0 .. end_time - 1), the simulated duration otherwise.
    alive_avalanches : ndarray of int32
        Ids of the avalanches that could still produce events when the run stopped
        (a member is still active, or an event of the last step may still have
        children). `Avalanches` flags them as truncated.
    rng_state : dict or None
        ``bit_generator.state`` at the start when a Generator was passed as seed.
    final_state : State or None
        The dynamical state when the run stopped (active neurons, refractory clocks, any
        model state); pass it as ``simulate(..., initial_state=run.final_state)`` to
        continue the run. None for runs loaded from a file and models that cannot be
        continued.
    record : str
        What the run kept in memory: ``"events"`` (the full record), ``"avalanches"``
        (per-avalanche summaries computed online, in `summaries`) or ``"activity"``.
    summaries : Avalanches or None
        The online per-avalanche summaries (``record="avalanches"``); ``avalanches``
        returns them.
    out : str or None
        The directory the full record was streamed to (``simulate(..., out=...)``).
    series : dict of str to ndarray
        Per-step measurements of the model beyond the events, one value per simulated
        step (`Millman`: ``"loaded_fraction"``, the mean fraction of loaded release sites
        at the end of each step). Not saved by `Run.save`.
    network_data : Network or None
        The network the run was simulated on (set by `netaval.simulate`; given back by
        `netaval.load` for runs saved with ``include_network=True``; otherwise
        `netaval.rebuild_network` regenerates it from `network`).
    """

    events: Events | None
    activity: NDArray[np.int64]
    model: Any
    network: dict[str, Any]
    seed: int | None
    protocol: str
    protocol_params: dict[str, Any] = field(default_factory=dict)
    wall_time: float = 0.0
    truncated: bool = False
    end_time: float = 0.0
    alive_avalanches: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    rng_state: dict[str, Any] | None = None
    final_state: State | None = field(default=None, repr=False)
    record: str = "events"
    summaries: Avalanches | None = None
    out: str | None = None
    series: dict[str, NDArray] = field(default_factory=dict, repr=False)
    network_data: Network | None = field(default=None, repr=False)

    @property
    def n_events(self) -> int:
        """Number of events of the run (also when the events were not kept): the firings
        counted in ``activity`` plus the carried ones of a continuation."""
        if self.events is not None:
            return self.events.n_events
        carried = int((self.protocol_params or {}).get("n_carried") or 0)
        return int(np.asarray(self.activity).sum()) + carried

    @cached_property
    def avalanches(self) -> Avalanches:
        """Causal avalanches of this run (computed once, then cached).

        Raises `MissingRecordError` for a run with ``record="activity"``.
        """
        from netaval.avalanches import Avalanches

        if self.events is None and self.summaries is None:
            raise MissingRecordError(
                "Run.avalanches needs record='avalanches' or record='events'; this run was "
                f"simulated with record={self.record!r}"
                + (f" (its full record is in {self.out!r}: "
                   "Avalanches.from_dataset(path) reads it)." if self.out else "."))

        return Avalanches.from_run(self)

    def bookkeeping(self) -> dict[str, Any]:
        """The exact causal accounting of the run (SCIENCE.md section 2.4).

        Every event has one cause, its primary parent or none (a root), and every root
        opens one avalanche, so over *all* the run's events and avalanches (truncated ones
        included) ``branching_ratio == 1 - f_ext`` and ``mean_size == 1 / f_ext`` hold
        exactly; restricting to complete avalanches (``mean_size_complete``) biases the
        mean size low, since large avalanches are the ones the window cuts.

        Returns
        -------
        dict
            ``n_events``; ``n_roots`` (events without a parent: external drive, protocol
            seeds, and the ``n_carried`` activations carried over from an initial state,
            whose causes lie before the window); ``f_ext`` = n_roots / n_events;
            ``branching_ratio``: children per event counting each event's primary parent
            (the causal branching ratio, = 1 - f_ext); ``mean_size`` over all
            ``n_avalanches`` (= 1 / f_ext); ``n_truncated`` avalanches excluded from
            statistics by default, and why: ``n_alive_at_end`` (could still grow when the
            run stopped) and ``n_started_before_window`` (carried over from an initial
            state, or rooted before a ``burn_in``; an avalanche can be both);
            ``mean_size_complete`` over the others. Rates are NaN for an empty run.

        Examples
        --------
        >>> net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
        >>> run = netaval.simulate(net, netaval.Branching(sigma=0.6, refractory=0, drive=0.1),
        ...                        n_steps=10, seed=3)
        >>> book = run.bookkeeping()
        >>> book["n_events"], book["n_roots"], book["f_ext"], book["branching_ratio"]
        (4, 3, 0.75, 0.25)
        >>> book["mean_size"], book["n_truncated"], book["n_alive_at_end"]
        (1.3333333333333333, 1, 1)
        """
        from netaval._bookkeeping import bookkeeping

        return bookkeeping(self)

    def save(self, path: str | PathLike, *, include_network: bool = False) -> None:
        """Write the run to ``path`` atomically (see `netaval.load`).

        Parameters
        ----------
        path : str or path-like
        include_network : bool, default False
            Store `network_data` with the run (see `netaval.io.save_run`).
        """
        from netaval.io import save_run

        if self.events is None:
            raise MissingRecordError(
                f"Run.save needs record='events'; this run was simulated with "
                f"record={self.record!r}"
                + (f" and its full record is already saved in {self.out!r}." if self.out
                   else " and kept no events to save."))
        save_run(self, path, include_network=include_network)

    def __repr__(self) -> str:
        return (f"Run(protocol={self.protocol!r}, model={self.model!r}, "
                f"n_events={self.n_events}, record={self.record!r}, "
                f"truncated={self.truncated})")
