"""Jitted helpers of the event record: the O(n) structural check run before any kernel
reads one (and its chunk-by-chunk form for a streamed dataset, `_check_chunk`), and the
lineage every kernel gives a new event (`lineage`)."""

import numpy as np
from numba import njit

# Codes returned by `_check_structure` (the Python side turns them into messages).
OK = 0
BAD_INDPTR_START = 1
BAD_INDPTR_STEP = 2
BAD_INDPTR_END = 3
BAD_PARENT = 4
BAD_TIME = 5
BAD_NEURON = 6
BAD_AVALANCHE = 7
BAD_GENERATION = 8


@njit(cache=True, inline="always")
def lineage(avalanche, generation, e, primary, next_av):
    """Give new event ``e`` its avalanche and generation; return the next free avalanche id.

    A root (``primary < 0``) opens avalanche ``next_av`` at generation 0; any other event
    joins its primary parent's avalanche, one generation on.
    """
    if primary < 0:
        avalanche[e] = next_av
        generation[e] = 0
        next_av += 1
    else:
        avalanche[e] = avalanche[primary]
        generation[e] = generation[primary] + 1
    return next_av


@njit(cache=True, nogil=True)
def _check_structure(time, neuron, avalanche, generation, parent_indptr, parent_ids):
    """Return ``(code, index)`` of the first structural fault of an event record.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (n_events,)
    neuron, avalanche, generation : ndarray of int32, shape (n_events,)
    parent_indptr : ndarray of int64, shape (n_events + 1,)
    parent_ids : ndarray of int32, shape (n_links,)

    Returns
    -------
    code : int
        `OK` or one of the ``BAD_*`` codes of this module.
    index : int
        The first offending event (or, for ``BAD_INDPTR_END``, ``n_events``).

    Notes
    -----
    Jitted with numba, releasing the GIL (`netaval.load` runs it while another thread
    computes the columns' checksums); one pass, O(n_events + n_links), no allocation. Every index is
    range-checked before it is used, so the check itself never reads out of bounds.
    Rules: ``parent_indptr`` rises from 0 to ``len(parent_ids)``; every parent id lies in
    ``[0, e)``; times are finite and non-decreasing; neuron ids are non-negative; a
    root (no parent) opens the next avalanche id with generation 0; any other event has
    its primary parent's avalanche and generation + 1.
    """
    n = time.shape[0]
    n_links = parent_ids.shape[0]
    if parent_indptr[0] != 0:
        return BAD_INDPTR_START, 0
    one = np.uint64(1)
    next_avalanche = 0
    first = parent_indptr[0]
    for e in range(n):
        # unsigned indices: numba then skips its negative-index wraparound (about 20%
        # faster); every index is known non-negative and in range when it is used
        ue = np.uint64(e)
        stop = parent_indptr[ue + one]
        if stop < first:
            return BAD_INDPTR_STEP, e
        if stop > n_links:
            return BAD_INDPTR_END, e
        if neuron[ue] < 0:
            return BAD_NEURON, e
        t = time[ue]
        if not t - t == 0:  # NaN or infinite
            return BAD_TIME, e
        if e > 0 and t < time[ue - one]:
            return BAD_TIME, e
        for j in range(first, stop):
            p = parent_ids[np.uint64(j)]
            if p < 0 or p >= e:
                return BAD_PARENT, e
        if stop == first:
            if avalanche[ue] != next_avalanche:
                return BAD_AVALANCHE, e
            next_avalanche += 1
            if generation[ue] != 0:
                return BAD_GENERATION, e
        else:
            primary = np.uint64(parent_ids[np.uint64(first)])
            if avalanche[ue] != avalanche[primary]:
                return BAD_AVALANCHE, e
            if generation[ue] != generation[primary] + 1:
                return BAD_GENERATION, e
        first = stop
    if parent_indptr[n] != n_links:
        return BAD_INDPTR_END, n
    return OK, 0


@njit(cache=True, nogil=True)
def _check_chunk(time, neuron, avalanche, generation, parent_indptr, parent_ids, first,
                 n_nodes, next_avalanche, last_time, live, live_avalanche, live_generation):
    """Return ``(code, index, n_roots)`` of the first fault of one chunk of a streamed
    record (`netaval.io.dataset`), whose parents may be events of earlier chunks.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (n_events,)
    neuron : ndarray of int32, shape (n_events,)
    avalanche : ndarray of int64, shape (n_events,)
    generation : ndarray of int32, shape (n_events,)
    parent_indptr : ndarray of int64, shape (n_events + 1,)
        Non-decreasing offsets into ``parent_ids`` (checked by the caller).
    parent_ids : ndarray of int64, shape (parent_indptr[-1],)
        Global event ids.
    first : int
        Global id of the chunk's first event.
    n_nodes : int
    next_avalanche : int
        The avalanche the chunk's first root opens.
    last_time : float
        The previous chunk's last time (``-inf``: none).
    live : ndarray of int64, shape (n_live,)
        Sorted global ids of the events of earlier chunks that may be parents.
    live_avalanche, live_generation : ndarray of int64, shape (n_live,)
        Their avalanches and generations.

    Returns
    -------
    code : int
        `OK`, or `BAD_TIME`, `BAD_NEURON`, `BAD_PARENT`, `BAD_AVALANCHE`, `BAD_GENERATION`.
    index : int
        The first offending event (position in the chunk).
    n_roots : int
        The chunk's roots (events without parents) before that event.

    Notes
    -----
    Jitted with numba, releasing the GIL; one pass, O(n_events + n_links log n_live). Rules:
    times finite and non-decreasing from ``last_time``; neuron ids in ``[0, n_nodes)``;
    every parent an earlier event, of the chunk or in ``live``; a root opens the next
    avalanche id with generation 0; any other event has its primary parent's avalanche and
    generation + 1 (what the readers of a dataset check, `_check_structure` across chunks).
    """
    n = time.shape[0]
    n_live = live.shape[0]
    roots = 0
    for e in range(n):
        t = time[e]
        if not t - t == 0 or (t < time[e - 1] if e > 0 else t < last_time):
            return BAD_TIME, e, roots
        if neuron[e] < 0 or neuron[e] >= n_nodes:
            return BAD_NEURON, e, roots
        start = parent_indptr[e]
        stop = parent_indptr[e + 1]
        own = first + e
        for k in range(start, stop):
            p = parent_ids[k]
            if p >= own:
                return BAD_PARENT, e, roots
            if p < first:
                i = np.searchsorted(live, p)
                if i >= n_live or live[i] != p:
                    return BAD_PARENT, e, roots
        if stop == start:
            if avalanche[e] != next_avalanche + roots:
                return BAD_AVALANCHE, e, roots
            if generation[e] != 0:
                return BAD_GENERATION, e, roots
            roots += 1
        else:
            p = parent_ids[start]
            if p < first:
                i = np.searchsorted(live, p)
                a = live_avalanche[i]
                g = live_generation[i]
            else:
                a = avalanche[p - first]
                g = np.int64(generation[p - first])
            if avalanche[e] != a:
                return BAD_AVALANCHE, e, roots
            if generation[e] != g + 1:
                return BAD_GENERATION, e, roots
    return OK, 0, roots
