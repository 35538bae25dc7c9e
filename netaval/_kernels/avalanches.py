"""Jitted segment reductions that turn an event record into per-avalanche quantities.

Every kernel is one or two linear passes over the events (or over the causal links)
and relies on the `Events` invariants: event ids are in causal order, a parent's id is
smaller than its child's, the primary parent shares its child's avalanche, and the root
of an avalanche is its smallest event id.
"""

import numpy as np
from numba import njit

# Every large array is allocated by the caller with numpy and passed in: numpy advises huge
# pages for large fresh arrays, numba's allocator does not, and first writes to fresh 4 KiB
# pages cost more here than the passes themselves (measured: first writes to a fresh 40 MB
# array from numba about 25 ms, to one from numpy about 7 ms).
#
# Per-avalanche arrays that a kernel updates together at the same index are cut from one
# buffer, array j starting j * 192 bytes (modulo 4 KiB) after array 0: separate large
# allocations are page aligned, so element a of each would sit at the same address modulo
# 4 KiB, and x86 cores stall on such "4K-aliased" store/load pairs (measured here: passes
# up to 3x slower).


def staggered_empty(n, k, dtype):
    """``k`` uninitialised contiguous arrays of length ``n`` and ``dtype``, cut from one
    numpy buffer with array j starting j * 192 bytes (modulo 4 KiB) after array 0."""
    itemsize = np.dtype(dtype).itemsize
    per_page = 4096 // itemsize
    stride = (n + per_page - 1) // per_page * per_page + 192 // itemsize
    buffer = np.empty(k * stride, dtype)
    return [buffer[j * stride:j * stride + n] for j in range(k)]


@njit(cache=True)
def _avalanche_pass(avalanche, generation, parent_indptr, parent_ids, event_depth, size, root,
                    last, depth, offspring, max_generation):
    """Per-avalanche size, root, last event, depth, offspring and highest generation.

    Parameters
    ----------
    avalanche, generation : ndarray of int32, shape (n_events,)
    parent_indptr : ndarray of int64, shape (n_events + 1,)
    parent_ids : ndarray of int32, shape (n_links,)
    event_depth : ndarray of int16 or int32, shape (n_events,)
        Scratch buffer for the depth of each event. int16 is about 2.5 times faster on
        x86 (parent and child depths then sit less than 4 KiB apart, avoiding 4K-aliasing
        stalls between the stores and the loads), but overflows past depth 32767.
    size, root, last, depth, offspring, max_generation : ndarray of int64, shape (n_avalanches,)
        Outputs, filled completely (they may come uninitialised). ``root`` and ``last``
        are the first and last event ids. ``depth``: longest path in edges from the root
        over every causal link whose two ends lie in the avalanche (a forward pass: event
        depth = 1 + max parent depth). ``offspring``: causal links whose parent lies in the
        avalanche, whatever the child's avalanche.

    Returns
    -------
    status : int
        0 on success, 1 when a depth did not fit in ``event_depth``'s dtype (rerun with
        an int32 buffer), 2 when the events break the avalanche numbering invariants.

    Notes
    -----
    Jitted with numba; O(n_events + n_links), one pass. Avalanche ids first appear in
    increasing order (at their roots), so an avalanche's fields are initialised at its
    root rather than zeroed beforehand, and the primary parent (first in the CSR) shares
    the child's avalanche, so only extra parents look up their avalanche.
    """
    n = avalanche.shape[0]
    limit = np.iinfo(event_depth.dtype).max
    status = 0
    new = 0
    first = parent_indptr[0]
    for e in range(n):
        a = avalanche[e]
        stop = parent_indptr[e + 1]
        if a >= new or stop == first:
            if a != new or stop != first:  # a root must have no parent and the next new id
                return 2
            new += 1
            root[a] = e
            last[a] = e
            size[a] = 1
            depth[a] = 0
            offspring[a] = 0
            max_generation[a] = generation[e]
            event_depth[e] = 0
            continue
        size[a] += 1
        last[a] = e
        d = event_depth[parent_ids[first]] + 1
        offspring[a] += 1
        for j in range(first + 1, stop):
            p = parent_ids[j]
            pa = avalanche[p]
            offspring[pa] += 1
            if pa == a:
                d = max(d, event_depth[p] + 1)
        first = stop
        if d >= limit:
            status = 1
            d = limit
        event_depth[e] = d
        # unconditional stores of max(): conditional ones mispredict (measured ~25% slower)
        depth[a] = max(depth[a], d)
        max_generation[a] = max(max_generation[a], generation[e])
    if new != size.shape[0]:
        return 2
    return status


@njit(cache=True)
def _group_events(avalanche, neuron, generation, event_indptr, generation_indptr, fill,
                  event_order, mark, n_neurons, generation_counts):
    """Events grouped per avalanche (stable), distinct neurons and counts per generation.

    Parameters
    ----------
    avalanche, neuron, generation : ndarray of int32, shape (n_events,)
    event_indptr : ndarray of int64, shape (n_avalanches + 1,)
        Cumulative avalanche sizes.
    generation_indptr : ndarray of int64, shape (n_avalanches + 1,)
        Cumulative numbers of generations (highest generation + 1) per avalanche.
    fill : ndarray of int64, shape (n_avalanches,)
        Scratch, overwritten.
    event_order : ndarray of int32, shape (n_events,)
        Output: event ids sorted by avalanche, in causal order within each avalanche.
    mark : ndarray of int32, shape (one more than the largest neuron id,)
        Scratch, all -1 on entry.
    n_neurons : ndarray of int64, shape (n_avalanches,)
        Output.
    generation_counts : ndarray of int64, shape (generation_indptr[-1],)
        Output, zeros on entry.

    Notes
    -----
    Jitted with numba; a counting sort, then one pass over the grouped events with a
    per-neuron marker holding the last avalanche that touched it. O(n_events + n_nodes).
    """
    n = avalanche.shape[0]
    n_avalanches = event_indptr.shape[0] - 1
    fill[:] = event_indptr[:-1]
    for e in range(n):
        a = avalanche[e]
        f = fill[a]
        event_order[f] = e
        fill[a] = f + 1
    for a in range(n_avalanches):
        count = 0
        g0 = generation_indptr[a]
        for i in range(event_indptr[a], event_indptr[a + 1]):
            e = event_order[i]
            j = neuron[e]
            generation_counts[g0 + generation[e]] += 1
            if mark[j] != a:
                mark[j] = a
                count += 1
        n_neurons[a] = count


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
    stop = generation_indptr[0]
    for a in range(n_avalanches):
        begin, stop = stop, generation_indptr[a + 1]
        if selected[a] and stop - begin > longest:
            longest = stop - begin
    pooled = np.zeros(longest, np.int64)
    stop = generation_indptr[0]
    for a in range(n_avalanches):
        begin, stop = stop, generation_indptr[a + 1]
        if selected[a]:
            # local bounds: numba cannot prove pooled does not alias generation_indptr
            for k in range(stop - begin):
                pooled[k] += generation_counts[begin + k]
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
