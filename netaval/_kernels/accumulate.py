"""Jitted online avalanche accumulator: per-avalanche summaries from a stream of events.

The events of a run arrive in causal order, chunk by chunk (from a dynamics engine's
bounded buffer, from inside the `Branching` kernel one step at a time, or from the chunks of
a streamed dataset). Each chunk is given as the same struct of arrays as `netaval.Events`,
in a *working buffer* whose first entries are the events carried over from earlier chunks
that may still be parents (already counted), followed by the chunk's new events; parent ids
are positions in that buffer. The accumulator updates, per avalanche (index = global
avalanche id): size, root event id (global: buffer position + ``id_offset``), offspring
(links whose parent lies in the avalanche), start and end times, depth (longest causal path
over every link inside the avalanche), highest generation and the number of distinct
neurons.

Per-avalanche storage is one 64-byte row per avalanche (one cache line), seen through three
tables of the same rows: ``counts`` int64 (size, root, offspring), ``times`` of the time
dtype (start, end) and ``small`` int32 (depth, highest generation, distinct neurons, alive
epoch), at the column numbers ``C_*``, ``T_*`` and ``I_*``. The tables hold a window of
avalanches: row r is avalanche ``acc_state[A_BASE] + r``; the avalanches below the base
are finished (none may grow) and their rows were handed on (`netaval._summaries`), so an
event of one, or a chunk boundary naming one alive, breaks the invariants. Memory is
O(avalanches in the window + nodes + buffer), never O(events):

- depth needs each potential parent's depth: ``event_depth`` is aligned with the working
  buffer and moves with the carried events;
- distinct neurons: row ``mark[j]`` (64 bytes, one cache line) holds the last
  ``MARK_WIDTH - 2`` (14) distinct avalanches neuron j was counted in (``mark[j, 2:]``, -1 for none; a ring
  whose oldest slot is ``mark[j, 1]``), and ``mark[j, 0]``, a bound on the times j fired
  in the avalanches whose pairs went to an open-addressing hash set (``table``): when j
  is counted in a new avalanche, the oldest one of the row leaves it and the pair (it, j)
  goes to the hash set if that avalanche may still grow. The set is looked up only for an
  avalanche that started no later than the bound (``NO_PAIRS``: j put no pairs there;
  ``NO_BOUND``: always; the `Branching` kernel bounds by the step of the eviction, a
  firing of j, so it looks up no avalanche that started after j's last firing). The set
  of pairs seen is
  exactly ``table`` plus the rows (for the avalanches that may still grow). Pairs of
  avalanches that can no longer grow are dropped when the table is rebuilt
  (`_rebuild_table`). An avalanche may still grow if it was alive at the last chunk
  boundary or born since (the *epoch* rule) and its last event is not before the
  *horizon* (the earliest time a parent can have: ``t - 1`` for a `Branching` step t,
  ``-inf`` when unknown).
"""

import numpy as np
from numba import njit

__all__ = [
    "A_NEW", "A_PAIRS", "A_EPOCH", "A_BOUNDARY_NEW", "A_BASE", "A_STATE_SIZE", "EMPTY",
    "C_SIZE", "C_ROOT", "C_SECONDARY", "T_START", "T_END",
    "I_DEPTH", "I_GENERATION", "I_REPEATS", "I_EPOCH", "MARK_WIDTH",
    "NO_PAIRS", "NO_BOUND", "_accumulate", "_keep_pair", "_ring_has",
    "_ring_push", "_contains",
    "_rebuild_table", "_mark_alive", "pair_key",
]

# slots of the int64 accumulator state
A_NEW = 0           # avalanches seen so far (the next root must carry this id)
A_PAIRS = 1         # keys stored in the pair table
A_EPOCH = 2         # number of chunk boundaries passed
A_BOUNDARY_NEW = 3  # A_NEW at the last boundary: older avalanches not alive there are dead
A_BASE = 4          # avalanche of row 0 of the tables: older ones are finished and gone
A_STATE_SIZE = 5

# columns of the per-avalanche tables: three views of one 64-byte row per avalanche
# (8 int64 columns), so the columns of the three do not overlap. C_SECONDARY counts the
# links beyond each event's primary one whose parent lies in the avalanche (offspring =
# size - 1 + them), I_REPEATS the firings of a neuron already counted in it (distinct
# neurons = size - repeats): both change for few events.
C_SIZE, C_ROOT, C_SECONDARY = 0, 1, 2                       # counts (int64, 8 columns)
T_START, T_END = 3, 4                                       # times (int64 steps or float64)
I_DEPTH, I_GENERATION, I_REPEATS, I_EPOCH = 10, 11, 12, 13  # small (int32, 16 columns)

#: columns of a neuron's row of ``mark``: pairs in the table, then recent avalanches (a
#: whole cache line: 14 recent avalanches make a pair leave the row, to be kept in the hash
#: set, less often than 6 did; in-process A/B at N = 1e6 0.91-0.93x the time per event of
#: record="avalanches", neutral at N = 1e5)
MARK_WIDTH = 16

EMPTY = np.int64(-1)
#: ``mark[j, 0]`` of a neuron with no pairs in the table (below every start time)
NO_PAIRS = np.int32(np.iinfo(np.int32).min)
#: ``mark[j, 0]`` when the times of j's pairs are not tracked (the table is always looked up)
NO_BOUND = np.int32(np.iinfo(np.int32).max)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NEURON_BITS = 31


@njit(cache=True, inline="always")
def pair_key(a, j):
    """Key of the pair (avalanche a, neuron j): ``a << 31 | j`` (a, j < 2**31)."""
    return (np.int64(a) << _NEURON_BITS) | np.int64(j)


@njit(cache=True, inline="always")
def _slot(key, mask, shift):
    return np.int64((np.uint64(key) * _GOLDEN) >> shift) & mask


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
def _may_grow(a, times, small, epoch, boundary_new, horizon, base):
    """Whether avalanche ``a`` may still have events (see the module docstring)."""
    return a >= base and times[a - base, T_END] >= horizon and (
        a >= boundary_new or small[a - base, I_EPOCH] == epoch)


@njit(cache=True, inline="always")
def _ring_has(mark, j, a):
    """Whether avalanche ``a`` is among neuron j's recent ones (``mark[j, 2:]``).

    Straight-line code with one array argument, like `_ring_push`: numba's reference
    counting of the arrays an inlined helper receives is pruned only in simple code, and
    two atomic operations per event cost a hot loop about as much as the rest of the
    bookkeeping (`_run_branching` calls these two directly).
    """
    hit = False
    for k in range(2, MARK_WIDTH):
        hit |= mark[j, k] == a
    return hit


@njit(cache=True, inline="always")
def _ring_push(mark, j, a):
    """Put avalanche ``a`` in neuron j's row in place of the oldest one; return the one
    that left (-1: none)."""
    slot = mark[j, 1]
    k = np.uint64(2 + slot)
    left = mark[j, k]
    mark[j, k] = a
    mark[j, 1] = slot + 1 if slot < MARK_WIDTH - 3 else 0
    return left


@njit(cache=True, inline="always")
def _keep_pair(b, j, bound, mark, table):
    """Keep the pair (``b``, ``j``) that left j's row (b may come back to j); ``bound``:
    a time no earlier than j's last firing in b. Returns 1 if the pair was new."""
    mark[j, 0] = max(mark[j, 0], bound)
    return _insert(table, pair_key(b, j))


@njit(cache=True)
def _accumulate(time, neuron, avalanche, generation, parent_indptr, parent_ids, event_depth,
                begin, end, id_offset, horizon, counts, times, small, mark, table,
                acc_state):
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
    event_depth : ndarray of int32, shape (buffer,)
        Depth of each buffer event; read for parents, written for the new events.
    begin, end : int
        The new events; ``0 .. begin - 1`` are carried events already counted.
    id_offset : int
        Global event id of buffer position 0 (roots are stored as global ids).
    horizon : float
        No new event has a parent before this time (``-inf``: unknown).
    counts : ndarray of int64, shape (capacity, 8)
    times : ndarray of the time dtype, shape (capacity, 8)
    small : ndarray of int32, shape (capacity, 16)
        Per-avalanche tables (columns ``C_*``, ``T_*``, ``I_*``; views of the same rows
        in `netaval._summaries.AvalancheAccumulator`; row r is avalanche
        ``acc_state[A_BASE] + r``), at least ``acc_state[A_NEW] - acc_state[A_BASE] + end -
        begin`` rows; a row is initialised at its root.
    mark : ndarray of int32, shape (n_nodes, MARK_WIDTH)
        Per neuron: a bound on the times of its pairs in the table (initially
        ``NO_PAIRS``; this function sets ``NO_BOUND``), the row slot of its oldest
        recent avalanche (initially 0), then its recent avalanches (initially -1;
        avalanche ids are below 2**31).
    table : ndarray of int64, power-of-two length
        Pair hash set (EMPTY = -1); must stay under half full: the caller keeps
        ``len(table) >= 2 * (acc_state[A_PAIRS] + end - begin)``.
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)

    Returns
    -------
    status : int
        0 on success; 2 when the events break the numbering or causal-order invariants
        (a root with an unexpected id, a parent not earlier in the buffer, an event
        outside its primary parent's avalanche, a parent in a finished avalanche, a neuron
        id out of range).

    Notes
    -----
    Jitted with numba; O(new events + their links), one pass.
    """
    new = acc_state[A_NEW]
    pairs = acc_state[A_PAIRS]
    epoch = acc_state[A_EPOCH]
    boundary_new = acc_state[A_BOUNDARY_NEW]
    base = acc_state[A_BASE]
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
            r = a - base
            counts[r, C_SIZE] = 1
            counts[r, C_ROOT] = e + id_offset
            counts[r, C_SECONDARY] = 0
            times[r, T_START] = time[e]
            times[r, T_END] = time[e]
            small[r, I_DEPTH] = 0
            small[r, I_GENERATION] = generation[e]
            small[r, I_REPEATS] = 0
            small[r, I_EPOCH] = epoch
            event_depth[e] = 0
        else:
            p = np.int64(parent_ids[first])
            if p < 0 or p >= e or a < base or a >= new or np.int64(avalanche[p]) != a:
                status = 2
                break
            r = a - base
            counts[r, C_SIZE] += 1
            times[r, T_END] = time[e]
            d = event_depth[p] + 1
            for q in range(first + 1, stop):
                p = np.int64(parent_ids[q])
                pa = np.int64(avalanche[p]) if 0 <= p < e else np.int64(-1)
                if pa < base or pa >= new:
                    status = 2
                    break
                counts[pa - base, C_SECONDARY] += 1
                if pa == a:
                    d = max(d, event_depth[p] + 1)
            if status != 0:
                break
            event_depth[e] = d
            small[r, I_DEPTH] = max(small[r, I_DEPTH], d)
            small[r, I_GENERATION] = max(small[r, I_GENERATION], generation[e])
        # distinct neurons: the pairs seen are the recent ones in mark[j, 2:] + table
        if _ring_has(mark, j, a) or (
                times[r, T_START] <= mark[j, 0] and _contains(table, pair_key(a, j))):
            small[r, I_REPEATS] += 1
        else:
            b = _ring_push(mark, j, a)
            if b >= 0 and _may_grow(b, times, small, epoch, boundary_new, horizon, base):
                pairs += _keep_pair(b, j, NO_BOUND, mark, table)
    acc_state[A_NEW] = new
    acc_state[A_PAIRS] = pairs
    return status


@njit(cache=True)
def _mark_alive(alive, small, acc_state):
    """Pass a chunk boundary: the avalanches ``alive`` are the ones that may still grow.

    Parameters
    ----------
    alive : ndarray of int64
        Avalanche ids (each in ``acc_state[A_BASE] .. acc_state[A_NEW] - 1``; repeats
        allowed).
    small : ndarray of int32, shape (capacity, 16)
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)

    Returns
    -------
    status : int
        0 on success; 2 (nothing changed) when an id is out of that range (finished, or
        not seen yet).

    Notes
    -----
    Jitted with numba; O(len(alive)).
    """
    base = acc_state[A_BASE]
    new = acc_state[A_NEW]
    for i in range(alive.shape[0]):
        if alive[i] < base or alive[i] >= new:
            return 2
    epoch = acc_state[A_EPOCH] + 1
    for i in range(alive.shape[0]):
        small[alive[i] - base, I_EPOCH] = epoch
    acc_state[A_EPOCH] = epoch
    acc_state[A_BOUNDARY_NEW] = new
    return 0


@njit(cache=True)
def _rebuild_table(old, new_table, times, small, acc_state, horizon):
    """Copy into ``new_table`` (all EMPTY) the pairs of avalanches that may still grow.

    Parameters
    ----------
    old, new_table : ndarray of int64, power-of-two lengths
    times, small : per-avalanche tables (see `_accumulate`)
    acc_state : ndarray of int64, shape (A_STATE_SIZE,)
        ``A_PAIRS`` is updated.
    horizon : float
        No later event has a parent before this time (``-inf``: unknown).

    Notes
    -----
    Jitted with numba; O(len(old)).
    """
    epoch = acc_state[A_EPOCH]
    boundary_new = acc_state[A_BOUNDARY_NEW]
    base = acc_state[A_BASE]
    pairs = 0
    for s in range(old.shape[0]):
        key = old[s]
        if key == EMPTY:
            continue
        if _may_grow(key >> _NEURON_BITS, times, small, epoch, boundary_new, horizon, base):
            pairs += _insert(new_table, key)
    acc_state[A_PAIRS] = pairs
