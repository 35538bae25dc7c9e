"""`simulate`: the one driver that runs any model on any network and records causes."""

from __future__ import annotations

import numbers
import time as _time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from netaval._kernels import branching as _kb
from netaval._kernels import contact_process as _kc
from netaval._kernels.rng import seed_from_generator
from netaval._random import SeedLike, as_seed_sequence
from netaval._validation import Boolean, Interval, Options, check_param
from netaval.errors import InvalidParameterError, NetavalWarning, RunawayActivityError
from netaval.events import MAX_EVENTS_IN_MEMORY, Events
from netaval.models import Branching, ContactProcess
from netaval.network import Network
from netaval.run import Run

__all__ = ["simulate", "DEFAULT_MAX_EVENTS"]

#: ``max_events`` used when None is passed: 10**8 events, 3.2 GB with one parent each.
DEFAULT_MAX_EVENTS = 100_000_000

# Chunking of the kernel calls (progress updates, bounded work per call). Results do not
# depend on these; tests shrink them to exercise resumption and buffer growth.
_CHUNK_STEPS = 4096
_CHUNK_EVENTS = 1 << 21
_INITIAL_CAPACITY = 1 << 16

_OWNER = "simulate"
_PROTOCOLS = {"driven": _kb.DRIVEN, "spreading": _kb.SPREADING, "isolated": _kb.ISOLATED}


def _grow(array: np.ndarray, size: int, keep: int) -> np.ndarray:
    """A buffer of ``size`` entries holding ``array[:keep]``.

    Growing allocates afresh and copies (numpy advises huge pages for large fresh arrays,
    which makes the first writes much cheaper than after an in-place ``realloc``);
    shrinking resizes in place when the buffer is private.
    """
    if size <= len(array) and array.flags.owndata and array.base is None:
        array.resize(size, refcheck=False)
        return array
    out = np.empty(size, dtype=array.dtype)
    out[:keep] = array[:keep]
    return out


def _trim(array: np.ndarray, size: int) -> np.ndarray:
    """``array[:size]`` without keeping a much larger buffer alive."""
    if len(array) > size + (size >> 3) + 64:
        return _grow(array, size, size)
    return array[:size]


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
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= n_nodes):
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
    return unique


def simulate(network: Network | sp.sparray | sp.spmatrix, model: Any, *,
             protocol: str = "driven", n_steps: int | None = None,
             duration: float | None = None, initial: Any = None,
             n_avalanches: int | None = None, max_events: int | None = None,
             on_max_events: str = "raise", seed: SeedLike = None,
             progress: bool = False) -> Run:
    """Run ``model`` on ``network`` and record every firing with the firing(s) that caused it.

    Parameters
    ----------
    network : Network or scipy sparse array/matrix
        Connectivity (row = presynaptic). A scipy matrix is converted with
        `Network.from_scipy`.
    model : Branching or ContactProcess
        The dynamics (see `netaval.models.available`).
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
        Initially active neurons ("spreading" only, required there).
    n_avalanches : int, optional
        Number of avalanches to complete ("isolated" only, required there).
    max_events : int, optional
        Budget of recorded events (default `DEFAULT_MAX_EVENTS`). `Branching` stops at the
        end of the first step at which the count reaches it (so up to one step's firings
        more may be recorded), `ContactProcess` at exactly ``max_events`` events.
    on_max_events : {"raise", "truncate"}, default "raise"
        What reaching ``max_events`` does: raise `RunawayActivityError`, or return the run
        so far with ``Run.truncated = True`` and the unfinished avalanches listed in
        ``Run.alive_avalanches``.
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
        When ``max_events`` is reached and ``on_max_events="raise"``.

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
    """
    if isinstance(seed, np.random.Generator):
        generator = seed
        run_seed, rng_state = None, generator.bit_generator.state
    else:
        sequence = as_seed_sequence(seed)
        generator = np.random.default_rng(sequence)
        run_seed, rng_state = sequence.entropy, None
    if sp.issparse(network):
        network = Network.from_scipy(network)
    if not isinstance(network, Network):
        raise InvalidParameterError(
            f"The 'network' parameter of {_OWNER} must be a netaval.Network or a scipy sparse "
            f"array. Got {type(network).__name__} instead."
        )
    if not isinstance(model, Branching | ContactProcess):
        raise InvalidParameterError(
            f"The 'model' parameter of {_OWNER} must be a model instance such as "
            f"netaval.Branching(sigma=1.0) (see netaval.models.available()). Got {model!r}."
        )
    check_param(_OWNER, "protocol", protocol, Options(tuple(_PROTOCOLS)))
    check_param(_OWNER, "on_max_events", on_max_events, Options(("raise", "truncate")))
    check_param(_OWNER, "progress", progress, Boolean())
    check_param(_OWNER, "n_steps", n_steps,
                Interval(numbers.Integral, 0, _kb.MAX_STEPS, allow_none=True))
    check_param(_OWNER, "duration", duration,
                Interval(numbers.Real, 0, None, allow_none=True))
    check_param(_OWNER, "n_avalanches", n_avalanches,
                Interval(numbers.Integral, 0, None, allow_none=True))
    check_param(_OWNER, "max_events", max_events,
                Interval(numbers.Integral, 1, MAX_EVENTS_IN_MEMORY, allow_none=True))
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
    if protocol == "spreading" and initial is None:
        raise InvalidParameterError(
            f"The 'initial' parameter of {_OWNER} is required by protocol='spreading'. Got None."
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
    initial_ids = (_check_initial(initial, network.n_nodes) if initial is not None
                   else np.zeros(0, np.int64))
    if protocol == "driven" and model.drive == 0.0:
        warnings.warn(f"{name} has drive=0, so nothing fires in protocol='driven'; use "
                      "protocol='spreading' or 'isolated', or set drive > 0.",
                      NetavalWarning, stacklevel=2)
    if protocol != "driven" and model.drive != 0.0:
        warnings.warn(f"protocol={protocol!r} ignores the model's drive "
                      f"(drive={model.drive!r}).", NetavalWarning, stacklevel=2)
    budget = DEFAULT_MAX_EVENTS if max_events is None else int(max_events)
    protocol_params = {"n_steps": n_steps, "duration": duration,
                       "initial": None if initial is None else initial_ids.tolist(),
                       "n_avalanches": n_avalanches, "max_events": max_events,
                       "on_max_events": on_max_events}
    started = _time.perf_counter()
    rng = seed_from_generator(generator)
    if continuous:
        out = _simulate_contact_process(network, model, _PROTOCOLS[protocol], duration,
                                        initial_ids, n_avalanches, budget, rng, progress)
    else:
        out = _simulate_branching(network, model, _PROTOCOLS[protocol], n_steps, initial_ids,
                                  n_avalanches, budget, rng, progress)
    wall = _time.perf_counter() - started
    events, end_time, status, alive = out
    if status == _kb.MAX_EVENTS and on_max_events == "raise":
        raise RunawayActivityError(
            f"{_OWNER} stopped after {events.n_events} events at time {end_time}: the "
            f"max_events budget ({budget}) was reached, which usually means supercritical "
            f"(runaway) activity. Pass a larger max_events, or on_max_events='truncate' to "
            "get the partial run with its unfinished avalanches flagged."
        )
    if continuous:
        n_bins = int(np.ceil(end_time))
        bins = np.floor(events.time).astype(np.int64)
    else:
        n_bins = int(end_time)
        bins = events.time
    activity = np.bincount(bins, minlength=n_bins).astype(np.int64)
    return Run(events=events, activity=activity, model=model, network=network.provenance,
               seed=run_seed, protocol=protocol, protocol_params=protocol_params,
               wall_time=wall, truncated=status == _kb.MAX_EVENTS, end_time=end_time,
               alive_avalanches=alive, rng_state=rng_state)


class _Buffers:
    """Growable event buffers shared by the drivers.

    Buffers grow fourfold (fresh `numpy.empty` pages cost nothing until written, and the
    final trim gives the unused tail back without copying), up to ``limit`` entries
    unless more are needed. With ``record=False`` only times and neurons are kept.
    Continuous-time runs also keep each activation's end time (lifetimes).
    """

    def __init__(self, capacity: int, continuous: bool, limit: int,
                 record: bool = True) -> None:
        self.limit = limit
        self.record = record
        self.continuous = continuous
        self.time = np.empty(capacity, np.float64 if continuous else np.int64)
        self.end_time = np.empty(capacity if continuous else 0, np.float64)
        self.neuron = np.empty(capacity, np.int32)
        size = capacity if record else 0
        self.avalanche = np.empty(size, np.int32)
        self.generation = np.empty(size, np.int32)
        self.parent_indptr = np.zeros(size + 1, np.int64)
        self.parent_ids = np.empty(size, np.int32)

    def _size(self, need: int, current: int) -> int:
        return max(need, min(4 * current, self.limit))

    def grow_events(self, need: int, n: int) -> None:
        size = self._size(need, len(self.time))
        names = ("time", "neuron", "avalanche", "generation") if self.record else (
            "time", "neuron")
        if self.continuous:
            names = (*names, "end_time")
        for name in names:
            setattr(self, name, _grow(getattr(self, name), size, n))
        if self.record:
            self.parent_indptr = _grow(self.parent_indptr, size + 1, n + 1)

    def grow_links(self, need: int, n_links: int) -> None:
        if self.record:
            self.parent_ids = _grow(self.parent_ids, self._size(need, len(self.parent_ids)),
                                    n_links)

    def events(self, n: int, continuous: bool) -> Events:
        if not self.record:
            return (_trim(self.time, n), _trim(self.neuron, n))
        indptr = _trim(self.parent_indptr, n + 1)
        return Events(time=_trim(self.time, n), neuron=_trim(self.neuron, n),
                      avalanche=_trim(self.avalanche, n), generation=_trim(self.generation, n),
                      parent_indptr=indptr, parent_ids=_trim(self.parent_ids, int(indptr[n])),
                      time_step=None if continuous else 1.0,
                      end_time=_trim(self.end_time, n) if continuous else None)


def _progress_bar(progress: bool, total: int | None, unit: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, desc="simulate")


def _simulate_branching(network: Network, model: Branching, protocol: int,
                        n_steps: int | None, initial: np.ndarray, n_avalanches: int | None,
                        max_events: int, rng: np.ndarray, progress: bool,
                        record: bool = True):
    """Drive `_run_branching` in chunks; return (events, end_time, status, alive)."""
    n = network.n_nodes
    p_row, inv_log_q, per_synapse, weight_scale = model.transmission(network)
    row_params = np.ascontiguousarray(np.column_stack([p_row, inv_log_q]))
    drive = model.drive if protocol == _kb.DRIVEN else 0.0
    if drive == 0.0:
        drive_inv_log_q = 0.0
    elif drive >= 1.0:
        drive_inv_log_q = -1e-300  # every neuron: the gap floor(log(u) * tiny) is 0
    else:
        drive_inv_log_q = 1.0 / np.log1p(-drive)
    if n_steps == 0:
        initial = initial[:0]
    capacity = max(_INITIAL_CAPACITY, len(initial))
    buf = _Buffers(capacity, continuous=False, limit=max_events + n + 1, record=record)
    work = max(16, min(network.n_edges, _INITIAL_CAPACITY))
    sec_child = np.empty(work, np.int32)
    sec_parent = np.empty(work, np.int32)
    fire = np.full(n, _kb.NEVER, np.int64)
    ch_neuron = np.zeros(n, np.int32)
    ch_prim = np.zeros(n, np.int32)
    ch_cnt = np.zeros(n, np.int64)
    bitmap = np.zeros(_kb.bitmap_size(n), np.uint64)
    state = np.zeros(_kb.STATE_SIZE, np.int64)
    m0 = len(initial)
    if protocol == _kb.SPREADING:
        buf.time[:m0] = 0
        buf.neuron[:m0] = initial
        buf.avalanche[:m0] = np.arange(m0)
        buf.generation[:m0] = 0
        buf.parent_indptr[: m0 + 1] = 0
        fire[initial] = 0  # fired at step 0
        state[_kb.S_T] = 1 if m0 else 0
        state[_kb.S_N_EVENTS] = m0
        state[_kb.S_NEXT_AV] = m0
    steps = _kb.MAX_STEPS if n_steps is None else int(n_steps)
    bar = _progress_bar(progress, n_avalanches if protocol == _kb.ISOLATED else n_steps,
                        "avalanches" if protocol == _kb.ISOLATED else "steps")
    shown = 0
    try:
        if protocol == _kb.SPREADING and m0 == 0:
            status = _kb.DONE
        elif protocol == _kb.ISOLATED and n_avalanches == 0:
            status = _kb.DONE
        else:
            while True:
                chunk_end = int(state[_kb.S_T]) + _CHUNK_STEPS
                status = _kb._run_branching(
                    network.indptr, network.indices, network.weights, row_params, per_synapse,
                    weight_scale, min(model.refractory, _kb.MAX_STEPS), drive_inv_log_q,
                    protocol, steps,
                    -1 if n_avalanches is None else n_avalanches, max_events, chunk_end,
                    _CHUNK_EVENTS, record, fire, ch_neuron, ch_prim, ch_cnt,
                    sec_child, sec_parent, bitmap, buf.time, buf.neuron, buf.avalanche,
                    buf.generation, buf.parent_indptr, buf.parent_ids, state, rng)
                if bar is not None:
                    done = int(state[_kb.S_COMPLETED if protocol == _kb.ISOLATED else _kb.S_T])
                    bar.update(done - shown)
                    shown = done
                if status == _kb.BUFFER_FULL:
                    n_ev, n_ln = int(state[_kb.S_N_EVENTS]), int(state[_kb.S_N_LINKS])
                    if state[_kb.S_NEED_EVENTS] > len(buf.time):
                        buf.grow_events(int(state[_kb.S_NEED_EVENTS]), n_ev)
                    if state[_kb.S_NEED_LINKS] > len(buf.parent_ids):
                        buf.grow_links(int(state[_kb.S_NEED_LINKS]), n_ln)
                    if state[_kb.S_NEED_WORK] > len(sec_child):
                        size = max(int(state[_kb.S_NEED_WORK]), 2 * len(sec_child))
                        sec_child = np.empty(size, np.int32)
                        sec_parent = np.empty(size, np.int32)
                elif status != _kb.OK:
                    break
    finally:
        if bar is not None:
            bar.close()
    n_ev = int(state[_kb.S_N_EVENTS])
    end_time = int(state[_kb.S_T])
    events = buf.events(n_ev, continuous=False)
    if not record:
        return events, end_time, status, None
    if status == _kb.DONE or n_ev == 0:
        alive = np.zeros(0, np.int32)
    else:
        last = events.time == end_time - 1
        alive = np.unique(events.avalanche[last]).astype(np.int32)
    return events, end_time, status, alive


def _simulate_contact_process(network: Network, model: ContactProcess, protocol: int,
                              duration: float | None, initial: np.ndarray,
                              n_avalanches: int | None, max_events: int, rng: np.ndarray,
                              progress: bool):
    """Drive `_run_contact_process` in chunks; return (events, end_time, status, alive)."""
    n = network.n_nodes
    if duration == 0:
        initial = initial[:0]
    buf = _Buffers(max(_INITIAL_CAPACITY, len(initial)), continuous=True,
                   limit=max_events + 1)
    perm = np.arange(n, dtype=np.int32)
    pos = np.arange(n, dtype=np.int32)
    cur = np.zeros(n, np.int32)
    state = np.zeros(_kc.C_STATE_SIZE, np.int64)
    clock = np.zeros(1, np.float64)
    m0 = len(initial)
    if m0:
        buf.time[:m0] = 0.0
        buf.end_time[:m0] = np.inf
        buf.neuron[:m0] = initial
        buf.avalanche[:m0] = np.arange(m0)
        buf.generation[:m0] = 0
        buf.parent_indptr[: m0 + 1] = 0
        rest = np.setdiff1d(np.arange(n), initial)
        perm[:] = np.concatenate([initial, rest])
        pos[perm] = np.arange(n, dtype=np.int32)
        cur[initial] = np.arange(m0)
        state[_kc.C_N_EVENTS] = m0
        state[_kc.C_N_ACTIVE] = m0
        state[_kc.C_NEXT_AV] = m0
    limit = np.inf if duration is None else float(duration)
    bar = _progress_bar(progress, None, "events")
    shown = 0
    try:
        if protocol == _kb.ISOLATED and n_avalanches == 0:
            status = _kb.DONE
        else:
            while True:
                status = _kc._run_contact_process(
                    network.indptr, network.indices, model.rate, model.drive, protocol, limit,
                    -1 if n_avalanches is None else n_avalanches, max_events, _CHUNK_EVENTS,
                    perm, pos, cur, buf.time, buf.end_time, buf.neuron, buf.avalanche,
                    buf.generation, buf.parent_indptr, buf.parent_ids, state, clock, rng)
                if bar is not None:
                    bar.update(int(state[_kc.C_N_EVENTS]) - shown)
                    shown = int(state[_kc.C_N_EVENTS])
                if status == _kb.BUFFER_FULL:
                    n_ev = int(state[_kc.C_N_EVENTS])
                    buf.grow_events(n_ev + 1, n_ev)
                    buf.grow_links(len(buf.time), int(buf.parent_indptr[n_ev]))
                elif status != _kb.OK:
                    break
    finally:
        if bar is not None:
            bar.close()
    n_ev = int(state[_kc.C_N_EVENTS])
    events = buf.events(n_ev, continuous=True)
    active = perm[: int(state[_kc.C_N_ACTIVE])]
    alive = np.unique(events.avalanche[cur[active]]).astype(np.int32)
    return events, float(clock[0]), status, alive
