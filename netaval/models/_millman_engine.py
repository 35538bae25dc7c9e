"""The `Millman` engine: arrays of the kernel, chunked driving, continuation state.

The kernel (`netaval._kernels.millman`) keeps every time as an absolute step number; a
saved `State` keeps them relative to the moment the run stopped (so a continued run starts
at step 0), with the presynaptic sources still remembered by some neuron carried as the
first events of the next run.
"""

from __future__ import annotations

import math

import numpy as np

from netaval._kernels import branching as _kb
from netaval._kernels import millman as _km
from netaval.errors import InvalidParameterError
from netaval.models._engine import AVALANCHE_IDS, avalanche_ids_run_out

__all__ = ["MillmanArrays", "kernel_inputs", "advance", "membrane", "TABLE_MAX"]

#: Longest power table (entries per row); longer delays compute their powers.
TABLE_MAX = 1 << 14

_NEURON_ARRAYS = {"u": np.float64, "cur": np.float64, "tref": np.int64,
                  "treset": np.int64, "last_fire": np.int64, "ext_u": np.float64,
                  "ext_cur": np.float64, "ext_tref": np.int64, "ext_last": np.int64,
                  "src_n": np.int32, "empty_row": np.int64}
_EVENT_MASK = (1 << _km.SOURCE_BITS) - 1
_TIMES = ("tref", "treset", "last_fire", "ext_tref", "ext_last")


def _distinct(values: np.ndarray, *, ranks: bool = False):
    """The distinct values of a non-negative integer array, sorted: `np.unique`'s answer
    from a table of marks. Event and avalanche ids are below the event count, and on the
    1.5 million remembered sources of N = 1e5 this takes 4.5 ms where `np.unique` (hashing)
    took 225 ms. With ``ranks``, also the table ``rank`` with ``rank[v]`` the position of
    each value ``v`` among them (``np.unique``'s inverse is ``rank[values]``)."""
    seen = np.zeros(int(values.max()) + 1 if len(values) else 0, bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    if not ranks:
        return distinct
    return distinct, np.cumsum(seen, dtype=np.int64) - 1


class MillmanArrays:
    """Everything the kernel carries from one step to the next (see `_run_millman`).

    Parameters
    ----------
    n, n_edges : int
        Neurons and synapses.
    n_sites : int
        Release sites per synapse (all loaded at the start).
    """

    def __init__(self, n: int, n_edges: int, n_sites: int) -> None:
        self.u = np.zeros(n)
        self.cur = np.zeros(n)
        self.tref = np.zeros(n, np.int64)
        self.treset = np.full(n, _km.FAR_PAST, np.int64)
        self.last_fire = np.full(n, _km.FAR_PAST, np.int64)
        self.ext_u = np.zeros(n)
        self.ext_cur = np.zeros(n)
        self.ext_tref = np.zeros(n, np.int64)
        self.ext_last = np.full(n, _km.FAR_PAST, np.int64)
        self.n_sites = n_sites
        # per source: event | (class << SOURCE_BITS), arrival time point
        self.src = np.zeros((n, _km.MAX_SOURCES, 2), np.int64)
        self.src_n = np.zeros(n, np.int32)
        #: currents (pA) of the classes above n_sites: carried over from an earlier run
        self.carried_weights = np.zeros(0)
        self.loaded = np.full(n_edges, n_sites, np.uint8)
        self.empty_row = np.zeros(n, np.int64)
        self.spiking = np.zeros(n, np.int32)
        self.state = np.zeros(_km.M_STATE_SIZE, np.int64)
        self.state[_km.M_EXT_NEXT] = -1
        self.fstate = np.zeros(1)  # expected empty sites now

    @property
    def n_scheduled(self) -> int:
        """Neurons due to reach threshold without further input (when the kernel last
        scheduled them: the start of the last step it simulated)."""
        return int(self.state[_km.M_N_SCHEDULED])

    def _mask(self) -> np.ndarray:
        return np.arange(_km.MAX_SOURCES)[None, :] < self.src_n[:, None]

    def weights(self, a_syn: float) -> np.ndarray:
        """Current (pA) of every source class for a model with this ``a_syn``."""
        return np.concatenate([np.arange(self.n_sites + 1) * float(a_syn), self.carried_weights])

    def sources(self) -> tuple[np.ndarray, np.ndarray]:
        """(neuron, event) of every remembered presynaptic source."""
        n = len(self.src_n)
        return np.repeat(np.arange(n), self.src_n), self.src[..., 0][self._mask()] & _EVENT_MASK

    def to_arrays(self, shift: int, event_map: np.ndarray,
                  a_syn: float) -> dict[str, np.ndarray]:
        """The arrays of a saved state: times minus ``shift``, source events renumbered
        through ``event_map`` (old id -> carried id); ``a_syn`` is the current per vesicle
        of the run."""
        out = {name: getattr(self, name).copy() for name in _NEURON_ARRAYS}
        for name in _TIMES:
            out[name] -= shift
        src_event, src_t0, src_w = _km.saved_sources(self.src, self.src_n, event_map,
                                                     self.weights(a_syn), shift)
        out.update(src_event=src_event, src_t0=src_t0, src_w=src_w,
                   loaded=self.loaded.copy(), expected_empty=self.fstate.copy())
        return out

    @classmethod
    def from_arrays(cls, arrays: dict, n: int, n_edges: int, n_sites: int, n_carried: int,
                    a_syn: float) -> MillmanArrays:
        """Arrays of a saved state, validated (raises `InvalidParameterError`); ``a_syn``
        is the current per vesicle of the continuing run."""
        self = cls(n, n_edges, n_sites)
        sources = {}
        bad = "The 'initial_state' parameter of simulate is not a valid Millman state"
        try:
            for name, dtype in _NEURON_ARRAYS.items():
                value = np.asarray(arrays[name])
                if value.shape != (n,) or value.dtype != dtype:
                    raise InvalidParameterError(f"{bad} (array {name!r}).")
                setattr(self, name, value.copy())
            for name, dtype in (("src_event", np.int32), ("src_t0", np.int64),
                                ("src_w", np.float64)):
                value = np.asarray(arrays[name])
                if value.shape != (n, _km.MAX_SOURCES) or value.dtype != dtype:
                    raise InvalidParameterError(f"{bad} (array {name!r}).")
                sources[name] = value
            loaded = np.asarray(arrays["loaded"])
        except (KeyError, IndexError, TypeError) as exc:
            raise InvalidParameterError(f"{bad} ({exc!r}).") from None
        if loaded.shape != (n_edges,) or loaded.dtype != np.uint8:
            raise InvalidParameterError(f"{bad} (array 'loaded').")
        if n_edges and int(loaded.max()) > n_sites:
            raise InvalidParameterError(
                f"{bad}: its synapses hold up to {int(loaded.max())} loaded sites, more than "
                f"n_sites={n_sites}; continue with the n_sites the state was made with.")
        self.loaded = loaded.copy()
        if not np.all((self.src_n >= 0) & (self.src_n <= _km.MAX_SOURCES)):
            raise InvalidParameterError(f"{bad} (inconsistent arrays).")
        mask = self._mask()
        events = sources["src_event"][mask].astype(np.int64)
        t0, w = sources["src_t0"][mask], sources["src_w"][mask]
        ok = (np.all(events >= 0) and np.all(events < n_carried) and np.all(t0 <= 0)
              and np.all(np.isfinite(w))
              and np.all(np.isfinite(self.u)) and np.all(np.isfinite(self.cur))
              and np.all(np.isfinite(self.ext_u)) and np.all(np.isfinite(self.ext_cur))
              and np.all(self.u >= 0) and np.all(self.cur >= 0)  # inputs are excitatory
              and np.all(self.ext_u >= 0) and np.all(self.ext_cur >= 0)
              and np.all(self.empty_row >= 0))
        if not ok:
            raise InvalidParameterError(f"{bad} (inconsistent arrays).")
        # a current that is r vesicles of a_syn gets class r, any other one a class of its own
        vesicles = np.arange(n_sites + 1) * float(a_syn)
        r = (np.clip(np.rint(w / a_syn), 0, n_sites).astype(np.int64) if a_syn > 0
             else np.zeros(len(w), np.int64))
        plain = vesicles[r] == w
        self.carried_weights, extra = np.unique(w[~plain], return_inverse=True)
        classes = np.where(plain, r, 0)
        classes[~plain] = n_sites + 1 + extra.reshape(-1)
        self.src[..., 0][mask] = events | (classes << _km.SOURCE_BITS)
        self.src[..., 1][mask] = t0
        self.fstate[0] = float(np.asarray(arrays["expected_empty"])[0])
        return self


def kernel_inputs(model) -> tuple[np.ndarray, np.ndarray]:
    """``(params, tables)`` of the kernel for a `Millman` model."""
    a, b, c, g_max, g_scale, degenerate = _km.propagator(
        model.dt, model.tau_l, model.tau_s, model.capacitance)
    params = np.zeros(_km.P_SIZE)
    params[_km.P_A] = a
    params[_km.P_B] = b
    params[_km.P_C] = c
    params[_km.P_GMAX] = g_max
    params[_km.P_GAP] = model.threshold - model.e_leak
    params[_km.P_A_SYN] = model.a_syn
    params[_km.P_A_EXT] = model.a_ext
    p_ext = model.f_ext * model.dt * 1e-3
    params[_km.P_EXT_INV_LOG_Q] = 1.0 / math.log1p(-p_ext) if p_ext > 0 else 0.0
    params[_km.P_DT_OVER_TAU_R] = model.dt / model.tau_recovery
    params[_km.P_P_RELEASE] = model.p_release
    params[_km.P_G_SCALE] = g_scale
    params[_km.P_DEGENERATE] = 1.0 if degenerate else 0.0
    params[_km.P_CROSS_INV_H_U], params[_km.P_CROSS_INV_H_I] = _km.crossing_grid(
        params[_km.P_GAP], g_max)
    size = int(min(TABLE_MAX, max(64, math.ceil(10 * max(model.tau_l, model.tau_s)
                                                / model.dt))))
    return params, _km.power_tables(a, c, g_scale, degenerate, size)


_PROTOCOL = {"driven": _kb.DRIVEN, "spreading": _kb.SPREADING, "isolated": _kb.ISOLATED}


def advance(network, model, arrays: MillmanArrays, recorder, *, protocol: str = "driven",
            n_steps: int | None, n_avalanches: int | None = None, max_events: int = -1,
            initial: np.ndarray | None = None, rng: np.ndarray, chunk_steps: int = 4096,
            progress=None) -> tuple[int, np.ndarray]:
    """Run the kernel in chunks until a status; return (status, loaded fraction per step).

    ``recorder`` holds the event buffers (``time``, ``neuron``, ``avalanche``,
    ``generation``, ``parent_indptr``, ``parent_ids``) and grows them on request
    (``grow_events``, ``grow_links``), as `netaval.simulate`'s recorder does.
    """
    params, tables = kernel_inputs(model)
    if protocol != "driven":
        params[_km.P_EXT_INV_LOG_Q] = 0.0
    cross = _km.crossing_table(params, tables)
    code = _PROTOCOL[protocol]
    forced = np.zeros(0, np.int32) if initial is None else np.asarray(initial, np.int32)
    steps = _kb.MAX_STEPS if n_steps is None else int(n_steps)
    attribution = ("largest", "last", "proportional").index(model.attribution)
    weights = arrays.weights(model.a_syn)
    state = arrays.state
    traces = []
    while True:
        budget = max_events - getattr(recorder, "offset", 0) if max_events >= 0 else -1
        if avalanche_ids_run_out(state[_km.M_NEXT_AV], state[_km.M_N_EVENTS],
                                 len(recorder.time), budget):
            status = AVALANCHE_IDS
            break
        t = int(state[_km.M_T])
        chunk_end = min(t + chunk_steps, steps)
        trace = np.empty(max(chunk_end - t, 0))
        status = _km._run_millman(
            network.indptr, network.indices, params, model.n_sites,
            model.refractory_steps, attribution, code, steps,
            -1 if n_avalanches is None else int(n_avalanches),
            budget, chunk_end,
            forced, tables, cross, arrays.u, arrays.cur, arrays.tref,
            arrays.treset, arrays.last_fire, arrays.ext_u, arrays.ext_cur, arrays.ext_tref,
            arrays.ext_last, arrays.src, weights, arrays.src_n,
            arrays.loaded, arrays.empty_row, arrays.spiking, recorder.time,
            recorder.neuron, recorder.avalanche, recorder.generation, recorder.parent_indptr,
            recorder.parent_ids, trace, state,
            arrays.fstate, rng)
        traces.append(trace[: int(state[_km.M_T]) - t])
        if progress is not None:
            progress(int(state[_km.M_COMPLETED]) if protocol == "isolated"
                     else int(state[_km.M_T]))
        if getattr(recorder, "bounded", False) and status in (_kb.OK, _kb.BUFFER_FULL):
            freed_ev, freed_ln = flush(arrays, recorder)
            state[_km.M_NEED_EVENTS] -= freed_ev
            state[_km.M_NEED_LINKS] -= freed_ln
        if status == _kb.BUFFER_FULL:
            n_ev, n_ln = int(state[_km.M_N_EVENTS]), int(state[_km.M_N_LINKS])
            if state[_km.M_NEED_EVENTS] > len(recorder.time):
                recorder.grow_events(int(state[_km.M_NEED_EVENTS]), n_ev)
            if state[_km.M_NEED_LINKS] > len(recorder.parent_ids):
                recorder.grow_links(int(state[_km.M_NEED_LINKS]), n_ln)
        elif status != _kb.OK:
            break
    return status, np.concatenate(traces) if traces else np.zeros(0)


def flush(arrays: MillmanArrays, recorder) -> tuple[int, int]:
    """Hand a bounded recorder the events so far (see `netaval.models._engine`), keeping
    the remembered source events (the only ones that can still be parents) as events
    ``0 ..``; return the events and links freed."""
    state = arrays.state
    n_ev, n_ln = int(state[_km.M_N_EVENTS]), int(state[_km.M_N_LINKS])
    mask = arrays._mask()
    slots = arrays.src[..., 0][mask]
    events = slots & _EVENT_MASK
    live, rank = _distinct(events, ranks=True)
    recorder.flush(n_ev, live, int(state[_km.M_T]))
    arrays.src[..., 0][mask] = rank[events] | (slots >> _km.SOURCE_BITS << _km.SOURCE_BITS)
    state[_km.M_N_EVENTS] = len(live)
    state[_km.M_N_LINKS] = 0
    return n_ev - len(live), n_ln


def membrane(model, arrays: MillmanArrays) -> np.ndarray:
    """Membrane potential (mV) of every neuron at the current time point of ``arrays``."""
    params, tables = kernel_inputs(model)
    t = int(arrays.state[_km.M_T])
    k = t - arrays.tref
    u = arrays.u.copy()
    lazy = k > 0
    kk = k[lazy].astype(np.float64)
    a, c = params[_km.P_A], params[_km.P_C]
    g_scale = params[_km.P_G_SCALE]
    ak = a ** kk
    gk = g_scale * kk * ak if params[_km.P_DEGENERATE] else g_scale * (ak - c ** kk)
    u[lazy] = u[lazy] * ak + arrays.cur[lazy] * gk
    u[k < 0] = 0.0  # refractory
    return model.e_leak + u


_STATUS = {_kb.DONE: "done", _kb.LIMIT: "limit", _kb.MAX_EVENTS: "max_events",
           AVALANCHE_IDS: "avalanche_ids"}


def run_engine(model, task, recorder):
    """The `Millman` engine for `netaval.simulate` (see `netaval.models._engine`): an
    `Outcome` whose series ``"loaded_fraction"`` is the mean loaded fraction per step."""
    from netaval.models._engine import Outcome, Recorder, State

    network = task.network
    n, n_edges = network.n_nodes, network.n_edges
    full = recorder if recorder.record else Recorder(recorder.capacity, False,
                                                     limit=recorder.limit)
    carried = 0
    if task.initial_state is not None:
        previous = task.initial_state.model
        for name in ("dt", "n_sites"):
            if getattr(previous, name) != getattr(model, name):
                raise InvalidParameterError(
                    f"The 'initial_state' parameter of simulate was made with {name}="
                    f"{getattr(previous, name)!r}; a Millman run continuing it must keep it "
                    f"(got {name}={getattr(model, name)!r}).")
        carried = task.initial_state.n_active
        arrays = MillmanArrays.from_arrays(task.initial_state.arrays, n, n_edges,
                                           model.n_sites, carried, model.a_syn)
        full.write_roots(0, task.initial_state.time, task.initial_state.neuron)
        arrays.state[_km.M_N_EVENTS] = carried
        arrays.state[_km.M_NEXT_AV] = carried
    else:
        arrays = MillmanArrays(n, n_edges, model.n_sites)
    status, trace = advance(network, model, arrays, full, protocol=task.protocol,
                            n_steps=task.limit, n_avalanches=task.n_avalanches,
                            max_events=task.max_events, initial=task.initial, rng=task.rng,
                            chunk_steps=task.chunk_steps, progress=task.progress)
    n_ev = int(arrays.state[_km.M_N_EVENTS])
    end_time = int(arrays.state[_km.M_T])
    _, events = arrays.sources()
    ids = _distinct(events)  # events still remembered: they can still cause firings
    if status == _kb.DONE:  # silent without input: no avalanche can grow any more
        alive = np.zeros(0, np.int32)
    else:
        alive = _distinct(full.avalanche[ids]).astype(np.int32)
    event_map = np.full(n_ev, -1, np.int32)
    event_map[ids] = np.arange(len(ids), dtype=np.int32)
    final = State(model=model, network=network, neuron=full.neuron[ids].astype(np.int32),
                  time=full.time[ids] - end_time,
                  arrays=arrays.to_arrays(end_time, event_map, model.a_syn))
    if full is not recorder:
        recorder.grow_events(n_ev, 0)
        recorder.time[:n_ev] = full.time[:n_ev]
        recorder.neuron[:n_ev] = full.neuron[:n_ev]
    return Outcome(n_events=n_ev, end_time=end_time, status=_STATUS[status], alive=alive,
                   final_state=final, series={"loaded_fraction": trace})
