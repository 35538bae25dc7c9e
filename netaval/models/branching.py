"""`Branching`: the discrete-time probabilistic excitable network of Kinouchi & Copelli."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from netaval._validation import Interval, Options, check_params
from netaval.errors import InvalidParameterError
from netaval.models._engine import AVALANCHE_IDS, Outcome, State, avalanche_ids_run_out
from netaval.models._registry import register

if TYPE_CHECKING:
    from netaval.models._engine import Recorder, Task
    from netaval.network import Network

__all__ = ["Branching"]

_CONSTRAINTS = {
    "sigma": Interval(numbers.Real, 0, None, closed="left"),
    "normalization": Options(("out_degree", "spectral", "weights")),
    "refractory": Interval(numbers.Integral, 0, None, closed="left"),
    "drive": Interval(numbers.Real, 0, 1, closed="both"),
}

#: A row is drawn by geometric skipping (one draw per success) instead of one Bernoulli
#: draw per synapse when ``k >= GEOMETRIC_COST * (k * p + 1)``: a logarithm costs about
#: as much as this many inline uniform draws.
GEOMETRIC_COST = 16


@register("branching")
@dataclass(frozen=True)
class Branching:
    """Probabilistic excitable network in discrete time (Kinouchi & Copelli 2006).

    At each step every neuron that fired at the previous step transmits independently
    along each of its synapses j -> i with probability ``p_ij``; a quiescent neuron fires
    if at least one transmission onto it succeeds, or (driven protocol only) spontaneously
    with probability ``drive``. After firing a neuron stays silent for ``refractory``
    steps (see Notes for Kinouchi & Copelli's n-state automaton).

    Parameters
    ----------
    sigma : float, >= 0
        Branching parameter. With ``normalization="out_degree"``, ``p_ij = sigma /
        k_out(j)``: every neuron has expected offspring ``sigma`` (on a quiescent
        network). With ``"spectral"``, one uniform ``p`` such that the spectral radius of
        ``p * A`` (A the binary adjacency matrix) is ``sigma`` (Larremore et al. 2011).
        With ``"weights"``, ``p_ij = sigma * w_ij`` (sigma is a scale factor on the
        network's weights).
    normalization : {"out_degree", "spectral", "weights"}, default "out_degree"
    refractory : int, >= 0, default 1
        Steps after a firing during which the neuron cannot fire: a neuron firing at t
        can fire again at ``t + refractory + 1`` at the earliest. 0 makes the dynamics
        bond directed percolation on the graph.
    drive : float in [0, 1], default 0.0
        Probability per step that a quiescent, non-refractory neuron fires spontaneously
        (a root, opening a new avalanche). Used by the ``"driven"`` protocol only.

    Notes
    -----
    *Several causes.* Every successful transmitter onto a neuron is recorded as a parent;
    the primary parent (which decides avalanche and generation) is drawn uniformly among
    them. *Drive and transmission in the same step:* transmission takes precedence: the
    drive acts only on neurons that no transmission fired in that step, so a firing is a
    root only if no recurrent input caused it. The firing probability is unchanged,
    ``1 - (1 - drive) * prod_j (1 - p_ij)``, and neither rule looks at avalanche labels.

    A transmission probability above 1 is an error (raised by `netaval.simulate`
    naming ``sigma``), never silently clipped, since the branching ratio would no longer
    be ``sigma``. A neuron without out-synapses has no offspring.

    Kinouchi & Copelli's cyclic automaton with n states (quiescent, excited, n - 2
    refractory states) lets a neuron excited at t fire again at t + n at the earliest:
    it corresponds to ``refractory = n - 1``.

    Examples
    --------
    >>> netaval.Branching(sigma=1.0)
    Branching(sigma=1.0, normalization='out_degree', refractory=1, drive=0.0)
    >>> netaval.Branching(sigma=-1.0)
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'sigma' parameter of Branching must be a float ...
    """

    sigma: float
    normalization: str = "out_degree"
    refractory: int = 1
    drive: float = 0.0

    def __post_init__(self) -> None:
        check_params("Branching", self.__dict__, _CONSTRAINTS)
        if not math.isfinite(self.sigma):
            raise InvalidParameterError(
                "The 'sigma' parameter of Branching must be a float in the range [0, inf). "
                f"Got {self.sigma!r} instead."
            )
        object.__setattr__(self, "sigma", float(self.sigma))
        object.__setattr__(self, "drive", float(self.drive))
        object.__setattr__(self, "refractory", int(self.refractory))

    #: discrete time, one step per transmission
    continuous_time = False

    def engine(self, task: Task, recorder: Recorder) -> Outcome:
        """Run the dynamics for `netaval.simulate` (see `netaval.models._engine`)."""
        return _engine(self, task, recorder)

    def transmission(self, network: Network) -> tuple[np.ndarray, np.ndarray, bool, float]:
        """Per-row transmission probabilities for ``network`` (used by `netaval.simulate`).

        Returns ``(p_row, inv_log_q, per_synapse, weight_scale)``: for ``"weights"``,
        ``per_synapse`` is True and synapse s transmits with probability
        ``weight_scale * weights[s]``; otherwise row j transmits with ``p_row[j]`` and is
        drawn by geometric skipping where ``inv_log_q[j] != 0`` (see `GEOMETRIC_COST`).

        Raises
        ------
        InvalidParameterError
            When a transmission probability would exceed 1, naming ``sigma``.
        """
        n = network.n_nodes
        degree = network.out_degree.astype(np.float64)
        if self.normalization == "weights":
            w_max = float(network.weights.max()) if network.n_edges else 0.0
            if self.sigma * w_max > 1.0:
                raise InvalidParameterError(
                    f"The 'sigma' parameter of Branching is the weight scale with "
                    f"normalization='weights': p_ij = sigma * w_ij must be <= 1, but sigma = "
                    f"{self.sigma!r} times the largest weight {w_max!r} gives "
                    f"{self.sigma * w_max!r}. Use sigma <= {1.0 / w_max!r}."
                )
            return np.zeros(n), np.zeros(n), True, self.sigma
        if self.normalization == "out_degree":
            with np.errstate(divide="ignore", invalid="ignore"):
                p_row = np.where(degree > 0, self.sigma / np.maximum(degree, 1.0), 0.0)
            if n and p_row.max() > 1.0:
                k_min = int(degree[degree > 0].min())
                raise InvalidParameterError(
                    f"The 'sigma' parameter of Branching gives p = sigma / k_out > 1 on a "
                    f"neuron with out-degree {k_min} (sigma = {self.sigma!r}); with "
                    f"normalization='out_degree' sigma must be <= the smallest non-zero "
                    f"out-degree ({k_min}), or use normalization='spectral' (one uniform p = "
                    f"sigma / lambda_max, for heterogeneous networks)."
                )
        else:  # spectral
            if network.n_edges == 0:
                p = 0.0
            else:
                from netaval.network import Network  # numba-free import of netaval.models

                binary = Network(network.indptr, network.indices, None, n_nodes=n,
                                 directed=network.directed)
                radius = binary.spectral_radius()
                if radius <= 0.0:
                    raise InvalidParameterError(
                        f"normalization='spectral' needs a network with a positive spectral "
                        f"radius (a directed acyclic graph has none); use 'out_degree'. "
                        f"Got {network!r}."
                    )
                p = self.sigma / radius
                if p > 1.0:
                    raise InvalidParameterError(
                        f"The 'sigma' parameter of Branching gives p = sigma / lambda_max = "
                        f"{p!r} > 1 (lambda_max = {radius!r}); use sigma <= {radius!r}."
                    )
            p_row = np.where(degree > 0, p, 0.0)
        geometric = (degree >= GEOMETRIC_COST * (degree * p_row + 1.0)) & (p_row > 0) & (
            p_row < 1)
        inv_log_q = np.zeros(n)
        inv_log_q[geometric] = 1.0 / np.log1p(-p_row[geometric])
        return p_row, inv_log_q, False, 0.0


#: ``last firing step`` of a neuron that never fired (relative to any window): the
#: kernel's NEVER >> 32
_NEVER_STEP = -(2**31)


def _check_state(state: State, n: int) -> np.ndarray:
    """Validate a `Branching` state; return its per-neuron last firing steps (int64)."""
    last = state.arrays.get("last_fire") if isinstance(state.arrays, dict) else None
    neuron, time = np.asarray(state.neuron), np.asarray(state.time)
    if (not isinstance(last, np.ndarray) or last.shape != (n,) or last.dtype != np.int64
            or neuron.ndim != 1 or neuron.dtype != np.int32 or time.shape != neuron.shape
            or time.dtype != np.int64 or (len(neuron) and (
                neuron.min() < 0 or neuron.max() >= n or np.any(time != -1)
                or np.any(np.diff(neuron) <= 0)))
            or last.min(initial=-1) < _NEVER_STEP or last.max(initial=-1) > -1
            or np.any(last[neuron] != -1)):
        raise InvalidParameterError(
            "The 'initial_state' parameter of simulate is not a valid Branching state (use "
            "Run.final_state of a Branching run on this network)."
        )
    return last


def _flush(buf: Recorder, state: np.ndarray, frontier: int) -> tuple[int, int]:
    """Hand the recorder the events so far, keeping the frontier (``frontier ..``: the
    last step's firings) as events ``0 ..``; return the events and links freed."""
    from netaval._kernels import branching as _kb

    n_ev, n_ln = int(state[_kb.S_N_EVENTS]), int(state[_kb.S_N_LINKS])
    buf.flush(n_ev, np.arange(frontier, n_ev), int(state[_kb.S_T]))
    state[_kb.S_N_EVENTS] = n_ev - frontier
    state[_kb.S_N_LINKS] = 0
    state[_kb.S_FRONTIER] = 0
    return frontier, n_ln


def _engine(model: Branching, task: Task, buf: Recorder) -> Outcome:
    """Drive `_run_branching` in chunks (the `Branching` engine)."""
    from netaval._kernels import branching as _kb  # numba: only when a run starts
    from netaval._summaries import AvalancheAccumulator

    network = task.network
    protocol = {"driven": _kb.DRIVEN, "spreading": _kb.SPREADING,
                "isolated": _kb.ISOLATED}[task.protocol]
    n_steps, n_avalanches, max_events = task.limit, task.n_avalanches, task.max_events
    # what the run keeps decides what the kernel writes: the causes only for a full record
    # (in memory or streamed); record="avalanches" updates the summaries as each firing is
    # written
    summarise = getattr(buf, "accumulator", None) is not None
    streamed = getattr(buf, "writer", None) is not None
    record = buf.record and (streamed or not buf.bounded)
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
    initial = task.initial if n_steps != 0 else task.initial[:0]
    work = max(16, min(network.n_edges, 1 << 16))
    sec_child = np.empty(work, np.int32)
    sec_parent = np.empty(work, np.int32)
    fire = np.full(n, _kb.NEVER, np.int64)
    ch_neuron = np.zeros(n, np.int32)
    ch_prim = np.zeros(n, np.int32)
    ch_cnt = np.zeros(n, np.int64)
    bitmap = np.zeros(_kb.bitmap_size(n), np.uint64)
    state = np.zeros(_kb.STATE_SIZE, np.int64)
    refractory = min(model.refractory, _kb.MAX_STEPS)
    carried = 0
    if task.initial_state is not None:
        last = _check_state(task.initial_state, n)
        fire[:] = last << 32
        carried = buf.write_roots(0, task.initial_state.time, task.initial_state.neuron)
        fire[task.initial_state.neuron] = (np.int64(-1) << 32) | np.arange(carried)
        state[_kb.S_N_EVENTS] = carried
        state[_kb.S_NEXT_AV] = carried
        state[_kb.S_NEXT_SEED] = int(last.max(initial=_NEVER_STEP)) + 1 + refractory
        if carried and protocol == _kb.ISOLATED:
            state[_kb.S_COMPLETED] = -1  # the carried activity dies out uncounted
    m0 = len(initial)
    if protocol == _kb.SPREADING and m0:
        buf.write_roots(0, np.zeros(m0, np.int64), initial)
        fire[initial] = np.arange(m0)  # fired at step 0
        state[_kb.S_T] = 1
        state[_kb.S_N_EVENTS] = m0
        state[_kb.S_NEXT_AV] = m0
    steps = _kb.MAX_STEPS if n_steps is None else int(n_steps)
    isolated = protocol == _kb.ISOLATED
    if protocol == _kb.SPREADING and m0 + carried == 0:
        status = _kb.DONE
    elif isolated and n_avalanches == 0 and carried == 0:
        status = _kb.DONE
    else:
        # record="avalanches": the kernel adds each step's events to the online summaries
        # (without summaries, empty tables of the same types: one compiled kernel)
        acc = AvalancheAccumulator(0, continuous=False).kernel_arrays()
        n_new = 0  # events the next step may add (known after a BUFFER_FULL)
        while True:
            if avalanche_ids_run_out(state[_kb.S_NEXT_AV], state[_kb.S_N_EVENTS],
                                     len(buf.time), max_events - buf.offset):
                status = AVALANCHE_IDS
                break
            chunk_end = int(state[_kb.S_T]) + task.chunk_steps
            if summarise:
                acc = buf.summary_arrays(int(state[_kb.S_N_EVENTS]), n_new,
                                         float(state[_kb.S_T] - 1), one_step_links=True)
            status = _kb._run_branching(
                network.indptr, network.indices, network.weights, row_params, per_synapse,
                weight_scale, refractory, drive_inv_log_q, protocol, steps,
                -1 if n_avalanches is None else n_avalanches, max_events - buf.offset,
                chunk_end, task.chunk_events, record, fire, ch_neuron, ch_prim, ch_cnt,
                sec_child, sec_parent, bitmap, buf.time, buf.neuron, buf.avalanche,
                buf.generation, buf.parent_indptr, buf.parent_ids, summarise, buf.offset,
                acc, state, task.rng)
            if summarise:
                buf.n_fed = int(state[_kb.S_N_EVENTS])
            task.progress(max(0, int(state[_kb.S_COMPLETED if isolated else _kb.S_T])))
            if buf.bounded and (status == _kb.OK or (
                    status == _kb.BUFFER_FULL
                    and 2 * int(state[_kb.S_N_EVENTS]) >= task.chunk_events)):
                # hand the chunk on; the needs shrink by what the flush freed (a buffer
                # short of half a chunk grows instead: each chunk costs a flush, and a
                # streamed one a file)
                freed_ev, freed_ln = _flush(buf, state, int(state[_kb.S_FRONTIER]))
                state[_kb.S_NEED_EVENTS] -= freed_ev
                state[_kb.S_NEED_LINKS] -= freed_ln
            if status == _kb.BUFFER_FULL:
                n_ev, n_ln = int(state[_kb.S_N_EVENTS]), int(state[_kb.S_N_LINKS])
                n_new = int(state[_kb.S_NEED_EVENTS]) - n_ev
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
    n_ev = int(state[_kb.S_N_EVENTS])
    end_time = int(state[_kb.S_T])
    # the frontier: events of the last simulated step (they transmit at the next step)
    frontier = int(state[_kb.S_FRONTIER]) if status != _kb.DONE else n_ev
    if n_ev and frontier < n_ev and buf.time[frontier] != end_time - 1:
        frontier = n_ev
    if buf.bounded:
        _flush(buf, state, frontier)
        n_ev, frontier = int(state[_kb.S_N_EVENTS]), 0
    if frontier < n_ev:
        alive = np.unique(buf.avalanche[frontier:n_ev]).astype(np.int32)
    else:
        alive = np.zeros(0, np.int32)
    last = np.maximum((fire >> 32) - end_time, _NEVER_STEP)
    final = State(model=model, network=network,
                  neuron=np.sort(buf.neuron[frontier:n_ev]).astype(np.int32),
                  time=np.full(n_ev - frontier, -1, np.int64), arrays={"last_fire": last})
    status = {_kb.DONE: "done", _kb.LIMIT: "limit", _kb.MAX_EVENTS: "max_events",
              AVALANCHE_IDS: "avalanche_ids"}[status]
    return Outcome(n_events=n_ev, end_time=end_time, status=status,
                   alive=alive, final_state=final)
