"""Branching-ratio estimators: naive ratio, conventional regression, multistep regression (MR),
and the avalanche-based estimator of Beggs & Plenz.

See ``SCIENCE.md`` section 5. Notation: ``a_t`` = events in bin t of the recorded units.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from netaval._kernels.stats import _regression_slopes
from netaval._validation import Boolean, Interval, as_float_array, check_param, forwarded_from
from netaval.errors import InvalidParameterError, NetavalWarning

__all__ = [
    "MultistepRegression",
    "regression_slopes",
    "branching_ratio_mr",
    "branching_ratio_conventional",
    "branching_ratio_naive",
    "branching_ratio_avalanches",
]


def _activity(owner: str, activity) -> NDArray[np.float64]:
    """A Run's or Spikes' activity, or a 1-D (one trial) / 2-D (trials x time) array, as
    2-D float64."""
    from netaval.run import Run
    from netaval.spikes import Spikes

    if isinstance(activity, Run | Spikes):
        activity = activity.activity
    x = np.asarray(activity)
    ndim = 2 if x.ndim == 2 else 1
    x = as_float_array(owner, "activity", x, ndim=ndim, allow_empty=False)
    return np.ascontiguousarray(x if ndim == 2 else x[None, :])


_DIRECT_K_MAX = 16


def _slopes_fft(x, k_max):
    """Same slopes as `_regression_slopes` in O(T log T) per trial (FFT autocovariance).

    Each trial is centred on its mean first; with S, S2 the prefix sums of c and c^2 and
    P_k = sum_t c_t c_{t+k} (from the FFT), the front/back windows of length m = T - k
    give sxy = P_k - F_k B_k / m and sxx = Q_k - F_k^2 / m.
    """
    from scipy import fft

    n_trials, t_len = x.shape
    c = x - x.mean(axis=1, keepdims=True)
    size = fft.next_fast_len(2 * t_len)
    spec = fft.rfft(c, size, axis=1)
    auto = fft.irfft(spec * np.conj(spec), size, axis=1)[:, 1:k_max + 1]
    s1 = np.concatenate([np.zeros((n_trials, 1)), np.cumsum(c, axis=1)], axis=1)
    s2 = np.concatenate([np.zeros((n_trials, 1)), np.cumsum(c * c, axis=1)], axis=1)
    k = np.arange(1, k_max + 1)
    m = (t_len - k).astype(float)
    front = s1[:, t_len - k]
    back = s1[:, [t_len]] - s1[:, k]
    sxy = auto - front * back / m
    sxx = s2[:, t_len - k] - front * front / m
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(sxx > 1e-12 * np.maximum(s2[:, [t_len]], 1e-300), sxy / sxx, np.nan)
    return r


def _slopes(x, k_max):
    """Regression slopes per trial: direct jitted sums for small k_max, FFT otherwise."""
    if k_max <= _DIRECT_K_MAX:
        return _regression_slopes(x, k_max)
    return _slopes_fft(x, k_max)


def regression_slopes(activity, *, k_max):
    """Multistep regression slopes r_k = Cov(a_t, a_{t+k}) / Var(a_t), k = 1..k_max.

    Parameters
    ----------
    activity : array-like, shape (T,) or (n_trials, T), or Run or Spikes
        Events per bin; several trials are averaged slope by slope ("trial-separated").
    k_max : int
        Largest lag, 1 <= k_max <= T - 2.

    Returns
    -------
    ndarray of float64, shape (k_max,)

    Examples
    --------
    >>> netaval.stats.regression_slopes([1, 2, 3, 4, 5, 6], k_max=2).round(3).tolist()
    [1.0, 1.0]
    """
    owner = "regression_slopes"
    x = _activity(owner, activity)
    if x.shape[1] < 3:  # no lag fits: the k_max range [1, T - 2] is empty
        raise InvalidParameterError(f"The 'activity' parameter of {owner} must span at least "
                                    f"3 time bins (k_max <= T - 2). Got {x.shape[1]}.")
    check_param(owner, "k_max", k_max, Interval(numbers.Integral, 1, x.shape[1] - 2))
    r = _slopes(x, int(k_max))
    if np.isnan(r).any():
        raise InvalidParameterError(f"{owner}: the activity is constant over a window; the "
                                    "slopes are undefined.")
    return r.mean(axis=0)


@dataclass(frozen=True, eq=False)
class MultistepRegression:
    """Result of the multistep-regression (MR) estimator.

    Attributes
    ----------
    m, m_stderr : float
        Branching ratio m and its standard error: delete-one-block jackknife over
        ``n_blocks`` contiguous blocks of every trial (the r_k are strongly correlated,
        so the least-squares covariance would understate it several-fold).
    tau, tau_stderr : float
        Intrinsic time scale -dt / ln m (in units of dt), inf when m >= 1.
    b, b_stderr : float
        Prefactor absorbing subsampling, r_k = b m^k (b_stderr: jackknife too).
    k : ndarray of int64
        Lags used (1..k_max).
    r_k : ndarray of float64
        Regression slopes at those lags.
    dt : float
    conventional : float
        r_1, the conventional estimator (biased by the factor b under subsampling).
    """

    m: float
    m_stderr: float
    tau: float
    tau_stderr: float
    b: float
    b_stderr: float
    k: NDArray[np.int64]
    r_k: NDArray[np.float64]
    dt: float
    conventional: float

    def fitted(self, k=None) -> NDArray[np.float64]:
        """b * m^k at the given lags.

        Parameters
        ----------
        k : array-like of int, optional
            Lags (>= 0); default: the fitted ones.
        """
        if k is None:
            k = self.k
        else:
            lags = np.asarray(k)
            if lags.dtype.kind not in "iu" or (lags.size and lags.min() < 0):
                raise InvalidParameterError(f"The 'k' parameter of MultistepRegression.fitted "
                                            f"must hold non-negative integer lags. Got {k!r} "
                                            "instead.")
            k = lags
        return self.b * self.m ** k

    def __str__(self) -> str:
        return (f"MR estimate: m = {self.m:.5f} +/- {self.m_stderr:.2g}, "
                f"tau = {self.tau:.4g} +/- {self.tau_stderr:.2g} (dt = {self.dt:g}), "
                f"b = {self.b:.4g}; conventional r_1 = {self.conventional:.4f}")

    def plot(self, ax=None, *, unit="time steps"):
        """Plot r_k and the fitted b m^k against the lag k dt; returns the axis.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axis to draw on; default: a new figure's axis.
        unit : str, default "time steps"
            Unit of the lag (that of ``dt``), for the x label.

        Examples
        --------
        >>> mr = netaval.stats.branching_ratio_mr(
        ...     np.random.default_rng(0).poisson(5.0, 2000), k_max=5, dt=0.004)
        >>> mr.plot(unit="s").get_xlabel()
        'lag k dt (s)'
        """
        if not isinstance(unit, str):
            raise InvalidParameterError("The 'unit' parameter of MultistepRegression.plot must "
                                        f"be a str. Got {unit!r} instead.")
        from netaval.plot import axes

        ax = axes("MultistepRegression.plot", ax)
        ax.plot(self.k * self.dt, self.r_k, "o", ms=3, label="regression slopes r_k")
        ax.plot(self.k * self.dt, self.fitted(), "-",
                label=f"b m^k: m = {self.m:.4f} +/- {self.m_stderr:.2g}")
        ax.set_xlabel(f"lag k dt ({unit})")
        ax.set_ylabel("regression slope r_k (dimensionless)")
        ax.legend(fontsize=8)
        return ax


def _fit_exponential_decay(k, r):
    """Least-squares b, m of r_k = b m^k; returns (b, m).

    scipy's covariance is not returned (the jackknife gives the errors), so its warning that
    the covariance cannot be estimated (k_max = 2: as many lags as parameters) is silenced.
    """
    ratio = r[1] / r[0] if r[0] != 0 else 0.5
    m0 = math.copysign(min(max(abs(ratio), 1e-3), 0.9999), ratio) if np.isfinite(ratio) else 0.5
    b0 = r[0] / m0

    def model(kk, b, m):  # kk are whole lags: m ** kk alternates for m < 0, as r_k does then
        return b * m ** kk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        popt, _ = optimize.curve_fit(model, k.astype(float), r, p0=[b0, m0], maxfev=20000)
    return float(popt[0]), float(popt[1])


def branching_ratio_mr(activity, *, k_max, dt=1, n_blocks=10):
    """Multistep-regression estimator of the branching ratio (Wilting & Priesemann 2018).

    Fits r_k = b m^k to the regression slopes r_k = Cov(a_t, a_{t+k}) / Var(a_t),
    k = 1..k_max, by least squares; m is unbiased under subsampling, which only changes b.

    Parameters
    ----------
    activity : array-like, shape (T,) or (n_trials, T), or Run or Spikes
        Events per bin of the recorded units (a Run or `netaval.Spikes` gives its ``activity``).
    k_max : int
        Largest lag, at least 2; choose k_max * dt several times the expected tau. With
        k_max = 2 the fit is exact (m = r_2 / r_1) and a `NetavalWarning` says so.
    dt : float, default 1
        Bin width, for tau.
    n_blocks : int, default 10
        Contiguous blocks per trial for the jackknife standard errors (each block must
        be longer than 2 k_max; otherwise fewer blocks are used, at least 2).

    Returns
    -------
    MultistepRegression

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = np.zeros(20000)
    >>> a[0] = 50
    >>> for t in range(1, 20000):
    ...     a[t] = rng.poisson(0.9 * a[t - 1] + 5)
    >>> res = netaval.stats.branching_ratio_mr(a, k_max=20)
    >>> round(res.m, 2)
    0.9
    """
    owner = "branching_ratio_mr"
    check_param(owner, "dt", dt, Interval(numbers.Real, 0, None, "neither"))
    with forwarded_from(owner):
        r = regression_slopes(activity, k_max=k_max)
    k = np.arange(1, k_max + 1, dtype=np.int64)
    if k_max < 2:
        raise InvalidParameterError(f"The 'k_max' parameter of {owner} must be at least 2 "
                                    f"(two parameters are fitted). Got {k_max!r} instead.")
    check_param(owner, "n_blocks", n_blocks, Interval(numbers.Integral, 2))
    if k_max == 2:
        warnings.warn(f"{owner}: k_max = 2 determines b and m exactly from r_1 and r_2 "
                      "(m = r_2 / r_1), so nothing checks that r_k decays as b m^k; use "
                      "k_max >= 3.", NetavalWarning, stacklevel=2)
    try:
        b, m = _fit_exponential_decay(k, r)
    except RuntimeError as exc:
        raise InvalidParameterError(f"{owner}: the fit of r_k = b m^k did not converge "
                                    f"({exc}).") from None
    b_se, m_se = _jackknife(_activity(owner, activity), k, int(n_blocks))
    if 0 < m < 1:
        tau = -dt / math.log(m)
        tau_se = dt / (m * math.log(m) ** 2) * m_se
    else:
        tau, tau_se = math.inf, math.nan
        warnings.warn(f"{owner}: m = {m:.4g} is outside (0, 1); tau is not defined.",
                      NetavalWarning, stacklevel=2)
    return MultistepRegression(m=m, m_stderr=m_se, tau=float(tau), tau_stderr=float(tau_se),
                               b=b, b_stderr=b_se, k=k, r_k=r, dt=float(dt),
                               conventional=float(r[0]))


def _jackknife(x, k, n_blocks):
    """Delete-one-block jackknife standard errors of (b, m)."""
    k_max = len(k)
    t_len = x.shape[1]
    n_blocks = min(n_blocks, t_len // (2 * k_max + 2))
    if n_blocks < 2:
        return math.nan, math.nan
    length = t_len // n_blocks
    blocks = x[:, :n_blocks * length].reshape(x.shape[0] * n_blocks, length)
    r_blocks = _slopes(np.ascontiguousarray(blocks), k_max)
    if np.isnan(r_blocks).any():
        return math.nan, math.nan
    per_block = r_blocks.reshape(x.shape[0], n_blocks, k_max).mean(axis=0)
    total = per_block.sum(axis=0)
    estimates = []
    for j in range(n_blocks):
        try:
            b, m = _fit_exponential_decay(k, (total - per_block[j]) / (n_blocks - 1))
        except RuntimeError:
            return math.nan, math.nan
        estimates.append((b, m))
    est = np.array(estimates)
    spread = np.sqrt((n_blocks - 1) / n_blocks * ((est - est.mean(axis=0)) ** 2).sum(axis=0))
    return float(spread[0]), float(spread[1])


def branching_ratio_conventional(activity):
    """Conventional estimator m_C = r_1 = Cov(a_t, a_{t+1}) / Var(a_t).

    The slope of a_{t+1} on a_t. Under subsampling it estimates b m, biased toward 0.

    Parameters
    ----------
    activity : array-like, shape (T,) or (n_trials, T), or Run or Spikes

    Returns
    -------
    float

    Examples
    --------
    >>> round(netaval.stats.branching_ratio_conventional([1, 2, 1, 2, 1, 2, 1]), 3)
    -1.0
    """
    x = _activity("branching_ratio_conventional", activity)
    if x.shape[1] < 3:
        raise InvalidParameterError(
            f"The 'activity' parameter of branching_ratio_conventional needs at least 3 time "
            f"steps. Got {x.shape[1]}.")
    return float(regression_slopes(x, k_max=1)[0])


def branching_ratio_naive(activity):
    """Ratio estimator: mean over bins with a_t > 0 of a_{t+1} / a_t.

    Biased upward by external drive and by Jensen's inequality; close to 1 in any
    stationary high-rate state whatever m is (``SCIENCE.md`` 5.2).

    Parameters
    ----------
    activity : array-like, shape (T,) or (n_trials, T), or Run or Spikes

    Returns
    -------
    float

    Examples
    --------
    >>> round(netaval.stats.branching_ratio_naive([2, 4, 0, 1, 3]), 4)
    1.6667
    """
    owner = "branching_ratio_naive"
    x = _activity(owner, activity)
    front, back = x[:, :-1], x[:, 1:]
    mask = front > 0
    if not mask.any():
        raise InvalidParameterError(f"{owner}: no bin with activity > 0 is followed by "
                                    "another bin.")
    return float(np.mean(back[mask] / front[mask]))


def branching_ratio_avalanches(avalanches, *, include_truncated=False):
    """Beggs & Plenz avalanche estimator: mean of n_desc / n_anc over avalanches.

    n_anc = events in an avalanche's first bin, n_desc = events in its second bin (0 for
    one-bin avalanches). No correction for a finite number of electrodes is applied.

    Parameters
    ----------
    avalanches : BinnedAvalanches, or anything `detect_binned_avalanches` accepts
        (times, Run, Spikes, Events, Recording; then binned with the default bin width).
    include_truncated : bool, default False
        Include avalanches touching the recording's first or last bin (whose first bin
        may be a cut).

    Returns
    -------
    float

    Examples
    --------
    >>> av = netaval.binning.detect_binned_avalanches([1, 1, 2, 2, 2, 5, 8, 9], bin_width=1,
    ...                                                start=0, end=12)
    >>> netaval.stats.branching_ratio_avalanches(av)
    0.8333333333333334
    """
    from netaval.binning import BinnedAvalanches, detect_binned_avalanches

    owner = "branching_ratio_avalanches"
    check_param(owner, "include_truncated", include_truncated, Boolean())
    if not isinstance(avalanches, BinnedAvalanches):
        try:
            avalanches = detect_binned_avalanches(avalanches)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"The 'avalanches' parameter of {owner} must be BinnedAvalanches or spike "
                f"times to bin ({exc})") from None
    av = avalanches
    keep = np.ones(av.n_avalanches, bool) if include_truncated else ~av.truncated
    if not keep.any():
        raise InvalidParameterError(f"{owner}: no avalanche to average over.")
    first = av.profile[av.profile_indptr[:-1]]
    second = np.where(av.duration > 1,
                      av.profile[np.minimum(av.profile_indptr[:-1] + 1, len(av.profile) - 1)], 0)
    return float(np.mean(second[keep] / first[keep]))
