"""Jitted kernels for time-binned avalanche detection (runs of non-empty bins)."""

import numpy as np
from numba import njit

__all__ = ["_binned_runs", "_threshold_runs"]


@njit(cache=True)
def _binned_runs(bins, units, n_units, first_bin, last_bin):
    """Group events sorted by bin into avalanches = maximal runs of non-empty bins.

    Parameters
    ----------
    bins : ndarray of int64, shape (n_events,)
        Bin index of every event, non-decreasing.
    units : ndarray of int64, shape (n_events,)
        Unit (neuron or electrode) of every event, in [0, n_units).
    n_units : int
        Number of distinct unit ids (size of the "last seen" stamp array).
    first_bin, last_bin : int
        Indices of the recording's first and last bins; a run touching either is censored.

    Returns
    -------
    start_bin, n_bins, size, n_distinct : ndarray of int64, shape (n_avalanches,)
    truncated : ndarray of bool, shape (n_avalanches,)
    profile_indptr : ndarray of int64, shape (n_avalanches + 1,)
    profile : ndarray of int64, shape (sum of n_bins,)
        Events per bin of each avalanche (CSR over avalanches).
    event_avalanche : ndarray of int64, shape (n_events,)
        Avalanche id of every event.

    Notes
    -----
    One pass over the events, O(n_events + n_units). Jitted with numba.
    """
    n = bins.shape[0]
    start_bin = np.empty(n, np.int64)
    n_bins = np.empty(n, np.int64)
    size = np.zeros(n, np.int64)
    n_distinct = np.zeros(n, np.int64)
    profile = np.zeros(n, np.int64)
    event_avalanche = np.empty(n, np.int64)
    last_seen = np.full(n_units, -1, np.int64)
    a = -1
    p = -1
    for e in range(n):
        b = bins[e]
        if a < 0 or b > start_bin[a] + n_bins[a]:  # gap of at least one empty bin
            a += 1
            start_bin[a] = b
            n_bins[a] = 1
            p += 1
        elif b == start_bin[a] + n_bins[a]:  # next bin, same avalanche
            n_bins[a] += 1
            p += 1
        size[a] += 1
        profile[p] += 1
        u = units[e]
        if last_seen[u] != a:
            last_seen[u] = a
            n_distinct[a] += 1
        event_avalanche[e] = a
    n_av = a + 1
    profile_indptr = np.zeros(n_av + 1, np.int64)
    truncated = np.zeros(n_av, np.bool_)
    for k in range(n_av):
        profile_indptr[k + 1] = profile_indptr[k] + n_bins[k]
        truncated[k] = start_bin[k] <= first_bin or start_bin[k] + n_bins[k] - 1 >= last_bin
    return (start_bin[:n_av].copy(), n_bins[:n_av].copy(), size[:n_av].copy(),
            n_distinct[:n_av].copy(), truncated, profile_indptr, profile[:p + 1].copy(),
            event_avalanche)


@njit(cache=True)
def _threshold_runs(x, threshold):
    """Excursions of ``x`` strictly above ``threshold``.

    Parameters
    ----------
    x : ndarray of float64, shape (n,)
    threshold : float

    Returns
    -------
    start, length : ndarray of int64, shape (n_runs,)
        First sample and number of samples of each excursion.
    area : ndarray of float64, shape (n_runs,)
        Sum of ``x - threshold`` over the excursion.
    total : ndarray of float64, shape (n_runs,)
        Sum of ``x`` over the excursion.
    peak : ndarray of float64, shape (n_runs,)
        Largest value of ``x`` in the excursion.

    Notes
    -----
    One pass, O(n). Jitted with numba.
    """
    n = x.shape[0]
    cap = n // 2 + 1
    start = np.empty(cap, np.int64)
    length = np.zeros(cap, np.int64)
    area = np.zeros(cap, np.float64)
    total = np.zeros(cap, np.float64)
    peak = np.zeros(cap, np.float64)
    r = -1
    inside = False
    for t in range(n):
        v = x[t]
        if v > threshold:
            if not inside:
                r += 1
                start[r] = t
                peak[r] = v
                inside = True
            length[r] += 1
            area[r] += v - threshold
            total[r] += v
            if v > peak[r]:
                peak[r] = v
        else:
            inside = False
    k = r + 1
    return start[:k].copy(), length[:k].copy(), area[:k].copy(), total[:k].copy(), peak[:k].copy()
