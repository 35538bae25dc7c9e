"""Jitted kernels of the facilitated contact process (exact, event-driven, with lifetimes).

An inactive unit i with a_i active presynaptic neighbours out of k_in(i) activates at rate
``rate * x + omega * x**2 + drive``, x = a_i / k_in(i); an active unit deactivates at rate
1. The recurrent part is split over the active in-neighbours j of i, each carrying rate
``(rate + omega * x) / k_in(i)`` on its edge j -> i, and simulated by thinning. Unit j
has weight ``s_j = sum over its out-neighbours i of 1 / k_in(i)``; units are grouped by
weight in factors of two (composition-rejection), and every active unit of group g makes
*attempts* at the constant rate ``A_g = (rate + omega) * bound_g`` (bound_g: the group's
largest weight). An attempt is kept with probability ``s_j / bound_g`` (>= 1/2), picks
the target i with probability ``(1 / k_in(i)) / s_j``, and, if i is inactive, succeeds
with probability ``(rate + omega * x_i) / (rate + omega)``. The edge rate is then exactly
``(rate + omega * x_i) / k_in(i)``, so given that i activates the attempting unit j is
uniform among i's active in-neighbours: it is the primary parent (label-neutral), and
the other active in-neighbours are the remaining parents. x_i is counted by scanning i's
in-neighbours (the same scan lists the parents). Nothing is updated on the neighbours of
a unit that changes state and no cost depends on N: an event costs O(k_in) of the unit
activated (plus O(log k_out) to pick a target on rows with unequal weights).

Units live in one array ``members`` sorted by group, each group's segment holding its
active units first. Order of random draws per Gillespie step: one draw for the waiting
time (``-log(u) / R``); one draw ``x = u * R`` choosing the event by scanning the groups,
each contributing ``n_active_g * (1 + A_g)`` (active units: ``floor(x / (1 + A_g))`` picks
the unit, a remainder < 1 deactivates it, otherwise it attempts) then
``drive * n_inactive_g`` (driven protocol: ``n_active_g + floor(x / drive)`` picks the
inactive unit, a root). An attempt by a unit with out-neighbours draws once for the
first acceptance when ``s_j < bound_g``, once for the target (uniform, Lemire, on rows
of equal weights; else ``u * s_j`` searched in the row's cumulated weights), and, when
the target is inactive and ``omega > 0``, once for the second acceptance when its
probability is below 1. Isolated protocol: one draw for each seeded unit. On a k-regular
graph there is one group, every ``s_j`` equals its bound and every row is uniform, so
with omega = 0 the draws are exactly those of the contact-process kernel: the two
kernels give the same events (times, neurons, primary parents, lifetimes) from the same
stream.
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
from netaval._kernels.contact_process import STALLED, _stall_watch
from netaval._kernels.rng import bounded, next_u64, uniform_open

__all__ = ["F_N_EVENTS", "F_N_ACTIVE", "F_NEXT_AV", "F_STARTED", "F_COMPLETED",
           "F_NEED_LINKS", "F_STATE_SIZE", "_transpose", "_attempt_weights",
           "_run_facilitated_contact"]

F_N_EVENTS = 0
F_N_ACTIVE = 1
F_NEXT_AV = 2
F_STARTED = 3
F_COMPLETED = 4
F_NEED_LINKS = 5   # parent_ids entries the next step may need (when BUFFER_FULL)
F_STATE_SIZE = 6


@njit(cache=True)
def _transpose(indptr, indices):
    """CSR of the transpose (in-neighbours), rows sorted, by a counting sort.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Returns
    -------
    in_indptr : ndarray of int64, shape (n + 1,)
    in_indices : ndarray of int32, shape (n_edges,)

    Notes
    -----
    Jitted with numba; O(n + n_edges).
    """
    n = len(indptr) - 1
    m = len(indices)
    in_indptr = np.zeros(n + 1, np.int64)
    for e in range(m):
        in_indptr[indices[e] + 1] += 1
    for i in range(n):
        in_indptr[i + 1] += in_indptr[i]
    cursor = in_indptr[:n].copy()
    in_indices = np.empty(m, np.int32)
    for j in range(n):
        for e in range(indptr[j], indptr[j + 1]):
            i = indices[e]
            in_indices[cursor[i]] = j
            cursor[i] += 1
    return in_indptr, in_indices


@njit(cache=True)
def _attempt_weights(indptr, indices, in_indptr):
    """Per edge j -> i the weight 1 / k_in(i), cumulated along each row; per unit j its
    row total ``s_j`` and whether all its weights are equal.

    Parameters
    ----------
    indptr, in_indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Returns
    -------
    edge_cum : ndarray of float64, shape (n_edges,)
    weight : ndarray of float64, shape (n,)
        ``s_j`` (0 for units without out-neighbours).
    uniform_row : ndarray of uint8, shape (n,)
        1 when every out-neighbour of j has the same in-degree k (the target is then drawn
        uniformly, without the cumulated weights, and ``s_j = out_deg(j) / k`` exactly).

    Notes
    -----
    Jitted with numba; O(n + n_edges).
    """
    n = len(indptr) - 1
    edge_cum = np.empty(len(indices), np.float64)
    weight = np.zeros(n, np.float64)
    uniform_row = np.ones(n, np.uint8)
    for j in range(n):
        acc = 0.0
        first = -1
        for e in range(indptr[j], indptr[j + 1]):
            i = indices[e]
            k = in_indptr[i + 1] - in_indptr[i]
            if first < 0:
                first = k
            elif k != first:
                uniform_row[j] = 0
            acc += 1.0 / k
            edge_cum[e] = acc
        # equal weights: exactly deg / k_in (1.0 on regular graphs, so the draws match the
        # contact process there)
        weight[j] = (indptr[j + 1] - indptr[j]) / first if uniform_row[j] and first > 0 else acc
    return edge_cum, weight, uniform_row


@njit(cache=True, inline="always")
def _activate(i, g, t, n_ev, n_links, n_parents, primary, next_av, members, pos, group_start,
              n_act, active, cur, time, end_time, neuron, avalanche, generation,
              parent_indptr):
    """Make inactive unit i (group g) active at t as event n_ev; its ``n_parents`` parent
    ids already sit at ``parent_ids[n_links:]``, the primary (event ``primary``) first."""
    slot = group_start[g] + n_act[g]
    p_i = pos[i]
    other = members[slot]
    members[slot] = i
    pos[i] = slot
    members[p_i] = other
    pos[other] = p_i
    n_act[g] += 1
    active[i] = 1
    time[n_ev] = t
    end_time[n_ev] = np.inf
    neuron[n_ev] = i
    # `events.lineage` written out: inlined into this helper, numba keeps one more
    # reference-count release on the root path (LLVM IR, session 8)
    if primary < 0:
        avalanche[n_ev] = next_av
        next_av += 1
        generation[n_ev] = 0
    else:
        avalanche[n_ev] = avalanche[primary]
        generation[n_ev] = generation[primary] + 1
    parent_indptr[n_ev + 1] = n_links + n_parents
    cur[i] = n_ev
    return n_ev + 1, n_links + n_parents, next_av


@njit(cache=True, nogil=True)
def _run_facilitated_contact(indptr, indices, in_indptr, in_indices, edge_cum, weight,
                             uniform_row, group_start, group_bound, group_of, rate, omega, drive,
                             protocol, duration, n_avalanches,
                             max_events, chunk_max_events, max_in_degree, members, pos, n_act,
                             active, cur, time, end_time, neuron, avalanche, generation,
                             parent_indptr, parent_ids, state, clock, rng_state):
    """Advance the facilitated contact process event by event until a status is reached.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (n_edges,)
        CSR network, row = presynaptic unit.
    in_indptr, in_indices : int64 (n+1,), int32 (n_edges,)
        Its transpose (in-neighbours).
    edge_cum, weight, uniform_row : float64 (n_edges,), float64 (n,), uint8 (n,)
        From `_attempt_weights`.
    group_start : int64 (n_groups + 1,)
        Segment of each group in ``members``.
    group_bound : float64 (n_groups,)
        Largest weight s_j of each group (0 for units without out-neighbours).
    group_of : int32 (n,)
    rate, omega, drive : float
        Model parameters (drive used only when protocol is DRIVEN).
    protocol : int
    duration : float
        Stop at this time (inf: no limit).
    n_avalanches, max_events, chunk_max_events : int
        Limits (-1: none).
    max_in_degree : int
        Largest in-degree (the most parents one event can record).
    members, pos : int32 (n,)
        Units by group, active ones first in each group's segment, and the inverse.
    n_act : int64 (n_groups,)
        Active units per group.
    active : uint8 (n,)
    cur : int32 (n,)
        Event id of each active unit's current activation.
    time, end_time, neuron, avalanche, generation, parent_indptr, parent_ids : output buffers
        ``end_time`` of an event: inf while its unit is active, then the deactivation time.
    state : int64 (F_STATE_SIZE,)
    clock : float64 (1,)
        Current time.
    rng_state : uint64 (1,)

    Returns
    -------
    status : int

    Notes
    -----
    Jit-compiled with numba. See the module docstring for the algorithm and draw order.
    """
    n = len(indptr) - 1
    n_groups = len(group_bound)
    rng = rng_state[0]
    t = clock[0]
    n_ev = state[F_N_EVENTS]
    n_active = state[F_N_ACTIVE]
    next_av = state[F_NEXT_AV]
    started = state[F_STARTED]
    completed = state[F_COMPLETED]
    n_links = parent_indptr[n_ev]
    cap = len(time)
    link_cap = len(parent_ids)
    chunk_start = n_ev
    h = drive if protocol == DRIVEN else 0.0
    top = rate + omega
    attempt_rate = np.empty(n_groups, np.float64)
    for g in range(n_groups):
        attempt_rate[g] = top * group_bound[g]
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
        if n_links + max_in_degree > link_cap:
            state[F_NEED_LINKS] = n_links + max_in_degree
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
                parent_indptr[n_ev + 1] = n_links
                n_ev, n_links, next_av = _activate(
                    i, group_of[i], t, n_ev, n_links, 0, -1, next_av, members, pos,
                    group_start, n_act, active, cur, time, end_time, neuron, avalanche,
                    generation, parent_indptr)
                n_active += 1
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
        total = 0.0
        for g in range(n_groups):
            total += n_act[g] * (1.0 + attempt_rate[g]) + h * (
                group_start[g + 1] - group_start[g] - n_act[g])
        rng, z = next_u64(rng)
        t_new = t - np.log(uniform_open(z)) / total
        if t_new >= duration:
            t = duration
            status = LIMIT
            break
        t = t_new
        rng, z = next_u64(rng)
        x = uniform_open(z) * total
        # choose the group and the kind of event (the last non-empty option absorbs rounding)
        chosen = -1
        driven = False
        last = -1
        last_driven = False
        last_w = 0.0
        for g in range(n_groups):
            size = group_start[g + 1] - group_start[g]
            if n_act[g] > 0:
                w = n_act[g] * (1.0 + attempt_rate[g])
                last, last_driven, last_w = g, False, w
                if x < w:
                    chosen = g
                    break
                x -= w
            if h > 0.0 and size > n_act[g]:
                w = h * (size - n_act[g])
                last, last_driven, last_w = g, True, w
                if x < w:
                    chosen = g
                    driven = True
                    break
                x -= w
        if chosen < 0:
            # x ran past the end (uniform_open can return 1.0; rounding): the last outcome
            # of the last option, i.e. x just below its width (never an infinite x, whose
            # integer conversion below is undefined)
            chosen, driven = last, last_driven
            x = np.nextafter(last_w, 0.0)
        g = chosen
        s = group_start[g]
        if driven:
            k = n_act[g] + np.int64(x / h)
            if k >= group_start[g + 1] - s:
                k = group_start[g + 1] - s - 1
            i = members[s + k]
            n_ev, n_links, next_av = _activate(
                i, g, t, n_ev, n_links, 0, -1, next_av, members, pos, group_start, n_act,
                active, cur, time, end_time, neuron, avalanche, generation, parent_indptr)
            n_active += 1
            continue
        one_rate = 1.0 + attempt_rate[g]
        k = np.int64(x / one_rate)
        if k >= n_act[g]:
            k = n_act[g] - 1
        j = members[s + k]
        if x - k * one_rate < 1.0:
            # deactivation: move j behind its group's active block
            end_time[cur[j]] = t
            active[j] = 0
            tail = s + n_act[g] - 1
            other = members[tail]
            members[s + k] = other
            pos[other] = s + k
            members[tail] = j
            pos[j] = tail
            n_act[g] -= 1
            n_active -= 1
            if protocol == ISOLATED and n_active == 0:
                completed += 1
            continue
        a = indptr[j]
        deg = indptr[j + 1] - a
        if deg == 0:
            continue
        p_first = weight[j] / group_bound[g]
        if p_first < 1.0:
            rng, z = next_u64(rng)
            if uniform_open(z) >= p_first:
                continue
        rng, z = next_u64(rng)
        if uniform_row[j]:
            i = indices[a + bounded(z, deg)]
        else:
            # first edge whose cumulated weight exceeds y: linear scan in short rows,
            # bisection in long ones
            y = uniform_open(z) * weight[j]
            lo_e = a
            hi_e = a + deg - 1
            if deg > 16:
                while lo_e < hi_e:
                    mid = (lo_e + hi_e) >> 1
                    if edge_cum[mid] <= y:
                        lo_e = mid + 1
                    else:
                        hi_e = mid
            else:
                while lo_e < hi_e and edge_cum[lo_e] <= y:
                    lo_e += 1
            i = indices[lo_e]
        if active[i]:
            continue
        lo = in_indptr[i]
        k_in = in_indptr[i + 1] - lo
        # active in-neighbours of i: j (the primary) first, then the others in order
        parent_ids[n_links] = cur[j]
        n_par = 1
        for e in range(lo, lo + k_in):
            u = in_indices[e]
            if active[u] and u != j:
                parent_ids[n_links + n_par] = cur[u]
                n_par += 1
        if omega != 0.0:
            p_second = (rate + omega * (n_par / k_in)) / top
            if p_second < 1.0:
                rng, z = next_u64(rng)
                if uniform_open(z) >= p_second:
                    continue
        n_ev, n_links, next_av = _activate(
            i, group_of[i], t, n_ev, n_links, n_par, cur[j], next_av, members, pos,
            group_start, n_act, active, cur, time, end_time, neuron, avalanche, generation,
            parent_indptr)
        n_active += 1
    state[F_N_EVENTS] = n_ev
    state[F_N_ACTIVE] = n_active
    state[F_NEXT_AV] = next_av
    state[F_STARTED] = started
    state[F_COMPLETED] = completed
    clock[0] = t
    rng_state[0] = rng
    return status
