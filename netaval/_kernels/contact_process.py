"""Jitted kernel of the continuous-time contact process (exact, event-driven).

Every active node deactivates at rate 1 and, at rate ``rate``, picks one uniformly chosen
out-neighbour and activates it if it is inactive; in the driven protocol every inactive
node activates spontaneously at rate ``drive`` (a root). The total rate is
``n_active * (1 + rate) + drive * n_inactive``; the nodes are kept in one permutation array,
active ones first, so choosing the acting node is O(1) and so is every update.

Order of random draws per Gillespie step (tests/reference.py mirrors it): one draw for the
waiting time (``-log(u) / R``); one draw ``x = u * R`` choosing the event: if
``x < n_active * (1 + rate)`` the acting node is ``perm[floor(x / (1 + rate))]`` and the
remainder decides deactivation (``< 1``) or contact, the contact target costing one more
draw; otherwise the driven node is ``perm[n_active + floor((x - n_active (1 + rate)) /
drive)]``. Isolated protocol: one draw for each seeded node.

Lifetimes: an activation's ``end_time`` is ``inf`` while the node is active and is set to
the time of its deactivation (no draws involved).
"""

import numpy as np
from numba import njit

from netaval._kernels.branching import (
    BUFFER_FULL,
    DONE,
    DRIVEN,
    ISOLATED,
    LIMIT,
    MAX_EVENTS,
    OK,
    SPREADING,
)
from netaval._kernels.events import lineage
from netaval._kernels.rng import bounded, next_u64, uniform_open

__all__ = ["C_N_EVENTS", "C_N_ACTIVE", "C_NEXT_AV", "C_STARTED", "C_COMPLETED",
           "C_STATE_SIZE", "STALLED", "STALL_STEPS", "_run_contact_process", "_activate",
           "_stall_watch"]

C_N_EVENTS = 0
C_N_ACTIVE = 1
C_NEXT_AV = 2
C_STARTED = 3
C_COMPLETED = 4
C_STATE_SIZE = 5

_ = (OK, DONE, LIMIT, BUFFER_FULL, MAX_EVENTS, DRIVEN, SPREADING)

#: Status of a run whose last `STALL_STEPS` Gillespie steps changed nothing: every contact
#: hit an active node. Contacts are simulated one by one, so a contact rate that saturates
#: the network makes the work per event grow with the rate, without bound (a rate of 1e20
#: ran for ever, out of reach of Ctrl-C): the engines stop such a run with
#: `RunawayActivityError` (`netaval.models.contact_process.stalled`).
STALLED = 5
#: Steps in a row without a change of state that make a run STALLED (under a second of
#: kernel time; a saturated network reaches it by chance once the contact rate exceeds
#: about 1e6 times the recovery rate).
STALL_STEPS = 1 << 24


@njit(cache=True, inline="always")
def _stall_watch(n_ev, n_active, seen_ev, seen_active, idle):
    """Count the Gillespie steps since the state last changed (events or active nodes):
    returns ``(seen_ev, seen_active, idle, stalled)``, stalled once `STALL_STEPS` in a row
    changed nothing."""
    if n_ev != seen_ev or n_active != seen_active:  # the last step changed the state
        return n_ev, n_active, 0, False
    if idle >= STALL_STEPS:
        return seen_ev, seen_active, idle, True
    return seen_ev, seen_active, idle + 1, False


@njit(cache=True, inline="always")
def _activate(i, parent, t, n_active, n_ev, next_av, perm, pos, cur, time, end_time, neuron,
              avalanche, generation, parent_indptr, parent_ids):
    """Make inactive node i active at time t as event n_ev (parent -1: a root)."""
    p_i = pos[i]
    other = perm[n_active]
    perm[n_active] = i
    pos[i] = n_active
    perm[p_i] = other
    pos[other] = p_i
    n_active += 1
    time[n_ev] = t
    end_time[n_ev] = np.inf
    neuron[n_ev] = i
    next_av = lineage(avalanche, generation, n_ev, parent, next_av)
    start = parent_indptr[n_ev]
    if parent < 0:
        parent_indptr[n_ev + 1] = start
    else:
        parent_ids[start] = parent
        parent_indptr[n_ev + 1] = start + 1
    cur[i] = n_ev
    return n_active, n_ev + 1, next_av


@njit(cache=True, nogil=True)
def _run_contact_process(indptr, indices, rate, drive, protocol, duration, n_avalanches,
                         max_events, chunk_max_events, perm, pos, cur, time, end_time, neuron,
                         avalanche, generation, parent_indptr, parent_ids, state, clock,
                         rng_state):
    """Advance the contact process event by event until a status code is reached.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (n_edges,)
        CSR network, row = the node that makes contacts.
    rate, drive : float
        Contact rate per active node; spontaneous activation rate per inactive node
        (used only when protocol is DRIVEN).
    protocol : int
    duration : float
        Stop at this time (inf: no limit).
    n_avalanches, max_events, chunk_max_events : int
        Limits (-1: none).
    perm, pos : int32 (n,)
        Permutation of the nodes with the active ones first, and its inverse.
    cur : int32 (n,)
        Event id of each active node's current activation.
    time, end_time, neuron, avalanche, generation, parent_indptr, parent_ids : output buffers
        ``end_time`` of an event: inf while its node is active, then the deactivation time.
    state : int64 (C_STATE_SIZE,)
    clock : float64 (1,)
        Current time.
    rng_state : uint64 (1,)

    Returns
    -------
    status : int

    Notes
    -----
    Jit-compiled with numba.
    """
    n = len(indptr) - 1
    rng = rng_state[0]
    t = clock[0]
    n_ev = state[C_N_EVENTS]
    n_active = state[C_N_ACTIVE]
    next_av = state[C_NEXT_AV]
    started = state[C_STARTED]
    completed = state[C_COMPLETED]
    cap = len(time)
    chunk_start = n_ev
    h = drive if protocol == DRIVEN else 0.0
    one_rate = 1.0 + rate
    status = OK
    seen_ev, seen_active, idle = n_ev, n_active, 0
    while True:
        if max_events >= 0 and n_ev >= max_events:
            status = MAX_EVENTS
            break
        if n_ev - chunk_start >= chunk_max_events:
            status = OK
            break
        if n_ev >= cap:
            status = BUFFER_FULL
            break
        seen_ev, seen_active, idle, stalled = _stall_watch(n_ev, n_active, seen_ev,
                                                           seen_active, idle)
        if stalled:
            status = STALLED
            break
        if n_active == 0:
            if protocol == ISOLATED:
                if completed >= n_avalanches or n == 0:
                    status = DONE
                    break
                if t >= duration:
                    status = LIMIT
                    break
                rng, z = next_u64(rng)
                i = bounded(z, n)
                n_active, n_ev, next_av = _activate(
                    i, -1, t, n_active, n_ev, next_av, perm, pos, cur, time, end_time,
                    neuron, avalanche, generation, parent_indptr, parent_ids)
                started += 1
                continue
            if protocol == SPREADING:
                status = DONE
                break
            if h == 0.0 or n == 0:
                if duration < np.inf:
                    t = duration
                status = LIMIT
                break
        total = n_active * one_rate + h * (n - n_active)
        rng, z = next_u64(rng)
        t_new = t - np.log(uniform_open(z)) / total
        if t_new >= duration:
            t = duration
            status = LIMIT
            break
        t = t_new
        rng, z = next_u64(rng)
        x = uniform_open(z) * total
        internal = n_active * one_rate
        if x < internal:
            k = np.int64(x / one_rate)
            if k >= n_active:
                k = n_active - 1
            j = perm[k]
            if x - k * one_rate < 1.0:
                # deactivation: move j behind the active block
                end_time[cur[j]] = t
                last = perm[n_active - 1]
                perm[k] = last
                pos[last] = k
                perm[n_active - 1] = j
                pos[j] = n_active - 1
                n_active -= 1
                if protocol == ISOLATED and n_active == 0:
                    completed += 1
            else:
                a = indptr[j]
                deg = indptr[j + 1] - a
                if deg > 0:
                    rng, z = next_u64(rng)
                    i = indices[a + bounded(z, deg)]
                    if pos[i] >= n_active:
                        n_active, n_ev, next_av = _activate(
                            i, cur[j], t, n_active, n_ev, next_av, perm, pos, cur, time,
                            end_time, neuron, avalanche, generation, parent_indptr,
                            parent_ids)
        else:
            k = n_active + np.int64((x - internal) / h)
            if k >= n:
                k = n - 1
            n_active, n_ev, next_av = _activate(
                perm[k], -1, t, n_active, n_ev, next_av, perm, pos, cur, time, end_time,
                neuron, avalanche, generation, parent_indptr, parent_ids)
    state[C_N_EVENTS] = n_ev
    state[C_N_ACTIVE] = n_active
    state[C_NEXT_AV] = next_av
    state[C_STARTED] = started
    state[C_COMPLETED] = completed
    clock[0] = t
    rng_state[0] = rng
    return status
