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
    assert not np.all(exact)  # the KS loops of hopeless candidates stop early


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
    (lambda: fit_power_law([]), "The 'data' parameter of fit_power_law must not be empty."),
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
    (lambda: fit_power_law([1, 2, 3], xmin=0),
     "The 'xmin' parameter of fit_power_law must be a float in the range (0, inf) or None. "
     "Got 0 instead."),
    (lambda: fit_power_law([1, 2, 3], xmax=0),
     "The 'xmax' parameter of fit_power_law must be a float in the range (0, inf) or None. "
     "Got 0 instead."),
    (lambda: fit_power_law([1, 2, 3], discrete=1),
     "The 'discrete' parameter of fit_power_law must be a bool. Got 1 instead."),
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
    (lambda: sample_power_law(3, alpha=2.0, discrete="yes"),
     "The 'discrete' parameter of sample_power_law must be a bool. Got 'yes' instead."),
    (lambda: fit_power_law([1, 2, 3]).gof_pvalue(3, seed="x"),
     "The 'seed' parameter of PowerLawFit.gof_pvalue must be None, a non-negative int, a numpy "
     "SeedSequence or a numpy Generator. Got 'x' instead."),
    (lambda: fit_power_law([1, 2, 3]).plot(quantity=5),
     "The 'quantity' parameter of PowerLawFit.plot must be a str. Got 5 instead."),
    (lambda: fit_power_law([1, 2, 3]).plot(path=3),
     "The 'path' parameter of PowerLawFit.plot must be a path or None. Got 3 instead."),
    (lambda: sample_power_law(3, alpha=2.0, seed="x"),
     "The 'seed' parameter of sample_power_law must be None, a non-negative int, a numpy "
     "SeedSequence or a numpy Generator. Got 'x' instead."),
    (lambda: fit_truncated_power_law([1, 2, 3, 4], seed="x"),
     "The 'seed' parameter of fit_truncated_power_law must be None, a non-negative int, a "
     "numpy SeedSequence or a numpy Generator. Got 'x' instead."),
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
    assert str(LikelihoodRatio(0.5, 0.6, 0.1, "lognormal", False)).endswith("favours power law)")


def _hand_fit(alpha, xmin, xmax, discrete, data=(1.0, 2.0)):
    """A PowerLawFit with a chosen exponent (the dataclass is public)."""
    from netaval.stats.power_law import PowerLawFit

    return PowerLawFit(alpha=alpha, alpha_stderr=0.1, xmin=xmin, xmax=xmax, n_tail=2, n=2,
                       ks=0.1, discrete=discrete, loglik=0.0, xmin_searched=False,
                       data=np.asarray(data, float))


def test_discrete_logpdf_and_ccdf_match_scipy_zeta():
    """pmf = k^-alpha / zeta(alpha, xmin); P(X >= x) = zeta(alpha, ceil x) / zeta(alpha, xmin);
    -inf off the integers and below xmin, 1 below xmin; truncated: 0 above xmax."""
    fit = _hand_fit(2.3, 3.0, None, True)
    k = np.array([3.0, 4.0, 10.0, 1000.0])
    assert fit.logpdf(k) == pytest.approx(-2.3 * np.log(k) - math.log(special.zeta(2.3, 3)),
                                          rel=1e-12)
    assert np.all(np.isneginf(fit.logpdf([2.0, 3.5, 0.1])))
    got = fit.ccdf([-1.0, 2.9, 3.0, 3.5, 4.0, 50.0])
    ref = special.zeta(2.3, np.array([3.0, 3.0, 3.0, 4.0, 4.0, 50.0])) / special.zeta(2.3, 3)
    assert got == pytest.approx(ref, rel=1e-12)
    trunc = _hand_fit(1.2, 2.0, 9.0, True)
    support = np.arange(2.0, 10.0)
    pmf = support ** -1.2 / np.sum(support ** -1.2)
    assert np.exp(trunc.logpdf(support)) == pytest.approx(pmf, rel=1e-12)
    assert np.isneginf(trunc.logpdf(10.0)) and np.isneginf(trunc.logpdf(1.0))
    x = np.array([1.0, 2.0, 5.5, 9.0, 9.5, 10.0, 1e6])
    ref = np.array([1.0, 1.0, pmf[4:].sum(), pmf[-1], 0.0, 0.0, 0.0])
    assert trunc.ccdf(x) == pytest.approx(ref, rel=1e-12, abs=1e-300)


def test_continuous_logpdf_and_ccdf_match_scipy():
    """Continuous: the Pareto density and survival function (scipy), the truncated density
    integrates to 1 (quadrature), and alpha = 1 exactly is the log-uniform law."""
    from scipy import integrate

    fit = _hand_fit(2.5, 2.0, None, False)
    x = np.array([2.0, 3.0, 40.0])
    pareto = stats.pareto(b=1.5, scale=2.0)
    assert fit.logpdf(x) == pytest.approx(pareto.logpdf(x), rel=1e-12)
    assert fit.ccdf([1.0, 2.0, 3.0, 40.0]) == pytest.approx(pareto.sf([2.0, 2.0, 3.0, 40.0]),
                                                          rel=1e-12)
    assert np.isneginf(fit.logpdf(1.9))
    for alpha in (2.5, 1.0, 0.6, 1.0 + 1e-13):
        trunc = _hand_fit(alpha, 2.0, 30.0, False)
        dens = lambda t, f=trunc: float(np.exp(f.logpdf(t)))  # noqa: E731
        assert integrate.quad(dens, 2.0, 30.0, epsrel=1e-12)[0] == pytest.approx(1.0, rel=1e-9)
        for t in (1.0, 2.0, 5.0, 29.0, 30.0, 31.0):
            tail = integrate.quad(dens, min(max(t, 2.0), 30.0), 30.0, epsrel=1e-12)[0]
            assert trunc.ccdf(t)[0] == pytest.approx(tail, rel=1e-9, abs=1e-12)
        assert np.isneginf(trunc.logpdf(30.5))
    log_uniform = _hand_fit(1.0, 2.0, 30.0, False)
    assert log_uniform.logpdf(5.0) == pytest.approx(-math.log(5.0 * math.log(15.0)), rel=1e-12)


def test_model_functions_keep_the_input_shape():
    """A scalar gives a length-1 array from ccdf and a 0-d value from logpdf; 2-D stays 2-D."""
    fit = _hand_fit(2.0, 1.0, None, True)
    assert fit.ccdf(2).shape == (1,) and fit.logpdf(2).shape == ()
    grid = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert fit.ccdf(grid).shape == (2, 2) and fit.logpdf(grid).shape == (2, 2)
    assert fit.ccdf(grid)[1, 0] == pytest.approx(special.zeta(2.0, 3) / special.zeta(2.0, 1))


def test_tail_n_and_n_tail_respect_both_ends():
    """Data outside [xmin, xmax] is kept in data, counted in n, left out of the tail."""
    data = [1, 1, 2, 3, 3, 5, 8, 13, 21]
    fit = fit_power_law(data, xmin=2, xmax=13)
    assert fit.tail.tolist() == [2.0, 3.0, 3.0, 5.0, 8.0, 13.0]
    assert fit.n == 9 and fit.n_tail == 6 and fit.xmax == 13 and fit.xmin == 2
    assert fit.data.tolist() == sorted(float(v) for v in data)
    cont = fit_power_law(data, xmin=2.5, xmax=10.0, discrete=False)
    assert cont.tail.tolist() == [3.0, 3.0, 5.0, 8.0] and cont.n_tail == 4 and cont.n == 9


def test_discrete_truncated_fit_is_the_exact_mle():
    """Truncated discrete: the score equation mean ln x = E_alpha[ln X] holds, the loglik and
    the Fisher-information stderr equal direct sums over the support."""
    x = sample_power_law(400, alpha=1.3, xmin=2, xmax=60, seed=4)
    fit = fit_power_law(x, xmin=2, xmax=60)
    k = np.arange(2.0, 61.0)
    w = k ** -fit.alpha / np.sum(k ** -fit.alpha)
    mean_log = np.sum(w * np.log(k))
    assert mean_log == pytest.approx(np.log(x).mean(), rel=1e-9)
    var_log = np.sum(w * np.log(k) ** 2) - mean_log ** 2
    assert fit.alpha_stderr == pytest.approx(1 / math.sqrt(400 * var_log), rel=1e-9)
    ll = -fit.alpha * np.log(x).sum() - 400 * math.log(np.sum(k ** -fit.alpha))
    assert fit.loglik == pytest.approx(ll, rel=1e-12)


def test_continuous_fit_matches_scipy_pareto():
    """Fixed xmin: alpha = 1 + n / sum ln(x / xmin) (scipy's Pareto MLE), stderr
    (alpha - 1) / sqrt(n), loglik and KS from scipy; searched xmin: KS of the chosen tail."""
    x = sample_power_law(500, alpha=2.2, xmin=1.5, discrete=False, seed=6)
    fit = fit_power_law(x, xmin=1.5, discrete=False)
    b, _, _ = stats.pareto.fit(x, floc=0, fscale=1.5)
    assert fit.alpha == pytest.approx(1 + b, rel=1e-9)
    assert fit.alpha_stderr == pytest.approx(b / math.sqrt(500), rel=1e-9)
    law = stats.pareto(b=fit.alpha - 1, scale=1.5)
    assert fit.loglik == pytest.approx(law.logpdf(x).sum(), rel=1e-12)
    assert fit.ks == pytest.approx(stats.kstest(x, law.cdf).statistic, abs=1e-12)
    assert not fit.xmin_searched and fit.scan == {}
    # quantiles at (k + 0.2) / n: the supremum is on the upper side, (k + 1) / n - F
    q = 1.5 * (1 - (np.arange(300) + 0.2) / 300) ** (-1 / 1.2)
    upper = fit_power_law(q, xmin=1.5, discrete=False)
    law_q = stats.pareto(b=upper.alpha - 1, scale=1.5)
    assert upper.ks == pytest.approx(stats.kstest(q, law_q.cdf).statistic, abs=1e-12)
    mixed = np.concatenate([x, np.random.default_rng(6).uniform(0.5, 1.5, 300)])
    searched = fit_power_law(mixed, discrete=False)
    tail = mixed[mixed >= searched.xmin]
    assert searched.xmin_searched and searched.n_tail == len(tail) and searched.n == 800
    law = stats.pareto(b=searched.alpha - 1, scale=searched.xmin)
    assert searched.ks == pytest.approx(stats.kstest(tail, law.cdf).statistic, abs=1e-12)
    assert searched.ks == pytest.approx(np.min(searched.scan["ks"]), abs=1e-15)
    assert sorted(searched.scan) == ["alpha", "ks", "xmin"]
    assert searched.xmin in searched.scan["xmin"] and np.all(np.diff(searched.scan["xmin"]) > 0)
    assert searched.loglik == pytest.approx(law.logpdf(tail).sum(), rel=1e-12)
    assert searched.alpha_stderr == pytest.approx((searched.alpha - 1) / math.sqrt(len(tail)))


def _log_moments(alpha, a, b):
    """Normalisation, E[ln X] and Var[ln X] of the density x^-alpha on [a, b], by quadrature."""
    from scipy import integrate

    z = integrate.quad(lambda t: t ** -alpha, a, b, epsrel=1e-13)[0]
    m1 = integrate.quad(lambda t: math.log(t) * t ** -alpha, a, b, epsrel=1e-13)[0]
    m2 = integrate.quad(lambda t: math.log(t) ** 2 * t ** -alpha, a, b, epsrel=1e-13)[0]
    return z, m1 / z, m2 / z - (m1 / z) ** 2


def test_continuous_truncated_fit_is_the_exact_mle():
    """Truncated continuous: alpha maximises the likelihood (normalised by quadrature), the
    stderr is 1 / sqrt(n Var_alpha[ln X]), loglik and KS match scipy's integrals."""
    from scipy import integrate

    x = sample_power_law(300, alpha=1.4, xmin=1.0, xmax=40.0, discrete=False, seed=8)
    fit = fit_power_law(x, xmin=1.0, xmax=40.0, discrete=False)
    z, mean_log, var_log = _log_moments(fit.alpha, 1.0, 40.0)
    assert mean_log == pytest.approx(np.log(x).mean(), rel=1e-7)  # the score equation
    assert fit.alpha_stderr == pytest.approx(1 / math.sqrt(300 * var_log), rel=1e-5)
    assert fit.loglik == pytest.approx(-fit.alpha * np.log(x).sum() - 300 * math.log(z),
                                       rel=1e-10)
    cdf = lambda t: integrate.quad(lambda u: u ** -fit.alpha / z, 1.0, t)[0]  # noqa: E731
    xs = np.sort(x)
    f = np.array([cdf(t) for t in xs])
    d = max(np.max(np.arange(1, 301) / 300 - f), np.max(f - np.arange(300) / 300))
    assert fit.ks == pytest.approx(d, abs=1e-9)


def _vuong(d):
    """Vuong's normalised ratio and its two-sided normal p-value, from scipy."""
    z = d.sum() / (math.sqrt(len(d)) * d.std())
    return z, 2 * stats.norm.sf(abs(z))


def _assert_mle(loglik, params, rel_step=1e-3):
    """Each parameter, moved by rel_step either way, lowers the log-likelihood."""
    best = loglik(params)
    for i, p in enumerate(params):
        for sign in (-1, 1):
            moved = list(params)
            moved[i] = p * (1 + sign * rel_step)
            assert loglik(moved) < best, f"parameter {i} is not at the maximum"


@pytest.mark.parametrize("discrete, xmax", [(True, None), (True, 80), (False, None),
                                            (False, 80.0)],
                         ids=["discrete", "discrete-trunc", "continuous", "continuous-trunc"])
def test_compare_exponential_matches_scipy(discrete, xmax):
    """The exponential (geometric when discrete) alternative is the MLE on the same support;
    R, normalized_R and p equal Vuong's test computed from scipy's distributions."""
    x = sample_power_law(400, alpha=1.6, xmin=3, xmax=xmax, discrete=discrete, seed=12)
    fit = fit_power_law(x, xmin=3, xmax=xmax, discrete=discrete)
    lr = fit.compare("exponential")
    lam = lr.alternative_params["lambda"]
    span = None if xmax is None else xmax - 3
    if discrete:
        def logpdf(params, t=x):
            q = math.exp(-params[0])
            log_norm = stats.geom.logcdf(span + 1, 1 - q) if span is not None else 0.0
            return stats.geom.logpmf(t - 2, 1 - q) - log_norm
    else:
        def logpdf(params, t=x):
            if span is None:
                return stats.expon.logpdf(t, loc=3, scale=1 / params[0])
            return stats.truncexpon.logpdf(t, b=span * params[0], loc=3, scale=1 / params[0])
    mean = np.mean(x - 3)
    if xmax is None:  # closed forms
        assert lam == pytest.approx(math.log1p(1 / mean) if discrete else 1 / mean, rel=1e-12)
    # score equations to 1e-6: rounding of the flat log-likelihood limits the optimum in
    # ln(lambda) to ~3e-8, i.e. ~3e-8 relative in E[K] (scipy's default xatol, 1e-5, fails)
    elif discrete:  # the score equation: mean excess = E[K] of the truncated geometric
        q, k1 = math.exp(-lam), span + 1
        assert mean == pytest.approx(q / (1 - q) - k1 * q ** k1 / (1 - q ** k1), rel=1e-6)
    else:  # ... of the truncated exponential
        assert mean == pytest.approx(1 / lam - span / math.expm1(lam * span), rel=1e-6)
    _assert_mle(lambda p: logpdf(p).sum(), [lam])
    d = fit.logpdf(x) - logpdf([lam])
    z, p = _vuong(d)
    assert lr.R == pytest.approx(d.sum(), rel=1e-9)
    assert lr.normalized_R == pytest.approx(z, rel=1e-9)
    assert lr.p == pytest.approx(p, rel=1e-9)
    assert lr.alternative == "exponential" and lr.nested is False


@pytest.mark.parametrize("discrete, xmax", [(True, None), (True, 80), (False, None),
                                            (False, 80.0)],
                         ids=["discrete", "discrete-trunc", "continuous", "continuous-trunc"])
def test_compare_lognormal_matches_scipy(discrete, xmax):
    """The log-normal alternative (binned to the integers when discrete, conditioned on the
    support) is the MLE on log-normal data; R and p equal Vuong's test on scipy's lognorm.

    (On power-law data the log-normal MLE runs off to mu -> -inf, sigma -> inf, where the
    log-normal becomes a power law, so the maximum is checked on data that has one.)"""
    x = np.exp(np.random.default_rng(13).normal(2.0, 0.8, 600))
    x = np.floor(x) if discrete else x
    x = x[(x >= 2) & (x <= (xmax or np.inf))][:400]
    fit = fit_power_law(x, xmin=2, xmax=xmax, discrete=discrete)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. an optimiser option scipy does not know
        lr = fit.compare("lognormal")
    mu, sigma = lr.alternative_params["mu"], lr.alternative_params["sigma"]
    top = np.inf if xmax is None else xmax

    def logpdf(params):
        law = stats.lognorm(s=params[1], scale=math.exp(params[0]))
        if discrete:
            return (np.log(law.cdf(x + 0.5) - law.cdf(x - 0.5))
                    - math.log(law.cdf(top + 0.5) - law.cdf(1.5)))
        return law.logpdf(x) - math.log(law.cdf(top) - law.cdf(2.0))

    _assert_mle(lambda p: logpdf(p).sum(), [mu, sigma])
    d = fit.logpdf(x) - logpdf([mu, sigma])
    z, p = _vuong(d)
    assert lr.R == pytest.approx(d.sum(), rel=1e-7, abs=1e-9)
    assert lr.p == pytest.approx(p, rel=1e-6)


@pytest.mark.parametrize("discrete, xmax, thin_seed", [(True, 300, 14), (True, 60, 114),
                                                      (False, None, 14)],
                         ids=["discrete-trunc", "discrete-trunc-near", "continuous"])
def test_compare_cutoff_matches_direct_normalisation(discrete, xmax, thin_seed):
    """Power law with exponential cut-off, fitted to data that has one: the parameters are
    the MLE under a normalisation by direct sums (discrete) or quadrature (continuous); R
    and the chi2(1) p-value of the nested test follow. With xmax = 60 the cut-off law keeps
    mass beyond xmax (lambda xmax ~ 1), so only the normalisation over [xmin, xmax] fits
    (its thinning draws are independent of the sampler's: with the sampler's seed 14 they
    keep only small values, and the fitted cut-off is 0.3)."""
    from scipy import integrate

    rng = np.random.default_rng(thin_seed)
    # thinning: keep a power-law draw with probability exp(-lam0 x)
    x = sample_power_law(6000, alpha=1.5, xmin=1, xmax=xmax, discrete=discrete, seed=14)
    x = x[rng.uniform(size=len(x)) < np.exp(-0.02 * x)][:500]
    fit = fit_power_law(x, xmin=1, xmax=xmax, discrete=discrete)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. an optimiser option scipy does not know
        lr = fit.compare("truncated_power_law")
    alpha, lam = lr.alternative_params["alpha"], lr.alternative_params["lambda"]
    assert lam > 0 and lr.nested is True and math.isnan(lr.normalized_R)
    assert lr.alternative == "truncated_power_law"
    if thin_seed == 114:
        assert 0.5 < lam * xmax < 3  # the cut-off's scale is of the order of xmax

    def loglik(params):
        a, l_ = params
        if discrete:
            k = np.arange(1.0, xmax + 1)
            log_c = math.log(np.sum(k ** -a * np.exp(-l_ * k)))
        else:
            log_c = math.log(integrate.quad(lambda t: t ** -a * math.exp(-l_ * t), 1.0, np.inf,
                                            epsabs=0, epsrel=1e-12, limit=200)[0])
        return float(np.sum(-a * np.log(x) - l_ * x) - len(x) * log_c)

    _assert_mle(loglik, [alpha, lam], rel_step=1e-2)
    if discrete:  # the score equations (ln x and x are the sufficient statistics) to 1e-6
        k = np.arange(1.0, xmax + 1)
        w = k ** -alpha * np.exp(-lam * k)
        w /= w.sum()
        assert np.sum(w * np.log(k)) == pytest.approx(np.log(x).mean(), rel=1e-6)
        assert np.sum(w * k) == pytest.approx(x.mean(), rel=1e-6)
    r = fit.loglik - loglik([alpha, lam]) if discrete else \
        float(fit.logpdf(x).sum()) - loglik([alpha, lam])
    assert lr.R == pytest.approx(r, rel=1e-6)
    assert lr.R < 0 and lr.p == pytest.approx(stats.chi2.sf(-2 * r, 1), rel=1e-5)


def test_compare_cutoff_nests_the_power_law(monkeypatch):
    """A tail heavier than the power law: the best cut-off is lambda -> 0, R -> 0, p = 1.
    When the optimiser ends below the power law's likelihood, the alternative reported is
    the power law itself: lambda = 0, the same alpha, R = 0 exactly and p = 1."""
    from scipy import optimize

    x = np.concatenate([sample_power_law(300, alpha=1.8, xmin=1, xmax=200, seed=0),
                        [150.0, 170.0, 180.0, 190.0, 200.0]])
    fit = fit_power_law(x, xmin=1, xmax=200)
    lr = fit.compare("truncated_power_law")
    assert abs(lr.R) < 1e-9 and lr.p == pytest.approx(1.0, abs=1e-6)
    assert 0.0 <= lr.alternative_params["lambda"] < 1e-12
    worse = optimize.OptimizeResult(x=np.array([fit.alpha + 0.5, math.log(0.1)]), fun=1e300)
    monkeypatch.setattr(optimize, "minimize", lambda *args, **kwargs: worse)
    lr = fit.compare("truncated_power_law")
    assert lr.alternative_params == {"alpha": fit.alpha, "lambda": 0.0}
    assert lr.R == 0.0 and lr.p == 1.0 and lr.nested


def test_cutoff_log_norm_against_direct_sums():
    """log sum x^-alpha e^(-lam x): direct sums past the 20000-term switch to the integral,
    an infinite support, the continuous integral, and the divergent lam = 0, alpha <= 1."""
    from scipy import integrate

    from netaval.stats.power_law import _cutoff_log_norm

    k = np.arange(1.0, 60001.0)
    for alpha, lam, b in [(1.5, 1e-5, 60000.0), (0.7, 2e-4, 60000.0), (2.5, 0.0, 60000.0)]:
        ref = math.log(np.sum(k[:int(b)] ** -alpha * np.exp(-lam * k[:int(b)])))
        assert _cutoff_log_norm(alpha, lam, 1.0, b, True) == pytest.approx(ref, rel=1e-10)
    k = np.arange(3.0, 5e5)  # e^(-lam k) < 1e-21 beyond
    ref = math.log(np.sum(k ** -1.2 * np.exp(-1e-4 * k)))
    assert _cutoff_log_norm(1.2, 1e-4, 3.0, np.inf, True) == pytest.approx(ref, rel=1e-9)
    assert _cutoff_log_norm(1.2, 0.05, 3.0, 50.0, True) == pytest.approx(
        math.log(np.sum(np.arange(3.0, 51.0) ** -1.2 * np.exp(-0.05 * np.arange(3.0, 51.0)))),
        rel=1e-12)
    ref = integrate.quad(lambda t: t ** -1.7 * math.exp(-0.01 * t), 2.0, np.inf, epsrel=1e-12)[0]
    assert _cutoff_log_norm(1.7, 0.01, 2.0, np.inf, False) == pytest.approx(math.log(ref),
                                                                            rel=1e-9)
    ref = integrate.quad(lambda t: t ** -0.5 * math.exp(-0.3 * t), 2.0, 25.0, epsrel=1e-12)[0]
    assert _cutoff_log_norm(0.5, 0.3, 2.0, 25.0, False) == pytest.approx(math.log(ref), rel=1e-9)
    # a small integral (4e-6: absolute quadrature tolerances would cost it 2e-10 relative):
    # lam^(alpha - 1) Gamma(1 - alpha, lam a), Gamma(-1.5, 1) by recurrence from Gamma(0.5, 1)
    g = special.gammaincc(0.5, 1.0) * special.gamma(0.5)
    for s in (-0.5, -1.5):
        g = (g - math.exp(-1.0)) / s
    assert _cutoff_log_norm(2.5, 1e-3, 1e3, np.inf, False) == pytest.approx(
        math.log(1e-3 ** 1.5 * g), abs=1e-11)
    # lam = 0 converges for alpha > 1: zeta(1.5) (the midpoint tail beyond 20000: 4e-13)
    assert _cutoff_log_norm(1.5, 0.0, 1.0, np.inf, True) == pytest.approx(
        math.log(special.zeta(1.5, 1)), rel=1e-10)
    assert _cutoff_log_norm(1.0, 0.0, 1.0, np.inf, True) == math.inf
    assert _cutoff_log_norm(0.5, 0.0, 1.0, np.inf, True) == math.inf


def test_log_diff_ndtr_is_stable_in_both_tails():
    """log(Phi(hi) - Phi(lo)) equals mpmath's 50-digit value in the far upper and lower tails,
    across zero, and elementwise on a mixed array."""
    mpmath = pytest.importorskip("mpmath")
    from netaval.stats.power_law import _log_diff_ndtr

    mpmath.mp.dps = 50
    lo = np.array([-1.0, 0.0, 0.3, 8.0, 35.0, -36.0, -3.0, 2.0])
    hi = np.array([2.0, 1e-3, 0.4, 8.5, 35.1, -35.9, np.inf, np.inf])
    ref = [float(mpmath.log(mpmath.ncdf(-lw) - mpmath.ncdf(-h) if lw > 0 else
                            mpmath.ncdf(h) - mpmath.ncdf(lw))) for lw, h in zip(lo, hi, strict=True)]
    assert _log_diff_ndtr(lo, hi) == pytest.approx(ref, rel=1e-12)
    assert _log_diff_ndtr(1.0, 2.0).shape == ()


def test_gof_pvalue_bootstrap_is_semiparametric(monkeypatch):
    """Each synthetic set has n points; Binomial(n, n_tail / n) of them come from the fitted
    law on [xmin, xmax] and the rest from the observed values outside; each is refitted
    sorted, with the xmin search when xmin was searched and the fixed xmin otherwise."""
    import netaval.stats.power_law as pl

    body = np.random.default_rng(3).integers(1, 4, 150).astype(float)
    x = np.concatenate([sample_power_law(250, alpha=2.5, xmin=4, xmax=500, seed=3), body,
                        [600.0, 700.0]])
    calls = []
    real_fit = pl._fit

    def spy(data, discrete, xmin, xmax, *args):
        calls.append((data.copy(), discrete, xmin, xmax))
        return real_fit(data, discrete, xmin, xmax, *args)

    fit = fit_power_law(x, xmin=4, xmax=500)
    searched = fit_power_law(x[x <= 500])
    pure = fit_power_law(sample_power_law(200, alpha=2.0, seed=4), xmin=1)
    monkeypatch.setattr(pl, "_fit", spy)
    p = fit.gof_pvalue(40, seed=1)
    assert len(calls) == 40 and p * 40 == round(p * 40)
    outside = set(x[(x < 4) | (x > 500)].tolist())
    n_in = 0
    for data, discrete, xmin, xmax in calls:
        assert len(data) == fit.n == 402 and np.all(np.diff(data) >= 0)
        assert discrete is True and xmin == 4.0 and xmax == 500.0
        inside = (data >= 4) & (data <= 500)
        assert set(data[~inside].tolist()) <= outside
        n_in += int(inside.sum())
    q = fit.n_tail / fit.n  # binomial mean and sd of the total over 40 sets
    assert abs(n_in - 40 * 402 * q) <= 4 * math.sqrt(40 * 402 * q * (1 - q))
    calls.clear()
    searched.gof_pvalue(3, seed=1)
    assert [c[2:] for c in calls] == [(None, None)] * 3
    calls.clear()
    pure.gof_pvalue(3, seed=1)
    assert all(len(c[0]) == 200 and c[0].min() >= 1 for c in calls)


def test_gof_pvalue_counts_larger_distances():
    """p is the fraction of synthetic KS distances above the observed one: 1 when the
    observed distance is 0, 0 when it is 1; a degenerate synthetic set counts as D = 0."""
    import dataclasses

    fit = fit_power_law(sample_power_law(200, alpha=2.0, xmin=1, xmax=40, seed=5), xmin=1,
                        xmax=40)
    assert dataclasses.replace(fit, ks=0.0).gof_pvalue(25, seed=0) == 1.0
    assert dataclasses.replace(fit, ks=1.0).gof_pvalue(25, seed=0) == 0.0
    # alpha = 30 on [1, 2]: synthetic sets are all ones (no exponent to fit), skipped
    steep = dataclasses.replace(fit_power_law([1.0] * 50 + [2.0], xmin=1, xmax=2), alpha=30.0,
                                ks=0.0)
    assert steep.gof_pvalue(10, seed=0) == 0.0
    cont = fit_power_law(sample_power_law(200, alpha=2.0, discrete=False, seed=5),
                         discrete=False, xmin=1.0)
    assert dataclasses.replace(cont, ks=0.0).gof_pvalue(5, seed=0) == 1.0


def test_truncated_support_search_takes_the_widest_support_first():
    """p_crit = 0 accepts the first candidate: the widest support [min, max]; the result is
    the fixed-support fit there, with its p-value; max_supports = 1 tries only that one."""
    x = sample_power_law(300, alpha=1.5, xmin=1, xmax=80, seed=6)
    fit = fit_truncated_power_law(x, p_crit=0.0, n_samples=10, seed=0)
    ref = fit_power_law(x, xmin=x.min(), xmax=x.max())
    assert (fit.xmin, fit.xmax) == (x.min(), x.max())
    assert fit.alpha == ref.alpha and fit.alpha_stderr == ref.alpha_stderr
    assert fit.n_tail == 300 and fit.ks == ref.ks and fit.loglik == ref.loglik
    assert 0.0 <= fit.support_pvalue <= 1.0 and ref.support_pvalue is None
    one = fit_truncated_power_law(x, p_crit=0.0, n_samples=10, max_supports=1, seed=0)
    assert (one.xmin, one.xmax) == (x.min(), x.max())
    with pytest.raises(InvalidParameterError) as info:
        fit_truncated_power_law(np.r_[[1.0] * 200, [2.0, 3.0], [1000.0] * 200], p_crit=0.9,
                                n_samples=20, max_supports=1, seed=0)
    assert str(info.value) == "fit_truncated_power_law: no support reached p >= 0.9."


def test_truncated_support_search_narrows_until_accepted():
    """An outlier far above a truncated power law: the widest supports (which include it)
    are rejected and the accepted support excludes it; p is at least p_crit."""
    x = np.r_[sample_power_law(400, alpha=1.2, xmin=1, xmax=30, seed=7), [5000.0] * 20]
    fit = fit_truncated_power_law(x, p_crit=0.2, n_samples=30, seed=0)
    assert fit.xmax <= 30 and fit.support_pvalue >= 0.2
    assert fit.n_tail == np.count_nonzero((x >= fit.xmin) & (x <= fit.xmax))
    more = fit_truncated_power_law(x, p_crit=0.2, n_samples=30, max_supports=10 ** 6, seed=0)
    assert (more.xmin, more.xmax, more.support_pvalue) == (fit.xmin, fit.xmax,
                                                           fit.support_pvalue)


def test_plot_labels_lines_and_files(tmp_path):
    """plot: labelled axes, data as dots and the fit as a line with the documented legends,
    keyword arguments reach the data's line, and path writes the png and the csv points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    fit = fit_power_law([1, 1, 2, 3, 5, 8, 1, 2, 13, 1, 4], xmin=1)
    ax = fit.plot(path=tmp_path / "fig.png", color="red")
    try:
        data_line, law_line = ax.lines
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("avalanche size S (events)", "P(S >= s)")
        assert ax.get_xscale() == ax.get_yscale() == "log"
        assert data_line.get_marker() == "." and data_line.get_linestyle() == "None"
        assert data_line.get_color() == "red" and law_line.get_linestyle() == "-"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "data (11 values >= xmin = 1)", f"fit: exponent {fit.alpha:.3f} +/- "
            f"{fit.alpha_stderr:.3f}"]
        assert data_line.get_xdata().tolist() == [1, 2, 3, 4, 5, 8, 13]
        assert data_line.get_ydata() == pytest.approx(np.array([11, 7, 5, 4, 3, 2, 1]) / 11)
        grid = law_line.get_xdata()
        assert grid[0] == 1 and grid[-1] == 13 and np.all(grid == np.round(grid))
        assert np.all(np.diff(grid) > 0)
        assert law_line.get_ydata() == pytest.approx(fit.ccdf(grid))
        assert [t.get_fontsize() for t in ax.get_legend().get_texts()] == [8.0, 8.0]
        table = pd.read_csv(tmp_path / "fig.csv")
        assert list(table.columns) == ["series", "kind", "x", "ccdf"]
        assert set(table["series"]) == {"size"}
        assert table["kind"].tolist() == ["data"] * 7 + ["fit"] * len(grid)
        assert table["x"].tolist() == [1, 2, 3, 4, 5, 8, 13] + grid.tolist()
        assert (tmp_path / "fig.png").stat().st_size > 0
    finally:
        plt.close(ax.figure)
    cont = fit_power_law(sample_power_law(100, alpha=2.0, discrete=False, seed=1),
                         discrete=False, xmin=1.0)
    fig, ax = plt.subplots()
    try:
        cont.plot(ax=ax, quantity="duration", unit="bins", marker="o")
        grid = ax.lines[1].get_xdata()
        assert len(grid) == 200 and ax.lines[0].get_marker() == "o"
        assert grid[0] == cont.tail[0] and grid[-1] == pytest.approx(cont.tail[-1], rel=1e-12)
        assert ax.get_ylabel() == "P(T >= t)"
        assert not (tmp_path / "none.csv").exists()
    finally:
        plt.close(fig)
    # a wide discrete tail: 200 log-spaced points rounded to integers, repeats dropped
    wide = fit_power_law(np.r_[np.arange(1.0, 30.0), 9000.0], xmin=1)
    fig, ax = plt.subplots()
    try:
        wide.plot(ax=ax)
        assert np.array_equal(ax.lines[1].get_xdata(),
                              np.unique(np.round(np.geomspace(1.0, 9000.0, 200))))
    finally:
        plt.close(fig)
    ax = fit.plot()
    try:
        assert tuple(ax.figure.get_size_inches()) == (5.5, 4.2)
    finally:
        plt.close(ax.figure)
    with pytest.raises(InvalidParameterError, match="'ax' parameter of PowerLawFit.plot"):
        fit.plot(ax="axes")
    with pytest.raises(InvalidParameterError, match="'unit' parameter of PowerLawFit.plot"):
        fit.plot(unit=3)


def test_continuous_truncated_fit_at_alpha_one_is_the_log_uniform_law():
    """Data symmetric in ln x on [1, 16] has its MLE at alpha = 1 exactly (E_1[ln X] is the
    midpoint of ln a and ln b); the stderr is that of the log-uniform law, 1 / sqrt(n Var[ln X])
    = sqrt(12 / n) / ln(b/a). The flat likelihood there once let rounding move alpha by 5e-6 and the
    stderr by 1e-3; the tolerances are the finite-difference and rounding bounds."""
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0] * 10)
    fit = fit_power_law(x, xmin=1, xmax=16, discrete=False)
    assert fit.alpha == pytest.approx(1.0, abs=1e-6)
    assert fit.alpha_stderr == pytest.approx(math.sqrt(12 / 50) / math.log(16.0), rel=1e-6)
    # density 1 / (x ln 16); sum ln x = 100 ln 2 (the normalisation's rounding: 1e-8)
    assert fit.loglik == pytest.approx(-100 * math.log(2.0) - 50 * math.log(math.log(16.0)),
                                       rel=1e-7)


def test_fixed_xmin_below_the_data_and_bounds_of_the_warning():
    """A fixed xmin below the smallest value keeps the support [xmin, inf) (the MLE there);
    alpha inside the search range by less than 1 does not warn."""
    x = np.arange(3.0, 40.0)
    fit = fit_power_law(x, xmin=1)
    ll = lambda a: -len(x) * math.log(special.zeta(a, 1)) - a * np.log(x).sum()  # noqa: E731
    assert fit.xmin == 1.0 and fit.n_tail == 37 and fit.scan == {} and not fit.xmin_searched
    assert ll(fit.alpha) == pytest.approx(fit.loglik, rel=1e-12)
    assert ll(fit.alpha) >= max(ll(fit.alpha - 1e-5), ll(fit.alpha + 1e-5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_power_law([1] * 10 + [2] * 226, xmin=1, xmax=2)  # 2^-alpha = 22.6
    assert fit.alpha == pytest.approx(-math.log2(22.6), rel=1e-9)


def test_compare_with_a_single_valued_tail():
    """A tail of one repeated value: the log-likelihood ratio is the same at every point, so
    Vuong's statistic is 0 and p = 1."""
    fit = _hand_fit(2.0, 2.0, None, True, data=[2.0, 2.0, 2.0])
    lr = fit.compare("exponential")
    assert lr.p == 1.0 and lr.normalized_R == 0.0 and lr.nested is False
    assert lr.alternative == "exponential" and lr.alternative_params["lambda"] > 20
    assert lr.R == pytest.approx(3 * (-2 * math.log(2) - math.log(special.zeta(2.0, 2))),
                                 rel=1e-9)


def test_truncated_support_pvalue_is_the_kernels_on_the_first_support():
    """With the same seed, the accepted support's p-value is the NCC kernel's for that support
    (n, alpha, KS of the fit on it); p_crit equal to that p accepts it (p >= p_crit)."""
    from netaval._kernels.stats import _truncated_support_pvalue

    x = sample_power_law(300, alpha=1.5, xmin=1, xmax=80, seed=6)
    fit = fit_truncated_power_law(x, p_crit=0.0, n_samples=50, max_supports=1, seed=0)
    p = _truncated_support_pvalue(np.random.default_rng(0), 300, fit.alpha, fit.xmin,
                                  fit.xmax, fit.ks, 50, 0.0, -5.0, 50.0)[0]
    assert fit.support_pvalue == p and 0.0 < p < 1.0
    again = fit_truncated_power_law(x, p_crit=p, n_samples=50, max_supports=1, seed=0)
    assert again.support_pvalue == p


def test_truncated_support_search_with_three_values():
    """Three distinct values give one candidate (adjacent pairs are never tried): accepted
    when it fits, refused when it does not."""
    fit = fit_truncated_power_law([1] * 20 + [2] * 8 + [3] * 5, p_crit=0.0, n_samples=20,
                                  seed=0)
    assert (fit.xmin, fit.xmax, fit.n_tail) == (1.0, 3.0, 33)
    with pytest.raises(InvalidParameterError, match="no support reached p >= 0.5"):
        fit_truncated_power_law([1] * 200 + [2] * 2 + [3] * 200, p_crit=0.5, n_samples=20,
                                seed=0)


def test_truncated_support_search_warns_in_its_own_name():
    """The accepted support's fit warns, naming fit_truncated_power_law, when its exponent
    sits at the end of the search range."""
    with pytest.warns(NetavalWarning) as record:
        fit = fit_truncated_power_law([1] + [2] * 5 + [3] * 1000, p_crit=0.0, n_samples=5,
                                      seed=0)
    assert fit.alpha == -5.0
    assert [str(w.message) for w in record] == [
        "fit_truncated_power_law: the exponent hit the bound of the search range [-5.0, 50.0] "
        "(alpha = -5); the fit is not a power law."]


def test_continuous_xmin_search_can_keep_the_smallest_value():
    """Exact Pareto quantiles fit best from their smallest value: the search keeps it
    (candidate 0); the KS distance is 1 / n, reached at xmin itself (where F = 0)."""
    x = (1 - (np.arange(200) + 0.5) / 200) ** (-1 / 1.5)
    fit = fit_power_law(x, discrete=False)
    assert fit.xmin == x.min() and fit.n_tail == 200
    assert fit.ks == pytest.approx(1 / 200, rel=1e-9)


# ---------------------------------------------------------------- full-run survivors (session 4)
# Written from the survivors of the full mutation run (tests/mutation/stats_power_law.md).
def _assert_warned_at_callers_line(record):
    """The warning names the line that called the public function (stacklevel 4: public
    function -> _fit -> _fit_discrete). Under mutmut every call passes two frames of its
    trampoline, so the fourth frame up is then _fit's own call of _fit_discrete."""
    import linecache

    import netaval.stats.power_law as pl

    w = record[0]
    if hasattr(fit_power_law, "__wrapped__"):  # mutmut's trampoline wraps it
        assert w.filename == pl.__file__
        assert "_fit_discrete(" in linecache.getline(w.filename, w.lineno)
    else:
        assert w.filename == __file__


def test_bound_warnings_point_at_the_callers_line():
    """fit_power_law, fit_truncated_power_law and the refits of gof_pvalue warn at the line
    that called them (synthetic sets of a fit pinned at alpha = -5 are pinned too)."""
    with pytest.warns(NetavalWarning) as record:
        fit = fit_power_law([1] + [2] * 1000, xmin=1, xmax=2)
    _assert_warned_at_callers_line(record)
    with pytest.warns(NetavalWarning) as record:
        fit_truncated_power_law([1] + [2] * 5 + [3] * 1000, p_crit=0.0, n_samples=5, seed=0)
    _assert_warned_at_callers_line(record)
    with pytest.warns(NetavalWarning) as record:
        fit.gof_pvalue(3, seed=0)
    _assert_warned_at_callers_line(record)


def test_bound_warning_at_the_upper_end_of_the_range():
    """Two values 100 and 101: the MLE solves (101/100)^-alpha = n_101 / n_100. With a ratio
    1 / 1000 it is 694, pinned at 50 (warns); 1000 / 1637 gives 49.53, inside (no warning)."""
    with pytest.warns(NetavalWarning) as record:
        fit = fit_power_law([100] * 1000 + [101], xmin=100, xmax=101)
    assert fit.alpha == 50.0
    assert [str(w.message) for w in record] == [
        "fit_power_law: the exponent hit the bound of the search range [-5.0, 50.0] "
        "(alpha = 50); the fit is not a power law."]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_power_law([100] * 1637 + [101] * 1000, xmin=100, xmax=101)
    assert fit.alpha == pytest.approx(math.log(1.637) / math.log(1.01), rel=1e-9)


def test_unresolvable_supports_give_an_infinite_stderr_not_an_error():
    """Supports too narrow to resolve an exponent: Var[ln X] (2.5e-19 for equal counts at
    1e12 and 1e12 + 1; 8e-14 for 20 points spread over [1, 1 + 1e-6]) is below the rounding
    of its computation, which comes out as 0 or below; the stderr is then infinite (else it
    would be 1 / sqrt(n Var), 2e6 and 8e5), never an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetavalWarning)  # alpha at a bound
        for base in (1e9, 1e12):
            fit = fit_power_law([base] * 50 + [base + 1] * 50, xmin=base, xmax=base + 1)
            assert fit.alpha_stderr > 1e6
    cont = fit_power_law(1 + np.linspace(0, 1e-6, 20), xmin=1.0, xmax=1 + 1e-6, discrete=False)
    assert cont.alpha_stderr > 1e5


def test_continuous_xmin_scan_candidates_and_pruning():
    """Searched continuous xmin: every distinct value but the largest is a candidate, with the
    closed-form alpha; KS entries equal scipy's distance where complete and are lower bounds
    where the search stopped early (some do), the smallest at the chosen xmin."""
    x = np.concatenate([sample_power_law(100, alpha=2.0, xmin=2.0, discrete=False, seed=9),
                        np.random.default_rng(9).uniform(1.0, 2.0, 40)])
    fit = fit_power_law(x, discrete=False)
    u = np.unique(x)
    assert np.array_equal(fit.scan["xmin"], u[:-1])
    exact, alphas = [], []
    for a in u[:-1]:  # KS of the Pareto law on each tail (scipy's kstest at the best below)
        tail = np.sort(x[x >= a])
        alphas.append(1 + len(tail) / np.log(tail / a).sum())
        f, k = 1 - (tail / a) ** (1 - alphas[-1]), np.arange(len(tail))
        exact.append(max(np.max((k + 1) / len(tail) - f), np.max(f - k / len(tail))))
    exact = np.array(exact)
    assert fit.scan["alpha"] == pytest.approx(alphas, rel=1e-10)
    best = int(np.argmin(exact))
    law = stats.pareto(b=alphas[best] - 1, scale=u[best])
    assert exact[best] == pytest.approx(stats.kstest(x[x >= u[best]], law.cdf).statistic, abs=1e-12)
    assert fit.xmin == u[best] and fit.scan["ks"][best] == pytest.approx(exact[best], abs=1e-12)
    assert np.all(fit.scan["ks"] <= exact + 1e-12) and np.any(fit.scan["ks"] < exact - 1e-6)


def test_continuous_fixed_xmin_counts_the_point_at_xmin():
    """A point at xmin is in the tail, and a tail with sum ln(x / xmin) < 1 fits:
    alpha = 1 + n / sum ln(x / xmin) over all three points."""
    fit = fit_power_law([1.0, 1.1, 1.2], xmin=1.0, discrete=False)
    assert fit.alpha == pytest.approx(1 + 3 / (math.log(1.1) + math.log(1.2)), rel=1e-12)
    assert fit.n_tail == 3 and fit.discrete is False and fit.xmin_searched is False


def test_continuous_truncated_fit_away_from_one_and_at_a_steep_exponent():
    """xmin = 2 (the normalisation's a^(alpha - 1) factor matters) and alpha = 1.6 and 20 (the
    curvature's step scales with alpha: a fixed 1e-4 / alpha step loses 1e-4 of 3e-3 to
    rounding): the score equation and stderr = 1 / sqrt(n Var[ln X]) hold by quadrature.
    Tolerances: rounding bounds (the score's 1e-7 as above; the stderr's finite difference
    is good to 3e-7 at alpha = 20)."""
    for alpha in (1.6, 20.0):
        x = sample_power_law(300, alpha=alpha, xmin=2.0, xmax=10.0, discrete=False, seed=10)
        fit = fit_power_law(x, xmin=2.0, xmax=10.0, discrete=False)
        _, mean_log, var_log = _log_moments(fit.alpha, 2.0, 10.0)
        assert mean_log == pytest.approx(np.log(x).mean(), rel=1e-7)
        assert fit.alpha_stderr == pytest.approx(1 / math.sqrt(300 * var_log), rel=1e-5)


def test_continuous_truncated_objective_at_alpha_one(monkeypatch):
    """At alpha = 1 exactly the objective takes its log-uniform limit: an optimiser returning
    1.0 gives, from the curvature around it, the log-uniform stderr sqrt(12 / n) / ln(b / a)
    (to the finite difference's 1e-6)."""
    from scipy import optimize

    real = optimize.minimize_scalar

    def at_one(*args, **kwargs):
        res = real(*args, **kwargs)
        res.x = 1.0
        return res

    monkeypatch.setattr(optimize, "minimize_scalar", at_one)
    fit = fit_power_law([2.0, 4.0, 8.0, 16.0, 32.0] * 10, xmin=2, xmax=32, discrete=False)
    assert fit.alpha == 1.0
    assert fit.alpha_stderr == pytest.approx(math.sqrt(12 / 50) / math.log(16.0), rel=1e-6)


def test_gof_pvalue_replays_the_documented_bootstrap(monkeypatch):
    """From the one Generator, in order: n_in ~ Binomial(n, n_tail / n) (drawn only when
    values lie outside the support), n_in points of the fitted law, and n - n_in drawn
    uniformly from the observed values outside [xmin, xmax] on both sides (a value at xmax
    is inside)."""
    import netaval.stats.power_law as pl

    x = np.concatenate([sample_power_law(120, alpha=2.0, xmin=3, xmax=50, seed=11),
                        [1.0, 2.0, 2.0, 50.0, 80.0, 90.0]])
    cases = [(fit_power_law(x, xmin=3, xmax=50), np.array([1.0, 2.0, 2.0, 80.0, 90.0])),
             (fit_power_law(sample_power_law(60, alpha=2.0, seed=12), xmin=1), np.zeros(0))]
    calls = []
    real = pl._fit
    monkeypatch.setattr(pl, "_fit", lambda data, *args: calls.append(data.copy())
                        or real(data, *args))
    for fit, outside in cases:
        calls.clear()
        fit.gof_pvalue(5, seed=2)
        rng = np.random.default_rng(2)
        assert len(calls) == 5
        for data in calls:
            n_in = rng.binomial(fit.n, fit.n_tail / fit.n) if len(outside) else fit.n
            tail = sample_power_law(n_in, alpha=fit.alpha, xmin=fit.xmin, xmax=fit.xmax,
                                    seed=rng)
            rest = rng.choice(outside, size=fit.n - n_in) if len(outside) else []
            assert np.array_equal(data, np.sort(np.concatenate([tail, rest])))


def test_gof_pvalue_ties_do_not_count_and_degenerate_sets_are_skipped(monkeypatch):
    """Data {1, 2}: a synthetic {1, 2} refits to exactly the observed distance (a tie, not
    larger), a synthetic {1, 1} cannot be fitted and is skipped while the loop goes on."""
    import netaval.stats.power_law as pl

    fit = fit_power_law([1.0, 2.0], xmin=1)
    outcomes = []
    real = pl._fit

    def spy(*args):
        try:
            refit = real(*args)
        except InvalidParameterError:
            outcomes.append(None)
            raise
        outcomes.append(refit.ks)
        return refit

    monkeypatch.setattr(pl, "_fit", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetavalWarning)  # a synthetic {2, 2}: alpha at a bound
        p = fit.gof_pvalue(20, seed=0)
    assert len(outcomes) == 20 and None in outcomes[:10]
    fitted = [d for d in outcomes if d is not None]
    assert fit.ks in fitted and any(d > fit.ks for d in fitted)
    assert p == sum(d > fit.ks for d in fitted) / 20


def test_truncated_support_search_hands_each_support_to_the_kernel(monkeypatch):
    """Every support tried, widest first, reaches the NCC p-value kernel with its number of
    points and the exact MLE and KS distance of the fixed-support fit there; the documented
    defaults p_crit = 0.2 and n_samples = 500 are what the kernel gets."""
    import netaval.stats.power_law as pl

    x = np.r_[sample_power_law(400, alpha=1.2, xmin=1, xmax=30, seed=7), [5000.0] * 20]
    seen = []
    real = pl._truncated_support_pvalue

    def spy(rng, n_sup, alpha, a, b, ks, n_samples, p_crit, lo, hi):
        seen.append((n_sup, alpha, a, b, ks, n_samples, p_crit))
        return real(rng, n_sup, alpha, a, b, ks, n_samples, p_crit, lo, hi)

    monkeypatch.setattr(pl, "_truncated_support_pvalue", spy)
    fit = fit_truncated_power_law(x, p_crit=0.2, n_samples=30, seed=0)
    assert len(seen) > 3 and seen[0][2:4] == (1.0, 5000.0) and seen[-1][2:4] == (fit.xmin, fit.xmax)
    widths = [math.log(b / a) for _, _, a, b, *_ in seen]
    assert widths == sorted(widths, reverse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetavalWarning)
        for n_sup, alpha, a, b, ks, n_samples, p_crit in seen:
            ref = fit_power_law(x, xmin=a, xmax=b)
            assert n_sup == np.count_nonzero((x >= a) & (x <= b)) == ref.n_tail
            assert (alpha, ks, n_samples, p_crit) == (ref.alpha, ref.ks, 30, 0.2)
    seen.clear()
    monkeypatch.setattr(pl, "_truncated_support_pvalue",
                        lambda *args: seen.append(args[6:8]) or (1.0, 0, 0, 0))
    fit_truncated_power_law(x, seed=0)
    assert seen == [(500, 0.2)]


def test_truncated_support_search_with_all_but_one_support():
    """max_supports one short of all supports (4 values: [1, 3], [1, 4], [2, 4]) tries the
    two widest, widest first."""
    import netaval.stats.power_law as pl

    tried = []
    x = [1] * 30 + [2] * 12 + [3] * 6 + [4] * 4
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pl, "_truncated_support_pvalue",
                   lambda rng, n, alpha, a, b, *args: tried.append((a, b)) or (0.0, 0, 0, 0))
        with pytest.raises(InvalidParameterError, match="no support reached"):
            fit_truncated_power_law(x, max_supports=2, seed=0)
    assert tried == [(1.0, 4.0), (1.0, 3.0)]


def test_sample_power_law_starts_at_one_by_default():
    """xmin defaults to 1: with alpha = 3, P(X = 1) = 1 / zeta(3) = 0.83."""
    x = sample_power_law(200, alpha=3.0, seed=0)
    assert x.min() == 1.0 and np.count_nonzero(x == 1.0) > 120
