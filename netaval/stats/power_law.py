"""Power-law fits: exact discrete MLE (Hurwitz zeta), truncated and continuous versions,
automatic xmin (Clauset, Shalizi & Newman 2009), NCC-style truncated support search
(Marshall et al. 2016), bootstrap goodness of fit and likelihood-ratio comparisons.

See ``SCIENCE.md`` section 6 for the formulas.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from netaval._kernels.stats import (
    _continuous_xmin_scan,
    _discrete_xmin_scan,
    _powsum0,
    _sample_continuous_power_law,
    _sample_discrete_power_law,
    _truncated_support_pvalue,
    _unique_counts,
)
from netaval._random import as_generator
from netaval._validation import MAX_RESAMPLES, Boolean, Interval, Options, as_float_array, check_param
from netaval.errors import InvalidParameterError, NetavalWarning

__all__ = [
    "PowerLawFit",
    "LikelihoodRatio",
    "fit_power_law",
    "fit_truncated_power_law",
    "sample_power_law",
]

_ALPHA_HI = 50.0
_ALPHA_LO_INFINITE = 1.0 + 1e-9
_ALPHA_LO_TRUNCATED = -5.0
_ALTERNATIVES = ("exponential", "lognormal", "truncated_power_law")


def _check_data(owner: str, data, discrete: bool) -> NDArray[np.float64]:
    x = as_float_array(owner, "data", data, allow_empty=False)
    if np.any(x <= 0):
        raise InvalidParameterError(f"The 'data' parameter of {owner} must be positive. "
                                    f"Got {float(x[x <= 0][0])!r}.")
    if discrete and np.any(x != np.floor(x)):
        bad = float(x[x != np.floor(x)][0])
        raise InvalidParameterError(f"The 'data' parameter of {owner} must hold integers >= 1 "
                                    f"when discrete=True. Got {bad!r}; pass discrete=False "
                                    "for continuous data.")
    return np.sort(x)


def _bounds(xmax) -> tuple[float, float, float]:
    """(b, lo, hi) for the kernels: b = -1 encodes an infinite support."""
    if xmax is None:
        return -1.0, _ALPHA_LO_INFINITE, _ALPHA_HI
    return float(xmax), _ALPHA_LO_TRUNCATED, _ALPHA_HI


@dataclass(frozen=True, eq=False)
class LikelihoodRatio:
    """Result of a likelihood-ratio comparison of the power law with an alternative.

    Attributes
    ----------
    R : float
        Log-likelihood ratio, sum over the tail of ln p_powerlaw - ln p_alternative;
        positive favours the power law.
    p : float
        Significance of the sign of R: Vuong's normal test for non-nested alternatives,
        chi-squared with one degree of freedom (2|R|) for the nested truncated power law.
        Not the goodness-of-fit p-value (`PowerLawFit.gof_pvalue`).
    normalized_R : float
        R / (sqrt(n) sigma) (Vuong's statistic); nan for the nested case.
    alternative : str
    nested : bool
    alternative_params : dict
        Maximum-likelihood parameters of the alternative on the same tail.
    """

    R: float
    p: float
    normalized_R: float
    alternative: str
    nested: bool
    alternative_params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        favoured = "power law" if self.R > 0 else self.alternative
        return (f"power law vs {self.alternative}: R = {self.R:.4g}, p = {self.p:.3g} "
                f"({'nested, chi2(1)' if self.nested else 'Vuong'}; favours {favoured})")


@dataclass(frozen=True, eq=False)
class PowerLawFit:
    """A fitted (optionally truncated) power law p(x) ~ x^(-alpha) on [xmin, xmax].

    Attributes
    ----------
    alpha : float
        Maximum-likelihood exponent.
    alpha_stderr : float
        Asymptotic standard error, 1 / sqrt(n_tail * I(alpha)) with I the exact Fisher
        information per sample (Var_alpha[ln X]); (alpha - 1) / sqrt(n_tail) for the
        continuous untruncated law.
    xmin : float
        Lower end of the fitted support (searched or given).
    xmax : float or None
        Upper end, None for an infinite support.
    n_tail : int
        Number of data points in the support.
    n : int
        Number of data points in total.
    ks : float
        Kolmogorov-Smirnov distance between the tail and the fit.
    discrete : bool
    loglik : float
        Log-likelihood of the tail.
    xmin_searched : bool
        True when xmin was chosen by the KS minimisation.
    scan : dict
        Candidates of the xmin search ("xmin", "alpha", "ks"; ks entries that were
        pruned are lower bounds); empty when xmin was fixed.
    support_pvalue : float or None
        For `fit_truncated_power_law`: the KS p-value of the accepted support.
    """

    alpha: float
    alpha_stderr: float
    xmin: float
    xmax: float | None
    n_tail: int
    n: int
    ks: float
    discrete: bool
    loglik: float
    xmin_searched: bool
    data: NDArray[np.float64] = field(repr=False)
    scan: dict = field(default_factory=dict, repr=False)
    support_pvalue: float | None = None

    # ------------------------------------------------------------ model functions
    @property
    def tail(self) -> NDArray[np.float64]:
        """The data inside [xmin, xmax], sorted."""
        x = self.data
        keep = x >= self.xmin
        if self.xmax is not None:
            keep &= x <= self.xmax
        return x[keep]

    def _b(self) -> float:
        return -1.0 if self.xmax is None else float(self.xmax)

    def _log_norm(self) -> float:
        if self.discrete:
            shift = self.alpha * math.log(self.xmin)  # relative to xmin^-alpha: no underflow
            return math.log(_powsum0(self.alpha, float(self.xmin), self._b(), shift)) - shift
        a, c = self.xmin, 1.0 - self.alpha
        if self.xmax is None:
            return math.log(a) * c - math.log(self.alpha - 1.0)
        if abs(c) < 1e-12:
            return math.log(math.log(self.xmax / a))
        return math.log((self.xmax ** c - a ** c) / c)

    def _points(self, owner: str, x) -> NDArray[np.float64]:
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"The 'x' parameter of {owner} must be array-like of "
                                        f"numbers. Got {type(x).__name__}.") from None
        if not np.all(np.isfinite(x)):
            bad = x.ravel()[~np.isfinite(x.ravel())][0]
            raise InvalidParameterError(f"The 'x' parameter of {owner} must be finite. Got "
                                        f"{float(bad)!r}.")
        return x

    def logpdf(self, x) -> NDArray[np.float64]:
        """Log of the pmf (discrete) or density (continuous) at ``x``.

        Parameters
        ----------
        x : array-like of float
            Finite points; outside the support (and, when discrete, off the integers)
            the log-probability is ``-inf``.

        Examples
        --------
        >>> fit = netaval.stats.fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13], xmin=1)
        >>> bool(np.isneginf(fit.logpdf(0.5)))
        True
        """
        x = self._points("PowerLawFit.logpdf", x)
        inside = x >= self.xmin
        if self.xmax is not None:
            inside &= x <= self.xmax
        if self.discrete:
            inside &= x == np.floor(x)
        # points outside the support take log(xmin) (finite, > 0) and are masked below
        out = -self.alpha * np.log(np.where(inside, x, self.xmin)) - self._log_norm()
        return np.where(inside, out, -np.inf)

    def ccdf(self, x) -> NDArray[np.float64]:
        """P(X >= x) under the fit: 1 below ``xmin``, 0 above ``xmax``.

        Parameters
        ----------
        x : array-like of float
            Finite points (NaN and infinities are refused).

        Examples
        --------
        >>> fit = netaval.stats.fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13], xmin=1)
        >>> fit.ccdf([-10, 1]).tolist()
        [1.0, 1.0]
        """
        x = self._points("PowerLawFit.ccdf", x)
        shape = x.shape if x.ndim else (1,)
        return self._ccdf(x.ravel()).reshape(shape)

    def _ccdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.discrete:
            # P(X >= x) = P(X >= ceil(x)); the sum starts at xmin at the lowest
            v = np.maximum(np.ceil(x), self.xmin)
            beyond = v > self.xmax if self.xmax is not None else np.zeros(len(v), bool)
            shift = self.alpha * math.log(self.xmin)
            z = _powsum0(self.alpha, float(self.xmin), self._b(), shift)
            return np.array([0.0 if out else _powsum0(self.alpha, float(k), self._b(), shift) / z
                             for k, out in zip(v, beyond, strict=True)])
        c = 1.0 - self.alpha
        a = self.xmin
        x = np.maximum(x, a)
        if self.xmax is None:
            return (x / a) ** c
        x = np.minimum(x, self.xmax)
        if abs(c) < 1e-12:
            return np.log(self.xmax / x) / np.log(self.xmax / a)
        return (self.xmax ** c - x ** c) / (self.xmax ** c - a ** c)

    # ------------------------------------------------------------ goodness of fit
    def gof_pvalue(self, n_boot, seed=None) -> float:
        """Goodness-of-fit p-value by the semiparametric bootstrap (Clauset et al. 2009).

        Each synthetic data set has ``n`` points: each point, with probability
        ``n_tail / n``, is drawn exactly from the fitted law on [xmin, xmax], otherwise
        uniformly from the observed values outside the support. It is refitted with the
        full procedure (including the xmin search when xmin was searched), and the
        p-value is the fraction of synthetic KS distances larger than the observed one.
        Small p (<= 0.1) rules the power law out. This is not a likelihood-ratio p-value.

        Parameters
        ----------
        n_boot : int in [1, MAX_RESAMPLES]
            Number of synthetic data sets; about 1 / (4 eps^2) give p to within eps. At
            most ``netaval._validation.MAX_RESAMPLES`` (100 000); Ctrl-C interrupts.
        seed : None, int or numpy.random.Generator

        Returns
        -------
        float
        """
        rng = as_generator(seed, owner="PowerLawFit.gof_pvalue")
        check_param("PowerLawFit.gof_pvalue", "n_boot", n_boot,
                    Interval(numbers.Integral, 1, MAX_RESAMPLES))
        outside = self.data[(self.data < self.xmin)
                            | ((self.data > self.xmax) if self.xmax is not None else False)]
        exceed = 0
        for _ in range(n_boot):
            n_in = rng.binomial(self.n, self.n_tail / self.n) if len(outside) else self.n
            synth_tail = _sample(rng, n_in, self.alpha, self.xmin, self.xmax, self.discrete)
            synth_out = rng.choice(outside, size=self.n - n_in) if len(outside) else np.zeros(0)
            synth = np.concatenate([synth_tail, synth_out])
            try:
                refit = _fit(np.sort(synth), self.discrete,
                             None if self.xmin_searched else self.xmin, self.xmax)
            except InvalidParameterError:
                continue  # degenerate synthetic sample (one distinct value): D = 0
            if refit.ks > self.ks:
                exceed += 1
        return exceed / n_boot

    # ------------------------------------------------------------ model comparison
    def compare(self, other) -> LikelihoodRatio:
        """Likelihood-ratio test of this power law against an alternative on the same tail.

        Parameters
        ----------
        other : {"exponential", "lognormal", "truncated_power_law"}
            Alternative, fitted by maximum likelihood on the same support [xmin, xmax]
            (discretised the same way as the power law when ``discrete``).
            "truncated_power_law" is the power law with exponential cut-off
            x^(-alpha) exp(-lambda x), which nests the power law (lambda = 0).

        Returns
        -------
        LikelihoodRatio
        """
        check_param("PowerLawFit.compare", "other", other, Options(_ALTERNATIVES))
        x = self.tail
        l1 = self.logpdf(x)
        fitter = {"exponential": _fit_exponential, "lognormal": _fit_lognormal,
                  "truncated_power_law": _fit_cutoff}[other]
        l2, params = fitter(x, self)
        d = l1 - l2
        r = float(d.sum())
        n = len(x)
        if other == "truncated_power_law":
            # chi-squared(1) survival function: what scipy.stats.chi2.sf computes, without
            # importing scipy.stats (0.3 s, a third of a study worker's imports)
            p = float(special.chdtrc(1, -2.0 * r)) if r < 0 else 1.0
            return LikelihoodRatio(r, p, float("nan"), other, True, params)
        sigma = float(np.std(d))
        if sigma == 0.0:
            return LikelihoodRatio(r, 1.0, 0.0, other, False, params)
        z = r / (math.sqrt(n) * sigma)
        p = float(special.erfc(abs(z) / math.sqrt(2.0)))
        return LikelihoodRatio(r, p, z, other, False, params)

    # ------------------------------------------------------------ reporting
    def summary(self) -> str:
        """A readable multi-line summary."""
        kind = "discrete" if self.discrete else "continuous"
        support = f"[{self.xmin:g}, {'inf' if self.xmax is None else f'{self.xmax:g}'}]"
        lines = [f"Power law ({kind}) on {support}",
                 f"  alpha   = {self.alpha:.4f} +/- {self.alpha_stderr:.4f}",
                 f"  n_tail  = {self.n_tail} of {self.n}",
                 f"  xmin    = {self.xmin:g} ({'searched' if self.xmin_searched else 'fixed'})",
                 f"  KS D    = {self.ks:.4g}",
                 f"  loglik  = {self.loglik:.6g}"]
        if self.support_pvalue is not None:
            lines.append(f"  support p-value = {self.support_pvalue:.3g}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"PowerLawFit(alpha={self.alpha:.4g}, alpha_stderr={self.alpha_stderr:.2g}, "
                f"xmin={self.xmin:g}, xmax={self.xmax}, n_tail={self.n_tail}, "
                f"ks={self.ks:.3g})")

    def plot(self, ax=None, *, quantity="size", unit="events", path=None, **kwargs):
        """Plot the empirical CCDF of the tail and the fitted CCDF on log-log axes.

        The axes are labelled with the quantity and its unit ("avalanche size S (events)",
        "P(S >= s)"); log ticks are labelled at decades (at 1, 2 and 5 times powers
        of ten on an axis spanning less than two decades), minor ticks carry no labels.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axis to draw on; default: a new figure's axis.
        quantity : str, default "size"
            The avalanche quantity that was fitted: "size" (S) or "duration" (T).
        unit : str, default "events"
            Its unit, e.g. "events", "spikes", "bins", "steps".
        path : str or os.PathLike, optional
            Write the figure to ``path.png`` and the plotted points to ``path.csv``
            (columns series, kind ("data" or "fit"), x, ccdf), as `netaval.plot.ccdf` does.
        **kwargs
            Passed to the data's ``ax.plot`` call.

        Returns
        -------
        matplotlib Axes

        Examples
        --------
        >>> fit = netaval.stats.fit_power_law(
        ...     netaval.stats.sample_power_law(400, alpha=2.0, seed=1), xmin=1)
        >>> ax = fit.plot(quantity="duration", unit="bins")
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('avalanche duration T (bins)', 'P(T >= t)')
        """
        import pandas as pd

        from netaval import plot as _plot

        owner = "PowerLawFit.plot"
        for name, value in (("quantity", quantity), ("unit", unit)):
            _plot._check_text(owner, name, value)
        path = _plot._check_path(owner, path)
        new_figure = ax is None
        if new_figure:
            _, ax = _plot._pyplot().subplots(figsize=(5.5, 4.2))
        else:
            ax = _plot.axes(owner, ax)  # refuses anything but a matplotlib Axes
        values, ccdf = _plot._empirical_ccdf(self.tail)
        kwargs.setdefault("marker", ".")
        kwargs.setdefault("linestyle", "none")
        ax.plot(values, ccdf, label=f"data ({self.n_tail} values >= xmin = {self.xmin:g})",
                **kwargs)
        grid = (np.unique(np.geomspace(values[0], values[-1], 200).round())
                if self.discrete else np.geomspace(values[0], values[-1], 200))
        law = self.ccdf(grid)
        ax.plot(grid, law, "-",
                label=f"fit: exponent {self.alpha:.3f} +/- {self.alpha_stderr:.3f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        xlabel, ylabel = _plot._ccdf_labels(quantity, unit)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _plot._log_ticks(ax)
        ax.legend(fontsize=8)
        if new_figure:
            ax.figure.tight_layout()
        data = pd.DataFrame({"series": quantity, "kind": ["data"] * len(values) + ["fit"] * len(grid),
                             "x": np.concatenate([values, grid]),
                             "ccdf": np.concatenate([ccdf, law])})
        _plot._save(ax.figure, data, path)
        return ax


# ---------------------------------------------------------------- fitting core
def _sample(rng, n, alpha, xmin, xmax, discrete):
    b = -1.0 if xmax is None else float(xmax)
    if discrete:
        return _sample_discrete_power_law(rng, int(n), float(alpha), float(xmin), b)
    return _sample_continuous_power_law(rng, int(n), float(alpha), float(xmin), b)


def _fit(x_sorted, discrete, xmin, xmax, owner="fit_power_law") -> PowerLawFit:
    """Fit on sorted, validated data (no parameter checks)."""
    n = len(x_sorted)
    data = x_sorted
    if xmax is not None:
        x_sorted = x_sorted[x_sorted <= xmax]
    if xmin is not None:
        x_sorted = x_sorted[x_sorted >= xmin]
    if len(x_sorted) == 0:
        raise InvalidParameterError(f"{owner}: no data inside the support "
                                    f"[{xmin}, {xmax if xmax is not None else 'inf'}].")
    if discrete:
        return _fit_discrete(data, x_sorted, n, xmin, xmax, owner)
    return _fit_continuous(data, x_sorted, n, xmin, xmax, owner)


def _fit_discrete(data, x, n, xmin, xmax, owner) -> PowerLawFit:
    b, lo, hi = _bounds(xmax)
    values, counts = _unique_counts(x)
    searched = xmin is None
    if not searched and values[0] != xmin:
        values = np.concatenate([[float(xmin)], values])
        counts = np.concatenate([[0], counts])
    if len(values) < 2:
        raise InvalidParameterError(
            f"{owner} needs at least two distinct values in the support to fit an exponent. "
            f"Got only the value {values[0]:g}.")
    alphas, info, ks, _, best = _discrete_xmin_scan(
        values, counts, b, lo, hi, True, len(values) if searched else 1)
    if not searched:
        best = 0
    alpha = float(alphas[best])
    a = float(values[best])
    n_tail = int(counts[best:].sum())
    if alpha <= lo + 1e-8 or alpha >= hi - 1e-8:
        # every public caller reaches this through _fit: 4 names the user's line
        warnings.warn(f"{owner}: the exponent hit the bound of the search range [{lo}, {hi}] "
                      f"(alpha = {alpha:g}); the fit is not a power law.",
                      NetavalWarning, stacklevel=4)
    stderr = 1.0 / math.sqrt(n_tail * info[best]) if info[best] > 0 else float("inf")
    tail = x[x >= a]
    shift = alpha * math.log(a)
    log_z = math.log(_powsum0(alpha, a, b, shift)) - shift
    loglik = float(-alpha * np.log(tail).sum() - n_tail * log_z)
    scan = ({"xmin": values[:len(alphas)].copy(), "alpha": alphas, "ks": ks}
            if searched else {})
    return PowerLawFit(alpha=alpha, alpha_stderr=stderr, xmin=a, xmax=xmax, n_tail=n_tail, n=n,
                       ks=float(ks[best]), discrete=True, loglik=loglik,
                       xmin_searched=searched, data=data, scan=scan)


def _continuous_truncated_mle(tail, a, b):
    """Deluca & Corral truncated continuous MLE on [a, b]."""
    mean_log = float(np.log(tail).mean())
    log_r = math.log(a / b)

    def negll(t):
        c = t - 1.0
        if abs(c) < 1e-10:
            ll = -math.log(-log_r) - mean_log
        else:
            # 1 - r^c by expm1: no cancellation near alpha = 1 (c -> 0), where the
            # likelihood is flat and rounding noise would move the optimum by ~1e-5
            ll = math.log(c / -math.expm1(c * log_r)) - t * mean_log - (1.0 - t) * math.log(a)
        return -ll

    res = optimize.minimize_scalar(negll, bounds=(_ALPHA_LO_TRUNCATED, _ALPHA_HI),
                                   method="bounded", options={"xatol": 1e-10})
    t = float(res.x)
    h = 1e-4 * max(1.0, abs(t))
    curv = (negll(t + h) - 2 * negll(t) + negll(t - h)) / (h * h)
    return t, curv


def _fit_continuous(data, x, n, xmin, xmax, owner) -> PowerLawFit:
    searched = xmin is None
    if searched and xmax is not None:
        raise InvalidParameterError(
            f"{owner}: a continuous fit with xmax needs a fixed xmin; for a searched "
            "truncated support use fit_truncated_power_law (discrete data).")
    scan = {}
    if xmax is None:
        if searched:
            _, first = np.unique(x, return_index=True)
            cand = first[:-1].astype(np.int64)
            if len(cand) == 0:
                raise InvalidParameterError(f"{owner} needs at least two distinct values.")
            alphas, ks, _, best = _continuous_xmin_scan(x, cand, True)
            if best < 0:
                raise InvalidParameterError(f"{owner} found no usable xmin candidate.")
            a = float(x[cand[best]])
            scan = {"xmin": x[cand], "alpha": alphas, "ks": ks}
            d = float(ks[best])
            alpha = float(alphas[best])
        else:
            a = float(xmin)
            tail = x[x >= a]
            denom = np.log(tail / a).sum()
            if denom <= 0:
                raise InvalidParameterError(f"{owner} needs data above xmin to fit.")
            alpha = 1.0 + len(tail) / denom
            f = 1.0 - (tail / a) ** (1.0 - alpha)
            k = np.arange(len(tail))
            d = float(max(np.max(np.abs((k + 1) / len(tail) - f)),
                          np.max(np.abs(k / len(tail) - f))))
        tail = x[x >= a]
        n_tail = len(tail)
        stderr = (alpha - 1.0) / math.sqrt(n_tail)
    else:
        a = float(xmin)
        tail = x[(x >= a) & (x <= xmax)]
        n_tail = len(tail)
        alpha, curv = _continuous_truncated_mle(tail, a, float(xmax))
        stderr = 1.0 / math.sqrt(n_tail * curv) if curv > 0 else float("inf")
        d = float("nan")
    fit = PowerLawFit(alpha=alpha, alpha_stderr=stderr, xmin=a, xmax=xmax, n_tail=n_tail, n=n,
                      ks=d, discrete=False, loglik=0.0, xmin_searched=searched, data=data,
                      scan=scan)
    loglik = float(fit.logpdf(tail).sum())
    if xmax is not None:
        f = 1.0 - fit.ccdf(tail)
        k = np.arange(n_tail)
        d = float(max(np.max(np.abs((k + 1) / n_tail - f)), np.max(np.abs(k / n_tail - f))))
    return PowerLawFit(alpha=alpha, alpha_stderr=stderr, xmin=a, xmax=xmax, n_tail=n_tail, n=n,
                       ks=d, discrete=False, loglik=loglik, xmin_searched=searched, data=data,
                       scan=scan)


def fit_power_law(data, *, discrete=True, xmin=None, xmax=None):
    """Fit a power law by maximum likelihood, searching xmin by minimum KS distance.

    Parameters
    ----------
    data : array-like of float, shape (n,)
        Positive samples (integers >= 1 when ``discrete``), e.g. ``run.avalanches.size``.
    discrete : bool, default True
        Discrete law p(x) = x^(-alpha) / zeta(alpha, xmin) on the integers, with the exact
        Hurwitz-zeta normalisation (a finite sum on [xmin, xmax] when truncated), or the
        continuous density ((alpha - 1) / xmin) (x / xmin)^(-alpha).
    xmin : float, optional
        Lower end of the support. None (default): every distinct value but the largest is
        tried and the one minimising the Kolmogorov-Smirnov distance between the tail and
        its fit is kept (Clauset, Shalizi & Newman 2009). A number fixes it.
    xmax : float, optional
        Upper end of the support (truncated power law); None for an infinite support.

    Returns
    -------
    PowerLawFit

    Notes
    -----
    Discrete: the score equation E_alpha[ln X] = mean ln x is solved by safeguarded Newton
    steps on the exact likelihood; the xmin scan uses suffix sums over the sorted unique
    values and a KS loop that stops as soon as the answer can no longer change, all in
    one jitted kernel. KS is the supremum over all integers >= xmin.

    Examples
    --------
    >>> x = netaval.stats.sample_power_law(2000, alpha=2.5, xmin=1, seed=1)
    >>> fit = netaval.stats.fit_power_law(x, xmin=1)
    >>> round(fit.alpha, 2), fit.n_tail
    (2.5, 2000)
    """
    owner = "fit_power_law"
    check_param(owner, "discrete", discrete, Boolean())
    x = _check_data(owner, data, bool(discrete))
    check_param(owner, "xmin", xmin, Interval(numbers.Real, 0, None, "neither", allow_none=True))
    check_param(owner, "xmax", xmax, Interval(numbers.Real, 0, None, "neither", allow_none=True))
    for name, value in (("xmin", xmin), ("xmax", xmax)):
        if value is not None and not math.isfinite(float(value)):
            raise InvalidParameterError(f"The {name!r} parameter of {owner} must be finite "
                                        f"(xmax=None: no upper cut-off). Got {value!r}.")
    if xmin is not None and xmax is not None and xmax <= xmin:
        raise InvalidParameterError(f"The 'xmax' parameter of {owner} must exceed xmin={xmin}. "
                                    f"Got {xmax!r} instead.")
    if discrete:
        for name, value in (("xmin", xmin), ("xmax", xmax)):
            if value is not None and float(value) != math.floor(value):
                raise InvalidParameterError(f"The {name!r} parameter of {owner} must be an "
                                            f"integer when discrete=True. Got {value!r}.")
    return _fit(x, bool(discrete), None if xmin is None else float(xmin),
                None if xmax is None else float(xmax))


def sample_power_law(n, *, alpha, xmin=1, xmax=None, discrete=True, seed=None):
    """Exact samples of a (truncated) discrete or continuous power law.

    Parameters
    ----------
    n : int
        Number of samples.
    alpha : float
        Exponent (> 1 for an infinite support).
    xmin : float, default 1
    xmax : float, optional
        Upper end (inclusive); None for an infinite support.
    discrete : bool, default True
        Integers with P(x) = x^(-alpha) / Z, sampled by the exact inverse CDF (a search on
        Hurwitz-zeta tail sums), or the continuous density, by the inverse CDF.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> x = netaval.stats.sample_power_law(5, alpha=2.0, xmin=3, xmax=10, seed=0)
    >>> bool(np.all((x >= 3) & (x <= 10) & (x == np.round(x))))
    True
    """
    owner = "sample_power_law"
    rng = as_generator(seed, owner=owner)
    check_param(owner, "n", n, Interval(numbers.Integral, 0, _MAX_SAMPLE))
    check_param(owner, "discrete", discrete, Boolean())
    check_param(owner, "xmin", xmin, Interval(numbers.Real, 0, None, "neither"))
    check_param(owner, "xmax", xmax, Interval(numbers.Real, xmin, None, "left", allow_none=True))
    for name, value in (("xmin", xmin), ("xmax", xmax)):
        if value is not None and not math.isfinite(float(value)):
            raise InvalidParameterError(f"The {name!r} parameter of {owner} must be finite "
                                        f"(xmax=None: no upper cut-off). Got {value!r}.")
    low = 1.0 if xmax is None else None
    check_param(owner, "alpha", alpha, Interval(numbers.Real, low, None,
                                                "neither" if low is not None else "both"))
    if discrete and (xmin != math.floor(xmin) or (xmax is not None and xmax != math.floor(xmax))):
        raise InvalidParameterError(f"{owner}: xmin and xmax must be integers when discrete.")
    return _sample(rng, n, alpha, xmin, xmax, bool(discrete))


#: Largest sample `sample_power_law` draws (2**28 values, 2 GiB of float64).
_MAX_SAMPLE = 1 << 28


# ---------------------------------------------------------------- NCC support search
def fit_truncated_power_law(data, *, p_crit=0.2, n_samples=500, max_supports=None, seed=None):
    """NCC-style search of a truncated support [xmin, xmax] (Marshall et al. 2016).

    All pairs of distinct observed values (xmin, xmax), except adjacent ones, are ranked
    by ln(xmax / xmin), widest first; for each, alpha is fitted by the exact truncated
    discrete MLE and a KS p-value is computed from ``n_samples`` synthetic samples drawn
    from the fit and refitted on the same support. The first (widest) support with
    p >= ``p_crit`` is accepted. A support is abandoned early once the binomial chance
    of reaching p_crit falls below 1e-3 (Chernoff bound).

    Parameters
    ----------
    data : array-like of int, shape (n,)
    p_crit : float, default 0.2
    n_samples : int in [1, MAX_RESAMPLES], default 500
        Synthetic samples per support, at most 100 000 (Ctrl-C interrupts between
        supports).
    max_supports : int, optional
        Try at most this many supports (widest first); default: all.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    PowerLawFit
        With ``xmax`` set and ``support_pvalue`` the accepted support's p-value.

    Raises
    ------
    InvalidParameterError
        When no support reaches p_crit.

    Notes
    -----
    The NCC toolbox maximises the likelihood on a grid refined to 1e-3; here the exact
    optimum is found by Newton's method, which the grid approximates.

    Examples
    --------
    >>> x = netaval.stats.sample_power_law(300, alpha=1.5, xmin=1, xmax=50, seed=2)
    >>> fit = netaval.stats.fit_truncated_power_law(x, n_samples=50, seed=0)
    >>> fit.xmax is not None and fit.support_pvalue >= 0.2
    True
    """
    owner = "fit_truncated_power_law"
    rng = as_generator(seed, owner=owner)
    x = _check_data(owner, data, True)
    check_param(owner, "p_crit", p_crit, Interval(numbers.Real, 0, 1))
    check_param(owner, "n_samples", n_samples, Interval(numbers.Integral, 1, MAX_RESAMPLES))
    check_param(owner, "max_supports", max_supports,
                Interval(numbers.Integral, 1, allow_none=True))
    values, counts = _unique_counts(x)
    u = len(values)
    if u < 3:
        raise InvalidParameterError(f"{owner} needs at least three distinct values. Got {u}.")
    if u > 5000:
        raise InvalidParameterError(
            f"{owner}: {u} distinct values give {u * (u - 1) // 2} candidate supports (at "
            "most 5000 distinct values are supported); coarsen the data or fit a fixed "
            "support with fit_power_law(data, xmin=..., xmax=...).")
    i, j = np.triu_indices(u, k=2)
    width = np.log(values[j] / values[i])
    if max_supports is not None and max_supports < len(width):
        top = np.argpartition(-width, max_supports - 1)[:max_supports]
        i, j, width = i[top], j[top], width[top]
    order = np.lexsort((i, -width))
    cum = np.concatenate([[0], np.cumsum(counts)])
    for k in order:
        a, b = values[i[k]], values[j[k]]
        vals, cnts = values[i[k]:j[k] + 1], counts[i[k]:j[k] + 1]
        alphas, _, ks, _, _ = _discrete_xmin_scan(vals, cnts, float(b), _ALPHA_LO_TRUNCATED,
                                                  _ALPHA_HI, False, 1)
        n_sup = int(cum[j[k] + 1] - cum[i[k]])
        p, _, _, _ = _truncated_support_pvalue(rng, n_sup, float(alphas[0]), float(a),
                                               float(b), float(ks[0]), int(n_samples),
                                               float(p_crit), _ALPHA_LO_TRUNCATED, _ALPHA_HI)
        if p >= p_crit:
            fit = _fit(x, True, float(a), float(b), owner)
            return PowerLawFit(**{**fit.__dict__, "support_pvalue": float(p)})
    raise InvalidParameterError(f"{owner}: no support reached p >= {p_crit}.")


# ---------------------------------------------------------------- alternatives
def _log_diff_ndtr(lo, hi):
    """log(Phi(hi) - Phi(lo)) for lo < hi, stable in both tails."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    out = np.empty(lo.shape)
    upper = lo > 0
    # upper tail: Phi(-lo) - Phi(-hi)
    a, b = special.log_ndtr(-lo[upper]), special.log_ndtr(-hi[upper])
    out[upper] = a + np.log1p(-np.exp(b - a))
    a, b = special.log_ndtr(hi[~upper]), special.log_ndtr(lo[~upper])
    out[~upper] = a + np.log1p(-np.exp(b - a))
    return out


def _fit_lognormal(x, fit):
    # A discrete tail's likelihood depends only on its distinct values and their counts
    # (a few thousand values for millions of avalanches), so it is evaluated on those.
    if fit.discrete:
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    else:
        values, inverse, counts = x, None, None
    lx = np.log(x)
    lv = np.log(values)
    a, b = fit.xmin, (np.inf if fit.xmax is None else fit.xmax)

    def logpdf(params):
        mu, log_sigma = params
        sigma = math.exp(log_sigma)
        if fit.discrete:
            z = lambda y: (np.log(y) - mu) / sigma  # noqa: E731
            num = _log_diff_ndtr(z(values - 0.5), z(values + 0.5))
            den = _log_diff_ndtr(z(a - 0.5), z(b + 0.5) if np.isfinite(b) else np.inf)
        else:
            zz = (lv - mu) / sigma
            num = -lv - math.log(sigma) - 0.5 * math.log(2 * math.pi) - 0.5 * zz ** 2
            den = _log_diff_ndtr((math.log(a) - mu) / sigma,
                                 (math.log(b) - mu) / sigma if np.isfinite(b) else np.inf)
        return num - den

    def negll(params):
        # the mean, not the sum: Nelder-Mead's absolute fatol then means the same for any n
        terms = logpdf(params)
        value = -(terms @ counts if counts is not None else terms.sum()) / len(x)
        return value if np.isfinite(value) else 1e300

    start = np.array([lx.mean(), math.log(max(lx.std(), 1e-3))])
    res = optimize.minimize(negll, start, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    res = optimize.minimize(negll, res.x, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    per_value = logpdf(res.x)
    return (per_value if inverse is None else per_value[inverse]), \
        {"mu": float(res.x[0]), "sigma": float(math.exp(res.x[1]))}


def _fit_exponential(x, fit):
    a = fit.xmin
    excess = x - a
    if fit.discrete:
        k_max = None if fit.xmax is None else fit.xmax - a

        def logpdf(lam):
            # P(k) = (1 - q) q^k / (1 - q^(k_max + 1)), q = exp(-lam)
            log_norm = math.log(-math.expm1(-lam))
            if k_max is not None:
                log_norm -= math.log(-math.expm1(-lam * (k_max + 1)))
            return log_norm - lam * excess
    else:
        span = None if fit.xmax is None else fit.xmax - a

        def logpdf(lam):
            log_norm = math.log(lam)
            if span is not None:
                log_norm -= math.log(-math.expm1(-lam * span))
            return log_norm - lam * excess

    mean = max(float(excess.mean()), 1e-12)
    if fit.xmax is None:
        lam = math.log1p(1.0 / mean) if fit.discrete else 1.0 / mean
    else:
        res = optimize.minimize_scalar(lambda t: -np.sum(logpdf(math.exp(t))),
                                       bounds=(-30.0, 10.0), method="bounded",
                                       options={"xatol": 1e-10})
        lam = math.exp(res.x)
    return logpdf(lam), {"lambda": float(lam)}


def _cutoff_log_norm(alpha, lam, a, b, discrete):
    """log sum_{x=a}^{b} x^-alpha e^-lam x (discrete) or the integral (continuous)."""
    from scipy import integrate  # here: only this comparison needs it (0.03 s to import)

    def integral(lo, hi):
        f = lambda u: math.exp((1.0 - alpha) * u - lam * math.exp(u))  # noqa: E731
        hi_u = math.log(hi) if np.isfinite(hi) else math.log(lo) + 60.0
        if lam > 0:
            hi_u = min(hi_u, math.log(max(lo, (60.0 + abs(alpha) * 50) / lam)) + 1.0)
        if hi_u <= math.log(lo):
            return 0.0
        val, _ = integrate.quad(f, math.log(lo), hi_u, limit=200, epsabs=0, epsrel=1e-12)
        return val

    if not discrete:
        return math.log(integral(a, b))
    direct_end = min(b, a + 20000.0) if np.isfinite(b) else a + 20000.0
    k = np.arange(a, direct_end + 1.0)
    log_terms = -alpha * np.log(k) - lam * k
    top = log_terms.max()
    total = math.exp(top) * np.exp(log_terms - top).sum()
    if not np.isfinite(b) or b > direct_end:
        if lam == 0 and alpha <= 1 and not np.isfinite(b):
            return math.inf
        total += integral(direct_end + 0.5, (b + 0.5) if np.isfinite(b) else np.inf)
    return math.log(total)


def _fit_cutoff(x, fit):
    a, b = fit.xmin, (np.inf if fit.xmax is None else fit.xmax)
    lx, sum_lx, sum_x, n = np.log(x), float(np.log(x).sum()), float(x.sum()), len(x)

    def negll(params):
        alpha, lam = params[0], math.exp(params[1])
        log_c = _cutoff_log_norm(alpha, lam, a, b, fit.discrete)
        value = alpha * sum_lx + lam * sum_x + n * log_c
        return value if np.isfinite(value) else 1e300

    best = None
    for lam0 in (1.0 / x.max(), 10.0 / x.max(), 0.1 / x.mean()):
        start = np.array([max(fit.alpha - 0.2, 0.0), math.log(lam0)])
        res = optimize.minimize(negll, start, method="Nelder-Mead",
                                options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 3000})
        if best is None or res.fun < best.fun:
            best = res
    alpha, lam = float(best.x[0]), float(math.exp(best.x[1]))
    ll_cut = -best.fun
    if ll_cut < fit.loglik:  # the power law is nested (lambda -> 0)
        alpha, lam = fit.alpha, 0.0
        return fit.logpdf(x), {"alpha": alpha, "lambda": lam}
    log_c = _cutoff_log_norm(alpha, lam, a, b, fit.discrete)
    return -alpha * lx - lam * x - log_c, {"alpha": alpha, "lambda": lam}
