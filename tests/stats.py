"""Statistical helpers for tests: tolerances derived from standard errors, z stated.

With z = 4 a two-sided normal check has a false-alarm rate of about 6e-5. Every helper has a
test showing that it fails on a wrong expected value.
"""

import math

import numpy as np
from scipy import stats as _stats

Z_DEFAULT = 4.0


def assert_within_z(estimate, expected, stderr, *, z=Z_DEFAULT, what="estimate"):
    """Assert |estimate - expected| <= z * stderr (stderr from theory or the estimator)."""
    assert stderr > 0 and math.isfinite(stderr), f"{what}: unusable stderr {stderr}"
    dev = abs(estimate - expected)
    assert dev <= z * stderr, (f"{what} = {estimate:.6g}, expected {expected:.6g}: off by "
                               f"{dev / stderr:.2f} stderr (> z = {z}; stderr = {stderr:.3g})")


def assert_mean_within_z(samples, expected, *, z=Z_DEFAULT, what="mean"):
    """Assert the sample mean is within z standard errors (sample std / sqrt(n)) of expected."""
    samples = np.asarray(samples, dtype=float)
    assert len(samples) >= 2
    se = samples.std(ddof=1) / math.sqrt(len(samples))
    assert_within_z(samples.mean(), expected, se, z=z, what=what)


def spread_ratio_stderr(estimates, reported_stderrs):
    """Standard error of ``std(estimates) / mean(reported_stderrs)`` under the hypothesis 1.

    The sample variance of R replicates has Var(s^2) = sigma^4 (2 / (R - 1) + kappa / R)
    (kappa: excess kurtosis, estimated from the replicates and floored at 0), so by the
    delta method s has relative standard error sqrt(2 / (R - 1) + kappa / R) / 2, which is
    1 / sqrt(2 (R - 1)) for normal estimates. The mean of the reported errors adds its
    own relative standard error, sd(reported) / (mean(reported) sqrt(R)), in quadrature.
    """
    estimates = np.asarray(estimates, dtype=float)
    reported = np.asarray(reported_stderrs, dtype=float)
    r = len(estimates)
    kappa = max(float(_stats.kurtosis(estimates, fisher=True, bias=False)), 0.0)
    rel_sd = 0.5 * math.sqrt(2.0 / (r - 1) + kappa / r)
    rel_mean = reported.std(ddof=1) / reported.mean() / math.sqrt(r) if len(reported) > 1 else 0.0
    return math.hypot(rel_sd, rel_mean)


def assert_stderr_matches_spread(estimates, reported_stderrs, *, z=Z_DEFAULT, what="stderr"):
    """Assert a reported standard error matches the spread of estimates over replicates.

    The ratio std(estimates) / mean(reported) must be within z standard errors of 1,
    with the standard error of `spread_ratio_stderr` (the sampling error of a standard
    deviation, widened for heavy tails and for the scatter of the reported errors). With
    z = 4 the false-alarm rate is about 6e-5. With R normal replicates a reported stderr
    f times too large is caught once |1/f - 1| > z / sqrt(2 (R - 1)): at z = 4, f = 3 needs
    R >= 19, f = 2 needs R >= 34, f = 1/2 needs R >= 10.
    """
    estimates = np.asarray(estimates, dtype=float)
    reported = np.asarray(reported_stderrs, dtype=float)
    r = len(estimates)
    assert r >= 10, "need at least 10 replicates"
    assert reported.shape in ((r,), (1,), ()), "one reported stderr per replicate"
    assert np.all(np.isfinite(estimates)) and np.all(np.isfinite(reported)) and np.all(reported > 0), (
        f"{what}: non-finite estimates or unusable reported errors")
    ratio = estimates.std(ddof=1) / float(np.mean(reported))
    assert_within_z(ratio, 1.0, spread_ratio_stderr(estimates, np.atleast_1d(reported)), z=z,
                    what=f"{what}: spread / reported")


def assert_uniform(pvalues, *, level=0.01):
    """Coarse check that p-values are uniform on [0, 1]: KS test p-value > level."""
    pvalues = np.asarray(pvalues, dtype=float)
    p = _stats.kstest(pvalues, "uniform").pvalue
    assert p > level, f"p-values are not uniform (KS p = {p:.3g} <= {level})"


def assert_chisquare_fits(observed, expected_probs, *, alpha=1e-3, min_expected=5.0,
                          what="histogram"):
    """Chi-square goodness-of-fit of integer counts to probabilities, false-alarm rate alpha.

    ``observed[i]`` counts outcome i and ``expected_probs[i]`` is its probability (they
    are renormalised to the observed total, so pass the full support or pool the tail
    yourself). Adjacent bins are pooled from both ends until every expected count is at
    least ``min_expected`` (the usual validity condition); the test then has
    ``bins - 1`` degrees of freedom.
    """
    observed = np.asarray(observed, dtype=float)
    probs = np.asarray(expected_probs, dtype=float)
    assert observed.shape == probs.shape and probs.sum() > 0
    expected = probs / probs.sum() * observed.sum()
    obs_bins, exp_bins = [], []
    acc_o = acc_e = 0.0
    for o, e in zip(observed, expected, strict=True):
        acc_o += o
        acc_e += e
        if acc_e >= min_expected:
            obs_bins.append(acc_o)
            exp_bins.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 or acc_o > 0:
        if exp_bins:
            obs_bins[-1] += acc_o
            exp_bins[-1] += acc_e
        else:
            obs_bins.append(acc_o)
            exp_bins.append(acc_e)
    assert len(obs_bins) >= 2, f"{what}: too few counts for a chi-square test"
    statistic, p = _stats.chisquare(obs_bins, exp_bins)
    assert p > alpha, (f"{what}: chi-square = {statistic:.4g} on {len(obs_bins) - 1} dof, "
                       f"p = {p:.3g} <= alpha = {alpha}")


def assert_same_distribution(sample_a, sample_b, *, alpha=1e-3, what="samples"):
    """Two-sample Kolmogorov-Smirnov test, false-alarm rate at most alpha.

    For discrete samples (degrees) the test is conservative: ties only lower the
    false-alarm rate below alpha.
    """
    result = _stats.ks_2samp(np.asarray(sample_a), np.asarray(sample_b))
    assert result.pvalue > alpha, (f"{what}: two-sample KS D = {result.statistic:.4g}, "
                                   f"p = {result.pvalue:.3g} <= alpha = {alpha}")


def assert_means_agree(samples_a, samples_b, *, z=Z_DEFAULT, what="means"):
    """Two-sample z check: |mean_a - mean_b| <= z sqrt(se_a^2 + se_b^2) (sample stderrs)."""
    a = np.asarray(samples_a, dtype=float)
    b = np.asarray(samples_b, dtype=float)
    assert len(a) >= 2 and len(b) >= 2
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert_within_z(a.mean() - b.mean(), 0.0, max(se, 1e-300), z=z, what=what)
