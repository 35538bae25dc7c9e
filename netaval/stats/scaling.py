"""Crackling-noise scaling: <S>(T) ~ T^gamma, the relation gamma = (alpha - 1)/(tau - 1),
and shape collapse <s(t)|T> = T^(gamma - 1) F(t / T) (``SCIENCE.md`` section 4.6).

Notation as in SCIENCE.md: tau = size exponent, alpha = duration exponent.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from netaval._random import as_generator
from netaval._validation import MAX_RESAMPLES, Boolean, Interval, as_float_array, check_param
from netaval.errors import InvalidParameterError

__all__ = [
    "MeanSizeScaling",
    "CracklingNoiseCheck",
    "ShapeCollapse",
    "fit_mean_size_scaling",
    "check_crackling_noise",
    "shape_collapse",
]


# ---------------------------------------------------------------- <S>(T)
@dataclass(frozen=True, eq=False)
class MeanSizeScaling:
    """Fit of <S>(T) = c T^gamma.

    Attributes
    ----------
    gamma, gamma_stderr : float
        Exponent and its bootstrap standard error (avalanches resampled).
    log_c : float
        Intercept, ln c.
    durations, mean_size : ndarray of float64
        The groups (distinct durations) used and <S> in each.
    counts : ndarray of int64
        Avalanches per group.
    """

    gamma: float
    gamma_stderr: float
    log_c: float
    durations: NDArray[np.float64]
    mean_size: NDArray[np.float64]
    counts: NDArray[np.int64]

    def __str__(self) -> str:
        return (f"<S>(T) ~ T^gamma: gamma = {self.gamma:.4f} +/- {self.gamma_stderr:.4f} "
                f"over {len(self.durations)} durations")


def _sizes_durations(owner, size, duration):
    if hasattr(size, "size") and hasattr(size, "duration") and not isinstance(size, np.ndarray):
        if duration is not None:
            raise InvalidParameterError(
                f"The 'duration' parameter of {owner} must be None when 'size' is an "
                f"avalanche collection ({type(size).__name__}), which has its own durations.")
        size, duration = size.size, size.duration
    s = as_float_array(owner, "size", size, allow_empty=False)
    t = as_float_array(owner, "duration", duration, allow_empty=False)
    if s.shape != t.shape:
        raise InvalidParameterError(f"The 'size' and 'duration' parameters of {owner} must "
                                    f"have the same shape. Got {s.shape} and {t.shape}.")
    if np.any(s < 0) or np.any(t <= 0):
        raise InvalidParameterError(f"{owner} needs non-negative sizes and positive "
                                    "durations.")
    return s, t


def _wls_slope(log_t, log_s, weights):
    w = weights / weights.sum()
    mt, ms = np.sum(w * log_t), np.sum(w * log_s)
    var = np.sum(w * (log_t - mt) ** 2)
    slope = np.sum(w * (log_t - mt) * (log_s - ms)) / var
    return slope, ms - slope * mt


def fit_mean_size_scaling(size, duration=None, *, min_duration=None, max_duration=None,
                          min_count=1, n_boot=200, seed=None):
    """Fit <S>(T) ~ T^gamma: weighted least squares of ln <S> on ln T over durations.

    Avalanches are grouped by their (distinct) duration; ln <S>_T is regressed on ln T
    with weights equal to the group counts. The standard error comes from a bootstrap
    over avalanches (``n_boot`` resamples).

    Parameters
    ----------
    size : array-like, or an object with ``size`` and ``duration`` (BinnedAvalanches,
        Avalanches)
    duration : array-like, optional
        Same length as ``size``; durations in bins or steps.
    min_duration, max_duration : float, optional
        Range of durations used.
    min_count : int, default 1
        Groups with fewer avalanches are dropped.
    n_boot : int in [0, MAX_RESAMPLES], default 200
        Bootstrap resamples, at most 100 000 (Ctrl-C interrupts).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    MeanSizeScaling

    Examples
    --------
    >>> t = np.array([1, 2, 4, 8] * 5)
    >>> res = netaval.stats.fit_mean_size_scaling(3 * t ** 2, t, n_boot=10, seed=0)
    >>> round(res.gamma, 6), round(float(np.exp(res.log_c)), 6)
    (2.0, 3.0)
    """
    owner = "fit_mean_size_scaling"
    rng = as_generator(seed, owner=owner)
    s, t = _sizes_durations(owner, size, duration)
    check_param(owner, "min_count", min_count, Interval(numbers.Integral, 1))
    check_param(owner, "n_boot", n_boot, Interval(numbers.Integral, 0, MAX_RESAMPLES))
    for name, value in (("min_duration", min_duration), ("max_duration", max_duration)):
        check_param(owner, name, value, Interval(numbers.Real, 0, None, allow_none=True))
    keep = np.ones(len(t), bool)
    if min_duration is not None:
        keep &= t >= min_duration
    if max_duration is not None:
        keep &= t <= max_duration
    s, t = s[keep], t[keep]
    groups, inverse = np.unique(t, return_inverse=True)
    n_groups = len(groups)

    def fit(indices):
        counts = np.bincount(inverse[indices], minlength=n_groups)
        sums = np.bincount(inverse[indices], weights=s[indices], minlength=n_groups)
        use = counts >= min_count
        if use.sum() < 2:
            return math.nan, math.nan, counts, sums
        slope, icpt = _wls_slope(np.log(groups[use]), np.log(sums[use] / counts[use]),
                                 counts[use].astype(float))
        return slope, icpt, counts, sums

    gamma, log_c, counts, sums = fit(np.arange(len(s)))
    if not math.isfinite(gamma):
        raise InvalidParameterError(f"{owner} needs at least two durations with "
                                    f"{min_count} or more avalanches.")
    boots = [fit(rng.integers(0, len(s), len(s)))[0] for _ in range(n_boot)]
    boots = np.asarray([b for b in boots if math.isfinite(b)])
    stderr = float(boots.std(ddof=1)) if len(boots) > 1 else math.nan
    use = counts >= min_count
    return MeanSizeScaling(gamma=float(gamma), gamma_stderr=stderr, log_c=float(log_c),
                           durations=groups[use], mean_size=sums[use] / counts[use],
                           counts=counts[use])


# ---------------------------------------------------------------- crackling noise
@dataclass(frozen=True, eq=False)
class CracklingNoiseCheck:
    """Comparison of gamma with (alpha - 1) / (tau - 1).

    Attributes
    ----------
    predicted, predicted_stderr : float
        (alpha - 1) / (tau - 1) and its error by the delta method (independent errors).
    gamma, gamma_stderr : float
        The fitted <S>(T) exponent.
    z : float
        (gamma - predicted) / sqrt(gamma_stderr^2 + predicted_stderr^2); with both errors
        zero, 0 when the two sides are equal and +-inf otherwise.
    p : float
        Two-sided normal p-value of z.
    """

    predicted: float
    predicted_stderr: float
    gamma: float
    gamma_stderr: float
    z: float
    p: float

    @property
    def consistent(self) -> bool:
        """True when the two sides agree within 2 combined standard errors."""
        return abs(self.z) <= 2.0

    def __str__(self) -> str:
        return (f"crackling noise: (alpha-1)/(tau-1) = {self.predicted:.4f} +/- "
                f"{self.predicted_stderr:.4f} vs gamma = {self.gamma:.4f} +/- "
                f"{self.gamma_stderr:.4f} (z = {self.z:.2f}, p = {self.p:.3g})")


def _value_error(owner, name, obj, attr):
    if hasattr(obj, attr):
        return float(getattr(obj, attr)), float(getattr(obj, attr + "_stderr"))
    try:
        value, err = obj
        return float(value), float(err)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must be a fit result "
                                    f"with .{attr} and .{attr}_stderr or a (value, stderr) "
                                    f"pair. Got {obj!r} instead.") from None


def check_crackling_noise(size_fit, duration_fit, scaling_fit):
    """Compare gamma of <S>(T) with (alpha - 1) / (tau - 1) from the two fitted exponents.

    Parameters
    ----------
    size_fit : PowerLawFit or (tau, stderr)
        Fit of the size distribution, P(S) ~ S^(-tau).
    duration_fit : PowerLawFit or (alpha, stderr)
        Fit of the duration distribution, P(T) ~ T^(-alpha).
    scaling_fit : MeanSizeScaling or (gamma, stderr)

    Returns
    -------
    CracklingNoiseCheck

    Examples
    --------
    >>> chk = netaval.stats.check_crackling_noise((1.5, 0.02), (2.0, 0.04), (2.0, 0.05))
    >>> round(chk.predicted, 3), round(chk.z, 3), chk.consistent
    (2.0, 0.0, True)
    """
    owner = "check_crackling_noise"
    tau, s_tau = _value_error(owner, "size_fit", size_fit, "alpha")
    alpha, s_alpha = _value_error(owner, "duration_fit", duration_fit, "alpha")
    gamma, s_gamma = _value_error(owner, "scaling_fit", scaling_fit, "gamma")
    if tau == 1.0:
        raise InvalidParameterError(f"{owner}: tau = 1 makes (alpha - 1)/(tau - 1) undefined.")
    pred = (alpha - 1.0) / (tau - 1.0)
    s_pred = math.hypot(s_alpha / (tau - 1.0), (alpha - 1.0) * s_tau / (tau - 1.0) ** 2)
    combined = math.hypot(s_gamma, s_pred)
    if combined > 0:
        z = (gamma - pred) / combined
    else:  # exact values on both sides: they agree exactly, or differ beyond any error
        z = 0.0 if gamma == pred else math.copysign(math.inf, gamma - pred)
    p = float(special.erfc(abs(z) / math.sqrt(2.0))) if math.isfinite(z) else 0.0
    return CracklingNoiseCheck(pred, s_pred, gamma, s_gamma, float(z), p)


# ---------------------------------------------------------------- shape collapse
@dataclass(frozen=True, eq=False)
class ShapeCollapse:
    """Result of a shape collapse.

    Attributes
    ----------
    gamma, gamma_stderr : float
        Collapse exponent (profiles scaled by T^(gamma - 1)) and its bootstrap error.
    durations : ndarray of int64
        Durations used.
    counts : ndarray of int64
        Avalanches per duration.
    mean_profiles : list of ndarray
        <s(t)|T> for each duration, t = 1..T.
    x : ndarray of float64
        Common grid of scaled times t/T in (0, 1).
    shape : ndarray of float64
        Collapsed shape F(x) at the optimum (mean over durations).
    spread : float
        Minimised collapse error.
    """

    gamma: float
    gamma_stderr: float
    durations: NDArray[np.int64]
    counts: NDArray[np.int64]
    mean_profiles: list
    x: NDArray[np.float64]
    shape: NDArray[np.float64]
    spread: float

    def __str__(self) -> str:
        return (f"shape collapse: gamma = {self.gamma:.4f} +/- {self.gamma_stderr:.4f} over "
                f"{len(self.durations)} durations (spread {self.spread:.3g})")

    def scaled_profiles(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Each duration's profile in collapse coordinates, as drawn by the plots.

        Returns
        -------
        list of (int, ndarray, ndarray)
            ``(T, t/T, <s(t)|T> / T^(gamma - 1))`` per duration, with the mid-step times
            ``t/T = (t - 1/2) / T`` for ``t = 1..T``.

        Examples
        --------
        >>> profs = [t * 4 * x * (1 - x) for t in (8, 16)
        ...          for x in [(np.arange(1, t + 1) - 0.5) / t] for _ in range(10)]
        >>> res = netaval.stats.shape_collapse(profs, n_boot=0, seed=0)
        >>> [(T, len(xs)) for T, xs, _ in res.scaled_profiles()]
        [(8, 8), (16, 16)]
        """
        out = []
        for t_len, profile in zip(self.durations, self.mean_profiles, strict=True):
            t_len = int(t_len)
            xs = (np.arange(1, t_len + 1) - 0.5) / t_len
            out.append((t_len, xs, np.asarray(profile, np.float64) / t_len ** (self.gamma - 1.0)))
        return out

    def plot(self, ax=None):
        """Plot the scaled profiles and the collapsed shape; returns the axis.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axis to draw on; default: a new figure's axis.
        """
        from netaval.plot import axes

        ax = axes("ShapeCollapse.plot", ax)
        for _, xs, ys in self.scaled_profiles():
            ax.plot(xs, ys, "-", alpha=0.5, lw=1)
        ax.plot(self.x, self.shape, "k-", lw=2, label=f"gamma = {self.gamma:.3f}")
        ax.set_xlabel("t / T")
        ax.set_ylabel("<s(t)|T> / T^(gamma-1)")
        ax.legend()
        return ax


def _profiles_csr(owner, profiles):
    """(indptr, values, durations) from BinnedAvalanches, causal Avalanches or arrays."""
    if hasattr(profiles, "profile_indptr"):
        indptr = np.asarray(profiles.profile_indptr, np.int64)
        values = np.asarray(profiles.profile, np.float64)
        keep = ~np.asarray(profiles.truncated)
    elif hasattr(profiles, "event_indptr") and hasattr(profiles, "events"):
        av = profiles
        av._need_events(owner)
        if av.events.time.dtype.kind != "i":
            raise InvalidParameterError(f"{owner} needs discrete-time causal avalanches; bin "
                                        "continuous-time events first.")
        lengths = np.asarray(av.duration, np.int64)
        indptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        n_per = np.diff(av.event_indptr)
        owner_av = np.repeat(np.arange(len(lengths)), n_per)
        offset = av.events.time[av.event_order] - np.repeat(av.start, n_per)
        values = np.bincount(indptr[:-1][owner_av] + offset, minlength=indptr[-1]).astype(float)
        keep = ~np.asarray(av.truncated)
    elif isinstance(profiles, tuple) and len(profiles) == 2:
        indptr = np.asarray(profiles[0])
        values = as_float_array(owner, "profiles", profiles[1])
        if (indptr.ndim != 1 or len(indptr) == 0 or indptr.dtype.kind not in "iu"
                or indptr[0] != 0 or indptr[-1] != len(values) or np.any(np.diff(indptr) < 0)):
            raise InvalidParameterError(
                f"The 'profiles' parameter of {owner} as an (indptr, values) pair needs an "
                f"integer indptr rising from 0 to len(values) = {len(values)}.")
        indptr = indptr.astype(np.int64)
        keep = np.ones(len(indptr) - 1, bool)
    else:
        if isinstance(profiles, str | bytes) or not hasattr(profiles, "__iter__"):
            raise InvalidParameterError(
                f"The 'profiles' parameter of {owner} must be avalanches or a sequence of "
                f"profiles. Got {type(profiles).__name__}.")
        arrays = [as_float_array(owner, "profiles", p) for p in profiles]
        indptr = np.zeros(len(arrays) + 1, np.int64)
        np.cumsum([len(a) for a in arrays], out=indptr[1:])
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        keep = np.ones(len(arrays), bool)
    return indptr, values, np.diff(indptr), keep


def _collapse_error(gamma, durations, profiles, x):
    """Mean over x of the variance across durations of T^(1-gamma) <s>, over the squared
    mean (scale-free)."""
    rows = np.empty((len(durations), len(x)))
    for i, (t_len, prof) in enumerate(zip(durations, profiles, strict=True)):
        xs = (np.arange(1, t_len + 1) - 0.5) / t_len
        rows[i] = np.interp(x, xs, prof) / t_len ** (gamma - 1.0)
    mean = rows.mean(axis=0)
    return float(np.mean(rows.var(axis=0)) / np.mean(mean) ** 2), mean


def _mean_profiles(indptr, values, selected_by_t):
    out = []
    for t_len, idx in selected_by_t:
        block = values[indptr[idx][:, None] + np.arange(t_len)[None, :]]
        out.append(block.mean(axis=0))
    return out


def shape_collapse(profiles, *, min_duration=4, max_duration=None, min_count=10,
                   gamma_range=(0.5, 4.0), n_points=50, n_boot=100, include_truncated=False,
                   seed=None):
    """Collapse average avalanche profiles onto one shape, finding gamma by minimum spread.

    For every duration T (in bins or steps) with at least ``min_count`` avalanches the
    average profile <s(t)|T>, t = 1..T, is placed at scaled times x = (t - 1/2)/T,
    divided by T^(gamma - 1) and linearly interpolated onto ``n_points`` common points
    spanning the shortest duration's bin centres. The collapse error is the mean variance
    across durations divided by the squared mean shape; gamma minimises it (bounded
    scalar search). Its standard error is the spread of gamma over ``n_boot`` bootstrap
    resamples of the avalanches within each duration.

    Parameters
    ----------
    profiles : BinnedAvalanches, causal Avalanches (discrete time), a (indptr, values)
        CSR pair, or a sequence of 1-D arrays (one profile per avalanche)
    min_duration, max_duration : int
        Durations used (min_duration >= 2).
    min_count : int, default 10
    gamma_range : (float, float), default (0.5, 4.0)
    n_points : int in [2, MAX_RESAMPLES], default 50
    n_boot : int in [0, MAX_RESAMPLES], default 100
        Bootstrap resamples, at most 100 000 (Ctrl-C interrupts).
    include_truncated : bool, default False
        Use censored avalanches too (binned or causal input only).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ShapeCollapse

    Examples
    --------
    >>> profs = [t ** 1.0 * 4 * x * (1 - x) for t in (8, 16, 32)
    ...          for x in [(np.arange(1, t + 1) - 0.5) / t] for _ in range(10)]
    >>> res = netaval.stats.shape_collapse(profs, n_boot=5, seed=0)
    >>> round(res.gamma, 2)
    2.0
    """
    owner = "shape_collapse"
    rng = as_generator(seed, owner=owner)
    check_param(owner, "min_duration", min_duration, Interval(numbers.Integral, 2))
    check_param(owner, "max_duration", max_duration,
                Interval(numbers.Integral, min_duration, allow_none=True))
    check_param(owner, "min_count", min_count, Interval(numbers.Integral, 1))
    check_param(owner, "n_points", n_points, Interval(numbers.Integral, 2, MAX_RESAMPLES))
    check_param(owner, "n_boot", n_boot, Interval(numbers.Integral, 0, MAX_RESAMPLES))
    check_param(owner, "include_truncated", include_truncated, Boolean())
    pair = as_float_array(owner, "gamma_range", gamma_range) if not isinstance(
        gamma_range, str) else np.zeros(0)
    if len(pair) != 2:
        raise InvalidParameterError(f"The 'gamma_range' parameter of {owner} must be a pair "
                                    f"of finite floats. Got {gamma_range!r} instead.")
    lo, hi = float(pair[0]), float(pair[1])
    if not lo < hi:
        raise InvalidParameterError(f"The 'gamma_range' parameter of {owner} must be an "
                                    f"increasing pair. Got {gamma_range!r} instead.")
    indptr, values, lengths, keep = _profiles_csr(owner, profiles)
    if include_truncated:
        keep = np.ones_like(keep)
    ok = keep & (lengths >= min_duration)
    if max_duration is not None:
        ok &= lengths <= max_duration
    durations, counts = np.unique(lengths[ok], return_counts=True)
    durations, counts = durations[counts >= min_count], counts[counts >= min_count]
    if len(durations) < 2:
        raise InvalidParameterError(
            f"{owner} needs at least two durations with {min_count} or more avalanches in "
            f"[{min_duration}, {max_duration}]. Got {len(durations)}.")
    groups = [(int(t_len), np.flatnonzero(ok & (lengths == t_len))) for t_len in durations]
    t0 = durations[0]
    x = np.linspace(0.5 / t0, 1 - 0.5 / t0, n_points)

    def best_gamma(profs):
        res = optimize.minimize_scalar(lambda g: _collapse_error(g, durations, profs, x)[0],
                                       bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-8})
        return float(res.x), float(res.fun)

    means = _mean_profiles(indptr, values, groups)
    gamma, spread = best_gamma(means)
    boots = []
    for _ in range(n_boot):
        resampled = [(t_len, idx[rng.integers(0, len(idx), len(idx))]) for t_len, idx in groups]
        boots.append(best_gamma(_mean_profiles(indptr, values, resampled))[0])
    stderr = float(np.std(boots, ddof=1)) if n_boot > 1 else math.nan
    _, shape = _collapse_error(gamma, durations, means, x)
    return ShapeCollapse(gamma=gamma, gamma_stderr=stderr, durations=durations.astype(np.int64),
                         counts=counts.astype(np.int64), mean_profiles=means, x=x, shape=shape,
                         spread=spread)
