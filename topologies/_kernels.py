"""Jitted builders for the topology generators (see ``topologies`` modules for the models).

Every kernel takes and returns numpy arrays, scalars and a ``numpy.random.Generator``; none
validates its input (the public wrappers do) and none builds Python objects. Row index =
presynaptic neuron, ``indptr`` int64, ``indices`` int32, column indices sorted per row.
"""

import numpy as np
from numba import njit

# ----------------------------------------------------------------------------- helpers


@njit(cache=True)
def _randint(rng, high):
    """Uniform integer in ``[0, high)`` from one double (``floor(U high)``).

    Parameters
    ----------
    rng : numpy.random.Generator
    high : int, 1 <= high < 2**31

    Returns
    -------
    int64

    Notes
    -----
    Jitted with numba. ``U`` has 53-bit resolution, so the probabilities of the values
    differ from ``1 / high`` by less than ``high / 2**53`` relative (< 3e-7 at the
    int32 limit, 1e-10 for a million nodes); about 5x faster than ``rng.integers``
    inside numba, which matters for the samplers that draw once per edge.
    """
    value = np.int64(rng.random() * high)
    return value if value < high else high - 1


@njit(cache=True)
def _grow(array, size):
    """Return a copy of ``array`` with capacity ``size`` (first ``len(array)`` entries kept).

    Parameters
    ----------
    array : ndarray, shape (m,)
    size : int, >= m

    Returns
    -------
    ndarray, shape (size,)

    Notes
    -----
    Jitted with numba.
    """
    out = np.empty(size, dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


@njit(cache=True)
def _sort_rows(indptr, indices):
    """Sort the column indices of every CSR row in place.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Notes
    -----
    Jitted with numba; insertion sort for short rows, quicksort for long ones, so
    O(sum_i d_i^2) for rows under 32 entries and O(d log d) otherwise.
    """
    n = indptr.shape[0] - 1
    for row in range(n):
        lo = indptr[row]
        hi = indptr[row + 1]
        if hi - lo > 32:
            indices[lo:hi].sort()
            continue
        for e in range(lo + 1, hi):
            value = indices[e]
            f = e - 1
            while f >= lo and indices[f] > value:
                indices[f + 1] = indices[f]
                f -= 1
            indices[f + 1] = value


@njit(cache=True)
def _scatter_rows(rows, cols, cursor, indices, indptr):
    """``indices[cursor[rows[e]]++] = cols[e]`` for every ``e`` in order, cache-blocked.

    Parameters
    ----------
    rows, cols : ndarray of int, shape (m,)
    cursor : ndarray of int64, shape (n,)
        Next free slot of each row (advanced in place).
    indices : ndarray of int32
        CSR column array being filled.
    indptr : ndarray of int64, shape (n + 1,)
        Final row pointers (used to size row blocks).

    Notes
    -----
    Jitted with numba; O(n + m). Large inputs are first streamed into blocks of rows
    whose slices of ``indices`` hold ~2**15 entries (stable), then placed block by
    block, so the writes stay in cache instead of missing once per entry.
    """
    n = indptr.shape[0] - 1
    m = rows.shape[0]
    if m < (1 << 18) or n == 0:
        for e in range(m):
            r = rows[e]
            indices[cursor[r]] = cols[e]
            cursor[r] += 1
        return
    total = indptr[n]
    shift = 0
    while (np.int64(1) << shift) * total < 32768 * n and (np.int64(1) << shift) < n:
        shift += 1
    n_blocks = ((n - 1) >> shift) + 1
    block_cursor = np.zeros(n_blocks + 1, dtype=np.int64)
    for e in range(m):
        block_cursor[(rows[e] >> shift) + 1] += 1
    for b in range(n_blocks):
        block_cursor[b + 1] += block_cursor[b]
    packed = np.empty(m, dtype=np.int64)
    for e in range(m):
        r = np.int64(rows[e])
        b = r >> shift
        p = block_cursor[b]
        packed[p] = (r << 32) | np.int64(cols[e])
        block_cursor[b] = p + 1
    for p in range(m):
        r = packed[p] >> 32
        indices[cursor[r]] = packed[p] & 0xFFFFFFFF
        cursor[r] += 1


@njit(cache=True)
def _symmetric_csr_from_sorted_pairs(lo, hi, n):
    """Symmetric CSR from undirected pairs ``lo[e] < hi[e]`` sorted by ``(hi, lo)``.

    Each pair is stored in both directions. Because the input is sorted by the larger
    end first, every row comes out sorted without a sort: row ``r`` holds first the
    ``lo`` of the pairs whose ``hi`` is ``r`` (already increasing), then the ``hi`` of
    the pairs whose ``lo`` is ``r`` (appended in increasing ``hi`` order).

    Parameters
    ----------
    lo, hi : ndarray of int, shape (m,)
        Pair ends, ``lo < hi``, sorted lexicographically by ``(hi, lo)``, no repeats.
    n : int
        Number of nodes.

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (2 m,)

    Notes
    -----
    Jitted with numba; O(n + m).
    """
    m = lo.shape[0]
    n_low = np.zeros(n, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        indptr[lo[e] + 1] += 1
        indptr[hi[e] + 1] += 1
        n_low[hi[e]] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    low_cursor = indptr[:n].copy()
    up_cursor = indptr[:n] + n_low
    indices = np.empty(2 * m, dtype=np.int32)
    for e in range(m):  # row hi, in order: a streaming write
        b = hi[e]
        indices[low_cursor[b]] = lo[e]
        low_cursor[b] += 1
    _scatter_rows(lo, hi, up_cursor, indices, indptr)  # row lo: scattered, so blocked
    return indptr, indices


# ----------------------------------------------------------------------------- Erdos-Renyi


@njit(cache=True)
def _skip(log_q, rng):
    """Number of failures before the next success of a Bernoulli(p) sequence.

    Parameters
    ----------
    log_q : float
        ``log(1 - p)`` (negative).
    rng : numpy.random.Generator

    Returns
    -------
    float
        A Geometric(p) - 1 variate (a float, so that huge skips cannot overflow).

    Notes
    -----
    Jitted with numba; inversion ``floor(log(1 - U) / log(1 - p))`` (Batagelj & Brandes 2005).
    """
    return np.floor(np.log(1.0 - rng.random()) / log_q)


@njit(cache=True)
def _gnp_directed(n, p, rng):
    """Directed G(n, p) without self-loops, built row by row by geometric skipping.

    The ``n (n - 1)`` ordered pairs ``(i, j)``, ``i != j``, are enumerated row-major;
    every pair is kept independently with probability ``p`` by jumping over Geometric
    gaps, so the CSR rows and their columns come out sorted.

    Parameters
    ----------
    n : int
    p : float in (0, 1]
    rng : numpy.random.Generator

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Notes
    -----
    Jitted with numba; O(n + n_edges) time, one uniform draw per edge (none if p == 1).
    """
    m = n - 1
    total = n * m
    mean = total * p
    cap = int(mean + 8.0 * np.sqrt(mean) + 16)
    indices = np.empty(cap, dtype=np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    log_q = np.log1p(-p) if p < 1.0 else 0.0
    pos = -1
    row = 0
    row_start = 0
    e = 0
    while True:
        if p < 1.0:
            gap = _skip(log_q, rng)
            if gap >= total - pos:
                break
            pos += 1 + np.int64(gap)
        else:
            pos += 1
        if pos >= total:
            break
        while pos >= row_start + m:
            row += 1
            row_start += m
            indptr[row] = e
        col = pos - row_start
        if col >= row:
            col += 1
        if e == indices.shape[0]:
            indices = _grow(indices, 2 * indices.shape[0])
        indices[e] = col
        e += 1
    for r in range(row + 1, n + 1):
        indptr[r] = e
    return indptr, indices[:e].copy()


@njit(cache=True)
def _gnp_undirected_pairs(n, p, rng):
    """Undirected G(n, p) pairs ``lo < hi`` by geometric skipping, sorted by ``(hi, lo)``.

    Parameters
    ----------
    n : int
    p : float in (0, 1]
    rng : numpy.random.Generator

    Returns
    -------
    lo, hi : ndarray of int32, shape (n_pairs,)

    Notes
    -----
    Jitted with numba; O(n + n_pairs). Pair index ``t`` enumerates the strict lower
    triangle row by row: row ``hi`` starts at ``hi (hi - 1) / 2``.
    """
    total = n * (n - 1) // 2
    mean = total * p
    cap = int(mean + 8.0 * np.sqrt(mean) + 16)
    lo = np.empty(cap, dtype=np.int32)
    hi = np.empty(cap, dtype=np.int32)
    log_q = np.log1p(-p) if p < 1.0 else 0.0
    pos = -1
    row = 1
    row_start = 0  # index of pair (row, 0)
    e = 0
    while True:
        if p < 1.0:
            gap = _skip(log_q, rng)
            if gap >= total - pos:
                break
            pos += 1 + np.int64(gap)
        else:
            pos += 1
        if pos >= total:
            break
        while pos >= row_start + row:
            row_start += row
            row += 1
        if e == lo.shape[0]:
            lo = _grow(lo, 2 * lo.shape[0])
            hi = _grow(hi, 2 * hi.shape[0])
        lo[e] = pos - row_start
        hi[e] = row
        e += 1
    return lo[:e].copy(), hi[:e].copy()


@njit(cache=True)
def _fixed_indegree(n, k, rng):
    """Each target draws ``k`` distinct sources among the other ``n - 1`` neurons.

    Parameters
    ----------
    n : int
    k : int, 0 <= k <= n - 1
    rng : numpy.random.Generator

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n k,)

    Notes
    -----
    Jitted with numba; Floyd's algorithm draws a uniform ``k``-subset with exactly ``k``
    integer draws per target; a counting sort by source transposes the lists, and since
    targets are visited in increasing order every row comes out sorted. O(n k).
    """
    sources = np.empty(n * k, dtype=np.int32)
    m = n - 1
    scan = k <= 48  # short lists: check membership by a scan (no cache misses)
    mark = np.full(1 if scan else max(m, 1), -1, dtype=np.int64)
    for j in range(n):
        base = j * k
        idx = 0
        for t in range(m - k, m):
            v = _randint(rng, t + 1)
            if scan:
                for q in range(base, base + idx):
                    if sources[q] == (v + 1 if v >= j else v):
                        v = t
                        break
            elif mark[v] == j:
                v = t
            if not scan:
                mark[v] = j
            sources[base + idx] = v + 1 if v >= j else v
            idx += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(n * k):
        indptr[sources[e] + 1] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    cursor = indptr[:n].copy()
    indices = np.empty(n * k, dtype=np.int32)
    targets = np.empty(n * k, dtype=np.int32)
    for j in range(n):
        targets[j * k:(j + 1) * k] = j
    _scatter_rows(sources, targets, cursor, indices, indptr)  # stable: rows stay sorted
    return indptr, indices


# ----------------------------------------------------------------------------- Watts-Strogatz


@njit(cache=True)
def _hash(key, mask):
    """Slot of ``key`` in an open-addressing table of size ``mask + 1`` (Fibonacci hashing).

    Parameters
    ----------
    key : int64
    mask : int64, a power of two minus one

    Returns
    -------
    int64

    Notes
    -----
    Jitted with numba.
    """
    h = np.uint64(key) * np.uint64(11400714819323198485)
    return np.int64(h >> np.uint64(20)) & mask


@njit(cache=True)
def _ws_has_edge(u, w, n, h, present, table, mask):
    """Whether the undirected edge ``{u, w}`` exists during Watts-Strogatz rewiring.

    Parameters
    ----------
    u, w : int
    n, h : int
        Nodes and ring half-width ``k / 2``.
    present : ndarray of bool, shape (h, n)
        ``present[d, x]``: ring edge ``(x, x + d + 1 mod n)`` still in place.
    table : ndarray of int64
        Open-addressing set of rewired edges (key ``min * n + max``, -1 empty).
    mask : int64

    Returns
    -------
    bool

    Notes
    -----
    Jitted with numba; O(1) expected.
    """
    diff = (w - u) % n
    if 1 <= diff <= h and present[diff - 1, u]:
        return True
    back = n - diff
    if 1 <= back <= h and present[back - 1, w]:
        return True
    a = min(u, w)
    b = max(u, w)
    key = np.int64(a) * n + b
    slot = _hash(key, mask)
    while table[slot] != -1:
        if table[slot] == key:
            return True
        slot = (slot + 1) & mask
    return False


@njit(cache=True)
def _watts_strogatz_undirected(n, h, rewire, rng):
    """Rewire the undirected ring of half-width ``h`` as networkx.watts_strogatz_graph does.

    Ring edges ``(u, u + j)`` are visited with ``j = 1..h`` outer and ``u`` inner; a
    selected edge moves its far end to a uniform node ``w`` that is neither ``u`` nor
    already adjacent to ``u`` (skipped if ``u`` is adjacent to every other node).

    Parameters
    ----------
    n, h : int
    rewire : ndarray of bool, shape (h, n)
        Pre-drawn Bernoulli(p) decisions, ``rewire[j - 1, u]`` for edge ``(u, u + j)``.
    rng : numpy.random.Generator

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (n k,)

    Notes
    -----
    Jitted with numba; O(n k) expected. Rewired edges live in a hash set sized to the
    number of rewiring decisions; ring edges in a bit table.
    """
    n_rewire = 0
    for d in range(h):
        for u in range(n):
            if rewire[d, u]:
                n_rewire += 1
    size = 16
    while size < 2 * n_rewire + 2:
        size *= 2
    mask = np.int64(size - 1)
    table = np.full(size, -1, dtype=np.int64)
    present = np.ones((h, n), dtype=np.bool_)
    degree = np.full(n, 2 * h, dtype=np.int64)
    new_u = np.empty(n_rewire, dtype=np.int32)
    new_w = np.empty(n_rewire, dtype=np.int32)
    n_new = 0
    for d in range(h):
        for u in range(n):
            if not rewire[d, u] or degree[u] >= n - 1:
                continue
            w = _randint(rng, n)
            while w == u or _ws_has_edge(u, w, n, h, present, table, mask):
                w = _randint(rng, n)
            v = (u + d + 1) % n
            present[d, u] = False
            degree[v] -= 1
            degree[w] += 1
            key = np.int64(min(u, w)) * n + max(u, w)
            slot = _hash(key, mask)
            while table[slot] != -1:
                slot = (slot + 1) & mask
            table[slot] = key
            new_u[n_new] = u
            new_w[n_new] = w
            n_new += 1
    # assemble: degrees are known, ring neighbours are written row by row (streaming),
    # rewired edges are scattered in both directions, then the short rows are sorted
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        indptr[u + 1] = indptr[u] + degree[u]
    indices = np.empty(indptr[n], dtype=np.int32)
    cursor = np.empty(n, dtype=np.int64)
    for u in range(n):
        e = indptr[u]
        for d in range(h, 0, -1):
            x = u - d if u >= d else u - d + n
            if present[d - 1, x]:
                indices[e] = x
                e += 1
        for d in range(1, h + 1):
            if present[d - 1, u]:
                indices[e] = u + d if u + d < n else u + d - n
                e += 1
        cursor[u] = e
    _scatter_rows(new_u[:n_new], new_w[:n_new], cursor, indices, indptr)
    _scatter_rows(new_w[:n_new], new_u[:n_new], cursor, indices, indptr)
    _sort_rows(indptr, indices)
    return indptr, indices


@njit(cache=True)
def _watts_strogatz_directed(n, h, rewire, rng):
    """Directed ring (``u -> u +- 1..h``) whose out-edges have their targets rewired.

    Parameters
    ----------
    n, h : int
    rewire : ndarray of bool, shape (n, 2 h)
        Pre-drawn Bernoulli(p) decisions per out-edge slot (slot ``s < h``: target
        ``u + s + 1``; slot ``s >= h``: target ``u - (s - h + 1)``).
    rng : numpy.random.Generator

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (2 h n,)

    Notes
    -----
    Jitted with numba; O(n k^2) (duplicate check by a scan of the row).
    """
    k = 2 * h
    indptr = np.arange(n + 1, dtype=np.int64) * k
    indices = np.empty(n * k, dtype=np.int32)
    for u in range(n):
        base = u * k
        for s in range(h):
            indices[base + s] = (u + s + 1) % n
            indices[base + h + s] = (u - s - 1) % n
        if k >= n - 1:
            continue  # u already projects to every other neuron
        for s in range(k):
            if not rewire[u, s]:
                continue
            while True:
                w = _randint(rng, n)
                if w == u:
                    continue
                clash = False
                for t in range(base, base + k):
                    if indices[t] == w:
                        clash = True
                        break
                if not clash:
                    break
            indices[base + s] = w
    _sort_rows(indptr, indices)
    return indptr, indices


# ----------------------------------------------------------------------------- scale-free


@njit(cache=True)
def _barabasi_albert_pairs(n, m, rng):
    """Barabasi-Albert growth from a star of ``m + 1`` nodes, as networkx does.

    Each new node ``s`` attaches to ``m`` distinct earlier nodes drawn uniformly from
    the list of edge ends (each node appears once per unit of degree), i.e. linear
    preferential attachment; duplicates are redrawn.

    Parameters
    ----------
    n, m : int, 1 <= m < n
    rng : numpy.random.Generator

    Returns
    -------
    lo, hi : ndarray of int32, shape (m (n - m),)
        Pairs ``lo < hi`` sorted by ``(hi, lo)``.

    Notes
    -----
    Jitted with numba; O(n m^2) (duplicate check by a scan of the m targets).
    """
    n_pairs = m * (n - m)
    lo = np.empty(n_pairs, dtype=np.int32)
    hi = np.empty(n_pairs, dtype=np.int32)
    for i in range(m):  # star: hub 0 linked to 1..m
        lo[i] = 0
        hi[i] = i + 1
    e = m
    targets = np.empty(m, dtype=np.int32)
    for s in range(m + 1, n):
        n_ends = 2 * e  # the list of edge ends is (lo[0], hi[0], lo[1], hi[1], ...)
        for t in range(m):
            while True:
                end = _randint(rng, n_ends)
                f = end >> 1
                if end & 1:  # the newer end of edge f is known without a memory read
                    x = f + 1 if f < m else m + 1 + (f - m) // m
                else:
                    x = lo[f]
                clash = False
                for q in range(t):
                    if targets[q] == x:
                        clash = True
                        break
                if not clash:
                    break
            targets[t] = x
        targets.sort()
        for t in range(m):
            lo[e] = targets[t]
            hi[e] = s
            e += 1
    return lo, hi


@njit(cache=True)
def _chung_lu_pairs(w, rng):
    """Chung-Lu pairs by the Miller-Hagberg skipping algorithm (no self-loops).

    Pair ``(u, v)``, ``u < v``, is kept independently with probability
    ``min(1, w[u] w[v] / sum(w))``.

    Parameters
    ----------
    w : ndarray of float64, shape (n,), sorted in decreasing order
    rng : numpy.random.Generator

    Returns
    -------
    lo, hi : ndarray of int32, shape (n_pairs,)
        Pairs in the sorted-weight order, ``lo < hi``, sorted by ``(lo, hi)``.

    Notes
    -----
    Jitted with numba; O(n + n_pairs) expected (Miller & Hagberg 2011).
    """
    n = w.shape[0]
    total = 0.0
    for i in range(n):
        total += w[i]
    cap = int(total / 2 + 8 * np.sqrt(total / 2 + 1) + 16)
    lo = np.empty(cap, dtype=np.int32)
    hi = np.empty(cap, dtype=np.int32)
    e = 0
    if total <= 0:
        return lo[:0].copy(), hi[:0].copy()
    for u in range(n - 1):
        v = u + 1
        factor = w[u] / total
        p = min(w[v] * factor, 1.0)
        while v < n and p > 0:
            if p != 1.0:
                gap = np.floor(np.log(1.0 - rng.random()) / np.log1p(-p))
                if gap >= n - v:
                    break
                v += np.int64(gap)
            if v < n:
                q = min(w[v] * factor, 1.0)
                if rng.random() < q / p:
                    if e == lo.shape[0]:
                        lo = _grow(lo, 2 * lo.shape[0])
                        hi = _grow(hi, 2 * hi.shape[0])
                    lo[e] = u
                    hi[e] = v
                    e += 1
                v += 1
                p = q
    return lo[:e].copy(), hi[:e].copy()


# ----------------------------------------------------------------------------- lattices


@njit(cache=True)
def _lattice(side, dim, offsets, periodic):
    """Hypercubic lattice neighbours, sites in C order (last coordinate fastest).

    Parameters
    ----------
    side : int
        Sites per axis.
    dim : int, 1..3
    offsets : ndarray of int64, shape (n_offsets, dim)
        Neighbourhood displacement vectors (no zero vector).
    periodic : bool

    Returns
    -------
    indptr : ndarray of int64, shape (side**dim + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Notes
    -----
    Jitted with numba; O(n n_offsets). With periodic boundaries and ``side <= 2 r``
    wrapped offsets can coincide or return to the site itself: repeats are merged
    and self-loops dropped.
    """
    n = side**dim
    n_off = offsets.shape[0]
    stride = np.ones(dim, dtype=np.int64)
    for a in range(dim - 2, -1, -1):
        stride[a] = stride[a + 1] * side
    buffer = np.empty(n * n_off, dtype=np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    coord = np.zeros(dim, dtype=np.int64)
    row = np.empty(n_off, dtype=np.int64)
    e = 0
    for s in range(n):
        rest = s
        for a in range(dim):
            coord[a] = rest // stride[a]
            rest -= coord[a] * stride[a]
        count = 0
        for o in range(n_off):
            target = 0
            inside = True
            for a in range(dim):
                c = coord[a] + offsets[o, a]
                if c < 0 or c >= side:
                    if not periodic:
                        inside = False
                        break
                    c %= side
                target += c * stride[a]
            if not inside or target == s:
                continue
            # insertion into the sorted row, dropping repeats
            f = count - 1
            while f >= 0 and row[f] > target:
                f -= 1
            if f >= 0 and row[f] == target:
                continue
            for g in range(count, f + 1, -1):
                row[g] = row[g - 1]
            row[f + 1] = target
            count += 1
        for c in range(count):
            buffer[e + c] = row[c]
        e += count
        indptr[s + 1] = e
    if e == buffer.shape[0]:  # every neighbour distinct and inside: no trimming copy
        return indptr, buffer
    return indptr, buffer[:e].copy()


# ----------------------------------------------------------------------------- generic


@njit(cache=True)
def _csr_from_pairs(src, dst, n, symmetric):
    """CSR from edge lists (no repeated pairs), rows sorted; both directions if ``symmetric``.

    Parameters
    ----------
    src, dst : ndarray of int, shape (m,)
        Edge ends; with ``symmetric``, unordered pairs without self-loops, each at most once.
    n : int
        Number of nodes.
    symmetric : bool
        Store every pair in both directions (an undirected graph).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (m,) or (2 m,) if ``symmetric``, sorted per row

    Notes
    -----
    Jitted with numba; counting sort by row then a per-row sort, O(n + m log d_max).
    """
    m = src.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        indptr[src[e] + 1] += 1
        if symmetric:
            indptr[dst[e] + 1] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    cursor = indptr[:n].copy()
    indices = np.empty(2 * m if symmetric else m, dtype=np.int32)
    _scatter_rows(src, dst, cursor, indices, indptr)
    if symmetric:
        _scatter_rows(dst, src, cursor, indices, indptr)
    _sort_rows(indptr, indices)
    return indptr, indices


@njit(cache=True)
def _relabel(ids, labels):
    """Return ``labels[ids]`` as int32.

    Parameters
    ----------
    ids : ndarray of int, shape (m,)
    labels : ndarray of int, shape (n,)

    Returns
    -------
    ndarray of int32, shape (m,)

    Notes
    -----
    Jitted with numba; O(m).
    """
    out = np.empty(ids.shape[0], dtype=np.int32)
    for e in range(ids.shape[0]):
        out[e] = labels[ids[e]]
    return out
