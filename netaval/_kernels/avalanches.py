"""Jitted segment reductions that turn an event record into per-avalanche quantities.

Every kernel is one or two linear passes over the events (or over the causal links)
and relies on the `Events` invariants: event ids are in causal order, a parent's id is
smaller than its child's, the primary parent shares its child's avalanche, and the root
of an avalanche is its smallest event id.
"""

import numpy as np
from numba import njit

# Per-avalanche arrays that a kernel updates together at the same index are cut from one
# buffer, array j starting j * 192 bytes (modulo 4 KiB) after array 0: separate large
# allocations are page aligned, so element a of each would sit at the same address modulo
# 4 KiB, and x86 cores stall on such "4K-aliased" store/load pairs (measured here: passes
# up to 3x slower).


@njit(cache=True)
def _staggered(n, k, example):
    """``k`` zeroed contiguous arrays of length ``n`` and ``example``'s dtype, one buffer."""
    itemsize = example.itemsize
    per_page = 4096 // itemsize
    stride = (n + per_page - 1) // per_page * per_page + 192 // itemsize
    buffer = np.zeros(k * stride, example.dtype)
    out = []
    for j in range(k):
        out.append(buffer[j * stride:j * stride + n])
    return out


@njit(cache=True)
def _avalanche_pass(time, avalanche, generation, parent_indptr, parent_ids, n_avalanches,
                    event_depth):
    """Per-avalanche size, root, start, end, depth, offspring and highest generation.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (n_events,)
    avalanche, generation : ndarray of int32, shape (n_events,)
    parent_indptr : ndarray of int64, shape (n_events + 1,)
    parent_ids : ndarray of int32, shape (n_links,)
    n_avalanches : int
    event_depth : ndarray of int16 or int32, shape (n_events,)
        Scratch buffer for the depth of each event. int16 is about 2.5 times faster on
        x86 (parent and child depths then sit less than 4 KiB apart, avoiding 4K-aliasing
        stalls between the stores and the loads), but overflows past depth 32767.

    Returns
    -------
    size, root : ndarray of int64, shape (n_avalanches,)
    start, end : ndarray of time's dtype, shape (n_avalanches,)
    depth, offspring : ndarray of int64, shape (n_avalanches,)
        ``depth``: longest path in edges from the root over every causal link whose two
        ends lie in the avalanche (a forward pass: event depth = 1 + max parent depth).
        ``offspring``: causal links whose parent lies in the avalanche, whatever the
        child's avalanche.
    max_generation : ndarray of int64, shape (n_avalanches,)
    status : int
        0 on success, 1 when a depth did not fit in ``event_depth``'s dtype (rerun with
        an int32 buffer).

    Notes
    -----
    Jitted with numba; O(n_events + n_links), one pass.
    """
    n = time.shape[0]
    size, root, depth, offspring, max_generation = _staggered(n_avalanches, 5,
                                                              np.zeros(1, np.int64))
    start, end = _staggered(n_avalanches, 2, time[:1].copy())
    limit = np.iinfo(event_depth.dtype).max
    status = 0
    first = parent_indptr[0]
    for e in range(n):
        a = avalanche[e]
        if size[a] == 0:
            root[a] = e
            start[a] = time[e]
        size[a] += 1
        end[a] = time[e]
        d = 0
        last = parent_indptr[e + 1]
        for j in range(first, last):
            p = parent_ids[j]
            pa = avalanche[p]
            offspring[pa] += 1
            x = event_depth[p] + 1 if pa == a else 0
            d = max(d, x)
        first = last
        if d >= limit:
            status = 1
            d = limit
        event_depth[e] = d
        depth[a] = max(depth[a], d)
        max_generation[a] = max(max_generation[a], generation[e])
    return size, root, start, end, depth, offspring, max_generation, status


@njit(cache=True)
def _group_events(avalanche, neuron, generation, event_indptr, generation_indptr, n_nodes):
    """Events grouped per avalanche (stable), distinct neurons and counts per generation.

    Parameters
    ----------
    avalanche, neuron, generation : ndarray of int32, shape (n_events,)
    event_indptr : ndarray of int64, shape (n_avalanches + 1,)
        Cumulative avalanche sizes.
    generation_indptr : ndarray of int64, shape (n_avalanches + 1,)
        Cumulative numbers of generations (highest generation + 1) per avalanche.
    n_nodes : int
        One more than the largest neuron id.

    Returns
    -------
    event_order : ndarray of int32, shape (n_events,)
        Event ids sorted by avalanche, in causal order within each avalanche.
    n_neurons : ndarray of int64, shape (n_avalanches,)
    generation_counts : ndarray of int64, shape (generation_indptr[-1],)

    Notes
    -----
    Jitted with numba; a counting sort, then one pass over the grouped events with a
    per-neuron marker holding the last avalanche that touched it. O(n_events + n_nodes).
    """
    n = avalanche.shape[0]
    n_avalanches = event_indptr.shape[0] - 1
    fill, generation_start = _staggered(n_avalanches, 2, np.zeros(1, np.int64))
    fill[:] = event_indptr[:-1]
    generation_start[:] = generation_indptr[:-1]
    event_order = np.empty(n, np.int32)
    generation_counts = np.zeros(generation_indptr[-1], np.int64)
    for e in range(n):
        a = avalanche[e]
        f = fill[a]
        event_order[f] = e
        fill[a] = f + 1
        generation_counts[generation_start[a] + generation[e]] += 1
    n_neurons = np.zeros(n_avalanches, np.int64)
    mark = np.full(n_nodes, -1, np.int32)
    for a in range(n_avalanches):
        count = 0
        for i in range(event_indptr[a], event_indptr[a + 1]):
            j = neuron[event_order[i]]
            if mark[j] != a:
                mark[j] = a
                count += 1
        n_neurons[a] = count
    return event_order, n_neurons, generation_counts


@njit(cache=True)
def _gather_segments(indptr, values, selected):
    """Concatenate the CSR segments ``selected`` of ``values`` into a new CSR pair.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n_segments + 1,)
    values : ndarray, shape (indptr[-1],)
    selected : ndarray of int64, shape (n_selected,)

    Returns
    -------
    new_indptr : ndarray of int64, shape (n_selected + 1,)
    new_values : ndarray of values' dtype, shape (new_indptr[-1],)

    Notes
    -----
    Jitted with numba; O(n_selected + total selected length).
    """
    m = selected.shape[0]
    new_indptr = np.zeros(m + 1, np.int64)
    for i in range(m):
        k = selected[i]
        new_indptr[i + 1] = new_indptr[i] + indptr[k + 1] - indptr[k]
    new_values = np.empty(new_indptr[m], values.dtype)
    for i in range(m):
        k = selected[i]
        base = new_indptr[i] - indptr[k]
        for j in range(indptr[k], indptr[k + 1]):
            new_values[base + j] = values[j]
    return new_indptr, new_values


@njit(cache=True)
def _pool_generations(generation_indptr, generation_counts, selected):
    """Sum the per-generation counts of the ``selected`` avalanches, generation by generation.

    Parameters
    ----------
    generation_indptr : ndarray of int64, shape (n_avalanches + 1,)
    generation_counts : ndarray of int64, shape (generation_indptr[-1],)
    selected : ndarray of bool, shape (n_avalanches,)

    Returns
    -------
    ndarray of int64, shape (highest selected generation + 1,)

    Notes
    -----
    Jitted with numba; O(generation_indptr[-1]).
    """
    n_avalanches = generation_indptr.shape[0] - 1
    longest = 0
    for a in range(n_avalanches):
        if selected[a] and generation_indptr[a + 1] - generation_indptr[a] > longest:
            longest = generation_indptr[a + 1] - generation_indptr[a]
    pooled = np.zeros(longest, np.int64)
    for a in range(n_avalanches):
        if selected[a]:
            for j in range(generation_indptr[a], generation_indptr[a + 1]):
                pooled[j - generation_indptr[a]] += generation_counts[j]
    return pooled


@njit(cache=True)
def _first_generation_ratio(generation_indptr, generation_counts, selected):
    """Mean over the selected avalanches of N_1 / N_0 (0 when there is no generation 1).

    Parameters
    ----------
    generation_indptr : ndarray of int64, shape (n_avalanches + 1,)
    generation_counts : ndarray of int64, shape (generation_indptr[-1],)
    selected : ndarray of bool, shape (n_avalanches,)

    Returns
    -------
    float
        NaN when nothing is selected.

    Notes
    -----
    Jitted with numba; O(n_avalanches).
    """
    total = 0.0
    count = 0
    for a in range(generation_indptr.shape[0] - 1):
        if selected[a]:
            first = generation_indptr[a]
            n0 = generation_counts[first]
            n1 = generation_counts[first + 1] if generation_indptr[a + 1] > first + 1 else 0
            total += n1 / n0
            count += 1
    if count == 0:
        return np.nan
    return total / count


@njit(cache=True)
def _profile_counts(time, event_indptr, event_order, start, selected, scale, n_bins):
    """Histogram of event times relative to their avalanche's start, over selected avalanches.

    Bin of an event = floor((time - start) * scale[a]), clipped to n_bins - 1.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (n_events,)
    event_indptr : ndarray of int64, shape (n_avalanches + 1,)
    event_order : ndarray of int32, shape (event_indptr[-1],)
    start : ndarray, shape (n_avalanches,)
    selected : ndarray of int64, shape (n_selected,)
    scale : ndarray of float64, shape (n_avalanches,)
    n_bins : int

    Returns
    -------
    ndarray of int64, shape (n_bins,)

    Notes
    -----
    Jitted with numba; O(events of the selected avalanches).
    """
    counts = np.zeros(n_bins, np.int64)
    for i in range(selected.shape[0]):
        a = selected[i]
        for j in range(event_indptr[a], event_indptr[a + 1]):
            b = int(np.floor((time[event_order[j]] - start[a]) * scale[a]))
            if b >= n_bins:
                b = n_bins - 1
            counts[b] += 1
    return counts
