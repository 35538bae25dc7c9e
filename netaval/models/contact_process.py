"""`ContactProcess`: continuous-time contact process (SIS) with spontaneous activation."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from netaval._validation import Interval, check_params
from netaval.errors import InvalidParameterError, RunawayActivityError
from netaval.models._engine import AVALANCHE_IDS, Outcome, State, avalanche_ids_run_out
from netaval.models._registry import register

if TYPE_CHECKING:
    from netaval.models._engine import Recorder, Task

__all__ = ["ContactProcess"]

_CONSTRAINTS = {
    "rate": Interval(numbers.Real, 0, None, closed="left"),
    "drive": Interval(numbers.Real, 0, None, closed="left"),
}


@register("contact_process")
@dataclass(frozen=True)
class ContactProcess:
    """Contact process in continuous time, simulated exactly event by event (Gillespie).

    An active node deactivates at rate 1 and, at total rate ``rate`` (lambda), tries to
    activate one uniformly chosen out-neighbour; the attempt does nothing if that
    neighbour is already active (the convention of SCIENCE.md section 4.4, mean-field
    critical point lambda = 1). With the ``"driven"`` protocol, every inactive node also
    activates spontaneously at rate ``drive`` (a root, opening a new avalanche). The
    parent of an activation is the activation event of the node that made the contact.

    Parameters
    ----------
    rate : float, >= 0
        Contact (infection) rate per active node, lambda.
    drive : float, >= 0, default 0.0
        Spontaneous activation rate per inactive node (driven protocol only).

    Notes
    -----
    Each event costs O(1): the nodes are kept in one array with the active ones first,
    the total rate is ``n_active * (1 + rate) + drive * n_inactive``, and the event type
    and node are drawn uniformly within it. A node without out-neighbours still makes
    (void) contact attempts at rate ``rate``.

    Examples
    --------
    >>> netaval.ContactProcess(rate=2.0, drive=0.01)
    ContactProcess(rate=2.0, drive=0.01)
    """

    rate: float
    drive: float = 0.0

    def __post_init__(self) -> None:
        check_params("ContactProcess", self.__dict__, _CONSTRAINTS)
        for name in ("rate", "drive"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise InvalidParameterError(
                    f"The {name!r} parameter of ContactProcess must be a float in the range "
                    f"[0, inf). Got {value!r} instead."
                )
            object.__setattr__(self, name, float(value))

    #: continuous time: events carry float64 times
    continuous_time = True

    def engine(self, task: Task, recorder: Recorder) -> Outcome:
        """Run the dynamics for `netaval.simulate` (see `netaval.models._engine`)."""
        return _engine(self, task, recorder)


def stalled(name: str, rate: float, time: float) -> RunawayActivityError:
    """The error of a contact-process run that stopped STALLED (see
    `netaval._kernels.contact_process.STALLED`)."""
    from netaval._kernels.contact_process import STALL_STEPS

    return RunawayActivityError(
        f"simulate stopped at time {time}: {STALL_STEPS} contacts in a row hit active "
        f"neurons only. {name}(rate={rate!r}) saturates the network against the unit "
        "recovery rate, and contacts are simulated one by one, so the work per event grows "
        "with the rate without bound; lower the rate.")


def _check_state(state: State, n: int) -> np.ndarray:
    """Validate a `ContactProcess` state; return its node permutation (int32)."""
    perm = state.arrays.get("perm") if isinstance(state.arrays, dict) else None
    neuron, time = np.asarray(state.neuron), np.asarray(state.time)
    m = len(neuron)
    valid = (isinstance(perm, np.ndarray) and perm.shape == (n,) and perm.dtype == np.int32
             and neuron.ndim == 1 and neuron.dtype == np.int32 and time.shape == neuron.shape
             and time.dtype == np.float64 and m <= n)
    if valid and n:
        valid = bool(np.array_equal(np.sort(perm), np.arange(n))
                     and np.array_equal(np.sort(perm[:m]), np.sort(neuron))
                     and np.all(np.isfinite(time)) and np.all(time <= 0)
                     and (m < 2 or np.all((np.diff(time) > 0) | (
                         (np.diff(time) == 0) & (np.diff(neuron) > 0)))))
    if not valid:
        raise InvalidParameterError(
            "The 'initial_state' parameter of simulate is not a valid ContactProcess state "
            "(use Run.final_state of a ContactProcess run on this network)."
        )
    return perm


def _flush(buf: Recorder, state: np.ndarray, perm: np.ndarray, cur: np.ndarray,
           now: float) -> None:
    """Hand the recorder the events so far, keeping the activations of the active nodes
    (in event order) as events ``0 ..``."""
    from netaval._kernels import contact_process as _kc

    active = perm[: int(state[_kc.C_N_ACTIVE])]
    order = np.argsort(cur[active], kind="stable")
    live = cur[active][order].astype(np.int64)
    buf.flush(int(state[_kc.C_N_EVENTS]), live, now)
    cur[active[order]] = np.arange(len(live), dtype=np.int32)
    state[_kc.C_N_EVENTS] = len(live)


def _engine(model: ContactProcess, task: Task, buf: Recorder) -> Outcome:
    """Drive `_run_contact_process` in chunks (the `ContactProcess` engine)."""
    from netaval._kernels import branching as _kb  # numba: only when a run starts
    from netaval._kernels import contact_process as _kc

    network = task.network
    protocol = {"driven": _kb.DRIVEN, "spreading": _kb.SPREADING,
                "isolated": _kb.ISOLATED}[task.protocol]
    duration, n_avalanches, max_events = task.limit, task.n_avalanches, task.max_events
    n = network.n_nodes
    initial = task.initial if duration != 0 else task.initial[:0]
    perm = np.arange(n, dtype=np.int32)
    pos = np.arange(n, dtype=np.int32)
    cur = np.zeros(n, np.int32)
    state = np.zeros(_kc.C_STATE_SIZE, np.int64)
    clock = np.zeros(1, np.float64)
    buf.add_column("end_time", np.float64, fill=np.inf)  # lifetimes: inf while active
    carried = 0
    if task.initial_state is not None:
        perm[:] = _check_state(task.initial_state, n)
        pos[perm] = np.arange(n, dtype=np.int32)
        carried = buf.write_roots(0, task.initial_state.time, task.initial_state.neuron)
        cur[task.initial_state.neuron] = np.arange(carried)
        state[_kc.C_N_EVENTS] = carried
        state[_kc.C_N_ACTIVE] = carried
        state[_kc.C_NEXT_AV] = carried
        if carried and protocol == _kb.ISOLATED:
            state[_kc.C_COMPLETED] = -1  # the carried activity dies out uncounted
    m0 = len(initial)
    if m0:
        buf.write_roots(0, np.zeros(m0), initial)
        rest = np.setdiff1d(np.arange(n), initial)
        perm[:] = np.concatenate([initial, rest])
        pos[perm] = np.arange(n, dtype=np.int32)
        cur[initial] = np.arange(m0)
        state[_kc.C_N_EVENTS] = m0
        state[_kc.C_N_ACTIVE] = m0
        state[_kc.C_NEXT_AV] = m0
    limit = np.inf if duration is None else float(duration)
    isolated = protocol == _kb.ISOLATED
    if isolated and n_avalanches == 0 and carried == 0:
        status = _kb.DONE
    else:
        while True:
            if avalanche_ids_run_out(state[_kc.C_NEXT_AV], state[_kc.C_N_EVENTS],
                                     len(buf.time), max_events - buf.offset):
                status = AVALANCHE_IDS
                break
            status = _kc._run_contact_process(
                network.indptr, network.indices, model.rate, model.drive, protocol, limit,
                -1 if n_avalanches is None else n_avalanches, max_events - buf.offset,
                task.chunk_events,
                perm, pos, cur, buf.time, buf.columns["end_time"], buf.neuron, buf.avalanche,
                buf.generation, buf.parent_indptr, buf.parent_ids, state, clock, task.rng)
            task.progress(max(0, int(state[_kc.C_COMPLETED])) if isolated else float(clock[0]))
            if buf.bounded and status in (_kb.OK, _kb.BUFFER_FULL):
                _flush(buf, state, perm, cur, float(clock[0]))
            if status == _kb.BUFFER_FULL:
                n_ev = int(state[_kc.C_N_EVENTS])
                if n_ev >= len(buf.time):  # else the flush made room
                    buf.grow_events(n_ev + 1, n_ev)
                    buf.grow_links(len(buf.time), int(buf.parent_indptr[n_ev]))
            elif status == _kc.STALLED:
                raise stalled("ContactProcess", model.rate, float(clock[0]))
            elif status != _kb.OK:
                break
    if buf.bounded:
        _flush(buf, state, perm, cur, float(clock[0]))
    n_ev = int(state[_kc.C_N_EVENTS])
    end_time = float(clock[0])
    n_active = int(state[_kc.C_N_ACTIVE])
    ids = np.sort(cur[perm[:n_active]])  # activation events of the active nodes, in order
    alive = np.unique(buf.avalanche[ids]).astype(np.int32)
    final = State(model=model, network=network, neuron=buf.neuron[ids].astype(np.int32),
                  time=buf.time[ids] - end_time, arrays={"perm": perm})
    status = {_kb.DONE: "done", _kb.LIMIT: "limit", _kb.MAX_EVENTS: "max_events",
              AVALANCHE_IDS: "avalanche_ids"}[status]
    return Outcome(n_events=n_ev, end_time=end_time, status=status,
                   alive=alive, final_state=final)
