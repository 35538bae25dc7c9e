"""Jitted online avalanche accumulator: per-avalanche summaries from a stream of events.

The events of a run arrive in causal order, chunk by chunk (from a dynamics engine's
bounded buffer, or from the chunks of a streamed dataset). Each chunk is given as the
same struct of arrays as `netaval.Events`, in a *working buffer* whose first entries are
the events carried over from earlier chunks that may still be parents (already counted),
followed by the chunk's new events; parent ids are positions in that buffer. The
accumulator updates, per avalanche (index = global avalanche id): size, root and last
event ids (global: buffer position + ``id_offset``), start and end times, depth (longest
causal path over every link inside the avalanche), highest generation, offspring (links
whose parent lies in the avalanche) and the number of distinct neurons.

Memory is O(avalanches + nodes + buffer), never O(events):

- depth needs each potential parent's depth: ``event_depth`` is aligned with the working
  buffer and moves with the carried events;
- distinct neurons: ``mark[j]`` holds the last avalanche neuron j fired in. When j fires in
  another avalanche, the pair (previous avalanche, j) is remembered in an open-addressing
  hash set (``table``) and the new pair is looked up there: the set of pairs seen is
  exactly ``table`` plus ``{(mark[j], j)}``. Pairs of avalanches that can no longer grow
  are dropped when the table is rebuilt (`_rebuild_table`), so the table holds only pairs
  of avalanches alive at the last chunk boundary or born since.
"""

import numpy as np
from numba import njit

__all__ = [
    "A_NEW", "A_PAIRS", "A_EPOCH", "A_BOUNDARY_NEW", "A_STATE_SIZE", "EMPTY",
    "_accumulate", "_rebuild_table", "_mark_alive", "pair_key",
]

# slots of the int64 accumulator state
A_NEW = 0           # avalanches seen so far (the next root must carry this id)
A_PAIRS = 1         # keys stored in the pair table
A_EPOCH = 2         # number of chunk boundaries passed
A_BOUNDARY_NEW = 3  # A_NEW at the last boundary: older avalanches not alive there are dead
A_STATE_SIZE = 4

EMPTY = np.int64(-1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NEURON_BITS = 31


@njit(cache=True, inline="always")
def pair_key(a, j):
    """Key of the pair (avalanche a, neuron j): ``a << 31 | j`` (a, j < 2**31)."""
    return (np.int64(a) << _NEURON_BITS) | np.int64(j)


@njit(cache=True, inline="always")
def _slot(key, mask, shift):
    return np.int64((np.uint64(key) * _GOLDEN) >> shift) & mask


@njit(cache=True)
def _insert(table, key):
    """Insert ``key`` (linear probing); return 1 if it was new, 0 if already there."""
    mask = np.int64(table.shape[0] - 1)
    shift = np.uint64(64 - _log2(table.shape[0]))
    s = _slot(key, mask, shift)
    while True:
        k = table[s]
        if k == key:
            return 0
        if k == EMPTY:
            table[s] = key
            return 1
        s = (s + 1) & mask


@njit(cache=True)
def _contains(table, key):
    mask = np.int64(table.shape[0] - 1)
    shift = np.uint64(64 - _log2(table.shape[0]))
    s = _slot(key, mask, shift)
    while True:
        k = table[s]
        if k == key:
            return True
        if k == EMPTY:
            return False
        s = (s + 1) & mask


@njit(cache=True, inline="always")
def _log2(n):
    b = 0
    while (1 << b) < n:
        b += 1
    return b


@njit(cache=True)
def _accumulate(time, neuron, avalanche, generation, parent_indptr, parent_ids, begin, end,
                id_offset, event_depth, size, root, last, start, finish, depth,
                max_generation, offspring, n_neurons, alive_epoch, mark, table, acc_state):
    """Add the working-buffer events ``begin .. end - 1`` to the per-avalanche summaries.

    Parameters
    ----------
    time : ndarray of int64 or float64, shape (buffer,)
    neuron : ndarray of int32, shape (buffer,)
    avalanche : ndarray of int32 or int64, shape (buffer,)
        Global avalanche ids.
    generation : ndarray of int32, shape (buffer,)
    parent_indptr : ndarray of int64, shape (buffer + 1,)
    parent_ids : ndarray of int32 or int64
        Parents as positions in the working buffer (only entries of events ``begin ..
        end - 1`` are read).
    begin, end : int
        The new events; ``0 .. begin - 1`` are carried events already counted.
    id_offset : int
        Global event id of buffer position 0 (``root`` and ``last`` are global).
    event_depth : ndarray of int32, shape (buffer,)
        Depth of each buffer event; read for parents, written for the new events.
    size, root, last, depth, max_generation, offspring, n_neurons : ndarray of int64
        Per-avalanche outputs, length at least ``acc_state[A_NEW] + end - begin``;
        entries are initialised at each avalanche's root.
    start, finish : ndarray of the time dtype
        Times of the first and last events of each avalanche.
    alive_epoch : ndarray of int64
        Per avalanche: the last boundary at which it was alive (set at its root too).
    mark : ndarray of int64, shape (n_nodes,)
        Last avalanche each neuron fired in, -1 for none.
    table : ndarray of int64, power-of-two length
        Pair hash set (EMPTY = -1); must stay under half full: the caller keeps
        ``len(table) >= 2 * (acc_state[A_PAIRS] + 2 * (end - begin))``.
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)

    Returns
    -------
    status : int
        0 on success; 2 when the events break the numbering or causal-order invariants
        (a root with an unexpected id, a parent not earlier in the buffer, an event
        outside its primary parent's avalanche, a neuron id out of range).

    Notes
    -----
    Jitted with numba; O(new events + their links), one pass.
    """
    new = acc_state[A_NEW]
    pairs = acc_state[A_PAIRS]
    epoch = acc_state[A_EPOCH]
    boundary_new = acc_state[A_BOUNDARY_NEW]
    n_nodes = mark.shape[0]
    status = 0
    for e in range(begin, end):
        a = np.int64(avalanche[e])
        first = parent_indptr[e]
        stop = parent_indptr[e + 1]
        j = np.int64(neuron[e])
        if j < 0 or j >= n_nodes or stop < first:
            status = 2
            break
        if stop == first:
            if a != new:
                status = 2
                break
            new += 1
            root[a] = e + id_offset
            last[a] = e + id_offset
            start[a] = time[e]
            finish[a] = time[e]
            size[a] = 1
            depth[a] = 0
            offspring[a] = 0
            n_neurons[a] = 0
            max_generation[a] = generation[e]
            alive_epoch[a] = epoch
            event_depth[e] = 0
        else:
            p = np.int64(parent_ids[first])
            if p < 0 or p >= e or a < 0 or a >= new or np.int64(avalanche[p]) != a:
                status = 2
                break
            size[a] += 1
            last[a] = e + id_offset
            finish[a] = time[e]
            d = event_depth[p] + 1
            offspring[a] += 1
            for q in range(first + 1, stop):
                p = np.int64(parent_ids[q])
                if p < 0 or p >= e:
                    status = 2
                    break
                pa = np.int64(avalanche[p])
                offspring[pa] += 1
                if pa == a:
                    d = max(d, event_depth[p] + 1)
            if status != 0:
                break
            event_depth[e] = d
            depth[a] = max(depth[a], d)
            max_generation[a] = max(max_generation[a], np.int64(generation[e]))
        # distinct neurons: the pairs seen are table + {(mark[j], j)}
        b = mark[j]
        if b != a:
            if b >= 0 and (b >= boundary_new or alive_epoch[b] == epoch):
                pairs += _insert(table, pair_key(b, j))  # b may still come back to j
            if b < 0 or not _contains(table, pair_key(a, j)):
                n_neurons[a] += 1
            mark[j] = a
    acc_state[A_NEW] = new
    acc_state[A_PAIRS] = pairs
    return status


@njit(cache=True)
def _mark_alive(alive, alive_epoch, acc_state):
    """Pass a chunk boundary: the avalanches ``alive`` are the ones that may still grow.

    Parameters
    ----------
    alive : ndarray of int64
        Avalanche ids (each < ``acc_state[A_NEW]``).
    alive_epoch : ndarray of int64
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)

    Notes
    -----
    Jitted with numba; O(len(alive)).
    """
    epoch = acc_state[A_EPOCH] + 1
    for i in range(alive.shape[0]):
        alive_epoch[alive[i]] = epoch
    acc_state[A_EPOCH] = epoch
    acc_state[A_BOUNDARY_NEW] = acc_state[A_NEW]


@njit(cache=True)
def _rebuild_table(old, new_table, alive_epoch, acc_state):
    """Copy into ``new_table`` (all EMPTY) the pairs of avalanches that may still grow.

    Parameters
    ----------
    old, new_table : ndarray of int64, power-of-two lengths
    alive_epoch : ndarray of int64
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)
        ``A_PAIRS`` is updated.

    Notes
    -----
    Jitted with numba; O(len(old)).
    """
    epoch = acc_state[A_EPOCH]
    boundary_new = acc_state[A_BOUNDARY_NEW]
    pairs = 0
    for s in range(old.shape[0]):
        key = old[s]
        if key == EMPTY:
            continue
        a = key >> _NEURON_BITS
        if a >= boundary_new or alive_epoch[a] == epoch:
            pairs += _insert(new_table, key)
    acc_state[A_PAIRS] = pairs
