"""`FacilitatedContact`: contact process with facilitation and drive (tunable transition)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from netaval._validation import Interval, check_params
from netaval.errors import InvalidParameterError
from netaval.models._engine import (AVALANCHE_IDS, Outcome, Recorder, State, Task,
                                    avalanche_ids_run_out)
from netaval.models._registry import register

__all__ = ["FacilitatedContact"]

_CONSTRAINTS = {
    "rate": Interval(numbers.Real, 0, None, closed="left"),
    "omega": Interval(numbers.Real, 0, None, closed="left"),
    "drive": Interval(numbers.Real, 0, None, closed="left"),
}


@register("facilitated_contact")
@dataclass(frozen=True)
class FacilitatedContact:
    """Contact process with facilitation, the tunable-transition model of the neutral theory.

    Continuous time, simulated exactly event by event (Gillespie). An active unit
    deactivates at rate 1. An inactive unit i with a_i active presynaptic neighbours out
    of k_in(i) activates at rate ``rate * x + omega * x**2 + drive``, x = a_i / k_in(i)
    (units without in-neighbours only by drive; ``drive`` acts with the ``"driven"``
    protocol only). A recurrent activation records as parents all the currently active
    presynaptic neighbours, the primary parent (which decides the avalanche) drawn
    uniformly among them, so labels are neutral; a drive activation is a root. Each
    event's ``end_time`` (its deactivation) is recorded. Synaptic weights are not used.

    Parameters
    ----------
    rate : float, >= 0
        Pairwise activation rate, lambda.
    omega : float, >= 0, default 0.0
        Facilitated (cooperative) activation rate.
    drive : float, >= 0, default 0.0
        Spontaneous activation rate per inactive unit, h.

    Notes
    -----
    Mean field (SCIENCE.md section 3.2): ``d rho/dt = -rho + (1 - rho)(rate rho + omega
    rho**2 + h)``. At h = 0, ``omega < 1`` gives a continuous transition at rate = 1;
    ``omega > 1`` a discontinuous one, bistable for ``2 sqrt(omega) - omega < rate < 1``;
    the tricritical point is (1, 1). With ``omega = 0`` on a k-regular undirected graph
    the model is the same process as ``ContactProcess(rate)``, and from the same seed it
    gives the same events (apart from listing every active neighbour as a parent).

    Cost: nothing is updated on the neighbours of a unit that changes state. The
    recurrent rate is split over the edges from active units and sampled by thinning
    (composition-rejection over groups of units, acceptance >= 1/2 on any graph for
    ``omega = 0``); an accepted or attempted activation of unit i scans i's
    in-neighbours once, O(k_in(i)), to count them and list the parents. The cost per
    event does not grow with N at fixed degree. On dense graphs each event records
    about ``rho * k_in`` parents (4 bytes each).

    References
    ----------
    .. [1] Martinello et al., "Neutral theory and scale-free neural dynamics",
       Phys. Rev. X 7, 041071 (2017); the rules here are netaval's reconstruction
       (SCIENCE.md sections 3.1-3.2).

    Examples
    --------
    >>> net = netaval.Network.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3, directed=False)
    >>> model = netaval.FacilitatedContact(rate=1.5, omega=2.0)
    >>> run = netaval.simulate(net, model, protocol="spreading", initial=[0], seed=3)
    >>> run.events.check_invariants(net)
    >>> bool(np.all(run.events.end_time > run.events.time))
    True
    """

    rate: float
    omega: float = 0.0
    drive: float = 0.0

    def __post_init__(self) -> None:
        check_params("FacilitatedContact", self.__dict__, _CONSTRAINTS)
        for name in ("rate", "omega", "drive"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise InvalidParameterError(
                    f"The {name!r} parameter of FacilitatedContact must be a float in the "
                    f"range [0, inf). Got {value!r} instead."
                )
            object.__setattr__(self, name, float(value))

    #: continuous time: events carry float64 times
    continuous_time = True

    def engine(self, task: Task, recorder: Recorder) -> Outcome:
        """Run the dynamics for `netaval.simulate` (see `netaval.models._engine`)."""
        return _engine(self, task, recorder)

    def mean_field_density(self) -> np.ndarray:
        """Stationary densities of the mean-field equation, sorted, stable ones and unstable.

        The real roots in [0, 1] of ``-rho + (1 - rho)(rate rho + omega rho**2 + drive)``
        (SCIENCE.md section 3.2).

        Returns
        -------
        ndarray of float64

        Examples
        --------
        >>> netaval.FacilitatedContact(rate=0.9, omega=2.0).mean_field_density().round(4)
        array([0.    , 0.1149, 0.4351])
        """
        # -omega rho^3 + (omega - rate) rho^2 + (rate - 1 - h) rho + h
        roots = np.roots([-self.omega, self.omega - self.rate, self.rate - 1.0 - self.drive,
                          self.drive])
        real = roots[np.abs(roots.imag) < 1e-9].real
        return np.sort(real[(real >= -1e-12) & (real <= 1.0 + 1e-12)].clip(0.0, 1.0))


def _prepare(network) -> tuple:
    """Transpose, group layout and per-group bounds of ``network`` for the kernel."""
    from netaval._kernels import facilitated_contact as _kf

    if network.directed:
        in_indptr, in_indices = _kf._transpose(network.indptr, network.indices)
    else:
        in_indptr, in_indices = network.indptr, network.indices
    edge_cum, c, uniform_row = _kf._attempt_weights(network.indptr, network.indices, in_indptr)
    positive = c > 0
    key = np.zeros(len(c), np.int64)  # group 0: units without out-neighbours (no attempts)
    if positive.any():
        key[positive] = 1 + np.floor(np.log2(c[positive] / c[positive].min())).astype(np.int64)
    labels, group_of = np.unique(key, return_inverse=True)
    counts = np.bincount(group_of, minlength=len(labels))
    group_start = np.zeros(len(labels) + 1, np.int64)
    np.cumsum(counts, out=group_start[1:])
    group_bound = np.zeros(len(labels), np.float64)
    np.maximum.at(group_bound, group_of, c)
    max_in = int(np.diff(in_indptr).max()) if len(c) else 0
    return (in_indptr, in_indices, edge_cum, c, uniform_row, group_start, group_bound,
            group_of.astype(np.int32), max_in)



def _check_state(state: State, group_of: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Validate a `FacilitatedContact` state; return its unit layout ``members`` (int32)."""
    members = state.arrays.get("members") if isinstance(state.arrays, dict) else None
    neuron, time = np.asarray(state.neuron), np.asarray(state.time)
    n = len(group_of)
    m = len(neuron)
    valid = (isinstance(members, np.ndarray) and members.shape == (n,)
             and members.dtype == np.int32 and neuron.ndim == 1 and neuron.dtype == np.int32
             and time.shape == neuron.shape and time.dtype == np.float64 and m <= n)
    if valid and n:
        active = np.zeros(n, bool)
        valid = bool(np.array_equal(np.sort(members), np.arange(n))
                     and np.all((neuron >= 0) & (neuron < n)))
        if valid:
            active[neuron] = True
            n_act = np.bincount(group_of[neuron], minlength=len(group_start) - 1)
            slot = np.arange(n) - np.repeat(group_start[:-1], np.diff(group_start))
            valid = bool(np.array_equal(group_of[members], np.sort(group_of))
                         and np.array_equal(active[members],
                                            slot < np.repeat(n_act, np.diff(group_start)))
                         and len(np.unique(neuron)) == m
                         and np.all(np.isfinite(time)) and np.all(time <= 0)
                         and (m < 2 or np.all((np.diff(time) > 0) | (
                             (np.diff(time) == 0) & (np.diff(neuron) > 0)))))
    if not valid:
        raise InvalidParameterError(
            "The 'initial_state' parameter of simulate is not a valid FacilitatedContact "
            "state (use Run.final_state of a FacilitatedContact run on this network)."
        )
    return members


def _flush(buf: Recorder, state: np.ndarray, active: np.ndarray, cur: np.ndarray,
           now: float) -> int:
    """Hand a bounded recorder the events so far (see `netaval.models._engine`), keeping
    the activations of the active units (in event order) as events ``0 ..``; return the
    causal links freed."""
    from netaval._kernels import facilitated_contact as _kf

    n_ev = int(state[_kf.F_N_EVENTS])
    n_links = int(buf.parent_indptr[n_ev])
    units = np.flatnonzero(active)
    order = np.argsort(cur[units], kind="stable")
    live = cur[units][order].astype(np.int64)
    buf.flush(n_ev, live, now)
    cur[units[order]] = np.arange(len(live), dtype=np.int32)
    state[_kf.F_N_EVENTS] = len(live)
    return n_links


def _engine(model: FacilitatedContact, task: Task, buf: Recorder) -> Outcome:
    """Drive `_run_facilitated_contact` in chunks (the `FacilitatedContact` engine)."""
    from netaval._kernels import branching as _kb  # numba: only when a run starts
    from netaval._kernels import facilitated_contact as _kf
    from netaval.models.contact_process import stalled

    network = task.network
    protocol = {"driven": _kb.DRIVEN, "spreading": _kb.SPREADING,
                "isolated": _kb.ISOLATED}[task.protocol]
    duration, n_avalanches, max_events = task.limit, task.n_avalanches, task.max_events
    n = network.n_nodes
    initial = task.initial if duration != 0 else task.initial[:0]
    (in_indptr, in_indices, edge_cum, weight, uniform_row, group_start, group_bound, group_of,
     max_in) = _prepare(network)
    buf.add_column("end_time", np.float64, fill=np.inf)  # lifetimes: inf while active
    active = np.zeros(n, np.uint8)
    cur = np.zeros(n, np.int32)
    state = np.zeros(_kf.F_STATE_SIZE, np.int64)
    clock = np.zeros(1, np.float64)
    carried = 0
    if task.initial_state is not None:
        members = _check_state(task.initial_state, group_of, group_start).copy()
        neuron = task.initial_state.neuron
        carried = buf.write_roots(0, task.initial_state.time, neuron)
        active[neuron] = 1
        cur[neuron] = np.arange(carried)
        if carried and protocol == _kb.ISOLATED:
            state[_kf.F_COMPLETED] = -1  # the carried activity dies out uncounted
    else:
        active[initial] = 1
        # each group's segment: its initially active units first, then the others, by id
        members = np.lexsort((np.arange(n), 1 - active, group_of)).astype(np.int32)
        neuron = initial
        cur[initial] = np.arange(buf.write_roots(0, np.zeros(len(initial)), initial))
    m0 = len(neuron)
    state[_kf.F_N_EVENTS] = state[_kf.F_N_ACTIVE] = state[_kf.F_NEXT_AV] = m0
    pos = np.empty(n, np.int32)
    pos[members] = np.arange(n, dtype=np.int32)
    n_act = np.bincount(group_of[neuron], minlength=len(group_bound)).astype(np.int64)
    limit = np.inf if duration is None else float(duration)
    isolated = protocol == _kb.ISOLATED
    if isolated and n_avalanches == 0 and carried == 0:
        status = _kb.DONE
    else:
        while True:
            if avalanche_ids_run_out(state[_kf.F_NEXT_AV], state[_kf.F_N_EVENTS],
                                     len(buf.time), max_events - buf.offset):
                status = AVALANCHE_IDS
                break
            status = _kf._run_facilitated_contact(
                network.indptr, network.indices, in_indptr, in_indices, edge_cum, weight,
                uniform_row, group_start, group_bound, group_of, model.rate, model.omega,
                model.drive, protocol, limit, -1 if n_avalanches is None else n_avalanches,
                max_events - buf.offset, task.chunk_events, max_in, members, pos, n_act,
                active, cur,
                buf.time, buf.columns["end_time"], buf.neuron, buf.avalanche,
                buf.generation, buf.parent_indptr, buf.parent_ids, state, clock, task.rng)
            task.progress(max(0, int(state[_kf.F_COMPLETED])) if isolated else float(clock[0]))
            if buf.bounded and status in (_kb.OK, _kb.BUFFER_FULL):
                state[_kf.F_NEED_LINKS] -= _flush(buf, state, active, cur, float(clock[0]))
            if status == _kb.BUFFER_FULL:
                n_ev = int(state[_kf.F_N_EVENTS])
                if n_ev >= len(buf.time):
                    buf.grow_events(n_ev + 1, n_ev)
                need = int(state[_kf.F_NEED_LINKS])
                if need > len(buf.parent_ids):
                    buf.grow_links(max(need, 2 * len(buf.parent_ids)),
                                   int(buf.parent_indptr[n_ev]))
            elif status == _kf.STALLED:
                raise stalled("FacilitatedContact", model.rate, float(clock[0]))
            elif status != _kb.OK:
                break
    if buf.bounded:
        _flush(buf, state, active, cur, float(clock[0]))
    n_ev = int(state[_kf.F_N_EVENTS])
    end_time = float(clock[0])
    ids = np.sort(cur[active.view(bool)])  # activation events of the active units, in order
    alive = np.unique(buf.avalanche[ids]).astype(np.int32)
    final = State(model=model, network=network, neuron=buf.neuron[ids].astype(np.int32),
                  time=buf.time[ids] - end_time, arrays={"members": members})
    status = {_kb.DONE: "done", _kb.LIMIT: "limit", _kb.MAX_EVENTS: "max_events",
              AVALANCHE_IDS: "avalanche_ids"}[status]
    return Outcome(n_events=n_ev, end_time=end_time, status=status,
                   alive=alive, final_state=final)
