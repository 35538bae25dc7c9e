"""Jitted kernels for power-law statistics: Hurwitz-zeta sums, discrete MLE, xmin scan, samplers.

Power sums ``Z(s; a, b) = sum_{k=a}^{b} k^(-s)`` (``b < 0`` means infinity, where
``Z = zeta(s, a)``, the Hurwitz zeta function) are evaluated with the Euler-Maclaurin
formula: direct terms up to ``k = 16``, then the integral, the half end terms and up to
eight Bernoulli corrections; relative accuracy about 1e-15 (tested against
``scipy.special.zeta``). The first two derivatives in ``s`` come from the same formula
differentiated term by term, so Newton's method on the exact likelihood needs no table.
"""

import math

import numpy as np
from numba import njit

__all__ = [
    "_powsum",
    "_powsum0",
    "_discrete_mle",
    "_discrete_xmin_scan",
    "_continuous_xmin_scan",
    "_sample_discrete_power_law",
    "_sample_continuous_power_law",
    "_unique_counts",
    "_truncated_support_pvalue",
    "_regression_slopes",
]

# B_{2j} / (2j)!, j = 1..8
_BERN = np.array([1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0, -1.0 / 1209600.0,
                  1.0 / 47900160.0, -691.0 / 1307674368000.0, 1.0 / 74724249600.0,
                  -3617.0 / 10670622842880000.0])
_DIRECT = 16.0  # sum directly below this
_INF = -1.0


@njit(cache=True)
def _integral_terms(s, u0, u1, shift=0.0):
    """J_k = exp(shift) int_{u0}^{u1} u^k exp((1 - s) u) du, k = 0, 1, 2 (u1 may be +inf when s > 1).

    ``shift`` scales the result inside the exponentials, so that integrals far below the
    smallest float stay representable. Jitted with numba.
    """
    c = 1.0 - s
    if math.isinf(u1):
        e0 = math.exp(c * u0 + shift)
        j0 = -e0 / c
        j1 = -e0 * (u0 / c - 1.0 / (c * c))
        j2 = -e0 * (u0 * u0 / c - 2.0 * u0 / (c * c) + 2.0 / (c * c * c))
        return j0, j1, j2
    if abs(c) * max(abs(u1), 1.0) <= 2.0:
        # power series of exp(c u): sum_m c^m / m! (u1^(k+m+1) - u0^(k+m+1)) / (k+m+1)
        j0 = 0.0
        j1 = 0.0
        j2 = 0.0
        coef = 1.0
        p0 = u0
        p1 = u1
        for m in range(80):
            # p0 = u0^(m+1), p1 = u1^(m+1)
            j0 += coef * (p1 - p0) / (m + 1)
            j1 += coef * (p1 * u1 - p0 * u0) / (m + 2)
            j2 += coef * (p1 * u1 * u1 - p0 * u0 * u0) / (m + 3)
            coef *= c / (m + 1)
            p0 *= u0
            p1 *= u1
            if abs(coef) * max(abs(p1), 1.0) * u1 * u1 < 1e-18 * max(abs(j0), 1e-300):
                break
        scale = math.exp(shift)
        return j0 * scale, j1 * scale, j2 * scale
    e0 = math.exp(c * u0 + shift)
    e1 = math.exp(c * u1 + shift)
    j0 = (e1 - e0) / c
    j1 = e1 * (u1 / c - 1.0 / (c * c)) - e0 * (u0 / c - 1.0 / (c * c))
    j2 = (e1 * (u1 * u1 / c - 2.0 * u1 / (c * c) + 2.0 / (c * c * c))
          - e0 * (u0 * u0 / c - 2.0 * u0 / (c * c) + 2.0 / (c * c * c)))
    return j0, j1, j2


@njit(cache=True)
def _powsum(s, a, b, shift=0.0):
    """Return exp(shift) (Z, dZ/ds, d2Z/ds2) for Z = sum_{k=a}^{b} k^(-s); b < 0 means infinity.

    With ``shift = s ln(a)`` the sums are relative to the first term, so their ratios stay
    finite however large ``a`` and ``s`` are (Z itself underflows for a = 1e30, s = 12).

    Parameters
    ----------
    s : float
        Exponent (s > 1 when b is infinite).
    a, b : float
        Integer-valued bounds, a >= 1.

    Notes
    -----
    Euler-Maclaurin with term-by-term derivatives. Jitted with numba.
    """
    infinite = b < 0
    z0 = 0.0
    z1 = 0.0
    z2 = 0.0
    k = a
    last = b if not infinite else 1e300
    while k < _DIRECT and k <= last:
        lk = math.log(k)
        t = math.exp(-s * lk + shift)
        z0 += t
        z1 -= lk * t
        z2 += lk * lk * t
        k += 1.0
    if k > last:
        return z0, z1, z2
    if not infinite and last - k < 64.0:
        while k <= last:
            lk = math.log(k)
            t = math.exp(-s * lk + shift)
            z0 += t
            z1 -= lk * t
            z2 += lk * lk * t
            k += 1.0
        return z0, z1, z2
    # Euler-Maclaurin on [A, B]: integral + (f(A) + f(B)) / 2 + sum_j c_j P_j(s) (A^.. - B^..)
    big_a = k
    la = math.log(big_a)
    if infinite:
        j0, j1, j2 = _integral_terms(s, la, math.inf, shift)
    else:
        lb = math.log(last)
        j0, j1, j2 = _integral_terms(s, la, lb, shift)
    z0 += j0
    z1 -= j1
    z2 += j2
    ta = math.exp(-s * la + shift)
    z0 += 0.5 * ta
    z1 -= 0.5 * la * ta
    z2 += 0.5 * la * la * ta
    if not infinite:
        tb = math.exp(-s * lb + shift)
        z0 += 0.5 * tb
        z1 -= 0.5 * lb * tb
        z2 += 0.5 * lb * lb * tb
    # P_j(s) = prod_{i=0}^{2j-2} (s + i) and its derivatives
    p = s
    dp = 1.0
    d2p = 0.0
    for j in range(1, 9):
        if j > 1:
            for i in (2 * j - 3, 2 * j - 2):
                d2p = d2p * (s + i) + 2.0 * dp
                dp = dp * (s + i) + p
                p = p * (s + i)
        expo = -s - 2.0 * j + 1.0
        ea = math.exp(expo * la + shift)
        t0 = _BERN[j - 1] * ea * p
        t1 = _BERN[j - 1] * ea * (dp - la * p)
        t2 = _BERN[j - 1] * ea * (d2p - 2.0 * la * dp + la * la * p)
        if not infinite:
            eb = math.exp(expo * lb + shift)
            t0 -= _BERN[j - 1] * eb * p
            t1 -= _BERN[j - 1] * eb * (dp - lb * p)
            t2 -= _BERN[j - 1] * eb * (d2p - 2.0 * lb * dp + lb * lb * p)
        z0 += t0
        z1 += t1
        z2 += t2
        if abs(t0) < 1e-17 * abs(z0) and abs(t1) < 1e-17 * abs(z1) + 1e-300:
            break
    return z0, z1, z2


@njit(cache=True)
def _powsum0(s, a, b, shift=0.0):
    """exp(shift) Z, Z = sum_{k=a}^{b} k^(-s) (b < 0: infinity), without derivatives.

    Ratios of sums taken with one common ``shift`` (e.g. s ln(xmin)) stay finite where Z
    itself underflows. Jitted with numba.
    """
    infinite = b < 0
    z0 = 0.0
    k = a
    last = b if not infinite else 1e300
    while k < _DIRECT and k <= last:
        z0 += math.exp(-s * math.log(k) + shift)
        k += 1.0
    if k > last:
        return z0
    if not infinite and last - k < 64.0:
        while k <= last:
            z0 += math.exp(-s * math.log(k) + shift)
            k += 1.0
        return z0
    la = math.log(k)
    c = 1.0 - s
    if infinite:
        z0 += -math.exp(c * la + shift) / c
    else:
        lb = math.log(last)
        if abs(c) * max(abs(lb), 1.0) <= 2.0:
            j0, _, _ = _integral_terms(s, la, lb, shift)
            z0 += j0
        else:
            z0 += (math.exp(c * lb + shift) - math.exp(c * la + shift)) / c
    ta = math.exp(-s * la + shift)
    z0 += 0.5 * ta
    if not infinite:
        z0 += 0.5 * math.exp(-s * lb + shift)
    p = s
    for j in range(1, 9):
        if j > 1:
            p = p * (s + 2 * j - 3) * (s + 2 * j - 2)
        expo = -s - 2.0 * j + 1.0
        t0 = _BERN[j - 1] * math.exp(expo * la + shift) * p
        if not infinite:
            t0 -= _BERN[j - 1] * math.exp(expo * lb + shift) * p
        z0 += t0
        if abs(t0) < 1e-17 * abs(z0):
            break
    return z0


@njit(cache=True)
def _discrete_mle(mean_log, a, b, lo, hi, start):
    """Maximum-likelihood exponent of a discrete power law on [a, b] (b < 0: infinity).

    Solves the score equation E_alpha[ln X] = mean_log by Newton's method safeguarded by
    bisection in [lo, hi] (the score is decreasing: its derivative is -Var_alpha[ln X]).

    Returns
    -------
    alpha : float
    info : float
        Fisher information per sample, Var_alpha[ln X], at alpha.
    status : int
        0 converged, 1 at the lower bound, 2 at the upper bound.

    Notes
    -----
    Jitted with numba.
    """
    def score(s):
        z0, z1, z2 = _powsum(s, a, b, s * math.log(a))  # ratios only: relative to a^-s
        m = -z1 / z0
        return m - mean_log, z2 / z0 - m * m

    g_lo, v_lo = score(lo)
    if g_lo <= 0.0:
        return lo, v_lo, 1
    g_hi, v_hi = score(hi)
    if g_hi >= 0.0:
        return hi, v_hi, 2
    x = min(max(start, lo), hi)
    if not (x > lo and x < hi):
        x = 0.5 * (lo + hi)
    left = lo
    right = hi
    var = 0.0
    for _ in range(100):
        g, var = score(x)
        if g > 0.0:
            left = x
        else:
            right = x
        step = g / var if var > 0.0 else 0.0
        new = x + step
        if not (new > left and new < right) or var <= 0.0:
            new = 0.5 * (left + right)
        if abs(new - x) <= 1e-13 * max(1.0, abs(x)) or right - left < 1e-14:
            x = new
            break
        x = new
    g, var = score(x)
    return x, var, 0


@njit(cache=True)
def _discrete_xmin_scan(values, counts, b, lo, hi, prune, max_candidates):
    """Discrete power-law fit for every candidate xmin (each unique value but the last).

    Parameters
    ----------
    values : ndarray of float64, shape (n_unique,)
        Sorted unique integer-valued data (already restricted to <= b when b >= 0).
    counts : ndarray of int64, shape (n_unique,)
        Multiplicity of each value.
    b : float
        Upper end of the support (xmax), or -1 for infinity.
    lo, hi : float
        Bracket for alpha.
    prune : bool
        Stop a candidate's KS loop as soon as it exceeds the best distance so far (its
        ks entry is then a lower bound, flagged by ``exact[i] = False``); the winner is
        unchanged.
    max_candidates : int
        Scan only the first this many candidates (1: fit with xmin = values[0]).

    Returns
    -------
    alpha, info, ks : ndarray of float64, shape (n_unique - 1,)
    exact : ndarray of bool
    best : int
        Index of the candidate with the smallest KS distance (first in case of ties).

    Notes
    -----
    Suffix sums of counts and counts * ln x give each candidate's tail in O(1); the MLE
    takes a few Newton steps; the KS distance is the supremum over integers
    x >= xmin of |S(x) - P(X <= x)|, which is attained at a data value or just before
    one, and the loop stops once both CDFs are within the current distance of 1.
    Worst case O(n_unique^2) power sums. Jitted with numba.
    """
    u = values.shape[0]
    n_cand = min(max(u - 1, 0), max_candidates)
    alpha = np.full(n_cand, np.nan)
    info = np.full(n_cand, np.nan)
    ks = np.full(n_cand, np.inf)
    exact = np.zeros(n_cand, np.bool_)
    suffix_n = np.zeros(u + 1, np.float64)
    suffix_log = np.zeros(u + 1, np.float64)
    for i in range(u - 1, -1, -1):
        suffix_n[i] = suffix_n[i + 1] + counts[i]
        suffix_log[i] = suffix_log[i + 1] + counts[i] * math.log(values[i])
    best = -1
    best_d = np.inf
    start = 2.0
    for i in range(n_cand):
        n = suffix_n[i]
        a = values[i]
        mean_log = suffix_log[i] / n
        approx = 1.0 + 1.0 / max(mean_log - math.log(a - 0.5), 1e-12)
        if not np.isnan(start):
            approx = 0.5 * (approx + start)
        al, inf_, status = _discrete_mle(mean_log, a, b, lo, hi, approx)
        alpha[i] = al
        info[i] = inf_
        start = al
        shift = al * math.log(a)  # every tail sum relative to a^-alpha: no underflow
        z = _powsum0(al, a, b, shift)
        d = 0.0
        cum = 0.0
        complete = True
        for j in range(i, u):
            x = values[j]
            # left limit: P(X <= x - 1) vs S just below x
            if j > i:
                f_left = 1.0 - _powsum0(al, x, b, shift) / z
                dev = abs(f_left - cum / n)
                if dev > d:
                    d = dev
            cum += counts[j]
            s_emp = cum / n
            if b >= 0.0 and x >= b:
                f_at = 1.0
            else:
                f_at = 1.0 - _powsum0(al, x + 1.0, b, shift) / z
            dev = abs(s_emp - f_at)
            if dev > d:
                d = dev
            if prune and d > best_d:
                complete = False
                break
            if s_emp >= 1.0 - d and f_at >= 1.0 - d:
                break
        ks[i] = d
        exact[i] = complete
        if d < best_d:
            best_d = d
            best = i
    return alpha, info, ks, exact, best


@njit(cache=True)
def _continuous_xmin_scan(x, candidates_idx, prune):
    """Continuous power-law fit (closed-form MLE) and KS distance for each xmin candidate.

    Parameters
    ----------
    x : ndarray of float64, shape (n,)
        Sorted data (> 0).
    candidates_idx : ndarray of int64
        Index into ``x`` of the first occurrence of each candidate xmin.
    prune : bool
        As in `_discrete_xmin_scan`.

    Returns
    -------
    alpha, ks : ndarray of float64
    exact : ndarray of bool
    best : int

    Notes
    -----
    O(n) per candidate. Jitted with numba.
    """
    n_all = x.shape[0]
    m = candidates_idx.shape[0]
    alpha = np.full(m, np.nan)
    ks = np.full(m, np.inf)
    exact = np.zeros(m, np.bool_)
    suffix_log = np.zeros(n_all + 1)
    for i in range(n_all - 1, -1, -1):
        suffix_log[i] = suffix_log[i + 1] + math.log(x[i])
    best = -1
    best_d = np.inf
    for c in range(m):
        i0 = candidates_idx[c]
        n = n_all - i0
        xmin = x[i0]
        denom = suffix_log[i0] - n * math.log(xmin)
        if denom <= 0.0:
            continue
        al = 1.0 + n / denom
        alpha[c] = al
        d = 0.0
        complete = True
        for j in range(i0, n_all):
            f = 1.0 - math.exp((1.0 - al) * math.log(x[j] / xmin))
            k = j - i0
            dev = max(abs((k + 1) / n - f), abs(k / n - f))
            if dev > d:
                d = dev
            if prune and d > best_d:
                complete = False
                break
        ks[c] = d
        exact[c] = complete
        if d < best_d:
            best_d = d
            best = c
    return alpha, ks, exact, best


@njit(cache=True)
def _sample_discrete_power_law(rng, n, alpha, a, b):
    """Exact samples of P(X = x) = x^(-alpha) / Z on integers [a, b] (b < 0: infinity).

    Inverse CDF: with T = U * Z(alpha; a, b), X is the largest x with
    Z(alpha; x, b) >= T. A continuous-approximation guess is refined by an exponential
    then binary search on the exact tail sums, so the result is exact (to the accuracy
    of the power sums).

    Notes
    -----
    Jitted with numba.
    """
    out = np.empty(n, np.float64)
    shift = alpha * math.log(a)  # tail sums relative to a^-alpha: no underflow
    z = _powsum0(alpha, a, b, shift)
    upper = b if b >= 0.0 else 1e15
    for i in range(n):
        u = 1.0 - rng.random()  # in (0, 1]
        target = u * z
        if alpha > 1.0 and b < 0.0:
            guess = math.floor((a - 0.5) * math.exp(-math.log(u) / (alpha - 1.0)) + 0.5)
        else:
            guess = a
        guess = min(max(guess, a), upper)
        # invariant: tail(lo) >= target > tail(hi + 1) ... find bracket [lo, hi]
        lo = guess
        step = 1.0
        while lo > a and _powsum0(alpha, lo, b, shift) < target:
            lo = max(a, lo - step)
            step *= 2.0
        hi = lo
        step = 1.0
        while hi < upper:
            nxt = min(upper, hi + step)
            if _powsum0(alpha, nxt, b, shift) >= target:
                lo = nxt
                hi = nxt
                step *= 2.0
            else:
                hi = nxt - 1.0
                break
        # now tail(lo) >= target; answer in [lo, hi] where tail(hi + 1) < target
        while hi > lo:
            mid = math.floor(0.5 * (lo + hi + 1.0))
            if _powsum0(alpha, mid, b, shift) >= target:
                lo = mid
            else:
                hi = mid - 1.0
        out[i] = lo
    return out


@njit(cache=True)
def _sample_continuous_power_law(rng, n, alpha, a, b):
    """Samples of p(x) ~ x^(-alpha) on [a, b] (b < 0: infinity) by the inverse CDF.

    Notes
    -----
    Jitted with numba.
    """
    out = np.empty(n, np.float64)
    c = 1.0 - alpha
    for i in range(n):
        u = rng.random()
        if b < 0.0:
            out[i] = a * math.exp(-math.log(1.0 - u) / (alpha - 1.0))
        elif abs(c) < 1e-12:
            out[i] = a * math.exp(u * math.log(b / a))
        else:
            ac = math.exp(c * math.log(a))
            bc = math.exp(c * math.log(b))
            out[i] = math.exp(math.log(ac + u * (bc - ac)) / c)
    return out


@njit(cache=True)
def _unique_counts(x_sorted):
    """Unique values and multiplicities of a sorted float64 array. Jitted with numba."""
    n = x_sorted.shape[0]
    values = np.empty(n, np.float64)
    counts = np.zeros(n, np.int64)
    u = -1
    for i in range(n):
        if u < 0 or x_sorted[i] != values[u]:
            u += 1
            values[u] = x_sorted[i]
        counts[u] += 1
    return values[:u + 1].copy(), counts[:u + 1].copy()


@njit(cache=True)
def _truncated_support_pvalue(rng, n, alpha, a, b, d_emp, n_samples, p_crit, lo, hi):
    """KS p-value of a truncated discrete power law on [a, b] by synthetic refits (NCC).

    Draws ``n_samples`` samples of size ``n`` from the fitted law, refits alpha on the same
    support and counts KS distances above ``d_emp``. Stops early (status 1) once the
    binomial probability of still reaching ``p_crit`` falls below 1e-3.

    Returns
    -------
    p : float
        Fraction of synthetic distances > d_emp among the samples drawn.
    n_drawn : int
    sd_alpha : float
        Standard deviation of the refitted exponents.
    status : int
        0 all samples drawn, 1 stopped early.

    Notes
    -----
    Jitted with numba.
    """
    need = p_crit * n_samples
    exceed = 0
    s1 = 0.0
    s2 = 0.0
    drawn = 0
    status = 0
    for _ in range(n_samples):
        x = np.sort(_sample_discrete_power_law(rng, n, alpha, a, b))
        values, counts = _unique_counts(x)
        if values.shape[0] < 2 or values[0] != a:
            # refit on the fixed support: prepend a zero-count xmin so candidate 0 is a
            v2 = np.empty(values.shape[0] + 1)
            c2 = np.zeros(values.shape[0] + 1, np.int64)
            v2[0] = a
            v2[1:] = values
            c2[1:] = counts
            if values[0] == a:
                v2 = values
                c2 = counts
            values, counts = v2, c2
        if values.shape[0] < 2:
            d = 0.0
            al = alpha
        else:
            al_arr, _, ks, _, _ = _discrete_xmin_scan(values, counts, b, lo, hi, False, 1)
            d = ks[0]
            al = al_arr[0]
        drawn += 1
        s1 += al
        s2 += al * al
        if d > d_emp:
            exceed += 1
        # early exit: probability that the remaining samples bring exceed up to need
        remaining = n_samples - drawn
        missing = need - exceed
        if missing > remaining:
            status = 1
            break
        if missing > 0 and remaining > 0 and drawn >= 10:
            # Chernoff bound on Binomial(remaining, p_hat) >= missing, p_hat = exceed / drawn
            p_hat = max(exceed / drawn, 1e-12)
            q = missing / remaining
            if q > p_hat and q < 1.0:
                kl = q * math.log(q / p_hat) + (1.0 - q) * math.log((1.0 - q) / (1.0 - p_hat))
                if math.exp(-remaining * kl) < 1e-3:
                    status = 1
                    break
    mean = s1 / drawn
    sd = math.sqrt(max(s2 / drawn - mean * mean, 0.0))
    return exceed / drawn, drawn, sd, status


@njit(cache=True)
def _regression_slopes(x, k_max):
    """Slopes r_k of x[t + k] on x[t] for k = 1..k_max, one row per trial.

    r_k = sum((x_t - mean_front)(x_{t+k} - mean_back)) / sum((x_t - mean_front)^2) over
    t = 0..T-k-1 (front = x[:-k], back = x[k:]), the "trial-separated" definition of
    Wilting & Priesemann and mrestimator.

    Parameters
    ----------
    x : ndarray of float64, shape (n_trials, T)
    k_max : int

    Returns
    -------
    ndarray of float64, shape (n_trials, k_max)
        nan where the front has zero variance.

    Notes
    -----
    O(n_trials * T * k_max). Jitted with numba.
    """
    n_trials, t_len = x.shape
    out = np.full((n_trials, k_max), np.nan)
    for r in range(n_trials):
        total = 0.0
        for t in range(t_len):
            total += x[r, t]
        for k in range(1, k_max + 1):
            m = t_len - k
            front = 0.0
            back = 0.0
            for t in range(m):
                front += x[r, t]
                back += x[r, t + k]
            front /= m
            back /= m
            sxy = 0.0
            sxx = 0.0
            for t in range(m):
                dx = x[r, t] - front
                sxy += dx * (x[r, t + k] - back)
                sxx += dx * dx
            if sxx > 0.0:
                out[r, k - 1] = sxy / sxx
    return out
