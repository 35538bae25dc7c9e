"""Jitted checks over CSR connectivity used by `netaval.Network` validation."""

import numpy as np
from numba import njit


@njit(cache=True)
def _first_unsorted_row(indptr, indices):
    """Return the first row whose column indices are not strictly increasing, or -1.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n_nodes + 1,)
    indices : ndarray of int32, shape (n_edges,)

    Returns
    -------
    int
        Row index, or -1 when every row is sorted without duplicates.

    Notes
    -----
    Jitted with numba; O(n_edges).
    """
    n = indptr.shape[0] - 1
    for row in range(n):
        for e in range(indptr[row] + 1, indptr[row + 1]):
            if indices[e] <= indices[e - 1]:
                return row
    return -1


@njit(cache=True)
def _first_asymmetric_edge_by_search(indptr, indices, weights):
    """Return the first edge id (i, j) whose mirror (j, i) is missing or weighs differently.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n_nodes + 1,)
    indices : ndarray of int32, shape (n_edges,), sorted within each row
    weights : ndarray of float64, shape (n_edges,)

    Returns
    -------
    int
        Edge position in ``indices``, or -1 when the matrix is symmetric.

    Notes
    -----
    Jitted with numba; O(n_edges log max_degree) by binary search in the mirror row.
    Random access into the mirror rows makes it slow on large graphs, so
    `_first_asymmetric_edge` uses it only to locate the offending edge.
    """
    n = indptr.shape[0] - 1
    for row in range(n):
        for e in range(indptr[row], indptr[row + 1]):
            col = indices[e]
            lo = indptr[col]
            hi = indptr[col + 1]
            pos = lo + np.searchsorted(indices[lo:hi], row)
            if pos >= hi or indices[pos] != row or weights[pos] != weights[e]:
                return e
    return -1


@njit(cache=True)
def _first_asymmetric_edge(indptr, indices, weights):
    """Return the first edge id (i, j) whose mirror (j, i) is missing or weighs differently.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n_nodes + 1,)
    indices : ndarray of int32, shape (n_edges,), sorted within each row
    weights : ndarray of float64, shape (n_edges,)

    Returns
    -------
    int
        Edge position in ``indices``, or -1 when the matrix is symmetric.

    Notes
    -----
    Jitted with numba; O(n_nodes + n_edges). Builds the transpose by a (cache-blocked)
    counting sort (rows visited in order, so its rows come out sorted) and compares it
    with the matrix entry by entry; a symmetric matrix equals its transpose. Only when they
    differ does it fall back to the binary-search scan to name the first offending edge.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    tptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        tptr[indices[e] + 1] += 1
    for r in range(n):
        tptr[r + 1] += tptr[r]
        if tptr[r + 1] != indptr[r + 1]:
            return _first_asymmetric_edge_by_search(indptr, indices, weights)
    # Blocked counting sort: pass 1 streams the entries, packed as (col << 32 | row),
    # into column blocks of ~2**15 entries (each block's slice of the transpose is
    # contiguous); pass 2 places them within a cache-resident block and compares on the
    # fly. Two streaming passes instead of one cache miss per entry. Weights need their
    # own stream only when they are not all equal.
    uniform = True
    for e in range(1, m):
        if weights[e] != weights[0]:
            uniform = False
            break
    shift = 0
    if n > 0:
        while (np.int64(1) << shift) * m < 32768 * n and (np.int64(1) << shift) < n:
            shift += 1
    n_blocks = ((n - 1) >> shift) + 1 if n > 0 else 0
    block_cursor = np.empty(n_blocks, dtype=np.int64)
    for b in range(n_blocks):
        block_cursor[b] = tptr[b << shift]
    packed = np.empty(m, dtype=np.int64)
    moved_weight = np.empty(0 if uniform else m, dtype=weights.dtype)
    for row in range(n):
        for e in range(indptr[row], indptr[row + 1]):
            col = np.int64(indices[e])
            b = col >> shift
            p = block_cursor[b]
            packed[p] = (col << 32) | row
            if not uniform:
                moved_weight[p] = weights[e]
            block_cursor[b] = p + 1
    cursor = tptr[:n].copy()
    for p in range(m):
        col = packed[p] >> 32
        q = cursor[col]
        cursor[col] = q + 1
        if indices[q] != (packed[p] & 0xFFFFFFFF) or (not uniform and weights[q] != moved_weight[p]):
            return _first_asymmetric_edge_by_search(indptr, indices, weights)
    return -1
