"""Tests for netaval.stats power-law fits: exact samplers, MLE recovery, xmin, GoF, LR, peers."""

import math
import warnings

import numpy as np
import pytest
from scipy import special, stats

from netaval._kernels.stats import _powsum, _powsum0
from netaval.errors import InvalidParameterError, NetavalWarning
from netaval.stats import fit_power_law, fit_truncated_power_law, sample_power_law
from tests.stats import (
    assert_mean_within_z,
    assert_stderr_matches_spread,
    assert_uniform,
    assert_within_z,
)

Z = 4.0


# ---------------------------------------------------------------- power sums
@pytest.mark.parametrize("s", [1.01, 1.5, 2.5, 4.0, 7.0], ids=lambda s: f"s={s}")
@pytest.mark.parametrize("a", [1, 3, 15, 16, 17, 250, 1e6], ids=lambda a: f"a={a:g}")
def test_powsum_matches_hurwitz_zeta(s, a):
    """Infinite power sums equal scipy.special.zeta(s, a) to 1e-13."""
    ref = special.zeta(s, a)
    assert _powsum(s, float(a), -1.0)[0] == pytest.approx(ref, rel=1e-13)
    assert _powsum0(s, float(a), -1.0) == pytest.approx(ref, rel=1e-13)


@pytest.mark.parametrize("s", [-1.0, 0.0, 0.999, 1.0, 1.5, 3.0], ids=lambda s: f"s={s}")
@pytest.mark.parametrize("a, b", [(1, 10), (3, 1000), (20, 5000), (7, 77777)],
                         ids=["1-10", "3-1000", "20-5000", "7-77777"])
def test_powsum_finite_and_derivatives_match_direct_sum(s, a, b):
    """Finite sums and both s-derivatives equal the direct sums (also at s = 1)."""
    k = np.arange(a, b + 1, dtype=float)
    ref = [np.sum(k ** -s), -np.sum(np.log(k) * k ** -s), np.sum(np.log(k) ** 2 * k ** -s)]
    got = _powsum(s, float(a), float(b))
    for g, r in zip(got, ref, strict=True):
        assert g == pytest.approx(r, rel=1e-12)
    assert _powsum0(s, float(a), float(b)) == pytest.approx(ref[0], rel=1e-12)


@pytest.mark.parametrize("s, a, b", [(2.5, 50.0, -1.0), (1.2, 3.0, 900.0), (7.0, 1e6, -1.0)])
def test_shifted_powsum_scales_every_term(s, a, b):
    """A shift multiplies Z and both derivatives by exp(shift), to 1e-12."""
    plain = _powsum(s, a, b)
    shifted = _powsum(s, a, b, s * math.log(a))
    for p, q in zip(plain, shifted, strict=True):
        assert q == pytest.approx(p * a ** s, rel=1e-12)


@pytest.mark.parametrize("s, a", [(12.0, 1e30), (40.0, 1e12), (3.0, 1e200)])
def test_shifted_powsum_ratios_stay_finite_far_below_the_smallest_float(s, a):
    """Where Z underflows to 0, the shifted ratio E[ln X] = -Z'/Z still equals its large-a
    limit ln(a) + 1/(s - 1) (the continuous law), up to O(1/a)."""
    assert _powsum(s, a, -1.0)[0] == 0.0 or a ** -s > 0.0
    z0, z1, _ = _powsum(s, a, -1.0, s * math.log(a))
    assert -z1 / z0 == pytest.approx(math.log(a) + 1.0 / (s - 1.0), rel=1e-9)


def test_gof_of_a_heavy_tail_with_astronomical_synthetic_samples():
    """alpha < 2: bootstrap samples reach 1e30 and beyond; the GoF p-value is a number."""
    x = sample_power_law(3000, alpha=1.5, xmin=1, seed=5)
    fit = fit_power_law(x)
    p = fit.gof_pvalue(20, seed=0)
    assert 0.0 <= p <= 1.0


# ---------------------------------------------------------------- exact samplers
@pytest.mark.parametrize("alpha, xmin, xmax", [(2.5, 1, None), (1.5, 2, 30), (0.5, 1, 8),
                                               (3.2, 5, None)],
                         ids=["inf-2.5", "trunc-1.5", "trunc-0.5", "inf-xmin5"])
def test_discrete_sampler_is_exact(alpha, xmin, xmax):
    """Chi-square goodness of fit of 20000 draws against the exact pmf (p > 0.001)."""
    n = 20000
    x = sample_power_law(n, alpha=alpha, xmin=xmin, xmax=xmax, seed=11)
    assert np.all(x >= xmin) and np.all(x == np.round(x))
    if xmax is not None:
        assert np.all(x <= xmax)
    b = -1.0 if xmax is None else float(xmax)
    z = _powsum0(alpha, float(xmin), b)
    # cells: each value until the expected count drops below 20, then one tail cell
    edges, expected = [], []
    v = xmin
    while xmax is None or v <= xmax:
        e = n * v ** -alpha / z
        if e < 20 or (xmax is not None and v == xmax):
            break
        edges.append(v)
        expected.append(e)
        v += 1
    observed = [np.count_nonzero(x == e) for e in edges]
    observed.append(np.count_nonzero(x >= v))
    expected.append(n - sum(expected))
    p = stats.chisquare(observed, expected).pvalue
    assert p > 1e-3, f"chi-square p = {p:.3g}"


def test_sampler_seeded():
    """Same seed, same samples; different seeds differ."""
    a = sample_power_law(50, alpha=2.0, seed=3)
    assert np.array_equal(a, sample_power_law(50, alpha=2.0, seed=3))
    assert not np.array_equal(a, sample_power_law(50, alpha=2.0, seed=4))


# ---------------------------------------------------------------- MLE recovery
@pytest.mark.parametrize("alpha, xmin, xmax, discrete", [
    (2.5, 1, None, True), (1.7, 3, None, True), (1.5, 1, 100, True), (0.8, 2, 50, True),
    (2.2, 1.0, None, False), (1.5, 1.0, 30.0, False)],
    ids=["disc-2.5", "disc-1.7-xmin3", "trunc-1.5", "trunc-0.8", "cont-2.2", "cont-trunc-1.5"])
def test_alpha_recovered_within_stderr(alpha, xmin, xmax, discrete, seed):
    """Fixed-support MLE is within z = 4 reported standard errors of the true exponent."""
    x = sample_power_law(4000, alpha=alpha, xmin=xmin, xmax=xmax, discrete=discrete, seed=seed)
    fit = fit_power_law(x, discrete=discrete, xmin=xmin, xmax=xmax)
    assert fit.n_tail == 4000 and fit.xmin == xmin
    assert_within_z(fit.alpha, alpha, fit.alpha_stderr, z=Z, what="alpha")


def test_discrete_stderr_is_fisher_information():
    """Discrete stderr = 1/sqrt(n Var[ln X]) computed with scipy's zeta by differences."""
    x = sample_power_law(1000, alpha=2.0, xmin=2, seed=5)
    fit = fit_power_law(x, xmin=2)
    h = 1e-4
    lz = lambda s: math.log(special.zeta(s, 2))  # noqa: E731
    var = (lz(fit.alpha + h) - 2 * lz(fit.alpha) + lz(fit.alpha - h)) / h ** 2
    assert fit.alpha_stderr == pytest.approx(1 / math.sqrt(1000 * var), rel=1e-4)


def test_mle_is_the_likelihood_maximum():
    """The fitted alpha maximises the exact Hurwitz-zeta log-likelihood (scipy)."""
    x = sample_power_law(500, alpha=1.8, xmin=1, seed=9)
    fit = fit_power_law(x, xmin=1)
    ll = lambda a: -len(x) * math.log(special.zeta(a, 1)) - a * np.log(x).sum()  # noqa: E731
    assert ll(fit.alpha) == pytest.approx(fit.loglik, rel=1e-12)
    assert ll(fit.alpha) >= max(ll(fit.alpha - 1e-5), ll(fit.alpha + 1e-5))


def _brute_ks(x, alpha, xmin):
    """sup over integers x >= xmin of |S(x) - P(X <= x)|, by scipy's zeta on a grid."""
    tail = np.sort(x[x >= xmin])
    grid = np.arange(xmin, tail.max() + 1)
    emp = np.searchsorted(tail, grid, side="right") / len(tail)
    model = 1 - special.zeta(alpha, grid + 1) / special.zeta(alpha, xmin)
    return np.max(np.abs(emp - model))


def test_ks_matches_brute_force_and_xmin_is_the_argmin():
    """KS per candidate equals the brute-force supremum; the chosen xmin minimises it."""
    rng = np.random.default_rng(2)
    x = np.concatenate([sample_power_law(400, alpha=2.3, xmin=6, seed=2),
                        rng.integers(1, 6, 200).astype(float)])
    fit = fit_power_law(x)
    brute = [_brute_ks(x, a, m) for m, a in zip(fit.scan["xmin"], fit.scan["alpha"],
                                                 strict=True)]
    assert fit.ks == pytest.approx(_brute_ks(x, fit.alpha, fit.xmin), abs=1e-12)
    assert fit.xmin == fit.scan["xmin"][int(np.argmin(brute))]
    exact = np.isclose(fit.scan["ks"], brute, atol=1e-12)
    assert np.all(exact | (fit.scan["ks"] <= np.array(brute) + 1e-12))  # pruned: lower bounds


def test_ks_supremum_at_a_left_limit():
    """With a gap in the data the KS supremum sits just below 10, at |F(9) - S(9)|.

    Half the values at 1, half at 10 (xmin = 1 fixed): the empirical CDF is flat at 0.5 on
    2..9 while the model's rises, so the largest deviation is the left limit at 10, which
    neither observed value's right limit (|S - F| at 1 or at 10) reaches.
    """
    x = np.array([1.0] * 50 + [10.0] * 50)
    fit = fit_power_law(x, xmin=1)
    cdf = lambda k: 1 - special.zeta(fit.alpha, k + 1) / special.zeta(fit.alpha, 1)  # noqa: E731
    assert fit.ks == pytest.approx(_brute_ks(x, fit.alpha, 1), abs=1e-12)
    assert fit.ks == pytest.approx(abs(0.5 - cdf(9)), abs=1e-12)
    assert fit.ks > max(abs(0.5 - cdf(1)), abs(1 - cdf(10))) + 0.1


@pytest.mark.parametrize("seed_", [0, 1, 2], ids=["s0", "s1", "s2"])
def test_xmin_search_recovers_tail_exponent(seed_):
    """Uniform body below 10, power law above: alpha within z stderr, xmin near 10."""
    tail = sample_power_law(3000, alpha=2.5, xmin=10, seed=seed_)
    body = np.random.default_rng(seed_).integers(1, 10, 2000).astype(float)
    fit = fit_power_law(np.concatenate([tail, body]))
    assert fit.xmin >= 10
    assert_within_z(fit.alpha, 2.5, fit.alpha_stderr, z=Z, what="alpha")


# ---------------------------------------------------------------- peers
@pytest.fixture(scope="module")
def powerlaw_module():
    return pytest.importorskip("powerlaw")


@pytest.mark.parametrize("alpha, xmin", [(2.5, 1), (1.8, 4), (3.0, 2)],
                         ids=["2.5", "1.8-xmin4", "3.0-xmin2"])
def test_discrete_alpha_matches_powerlaw_package(powerlaw_module, alpha, xmin):
    """Same data, same xmin: exponent equals powerlaw's exact discrete MLE to 1e-3."""
    x = sample_power_law(3000, alpha=alpha, xmin=xmin, seed=21)
    ours = fit_power_law(x, xmin=xmin)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = powerlaw_module.Fit(x, discrete=True, xmin=xmin, estimate_discrete=False,
                                   verbose=0)
        peer_alpha = peer.power_law.alpha
    assert abs(ours.alpha - peer_alpha) < 1e-3


def test_continuous_alpha_and_xmin_match_powerlaw_package(powerlaw_module):
    """Continuous data: same xmin search result and exponent as powerlaw."""
    x = sample_power_law(800, alpha=2.2, xmin=1.0, discrete=False, seed=4)
    ours = fit_power_law(x, discrete=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = powerlaw_module.Fit(x, discrete=False, verbose=0)
    assert ours.xmin == pytest.approx(peer.xmin)
    assert abs(ours.alpha - peer.power_law.alpha) < 1e-3


@pytest.mark.parametrize("alternative", ["exponential", "lognormal", "truncated_power_law"])
def test_likelihood_ratio_matches_powerlaw_package(powerlaw_module, alternative):
    """R and p (Vuong, or chi2 for the nested cut-off) equal powerlaw's distribution_compare."""
    x = sample_power_law(3000, alpha=2.2, xmin=1, seed=8)
    ours = fit_power_law(x, xmin=1).compare(alternative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = powerlaw_module.Fit(x, discrete=True, xmin=1, estimate_discrete=False, verbose=0)
        r, p = peer.distribution_compare("power_law", alternative, normalized_ratio=False)
    assert ours.R == pytest.approx(r, rel=2e-3, abs=0.05)
    assert ours.p == pytest.approx(p, rel=2e-2, abs=1e-3)


# ---------------------------------------------------------------- comparisons, GoF
def test_compare_favours_the_true_model():
    """Power-law data beat the exponential; log-normal data beat the power law."""
    pl = fit_power_law(sample_power_law(3000, alpha=2.0, xmin=1, seed=1), xmin=1)
    lr = pl.compare("exponential")
    assert lr.R > 0 and lr.p < 1e-3 and not lr.nested
    rng = np.random.default_rng(3)
    ln = np.floor(np.exp(rng.normal(2.0, 0.8, 4000))) + 1
    lr = fit_power_law(ln, xmin=1).compare("lognormal")
    assert lr.R < 0 and lr.p < 1e-3
    cut = fit_power_law(ln, xmin=1).compare("truncated_power_law")
    assert cut.nested and cut.R < 0 and cut.p < 1e-3
    assert "lognormal" in str(lr)


def test_gof_pvalue_small_for_lognormal_and_seeded():
    """Log-normal data: GoF p-value is 0 over 30 bootstraps; same seed, same p."""
    rng = np.random.default_rng(1)
    x = np.floor(np.exp(rng.normal(2.0, 1.0, 2000))) + 1
    fit = fit_power_law(x, xmin=1)
    assert fit.gof_pvalue(30, seed=1) == 0.0
    searched = fit_power_law(x)
    assert searched.gof_pvalue(20, seed=2) == searched.gof_pvalue(20, seed=2)


def test_gof_pvalue_not_small_for_power_law():
    """Power-law data with searched xmin: p above 0.1 (the Clauset rejection level)."""
    x = sample_power_law(1000, alpha=2.5, xmin=1, seed=7)
    assert fit_power_law(x).gof_pvalue(40, seed=0) > 0.1


# ---------------------------------------------------------------- NCC search
def test_truncated_support_search_finds_wide_support():
    """Truncated power-law data: an accepted support covering most of the data."""
    x = sample_power_law(400, alpha=1.5, xmin=1, xmax=60, seed=3)
    fit = fit_truncated_power_law(x, n_samples=40, seed=0)
    assert fit.xmax is not None and fit.support_pvalue >= 0.2
    assert_within_z(fit.alpha, 1.5, fit.alpha_stderr, z=Z, what="alpha")
    assert fit.n_tail >= 0.5 * len(x)


def test_truncated_support_search_errors():
    """Too few distinct values or no acceptable support raise InvalidParameterError."""
    with pytest.raises(InvalidParameterError, match="three"):
        fit_truncated_power_law([1, 2, 2, 1])
    with pytest.raises(InvalidParameterError, match="p_crit"):
        fit_truncated_power_law([1, 2, 3, 4], p_crit=1.5)


# ---------------------------------------------------------------- API, errors, output
@pytest.mark.parametrize("kwargs, match", [
    (dict(data=[1, 2, np.nan]), "finite"),
    (dict(data=[1, 0, 3]), "positive"),
    (dict(data=[1, 2.5, 3]), "integers"),
    (dict(data=[1, 2, 3], xmin=3, xmax=2), "xmax"),
    (dict(data=[1, 2, 3], xmin=1.5), "integer"),
    (dict(data=[2, 2, 2]), "two distinct"),
    (dict(data=[1, 2, 3], xmin=10), "no data"),
    (dict(data=[], xmin=1), "empty"),
    (dict(data=[1, 2, 3], discrete="yes"), "discrete"),
], ids=["nan", "zero", "non-integer", "xmax-below", "xmin-fraction", "one-value",
        "empty-tail", "empty", "discrete-type"])
def test_invalid_input_raises(kwargs, match):
    """Bad data or parameters raise InvalidParameterError with a useful message."""
    kwargs = dict(kwargs)  # the parameter dict is shared: a rerun in one process needs it intact
    data = kwargs.pop("data")
    with pytest.raises(InvalidParameterError, match=match):
        fit_power_law(data, **kwargs)


def test_summary_repr_and_plot():
    """The summary is readable and plot draws data and fit on a given axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fit = fit_power_law(sample_power_law(500, alpha=2.0, seed=1))
    text = str(fit)
    assert "alpha" in text and "xmin" in text and "searched" in text
    assert "PowerLawFit(alpha=" in repr(fit)
    fig, ax = plt.subplots()
    assert fit.plot(ax=ax) is ax
    assert len(ax.lines) == 2 and ax.get_xscale() == "log"
    plt.close(fig)


def test_ccdf_and_logpdf_normalised():
    """Discrete pmf sums to 1 over a truncated support; ccdf(xmin) = 1."""
    fit = fit_power_law(sample_power_law(300, alpha=1.2, xmin=2, xmax=40, seed=0),
                        xmin=2, xmax=40)
    k = np.arange(2, 41)
    assert np.exp(fit.logpdf(k)).sum() == pytest.approx(1.0, rel=1e-12)
    assert fit.ccdf(2)[0] == pytest.approx(1.0)


# ---------------------------------------------------------------- slow statistical checks
@pytest.mark.slow
@pytest.mark.parametrize("alpha, xmax", [(2.5, None), (1.5, 200)], ids=["inf", "trunc"])
def test_reported_stderr_matches_replicate_spread(alpha, xmax):
    """Over 200 replicates the spread of alpha matches the reported stderr (z = 4)."""
    fits = [fit_power_law(sample_power_law(500, alpha=alpha, xmax=xmax, seed=s), xmin=1,
                          xmax=xmax) for s in range(200)]
    alphas = [f.alpha for f in fits]
    assert_stderr_matches_spread(alphas, [f.alpha_stderr for f in fits], z=Z)
    assert_mean_within_z(alphas, alpha, z=Z, what="mean alpha")


@pytest.mark.slow
def test_gof_pvalues_roughly_uniform_under_the_null():
    """Fixed-xmin GoF p-values of exact power-law samples are uniform (KS p > 0.01)."""
    pvalues = [fit_power_law(sample_power_law(300, alpha=2.2, seed=s), xmin=1)
               .gof_pvalue(100, seed=1000 + s) for s in range(100)]
    assert_uniform(pvalues, level=0.01)


# ---------------------------------------------------------------- helpers fail when wrong
def test_helper_within_z_fails_on_wrong_value():
    """assert_within_z rejects an expected value 5 stderr away."""
    with pytest.raises(AssertionError):
        assert_within_z(2.5, 2.55, 0.01, z=4)


def test_helper_mean_fails_on_wrong_value():
    """assert_mean_within_z rejects a wrong mean."""
    x = np.random.default_rng(0).normal(0.0, 1.0, 1000)
    with pytest.raises(AssertionError):
        assert_mean_within_z(x, 0.3)


def test_helper_stderr_spread_fails_on_wrong_stderr():
    """assert_stderr_matches_spread rejects a stderr half the true spread."""
    x = np.random.default_rng(0).normal(0.0, 1.0, 400)
    assert_stderr_matches_spread(x, np.full(400, 1.0))
    with pytest.raises(AssertionError):
        assert_stderr_matches_spread(x, np.full(400, 0.5))


def test_helper_uniform_fails_on_skewed_pvalues():
    """assert_uniform rejects p-values piled up near zero."""
    p = np.random.default_rng(0).uniform(size=300)
    assert_uniform(p)
    with pytest.raises(AssertionError):
        assert_uniform(p ** 3)


# ---------------------------------------------------------------- pinned exactly
# Written from mutation testing (tests/mutation/stats_power_law.md): the messages, the
# printed outputs and the model functions are checked against exact values computed
# independently (scipy's zeta, distributions and quadrature), not against the code itself.
_MESSAGES = [
    (lambda: fit_power_law([1, 0, 3]),
     "The 'data' parameter of fit_power_law must be positive. Got 0.0."),
    (lambda: fit_power_law([1, 2.5, 3]),
     "The 'data' parameter of fit_power_law must hold integers >= 1 when discrete=True. "
     "Got 2.5; pass discrete=False for continuous data."),
    (lambda: fit_power_law([1, 2, 3], xmin=float("inf")),
     "The 'xmin' parameter of fit_power_law must be finite (xmax=None: no upper cut-off). "
     "Got inf."),
    (lambda: fit_power_law([1, 2, 3], xmax=float("inf")),
     "The 'xmax' parameter of fit_power_law must be finite (xmax=None: no upper cut-off). "
     "Got inf."),
    (lambda: fit_power_law([1, 2, 3], xmin=3, xmax=2),
     "The 'xmax' parameter of fit_power_law must exceed xmin=3. Got 2 instead."),
    (lambda: fit_power_law([1, 2, 3], xmin=3, xmax=3),
     "The 'xmax' parameter of fit_power_law must exceed xmin=3. Got 3 instead."),
    (lambda: fit_power_law([1, 2, 3], xmin=1.5),
     "The 'xmin' parameter of fit_power_law must be an integer when discrete=True. Got 1.5."),
    (lambda: fit_power_law([1, 2, 3], xmax=5.5),
     "The 'xmax' parameter of fit_power_law must be an integer when discrete=True. Got 5.5."),
    (lambda: fit_power_law([1, 2, 3], xmin=10),
     "fit_power_law: no data inside the support [10.0, inf]."),
    (lambda: fit_power_law([4, 5, 6], xmin=1, xmax=3),
     "fit_power_law: no data inside the support [1.0, 3.0]."),
    (lambda: fit_power_law([2, 2, 2]),
     "fit_power_law needs at least two distinct values in the support to fit an exponent. "
     "Got only the value 2."),
    (lambda: fit_power_law([2, 2, 2], discrete=False),
     "fit_power_law needs at least two distinct values."),
    (lambda: fit_power_law([2, 2, 2], xmin=2, discrete=False),
     "fit_power_law needs data above xmin to fit."),
    (lambda: fit_power_law([2, 3, 2], xmax=5, discrete=False),
     "fit_power_law: a continuous fit with xmax needs a fixed xmin; for a searched truncated "
     "support use fit_truncated_power_law (discrete data)."),
    (lambda: sample_power_law(3, alpha=2, xmin=1.5),
     "sample_power_law: xmin and xmax must be integers when discrete."),
    (lambda: sample_power_law(3, alpha=2, xmax=5.5),
     "sample_power_law: xmin and xmax must be integers when discrete."),
    (lambda: sample_power_law(3, alpha=1),
     "The 'alpha' parameter of sample_power_law must be a float in the range (1.0, inf). "
     "Got 1 instead."),
    (lambda: sample_power_law(3, alpha=2, xmin=3, xmax=2),
     "The 'xmax' parameter of sample_power_law must be a float in the range [3, inf) or None. "
     "Got 2 instead."),
    (lambda: sample_power_law(3, alpha=2, xmin=0),
     "The 'xmin' parameter of sample_power_law must be a float in the range (0, inf). "
     "Got 0 instead."),
    (lambda: sample_power_law(3, alpha=2, xmin=3, xmax=float("inf")),
     "The 'xmax' parameter of sample_power_law must be finite (xmax=None: no upper cut-off). "
     "Got inf."),
    (lambda: sample_power_law(3, alpha=2, xmin=float("inf")),
     "The 'xmin' parameter of sample_power_law must be finite (xmax=None: no upper cut-off). "
     "Got inf."),
    (lambda: sample_power_law(-1, alpha=2),
     "The 'n' parameter of sample_power_law must be an int in the range [0, 268435456]. "
     "Got -1 instead."),
    (lambda: fit_truncated_power_law([1, 2, 2, 1]),
     "fit_truncated_power_law needs at least three distinct values. Got 2."),
    (lambda: fit_truncated_power_law(np.arange(1, 5002)),
     "fit_truncated_power_law: 5001 distinct values give 12502500 candidate supports (at most "
     "5000 distinct values are supported); coarsen the data or fit a fixed support with "
     "fit_power_law(data, xmin=..., xmax=...)."),
    (lambda: fit_truncated_power_law([1, 2, 3, 4], max_supports=0),
     "The 'max_supports' parameter of fit_truncated_power_law must be an int in the range "
     "[1, inf) or None. Got 0 instead."),
    (lambda: fit_truncated_power_law([1, 2, 3, 4], n_samples=0),
     "The 'n_samples' parameter of fit_truncated_power_law must be an int in the range "
     "[1, 100000]. Got 0 instead."),
    (lambda: fit_truncated_power_law([1, 2, 3, 4], p_crit=-0.1),
     "The 'p_crit' parameter of fit_truncated_power_law must be a float in the range [0, 1]. "
     "Got -0.1 instead."),
    (lambda: fit_truncated_power_law([1, 0, 3, 4]),
     "The 'data' parameter of fit_truncated_power_law must be positive. Got 0.0."),
    (lambda: fit_truncated_power_law([1, 2, 3.5, 4]),
     "The 'data' parameter of fit_truncated_power_law must hold integers >= 1 when "
     "discrete=True. Got 3.5; pass discrete=False for continuous data."),
    (lambda: fit_power_law([1, 2, 3]).logpdf("abc"),
     "The 'x' parameter of PowerLawFit.logpdf must be array-like of numbers. Got str."),
    (lambda: fit_power_law([1, 2, 3]).ccdf([1, np.nan]),
     "The 'x' parameter of PowerLawFit.ccdf must be finite. Got nan."),
    (lambda: fit_power_law([1, 2, 3]).logpdf([[1.0], [-np.inf]]),
     "The 'x' parameter of PowerLawFit.logpdf must be finite. Got -inf."),
    (lambda: fit_power_law([1, 2, 3]).compare("pareto"),
     "The 'other' parameter of PowerLawFit.compare must be one of 'exponential', 'lognormal', "
     "'truncated_power_law'. Got 'pareto' instead."),
    (lambda: fit_power_law([1, 2, 3]).gof_pvalue(0),
     "The 'n_boot' parameter of PowerLawFit.gof_pvalue must be an int in the range "
     "[1, 100000]. Got 0 instead."),
]


@pytest.mark.parametrize("call, message", _MESSAGES, ids=[f"m{i}" for i in range(len(_MESSAGES))])
def test_messages_are_exact(call, message):
    """Each refusal names the parameter, the function and the offending value, exactly."""
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert str(info.value) == message


def test_boundary_values_are_accepted():
    """The edges the messages promise: xmax = xmin samples one value; alpha <= 1 with xmax."""
    assert np.array_equal(sample_power_law(4, alpha=2.0, xmin=3, xmax=3, seed=0), [3.0] * 4)
    x = sample_power_law(200, alpha=0.5, xmin=1, xmax=20, seed=0)
    assert x.min() >= 1 and x.max() <= 20 and len(np.unique(x)) > 5
    assert len(sample_power_law(0, alpha=2.0, seed=0)) == 0
    assert len(sample_power_law(3, alpha=2.0, xmin=1.5, discrete=False, seed=0)) == 3
    fit = fit_power_law([1.5, 2.0, 3.0, 7.25], xmin=1.5, discrete=False)
    assert fit.xmin == 1.5 and fit.n_tail == 4


def test_fit_warns_when_alpha_hits_the_search_bound():
    """An exponent pinned at the range's end warns with the range and the value; a fit
    strictly inside the range does not warn."""
    with pytest.warns(NetavalWarning) as record:
        fit = fit_power_law([1] + [2] * 1000, xmin=1, xmax=2)
    assert fit.alpha == -5.0
    assert [str(w.message) for w in record] == [
        "fit_power_law: the exponent hit the bound of the search range [-5.0, 50.0] "
        "(alpha = -5); the fit is not a power law."]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_power_law([1] * 30 + [2] * 20, xmin=1, xmax=2)
    assert fit.alpha == pytest.approx(math.log2(1.5), rel=1e-9)  # 2^-alpha = 20/30


def test_summary_and_repr_are_exact():
    """The printed summary and repr, line by line, for an untruncated and a truncated fit."""
    fit = fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13], xmin=1)
    assert fit.summary() == ("Power law (discrete) on [1, inf]\n"
                             "  alpha   = 1.6951 +/- 0.2395\n"
                             "  n_tail  = 9 of 9\n"
                             "  xmin    = 1 (fixed)\n"
                             "  KS D    = 0.1511\n"
                             "  loglik  = -21.335")
    assert str(fit) == fit.summary()
    assert repr(fit) == ("PowerLawFit(alpha=1.695, alpha_stderr=0.24, xmin=1, xmax=None, "
                         "n_tail=9, ks=0.151)")
    cont = fit_power_law([1.5, 2.0, 3.0, 7.25, 2.5], xmin=1.5, xmax=8.0, discrete=False)
    lines = cont.summary().split("\n")
    assert lines[0] == "Power law (continuous) on [1.5, 8]"
    searched = fit_power_law(sample_power_law(300, alpha=2.0, seed=1))
    assert searched.summary().split("\n")[3].endswith("(searched)")
    trunc = fit_truncated_power_law(sample_power_law(200, alpha=1.5, xmax=30, seed=2),
                                    n_samples=20, seed=0)
    assert trunc.summary().split("\n")[-1] == f"  support p-value = {trunc.support_pvalue:.3g}"
    assert len(trunc.summary().split("\n")) == 7 and len(lines) == 6


def test_likelihood_ratio_str_is_exact():
    """R > 0 favours the power law, R <= 0 the alternative; nested and Vuong are named."""
    from netaval.stats.power_law import LikelihoodRatio

    assert str(LikelihoodRatio(2.5, 0.01, 1.2, "exponential", False)) == (
        "power law vs exponential: R = 2.5, p = 0.01 (Vuong; favours power law)")
    assert str(LikelihoodRatio(-1.25, 0.0952, float("nan"), "truncated_power_law", True)) == (
        "power law vs truncated_power_law: R = -1.25, p = 0.0952 (nested, chi2(1); favours "
        "truncated_power_law)")
    assert str(LikelihoodRatio(0.0, 1.0, 0.0, "lognormal", False)).endswith("favours lognormal)")
