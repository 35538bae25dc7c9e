"""Tests of the test helpers: each passes on the truth and fails on a wrong expected value."""

import functools
import warnings

import numpy as np
import pytest
from stats import (
    assert_chisquare_fits,
    assert_mean_within_z,
    assert_means_agree,
    assert_same_distribution,
    assert_stderr_matches_spread,
    assert_uniform,
    assert_within_z,
)
from warning_location import assert_warned_at_caller

RNG_SEED = 7


def test_mean_within_z_detects_a_wrong_mean():
    """A sample of 10^4 N(1, 1) draws passes for mean 1 and fails for mean 1.1 (10 stderr off)."""
    sample = np.random.default_rng(RNG_SEED).normal(1.0, 1.0, 10_000)
    assert_mean_within_z(sample, 1.0)
    with pytest.raises(AssertionError):
        assert_mean_within_z(sample, 1.1)


def test_within_z_detects_a_wrong_value_and_bad_stderr():
    """assert_within_z fails beyond z stderr and on an unusable stderr."""
    assert_within_z(1.0, 1.3, 0.1)
    with pytest.raises(AssertionError):
        assert_within_z(1.0, 1.5, 0.1)
    with pytest.raises(AssertionError):
        assert_within_z(1.0, 1.0, 0.0)


def test_stderr_matches_spread_detects_a_wrong_stderr():
    """Replicates with spread 1 pass for reported stderr 1 and fail for a stderr off by 2x."""
    estimates = np.random.default_rng(RNG_SEED).normal(0.0, 1.0, 200)
    assert_stderr_matches_spread(estimates, np.ones(200))
    with pytest.raises(AssertionError):
        assert_stderr_matches_spread(estimates, np.full(200, 2.0))


def test_uniform_detects_skewed_pvalues():
    """Uniform p-values pass; squared ones (skewed toward 0) fail."""
    p = np.random.default_rng(RNG_SEED).random(2000)
    assert_uniform(p)
    with pytest.raises(AssertionError):
        assert_uniform(p**2)


def test_chisquare_detects_a_wrong_law():
    """Binomial(10, 0.3) counts fit their law and not Binomial(10, 0.35)."""
    from scipy import stats

    draws = np.random.default_rng(RNG_SEED).binomial(10, 0.3, 20_000)
    counts = np.bincount(draws, minlength=11)
    assert_chisquare_fits(counts, stats.binom.pmf(np.arange(11), 10, 0.3))
    with pytest.raises(AssertionError):
        assert_chisquare_fits(counts, stats.binom.pmf(np.arange(11), 10, 0.35))


def test_same_distribution_and_means_agree_detect_a_shift():
    """Two samples of one law agree; shifting one by 0.2 sd (n = 10^4) is detected by both."""
    rng = np.random.default_rng(RNG_SEED)
    a, b = rng.normal(0, 1, 10_000), rng.normal(0, 1, 10_000)
    assert_same_distribution(a, b)
    assert_means_agree(a, b)
    with pytest.raises(AssertionError):
        assert_same_distribution(a, b + 0.2)
    with pytest.raises(AssertionError):
        assert_means_agree(a, b + 0.2)


def _warns(level):
    warnings.warn("from the body", UserWarning, stacklevel=level)


def _trampoline(level):  # plays mutmut's trampoline
    return _warns(level)


@functools.wraps(_warns)
def _wrapped(level):  # plays mutmut's outer wrapper (it has __wrapped__)
    return _trampoline(level)


def test_warned_at_caller_detects_a_wrong_stacklevel():
    """stacklevel 2 passes; 1 (the body) and 3 (pytest's frame) fail, and with the wrapper 3
    (the wrapper's line) fails (1 names the body's file, another one under mutmut)."""
    for func, right, wrong in ((_warns, 2, (1, 3)), (_wrapped, 2, (3,))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for level in (right, *wrong):
                func(level)
        assert_warned_at_caller(caught[0], func, __file__)
        for bad in caught[1:]:
            with pytest.raises(AssertionError):
                assert_warned_at_caller(bad, func, __file__)
