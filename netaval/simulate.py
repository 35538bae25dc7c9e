"""`simulate`: the one driver that runs any model on any network and records causes."""

from __future__ import annotations

import dataclasses
import numbers
import os
import time as _time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from netaval._kernels.branching import MAX_STEPS
from netaval._kernels.rng import seed_from_generator
from netaval._memory import EVENT_BYTES, MAX_ACTIVITY_BINS, MEMORY_FRACTION, available_memory
from netaval._random import SeedLike, as_seed_sequence
from netaval._streaming import BoundedRecorder
from netaval._validation import Boolean, Interval, Options, check_param
from netaval.errors import InvalidParameterError, NetavalWarning, RunawayActivityError
from netaval.events import MAX_EVENTS_IN_MEMORY
from netaval.models import _engine
from netaval.models._engine import PROTOCOLS, STATUSES, Outcome, Recorder, State, Task
from netaval.network import Network
from netaval.run import Run

__all__ = ["simulate", "DEFAULT_MAX_EVENTS", "RECORD_LEVELS"]

#: values of ``simulate(..., record=...)``
RECORD_LEVELS = ("events", "avalanches", "activity")
#: ``max_events`` cap of bounded recording (int64 counters; 2**62 leaves headroom)
_MAX_EVENTS_BOUNDED = 2**62

#: ``max_events`` used when None is passed: 10**8 events, 3.2 GB with one parent each.
DEFAULT_MAX_EVENTS = 100_000_000

# Chunking of the kernel calls (progress updates, bounded work per call). Results do not
# depend on these; tests shrink them to exercise resumption and buffer growth.
_CHUNK_STEPS = 4096
#: `Outcome.status` values of a run stopped before its end (`Run.truncated`)
_TRUNCATED = ("max_events", "avalanche_ids")
_CHUNK_EVENTS = 1 << 21
# bounded recording hands the buffer on after every kernel call: smaller chunks keep it in
# cache (each chunk is also one file of a streamed dataset)
_CHUNK_EVENTS_BOUNDED = 1 << 18
# a streamed dataset's chunks are this many times larger (fewer files and fsyncs)
_STREAM_CHUNK_FACTOR = 4
_INITIAL_CAPACITY = 1 << 16

_OWNER = "simulate"


def _check_initial(initial: Any, n_nodes: int) -> np.ndarray:
    try:
        array = np.asarray(initial)
    except Exception:  # pragma: no cover - asarray accepts nearly anything
        array = np.asarray([object()])
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} must be a 1-dimensional sequence of neuron "
            f"ids (ints). Got {initial!r} instead."
        )
    if array.size and (array.min() < 0 or array.max() >= n_nodes):  # before any cast
        bad = int(array.min() if array.min() < 0 else array.max())
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} must hold neuron ids in [0, {n_nodes}). "
            f"Got {bad}."
        )
    unique = np.unique(array)
    if len(unique) != len(array):
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} must not repeat a neuron. Got {initial!r}."
        )
    return unique.astype(np.int64)


def simulate(network: Network | sp.sparray | sp.spmatrix, model: Any, *,
             protocol: str = "driven", n_steps: int | None = None,
             duration: float | None = None, initial: Any = None,
             n_avalanches: int | None = None, max_events: int | None = None,
             on_max_events: str = "raise", initial_state: State | None = None,
             record: str | None = None, out: str | os.PathLike | None = None,
             seed: SeedLike = None, progress: bool = False) -> Run:
    """Run ``model`` on ``network`` and record every firing with the firing(s) that caused it.

    Parameters
    ----------
    network : Network or scipy sparse array/matrix
        Connectivity (row = presynaptic). A scipy matrix is converted with
        `Network.from_scipy`.
    model : model instance
        The dynamics: `Branching`, `ContactProcess` or any registered model (see
        `netaval.models.available` and the engine protocol in `netaval.models._engine`).
    protocol : {"driven", "spreading", "isolated"}, default "driven"
        ``"driven"``: run ``n_steps`` steps (`Branching`) or up to time ``duration``
        (`ContactProcess`) with the model's drive on; avalanches overlap in time.
        ``"spreading"``: the neurons in ``initial`` fire at time 0, each the root of its
        own avalanche (numbered in neuron order); no drive; run until silent, or until
        the optional ``n_steps`` / ``duration`` limit. ``"isolated"``: separation of time
        scales: one uniformly chosen neuron is seeded whenever the network is silent, until
        ``n_avalanches`` avalanches have died out (optional ``n_steps`` / ``duration``
        limit). For `Branching` the next seed waits until every neuron has left its
        refractory period (``refractory`` silent steps after the last firing), so every
        avalanche starts on a rested network; `ContactProcess` seeds at the instant of
        extinction. The model's drive is ignored by "spreading" and "isolated" (with a
        `NetavalWarning` when it is non-zero).
    n_steps : int, optional
        Number of time steps (`Branching` only); required for "driven".
    duration : float, optional
        Simulated time (`ContactProcess` only); required for "driven".
    initial : sequence of int, optional
        Initially active neurons ("spreading" only, required there unless
        ``initial_state`` is given).
    n_avalanches : int, optional
        Number of avalanches to complete ("isolated" only, required there).
    max_events : int, optional
        Budget of recorded events (default `DEFAULT_MAX_EVENTS`). `Branching` stops at the
        end of the first step at which the count reaches it (so up to one step's firings
        more may be recorded), `ContactProcess` at exactly ``max_events`` events. The
        budget is lowered to what ``MEMORY_FRACTION`` (half) of the memory available at the
        start holds at ``EVENT_BYTES`` (36) bytes per event (`netaval._memory`; with a
        `NetavalWarning` when an explicit value is lowered), so a run never dies of a
        ``MemoryError`` after the work is done. Event buffers grow geometrically, so a
        runaway run stops in time proportional to the budget.
    on_max_events : {"raise", "truncate"}, default "raise"
        What reaching ``max_events`` does: raise `RunawayActivityError`, or return the run
        so far with ``Run.truncated = True`` and the unfinished avalanches listed in
        ``Run.alive_avalanches``.
    initial_state : State, optional
        Continue from this state (a ``Run.final_state`` of the same model class on the same
        network; the parameters may differ, e.g. ``dataclasses.replace(model, rate=0.9)``).
        The window starts at time 0: the state's active neurons are recorded first as
        *carried* events (roots at their times before 0, one avalanche each), flagged
        truncated as started before the window and not counted in ``activity``;
        ``protocol_params["n_carried"]`` says how many. With "spreading" they are the
        seeds (``initial`` must then be None); with "isolated" they die out before the
        first seed and do not count among ``n_avalanches``.
    record : {"events", "avalanches", "activity"}, optional
        What the returned `Run` keeps in memory. ``"events"`` (the default without
        ``out``): the full causal record (``Run.events``; at most 2**31 - 1 events, 32
        bytes each). ``"avalanches"`` (the default with ``out``): the per-avalanche
        summaries of `Avalanches` (size, duration, depth, distinct neurons, start, end,
        root, offspring, number of generations, truncated; lifetimes for models that
        record ``end_time``), computed online chunk by chunk, plus ``activity``; no
        per-event arrays, so memory is O(avalanches + nodes) (57 bytes per avalanche in
        discrete time: the bounded fields are int32, see `Avalanches`) and the run may
        exceed 2**31 events. Queries that need the events (DAGs, shape
        profiles, per-generation counts) then raise `MissingRecordError`. Avalanche ids
        stay int32, so a run opens at most ``MAX_AVALANCHES`` (2**31 - 1,
        `netaval.models._engine`) avalanches: one that would open more stops at a chunk
        boundary before, with a `NetavalWarning`, and returns the run so far with
        ``Run.truncated`` (continue it with ``initial_state``; ids start again at 0).
        ``"activity"``: only ``activity`` (and the event count, ``Run.n_events``).
        The dynamics, and so every kept quantity, are the same at every level for a
        given seed.
    out : str or path-like, optional
        Stream the full causal record to this new (or empty) directory as a Parquet
        dataset, one file per chunk, while the run proceeds (`netaval.io.dataset`);
        read it back with `netaval.load`, `Avalanches.from_dataset` or
        `netaval.io.dataset.read_events`. Needs ``record`` "avalanches" or "activity".
        Each chunk is written on a background thread while the next one is simulated;
        an error writing one (a full disk) stops the run with that error, and the
        chunks written before it stay readable.
    seed : None, int, numpy SeedSequence or Generator
        See the README, section Randomness. The kernels draw from an inline SplitMix64
        stream seeded with one 64-bit draw from the Generator at the start of the run,
        so a run depends only on the seed (not on chunking). ``Run.seed`` records the
        entropy (``Run.rng_state`` the Generator's state when a Generator is passed).
    progress : bool, default False
        Show a tqdm progress bar (steps, avalanches, or events).

    Returns
    -------
    Run
        ``events`` (times are int64 steps for `Branching`, float64 for
        `ContactProcess`), ``activity`` (firings per step; for `ContactProcess`,
        activations per unit-time bin ``[k, k + 1)``), ``end_time`` (number of simulated
        steps, or simulated time; for "spreading"/"isolated" runs that end by themselves,
        one step past the last firing for `Branching` and the extinction time for
        `ContactProcess`), and ``alive_avalanches`` (avalanches that could still grow:
        `Branching` ones with a firing in the last step, `ContactProcess` ones with an
        active member), plus the metadata needed to repeat the run.

    Raises
    ------
    InvalidParameterError
        For an invalid parameter or combination, naming the parameter.
    RunawayActivityError
        When ``max_events`` is reached and ``on_max_events="raise"``, or when a run
        without a time limit reaches ``MAX_ACTIVITY_BINS`` (2**28) steps or time units:
        ``activity`` takes 8 bytes per step, so memory grows with simulated time.
        ``n_steps`` / ``duration`` beyond that bound are refused up front
        (`InvalidParameterError`); run longer windows as continued runs.

    Notes
    -----
    An empty network gives an empty run (``activity`` of zeros for "driven");
    ``n_steps=0`` or ``duration=0`` give an empty run; "isolated" needs at least one
    neuron when ``n_avalanches > 0``.

    Examples
    --------
    >>> net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
    >>> run = netaval.simulate(net, netaval.Branching(sigma=1.0, refractory=0),
    ...                        protocol="spreading", initial=[0], n_steps=5, seed=1)
    >>> run.events.neuron.tolist(), run.events.generation.tolist()
    ([0, 1, 2, 0, 1], [0, 1, 2, 3, 4])
    >>> run.activity.tolist(), run.alive_avalanches.tolist()
    ([1, 1, 1, 1, 1], [0])

    Continue the same run for three more steps:

    >>> more = netaval.simulate(net, run.model, protocol="spreading", n_steps=3,
    ...                         initial_state=run.final_state, seed=2)
    >>> more.events.time.tolist(), more.events.neuron.tolist(), more.activity.tolist()
    ([-1, 0, 1, 2], [1, 2, 0, 1], [1, 1, 1])
    """
    if isinstance(seed, np.random.Generator):
        generator = seed
        run_seed, rng_state = None, generator.bit_generator.state
    else:
        sequence = as_seed_sequence(seed, owner=_OWNER)
        generator = np.random.default_rng(sequence)
        run_seed, rng_state = sequence.entropy, None
    if sp.issparse(network):
        network = Network.from_scipy(network)
    if not isinstance(network, Network):
        raise InvalidParameterError(
            f"The 'network' parameter of {_OWNER} must be a netaval.Network or a scipy sparse "
            f"array. Got {type(network).__name__} instead."
        )
    if not _is_model(model):
        raise InvalidParameterError(
            f"The 'model' parameter of {_OWNER} must be a model instance such as "
            f"netaval.Branching(sigma=1.0) (see netaval.models.available(); a model is a "
            f"dataclass with a bool 'continuous_time' and an 'engine' method). Got {model!r}."
        )
    _revalidate(model)
    check_param(_OWNER, "protocol", protocol, Options(PROTOCOLS))
    check_param(_OWNER, "on_max_events", on_max_events, Options(("raise", "truncate")))
    check_param(_OWNER, "progress", progress, Boolean())
    check_param(_OWNER, "n_steps", n_steps,
                Interval(numbers.Integral, 0, MAX_STEPS, allow_none=True))
    check_param(_OWNER, "duration", duration,
                Interval(numbers.Real, 0, None, allow_none=True))
    check_param(_OWNER, "n_avalanches", n_avalanches,
                Interval(numbers.Integral, 0, None, allow_none=True))
    check_param(_OWNER, "record", record, Options((*RECORD_LEVELS, None)))
    if out is not None and not isinstance(out, str | os.PathLike):
        raise InvalidParameterError(
            f"The 'out' parameter of {_OWNER} must be a directory path (str or path-like) or "
            f"None. Got {out!r} instead."
        )
    if out is not None:
        from netaval.io.dataset import check_new_directory

        check_new_directory(_OWNER, "out", os.fspath(out))
    if record is None:
        record = "events" if out is None else "avalanches"
    if record == "events" and out is not None:
        raise InvalidParameterError(
            f"The 'record' parameter of {_OWNER} must be 'avalanches' or 'activity' with "
            f"out= (the events go to disk, not to memory). Got record='events'."
        )
    bounded = record != "events"
    check_param(_OWNER, "max_events", max_events,
                Interval(numbers.Integral, 1, _MAX_EVENTS_BOUNDED if bounded
                         else MAX_EVENTS_IN_MEMORY, allow_none=True))
    continuous = model.continuous_time
    name = type(model).__name__
    if continuous and n_steps is not None:
        raise InvalidParameterError(
            f"The 'n_steps' parameter of {_OWNER} is for discrete-time models; {name} runs "
            f"in continuous time, use duration= instead. Got n_steps={n_steps!r}."
        )
    if not continuous and duration is not None:
        raise InvalidParameterError(
            f"The 'duration' parameter of {_OWNER} is for continuous-time models; {name} "
            f"runs in steps, use n_steps= instead. Got duration={duration!r}."
        )
    if duration is not None and not np.isfinite(duration):
        raise InvalidParameterError(
            f"The 'duration' parameter of {_OWNER} must be finite. Got {duration!r} instead."
        )
    limit_name = "duration" if continuous else "n_steps"
    limit = duration if continuous else n_steps
    if protocol == "driven" and limit is None:
        raise InvalidParameterError(
            f"The '{limit_name}' parameter of {_OWNER} is required by protocol='driven' with "
            f"{name}. Got None."
        )
    if protocol != "spreading" and initial is not None:
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} is used only by protocol='spreading'. "
            f"Got initial={initial!r} with protocol={protocol!r}."
        )
    if protocol != "isolated" and n_avalanches is not None:
        raise InvalidParameterError(
            f"The 'n_avalanches' parameter of {_OWNER} is used only by protocol='isolated'. "
            f"Got n_avalanches={n_avalanches!r} with protocol={protocol!r}."
        )
    if protocol == "isolated" and n_avalanches is None:
        raise InvalidParameterError(
            f"The 'n_avalanches' parameter of {_OWNER} is required by protocol='isolated'. "
            "Got None."
        )
    if protocol == "isolated" and n_avalanches and network.n_nodes == 0:
        raise InvalidParameterError(
            f"The 'network' parameter of {_OWNER} has no neurons, so protocol='isolated' "
            f"cannot seed the n_avalanches={n_avalanches} avalanches."
        )
    if initial_state is not None:
        _check_state(initial_state, model, network)
        if initial is not None:
            raise InvalidParameterError(
                f"The 'initial' parameter of {_OWNER} cannot be combined with initial_state: "
                "the state's active neurons start the run. Got both."
            )
        if protocol == "spreading":
            initial = []
    elif protocol == "spreading" and initial is None:
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} is required by protocol='spreading'. Got None."
        )
    initial_ids = (_check_initial(initial, network.n_nodes) if initial is not None
                   else np.zeros(0, np.int64))
    drive = getattr(model, "drive", None)
    drive = drive if isinstance(drive, numbers.Real) else None
    if protocol == "driven" and drive == 0.0:
        warnings.warn(f"{name} has drive=0, so nothing fires in protocol='driven'; use "
                      "protocol='spreading' or 'isolated', or set drive > 0.",
                      NetavalWarning, stacklevel=2)
    if protocol != "driven" and drive:
        warnings.warn(f"protocol={protocol!r} ignores the model's drive "
                      f"(drive={drive!r}).", NetavalWarning, stacklevel=2)
    budget = DEFAULT_MAX_EVENTS if max_events is None else int(max_events)
    # bounded recording keeps no events: its memory does not grow with max_events
    budget, memory_note = (budget, "") if bounded else _memory_budget(budget,
                                                                      max_events is not None)
    if limit is not None and (np.ceil(limit) if continuous else limit) > MAX_ACTIVITY_BINS:
        raise InvalidParameterError(
            f"The '{limit_name}' parameter of {_OWNER} asks for more than MAX_ACTIVITY_BINS = "
            f"{MAX_ACTIVITY_BINS} bins of activity (8 bytes each). Got {limit!r}. Run a longer "
            "window as continued runs (initial_state=run.final_state)."
        )
    protocol_params = {"n_steps": n_steps, "duration": duration,
                       "initial": None if initial is None else initial_ids.tolist(),
                       "n_avalanches": n_avalanches, "max_events": max_events,
                       "on_max_events": on_max_events}
    if initial_state is not None:
        protocol_params["n_carried"] = initial_state.n_active
    bar = _progress_bar(progress, n_avalanches if protocol == "isolated" else limit,
                        "avalanches" if protocol == "isolated" else
                        ("time" if continuous else "steps"))
    carried = 0 if initial_state is None else initial_state.n_active
    capacity = max(_INITIAL_CAPACITY, len(initial_ids), carried)
    if bounded:
        writer = None
        if out is not None:
            from netaval.io.dataset import DatasetWriter
            from netaval.io.runs import _model_to_json

            writer = DatasetWriter(out, continuous=continuous, n_nodes=network.n_nodes,
                                   metadata={"model": _model_to_json(model),
                                             "network": network.provenance,
                                             "seed": run_seed, "protocol": protocol,
                                             "protocol_params": protocol_params,
                                             "rng_state": rng_state})
        recorder = BoundedRecorder(capacity, continuous, limit=budget + network.n_nodes + 1,
                                   n_nodes=network.n_nodes,
                                   summaries=record == "avalanches", writer=writer,
                                   n_carried=carried)
    else:
        recorder = Recorder(capacity, continuous, limit=budget + network.n_nodes + 1)
    started = _time.perf_counter()
    # without a time limit, the activity budget is one: memory grows with simulated time
    engine_limit = limit if limit is not None else (
        float(MAX_ACTIVITY_BINS) if continuous else MAX_ACTIVITY_BINS)
    task = Task(network=network, protocol=protocol, limit=engine_limit, initial=initial_ids,
                n_avalanches=n_avalanches, max_events=budget, initial_state=initial_state,
                rng=seed_from_generator(generator), chunk_steps=_CHUNK_STEPS,
                chunk_events=(_CHUNK_EVENTS if not bounded else _CHUNK_EVENTS_BOUNDED * (
                    _STREAM_CHUNK_FACTOR if out is not None else 1)),
                progress=_Progress(bar))
    try:
        outcome = model.engine(task, recorder)
        wall = _time.perf_counter() - started
        _check_outcome(outcome, model, recorder)
        end_time = outcome.end_time
        if bounded:
            recorder.finish(outcome.n_events, outcome.alive, end_time)
            recorder.close({"end_time": end_time, "status": outcome.status,
                            "truncated": outcome.status in _TRUNCATED, "wall_time": wall,
                            "n_events": recorder.n_total, "series": dict(outcome.series)})
    except BaseException:
        if bounded:  # a streamed run: the chunk being written completes, then the thread stops
            recorder.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    if bounded:
        n_events = recorder.n_total
    else:
        # built-in engines (netaval.models.*) are correct by construction; a plug-in's
        # events go through the validating Events constructor
        events = recorder.events(outcome.n_events,
                                 trusted=type(model).__module__.startswith("netaval.models."))
        n_events = events.n_events
    if outcome.status == "limit" and limit is None:
        raise RunawayActivityError(
            f"{_OWNER} stopped at time {end_time} after {n_events} events: a "
            f"{protocol!r} run without a time limit reached MAX_ACTIVITY_BINS = "
            f"{MAX_ACTIVITY_BINS} bins of activity (memory grows with simulated time). Pass "
            f"{limit_name}= to bound the window, or continue it in parts "
            "(initial_state=run.final_state)."
        )
    if outcome.status == "avalanche_ids":
        warnings.warn(
            f"{_OWNER} stopped at time {end_time} after {n_events} events, before opening "
            f"more than MAX_AVALANCHES = {_engine.MAX_AVALANCHES} avalanches (avalanche ids are "
            "int32). The run so far is returned with Run.truncated = True and its unfinished "
            "avalanches flagged; continue it with initial_state=run.final_state (a "
            "continued run numbers its avalanches from 0 again).", NetavalWarning,
            stacklevel=2)
    if outcome.status == "max_events" and on_max_events == "raise":
        raise RunawayActivityError(
            f"{_OWNER} stopped after {n_events} events at time {end_time}: the "
            f"max_events budget ({budget}{memory_note}) was reached, which usually means "
            f"supercritical (runaway) activity. Pass a larger max_events, or "
            "on_max_events='truncate' to get the partial run with its unfinished avalanches "
            "flagged."
        )
    if bounded:
        return _bounded_run(recorder, outcome, model=model, network=network.provenance,
                            network_data=network,
                            seed=run_seed, protocol=protocol, protocol_params=protocol_params,
                            wall_time=wall, rng_state=rng_state, record=record, out=out)
    if continuous:
        n_bins = int(np.ceil(end_time))
        bins = np.floor(events.time[carried:]).astype(np.int64)
    else:
        n_bins = int(end_time)
        bins = events.time[carried:]
    activity = np.bincount(bins, minlength=n_bins).astype(np.int64, copy=False)
    return Run(events=events, activity=activity, model=model, network=network.provenance,
               seed=run_seed, protocol=protocol, protocol_params=protocol_params,
               wall_time=wall, truncated=outcome.status in _TRUNCATED, end_time=end_time,
               alive_avalanches=outcome.alive, rng_state=rng_state,
               final_state=outcome.final_state, series=dict(outcome.series),
               network_data=network)


def _revalidate(model: Any) -> None:
    """Run the model's own validation again (microseconds): a frozen model patched with
    ``object.__setattr__`` (``drive=nan``, ``rate=-5``) must not reach a kernel."""
    try:
        dataclasses.replace(model)
    except InvalidParameterError:
        raise
    except Exception as exc:  # a plug-in model refusing its own fields another way
        raise InvalidParameterError(
            f"The 'model' parameter of {_OWNER} does not pass its own validation: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _memory_budget(budget: int, explicit: bool) -> tuple[int, str]:
    """``max_events`` lowered to what fits in `MEMORY_FRACTION` of the available memory.

    Returns the budget and a note for the error message when it was lowered. An explicit
    ``max_events`` that does not fit is lowered with a `NetavalWarning`.
    """
    available = available_memory()
    if available is None:
        return budget, ""
    fits = max(1, int(available * MEMORY_FRACTION) // EVENT_BYTES)
    if budget <= fits:
        return budget, ""
    gib = available / 2**30
    note = (f", lowered from {budget} to what {MEMORY_FRACTION:.0%} of the {gib:.1f} GiB of "
            f"available memory holds at {EVENT_BYTES} bytes per event")
    if explicit:
        warnings.warn(f"max_events={budget} would need {budget * EVENT_BYTES / 2**30:.1f} GiB "
                      f"of event buffers; the run stops at {fits} events instead{note[1:]}.",
                      NetavalWarning, stacklevel=3)
    return fits, note


def _bounded_run(recorder: BoundedRecorder, outcome: Outcome, *, record: str,
                 out: str | os.PathLike | None, **fields: Any) -> Run:
    """The `Run` of a bounded recording: activity and, for "avalanches", the summaries."""
    from netaval.avalanches import Avalanches

    end_time = outcome.end_time
    n_bins = int(np.ceil(end_time)) if recorder.continuous else int(end_time)
    summaries = None
    if recorder.accumulator is not None:
        arrays = recorder.summaries()
        n_carried = int(fields["protocol_params"].get("n_carried") or 0)
        arrays["alive"][:n_carried] = True  # started before the window
        summaries = Avalanches.from_summaries(
            arrays, time_step=None if recorder.continuous else 1.0,
            burn_in=fields["protocol_params"].get("burn_in"))
    return Run(events=None, activity=recorder.activity(n_bins),
               truncated=outcome.status in _TRUNCATED, end_time=end_time,
               alive_avalanches=outcome.alive, final_state=outcome.final_state,
               series=dict(outcome.series), record=record, summaries=summaries,
               out=None if out is None else os.fspath(out), **fields)


def _is_model(model: Any) -> bool:
    """True for an instance following the engine protocol (`netaval.models._engine`)."""
    return (dataclasses.is_dataclass(model) and not isinstance(model, type)
            and isinstance(getattr(type(model), "continuous_time", None), bool)
            and callable(getattr(model, "engine", None)))


def _check_state(state: Any, model: Any, network: Network) -> None:
    """Refuse a state of another model class or network."""
    if not isinstance(state, State):
        raise InvalidParameterError(
            f"The 'initial_state' parameter of {_OWNER} must be a netaval State (a run's "
            f"final_state). Got {type(state).__name__} instead."
        )
    if type(state.model) is not type(model):
        raise InvalidParameterError(
            f"The 'initial_state' parameter of {_OWNER} is a state of "
            f"{type(state.model).__name__}, which cannot start a run of "
            f"{type(model).__name__}."
        )
    other = state.network
    same = other is network or (
        isinstance(other, Network) and other.n_nodes == network.n_nodes
        and np.array_equal(other.indptr, network.indptr)
        and np.array_equal(other.indices, network.indices)
        and np.array_equal(other.weights, network.weights))
    if not same:
        raise InvalidParameterError(
            f"The 'initial_state' parameter of {_OWNER} is a state on another network "
            f"({getattr(other, 'n_nodes', '?')} nodes, {getattr(other, 'n_edges', '?')} "
            f"edges); this run's network has {network.n_nodes} nodes and "
            f"{network.n_edges} edges."
        )


def _check_outcome(outcome: Any, model: Any, recorder: Recorder) -> None:
    """An engine's result must be an `Outcome` that fits the recorder."""
    name = type(model).__name__
    if not isinstance(outcome, Outcome):
        raise TypeError(f"{name}.engine must return a netaval.models.Outcome. "
                        f"Got {type(outcome).__name__}.")
    if outcome.status not in STATUSES:
        raise ValueError(f"{name}.engine returned status {outcome.status!r}; expected one of "
                         f"{STATUSES}.")
    if not 0 <= outcome.n_events <= recorder.capacity:
        raise ValueError(f"{name}.engine returned n_events={outcome.n_events}, but the "
                         f"recorder holds {recorder.capacity} event slots.")
    if outcome.final_state is not None and not isinstance(outcome.final_state, State):
        raise TypeError(f"{name}.engine returned a final_state that is not a netaval State.")


class _Progress:
    """``progress(done)`` callable updating a tqdm bar (nothing without one)."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.shown = 0

    def __call__(self, done: float) -> None:
        if self.bar is not None and done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done


def _progress_bar(progress: bool, total: int | float | None, unit: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, desc="simulate")
